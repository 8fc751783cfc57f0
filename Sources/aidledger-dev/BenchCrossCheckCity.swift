import LedgerCore
import LedgerSamples

/// The city of the cross-check benchmark: Yueyang's 12 units (`DemoCity.yueyangUnits`) at a scale the demo city
/// (at most 30,000 students a unit) does not reach, generated in bulk: people, their registry rows, their payments
/// of 2025-spring and 2025-autumn (the checked term), and a known sprinkling of irregularities with the findings a
/// correct engine must produce under the seed rules (Config/crosscheck). Every person is invented; every ID number
/// is valid and different.
///
/// Who is who (payments P, students E, certificates C, terms T, irregularities K per kind):
/// - C students hold one certificate each and are paid in the checked term: nine in ten are in compulsory education
///   (boarders, three in five, paid 寄宿生生活补助; the others 非寄宿生生活补助, with a category that programme covers),
///   one in ten are senior students paid 普通高中国家助学金;
/// - the other people paid in the checked term are senior students of category 其他 (which no certificate proves);
/// - of the people paid in the checked term, as many as the payment count allows were also paid in 2025-spring
///   (context the run reads but does not check);
/// - the remaining students are enrolled, have no category and are not paid.
///
/// Irregularities, K of each, every one on a different certified compulsory boarder (unit responsible → finding):
/// XC-02 a certificate valid until 2025-08-31, the day before the term (paying unit); XC-02 a cancelled certificate
/// (paying unit); XC-03 no identity row; XC-03 no enrollment row (paying unit); XC-05 paid again, later, by the
/// next unit (that unit); XC-07 transferred out on 2025-09-15, graduated on 2025-07-01, or died on 2025-09-20, and
/// paid in October (paying unit); XC-08 paid 125.00 yuan below the standard (paying unit). And K clean edge cases:
/// a student paid again by the unit after next and that payment reversed (no finding).
struct BenchCity {
    /// The checked term and its first day; the other term of the year is context.
    static let period = "2025-autumn"
    static let periodStart = "2025-09-01"
    static let springPeriod = "2025-spring"
    /// The date the registry snapshots are as of.
    static let registriesAsOf = "2025-11-30"

    struct Sizes {
        var payments: Int
        var students: Int
        var certificates: Int
        var identity: Int
        /// 1: every payment in the checked term; 2: the term before too.
        var terms: Int
        /// Of each kind.
        var irregularities: Int
        var batchSize: Int
    }

    /// One payment batch: the unit (index in `units`) whose ledger holds it and whose officer signs it.
    struct Batch {
        let unit: Int
        let program: String
        let period: String
        let batchID: String
        var items: [PaymentInput]
    }

    /// A finding the engine must produce.
    struct Expected: Hashable {
        let rule: String
        let unit: String
        let idNumber: String
        /// Canonical programme name; "" for a finding about no one programme (XC-03).
        let program: String
    }

    let units: [DemoUnit]
    /// Grouped by unit, in `units` order; within a unit spring, then autumn, then the extra batch.
    let batches: [Batch]
    let registries: RegistryData
    /// Payments to reverse once appended: batch index in `batches`, item index in the batch.
    let reversals: [(batch: Int, item: Int)]
    let expected: [Expected]

    enum Role: UInt8 { case certifiedCompulsory, certifiedSenior, otherSenior, unpaid }
    enum Injection: UInt8, CaseIterable {
        case none, expiredCertificate, cancelledCertificate, noIdentity, noEnrollment, duplicate, reversedDuplicate, transferredOut, graduated, deceased, wrongAmount
    }

    /// A person as the generator tracks them before writing rows.
    struct Person {
        var unit: Int
        var role: Role
        var grade: Int
        var boarding: Bool
        var category: String?
        var injection = Injection.none
    }

    enum Programme: Int, CaseIterable {
        case boarding, nonBoarding, seniorGrant

        var canonical: String {
            switch self {
            case .boarding: "寄宿生生活补助"
            case .nonBoarding: "非寄宿生生活补助"
            case .seniorGrant: "普通高中国家助学金"
            }
        }

        var code: String {
            switch self {
            case .boarding: "boarding"
            case .nonBoarding: "non-boarding"
            case .seniorGrant: "senior-grant"
            }
        }

        /// The categories the seed configuration has the programme cover, without 其他.
        var categories: [String] {
            switch self {
            case .boarding: ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾"]
            case .nonBoarding: ["建档立卡", "脱贫", "低保", "特困", "残疾"]
            case .seniorGrant: ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾"]
            }
        }

        /// One term's standard payment from 2025 (fen); the senior grant's tiers lie within 750.00–1750.00.
        func standardFen(_ stage: Stage) -> Int64 {
            switch self {
            case .boarding: stage == .junior ? 75_000 : 62_500
            case .nonBoarding: stage == .junior ? 37_500 : 31_250
            case .seniorGrant: 115_000
            }
        }
    }

    /// The certificate types that prove a category (seed configuration).
    static func certificateTypes(_ category: String) -> [String] {
        switch category {
        case "建档立卡": ["建档立卡户", "脱贫户"]
        case "脱贫": ["脱贫户"]
        case "监测": ["监测对象"]
        case "低保": ["低保证"]
        case "特困": ["特困人员救助供养证"]
        case "孤儿": ["孤儿证"]
        case "残疾": ["残疾人证"]
        default: []
        }
    }

    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "欧阳"]
    static let givenNames = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚",
                             "子涵", "梓轩", "一诺", "欣怡", "浩然", "雨桐", "思远"]

    /// Why a city cannot be generated with these sizes (the message names the option).
    struct SizeError: Error, CustomStringConvertible {
        let description: String
    }

    static func generate(_ sizes: Sizes, seed: UInt64) throws -> BenchCity {
        var g = Generator(seed: seed)
        return try g.build(sizes)
    }
}

/// The generator behind `BenchCity.generate`: one seeded stream of random numbers, people issued in order.
private struct Generator {
    var rng: SplitMix64
    let units = DemoCity.yueyangUnits
    /// People issued per (address code, birth year): person j of a pair gets birth day j mod 365 and sequence
    /// number j / 365 + 1, so no two people share an ID number.
    var issued: [String: Int] = [:]
    var bankRefs = 0
    var certificateSerial = 0

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }
    mutating func pick<T>(_ options: [T]) -> T { options[roll(options.count)] }

    func addressCode(_ unit: String) -> String {
        unit.utf8.count == 6 && unit.utf8.allSatisfy({ (0x30...0x39).contains($0) }) ? unit : "430602"
    }

    mutating func newID(unit: String, birthYear: Int) throws -> String {
        let address = addressCode(unit)
        let key = address + String(birthYear)
        let j = issued[key, default: 0]
        issued[key] = j + 1
        guard j < 365 * 999, let firstDay = DateLimits.dayNumber("\(birthYear)-01-01") else {
            throw BenchCity.SizeError(description: "too many people for one address code and birth year: use fewer --students")
        }
        let birth = DateLimits.date(firstDay + Int64(j % 365)).filter { $0 != "-" }
        let sequence = String(j / 365 + 1)
        let first17 = address + birth + String(repeating: "0", count: 3 - sequence.count) + sequence
        return first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8)))
    }

    mutating func name() -> String { pick(BenchCity.surnames) + pick(BenchCity.givenNames) }

    func stage(grade: Int) -> Stage { grade <= 6 ? .primary : grade <= 9 ? .junior : .senior }

    func school(unit: Int, stage: Stage, variant: Int) -> (code: String, name: String) {
        let u = units[unit]
        switch stage {
        case .primary: return variant == 0 ? (u.code + "-P1", u.name + "第一小学") : (u.code + "-P2", u.name + "第二小学")
        case .junior: return (u.code + "-J1", u.name + "第一初级中学")
        default: return (u.code + "-S1", u.name + "第一高级中学")
        }
    }

    static func chinese(_ stage: Stage) -> String { stage == .primary ? "小学" : stage == .junior ? "初中" : "高中" }

    mutating func build(_ s: BenchCity.Sizes) throws -> BenchCity {
        let k = s.irregularities
        guard s.terms == 1 || s.terms == 2 else { throw BenchCity.SizeError(description: "--terms must be 1 or 2") }
        guard k >= 0, s.payments > 2 * k else { throw BenchCity.SizeError(description: "--payments must exceed twice --irregularities") }
        let periodPayments = (s.payments - 2 * k + s.terms - 1) / s.terms     // people paid in the checked term
        let springPayments = s.payments - 2 * k - periodPayments
        guard s.certificates >= 10, s.certificates <= periodPayments else {
            throw BenchCity.SizeError(description: "--certificates must be 10 … \(periodPayments) (the people paid in the term)")
        }
        let people = s.students + k                                               // K paid people have no enrollment row
        guard people >= periodPayments else { throw BenchCity.SizeError(description: "--students must be at least \(periodPayments - k)") }
        let seniorsCertified = s.certificates / 10

        // Roles, shuffled over the city; person i belongs to unit i × 12 / people.
        var roles: [BenchCity.Role] = []
        roles.reserveCapacity(people)
        roles += repeatElement(.certifiedCompulsory, count: s.certificates - seniorsCertified)
        roles += repeatElement(.certifiedSenior, count: seniorsCertified)
        roles += repeatElement(.otherSenior, count: periodPayments - s.certificates)
        roles += repeatElement(.unpaid, count: people - periodPayments)
        roles.shuffle(using: &rng)
        var persons: [BenchCity.Person] = []
        persons.reserveCapacity(people)
        for (i, role) in roles.enumerated() {
            let unit = i * units.count / people
            switch role {
            case .certifiedCompulsory:
                let boarding = roll(5) < 3
                let grade = 1 + roll(9)
                persons.append(.init(unit: unit, role: role, grade: grade, boarding: boarding,
                                     category: pick(boarding ? BenchCity.Programme.boarding.categories : BenchCity.Programme.nonBoarding.categories)))
            case .certifiedSenior:
                persons.append(.init(unit: unit, role: role, grade: 10 + roll(3), boarding: roll(2) == 0, category: pick(BenchCity.Programme.seniorGrant.categories)))
            case .otherSenior:
                persons.append(.init(unit: unit, role: role, grade: 10 + roll(3), boarding: roll(2) == 0, category: "其他"))
            case .unpaid:
                persons.append(.init(unit: unit, role: role, grade: 1 + roll(12), boarding: roll(3) == 0, category: nil))
            }
        }
        // Irregularities on certified compulsory boarders, each on a different person.
        var pool = persons.indices.filter { persons[$0].role == .certifiedCompulsory && persons[$0].boarding }
        let kinds = BenchCity.Injection.allCases.filter { $0 != .none }
        guard pool.count >= kinds.count * k else { throw BenchCity.SizeError(description: "too few boarders for --irregularities \(k): lower it") }
        pool.shuffle(using: &rng)
        for (n, kind) in kinds.enumerated() {
            for i in pool[(n * k)..<((n + 1) * k)] { persons[i].injection = kind }
        }

        // Rows and payments, person by person.
        var enrollment: [EnrollmentRecord] = [], certificates: [CertificateRecord] = [], identity: [IdentityRecord] = []
        enrollment.reserveCapacity(s.students)
        certificates.reserveCapacity(s.certificates)
        identity.reserveCapacity(max(s.identity, people))
        // [unit][programme] items of each term, and each unit's extra batch (later payments by another unit).
        var autumn = Array(repeating: Array(repeating: [PaymentInput](), count: 3), count: units.count)
        var spring = autumn
        var extra = Array(repeating: [PaymentInput](), count: units.count)
        var extraReversed = Array(repeating: [Int](), count: units.count)
        var expected: [BenchCity.Expected] = []
        var paidSoFar = 0
        let accountOffset = rng.next() % 1_000_000_000_000
        for (i, p) in persons.enumerated() {
            let unit = units[p.unit]
            let stage = self.stage(grade: p.grade)
            let id = try newID(unit: unit.code, birthYear: 2025 - p.grade - 6)
            let name = self.name()
            let school = self.school(unit: p.unit, stage: stage, variant: roll(2))
            let injection = p.injection
            // Registries.
            if injection != .noEnrollment {
                let status: EnrollmentStatus = injection == .transferredOut ? .transferredOut : injection == .graduated ? .graduated : .enrolled
                let statusDate: String? = injection == .transferredOut ? "2025-09-15" : injection == .graduated ? "2025-07-01" : nil
                enrollment.append(EnrollmentRecord(line: enrollment.count + 2, idNumber: id, name: name, unit: unit.code, schoolCode: school.code,
                                                   schoolName: school.name, stage: stage, grade: String(p.grade), boarding: p.boarding, status: status,
                                                   statusDate: statusDate, studentNumber: roll(20) == 0 ? nil : "G" + id))
            }
            if injection != .noIdentity {
                identity.append(IdentityRecord(line: identity.count + 2, idNumber: id, name: name, alive: injection != .deceased,
                                               deathDate: injection == .deceased ? "2025-09-20" : nil))
            }
            guard p.role != .unpaid, let category = p.category else { continue }
            var certType: String? = nil, certNumber: String? = nil
            if p.role != .otherSenior {
                let type = pick(BenchCity.certificateTypes(category))
                let number: String
                if type == "残疾人证" {
                    number = id + String(1 + roll(7)) + String(1 + roll(4))
                } else {
                    certificateSerial += 1
                    let serial = String(certificateSerial)
                    number = "C" + unit.code + "-" + String(repeating: "0", count: max(0, 8 - serial.count)) + serial
                }
                let validFrom = DateLimits.date((DateLimits.dayNumber("2025-08-01") ?? 0) - Int64(30 + roll(700)))
                let validTo: String? = injection == .expiredCertificate ? "2025-08-31" : roll(3) == 0 ? nil : DateLimits.date((DateLimits.dayNumber("2026-01-01") ?? 0) + Int64(roll(400)))
                certificates.append(CertificateRecord(line: certificates.count + 2, certType: type, certNumber: number, idNumber: id, name: name,
                                                      issuerUnit: unit.code, validFrom: validFrom, validTo: validTo,
                                                      status: injection == .cancelledCertificate ? .cancelled : .valid))
                (certType, certNumber) = (type, number)
            }
            // Payments: the checked term; the term before for the first people paid, as far as the count goes.
            let programme: BenchCity.Programme = p.role == .certifiedCompulsory ? (p.boarding ? .boarding : .nonBoarding) : .seniorGrant
            var amount = programme == .seniorGrant ? pick([100_000, 115_000, 150_000] as [Int64]) : programme.standardFen(stage)
            let standardAmount = amount
            if injection == .wrongAmount { amount -= 12_500 }
            let method = roll(10)
            let accountType: AccountType = method < 7 ? .bankCard : method < 9 ? .socialSecurityCard : .aidCard
            let account = "6217" + String(100_000_000_000_000 + (accountOffset + UInt64(i)) % 900_000_000_000_000)
            func payment(_ payingUnit: Int, _ paidDate: String, _ amountFen: Int64) -> PaymentInput {
                bankRefs += 1
                let s = payingUnit == p.unit ? school : self.school(unit: payingUnit, stage: stage, variant: 0)
                let personal: [PersonalField: String?] = [.idNumber: id, .name: name, .category: category, .certType: certType, .certNumber: certNumber,
                                                          .accountNumber: account, .bankRef: "BR" + String(1_000_000_000 + bankRefs)]
                return PaymentInput(unit: units[payingUnit].code, schoolCode: s.code, schoolName: s.name, stage: stage, grade: String(p.grade), boarding: p.boarding,
                                    amountFen: amountFen, accountType: accountType, paidDate: paidDate, personal: personal.compactMapValues { $0 })
            }
            let day = String(10 + p.unit)
            autumn[p.unit][programme.rawValue].append(payment(p.unit, "2025-10-" + day, amount))
            if paidSoFar < springPayments { spring[p.unit][programme.rawValue].append(payment(p.unit, "2025-04-" + day, standardAmount)) }
            paidSoFar += 1
            let canonical = programme.canonical
            switch injection {
            case .none: break
            case .expiredCertificate, .cancelledCertificate: expected.append(.init(rule: "XC-02", unit: unit.code, idNumber: id, program: canonical))
            case .noIdentity, .noEnrollment: expected.append(.init(rule: "XC-03", unit: unit.code, idNumber: id, program: ""))
            case .transferredOut, .graduated, .deceased: expected.append(.init(rule: "XC-07", unit: unit.code, idNumber: id, program: canonical))
            case .wrongAmount: expected.append(.init(rule: "XC-08", unit: unit.code, idNumber: id, program: canonical))
            case .duplicate:
                let other = (p.unit + 1) % units.count
                extra[other].append(payment(other, "2025-10-28", standardAmount))
                expected.append(.init(rule: "XC-05", unit: units[other].code, idNumber: id, program: canonical))
            case .reversedDuplicate:
                let other = (p.unit + 2) % units.count
                extraReversed[other].append(extra[other].count)
                extra[other].append(payment(other, "2025-10-28", standardAmount))
            }
        }
        // People the identity registry knows who are not students (parents), up to its size.
        while identity.count < s.identity {
            let unit = units[roll(units.count)]
            identity.append(IdentityRecord(line: identity.count + 2, idNumber: try newID(unit: unit.code, birthYear: 1975 + roll(15)), name: name(),
                                           alive: true, deathDate: nil))
        }

        // Batches of at most batchSize, ledger by ledger.
        var batches: [BenchCity.Batch] = []
        var reversals: [(batch: Int, item: Int)] = []
        for u in units.indices {
            let code = units[u].code
            func programName(_ programme: BenchCity.Programme) -> String {
                // 华容县 writes the boarding subsidy under an alias, as in the demo city.
                programme == .boarding && code == "430623" ? "家庭经济困难寄宿生生活补助" : programme.canonical
            }
            for (period, items) in [(BenchCity.springPeriod, spring[u]), (BenchCity.period, autumn[u])] {
                for programme in BenchCity.Programme.allCases {
                    let all = items[programme.rawValue]
                    for (n, start) in stride(from: 0, to: all.count, by: s.batchSize).enumerated() {
                        batches.append(.init(unit: u, program: programName(programme), period: period, batchID: "\(period)/\(code)/\(programme.code)/\(n + 1)",
                                             items: Array(all[start..<min(all.count, start + s.batchSize)])))
                    }
                }
            }
            if !extra[u].isEmpty {
                for r in extraReversed[u] { reversals.append((batches.count, r)) }
                batches.append(.init(unit: u, program: programName(.boarding), period: BenchCity.period, batchID: "\(BenchCity.period)/\(code)/boarding/later",
                                     items: extra[u]))
            }
        }
        return BenchCity(units: units, batches: batches, registries: RegistryData(enrollment: enrollment, certificates: certificates, identity: identity),
                         reversals: reversals, expected: expected.sorted { ($0.rule, $0.unit, $0.idNumber) < ($1.rule, $1.unit, $1.idNumber) })
    }
}

extension BenchCity {
    /// A registry as the CSV file a department delivers (the demo city's headers; no field here needs quoting).
    func csv(_ kind: RegistryKind) -> [UInt8] {
        var out: [UInt8] = []
        func line(_ fields: [String]) {
            for (i, f) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: f.utf8)
            }
            out.append(UInt8(ascii: "\n"))
        }
        line(DemoCity.registryHeader(kind))
        switch kind {
        case .enrollment:
            out.reserveCapacity(registries.enrollment.count * 150)
            for e in registries.enrollment {
                line([e.idNumber, e.name, e.unit, e.schoolCode, e.schoolName, Generator.chinese(e.stage), e.grade, e.boarding ? "是" : "否", e.status.chinese,
                      e.statusDate ?? "", e.studentNumber ?? ""])
            }
        case .certificates:
            out.reserveCapacity(registries.certificates.count * 120)
            for c in registries.certificates {
                line([c.certType, c.certNumber, c.idNumber, c.name, c.issuerUnit, c.validFrom, c.validTo ?? "", c.status.chinese])
            }
        case .identity:
            out.reserveCapacity(registries.identity.count * 40)
            for i in registries.identity { line([i.idNumber, i.name, i.alive ? "是" : "否", i.deathDate ?? ""]) }
        }
        return out
    }
}

import LedgerCore

// A demo city like Yueyang (岳阳): 12 units (6 districts and functional zones, 6 counties), their payment
// batches of one term, the three registries a cross-county check reads, and a known sprinkling of irregularities
// with the findings a correct engine must produce under the seed configuration (Config/crosscheck/). Every
// person is invented; ID numbers are well-formed (valid birth date and check character) unless said otherwise.
//
// THE ANSWER KEY. Apart from what is listed here, every student is clean: paid by the unit whose school they are
// enrolled at, alive in the identity register under the same name, holding a certificate of a type that proves
// their category (issued by their unit, sometimes by another Yueyang unit) valid on the first day of the term,
// paid the standard amount (2024 rates: boarders primary 625.00 / junior 750.00 yuan a term, non-boarders
// 312.50 / 375.00; 普通高中国家助学金 1000.00, 1150.00 or 1500.00), by an allowed method, into an account of their
// own (two siblings sometimes share one), with 学籍号 "G" + ID number (or none). Enrolled students without a
// category hold no certificate and are not paid. 华容县 (430623) writes its boarding batch under the alias
// 家庭经济困难寄宿生生活补助. Term dates below are for 2025-autumn (term starts 09-01, payments in October);
// another term shifts them alike.
//
// Injected irregularities (unit responsible → findings):
// - XC-01 ID_VALID:
//   1. 云溪区 430603 pays a boarding subsidy to an ID number whose province code (99) does not exist (its check
//      character is right, so the importer accepts it): a fabricated student found in no registry →
//      XC-01, XC-02 (no certificate) and XC-03 (no identity row), all 430603.
//   2. 岳阳县 430621's enrollment registry has a row whose ID number has a wrong check character (a student who
//      is not paid and has no category) → XC-01 430621 (that row's ID number), no entries.
//   3. 临湘市 430682 issued a 低保证 whose holder's ID number has a wrong check character (an adult, no
//      student) → XC-01 430682.
// - XC-02 PERSON_NO_CERT 有人无证:
//   1. 君山区 430611 pays a boarder whose 低保证 was valid until 08-31, the day before the term started.
//   2. 湘阴县 430624 pays a boarder (特困) whose 特困人员救助供养证 is cancelled (注销).
//   3. 南湖新区 YY-NH pays a boarder claiming 低保 who holds only a (valid) 残疾人证: the wrong type.
//   (and XC-01 #1.)
// - XC-03 CERT_NO_PERSON 有证无人:
//   1. 平江县 430626 pays a student who is in the identity register and the certificates but in no enrollment row.
//   2. 汨罗市 430681 pays an enrolled, certified student who is not in the identity register.
//   (and XC-01 #1.)
// - XC-04 NAME_ID_MISMATCH: 1. 岳阳楼区 430602 pays under a misspelt name (identity, enrollment and certificate
//   agree on another). 2. 华容县 430623's enrollment row and payment carry a former name; identity and
//   certificate the current one.
// - XC-05 DUP_PROGRAM (across units): 1. a boarder enrolled at 君山区 430611, paid by 430611 and again, later, by
//   华容县 430623 under its alias name → XC-05 430623. 2. a boarder enrolled at 经开区 YY-JK, paid by YY-JK and
//   later by 湘阴县 430624 → XC-05 430624.
// - XC-06 MUTEX: 1. 岳阳楼区 430602 pays one boarder both the boarding and the non-boarding subsidy (two batches)
//   → 430602. 2. a boarder of 岳阳县 430621 paid the boarding subsidy there and the non-boarding subsidy, later,
//   by 平江县 430626 → 430626. 3. a junior boarder of 云溪区 430603 paid there, and paid 普通高中国家助学金 as a
//   senior student, later, by 临湘市 430682 (two stages in one term) → 430682.
// - XC-07 STATUS_AFTER_EXIT: 1. 华容县 430623 pays a student who transferred out on 09-15 (now enrolled at
//   君山区 430611). 2. 屈原管理区 430671 pays a student who graduated on 07-01. 3. 经开区 YY-JK pays a student the
//   identity register records as deceased on 09-20 (the school still lists the student).
// - XC-08 AMOUNT_STD: 1. 湘阴县 430624 pays a junior boarder 625.00 (the pre-2024 rate, 750.00 due). 2. 汨罗市
//   430681 pays a primary non-boarder 250.00 (pre-2024 rate, 312.50 due). 3. 君山区 430611 pays a senior student
//   2000.00 of 普通高中国家助学金 (above the 1750.00 a term the tiers allow).
// - XC-10 PAYEE (no person: one finding per account): 1. one account receives the boarding subsidy of three
//   unrelated students of 平江县 430626 → 430626. 2. one account receives four students' payments, three of
//   岳阳县 430621 and one of 华容县 430623 → 430621.
// - XC-11 METHOD: 云溪区 430603 and 屈原管理区 430671 each pay one senior student 普通高中国家助学金 by meal card
//   (the seed allows meal cards only for the compulsory-education living subsidies).
// - XC-16 DISAB_CERT: 1. 岳阳县 430621 pays a student (残疾) whose 残疾人证 number has type digit 8. 2. 临湘市
//   430682 pays a student whose 残疾人证 number starts with another person's ID number. (Both certificates are
//   valid records of the right type and holder: no XC-02.)
// - XC-17 XJH_MATCH: 南湖新区 YY-NH and 汨罗市 430681 each have a paid student whose 学籍号 is "G" + a classmate's
//   ID number.
// - XC-18 UNIT_MAP (no person: one finding per unknown code): 平江县's ledger holds a boarding batch keyed with
//   unit code 430699, and 岳阳县's ledger one keyed with 430620; neither code is in the unit table (the students
//   are enrolled at 430626 and 430621). Those ledgers' officers are enrolled for these codes too
//   (`DemoLedger.officerUnits`), as an officer who mistyped the code on a batch would have been able to sign it.
// - XC-20 ELIGIBLE_UNPAID 应助未助: 1. 经开区 YY-JK: an enrolled junior boarder with a valid 低保证, not paid
//   (寄宿生生活补助). 2. 屈原管理区 430671: an enrolled primary non-boarder with a valid 脱贫户 record, not paid
//   (非寄宿生生活补助). 3. 临湘市 430682: an enrolled primary boarder with a valid 孤儿证, not paid.
//
// Edge cases that must produce NO finding: a duplicate boarding payment by 临湘市 430682 to a student of 汨罗市
// 430681 that 430682 reversed (`reversals`); a student who transferred from 湘阴县 430624 (03-15) to 平江县 430626
// and is paid by 430626; a student of 云溪区 430603 who died on 11-05, paid in October; two paid students (岳阳楼区
// 430602, 平江县 430626) with the same name and different ID numbers; a student of 云溪区 430603 whose 低保证
// was issued by 岳阳县 430621; a boarder of 汨罗市 430681 whose certificate is valid until 09-01, the first day of
// the term; a boarder of 湘阴县 430624 whose certificate is valid from 09-01; two siblings of 华容县 430623 sharing
// one account; unpaid students who are not eligible for a programme that looks for unpaid students: a senior
// student with a valid 低保证 (岳阳楼区 430602; 普通高中国家助学金 does not), a non-boarder with a valid 监测对象
// record (君山区 430611; 非寄宿生生活补助 does not cover 监测), a boarder whose 低保证 expired in May (湘阴县
// 430624); senior students of category 其他, which no certificate proves.

/// A unit of the demo city: its code and name.
public struct DemoUnit: Sendable, Equatable {
    public let code: String
    public let name: String
    /// A locally assigned code (a functional zone without a GB/T 2260 code).
    public let local: Bool

    public init(code: String, name: String, local: Bool) {
        self.code = code
        self.name = name
        self.local = local
    }
}

/// One payment batch of the demo city, as an officer would import it.
public struct DemoBatch: Sendable, Equatable {
    /// The unit whose ledger holds the batch (its officer signs it).
    public let ledgerUnit: String
    /// The unit code the batch carries (the ledger's own, except in the XC-18 injection).
    public let unit: String
    /// The programme name as the unit writes it (an alias in 华容县's boarding batch).
    public let program: String
    public let period: String
    /// Unique in its ledger: `<period>/<unit>/<programme code>`.
    public let batchID: String
    public let items: [PaymentInput]
}

/// One unit's ledger: the batches to import into it, in order.
public struct DemoLedger: Sendable, Equatable {
    public let unit: String
    public let name: String
    /// The units its officer must be enrolled for: its own, and any other unit code one of its batches carries.
    public let officerUnits: [String]
    public let batches: [DemoBatch]
}

/// A payment to reverse once the batches are in the ledgers (a duplicate the paying unit corrected).
public struct DemoReversal: Sendable, Equatable {
    public let ledgerUnit: String
    public let batchID: String
    /// The payment's index in its batch.
    public let index: Int
    /// Why (the reversal's reason).
    public let reason: String
}

/// A finding a correct engine must produce for the demo city under the seed configuration.
public struct ExpectedFinding: Sendable, Hashable {
    /// e.g. `XC-02`.
    public let rule: String
    /// The unit responsible.
    public let unit: String
    /// The person's ID number as the data carry it; nil for findings about an account (XC-10) or a unit (XC-18).
    public let idNumber: String?
    /// The programme's canonical name; nil when the finding is not about one programme.
    public let program: String?
    /// What was injected, without personal values (the answer key's line).
    public let note: String

    public init(rule: String, unit: String, idNumber: String?, program: String?, note: String) {
        self.rule = rule
        self.unit = unit
        self.idNumber = idNumber
        self.program = program
        self.note = note
    }
}

/// Why a demo city cannot be generated.
public enum DemoCityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The period is not a school term (`YYYY-spring` or `YYYY-autumn`) of 2024–2900: the amounts follow the
    /// standards in force from 2024.
    case period
    /// More students per unit than `DemoCity.maxStudentsPerUnit`, or fewer than zero.
    case studentsPerUnit

    public var description: String {
        switch self {
        case .period: "period: must be a term YYYY-spring or YYYY-autumn of 2024–2900"
        case .studentsPerUnit: "students per unit: must be 0…\(DemoCity.maxStudentsPerUnit)"
        }
    }
}

/// A generated demo city: ledgers, registries, the reversals to apply and the expected findings.
/// Deterministic: the same seed, size and period give the same city.
public struct DemoCity: Sendable {
    public let seed: UInt64
    public let period: String
    /// The 12 units of the city (seed configuration order).
    public let units: [DemoUnit]
    /// One ledger per unit, in `units` order.
    public let ledgers: [DemoLedger]
    public let registries: RegistryData
    /// Applied by the caller after the batches are imported.
    public let reversals: [DemoReversal]
    /// Sorted by unit, rule and ID number.
    public let expected: [ExpectedFinding]

    /// Every batch of every ledger.
    public var batches: [DemoBatch] { ledgers.flatMap(\.batches) }

    /// So that every person of a city has a different ID number (`DemoData.peoplePerBirthYear` people per run).
    public static let maxStudentsPerUnit = 30_000

    /// Yueyang's units (seed configuration).
    public static let yueyangUnits: [DemoUnit] = [
        DemoUnit(code: "430602", name: "岳阳楼区", local: false), DemoUnit(code: "430603", name: "云溪区", local: false),
        DemoUnit(code: "430611", name: "君山区", local: false), DemoUnit(code: "YY-JK", name: "岳阳经济技术开发区", local: true),
        DemoUnit(code: "YY-NH", name: "南湖新区", local: true), DemoUnit(code: "430671", name: "屈原管理区", local: true),
        DemoUnit(code: "430621", name: "岳阳县", local: false), DemoUnit(code: "430623", name: "华容县", local: false),
        DemoUnit(code: "430624", name: "湘阴县", local: false), DemoUnit(code: "430626", name: "平江县", local: false),
        DemoUnit(code: "430681", name: "汨罗市", local: false), DemoUnit(code: "430682", name: "临湘市", local: false),
    ]

    /// Generates the city: `studentsPerUnit` clean students in each unit (about 80 % of them paid), then the
    /// irregularities and edge cases of the answer key above.
    public static func generate(seed: UInt64, studentsPerUnit: Int, period: String = "2025-autumn") throws(DemoCityError) -> DemoCity {
        guard let term = DemoTerm(period: period) else { throw .period }
        guard studentsPerUnit >= 0, studentsPerUnit <= maxStudentsPerUnit else { throw .studentsPerUnit }
        var city = DemoCityBuilder(seed: seed, term: term, units: yueyangUnits)
        for unit in yueyangUnits { city.addCleanStudents(studentsPerUnit, unit: unit.code) }
        city.injectIrregularities()
        return city.finish()
    }
}

/// The programmes the demo pays (canonical names of the seed configuration).
enum DemoProgramme: CaseIterable {
    case boarding, nonBoarding, seniorGrant

    var canonical: String {
        switch self {
        case .boarding: "寄宿生生活补助"
        case .nonBoarding: "非寄宿生生活补助"
        case .seniorGrant: "普通高中国家助学金"
        }
    }

    /// In batch ids.
    var code: String {
        switch self {
        case .boarding: "boarding"
        case .nonBoarding: "non-boarding"
        case .seniorGrant: "senior-grant"
        }
    }

    /// The standard payment of a term from 2024 (half the yearly standard; the senior grant's middle tier).
    func standardFen(_ stage: Stage) -> Int64 {
        switch self {
        case .boarding: stage == .junior ? 75_000 : 62_500
        case .nonBoarding: stage == .junior ? 37_500 : 31_250
        case .seniorGrant: 115_000
        }
    }

    /// The difficulty categories it covers (seed configuration).
    var categories: [String] {
        switch self {
        case .boarding: ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾"]
        case .nonBoarding: ["建档立卡", "脱贫", "低保", "特困", "残疾"]
        case .seniorGrant: ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾", "其他"]
        }
    }
}

/// A school term: its period, first day and the month payments are made in.
struct DemoTerm {
    let year: Int
    let autumn: Bool
    let period: String
    /// Day number of the term's first day (09-01 or 03-01).
    let startDay: Int64

    init?(period: String) {
        let parts = period.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 4, let year = Int(parts[0]), year >= 2024, year <= 2900,
              parts[1] == "autumn" || parts[1] == "spring",
              let start = DateLimits.dayNumber("\(year)-\(parts[1] == "autumn" ? "09" : "03")-01") else { return nil }
        self.year = year
        self.autumn = parts[1] == "autumn"
        self.period = period
        self.startDay = start
    }

    /// The year the school year began in (a spring term belongs to the previous autumn's school year).
    var schoolYear: Int { autumn ? year : year - 1 }
    var start: String { date(0) }
    /// The date `days` after (or before) the term's first day.
    func date(_ days: Int64) -> String { DateLimits.date(startDay + days) }
    /// A payment date: day `day` (1–28) of the month after the term starts (October or April).
    func paidDate(day: Int) -> String { "\(year)-\(autumn ? "10" : "04")-\(zeroPadded(day, 2))" }
    /// 2025年秋季.
    var chinese: String { "\(year)年\(autumn ? "秋季" : "春季")" }
}

/// Zero-padded decimal.
func zeroPadded(_ value: some BinaryInteger, _ width: Int) -> String {
    let s = String(value)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// A school of a unit.
struct DemoSchool {
    let code: String
    let name: String
    let stage: Stage
}

/// A generated student (or other person) as the builder tracks them.
struct DemoPerson {
    var id: String
    var name: String
    /// The unit whose school the student attends.
    let unit: String
    let school: DemoSchool
    let stage: Stage
    let grade: Int
    let boarding: Bool
    let account: String
    var category: String?
    var certType: String?
    var certNumber: String?
}

/// Builds a city: registries and batches, appended in a fixed order from one seeded generator.
struct DemoCityBuilder {
    let seed: UInt64
    let term: DemoTerm
    let units: [DemoUnit]
    var rng: SplitMix64
    /// People issued so far (each a different ID number: `newID`).
    var people: UInt64 = 0
    let peopleOffset: UInt64
    var accounts: UInt64 = 0
    let accountOffset: UInt64
    var certificatesIssued = 0
    var paymentsMade = 0

    var enrollment: [EnrollmentRecord] = []
    var certificates: [CertificateRecord] = []
    var identity: [IdentityRecord] = []
    var expected: [ExpectedFinding] = []

    struct BatchDraft {
        let ledgerUnit: String
        let unit: String
        let program: String
        let batchID: String
        var items: [PaymentInput]
    }
    var drafts: [BatchDraft] = []
    var draftIndex: [String: Int] = [:]
    /// Payments to reverse: the batch and the ID number paid (found again after the batch is shuffled).
    var reversalsPending: [(ledgerUnit: String, batchID: String, idNumber: String, reason: String)] = []

    init(seed: UInt64, term: DemoTerm, units: [DemoUnit]) {
        self.seed = seed
        self.term = term
        self.units = units
        rng = SplitMix64(seed: seed)
        peopleOffset = SplitMix64.mix(seed) % DemoData.peoplePerBirthYear
        accountOffset = SplitMix64.mix(seed &+ 1) % 100_000_000_000_000
    }

    // MARK: - randomness and identities

    /// A number in 0..<n (n ≥ 1).
    mutating func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }

    mutating func pick<T>(_ options: [T]) -> T { options[roll(options.count)] }

    mutating func surname() -> String { pick(DemoData.surnames) }

    mutating func personName(surname given: String? = nil) -> String {
        (given ?? surname()) + pick(DemoData.givenNames)
    }

    /// A new, valid ID number: a different birth date or sequence number for every person of the city
    /// (7919 is prime to 365 × 999, so person k ↦ (day, sequence) is a bijection below `peoplePerBirthYear`).
    mutating func newID(address: String, birthYear: Int) -> String {
        let j = (people &* 7919 &+ peopleOffset) % DemoData.peoplePerBirthYear
        people &+= 1
        let firstDay = DateLimits.dayNumber("\(zeroPadded(birthYear, 4))-01-01") ?? 0
        let birth = DateLimits.date(firstDay + Int64(j % 365)).filter { $0 != "-" }
        let first17 = address + birth + zeroPadded(j / 365 + 1, 3)
        return first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8)))
    }

    /// The address code of the ID numbers of a unit's people (functional zones use their district's).
    func addressCode(_ unit: String) -> String {
        unit.utf8.count == 6 && unit.utf8.allSatisfy({ (0x30...0x39).contains($0) }) ? unit : "430602"
    }

    mutating func newAccount() -> String {
        accounts &+= 1
        return "6217" + zeroPadded((accountOffset &+ accounts) % 1_000_000_000_000_000, 15)
    }

    func unitName(_ code: String) -> String { units.first { $0.code == code }?.name ?? code }

    func unitIndex(_ code: String) -> Int { units.firstIndex { $0.code == code } ?? 0 }

    /// A unit's schools: two primary schools, a junior and a senior high school.
    func schools(_ unit: String, _ stage: Stage) -> [DemoSchool] {
        let name = unitName(unit)
        switch stage {
        case .primary: return [DemoSchool(code: unit + "-P1", name: name + "第一小学", stage: .primary),
                               DemoSchool(code: unit + "-P2", name: name + "第二小学", stage: .primary)]
        case .junior: return [DemoSchool(code: unit + "-J1", name: name + "第一初级中学", stage: .junior)]
        default: return [DemoSchool(code: unit + "-S1", name: name + "第一高级中学", stage: .senior)]
        }
    }

    /// A new student of `unit` (not yet in any registry).
    mutating func newStudent(unit: String, stage: Stage, boarding: Bool, grade: Int? = nil, surname: String? = nil, account: String? = nil) -> DemoPerson {
        let range: ClosedRange<Int> = stage == .primary ? 1...6 : stage == .junior ? 7...9 : 10...12
        let g = grade ?? (range.lowerBound + roll(range.count))
        let school = pick(schools(unit, stage))
        let id = newID(address: addressCode(unit), birthYear: term.schoolYear - g - 6)
        return DemoPerson(id: id, name: personName(surname: surname), unit: unit, school: school, stage: stage, grade: g, boarding: boarding,
                          account: account ?? newAccount())
    }

    // MARK: - registries

    /// An enrollment row (line numbers are set when the city is finished).
    mutating func enroll(_ p: DemoPerson, unit: String? = nil, school: DemoSchool? = nil, name: String? = nil, status: EnrollmentStatus = .enrolled,
                         statusDate: String? = nil, studentNumber: String?? = .none) {
        let number: String? = switch studentNumber {
        case .some(let given): given
        case .none: roll(20) == 0 ? nil : "G" + p.id
        }
        let s = school ?? p.school
        enrollment.append(EnrollmentRecord(line: 0, idNumber: p.id, name: name ?? p.name, unit: unit ?? p.unit, schoolCode: s.code, schoolName: s.name,
                                           stage: p.stage, grade: String(p.grade), boarding: p.boarding, status: status, statusDate: statusDate,
                                           studentNumber: number))
    }

    mutating func register(_ p: DemoPerson, name: String? = nil, deathDate: String? = nil) {
        identity.append(IdentityRecord(line: 0, idNumber: p.id, name: name ?? p.name, alive: deathDate == nil, deathDate: deathDate))
    }

    /// The certificate types that prove a category (seed configuration); empty for 其他.
    static func certTypes(_ category: String) -> [String] {
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

    /// A certificate number: a 残疾人证 is the holder's ID number, a type digit (1–7) and a grade digit (1–4);
    /// the others a prefix, the issuer and a serial.
    mutating func certificateNumber(type: String, holder: String, issuer: String) -> String {
        certificatesIssued += 1
        let prefix: String
        switch type {
        case "残疾人证": return holder + String(1 + roll(7)) + String(1 + roll(4))
        case "低保证": prefix = "DB"
        case "特困人员救助供养证": prefix = "TK"
        case "孤儿证": prefix = "GE"
        case "脱贫户": prefix = "TP"
        case "建档立卡户": prefix = "JD"
        default: prefix = "JC"
        }
        return prefix + issuer + "-" + zeroPadded(certificatesIssued, 7)
    }

    /// Gives `p` the category and a certificate proving it, valid from before the term to after it (or open),
    /// issued by `issuer` (default: the student's unit, one in fifteen by another Yueyang unit). Category 其他:
    /// no certificate.
    mutating func certify(_ p: inout DemoPerson, category: String, type: String? = nil, issuer: String? = nil, number: String? = nil,
                          validFrom: String? = nil, validTo: String?? = .none, status: CertificateStatus = .valid) {
        p.category = category
        let types = Self.certTypes(category)
        guard let certType = type ?? (types.isEmpty ? nil : types[types.count > 1 ? roll(types.count) : 0]) else { return }
        let issuingUnit = issuer ?? (roll(15) == 0 ? units[roll(units.count)].code : p.unit)
        let certNumber = number ?? certificateNumber(type: certType, holder: p.id, issuer: issuingUnit)
        let to: String? = switch validTo {
        case .some(let given): given
        case .none: roll(3) == 0 ? nil : term.date(Int64(120 + roll(400)))
        }
        certificates.append(CertificateRecord(line: 0, certType: certType, certNumber: certNumber, idNumber: p.id, name: p.name, issuerUnit: issuingUnit,
                                              validFrom: validFrom ?? term.date(-Int64(30 + roll(700))), validTo: to, status: status))
        p.certType = certType
        p.certNumber = certNumber
    }

    /// A student enrolled at their school, alive in the identity register, holding a valid certificate of `category`.
    mutating func eligibleStudent(unit: String, stage: Stage, boarding: Bool, category: String, grade: Int? = nil, surname: String? = nil,
                                  account: String? = nil) -> DemoPerson {
        var p = newStudent(unit: unit, stage: stage, boarding: boarding, grade: grade, surname: surname, account: account)
        register(p)
        enroll(p)
        certify(&p, category: category, issuer: unit)
        return p
    }

    // MARK: - payments

    /// The programme name a unit writes: 华容县 uses an alias for the boarding subsidy.
    func programName(_ programme: DemoProgramme, unit: String) -> String {
        programme == .boarding && unit == "430623" ? "家庭经济困难寄宿生生活补助" : programme.canonical
    }

    /// The day of the payment month a unit pays a programme on (later units pay later).
    func batchDay(_ programme: DemoProgramme, unit: String) -> Int {
        10 + unitIndex(unit) + (programme == .boarding ? 0 : programme == .nonBoarding ? 1 : 2)
    }

    /// Pays `p` under `programme` in the batch of unit `unit` held by `ledger` (default: the unit's own), with the
    /// standard amount and the student's own details unless told otherwise. Returns the batch id.
    @discardableResult
    mutating func pay(_ p: DemoPerson, _ programme: DemoProgramme, by unit: String, ledger: String? = nil, school: DemoSchool? = nil, stage: Stage? = nil,
                      grade: Int? = nil, amount: Int64? = nil, accountType: AccountType? = nil, name: String? = nil, account: String? = nil,
                      category: String?? = .none, certType: String?? = .none, certNumber: String?? = .none) -> String {
        let ledgerUnit = ledger ?? unit
        let program = programName(programme, unit: unit)
        let batchID = "\(term.period)/\(unit)/\(programme.code)"
        let key = ledgerUnit + " " + batchID
        let s = stage ?? p.stage
        let method: AccountType = accountType ?? {
            let r = roll(100)
            if r < 70 { return .bankCard }
            if r < 85 { return .socialSecurityCard }
            if r < 95 || programme == .seniorGrant { return .aidCard }
            return .mealCard
        }()
        paymentsMade += 1
        var personal: [PersonalField: String] = [
            .idNumber: p.id, .name: name ?? p.name, .accountNumber: account ?? p.account,
            .bankRef: "BR" + zeroPadded(seed % 1000, 3) + zeroPadded(paymentsMade, 9),
        ]
        personal[.category] = category ?? p.category
        personal[.certType] = certType ?? p.certType
        personal[.certNumber] = certNumber ?? p.certNumber
        let sch = school ?? (unit == p.unit || ledgerUnit == p.unit ? p.school : schools(unit, s)[0])
        let item = PaymentInput(unit: unit, schoolCode: sch.code, schoolName: sch.name, stage: s, grade: String(grade ?? p.grade),
                                boarding: programme == .boarding || (programme == .seniorGrant && p.boarding), amountFen: amount ?? programme.standardFen(s),
                                accountType: method, paidDate: term.paidDate(day: batchDay(programme, unit: ledgerUnit)), personal: personal)
        if let i = draftIndex[key] {
            drafts[i].items.append(item)
        } else {
            draftIndex[key] = drafts.count
            drafts.append(BatchDraft(ledgerUnit: ledgerUnit, unit: unit, program: program, batchID: batchID, items: [item]))
        }
        return batchID
    }

    // MARK: - the clean population

    /// `count` clean students of `unit`: 45 % boarders and 20 % non-boarders of compulsory education with a
    /// covered category (paid the living subsidy), 15 % senior students with a category (paid the grant), 20 %
    /// without a category (not paid, no certificate). One paid student in twelve shares an account and a surname
    /// with the one before (siblings).
    mutating func addCleanStudents(_ count: Int, unit: String) {
        var previous: DemoPerson? = nil
        for _ in 0..<count {
            let r = roll(100)
            let compulsory: Stage = roll(5) < 3 ? .primary : .junior
            if r >= 80 {
                let stage: Stage = roll(4) == 0 ? .senior : compulsory
                let p = newStudent(unit: unit, stage: stage, boarding: roll(3) == 0)
                register(p)
                enroll(p)
                continue
            }
            let programme: DemoProgramme = r < 45 ? .boarding : r < 65 ? .nonBoarding : .seniorGrant
            let stage: Stage = programme == .seniorGrant ? .senior : compulsory
            let boarding = programme == .boarding || (programme == .seniorGrant && roll(2) == 0)
            var sibling: DemoPerson? = nil
            if let before = previous, roll(12) == 0 { sibling = before }
            var p = newStudent(unit: unit, stage: stage, boarding: boarding, surname: sibling.map { String($0.name.prefix(1)) }, account: sibling?.account)
            register(p)
            enroll(p)
            certify(&p, category: pick(programme.categories))
            pay(p, programme, by: unit, amount: programme == .seniorGrant ? pick([100_000, 115_000, 150_000]) : nil)
            // A sibling pair is two people: the next student may not share this account again.
            previous = sibling == nil ? p : nil
        }
    }

    // MARK: - finishing

    /// Records an expected finding.
    mutating func expect(_ rule: String, _ unit: String, _ idNumber: String?, _ programme: DemoProgramme?, _ note: String) {
        expected.append(ExpectedFinding(rule: rule, unit: unit, idNumber: idNumber, program: programme?.canonical, note: note))
    }

    /// Sorts the registries (line numbers follow), shuffles each batch (so that position gives nothing away) and
    /// assembles the ledgers.
    mutating func finish() -> DemoCity {
        enrollment.sort { ($0.unit, $0.schoolCode, $0.grade, $0.idNumber, $0.status.rawValue) < ($1.unit, $1.schoolCode, $1.grade, $1.idNumber, $1.status.rawValue) }
        certificates.sort { ($0.issuerUnit, $0.certType, $0.certNumber, $0.idNumber) < ($1.issuerUnit, $1.certType, $1.certNumber, $1.idNumber) }
        identity.sort { ($0.idNumber, $0.name) < ($1.idNumber, $1.name) }
        for i in enrollment.indices { enrollment[i].line = i + 2 }
        for i in certificates.indices { certificates[i].line = i + 2 }
        for i in identity.indices { identity[i].line = i + 2 }
        for i in drafts.indices { drafts[i].items.shuffle(using: &rng) }
        let reversals = reversalsPending.compactMap { r -> DemoReversal? in
            guard let d = draftIndex[r.ledgerUnit + " " + r.batchID],
                  let index = drafts[d].items.firstIndex(where: { $0.value(.idNumber) == r.idNumber }) else { return nil }
            return DemoReversal(ledgerUnit: r.ledgerUnit, batchID: r.batchID, index: index, reason: r.reason)
        }
        let ledgers = units.map { unit in
            let batches = drafts.filter { $0.ledgerUnit == unit.code }.map {
                DemoBatch(ledgerUnit: $0.ledgerUnit, unit: $0.unit, program: $0.program, period: term.period, batchID: $0.batchID, items: $0.items)
            }
            let others = Set(batches.map(\.unit)).subtracting([unit.code]).sorted()
            return DemoLedger(unit: unit.code, name: unit.name, officerUnits: [unit.code] + others, batches: batches)
        }
        let sortedExpected = expected.sorted { ($0.unit, $0.rule, $0.idNumber ?? "", $0.note) < ($1.unit, $1.rule, $1.idNumber ?? "", $1.note) }
        return DemoCity(seed: seed, period: term.period, units: units, ledgers: ledgers,
                        registries: RegistryData(enrollment: enrollment, certificates: certificates, identity: identity),
                        reversals: reversals, expected: sortedExpected)
    }
}

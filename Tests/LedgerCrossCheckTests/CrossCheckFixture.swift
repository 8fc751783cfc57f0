import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import Testing

/// Builders for the rule fixtures: the seed configuration in code, invented people with valid ID numbers, and a
/// `Scenario` that collects payments and registry rows and runs the engine (also with every input reversed, to
/// check that the findings do not depend on the order).
enum Fixture {
    static let secret = PersonKeySecret(bytes: Array(repeating: 7, count: 32))

    static func personKeys() throws -> PersonKeys {
        guard let secret else { throw FixtureError("fixture secret") }
        return try PersonKeys(secret)
    }

    /// A valid ID number: address code, birth date `YYYYMMDD`, sequence 1–999, check character.
    static func idNumber(address: String = "430626", birth: String = "20120304", sequence: Int) -> String {
        let s = String(sequence)
        let first17 = address + birth + String(repeating: "0", count: max(0, 3 - s.count)) + s
        return first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8)))
    }

    /// An ID number with the wrong check character.
    static func badChecksum(_ id: String) -> String {
        let good = id.last ?? "0"
        return String(id.dropLast()) + (good == "1" ? "2" : "1")
    }

    static func person(_ n: Int, address: String = "430626", birth: String = "20120304", name: String? = nil) -> Person {
        Person(idNumber: idNumber(address: address, birth: birth, sequence: n), name: name ?? "张小" + String(["明", "红", "刚", "丽", "华", "军", "芳", "伟", "静"][n % 9]))
    }

    static let allRules: [RuleSetting] = RuleCode.allCases.map { rule in
        let high: Set<RuleCode> = [.personNoCert, .certNoPerson, .duplicateProgram, .statusAfterExit, .payee]
        let low: Set<RuleCode> = [.method, .disabilityCertificate, .studentNumberMatch, .unitMap]
        return RuleSetting(rule: rule, enabled: true, severity: high.contains(rule) ? .high : low.contains(rule) ? .low : .medium,
                           action: "处理" + rule.rawValue)
    }

    static let categories: [CategoryEvidence] = [
        CategoryEvidence(category: "建档立卡", certTypes: ["脱贫户", "建档立卡户"], issuer: "乡村振兴局"),
        CategoryEvidence(category: "脱贫", certTypes: ["脱贫户"], issuer: "乡村振兴局"),
        CategoryEvidence(category: "监测", certTypes: ["监测对象"], issuer: "乡村振兴局"),
        CategoryEvidence(category: "低保", certTypes: ["低保证"], issuer: "民政局"),
        CategoryEvidence(category: "特困", certTypes: ["特困人员救助供养证"], issuer: "民政局"),
        CategoryEvidence(category: "孤儿", certTypes: ["孤儿证"], issuer: "民政局"),
        CategoryEvidence(category: "残疾", certTypes: ["残疾人证"], issuer: "残联"),
        CategoryEvidence(category: "其他", certTypes: [], issuer: ""),
    ]

    static let boarding = "寄宿生生活补助"
    static let nonBoarding = "非寄宿生生活补助"
    static let seniorGrant = "普通高中国家助学金"
    static let nationalScholarship = "国家奖学金"
    static let inspirationScholarship = "国家励志奖学金"
    static let preschool = "学前资助"

    static let programs: [ProgramDefinition] = {
        let all = ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾", "其他"]
        let cards: [AccountType] = [.bankCard, .socialSecurityCard, .aidCard, .mealCard]
        return [
            ProgramDefinition(name: boarding, aliases: ["寄宿生补助", "家庭经济困难寄宿生生活补助", "义务教育寄宿生生活补助"], stages: [.primary, .junior],
                              boarding: true, categories: ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾"], schedule: .term,
                              accountTypes: cards, checkUnpaid: true),
            ProgramDefinition(name: nonBoarding, aliases: ["义务教育非寄宿生生活补助"], stages: [.primary, .junior], boarding: false,
                              categories: ["建档立卡", "脱贫", "低保", "特困", "残疾"], schedule: .term, accountTypes: cards, checkUnpaid: true),
            ProgramDefinition(name: seniorGrant, aliases: ["普高国家助学金", "高中国家助学金"], stages: [.senior], boarding: nil, categories: all,
                              schedule: .term, accountTypes: [.bankCard, .socialSecurityCard, .aidCard], checkUnpaid: false),
            ProgramDefinition(name: "中职国家助学金", aliases: ["中等职业教育国家助学金"], stages: [.vocational], boarding: nil, categories: all,
                              schedule: .monthly, accountTypes: [.bankCard, .socialSecurityCard, .aidCard], checkUnpaid: false),
            ProgramDefinition(name: "本专科国家助学金", aliases: [], stages: [.higher], boarding: nil, categories: all, schedule: .monthly,
                              accountTypes: [.bankCard, .socialSecurityCard], checkUnpaid: false),
            ProgramDefinition(name: nationalScholarship, aliases: [], stages: [.higher], boarding: nil, categories: [], schedule: .yearly,
                              accountTypes: [.bankCard, .socialSecurityCard], checkUnpaid: false),
            ProgramDefinition(name: inspirationScholarship, aliases: [], stages: [.higher], boarding: nil, categories: all, schedule: .yearly,
                              accountTypes: [.bankCard, .socialSecurityCard], checkUnpaid: false),
            // A local programme, as a city adds it by a file.
            ProgramDefinition(name: preschool, aliases: [], stages: [.preschool], boarding: nil, categories: all, schedule: .term,
                              accountTypes: cards, checkUnpaid: false),
        ]
    }()

    static let standards: [StandardRow] = {
        var rows: [StandardRow] = []
        func add(_ program: String, _ stage: Stage, _ boarding: Bool?, _ from: String, _ to: String?, _ minYuan: Int64, _ maxYuan: Int64,
                 _ share: Int64, region: String = "*") {
            rows.append(StandardRow(program: program, stage: stage, boarding: boarding, region: region, effectiveFrom: from, effectiveTo: to,
                                    yearlyMinFen: minYuan * 100, yearlyMaxFen: maxYuan * 100, shareNumerator: 1, shareDenominator: share,
                                    source: "standards.csv line \(rows.count + 2)"))
        }
        add(boarding, .primary, true, "2019-09-01", "2023-12-31", 1000, 1000, 2)
        add(boarding, .junior, true, "2019-09-01", "2023-12-31", 1250, 1250, 2)
        add(boarding, .primary, true, "2024-01-01", nil, 1250, 1250, 2)
        add(boarding, .junior, true, "2024-01-01", nil, 1500, 1500, 2)
        add(nonBoarding, .primary, false, "2019-09-01", "2023-12-31", 500, 500, 2)
        add(nonBoarding, .junior, false, "2019-09-01", "2023-12-31", 625, 625, 2)
        add(nonBoarding, .primary, false, "2024-01-01", nil, 625, 625, 2)
        add(nonBoarding, .junior, false, "2024-01-01", nil, 750, 750, 2)
        add(seniorGrant, .senior, nil, "2016-09-01", "2024-12-31", 1000, 3000, 2)
        add(seniorGrant, .senior, nil, "2025-01-01", nil, 1500, 3500, 2)
        add("中职国家助学金", .vocational, nil, "2019-09-01", "2024-12-31", 2000, 2000, 10)
        add("中职国家助学金", .vocational, nil, "2025-01-01", nil, 2300, 2300, 10)
        add("本专科国家助学金", .higher, nil, "2019-09-01", "2024-08-31", 2000, 4500, 10)
        add("本专科国家助学金", .higher, nil, "2024-09-01", nil, 2500, 5000, 10)
        add(nationalScholarship, .higher, nil, "2019-09-01", "2024-08-31", 8000, 8000, 1)
        add(nationalScholarship, .higher, nil, "2024-09-01", nil, 10000, 10000, 1)
        add(inspirationScholarship, .higher, nil, "2019-09-01", "2024-08-31", 5000, 5000, 1)
        add(inspirationScholarship, .higher, nil, "2024-09-01", nil, 6000, 6000, 1)
        // Local: everywhere 600/yr, Yueyang (4306) 750/yr; the longest region prefix wins.
        add(preschool, .preschool, nil, "2020-09-01", nil, 600, 600, 2)
        add(preschool, .preschool, nil, "2020-09-01", nil, 750, 750, 2, region: "4306")
        return rows
    }()

    static let units: [UnitDefinition] = [
        ("430602", "岳阳楼区", false), ("430603", "云溪区", false), ("430611", "君山区", false), ("YY-JK", "岳阳经济技术开发区", true),
        ("YY-NH", "南湖新区", true), ("430671", "屈原管理区", true), ("430621", "岳阳县", false), ("430623", "华容县", false),
        ("430624", "湘阴县", false), ("430626", "平江县", false), ("430681", "汨罗市", false), ("430682", "临湘市", false),
    ].map { UnitDefinition(code: $0.0, name: $0.1, local: $0.2) }

    static func configuration(rules: [RuleSetting] = allRules) -> CrossCheckConfiguration {
        CrossCheckConfiguration(programs: programs, standards: standards,
                                mutexes: [MutexPair(first: nationalScholarship, second: inspirationScholarship, reason: "同一学年不得同时获得"),
                                          MutexPair(first: boarding, second: nonBoarding, reason: "寄宿与非寄宿不得同时享受")],
                                categories: categories, units: units, rules: rules, thresholds: Thresholds(), files: [])
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Person {
    let idNumber: String
    let name: String
}

/// Payments and registry rows of one fixture, and the run over them.
struct Scenario {
    var period = "2025-autumn"
    var units = ["430626", "430602", "430681"]
    var configuration = Fixture.configuration()
    var payments: [PaidItem] = []
    var enrollment: [EnrollmentRecord] = []
    var certificates: [CertificateRecord] = []
    var identity: [IdentityRecord] = []
    private var seqs: [String: UInt64] = [:]

    /// Appends a payment (ledger `ledger-<unit>` unless `origin` is given; seqs count up per ledger) and returns it.
    @discardableResult
    mutating func pay(_ person: Person, unit: String = "430626", origin: String? = nil, school: String? = nil, program: String = Fixture.boarding,
                      period: String? = nil, stage: Stage = .junior, boarding: Bool = true, amountFen: Int64 = 75000,
                      accountType: AccountType = .bankCard, paidDate: String = "2025-09-20", category: String? = "低保",
                      certType: String? = nil, certNumber: String? = nil, account: String? = nil, name: String? = nil,
                      supplementary: String? = nil, reversed: Bool = false) -> PaidItem {
        let ledger = origin ?? "ledger-\(unit)"
        let seq = (seqs[ledger] ?? 1) + 1
        seqs[ledger] = seq
        var personal: [PersonalField: String] = [.idNumber: person.idNumber, .name: name ?? person.name,
                                                 .accountNumber: account ?? "6222" + person.idNumber.suffix(12)]
        if let category { personal[.category] = category }
        if let certType { personal[.certType] = certType }
        if let certNumber { personal[.certNumber] = certNumber }
        let hash = Digest32(bytes: (0..<32).map { UInt8(truncatingIfNeeded: Int(seq) &* 31 &+ $0 &+ ledger.utf8.count) }) ?? .zero
        let entry = EntryReference(origin: ledger, seq: seq, hash: hash)
        let item = PaidItem(entry: entry, batchID: "batch-\(unit)", unit: unit, schoolCode: school ?? "S\(unit)-01", schoolName: "第一中学", program: program,
                            period: period ?? self.period, stage: stage, grade: stage == .junior ? "8" : "1", boarding: boarding, amountFen: amountFen,
                            accountType: accountType, paidDate: paidDate, supplementary: supplementary, personal: personal,
                            reversedBy: reversed ? EntryReference(origin: ledger, seq: 9999, hash: .zero) : nil)
        payments.append(item)
        return item
    }

    mutating func enroll(_ person: Person, unit: String = "430626", school: String? = nil, stage: Stage = .junior, boarding: Bool = true,
                         status: EnrollmentStatus = .enrolled, statusDate: String? = nil, studentNumber: String? = "", name: String? = nil) {
        enrollment.append(EnrollmentRecord(line: enrollment.count + 2, idNumber: person.idNumber, name: name ?? person.name, unit: unit,
                                           schoolCode: school ?? "S\(unit)-01", schoolName: "第一中学", stage: stage, grade: "8", boarding: boarding,
                                           status: status, statusDate: statusDate,
                                           studentNumber: studentNumber == "" ? "G" + person.idNumber : studentNumber))
    }

    mutating func certify(_ person: Person, type: String = "低保证", number: String? = nil, issuer: String = "430626", validFrom: String = "2025-01-01",
                          validTo: String? = "2025-12-31", status: CertificateStatus = .valid, name: String? = nil) {
        certificates.append(CertificateRecord(line: certificates.count + 2, certType: type, certNumber: number ?? "C-\(person.idNumber.suffix(6))",
                                              idNumber: person.idNumber, name: name ?? person.name, issuerUnit: issuer, validFrom: validFrom,
                                              validTo: validTo, status: status))
    }

    mutating func register(_ person: Person, alive: Bool = true, deathDate: String? = nil, name: String? = nil) {
        identity.append(IdentityRecord(line: identity.count + 2, idNumber: person.idNumber, name: name ?? person.name, alive: alive, deathDate: deathDate))
    }

    /// A person the identity registry knows, enrolled in `unit` (a junior boarder unless told) and holding a
    /// valid 低保证.
    mutating func known(_ person: Person, unit: String = "430626", stage: Stage = .junior, boarding: Bool = true) {
        register(person)
        enroll(person, unit: unit, stage: stage, boarding: boarding)
        certify(person, issuer: unit)
    }

    func input(reversedOrder: Bool = false) -> CrossCheckInput {
        func order<T>(_ a: [T]) -> [T] { reversedOrder ? a.reversed() : a }
        return CrossCheckInput(period: period, payments: order(payments),
                               registries: RegistryData(enrollment: order(enrollment), certificates: order(certificates), identity: order(identity)),
                               units: order(units))
    }

    /// The findings; also checks that a run over every input in reverse order gives the same findings.
    func run() throws -> [Finding] {
        let findings = try CrossCheckEngine.run(input(), configuration: configuration, personKeys: try Fixture.personKeys())
        let again = try CrossCheckEngine.run(input(reversedOrder: true), configuration: configuration, personKeys: try Fixture.personKeys())
        #expect(findings == again, "findings depend on input order")
        return findings
    }
}

extension [Finding] {
    var rules: [RuleCode] { map(\.rule) }

    func of(_ rule: RuleCode) -> [Finding] { filter { $0.rule == rule } }
}

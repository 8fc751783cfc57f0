import LedgerCore
import LedgerCrossCheck

/// The seed configuration (the files of Config/crosscheck/) built in code, exactly as the agreed seed says:
/// categories and the certificates that prove them, the national programmes, their standards with the 2024 and
/// 2025 increases, the mutual exclusions, Yueyang's 12 units, every rule on with its severity and action, and the
/// thresholds.
///
/// TEMPORARY: used by the demo-city tests until `CrossCheckConfiguration.load(files:)` (the configuration loader,
/// written alongside) is merged; then the tests load `Config/crosscheck/` instead and this file goes.
enum SeedConfiguration {
    static func make() -> CrossCheckConfiguration {
        CrossCheckConfiguration(programs: programs, standards: standards, mutexes: mutexes, categories: categories, units: units, rules: rules,
                                thresholds: Thresholds(), files: [])
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

    static let allCategories = ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾", "其他"]

    static let programs: [ProgramDefinition] = [
        ProgramDefinition(name: "寄宿生生活补助", aliases: ["寄宿生补助", "家庭经济困难寄宿生生活补助", "义务教育寄宿生生活补助"], stages: [.primary, .junior],
                          boarding: true, categories: ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾"], schedule: .term,
                          accountTypes: [.bankCard, .socialSecurityCard, .aidCard, .mealCard], checkUnpaid: true),
        ProgramDefinition(name: "非寄宿生生活补助", aliases: ["义务教育非寄宿生生活补助"], stages: [.primary, .junior], boarding: false,
                          categories: ["建档立卡", "脱贫", "低保", "特困", "残疾"], schedule: .term,
                          accountTypes: [.bankCard, .socialSecurityCard, .aidCard, .mealCard], checkUnpaid: true),
        ProgramDefinition(name: "普通高中国家助学金", aliases: ["普高国家助学金", "高中国家助学金"], stages: [.senior], boarding: nil, categories: allCategories,
                          schedule: .term, accountTypes: [.bankCard, .socialSecurityCard, .aidCard], checkUnpaid: false),
        ProgramDefinition(name: "中职国家助学金", aliases: ["中等职业教育国家助学金"], stages: [.vocational], boarding: nil, categories: allCategories,
                          schedule: .monthly, accountTypes: [.bankCard, .socialSecurityCard, .aidCard], checkUnpaid: false),
        ProgramDefinition(name: "本专科国家助学金", aliases: [], stages: [.higher], boarding: nil, categories: allCategories, schedule: .monthly,
                          accountTypes: [.bankCard, .socialSecurityCard], checkUnpaid: false),
        ProgramDefinition(name: "国家奖学金", aliases: [], stages: [.higher], boarding: nil, categories: [], schedule: .yearly,
                          accountTypes: [.bankCard, .socialSecurityCard], checkUnpaid: false),
        ProgramDefinition(name: "国家励志奖学金", aliases: [], stages: [.higher], boarding: nil, categories: allCategories, schedule: .yearly,
                          accountTypes: [.bankCard, .socialSecurityCard], checkUnpaid: false),
    ]

    /// Yearly standards in fen and the share of the year one payment is.
    static let standards: [StandardRow] = {
        var rows: [StandardRow] = []
        func add(_ program: String, _ stage: Stage, _ boarding: Bool?, _ from: String, _ to: String?, _ min: Int64, _ max: Int64, _ num: Int64, _ den: Int64) {
            rows.append(StandardRow(program: program, stage: stage, boarding: boarding, region: "*", effectiveFrom: from, effectiveTo: to, yearlyMinFen: min,
                                    yearlyMaxFen: max, shareNumerator: num, shareDenominator: den, source: "seed standards row \(rows.count + 1)"))
        }
        add("寄宿生生活补助", .primary, true, "2019-09-01", "2023-12-31", 100_000, 100_000, 1, 2)
        add("寄宿生生活补助", .junior, true, "2019-09-01", "2023-12-31", 125_000, 125_000, 1, 2)
        add("寄宿生生活补助", .primary, true, "2024-01-01", nil, 125_000, 125_000, 1, 2)
        add("寄宿生生活补助", .junior, true, "2024-01-01", nil, 150_000, 150_000, 1, 2)
        add("非寄宿生生活补助", .primary, false, "2019-09-01", "2023-12-31", 50_000, 50_000, 1, 2)
        add("非寄宿生生活补助", .junior, false, "2019-09-01", "2023-12-31", 62_500, 62_500, 1, 2)
        add("非寄宿生生活补助", .primary, false, "2024-01-01", nil, 62_500, 62_500, 1, 2)
        add("非寄宿生生活补助", .junior, false, "2024-01-01", nil, 75_000, 75_000, 1, 2)
        add("普通高中国家助学金", .senior, nil, "2016-09-01", "2024-12-31", 100_000, 300_000, 1, 2)
        add("普通高中国家助学金", .senior, nil, "2025-01-01", nil, 150_000, 350_000, 1, 2)
        add("中职国家助学金", .vocational, nil, "2019-09-01", "2024-12-31", 200_000, 200_000, 1, 10)
        add("中职国家助学金", .vocational, nil, "2025-01-01", nil, 230_000, 230_000, 1, 10)
        add("本专科国家助学金", .higher, nil, "2019-09-01", "2024-08-31", 200_000, 450_000, 1, 10)
        add("本专科国家助学金", .higher, nil, "2024-09-01", nil, 250_000, 500_000, 1, 10)
        add("国家奖学金", .higher, nil, "2019-09-01", "2024-08-31", 800_000, 800_000, 1, 1)
        add("国家奖学金", .higher, nil, "2024-09-01", nil, 1_000_000, 1_000_000, 1, 1)
        add("国家励志奖学金", .higher, nil, "2019-09-01", "2024-08-31", 500_000, 500_000, 1, 1)
        add("国家励志奖学金", .higher, nil, "2024-09-01", nil, 600_000, 600_000, 1, 1)
        return rows
    }()

    static let mutexes: [MutexPair] = [
        MutexPair(first: "国家奖学金", second: "国家励志奖学金", reason: "同一学年不得同时获得"),
        MutexPair(first: "寄宿生生活补助", second: "非寄宿生生活补助", reason: "寄宿与非寄宿不得同时享受"),
    ]

    static let units: [UnitDefinition] = [
        UnitDefinition(code: "430602", name: "岳阳楼区", local: false), UnitDefinition(code: "430603", name: "云溪区", local: false),
        UnitDefinition(code: "430611", name: "君山区", local: false), UnitDefinition(code: "YY-JK", name: "岳阳经济技术开发区", local: true),
        UnitDefinition(code: "YY-NH", name: "南湖新区", local: true), UnitDefinition(code: "430671", name: "屈原管理区", local: true),
        UnitDefinition(code: "430621", name: "岳阳县", local: false), UnitDefinition(code: "430623", name: "华容县", local: false),
        UnitDefinition(code: "430624", name: "湘阴县", local: false), UnitDefinition(code: "430626", name: "平江县", local: false),
        UnitDefinition(code: "430681", name: "汨罗市", local: false), UnitDefinition(code: "430682", name: "临湘市", local: false),
    ]

    static let rules: [RuleSetting] = [
        RuleSetting(rule: .idValid, enabled: true, severity: .medium, action: "核对身份证号；号码有误的更正，虚假号码的停止发放并追回资金"),
        RuleSetting(rule: .personNoCert, enabled: true, severity: .high, action: "核实困难认定证件；无有效证件的停止发放并追回资金"),
        RuleSetting(rule: .certNoPerson, enabled: true, severity: .high, action: "核实学生身份和学籍；查无此人的停止发放并追回资金"),
        RuleSetting(rule: .nameIDMismatch, enabled: true, severity: .medium, action: "核对姓名与身份证号，更正错误信息"),
        RuleSetting(rule: .duplicateProgram, enabled: true, severity: .high, action: "核实重复发放，追回重复资金"),
        RuleSetting(rule: .mutex, enabled: true, severity: .medium, action: "核实享受项目；互斥项目只保留一项，追回多发资金"),
        RuleSetting(rule: .statusAfterExit, enabled: true, severity: .high, action: "核实学籍变动；离校后发放的停止发放并追回资金"),
        RuleSetting(rule: .amountStandard, enabled: true, severity: .medium, action: "按标准核定金额；多发的追回，少发的补足"),
        RuleSetting(rule: .payee, enabled: true, severity: .high, action: "核实收款账户；非本人或监护人账户的改正并核查资金去向"),
        RuleSetting(rule: .method, enabled: true, severity: .low, action: "改由银行卡、社保卡或资助卡发放"),
        RuleSetting(rule: .disabilityCertificate, enabled: true, severity: .low, action: "核对残疾人证号码"),
        RuleSetting(rule: .studentNumberMatch, enabled: true, severity: .low, action: "核对学籍号"),
        RuleSetting(rule: .unitMap, enabled: true, severity: .low, action: "核对单位代码，更正或补入单位表"),
        RuleSetting(rule: .eligibleUnpaid, enabled: true, severity: .medium, action: "核实是否符合资助条件，符合的及时补发"),
    ]
}

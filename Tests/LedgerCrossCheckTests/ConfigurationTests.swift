import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerImport
import Testing

/// The shipped `Config/crosscheck/`, found from this file's path.
private let shippedConfigurationDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Config/crosscheck")

/// Every file of the shipped configuration directory, as the CLI would pass them.
private func shippedConfigurationFiles() throws -> [(name: String, bytes: [UInt8])] {
    let names = try FileManager.default.contentsOfDirectory(atPath: shippedConfigurationDirectory.path).sorted()
    return try names.map { (name: $0, bytes: Array(try Data(contentsOf: shippedConfigurationDirectory.appendingPathComponent($0)))) }
}

private func shippedConfiguration() throws -> CrossCheckConfiguration {
    try CrossCheckConfiguration.load(files: try shippedConfigurationFiles())
}

/// The programme a name or alias stands for.
private func program(_ c: CrossCheckConfiguration, named name: String) -> ProgramDefinition? {
    c.programs.first { $0.name == name || $0.aliases.contains(name) }
}

/// A small configuration, line numbers easy to read, that loads.
private enum SmallConfiguration {
    static let rulesText = "规则,启用,严重程度,处理建议\n" + RuleCode.allCases.map { "\($0.rawValue),是,中,核实" }.joined(separator: "\n") + "\n"

    static let files: [String: String] = [
        "programs.csv": """
            项目名称,别名,学段,是否寄宿,困难类型,发放周期,账户类型,检查应助未助
            寄宿生生活补助,寄宿生补助,小学、初中,是,低保、残疾,学期,银行卡、社保卡,是
            国家奖学金,,高校,不限,,每年,银行卡,否
            国家励志奖学金,,高校,不限,低保,每年,银行卡,否

            """,
        "standards.csv": """
            资助项目,学段,是否寄宿,地区,起始日期,截止日期,年标准下限(元),年标准上限(元),每次发放比例
            寄宿生生活补助,小学,是,*,2019-09-01,2023-12-31,1000,,1/2
            寄宿生生活补助,小学,是,*,2024-01-01,,1250,,1/2
            寄宿生生活补助,初中,是,*,2024-01-01,,1500,,1/2
            国家奖学金,高校,不限,*,2024-09-01,,10000,,1/1
            国家励志奖学金,高校,不限,*,2024-09-01,,6000,,1/1

            """,
        "mutex.csv": "项目一,项目二,原因\n国家奖学金,国家励志奖学金,同一学年不得同时获得\n",
        "categories.csv": "困难类型,证件类型,发证部门\n低保,低保证,民政局\n残疾,残疾人证,残联\n",
        "units.csv": "单位代码,单位名称,本地代码\n430602,岳阳楼区,否\n430626,平江县,否\nYY-JK,岳阳经济技术开发区,是\n",
        "rules.csv": rulesText,
        "thresholds.conf": "max_persons_per_account = 2\nspring_term_start = 03-01\nautumn_term_start = 09-01\namount_tolerance_fen = 0\n",
    ]

    /// The files with some replaced, added (a value) or removed (nil).
    static func with(_ changes: [String: String?] = [:]) -> [(name: String, bytes: [UInt8])] {
        var all = files
        for (name, text) in changes { all[name] = text }
        return all.keys.sorted().compactMap { name in all[name].map { (name: name, bytes: Array($0.utf8)) } }
    }

    /// The problems of loading the files with `changes`, as `file:line:column: field: why`; empty when it loads.
    static func problems(_ changes: [String: String?]) -> [String] {
        do {
            _ = try CrossCheckConfiguration.load(files: with(changes))
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }
}

@Suite struct ConfigurationTests {
    // MARK: - the shipped files

    @Test func theShippedConfigurationLoadsWithTheNationalFigures() throws {
        let c = try shippedConfiguration()
        #expect(c.programs.map(\.name) == ["寄宿生生活补助", "非寄宿生生活补助", "普通高中国家助学金", "中职国家助学金", "本专科国家助学金", "国家奖学金", "国家励志奖学金", "学前资助"])
        let boarding = try #require(program(c, named: "家庭经济困难寄宿生生活补助"))
        #expect(boarding.name == "寄宿生生活补助" && boarding.stages == [.primary, .junior] && boarding.boarding == true && boarding.checkUnpaid)
        #expect(boarding.categories == ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾"])
        #expect(boarding.accountTypes == [.bankCard, .socialSecurityCard, .aidCard, .mealCard])
        #expect(program(c, named: "国家奖学金")?.categories == [] && program(c, named: "中职国家助学金")?.schedule == .monthly)
        #expect(program(c, named: "普高国家助学金")?.boarding == .some(nil))

        func standard(_ program: String, _ stage: Stage, on day: String, region: String = "*") -> StandardRow? {
            c.standards.first { $0.program == program && $0.stage == stage && $0.region == region && $0.effectiveFrom <= day && ($0.effectiveTo ?? "9999") >= day }
        }
        // The 2024 increase of the boarding subsidy, the 2025 increases of the senior-high and vocational grants.
        #expect(standard("寄宿生生活补助", .junior, on: "2023-09-01")?.paymentRangeFen == 62_500...62_500)
        #expect(standard("寄宿生生活补助", .junior, on: "2025-09-01")?.paymentRangeFen == 75_000...75_000)
        #expect(standard("非寄宿生生活补助", .primary, on: "2024-03-01")?.paymentRangeFen == 31_250...31_250)
        #expect(standard("普通高中国家助学金", .senior, on: "2024-09-01")?.paymentRangeFen == 50_000...150_000)
        #expect(standard("普通高中国家助学金", .senior, on: "2025-03-01")?.paymentRangeFen == 75_000...175_000)
        #expect(standard("中职国家助学金", .vocational, on: "2025-03-01")?.paymentRangeFen == 23_000...23_000)
        #expect(standard("本专科国家助学金", .higher, on: "2024-10-01")?.paymentRangeFen == 25_000...50_000)
        #expect(standard("国家奖学金", .higher, on: "2025-01-01")?.paymentRangeFen == 1_000_000...1_000_000)
        #expect(standard("国家励志奖学金", .higher, on: "2024-01-01")?.paymentRangeFen == 500_000...500_000)
        // The local example: preschool in Yueyang, with rows for the locally coded zones.
        let preschool = try #require(standard("学前资助", .preschool, on: "2025-09-01", region: "4306"))
        #expect(preschool.paymentRangeFen == 37_500...37_500 && preschool.source == "standards-local-example.csv line 6")
        #expect(c.standards.filter { $0.program == "学前资助" }.map(\.region) == ["4306", "YY-JK", "YY-NH"])

        #expect(c.mutexes.map { [$0.first, $0.second] } == [["国家奖学金", "国家励志奖学金"], ["寄宿生生活补助", "非寄宿生生活补助"]])
        #expect(c.categories.first { $0.category == "建档立卡" }?.certTypes == ["脱贫户", "建档立卡户"])
        #expect(c.categories.first { $0.category == "残疾" }.map { ($0.certTypes, $0.issuer) } ?? ([], "") == (["残疾人证"], "残联"))
        #expect(c.categories.first { $0.category == "其他" }?.certTypes == [])
        #expect(c.units.count == 12 && c.units.filter(\.local).map(\.code) == ["YY-JK", "YY-NH", "430671"])
        #expect(c.rules.map(\.rule) == RuleCode.allCases && c.rules.allSatisfy(\.enabled))
        let high = c.rules.filter { $0.severity == .high }.map(\.rule.rawValue)
        let low = c.rules.filter { $0.severity == .low }.map(\.rule.rawValue)
        #expect(high == ["XC-02", "XC-03", "XC-05", "XC-07", "XC-10"] && low == ["XC-11", "XC-16", "XC-17", "XC-18"])
        #expect(c.rules.first { $0.rule == .personNoCert }?.action == "核实困难认定证件；无有效证件的停止发放并追回资金")
        #expect(c.rules.first { $0.rule == .eligibleUnpaid }?.action == "核实是否符合资助条件，符合的及时补发")
        #expect(c.thresholds == Thresholds())
    }

    @Test func aRunRecordsTheDigestOfEveryFileItUsed() throws {
        let files = try shippedConfigurationFiles()
        let c = try CrossCheckConfiguration.load(files: files)
        #expect(c.files.map(\.name) == ["categories.csv", "mutex.csv", "programs-local-example.csv", "programs.csv", "rules.csv",
                                        "standards-local-example.csv", "standards.csv", "thresholds.conf", "units.csv"])
        let h = try HashFunction(.sha256)
        for f in c.files {
            let bytes = try #require(files.first { $0.name == f.name }?.bytes)
            h.begin()
            h.update(bytes)
            #expect(f.sha256 == h.finalize().hex)
        }
        // README.md and the pairing file are in the directory but are not rules: skipped, not recorded.
        #expect(files.contains { $0.name == "README.md" } && files.contains { $0.name == "pairing-yueyang.csv" })
    }

    @Test func theYueyangPairingLoads() throws {
        let c = try shippedConfiguration()
        let bytes = Array(try Data(contentsOf: shippedConfigurationDirectory.appendingPathComponent("pairing-yueyang.csv")))
        let pairing = try Pairing.load(name: "pairing-yueyang.csv", bytes: bytes, units: c.units)
        #expect(pairing.inspectingUnit.count == 12)
        #expect(pairing.inspector(of: "430602") == "430626" && pairing.inspector(of: "430626") == "430602")
        #expect(pairing.inspector(of: "YY-JK") == "430624" && pairing.inspector(of: "430671") == "430682")
        // In pairs both ways.
        #expect(pairing.inspectingUnit.allSatisfy { pairing.inspector(of: $0.value) == $0.key })
        #expect(pairing.file?.name == "pairing-yueyang.csv" && pairing.file?.sha256.count == 64)
    }

    // MARK: - one test per kind of problem

    @Test func theSmallConfigurationLoads() throws {
        let c = try CrossCheckConfiguration.load(files: SmallConfiguration.with())
        #expect(c.programs.count == 3 && c.standards.count == 5 && c.units.count == 3 && c.rules.count == RuleCode.allCases.count)
        #expect(c.standards[0].source == "standards.csv line 2" && c.standards[0].boarding == true && c.standards[3].boarding == nil)
    }

    @Test func aStandardForAnUnknownProgramme() {
        let standards = SmallConfiguration.files["standards.csv"]! + "营养改善计划,小学,是,*,2021-09-01,,1000,,1/2\n"
        #expect(SmallConfiguration.problems(["standards.csv": standards]) == ["standards.csv:7:1: program: unknown programme (not a name or alias in programs*.csv)"])
    }

    @Test func aStandardMayNameTheProgrammeByAnAlias() throws {
        let standards = SmallConfiguration.files["standards.csv"]!.replacingOccurrences(of: "寄宿生生活补助,初中", with: "寄宿生补助,初中")
        let c = try CrossCheckConfiguration.load(files: SmallConfiguration.with(["standards.csv": standards]))
        #expect(c.standards[2].program == "寄宿生生活补助" && c.standards[2].stage == .junior)
    }

    @Test func overlappingEffectiveRangesForTheSameKey() {
        // 不限 (either) overlaps 是 (boarders); the first overlapping row is named.
        let standards = SmallConfiguration.files["standards.csv"]! + "寄宿生生活补助,小学,不限,*,2023-06-01,2024-02-01,1000,,1/2\n"
        #expect(SmallConfiguration.problems(["standards.csv": standards]) == [
            "standards.csv:7:5: effective_from: in effect on the same days as standards.csv line 2 (same programme, stage, boarding and region): end one before the other starts",
        ])
        // Across files: a local file may not redefine a national standard for the same days…
        let local = "资助项目,学段,是否寄宿,地区,起始日期,年标准下限(元),每次发放比例\n国家奖学金,高校,不限,*,2025-09-01,12000,1/1\n"
        #expect(SmallConfiguration.problems(["standards-local.csv": local]) == [
            "standards-local.csv:2:5: effective_from: in effect on the same days as standards.csv line 5 (same programme, stage, boarding and region): end one before the other starts",
        ])
        // …but may add one for its region (the longest prefix wins when the engine chooses).
        #expect(SmallConfiguration.problems(["standards-local.csv": local.replacingOccurrences(of: ",*,", with: ",4306,")]) == [])
    }

    @Test func aStandardThatDoesNotFitItsProgramme() {
        let standards = SmallConfiguration.files["standards.csv"]! + "寄宿生生活补助,高中,否,*,2024-01-01,,1500,,1/2\n"
        #expect(SmallConfiguration.problems(["standards.csv": standards]) == [
            "standards.csv:7:2: stage: 寄宿生生活补助 is not for this stage (programs: primary, junior)",
            "standards.csv:7:3: boarding: 寄宿生生活补助 is only for boarders (是)",
        ])
    }

    @Test func aProgrammeCategoryWithNoEvidenceRow() {
        let programs = SmallConfiguration.files["programs.csv"]!.replacingOccurrences(of: "低保、残疾", with: "低保、残疾、特困")
        #expect(SmallConfiguration.problems(["programs.csv": programs]) == [
            "programs.csv:2:5: categories: item 3 (特困) has no row in categories.csv (which certificates prove it?)",
        ])
        // A category payment files cannot carry is refused where it is written.
        let bad = SmallConfiguration.files["categories.csv"]! + "单亲,单亲证明,民政局\n"
        #expect(SmallConfiguration.problems(["categories.csv": bad]) == [
            "categories.csv:4:1: category: must be one of the categories payment files carry (建档立卡/脱贫/监测/低保/特困/孤儿/残疾/其他)",
        ])
        // A certificate type needs an issuer; 其他 with none needs neither.
        #expect(SmallConfiguration.problems(["categories.csv": SmallConfiguration.files["categories.csv"]! + "特困,特困人员救助供养证,\n其他,,\n"]) == [
            "categories.csv:4:3: issuer: empty (say which department issues these certificates)",
        ])
    }

    @Test func aMutexNamingAnUnknownProgramme() {
        let mutex = SmallConfiguration.files["mutex.csv"]! + "寄宿生补助,非寄宿生生活补助,寄宿与非寄宿不得同时享受\n国家奖学金,国家奖学金,同一项目\n国家励志奖学金,国家奖学金,重复\n"
        #expect(SmallConfiguration.problems(["mutex.csv": mutex]) == [
            "mutex.csv:3:2: second: unknown programme (not a name or alias in programs*.csv)",
            "mutex.csv:4:2: second: names the same programme as column 1",
            "mutex.csv:5:0: the same pair as line 2",
        ])
    }

    @Test func duplicateNamesAndAliases() {
        let local = """
            # 地方项目
            项目名称,别名,学段,是否寄宿,困难类型,发放周期,账户类型,检查应助未助
            学前资助,寄宿生补助,学前,不限,低保,学期,银行卡,否
            国家奖学金,,高校,不限,,每年,银行卡,否
            学前教育资助,学前教育资助,学前,不限,低保,学期,银行卡,否

            """
        #expect(SmallConfiguration.problems(["programs-local.csv": local]) == [
            "programs-local.csv:3:2: aliases: item 1 (寄宿生补助) already names a programme (programs.csv line 2)",
            "programs-local.csv:4:1: name: 国家奖学金 already names a programme (programs.csv line 3)",
            "programs-local.csv:5:2: aliases: item 1 is the programme's own name",
        ])
    }

    @Test func aProgrammeWithoutAStandard() {
        let local = "项目名称,别名,学段,是否寄宿,困难类型,发放周期,账户类型,检查应助未助\n学前资助,,学前,不限,低保,学期,银行卡,否\n"
        #expect(SmallConfiguration.problems(["programs-local.csv": local]) == [
            "programs-local.csv:2:1: name: 学前资助 has no row in standards*.csv (XC-08 would find every payment of it off-standard)",
        ])
        let standard = "资助项目,学段,是否寄宿,地区,起始日期,年标准(元),每次发放比例\n学前资助,学前,不限,4306,2020-09-01,750,1/2\n"
        #expect(SmallConfiguration.problems(["programs-local.csv": local, "standards-local.csv": standard]) == [])
    }

    @Test func aRuleCodeTheEngineDoesNotKnowAndARuleWithoutARow() {
        let rules = SmallConfiguration.rulesText.replacingOccurrences(of: "XC-20,是,中,核实\n", with: "XC-09,是,中,核实\nXC-01,否,低,核实\n")
        #expect(SmallConfiguration.problems(["rules.csv": rules]) == [
            "rules.csv:1:0: rule: XC-20 has no row (every rule needs one; write 否 in 启用 to turn it off)",
            "rules.csv:15:1: rule: must be a rule the engine runs (XC-01, XC-02, XC-03, XC-04, XC-05, XC-06, XC-07, XC-08, XC-10, XC-11, XC-16, XC-17, XC-18, XC-20)",
            "rules.csv:16:1: rule: already set on line 2",
        ])
        let values = SmallConfiguration.rulesText.replacingOccurrences(of: "XC-05,是,中,核实", with: "XC-05,也许,严重,")
        #expect(SmallConfiguration.problems(["rules.csv": values]) == [
            "rules.csv:6:2: enabled: must be 是/否 or yes/no",
            "rules.csv:6:3: severity: must be 高/中/低 or high/medium/low",
            "rules.csv:6:4: action: empty (say what the inspected unit should do)",
        ])
    }

    @Test func aMissingFileAndFilesThatAreNotConfiguration() {
        #expect(SmallConfiguration.problems(["units.csv": nil]) == ["units.csv:0:0: required configuration file missing"])
        // A missing programmes file does not also make every standard "unknown".
        #expect(SmallConfiguration.problems(["programs.csv": nil]) == ["programs.csv:0:0: required configuration file missing"])
        #expect(SmallConfiguration.problems(["standard-local.csv": "x\n"]) == [
            "standard-local.csv:0:0: not a configuration file (expected programs.csv, standards.csv, mutex.csv, categories.csv, units.csv, rules.csv, thresholds.conf, programs*.csv or standards*.csv; pairing*.csv and *.md are skipped)",
        ])
        #expect(SmallConfiguration.problems(["README.md": "# 说明\n", "pairing-x.csv": "x\n", ".DS_Store": "\u{0}"]) == [])
        var files = SmallConfiguration.with()
        files.append(files[0])
        #expect(throws: ConfigurationRejection.self) { try CrossCheckConfiguration.load(files: files) }
        do { _ = try CrossCheckConfiguration.load(files: files) } catch {
            #expect(error.errors.map(\.description) == ["\(files[0].name):0:0: the same file name is given twice"])
        }
    }

    @Test func badValuesAreReportedWhereTheyAre() {
        let standards = """
            资助项目,学段,是否寄宿,地区,起始日期,截止日期,年标准下限(元),年标准上限(元),每次发放比例
            寄宿生生活补助,小学,是,*,2019-09-01,2023-12-31,1000,,1/2
            寄宿生生活补助,小学,是,*,2024-01-01,,1250,,1/2
            寄宿生生活补助,初中,是,*,2024-01-01,,1500,,1/2
            国家奖学金,高校,不限,*,2024-09-01,,10000,,1/1
            国家励志奖学金,高校,不限,*,2024-09-01,,6000,,1/1
            国家励志奖学金,幼儿园,也许,4306 ,2024-02-30,2024-01-01,-5,1.234,3/2
            国家励志奖学金,高校,否,*,2026-09-01,2026-01-01,7000,6000,1/0
            国家励志奖学金,高校,否,*,2027-09-01,,7000.5,,1/1,extra

            """
        #expect(SmallConfiguration.problems(["standards.csv": standards]) == [
            "standards.csv:7:2: stage: must be one of 学前/小学/初中/高中/中职/高校 or preschool/primary/junior/senior/vocational/higher",
            "standards.csv:7:3: boarding: must be 是/否/不限 or yes/no/either",
            "standards.csv:7:5: effective_from: must be a real date YYYY-MM-DD",
            "standards.csv:7:7: yearly_min_yuan: must be an amount of yuan with at most 2 decimals, above 0 and at most 1000000",
            "standards.csv:7:8: yearly_max_yuan: must be an amount of yuan with at most 2 decimals, above 0 and at most 1000000, or empty (a fixed standard)",
            "standards.csv:7:9: share: must be a fraction n/d of the yearly standard with 1 ≤ n ≤ d ≤ 120 (1/2 a term, 1/10 a month, 1/1 a year)",
            "standards.csv:8:6: effective_to: is before effective_from (column 5)",
            "standards.csv:8:8: yearly_max_yuan: is below yearly_min_yuan (column 7)",
            "standards.csv:8:9: share: must be a fraction n/d of the yearly standard with 1 ≤ n ≤ d ≤ 120 (1/2 a term, 1/10 a month, 1/1 a year)",
            "standards.csv:9:0: has 10 fields, the header has 9",
        ])
        let units = "单位代码,单位名称,本地代码\n430602,岳阳楼区,否\n430626,平江县,否\nYY-JK,岳阳经济技术开发区,否\n430602,重复,否\n岳阳,,是\n"
        #expect(SmallConfiguration.problems(["units.csv": units]) == [
            "units.csv:4:1: code: a GB/T 2260 code has 6 digits (for a locally assigned code write 是 in column 3)",
            "units.csv:5:1: code: already defined on line 2",
            "units.csv:6:1: code: must be a unit code (1–64 digits, letters, . _ : / -)",
            "units.csv:6:2: name: empty",
        ])
        let programs = SmallConfiguration.files["programs.csv"]! + "学前资助,,学前、托班,偶尔,低保、低保,每周,现金,也许\n"
        #expect(SmallConfiguration.problems(["programs.csv": programs]) == [
            "programs.csv:5:3: stages: item 2 must be one of 学前/小学/初中/高中/中职/高校 or preschool/primary/junior/senior/vocational/higher",
            "programs.csv:5:4: boarding: must be 是/否/不限 or yes/no/either",
            "programs.csv:5:5: categories: item 2 is listed twice",
            "programs.csv:5:6: schedule: must be 学期/每月/每年 or term/monthly/yearly",
            "programs.csv:5:7: account_types: item 1 must be one of 银行卡/社保卡/资助卡/餐卡 or bank_card/social_security_card/aid_card/meal_card",
            "programs.csv:5:8: check_unpaid: must be 是/否 or yes/no",
        ])
    }

    @Test func headersCommentsBOMAndCRLF() throws {
        // English headers in another order, a BOM, CRLF, comments (one with a quote), quoted cells, a note column,
        // full-width parentheses, trailing empty cells and an all-empty row.
        let standards = "\u{FEFF}# 标准 \"national\"\r\nshare,program,stage,boarding,region,effective_from,effective_to,yearly_min_yuan,备注\r\n"
            + "1/2,寄宿生生活补助,primary,yes,*,2019-09-01,2023-12-31,1000,\"a, b\"\r\n"
            + ",,,,,,,,\r\n"
            + "1/2,寄宿生生活补助,小学,是,*,2024-01-01,,1250,,,\r\n"
            + "# 初中\r\n1/2,寄宿生生活补助,junior,是,*,2024-01-01,,1500,\r\n"
            + "1/1,国家奖学金,higher,either,*,2024-09-01,,10000,\r\n1/1,国家励志奖学金,higher,any,*,2024-09-01,,6000,\r\n"
        let c = try CrossCheckConfiguration.load(files: SmallConfiguration.with(["standards.csv": standards]))
        #expect(c.standards.map(\.source) == ["standards.csv line 3", "standards.csv line 5", "standards.csv line 7", "standards.csv line 8", "standards.csv line 9"])
        let full = SmallConfiguration.files["standards.csv"]!.replacingOccurrences(of: "(元)", with: "（元）")
        #expect(SmallConfiguration.problems(["standards.csv": full]) == [])

        let header = "资助项目,学段,是否寄宿,地区,地区,起始日期,年标准,每次发放比例\n"
        #expect(SmallConfiguration.problems(["standards.csv": header]) == [
            "standards.csv:1:0: yearly_min_yuan: required column missing (header: 年标准下限(元) or 年标准(元) or yearly_min_yuan or yearly_yuan)",
            "standards.csv:1:5: region: column appears twice (also column 4)",
            "standards.csv:1:7: unknown column (expected: 资助项目, 学段, 是否寄宿, 地区, 起始日期, 截止日期, 年标准下限(元), 年标准上限(元), 每次发放比例, 备注)",
        ])
    }

    @Test func invalidUTF8AndBadCSVAreLocated() {
        var bytes = Array("单位代码,单位名称,本地代码\n430602,岳阳楼区,否\n430626,".utf8) + [0xE5, 0xB9] + Array(",否\n".utf8)
        var problems: [String] = []
        do { _ = try CrossCheckConfiguration.load(files: SmallConfiguration.with().filter { $0.name != "units.csv" } + [(name: "units.csv", bytes: bytes)]) } catch {
            problems = error.errors.map(\.description)
        }
        #expect(problems == ["units.csv:3:8: invalid UTF-8 (byte 0xe5 at character 8); save the file as UTF-8"])
        bytes = Array("单位代码,单位名称,本地代码\n430602,\"岳阳楼区,否\n".utf8)
        do { _ = try CrossCheckConfiguration.load(files: SmallConfiguration.with().filter { $0.name != "units.csv" } + [(name: "units.csv", bytes: bytes)]) } catch {
            problems = error.errors.map(\.description)
        }
        #expect(problems == ["units.csv:2:2: unterminated quoted field"])
        #expect(SmallConfiguration.problems(["mutex.csv": "# only a comment\n\n"]) == ["mutex.csv:1:0: the file is empty (a header line is required)"])
        #expect(SmallConfiguration.problems(["mutex.csv": ""]) == ["mutex.csv:1:0: the file is empty (a header line is required)"])
    }

    @Test func thresholds() throws {
        let chinese = "\u{FEFF}# 阈值\r\n同一账户最多学生数 = 3\r\n春季学期开始＝02-20\r\n\r\n秋季学期开始 = 08-25\r\n金额容差（分） = 100\r\n"
        let c = try CrossCheckConfiguration.load(files: SmallConfiguration.with(["thresholds.conf": chinese]))
        #expect(c.thresholds.maxPersonsPerAccount == 3 && c.thresholds.springTermStart == "02-20" && c.thresholds.autumnTermStart == "08-25" && c.thresholds.amountToleranceFen == 100)
        let bad = "# 阈值\nmax_persons_per_account = 0\nspring_term_start =  02-29\nautumn_term_start = 9-1\nmax_persons_per_account = 2\nfoo = 1\nno equals sign\namount_tolerance_fen = -1\n"
        #expect(SmallConfiguration.problems(["thresholds.conf": bad]) == [
            "thresholds.conf:2:27: max_persons_per_account: must be a whole number from 1 to 1000",
            "thresholds.conf:3:22: spring_term_start: must be a day of the year MM-DD (not 02-29)",
            "thresholds.conf:4:21: autumn_term_start: must be a day of the year MM-DD (not 02-29)",
            "thresholds.conf:5:1: max_persons_per_account: already set on line 2",
            "thresholds.conf:6:1: unknown key (expected max_persons_per_account, spring_term_start, autumn_term_start, amount_tolerance_fen)",
            "thresholds.conf:7:1: expected key = value (or a # comment)",
            "thresholds.conf:8:24: amount_tolerance_fen: must be a whole number of fen from 0 to 1000000",
        ])
        #expect(SmallConfiguration.problems(["thresholds.conf": "spring_term_start = 09-01\nautumn_term_start = 03-01\n"]) == [
            "thresholds.conf:0:0: max_persons_per_account: missing (every threshold is set in the file, so a run's digest says what it used)",
            "thresholds.conf:0:0: amount_tolerance_fen: missing (every threshold is set in the file, so a run's digest says what it used)",
            "thresholds.conf:1:0: spring_term_start: must be before autumn_term_start",
        ])
        let invalid = SmallConfiguration.with().filter { $0.name != "thresholds.conf" } + [(name: "thresholds.conf", bytes: Array("max_persons_per_account = 2\n# \u{9608}".utf8) + [0xff])]
        do {
            _ = try CrossCheckConfiguration.load(files: invalid)
            Issue.record("loaded invalid UTF-8")
        } catch {
            #expect(error.errors.map(\.description) == ["thresholds.conf:2:0: invalid UTF-8; save the file as UTF-8"])
        }
    }

    @Test func atMostAHundredProblemsAreReported() throws {
        let rows = (0..<150).map { _ in "寄宿生生活补助,小学,是,*,2019-13-01,,1000,,1/2" }.joined(separator: "\n")
        let files = SmallConfiguration.with(["standards-bad.csv": "资助项目,学段,是否寄宿,地区,起始日期,截止日期,年标准下限(元),年标准上限(元),每次发放比例\n" + rows + "\n"])
        do {
            _ = try CrossCheckConfiguration.load(files: files)
            Issue.record("loaded 150 bad rows")
        } catch {
            #expect(error.errors.count == 100 && error.truncated)
            #expect(error.errors.first?.description == "standards-bad.csv:2:5: effective_from: must be a real date YYYY-MM-DD")
            #expect(error.description.hasSuffix("… more problems not shown"))
        }
    }

    // MARK: - pairing

    @Test func pairingProblems() throws {
        let units = try CrossCheckConfiguration.load(files: SmallConfiguration.with()).units
        func problems(_ text: String) -> [String] {
            do {
                _ = try Pairing.load(name: "pairing.csv", bytes: Array(text.utf8), units: units)
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
        #expect(problems("inspected,inspecting\n430602,430626\n430626,430602\n") == [])
        #expect(problems("被检查单位,检查单位\n430602,430626\n430602,YY-JK\nYY-JK,YY-JK\n430699,430602\n,430602\n") == [
            "pairing.csv:3:1: inspected: already paired on line 2",
            "pairing.csv:4:2: inspecting: a unit cannot inspect itself",
            "pairing.csv:5:1: inspected: not a unit in units.csv",
            "pairing.csv:6:1: inspected: empty",
        ])
        #expect(problems("被检查单位\n430602\n") == ["pairing.csv:1:0: inspecting: required column missing (header: 检查单位 or inspecting)"])
        let pairing = try Pairing.load(name: "p.csv", bytes: Array("inspected,inspecting\nYY-JK,430626\n430602,430626\n".utf8), units: units)
        #expect(pairing.pairs.map(\.inspected) == ["430602", "YY-JK"])
    }

    // MARK: - no input reaches a trap

    @Test func randomMutationsOfTheShippedFilesLoadOrAreRejected() throws {
        let files = try shippedConfigurationFiles()
        let units = try shippedConfiguration().units
        var random = SplitMix64(seed: 0x10ad_c0f1)
        let interesting: [UInt8] = [0x22, 0x2c, 0x0a, 0x0d, 0x23, 0x3d, 0x2f, 0x2d, 0x2a, 0x30, 0x39, 0x00, 0x7f, 0x80, 0xbf, 0xc2, 0xe3, 0xef, 0xbb, 0xff]
        var rejected = 0, loaded = 0
        for _ in 0..<400 {
            var mutated = files
            let target = Int(random.next() % UInt64(files.count))
            var bytes = mutated[target].bytes
            for _ in 0...(random.next() % 6) {
                let at = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                let byte = random.next() % 2 == 0 ? interesting[Int(random.next() % UInt64(interesting.count))] : UInt8(truncatingIfNeeded: random.next())
                switch random.next() % 4 {
                case 0 where !bytes.isEmpty: bytes[at] = byte
                case 1: bytes.insert(byte, at: at)
                case 2 where !bytes.isEmpty: bytes.remove(at: at)
                default:
                    // A whole line duplicated or dropped.
                    let lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
                    let i = Int(random.next() % UInt64(lines.count))
                    var out = Array(lines)
                    if random.next() % 2 == 0 { out.insert(lines[i], at: i) } else { out.remove(at: i) }
                    bytes = Array(out.joined(separator: [0x0a]))
                }
            }
            mutated[target].bytes = bytes
            do {
                let c = try CrossCheckConfiguration.load(files: mutated)
                loaded += 1
                // What loads is usable without a trap.
                for s in c.standards { #expect(s.paymentRangeFen.lowerBound > 0) }
                #expect(c.rules.count == RuleCode.allCases.count)
            } catch {
                rejected += 1
                #expect(!error.errors.isEmpty && error.errors.count <= 100)
                #expect(error.errors.allSatisfy { e in files.contains { $0.name == e.file } && e.line >= 0 && e.column >= 0 })
            }
            if mutated[target].name.hasPrefix("pairing") {
                do { _ = try Pairing.load(name: mutated[target].name, bytes: bytes, units: units) } catch { #expect(!error.errors.isEmpty) }
            }
        }
        #expect(rejected > 100 && loaded > 10, "rejected \(rejected), loaded \(loaded)")
    }
}

/// A small deterministic generator for property tests (SplitMix64).
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import LedgerCore
import LedgerImport

// The rows of each configuration file, read and checked one file at a time. What needs another file (a standard's
// programme, a programme's categories) is checked by `CrossCheckConfiguration.load` afterwards, so the rows keep
// where they came from.

/// A programme row of `programs*.csv`, with its place.
struct ProgramRow {
    let definition: ProgramDefinition
    let file: String
    let line: Int
    let nameColumn: Int
    let aliasesColumn: Int
    let categoriesColumn: Int
}

enum ProgramColumn: String, ConfigurationColumn {
    case name, aliases, stages, boarding, categories, schedule, accountTypes = "account_types", checkUnpaid = "check_unpaid"
    var field: String { rawValue }
    var headers: [String] {
        switch self {
        case .name: ["项目名称", "资助项目", "name", "program", "programme"]
        case .aliases: ["别名", "aliases"]
        case .stages: ["学段", "stages"]
        case .boarding: ["是否寄宿", "boarding"]
        case .categories: ["困难类型", "categories"]
        case .schedule: ["发放周期", "schedule"]
        case .accountTypes: ["账户类型", "发放方式", "account_types"]
        case .checkUnpaid: ["检查应助未助", "check_unpaid"]
        }
    }
    var isRequired: Bool { true }
}

/// A standards row of `standards*.csv` before its programme is resolved.
struct StandardDraft {
    let program: String
    let stage: Stage
    let boarding: Bool?
    let region: String
    let effectiveFrom: String
    let effectiveTo: String?
    let yearlyMinFen: Int64
    let yearlyMaxFen: Int64
    let share: (numerator: Int64, denominator: Int64)
    let file: String
    let line: Int
    let programColumn: Int
    let stageColumn: Int
    let boardingColumn: Int
    let effectiveFromColumn: Int
}

enum StandardColumn: String, ConfigurationColumn {
    case program, stage, boarding, region, effectiveFrom = "effective_from", effectiveTo = "effective_to"
    case yearlyMin = "yearly_min_yuan", yearlyMax = "yearly_max_yuan", share
    var field: String { rawValue }
    var headers: [String] {
        switch self {
        case .program: ["资助项目", "项目名称", "program", "programme"]
        case .stage: ["学段", "stage"]
        case .boarding: ["是否寄宿", "boarding"]
        case .region: ["地区", "地区代码", "region"]
        case .effectiveFrom: ["起始日期", "生效日期", "effective_from"]
        case .effectiveTo: ["截止日期", "失效日期", "effective_to"]
        case .yearlyMin: ["年标准下限(元)", "年标准(元)", "yearly_min_yuan", "yearly_yuan"]
        case .yearlyMax: ["年标准上限(元)", "yearly_max_yuan"]
        case .share: ["每次发放比例", "share"]
        }
    }
    var isRequired: Bool { self != .yearlyMax && self != .effectiveTo }
}

/// A row of `mutex.csv` before its programmes are resolved.
struct MutexDraft {
    let first: String
    let second: String
    let reason: String
    let file: String
    let line: Int
    let firstColumn: Int
    let secondColumn: Int
}

enum MutexColumn: String, ConfigurationColumn {
    case first, second, reason
    var field: String { rawValue }
    var headers: [String] {
        switch self {
        case .first: ["项目一", "first"]
        case .second: ["项目二", "second"]
        case .reason: ["原因", "reason"]
        }
    }
    var isRequired: Bool { true }
}

enum CategoryColumn: String, ConfigurationColumn {
    case category, certTypes = "cert_types", issuer
    var field: String { rawValue }
    var headers: [String] {
        switch self {
        case .category: ["困难类型", "category"]
        case .certTypes: ["证件类型", "cert_types"]
        case .issuer: ["发证部门", "issuer"]
        }
    }
    var isRequired: Bool { true }
}

enum UnitColumn: String, ConfigurationColumn {
    case code, name, local
    var field: String { rawValue }
    var headers: [String] {
        switch self {
        case .code: ["单位代码", "code"]
        case .name: ["单位名称", "name"]
        case .local: ["本地代码", "local"]
        }
    }
    var isRequired: Bool { true }
}

enum RuleColumn: String, ConfigurationColumn {
    case rule, name, enabled, severity, action
    var field: String { rawValue }
    var headers: [String] {
        switch self {
        case .rule: ["规则", "规则代码", "rule"]
        case .name: ["规则名称", "name"]
        case .enabled: ["启用", "是否启用", "enabled"]
        case .severity: ["严重程度", "severity"]
        case .action: ["处理建议", "action"]
        }
    }
    var isRequired: Bool { self != .name }
}

/// Reads the rows of each file kind, reporting every problem with its place.
enum ConfigurationRows {
    /// Longest programme, alias, certificate type, issuer and unit name.
    static let maxNameScalars = 50

    /// The programme rows without problems, and the names and aliases of the rows with problems (so that a standard
    /// naming one is not also reported as naming an unknown programme).
    static func programs(_ table: ConfigurationTable<ProgramColumn>, problems: ConfigurationProblems) -> (rows: [ProgramRow], rejectedNames: Set<String>) {
        var out: [ProgramRow] = []
        var rejectedNames: Set<String> = []
        for row in table.rows {
            let before = problems.errors.count
            func fail(_ c: ProgramColumn, _ why: String) { problems.add(table.file, row.line, row.column(c), c.field, why) }
            let name = row.value(.name) ?? ""
            if !FieldSyntax.isText(name, maxScalars: maxNameScalars) { fail(.name, name.isEmpty ? "empty" : "must be 1–\(maxNameScalars) characters without control characters") }
            let aliases = ConfigurationValue.list(row.value(.aliases) ?? "")
            for (i, alias) in aliases.enumerated() {
                if !FieldSyntax.isText(alias, maxScalars: maxNameScalars) { fail(.aliases, "item \(i + 1) must be 1–\(maxNameScalars) characters without control characters") }
                if aliases[..<i].contains(alias) { fail(.aliases, "item \(i + 1) repeats an earlier alias") }
            }
            let stages = parseList(row, .stages, table.file, problems, allowEmpty: false, words: ConfigurationValue.stageWords, ConfigurationValue.stage)
            let boarding = parseBoarding(row, .boarding) { fail(.boarding, $0) }
            let categories = parseList(row, .categories, table.file, problems, allowEmpty: true, words: PaymentCSV.categories.joined(separator: "/")) {
                PaymentCSV.categories.contains($0) ? $0 : nil
            }
            let schedule = row.value(.schedule).flatMap(ConfigurationValue.schedule)
            if schedule == nil { fail(.schedule, "must be \(ConfigurationValue.scheduleWords)") }
            let accountTypes = parseList(row, .accountTypes, table.file, problems, allowEmpty: false, words: ConfigurationValue.accountTypeWords, ConfigurationValue.accountType)
            let checkUnpaid = row.value(.checkUnpaid).flatMap(ConfigurationValue.bool)
            if checkUnpaid == nil { fail(.checkUnpaid, "must be \(ConfigurationValue.boolWords)") }
            guard problems.errors.count == before, let boarding, let schedule, let checkUnpaid else {
                rejectedNames.formUnion([name] + aliases)
                continue
            }
            let definition = ProgramDefinition(name: name, aliases: aliases, stages: stages, boarding: boarding, categories: categories, schedule: schedule,
                                               accountTypes: accountTypes, checkUnpaid: checkUnpaid)
            out.append(ProgramRow(definition: definition, file: table.file, line: row.line, nameColumn: row.column(.name),
                                  aliasesColumn: row.column(.aliases), categoriesColumn: row.column(.categories)))
        }
        return (out, rejectedNames)
    }

    /// The standard rows without problems, and the programmes named by rows with problems (so that the programme is
    /// not also reported as having no standard).
    static func standards(_ table: ConfigurationTable<StandardColumn>, problems: ConfigurationProblems) -> (rows: [StandardDraft], rejectedPrograms: Set<String>) {
        var out: [StandardDraft] = []
        var rejectedPrograms: Set<String> = []
        for row in table.rows {
            let before = problems.errors.count
            func fail(_ c: StandardColumn, _ why: String) { problems.add(table.file, row.line, row.column(c), c.field, why) }
            let program = row.value(.program) ?? ""
            if !FieldSyntax.isText(program, maxScalars: maxNameScalars) { fail(.program, program.isEmpty ? "empty" : "must be 1–\(maxNameScalars) characters without control characters") }
            let stage = row.value(.stage).flatMap(ConfigurationValue.stage)
            if stage == nil { fail(.stage, "must be one of \(ConfigurationValue.stageWords)") }
            let boarding = parseBoarding(row, .boarding) { fail(.boarding, $0) }
            let region = row.value(.region) ?? ""
            if region != "*", !FieldSyntax.isToken(region) { fail(.region, "must be * (everywhere) or a unit-code prefix (digits, letters, . _ : / -)") }
            let from = row.value(.effectiveFrom) ?? ""
            let fromValid = FieldSyntax.isDate(from)
            if !fromValid { fail(.effectiveFrom, "must be a real date YYYY-MM-DD") }
            var to: String? = nil
            if let v = row.value(.effectiveTo), !v.isEmpty {
                if !FieldSyntax.isDate(v) { fail(.effectiveTo, "must be a real date YYYY-MM-DD, or empty (until replaced)") } else if fromValid, v < from {
                    fail(.effectiveTo, "is before effective_from (column \(row.column(.effectiveFrom)))")
                } else {
                    to = v
                }
            }
            let minimum = row.value(.yearlyMin).flatMap(ConfigurationValue.yuan)
            if minimum == nil { fail(.yearlyMin, "must be an amount of yuan with at most 2 decimals, above 0 and at most \(ConfigurationValue.maxYearlyFen / 100)") }
            var maximum = minimum
            if let v = row.value(.yearlyMax), !v.isEmpty {
                maximum = ConfigurationValue.yuan(v)
                if maximum == nil {
                    fail(.yearlyMax, "must be an amount of yuan with at most 2 decimals, above 0 and at most \(ConfigurationValue.maxYearlyFen / 100), or empty (a fixed standard)")
                } else if let minimum, let m = maximum, m < minimum {
                    fail(.yearlyMax, "is below yearly_min_yuan (column \(row.column(.yearlyMin)))")
                }
            }
            let share = row.value(.share).flatMap(ConfigurationValue.share)
            if share == nil { fail(.share, "must be a fraction n/d of the yearly standard with 1 ≤ n ≤ d ≤ \(ConfigurationValue.maxShareDenominator) (1/2 a term, 1/10 a month, 1/1 a year)") }
            guard problems.errors.count == before, let stage, let boarding, let minimum, let maximum, let share else {
                rejectedPrograms.insert(program)
                continue
            }
            out.append(StandardDraft(program: program, stage: stage, boarding: boarding, region: region, effectiveFrom: from, effectiveTo: to,
                                     yearlyMinFen: minimum, yearlyMaxFen: maximum, share: share, file: table.file, line: row.line,
                                     programColumn: row.column(.program), stageColumn: row.column(.stage), boardingColumn: row.column(.boarding),
                                     effectiveFromColumn: row.column(.effectiveFrom)))
        }
        return (out, rejectedPrograms)
    }

    static func mutexes(_ table: ConfigurationTable<MutexColumn>, problems: ConfigurationProblems) -> [MutexDraft] {
        var out: [MutexDraft] = []
        for row in table.rows {
            let before = problems.errors.count
            func text(_ c: MutexColumn, _ max: Int) -> String {
                let v = row.value(c) ?? ""
                if !FieldSyntax.isText(v, maxScalars: max) { problems.add(table.file, row.line, row.column(c), c.field, v.isEmpty ? "empty" : "must be 1–\(max) characters without control characters") }
                return v
            }
            let first = text(.first, maxNameScalars), second = text(.second, maxNameScalars), reason = text(.reason, 200)
            guard problems.errors.count == before else { continue }
            out.append(MutexDraft(first: first, second: second, reason: reason, file: table.file, line: row.line,
                                  firstColumn: row.column(.first), secondColumn: row.column(.second)))
        }
        return out
    }

    static func categories(_ table: ConfigurationTable<CategoryColumn>, problems: ConfigurationProblems) -> [CategoryEvidence] {
        var out: [CategoryEvidence] = []
        var lines: [String: Int] = [:]
        for row in table.rows {
            let before = problems.errors.count
            func fail(_ c: CategoryColumn, _ why: String) { problems.add(table.file, row.line, row.column(c), c.field, why) }
            let category = row.value(.category) ?? ""
            if !PaymentCSV.categories.contains(category) {
                fail(.category, category.isEmpty ? "empty" : "must be one of the categories payment files carry (\(PaymentCSV.categories.joined(separator: "/")))")
            } else if let first = lines[category] {
                fail(.category, "already defined on line \(first)")
            } else {
                lines[category] = row.line
            }
            let certTypes = ConfigurationValue.list(row.value(.certTypes) ?? "")
            for (i, type) in certTypes.enumerated() {
                if !FieldSyntax.isText(type, maxScalars: maxNameScalars) { fail(.certTypes, "item \(i + 1) must be 1–\(maxNameScalars) characters without control characters") }
                if certTypes[..<i].contains(type) { fail(.certTypes, "item \(i + 1) repeats an earlier certificate type") }
            }
            let issuer = row.value(.issuer) ?? ""
            if issuer.isEmpty {
                if !certTypes.isEmpty { fail(.issuer, "empty (say which department issues these certificates)") }
            } else if !FieldSyntax.isText(issuer, maxScalars: maxNameScalars) {
                fail(.issuer, "must be 1–\(maxNameScalars) characters without control characters")
            }
            guard problems.errors.count == before else { continue }
            out.append(CategoryEvidence(category: category, certTypes: certTypes, issuer: issuer))
        }
        return out
    }

    static func units(_ table: ConfigurationTable<UnitColumn>, problems: ConfigurationProblems) -> [UnitDefinition] {
        var out: [UnitDefinition] = []
        var lines: [String: Int] = [:]
        for row in table.rows {
            let before = problems.errors.count
            func fail(_ c: UnitColumn, _ why: String) { problems.add(table.file, row.line, row.column(c), c.field, why) }
            let code = row.value(.code) ?? ""
            if !FieldSyntax.isToken(code) {
                fail(.code, code.isEmpty ? "empty" : "must be a unit code (1–64 digits, letters, . _ : / -)")
            } else if let first = lines[code] {
                fail(.code, "already defined on line \(first)")
            } else {
                lines[code] = row.line
            }
            let name = row.value(.name) ?? ""
            if !FieldSyntax.isText(name, maxScalars: maxNameScalars) { fail(.name, name.isEmpty ? "empty" : "must be 1–\(maxNameScalars) characters without control characters") }
            let local = row.value(.local).flatMap(ConfigurationValue.bool)
            if local == nil { fail(.local, "must be \(ConfigurationValue.boolWords)") }
            if local == false, FieldSyntax.isToken(code), !(code.utf8.count == 6 && code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })) {
                fail(.code, "a GB/T 2260 code has 6 digits (for a locally assigned code write 是 in column \(row.column(.local)))")
            }
            guard problems.errors.count == before, let local else { continue }
            out.append(UnitDefinition(code: code, name: name, local: local))
        }
        return out
    }

    static func rules(_ table: ConfigurationTable<RuleColumn>, problems: ConfigurationProblems) -> [RuleSetting] {
        var out: [RuleSetting] = []
        var lines: [RuleCode: Int] = [:]
        for row in table.rows {
            let before = problems.errors.count
            func fail(_ c: RuleColumn, _ why: String) { problems.add(table.file, row.line, row.column(c), c.field, why) }
            let rule = row.value(.rule).flatMap { RuleCode(rawValue: $0.uppercased()) }
            if let rule {
                if let first = lines[rule] { fail(.rule, "already set on line \(first)") } else { lines[rule] = row.line }
            } else {
                fail(.rule, "must be a rule the engine runs (\(RuleCode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if let name = row.value(.name), !name.isEmpty, !FieldSyntax.isText(name, maxScalars: maxNameScalars) {
                fail(.name, "must be 1–\(maxNameScalars) characters without control characters")
            }
            let enabled = row.value(.enabled).flatMap(ConfigurationValue.bool)
            if enabled == nil { fail(.enabled, "must be \(ConfigurationValue.boolWords)") }
            let severity = row.value(.severity).flatMap(ConfigurationValue.severity)
            if severity == nil { fail(.severity, "must be 高/中/低 or high/medium/low") }
            let action = row.value(.action) ?? ""
            if !FieldSyntax.isText(action) { fail(.action, action.isEmpty ? "empty (say what the inspected unit should do)" : "must be 1–200 characters without control characters") }
            guard problems.errors.count == before, let rule, let enabled, let severity else { continue }
            out.append(RuleSetting(rule: rule, enabled: enabled, severity: severity, action: action))
        }
        for rule in RuleCode.allCases where lines[rule] == nil {
            problems.add(table.file, table.headerLine, 0, "rule", "\(rule.rawValue) has no row (every rule needs one; write 否 in 启用 to turn it off)")
        }
        return out.sorted { $0.rule < $1.rule }
    }

    /// The items of a list cell, each parsed; problems name the item's position.
    static func parseList<Column: ConfigurationColumn, Value: Equatable>(_ row: ConfigurationTable<Column>.Row, _ c: Column, _ file: String, _ problems: ConfigurationProblems,
                                                                          allowEmpty: Bool, words: String, _ parse: (String) -> Value?) -> [Value] {
        let items = ConfigurationValue.list(row.value(c) ?? "")
        if items.isEmpty, !allowEmpty { problems.add(file, row.line, row.column(c), c.field, "empty (list one or more of \(words), separated by 、 or ;)") }
        var values: [Value] = []
        for (i, item) in items.enumerated() {
            guard let v = parse(item) else {
                problems.add(file, row.line, row.column(c), c.field, "item \(i + 1) must be one of \(words)")
                continue
            }
            if values.contains(v) { problems.add(file, row.line, row.column(c), c.field, "item \(i + 1) is listed twice") } else { values.append(v) }
        }
        return values
    }

    /// Boarding as `Bool??`: the outer nil when the value is not accepted (reported through `fail`).
    static func parseBoarding<Column: ConfigurationColumn>(_ row: ConfigurationTable<Column>.Row, _ c: Column, fail: (String) -> Void) -> Bool?? {
        let b = row.value(c).flatMap(ConfigurationValue.boarding)
        if b == nil { fail("must be \(ConfigurationValue.boardingWords)") }
        return b
    }
}

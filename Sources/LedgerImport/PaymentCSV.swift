import LedgerCore
import LedgerCrypto

/// A payment-batch file, read and validated: one unit, programme and period, and its rows.
public struct PaymentFile: Sendable {
    public let unit: String
    public let program: String
    public let period: String
    public let items: [PaymentInput]
    /// The salts of a prepared file, in the order `BatchBuilder.prepare` consumes them; nil for a plain file.
    public var salts: [UInt8]? = nil
    public var totalFen: Int64 { items.reduce(0) { $0 + $1.amountFen } }
}

/// Reads payment-batch CSV files (DESIGN §4): Chinese or English headers, any column order, UTF-8 with or
/// without BOM. Every row is validated; any problem rejects the whole file, and every problem is reported as
/// `file:line:column: field: why` without repeating personal values.
public enum PaymentCSV {
    public enum Column: String, CaseIterable, Sendable {
        case idNumber = "id_number", name, unit, schoolCode = "school_code", schoolName = "school_name", stage, grade, boarding
        case category, certType = "cert_type", certNumber = "cert_number", program, period, amount, amountFen = "amount_fen"
        case accountType = "account_type", accountNumber = "account_number", paidDate = "paid_date", bankRef = "bank_ref"
        /// Optional: why a row pays a person already paid for the same programme and period (补发, a
        /// supplementary payment). Empty for an ordinary payment. Recorded in the payment entry.
        case supplementary = "supplementary_reason"
        /// Only in a prepared file (`aidledger submit`): the row's commitment salts, hex, 16 bytes per personal value
        /// present, in canonical field order (FORMAT.md §9).
        case salts

        /// Header names accepted for the column (compared after trimming, case-insensitively).
        public var aliases: [String] {
            switch self {
            case .idNumber: ["id_number", "身份证号", "身份证号码", "身份证"]
            case .name: ["name", "姓名"]
            case .unit: ["unit", "区县代码", "单位代码"]
            case .schoolCode: ["school_code", "学校代码", "学校标识码"]
            case .schoolName: ["school_name", "学校名称"]
            case .stage: ["stage", "学段"]
            case .grade: ["grade", "年级"]
            case .boarding: ["boarding", "是否寄宿"]
            case .category: ["category", "困难类型", "家庭经济困难类型"]
            case .certType: ["cert_type", "证件类型"]
            case .certNumber: ["cert_number", "证件号码"]
            case .program: ["program", "programme", "资助项目"]
            case .period: ["period", "学期"]
            case .amount: ["amount", "金额(元)", "金额（元）", "金额"]
            case .amountFen: ["amount_fen", "金额(分)", "金额（分）"]
            case .accountType: ["account_type", "账户类型"]
            case .accountNumber: ["account_number", "账号"]
            case .paidDate: ["paid_date", "发放日期"]
            case .bankRef: ["bank_ref", "银行流水号"]
            case .supplementary: ["supplementary_reason", "补发原因", "补发说明"]
            case .salts: ["salts"]
            }
        }

        /// Position in `allCases`.
        var ordinal: Int {
            switch self {
            case .idNumber: 0
            case .name: 1
            case .unit: 2
            case .schoolCode: 3
            case .schoolName: 4
            case .stage: 5
            case .grade: 6
            case .boarding: 7
            case .category: 8
            case .certType: 9
            case .certNumber: 10
            case .program: 11
            case .period: 12
            case .amount: 13
            case .amountFen: 14
            case .accountType: 15
            case .accountNumber: 16
            case .paidDate: 17
            case .bankRef: 18
            case .supplementary: 19
            case .salts: 20
            }
        }

        /// Personal fields are committed to, never shown.
        var personalField: PersonalField? {
            switch self {
            case .idNumber: .idNumber
            case .name: .name
            case .category: .category
            case .certType: .certType
            case .certNumber: .certNumber
            case .accountNumber: .accountNumber
            case .bankRef: .bankRef
            default: nil
            }
        }
    }

    static let required: [Column] = [.idNumber, .name, .unit, .schoolCode, .schoolName, .stage, .grade, .boarding, .program, .period,
                                     .accountType, .accountNumber, .paidDate]
    public static let maxErrors = 100
    /// Plausibility bound for one payment: 10,000,000.00 yuan.
    public static let maxAmountFen: Int64 = 1_000_000_000

    /// All problems found, sorted by line and column (at most `maxErrors`), or the parsed file.
    public struct Rejection: Error, Sendable, CustomStringConvertible {
        public let errors: [InputError]
        public let truncated: Bool
        public var description: String {
            errors.map(\.description).joined(separator: "\n") + (truncated ? "\n… more errors not shown" : "")
        }
    }

    /// Reads and validates a file. `prepared`: the file must also have the `salts` column (what `aidledger submit`
    /// sends); otherwise that column is unknown.
    public static func read(_ bytes: UnsafeRawBufferPointer, file: String, dateLimits: DateLimits, ignoreUnknownColumns: Bool = false, prepared: Bool = false) throws(Rejection) -> PaymentFile {
        let records: [CSVReader.Record]
        do { records = try CSVReader.records(bytes, file: file) } catch { throw Rejection(errors: [error], truncated: false) }
        return try read(records: records, file: file, dateLimits: dateLimits, ignoreUnknownColumns: ignoreUnknownColumns, prepared: prepared)
    }

    /// Validates records that did not come from CSV text (the daemon's JSON rows): the first is the header.
    public static func read(records: [CSVReader.Record], file: String, dateLimits: DateLimits, ignoreUnknownColumns: Bool = false, prepared: Bool = false) throws(Rejection) -> PaymentFile {
        assert(Column.allCases.enumerated().allSatisfy { $0.offset == $0.element.ordinal }, "Column.ordinal follows allCases")
        assert(PersonalField.allCases.enumerated().allSatisfy { $0.offset == $0.element.ordinal }, "PersonalField.ordinal follows allCases")
        guard !records.isEmpty else { throw Rejection(errors: [InputError(file: file, line: 1, column: 0, field: "", reason: "empty: no header")], truncated: false) }
        var errors: [InputError] = []
        func fail(_ line: Int, _ column: Int, _ field: String, _ reason: String) {
            if errors.count <= maxErrors { errors.append(InputError(file: file, line: line, column: column, field: field, reason: reason)) }
        }

        // Header.
        let header = records[0]
        var index = ColumnPositions()
        for (i, raw) in header.fields.enumerated() {
            let name = raw.trimmingASCIIWhitespace().lowercased()
            guard let column = Column.allCases.first(where: { $0.aliases.contains(name) && ($0 != .salts || prepared) }) else {
                if !ignoreUnknownColumns {
                    fail(header.line, i + 1, "", name.isEmpty ? "empty column name" : "unknown column \"\(raw)\" (pass --ignore-unknown-columns to import without it)")
                }
                continue
            }
            if let first = index[column] { fail(header.line, i + 1, column.rawValue, "column appears twice (also column \(first + 1))"); continue }
            index[column] = i
        }
        if prepared, index[.salts] == nil { fail(header.line, 0, "salts", "required column missing in a prepared batch file (salts)") }
        for c in required where index[c] == nil { fail(header.line, 0, c.rawValue, "required column missing (header: \(c.aliases[0]) or \(c.aliases[1]))") }
        switch (index[.amount], index[.amountFen]) {
        case (nil, nil): fail(header.line, 0, "amount", "required column missing (amount 金额(元), or amount_fen 金额(分))")
        case (.some(_), .some(let f)): fail(header.line, f + 1, "amount_fen", "give the amount in yuan or in fen, not both")
        default: break
        }
        guard errors.isEmpty else { throw Rejection(errors: errors, truncated: false) }
        guard records.count > 1 else { throw Rejection(errors: [InputError(file: file, line: 2, column: 0, field: "", reason: "no payment rows after the header")], truncated: false) }

        var items: [PaymentInput] = []
        items.reserveCapacity(records.count - 1)
        var salts: [UInt8] = []
        var batchKey: (unit: String, program: String, period: String, line: Int)? = nil
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                fail(record.line, 0, "", "has \(record.fields.count) fields, the header has \(header.fields.count)")
                continue
            }
            func value(_ c: Column) -> String? {
                index[c].map { record.fields[$0].trimmingASCIIWhitespace() }
            }
            func col(_ c: Column) -> Int { (index[c] ?? -1) + 1 }
            func need(_ c: Column) -> String? {
                guard let v = value(c), !v.isEmpty else { fail(record.line, col(c), c.rawValue, "empty"); return nil }
                return v
            }
            let errorsBefore = errors.count
            var personal = [String?](repeating: nil, count: PersonalField.allCases.count)
            var personalCount = 0
            func setPersonal(_ f: PersonalField, _ v: String) {
                if personal[f.ordinal] == nil { personalCount += 1 }
                personal[f.ordinal] = v
            }

            if let raw = need(.idNumber) {
                let id = IDNumber.normalize(raw)
                do { try IDNumber.validate(id, latestBirthDay: dateLimits.latestBirthDay); setPersonal(.idNumber, id) } catch { fail(record.line, col(.idNumber), "id_number", error.description) }
            }
            if let name = need(.name) {
                if FieldSyntax.isText(name, maxScalars: 50) { setPersonal(.name, name) } else { fail(record.line, col(.name), "name", "must be 1–50 characters without control characters") }
            }
            let unit = need(.unit)
            if let unit, !FieldSyntax.isToken(unit) { fail(record.line, col(.unit), "unit", "must be a unit code (digits, letters, . _ : / -)") }
            let schoolCode = need(.schoolCode)
            if let s = schoolCode, !FieldSyntax.isToken(s) { fail(record.line, col(.schoolCode), "school_code", "must be a school code (digits, letters, . _ : / -)") }
            let schoolName = need(.schoolName)
            if let s = schoolName, !FieldSyntax.isText(s) { fail(record.line, col(.schoolName), "school_name", "must be 1–200 characters without control characters") }
            let stage = need(.stage).flatMap { v -> Stage? in
                guard let s = parseStage(v) else { fail(record.line, col(.stage), "stage", "must be one of preschool/primary/junior/senior/vocational/higher or 学前/小学/初中/高中/中职/高校"); return nil }
                return s
            }
            let grade = need(.grade)
            if let g = grade, !FieldSyntax.isText(g, maxScalars: 16) { fail(record.line, col(.grade), "grade", "must be 1–16 characters") }
            let boarding = need(.boarding).flatMap { v -> Bool? in
                guard let b = parseBool(v) else { fail(record.line, col(.boarding), "boarding", "must be 是/否 or yes/no"); return nil }
                return b
            }
            if let v = value(.category), !v.isEmpty {
                if categories.contains(v) { setPersonal(.category, v) } else { fail(record.line, col(.category), "category", "must be one of \(categories.joined(separator: "/"))") }
            }
            for c in [Column.certType, .certNumber, .bankRef] {
                if let v = value(c), !v.isEmpty {
                    if FieldSyntax.isText(v, maxScalars: 64) { setPersonal(c.personalField!, v) } else { fail(record.line, col(c), c.rawValue, "must be 1–64 characters without control characters") }
                }
            }
            let program = need(.program)
            if let p = program, !FieldSyntax.isText(p) { fail(record.line, col(.program), "program", "must be 1–200 characters without control characters") }
            let period = need(.period).flatMap { v -> String? in
                guard let p = parsePeriod(v) else { fail(record.line, col(.period), "period", "must be like 2025-autumn, 2025年秋季, 2025-09 or 2025"); return nil }
                return p
            }
            var amountFen: Int64? = nil
            if index[.amount] != nil, let v = need(.amount) {
                switch parseYuan(v) {
                case .success(let fen): amountFen = fen
                case .failure(let why): fail(record.line, col(.amount), "amount", why.description)
                }
            } else if index[.amountFen] != nil, let v = need(.amountFen) {
                if let fen = Int64(v), String(fen) == v, fen > 0, fen <= maxAmountFen { amountFen = fen } else {
                    fail(record.line, col(.amountFen), "amount_fen", "must be a whole number of fen between 1 and \(maxAmountFen)")
                }
            }
            let accountType = need(.accountType).flatMap { v -> AccountType? in
                guard let a = parseAccountType(v) else { fail(record.line, col(.accountType), "account_type", "must be 社保卡/银行卡/资助卡/餐卡 (social_security_card/bank_card/aid_card/meal_card); cash is not allowed"); return nil }
                return a
            }
            if let a = need(.accountNumber) {
                // Bytes, not Characters: spaces and hyphens dropped, then 6–32 ASCII letters or digits.
                let digits = a.utf8.filter { $0 != 0x20 && $0 != 0x2d }
                let alphanumeric = digits.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) }
                if digits.count >= 6, digits.count <= 32, alphanumeric { setPersonal(.accountNumber, String(decoding: digits, as: UTF8.self)) } else {
                    fail(record.line, col(.accountNumber), "account_number", "must be 6–32 digits or letters")
                }
            }
            let paidDate = need(.paidDate).flatMap { v -> String? in
                guard let d = parseDate(v) else { fail(record.line, col(.paidDate), "paid_date", "must be a real date YYYY-MM-DD"); return nil }
                if let day = DateLimits.dayNumber(d), day > dateLimits.latestPaidDay {
                    fail(record.line, col(.paidDate), "paid_date", "\(d) is later than \(DateLimits.date(dateLimits.latestPaidDay)) (today plus the allowed \(dateLimits.latestPaidDay - dateLimits.latestBirthDay) days)")
                    return nil
                }
                return d
            }
            var supplementary: String? = nil
            if let v = value(.supplementary), !v.isEmpty {
                if FieldSyntax.isText(v) { supplementary = v } else { fail(record.line, col(.supplementary), "supplementary_reason", "must be 1–200 characters without control characters") }
            }
            // Salts are checked against the row's personal values only when those are valid (a value refused above
            // would make the count look wrong).
            if prepared, errors.count == errorsBefore, let hex = need(.salts) {
                let expected = personalCount * Commitment.saltLength
                if let bytes = Hex.decode(hex), bytes.count == expected { salts += bytes } else {
                    fail(record.line, col(.salts), "salts", "must be \(expected * 2) hex digits (16 bytes for each of the row's \(personalCount) personal values)")
                }
            }
            guard errors.count == errorsBefore, let unit, let schoolCode, let schoolName, let stage, let grade, let boarding, let program, let period,
                  let amountFen, let accountType, let paidDate else { continue }
            if let key = batchKey {
                for (c, mine, theirs) in [(Column.unit, unit, key.unit), (.program, program, key.program), (.period, period, key.period)] where mine != theirs {
                    fail(record.line, col(c), c.rawValue, "differs from line \(key.line) (\(theirs)); one batch file covers one unit, programme and period")
                }
            } else {
                batchKey = (unit, program, period, record.line)
            }
            var item = PaymentInput(unit: unit, schoolCode: schoolCode, schoolName: schoolName, stage: stage, grade: grade, boarding: boarding,
                                    amountFen: amountFen, accountType: accountType, paidDate: paidDate, personalValues: personal)
            item.supplementaryReason = supplementary
            items.append(item)
        }
        guard errors.isEmpty, let key = batchKey else {
            throw Rejection(errors: Array(errors.sorted().prefix(maxErrors)), truncated: errors.count > maxErrors)
        }
        return PaymentFile(unit: key.unit, program: key.program, period: key.period, items: items, salts: prepared ? salts : nil)
    }

    public static let categories = ["建档立卡", "脱贫", "监测", "低保", "特困", "孤儿", "残疾", "其他"]

    /// Where each column is in the file (no hashing of the column names per field).
    struct ColumnPositions {
        private var positions = [Int?](repeating: nil, count: Column.allCases.count)
        subscript(_ c: Column) -> Int? {
            get { positions[c.ordinal] }
            set { positions[c.ordinal] = newValue }
        }
    }

    static func parseStage(_ v: String) -> Stage? {
        switch v.lowercased() {
        case "preschool", "学前": .preschool
        case "primary", "小学": .primary
        case "junior", "初中": .junior
        case "senior", "高中", "普高": .senior
        case "vocational", "中职": .vocational
        case "higher", "高校", "本专科": .higher
        default: nil
        }
    }

    static func parseBool(_ v: String) -> Bool? {
        switch v.lowercased() {
        case "是", "yes", "y", "true", "1", "寄宿": true
        case "否", "no", "n", "false", "0", "非寄宿": false
        default: nil
        }
    }

    static func parseAccountType(_ v: String) -> AccountType? {
        switch v.lowercased() {
        case "社保卡", "social_security_card": .socialSecurityCard
        case "银行卡", "bank_card": .bankCard
        case "资助卡", "aid_card": .aidCard
        case "餐卡", "meal_card": .mealCard
        default: nil
        }
    }

    /// `2025-autumn`, `2025年秋季`, `2025秋季`, `2025-spring`, `2025年春季`, `2025-09`, `2025`.
    static func parsePeriod(_ v: String) -> String? {
        if FieldSyntax.isPeriod(v) { return v }
        var s = v.replacingAll("年", with: "").replacingAll("季", with: "").replacingAll("学期", with: "")
        s = s.replacingAll("第一", with: "").replacingAll("第二", with: "")
        let year = String(s.prefix(4))
        guard year.count == 4, year.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        switch String(s.dropFirst(4)) {
        case "秋": return FieldSyntax.isPeriod(year + "-autumn") ? year + "-autumn" : nil
        case "春": return FieldSyntax.isPeriod(year + "-spring") ? year + "-spring" : nil
        default: return nil
        }
    }

    /// `YYYY-MM-DD`, or `YYYY/M/D` normalized.
    static func parseDate(_ v: String) -> String? {
        if FieldSyntax.isDate(v) { return v }
        let parts = v.split(whereSeparator: { $0 == "/" || $0 == "-" || $0 == "." }).map(String.init)
        guard parts.count == 3, parts[0].count == 4, let m = Int(parts[1]), let d = Int(parts[2]), parts[1].count <= 2, parts[2].count <= 2 else { return nil }
        let s = "\(parts[0])-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
        return FieldSyntax.isDate(s) ? s : nil
    }

    struct AmountProblem: Error, CustomStringConvertible { let description: String }

    /// Decimal yuan with at most two places, positive, at most `maxAmountFen`; to fen without floating point.
    static func parseYuan(_ v: String) -> Result<Int64, AmountProblem> {
        let parts = v.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(AmountProblem(description: v.hasPrefix("-") ? "must be positive" : "must be a decimal number of yuan, e.g. 625 or 625.50"))
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 2, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), !(parts.count == 2 && fraction.isEmpty) else {
            return .failure(AmountProblem(description: fraction.count > 2 ? "has more than 2 decimal places (amounts are in yuan and fen)" : "must be a decimal number of yuan, e.g. 625 or 625.50"))
        }
        guard whole.count <= 10, let yuan = Int64(whole) else { return .failure(AmountProblem(description: "is too large")) }
        let fen = yuan * 100 + (fraction.isEmpty ? 0 : Int64(fraction.count == 1 ? String(fraction) + "0" : String(fraction))!)
        guard fen > 0 else { return .failure(AmountProblem(description: "must be greater than zero")) }
        guard fen <= maxAmountFen else { return .failure(AmountProblem(description: "exceeds the plausibility bound of \(maxAmountFen / 100) yuan")) }
        return .success(fen)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

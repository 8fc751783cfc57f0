import LedgerCore
import LedgerImport

/// The problems found while loading configuration files, in the order found; at most `limit` are kept, and
/// `truncated` says when more were found.
final class ConfigurationProblems {
    static let limit = 100
    private(set) var errors: [InputError] = []
    private(set) var truncated = false

    func add(_ file: String, _ line: Int, _ column: Int, _ field: String, _ why: String) {
        add(InputError(file: file, line: line, column: column, field: field, reason: why))
    }

    func add(_ error: InputError) {
        if errors.count < Self.limit { errors.append(error) } else { truncated = true }
    }

    var isEmpty: Bool { errors.isEmpty }

    /// Sorted by file, line and column; problems at the same place in the order found.
    var rejection: ConfigurationRejection {
        let sorted = errors.enumerated().sorted { a, b in
            (a.element.file, a.element.line, a.element.column, a.offset) < (b.element.file, b.element.line, b.element.column, b.offset)
        }
        return ConfigurationRejection(errors: sorted.map(\.element), truncated: truncated)
    }
}

/// A column of a configuration table: the field name errors use, the header names accepted (Chinese or English,
/// compared after trimming, case-insensitively, with full-width parentheses read as ASCII ones), and whether the
/// table needs it.
protocol ConfigurationColumn: CaseIterable, Hashable {
    var field: String { get }
    var headers: [String] { get }
    var isRequired: Bool { get }
}

/// A configuration CSV file read into rows: RFC 4180 through `CSVReader` (UTF-8, with or without BOM), lines
/// starting with `#` are comments, rows whose fields are all empty are skipped (spreadsheets write them), the first
/// remaining row is the header.
struct ConfigurationTable<Column: ConfigurationColumn> {
    struct Row {
        /// The physical line the row starts on (1-based).
        let line: Int
        let fields: [String]
        let positions: [Column: Int]

        /// The trimmed value of a column, nil when the table has no such column.
        func value(_ c: Column) -> String? {
            guard let i = positions[c], i < fields.count else { return nil }
            return fields[i].trimmingASCIIWhitespace()
        }

        /// The 1-based column number of a column, 0 when the table has none.
        func column(_ c: Column) -> Int { positions[c].map { $0 + 1 } ?? 0 }
    }

    let file: String
    /// The header's line.
    let headerLine: Int
    let rows: [Row]

    /// The table, or nil when the file cannot be read as a table at all (the problems say why).
    static func read(_ bytes: [UInt8], file: String, problems: ConfigurationProblems) -> ConfigurationTable? {
        let text = ConfigurationValue.withoutCommentLines(bytes)
        let result = text.withUnsafeBytes { raw in Result { () throws(InputError) in try CSVReader.records(raw, file: file) } }
        let records: [CSVReader.Record]
        switch result {
        case .success(let r): records = r
        case .failure(let error):
            problems.add(error)
            return nil
        }
        let meaningful = records.filter { record in !record.fields.allSatisfy { $0.trimmingASCIIWhitespace().isEmpty } }
        guard let header = meaningful.first else {
            problems.add(file, 1, 0, "", "the file has no header line")
            return nil
        }
        var positions: [Column: Int] = [:]
        var headerProblem = false
        for (i, raw) in header.fields.enumerated() {
            let name = ConfigurationValue.header(raw)
            if ConfigurationValue.noteColumnHeaders.contains(name) { continue }
            guard let column = Column.allCases.first(where: { $0.headers.contains(name) }) else {
                problems.add(file, header.line, i + 1, "", name.isEmpty ? "empty column name" : "unknown column (expected: \(expectedHeaders))")
                headerProblem = true
                continue
            }
            if let first = positions[column] {
                problems.add(file, header.line, i + 1, column.field, "column appears twice (also column \(first + 1))")
                headerProblem = true
                continue
            }
            positions[column] = i
        }
        for column in Column.allCases where column.isRequired && positions[column] == nil {
            problems.add(file, header.line, 0, column.field, "required column missing (header: \(column.headers.joined(separator: " or ")))")
            headerProblem = true
        }
        guard !headerProblem else { return nil }
        var rows: [Row] = []
        for record in meaningful.dropFirst() {
            // Spreadsheets pad rows with empty cells: extra empty fields are harmless, anything else is a problem.
            if record.fields.count != header.fields.count {
                let extraEmpty = record.fields.count > header.fields.count
                    && record.fields[header.fields.count...].allSatisfy { $0.trimmingASCIIWhitespace().isEmpty }
                guard extraEmpty else {
                    problems.add(file, record.line, 0, "", "has \(record.fields.count) fields, the header has \(header.fields.count)")
                    continue
                }
            }
            rows.append(Row(line: record.line, fields: record.fields, positions: positions))
        }
        return ConfigurationTable(file: file, headerLine: header.line, rows: rows)
    }

    static var expectedHeaders: String {
        Column.allCases.map { $0.headers[0] }.joined(separator: ", ") + ", " + ConfigurationValue.noteColumnHeaders[0]
    }
}

/// Values of configuration cells. Parsers return nil for a value they do not accept; the caller reports it with
/// its place.
enum ConfigurationValue {
    /// Header names of the free note column every table may have; its values are not read.
    static let noteColumnHeaders = ["备注", "说明", "note", "notes", "comment"]

    /// Trimmed, lower-cased, full-width parentheses as ASCII ones.
    static func header(_ raw: String) -> String {
        raw.trimmingASCIIWhitespace().lowercased().replacing("（", with: "(").replacing("）", with: ")")
    }

    /// The bytes with every comment line emptied (its newline kept, so line numbers stay): a line whose first byte
    /// (after a BOM on the first line) is `#`, outside a quoted field.
    static func withoutCommentLines(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            out.append(contentsOf: bytes[0..<3])
            i = 3
        }
        var quoted = false
        var atLineStart = true
        while i < bytes.count {
            let b = bytes[i]
            if atLineStart, !quoted, b == UInt8(ascii: "#") {
                while i < bytes.count, bytes[i] != 0x0a { i += 1 }
                continue
            }
            if b == 0x22 { quoted.toggle() }
            atLineStart = b == 0x0a
            out.append(b)
            i += 1
        }
        return out
    }

    /// Items of a list cell, separated by `、`, `;` or `；`, each trimmed; empty items dropped.
    static func list(_ v: String) -> [String] {
        var items: [String] = []
        var current = ""
        for c in v {
            if c == "、" || c == ";" || c == "；" {
                items.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        items.append(current)
        return items.map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }

    static func stage(_ v: String) -> Stage? {
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

    static let stageWords = "学前/小学/初中/高中/中职/高校 or preschool/primary/junior/senior/vocational/higher"

    static func bool(_ v: String) -> Bool? {
        switch v.lowercased() {
        case "是", "yes", "y", "true", "1": true
        case "否", "no", "n", "false", "0": false
        default: nil
        }
    }

    static let boolWords = "是/否 or yes/no"

    /// Boarding: true (boarders), false (non-boarders) or nil (either); `.none` when the value is not one of these.
    static func boarding(_ v: String) -> Bool?? {
        switch v.lowercased() {
        case "是", "寄宿", "yes", "true": .some(true)
        case "否", "非寄宿", "no", "false": .some(false)
        case "不限", "either", "any": .some(nil)
        default: .none
        }
    }

    static let boardingWords = "是/否/不限 or yes/no/either"

    static func schedule(_ v: String) -> PaymentSchedule? {
        switch v.lowercased() {
        case "学期", "按学期", "每学期", "term": .term
        case "月", "按月", "每月", "monthly": .monthly
        case "年", "按年", "每年", "yearly": .yearly
        default: nil
        }
    }

    static let scheduleWords = "学期/每月/每年 or term/monthly/yearly"

    static func accountType(_ v: String) -> AccountType? {
        switch v.lowercased() {
        case "社保卡", "social_security_card": .socialSecurityCard
        case "银行卡", "bank_card": .bankCard
        case "资助卡", "aid_card": .aidCard
        case "餐卡", "meal_card": .mealCard
        default: nil
        }
    }

    static let accountTypeWords = "银行卡/社保卡/资助卡/餐卡 or bank_card/social_security_card/aid_card/meal_card"

    static func severity(_ v: String) -> Severity? {
        switch v.lowercased() {
        case "高", "high": .high
        case "中", "medium": .medium
        case "低", "low": .low
        default: nil
        }
    }

    /// The largest yearly standard accepted: 1,000,000.00 yuan.
    static let maxYearlyFen: Int64 = 100_000_000

    /// Decimal yuan with at most two places, 0 < amount ≤ `maxYearlyFen`, to fen without floating point.
    static func yuan(_ v: String) -> Int64? {
        let parts = v.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 9, whole.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || (1...2).contains(fraction.count), fraction.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard let yuan = Int64(whole) else { return nil }
        var fen = yuan * 100
        if let f = Int64(fraction) { fen += fraction.count == 1 ? f * 10 : f }
        return fen > 0 && fen <= maxYearlyFen ? fen : nil
    }

    /// The largest share denominator accepted (a payment at least 1/120 of the yearly standard).
    static let maxShareDenominator: Int64 = 120

    /// `n/d` with 1 ≤ n ≤ d ≤ `maxShareDenominator` (also with a full-width slash).
    static func share(_ v: String) -> (numerator: Int64, denominator: Int64)? {
        let parts = v.replacing("／", with: "/").split(separator: "/", omittingEmptySubsequences: false).map { String($0).trimmingASCIIWhitespace() }
        guard parts.count == 2, let n = smallNumber(parts[0]), let d = smallNumber(parts[1]), n >= 1, d >= n, d <= maxShareDenominator else { return nil }
        return (n, d)
    }

    /// 1–3 ASCII digits.
    static func smallNumber(_ s: String) -> Int64? {
        guard !s.isEmpty, s.utf8.count <= 3, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(s)
    }

    /// `MM-DD`, a day every year has (so not 02-29).
    static func monthDay(_ v: String) -> Bool {
        v.utf8.count == 5 && FieldSyntax.isDate("2001-" + v)
    }
}

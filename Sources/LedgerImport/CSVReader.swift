import LedgerCore
import LedgerCrypto

/// A problem in an input file, located precisely. Never contains the offending value when the field is personal.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible, Comparable {
    public let file: String
    public let line: Int
    /// 1-based column (field number in CSV rows), 0 when the problem concerns the whole line or file.
    public let column: Int
    public let field: String
    public let reason: String

    public init(file: String, line: Int, column: Int, field: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.reason = reason
    }

    public var description: String {
        "\(file):\(line):\(column): " + (field.isEmpty ? "" : "\(field): ") + reason
    }

    public static func < (a: InputError, b: InputError) -> Bool { (a.line, a.column) < (b.line, b.column) }
}

/// RFC 4180 CSV: fields separated by commas, records by LF or CRLF; fields may be quoted with `"`, a quote inside
/// doubled. A UTF-8 BOM at the start is skipped. The whole input must be valid UTF-8.
public struct CSVReader {
    public struct Record: Sendable {
        /// Physical line where the record starts (1-based).
        public let line: Int
        public let fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// Longest accepted field and record, so that one enormous line fails fast with a precise error.
    public static let maxFieldBytes = 4096
    public static let maxRecordBytes = 65536

    public static func records(_ bytes: UnsafeRawBufferPointer, file: String) throws(InputError) -> [Record] {
        var p = 0
        let n = bytes.count
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { p = 3 }
        guard p < n else { throw InputError(file: file, line: 1, column: 0, field: "", reason: "the file is empty (a header line is required)") }
        // UTF-8 first, reporting line and column of the first bad byte.
        var line = 1, lineStart = p, i = p
        while i < n {
            let b = bytes[i]
            if b == 0x0a { line += 1; lineStart = i + 1; i += 1; continue }
            if b < 0x80 { i += 1; continue }
            guard let length = UTF8Sequence.length(bytes, at: i) else {
                let column = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lineStart..<i]), as: UTF8.self).count + 1
                throw InputError(file: file, line: line, column: column, field: "", reason: "invalid UTF-8 (byte 0x\(Hex.encode([b])) at character \(column)); save the file as UTF-8")
            }
            i += length
        }
        var records: [Record] = []
        line = 1
        var recordStart = p
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var recordLine = 1
        func fieldDone() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while p < n {
            let b = bytes[p]
            if p - recordStart > maxRecordBytes {
                throw InputError(file: file, line: recordLine, column: fields.count + 1, field: "", reason: "record longer than \(maxRecordBytes) bytes (is this a CSV file?)")
            }
            if field.count > maxFieldBytes {
                throw InputError(file: file, line: recordLine, column: fields.count + 1, field: "", reason: "field longer than \(maxFieldBytes) bytes")
            }
            if quoted {
                if b == 0x22 {
                    if p + 1 < n, bytes[p + 1] == 0x22 { field.append(0x22); p += 2; continue }
                    quoted = false
                    p += 1
                    // After a closing quote only a separator or the end of the record may follow.
                    if p < n, bytes[p] != 0x2c, bytes[p] != 0x0a, bytes[p] != 0x0d {
                        throw InputError(file: file, line: line, column: fields.count + 1, field: "", reason: "unexpected character after a closing quote")
                    }
                    continue
                }
                if b == 0x0a { line += 1 }
                field.append(b)
                p += 1
                continue
            }
            switch b {
            case 0x22:
                guard field.isEmpty else { throw InputError(file: file, line: line, column: fields.count + 1, field: "", reason: "a quote inside an unquoted field") }
                quoted = true
                p += 1
            case 0x2c:
                fieldDone()
                p += 1
            case 0x0d where p + 1 < n && bytes[p + 1] == 0x0a:
                p += 1
            case 0x0a:
                fieldDone()
                if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
                fields.removeAll()
                p += 1
                line += 1
                recordLine = line
                recordStart = p
            default:
                // The rest of an unquoted field at once (at most one byte past the field limit, which the check
                // at the top of the loop then reports).
                var j = p + 1
                let limit = min(n, p + maxFieldBytes + 2)
                while j < limit {
                    let c = bytes[j]
                    if c == 0x2c || c == 0x0a || c == 0x0d || c == 0x22 { break }
                    j += 1
                }
                field.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[p..<j]))
                p = j
            }
        }
        if quoted { throw InputError(file: file, line: recordLine, column: fields.count + 1, field: "", reason: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty {
            fieldDone()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
        }
        guard !records.isEmpty else { throw InputError(file: file, line: 1, column: 0, field: "", reason: "the file is empty (a header line is required)") }
        return records
    }
}

/// Writes a disclosure table as CSV (docs/FORMAT.md §18): UTF-8 with a BOM, every line ending CRLF, RFC 4180
/// quoting (a field is quoted iff it holds `,` `"` CR or LF; `"` doubled), the header line first.
public enum DisclosureCSV {
    public static func bytes(_ table: DisclosureTable) -> [UInt8] {
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        out.reserveCapacity(64 + table.rows.count * 96)
        appendLine(table.header, to: &out)
        for row in table.rows { appendLine(row.map(\.text), to: &out) }
        return out
    }

    static func appendLine(_ fields: [String], to out: inout [UInt8]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendField(field, to: &out)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// One field, quoted when it must be.
    static func appendField(_ field: String, to out: inout [UInt8]) {
        let utf8 = field.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }) else {
            out.append(contentsOf: utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in utf8 {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}

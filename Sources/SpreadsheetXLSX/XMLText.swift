/// Text written into the workbook's XML parts: escaped for element content and double-quoted attribute values,
/// with the characters XML 1.0 cannot carry replaced. Works on UTF-8 bytes, appending to a buffer.
enum XMLText {
    /// U+FFFD REPLACEMENT CHARACTER in UTF-8.
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Appends `text` escaped: `&` `<` `>` `"` as entities; TAB, LF and CR as character references (so that
    /// neither attribute-value nor line-end normalisation changes them); other C0 controls, U+FFFE and U+FFFF as
    /// U+FFFD (XML 1.0 has no way to write them). Everything else is copied.
    static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                switch b {
                case 0x26: out.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
                case 0x3C: out.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
                case 0x3E: out.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
                case 0x22: out.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
                case 0x09: out.append(contentsOf: [0x26, 0x23, 0x39, 0x3B])  // &#9;
                case 0x0A: out.append(contentsOf: [0x26, 0x23, 0x31, 0x30, 0x3B])  // &#10;
                case 0x0D: out.append(contentsOf: [0x26, 0x23, 0x31, 0x33, 0x3B])  // &#13;
                case 0x00..<0x20: out.append(contentsOf: replacement)
                case 0xEF where i + 2 < n && bytes[i + 1] == 0xBF && (bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF):
                    out.append(contentsOf: replacement)  // U+FFFE, U+FFFF
                    i += 2
                default: out.append(b)
                }
                i += 1
            }
        }
    }

    /// Whether Excel needs `xml:space="preserve"` to keep the text as it is: leading or trailing white space,
    /// or a TAB, LF or CR anywhere.
    static func needsSpacePreserved(_ text: String) -> Bool {
        guard let first = text.utf8.first, let last = text.utf8.last else { return false }
        if first == 0x20 || last == 0x20 { return true }
        return text.utf8.contains { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// Appends ASCII text that needs no escaping (markup, numbers).
    static func appendASCII(_ s: StaticString, to out: inout [UInt8]) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Appends the decimal digits of a non-negative or negative whole number.
    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(0x2D) }
        appendDecimal(magnitude: value.magnitude, to: &out)
    }

    static func appendDecimal(magnitude: UInt64, to out: inout [UInt8]) {
        var v = magnitude
        var count = 1
        while v >= 10 {
            v /= 10
            count += 1
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0x30, count: count))
        v = magnitude
        var k = start + count - 1
        repeat {
            out[k] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
            k -= 1
        } while v > 0
    }

    /// Appends an amount in fen as the exact decimal number of yuan, without trailing zeros after the point:
    /// 125000 → `1250`, 125050 → `1250.5`, 5 → `0.05`, -5 → `-0.05`. Exact for every Int64.
    static func appendYuanNumber(fen: Int64, to out: inout [UInt8]) {
        if fen < 0 { out.append(0x2D) }
        let m = fen.magnitude
        appendDecimal(magnitude: m / 100, to: &out)
        let cents = UInt8(truncatingIfNeeded: m % 100)
        guard cents != 0 else { return }
        out.append(0x2E)
        out.append(0x30 &+ cents / 10)
        if cents % 10 != 0 { out.append(0x30 &+ cents % 10) }
    }

    /// Appends a column's letters (0 → `A`, 25 → `Z`, 26 → `AA`, 16383 → `XFD`).
    static func appendColumnName(_ index: Int, to out: inout [UInt8]) {
        var letters: [UInt8] = []
        var n = index + 1
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(0x41 &+ UInt8(truncatingIfNeeded: r))
            n = (n - 1) / 26
        }
        out.append(contentsOf: letters.reversed())
    }
}

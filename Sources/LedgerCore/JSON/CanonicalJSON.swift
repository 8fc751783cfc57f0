/// RFC 8785 (JCS) serialization of `JSONValue`s: object members sorted by the UTF-16 code units of their keys,
/// no whitespace, integers in shortest decimal form, strings with only the escapes JCS mandates.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        encode(value, into: &out)
        return out
    }

    public static func encode(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .int(let i):
            precondition(i >= -JSONValue.maxSafeInteger && i <= JSONValue.maxSafeInteger, "integer outside the I-JSON safe range")
            appendInteger(i, into: &out)
        case .string(let s): appendString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                encode(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            let sorted = o.members.sorted { utf16Precedes($0.key, $1.key) }
            for (i, member) in sorted.enumerated() {
                if i > 0 {
                    precondition(sorted[i - 1].key != member.key, "duplicate key in JSONObject")
                    out.append(UInt8(ascii: ","))
                }
                appendString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                encode(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// JCS key order: lexicographic over UTF-16 code units.
    public static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        // ASCII fast path: for ASCII, UTF-8 byte order equals UTF-16 code unit order.
        var a = a, b = b
        let fast: Bool? = a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, y.count)
                for i in 0..<n {
                    let p = x[i], q = y[i]
                    if p >= 0x80 || q >= 0x80 { return nil }
                    if p != q { return p < q }
                }
                return x.count < y.count
            }
        }
        if let fast { return fast }
        return a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    @inline(__always)
    static func appendInteger(_ value: Int64, into out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch, enough for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var n = 0
            while magnitude > 0 {
                buffer[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            }
            return n
        }
        withUnsafeBytes(of: &digits) { buffer in
            var i = count - 1
            while i >= 0 { out.append(buffer[i]); i -= 1 }
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    static func appendString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = string
        s.withUTF8 { bytes in
            var needsEscape = false
            for b in bytes where b < 0x20 || b == 0x22 || b == 0x5c { needsEscape = true; break }
            if !needsEscape { out.append(contentsOf: bytes); return }
            for b in bytes {
                switch b {
                case 0x22: out.append(0x5c); out.append(0x22)
                case 0x5c: out.append(0x5c); out.append(0x5c)
                case 0x08: out.append(0x5c); out.append(UInt8(ascii: "b"))
                case 0x09: out.append(0x5c); out.append(UInt8(ascii: "t"))
                case 0x0a: out.append(0x5c); out.append(UInt8(ascii: "n"))
                case 0x0c: out.append(0x5c); out.append(UInt8(ascii: "f"))
                case 0x0d: out.append(0x5c); out.append(UInt8(ascii: "r"))
                case 0..<0x20:
                    out.append(contentsOf: [0x5c, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xf)]])
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension Array where Element == UInt8 {
    /// Appends the bytes of a string literal without going through `String.UTF8View`.
    @inline(__always)
    public mutating func appendLiteral(_ literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LedgerCrypto
internal import CScan

/// A flat record of a JSON text's values — a "tape" — produced by one validating scan. Reading a value needs no
/// allocation: tokens refer to byte ranges of the input. `JSONParser` materializes `JSONValue`s from it; hot
/// paths (the verifier's payment entries) read the tape directly.
///
/// Token layout: an object token is followed by its members as (key string token, value tokens …); an array
/// token by its element tokens. Every token's `next` is the index just past it and everything it contains,
/// i.e. the index of its next sibling.
package struct JSONTape {
    package enum Kind: UInt8, Sendable { case object, array, string, int, trueValue, falseValue, null }

    package struct Token: Sendable {
        package var kind: Kind
        /// For strings: whether the content has escapes (then it must be decoded, not copied).
        package var escaped: Bool
        /// For strings: the content between the quotes. For other values: the value's bytes.
        package var start: Int32
        package var end: Int32
        /// Index of the next sibling token.
        package var next: Int32
        /// For integers: the value. For objects and arrays: the number of members or elements.
        package var value: Int64
    }

    public private(set) var tokens: [Token] = []
    package let mode: JSONParser.Mode
    var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
    var position = 0
    var checkKeyOrder = true

    package init(mode: JSONParser.Mode) {
        self.mode = mode
        tokens.reserveCapacity(128)
    }

    /// Scans `bytes` (which must stay valid while the tape is read) and fills the tape. Throws at the first
    /// violation, with its byte offset.
    package mutating func scan(_ input: UnsafeRawBufferPointer) throws(JSONParseError) {
        try scan(input, checkingKeyOrder: true)
    }

    /// Scans with the canonical key-order check optional. Skip it only when the caller then checks that every
    /// object has exactly the keys it expects in canonical order (`PaymentEntryReader` does), which implies it.
    package mutating func scan(_ input: UnsafeRawBufferPointer, checkingKeyOrder: Bool) throws(JSONParseError) {
        checkKeyOrder = checkingKeyOrder
        bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        position = 0
        tokens.removeAll(keepingCapacity: true)
        // Tokens hold offsets as Int32: a longer text is refused here rather than trapping on the conversion.
        guard input.count <= Int(Int32.max) else { throw error("the JSON text is longer than \(Int32.max) bytes") }
        bytes = input
        skipWhitespace()
        try scanValue(depth: 0)
        skipWhitespace()
        if position != bytes.count { throw error("unexpected bytes after the JSON value") }
    }

    // MARK: reading

    /// The raw bytes of token `i` (string content without quotes).
    @inline(__always)
    package func raw(_ i: Int, in input: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: input[Int(tokens[i].start)..<Int(tokens[i].end)])
    }

    /// For an object token at `object`, the index of the value of member `key` (ASCII key), or nil.
    package func member(_ object: Int, _ key: StaticString, in input: UnsafeRawBufferPointer) -> Int? {
        guard tokens[object].kind == .object else { return nil }
        var i = object + 1
        let end = Int(tokens[object].next)
        let k = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        while i < end {
            let t = tokens[i]
            if !t.escaped && Int(t.end - t.start) == k.count && memcmp(input.baseAddress! + Int(t.start), k.baseAddress!, k.count) == 0 {
                return i + 1
            }
            i = Int(tokens[i + 1].next)
        }
        return nil
    }

    /// The decoded string of string token `i`.
    package func string(_ i: Int, in input: UnsafeRawBufferPointer) -> String {
        let t = tokens[i]
        let content = UnsafeRawBufferPointer(rebasing: input[Int(t.start)..<Int(t.end)])
        if !t.escaped { return String(decoding: content, as: UTF8.self) }
        return String(decoding: JSONTape.unescape(content), as: UTF8.self)
    }

    /// Materializes the value at token `i`.
    package func value(_ i: Int, in input: UnsafeRawBufferPointer) -> JSONValue {
        let t = tokens[i]
        switch t.kind {
        case .null: return .null
        case .trueValue: return .bool(true)
        case .falseValue: return .bool(false)
        case .int: return .int(t.value)
        case .string: return .string(string(i, in: input))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(Int(t.value))
            var j = i + 1
            while j < Int(t.next) { elements.append(value(j, in: input)); j = Int(tokens[j].next) }
            return .array(elements)
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            members.reserveCapacity(Int(t.value))
            var j = i + 1
            while j < Int(t.next) {
                members.append((key: string(j, in: input), value: value(j + 1, in: input)))
                j = Int(tokens[j + 1].next)
            }
            return .object(JSONObject(members))
        }
    }

    /// Decodes escapes of an already-validated string content.
    static func unescape(_ content: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in 0..<4 { v = v << 4 | UInt32(Hex.nibbleAnyCase(content[at + k])!) }
            return v
        }
        while i < content.count {
            let b = content[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            let e = content[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = hex4(i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
            default: out.append(e) // " \ /
            }
        }
        return out
    }

    // MARK: scanning

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    @inline(__always) var atEnd: Bool { position >= bytes.count }
    @inline(__always) var current: UInt8 { bytes[position] }

    @inline(__always)
    mutating func skipWhitespace() {
        guard mode == .lenient else { return }
        while !atEnd, current == 0x20 || current == 0x09 || current == 0x0a || current == 0x0d { position += 1 }
    }

    @inline(__always)
    mutating func push(_ kind: Kind, start: Int, end: Int, value: Int64 = 0, escaped: Bool = false) -> Int {
        tokens.append(Token(kind: kind, escaped: escaped, start: Int32(start), end: Int32(end), next: Int32(tokens.count + 1), value: value))
        return tokens.count - 1
    }

    mutating func scanValue(depth: Int) throws(JSONParseError) {
        guard !atEnd else { throw error("unexpected end of input, expected a value") }
        switch current {
        case UInt8(ascii: "{"): try scanObject(depth: depth + 1)
        case UInt8(ascii: "["): try scanArray(depth: depth + 1)
        case UInt8(ascii: "\""): try scanString()
        case UInt8(ascii: "t"): let s = position; try expectLiteral("true"); _ = push(.trueValue, start: s, end: position)
        case UInt8(ascii: "f"): let s = position; try expectLiteral("false"); _ = push(.falseValue, start: s, end: position)
        case UInt8(ascii: "n"): let s = position; try expectLiteral("null"); _ = push(.null, start: s, end: position)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanInteger()
        case 0x20, 0x09, 0x0a, 0x0d: throw error("whitespace is not allowed in canonical JSON")
        default: throw error("unexpected character \(JSONTape.describe(current)), expected a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("invalid literal", at: start) }
        let base = literal.utf8Start
        for i in 0..<count where bytes[position + i] != base[i] { throw error("invalid literal", at: start) }
        position += count
    }

    mutating func scanInteger() throws(JSONParseError) {
        let start = position
        var negative = false
        if current == UInt8(ascii: "-") { negative = true; position += 1 }
        guard !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") else { throw error("invalid number", at: start) }
        if current == UInt8(ascii: "0"), position + 1 < bytes.count, bytes[position + 1] >= UInt8(ascii: "0"), bytes[position + 1] <= UInt8(ascii: "9") {
            throw error("leading zeros are not allowed in numbers", at: start)
        }
        var magnitude: UInt64 = 0
        var digits = 0
        while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") {
            magnitude = magnitude &* 10 &+ UInt64(current - UInt8(ascii: "0"))
            digits += 1
            position += 1
            if digits > 16 { throw error("integer outside the safe range ±(2^53−1)", at: start) }
        }
        if !atEnd, current == UInt8(ascii: ".") || current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            throw error("numbers with a fraction or exponent are not allowed (the format has integers only)", at: start)
        }
        guard magnitude <= UInt64(JSONValue.maxSafeInteger) else { throw error("integer outside the safe range ±(2^53−1)", at: start) }
        if negative && magnitude == 0 && mode == .canonical { throw error("-0 is not canonical", at: start) }
        _ = push(.int, start: start, end: position, value: negative ? -Int64(magnitude) : Int64(magnitude))
    }

    mutating func scanArray(depth: Int) throws(JSONParseError) {
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        let index = push(.array, start: position, end: position)
        position += 1
        var count: Int64 = 0
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                try scanValue(depth: depth)
                count += 1
                skipWhitespace()
                guard !atEnd else { throw error("unexpected end of input in array") }
                if current == UInt8(ascii: ",") { position += 1; continue }
                if current == UInt8(ascii: "]") { position += 1; break }
                throw error("expected ',' or ']' in array, found \(JSONTape.describe(current))")
            }
        }
        tokens[index].end = Int32(position)
        tokens[index].next = Int32(tokens.count)
        tokens[index].value = count
    }

    mutating func scanObject(depth: Int) throws(JSONParseError) {
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        let index = push(.object, start: position, end: position)
        position += 1
        var count: Int64 = 0
        var previousKey = -1
        var lenientKeys: [String] = []
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard !atEnd, current == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
                let keyOffset = position
                try scanString()
                let key = tokens.count - 1
                if mode == .canonical {
                    if previousKey >= 0 && checkKeyOrder {
                        let order = compareKeys(previousKey, key)
                        if order >= 0 {
                            let a = string(previousKey, in: bytes), b = string(key, in: bytes)
                            throw error(order == 0 ? "duplicate key \"\(b)\"" : "keys are not in canonical order: \"\(b)\" after \"\(a)\"", at: keyOffset)
                        }
                    }
                    previousKey = key
                } else {
                    let k = string(key, in: bytes)
                    if lenientKeys.contains(k) { throw error("duplicate key \"\(k)\"", at: keyOffset) }
                    lenientKeys.append(k)
                }
                skipWhitespace()
                guard !atEnd, current == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
                position += 1
                skipWhitespace()
                try scanValue(depth: depth)
                count += 1
                skipWhitespace()
                guard !atEnd else { throw error("unexpected end of input in object") }
                if current == UInt8(ascii: ",") { position += 1; continue }
                if current == UInt8(ascii: "}") { position += 1; break }
                throw error("expected ',' or '}' in object, found \(JSONTape.describe(current))")
            }
        }
        tokens[index].end = Int32(position)
        tokens[index].next = Int32(tokens.count)
        tokens[index].value = count
    }

    /// JCS order of two key tokens: < 0, 0 or > 0. ASCII keys without escapes compare as bytes (the same as
    /// UTF-16 order for ASCII); anything else is decoded and compared by UTF-16 code units.
    func compareKeys(_ a: Int, _ b: Int) -> Int {
        let x = raw(a, in: bytes), y = raw(b, in: bytes)
        if !tokens[a].escaped && !tokens[b].escaped {
            // UTF-8 byte order equals UTF-16 order up to the first difference when the differing bytes are ASCII;
            // a proper prefix sorts first in both.
            let n = min(x.count, y.count)
            var i = 0
            // Eight bytes at a time while they are equal.
            while n - i >= 8 && x.loadUnaligned(fromByteOffset: i, as: UInt64.self) == y.loadUnaligned(fromByteOffset: i, as: UInt64.self) { i += 8 }
            while i < n && x[i] == y[i] { i += 1 }
            if i == n { return x.count - y.count }
            if x[i] < 0x80 && y[i] < 0x80 { return Int(x[i]) - Int(y[i]) }
        }
        let s = string(a, in: bytes), t = string(b, in: bytes)
        if s == t { return 0 }
        return CanonicalJSON.utf16Precedes(s, t) ? -1 : 1
    }

    mutating func scanString() throws(JSONParseError) {
        let start = position
        position += 1
        let contentStart = position
        var escaped = false
        while true {
            // Skip plain bytes (no quote, no backslash, no control character, no non-ASCII) sixteen at a time, in C
            // with SSE2 (Swift's SIMD16 comparisons were measured 25 times slower here: they did not specialize).
            if bytes.count - position >= 16 {
                position += aidledger_plain_string_prefix(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + position, bytes.count - position)
            }
            guard !atEnd else { throw error("unterminated string", at: start) }
            let b = current
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { throw error("control character U+00\(JSONTape.hex2(b)) must be escaped in a string") }
            if b == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape()
            } else if b < 0x80 {
                position += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        _ = push(.string, start: contentStart, end: position, escaped: escaped)
        position += 1
    }

    mutating func scanEscape() throws(JSONParseError) {
        let escapeOffset = position
        position += 1
        guard !atEnd else { throw error("unterminated escape", at: escapeOffset) }
        let e = current
        position += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "r"):
            return
        case UInt8(ascii: "/"):
            if mode == .canonical { throw error("escape \\/ is not canonical (write '/')", at: escapeOffset) }
        case UInt8(ascii: "u"):
            let (unit, lowercase) = try scanHex4(at: escapeOffset)
            if mode == .canonical {
                let shortForm: Bool = unit == 0x08 || unit == 0x09 || unit == 0x0a || unit == 0x0c || unit == 0x0d
                guard unit < 0x20, !shortForm, lowercase else {
                    throw error("escape \\u\(JSONTape.hex4(unit)) is not canonical (JCS escapes only control characters, as \\b \\t \\n \\f \\r or lowercase \\u00xx)", at: escapeOffset)
                }
            }
            if (0xD800...0xDBFF).contains(unit) {
                guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate \\u\(JSONTape.hex4(unit))", at: escapeOffset)
                }
                position += 2
                let (low, _) = try scanHex4(at: escapeOffset)
                guard (0xDC00...0xDFFF).contains(low) else { throw error("high surrogate not followed by a low surrogate", at: escapeOffset) }
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error("lone low surrogate \\u\(JSONTape.hex4(unit))", at: escapeOffset)
            }
        default:
            throw error("invalid escape \\\(JSONTape.describe(e))", at: escapeOffset)
        }
    }

    mutating func scanHex4(at escapeOffset: Int) throws(JSONParseError) -> (UInt16, Bool) {
        guard bytes.count - position >= 4 else { throw error("truncated \\u escape", at: escapeOffset) }
        var value: UInt16 = 0
        var lowercase = true
        for _ in 0..<4 {
            let c = current
            guard let digit = Hex.nibbleAnyCase(c) else { throw error("invalid hex digit in \\u escape", at: escapeOffset) }
            if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F") { lowercase = false }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return (value, lowercase)
    }

    /// Validates one multi-byte UTF-8 sequence at `position` and steps over it.
    @inline(__always)
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        guard let length = UTF8Sequence.length(bytes, at: position) else {
            throw error(current >= 0xC2 && current <= 0xF4 ? "invalid UTF-8 sequence" : "invalid UTF-8 byte 0x\(JSONTape.hex2(current))")
        }
        position += length
    }

    static func hex2(_ b: UInt8) -> String { Hex.encode([b]) }
    static func hex4(_ u: UInt16) -> String { Hex.encode([UInt8(u >> 8), UInt8(u & 0xff)]) }
    static func describe(_ b: UInt8) -> String {
        (0x21...0x7e).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(hex2(b))"
    }
}

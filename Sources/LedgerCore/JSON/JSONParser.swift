/// Why a JSON text was rejected, with the byte offset where the problem was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero-based byte offset into the parsed text.
    public let offset: Int
    public let reason: String
    public var description: String { "byte \(offset): \(reason)" }
}

/// Parses JSON into `JSONValue`.
///
/// `.canonical` accepts exactly the RFC 8785 canonical form restricted to the ledger's value types — the parse
/// fails unless re-serializing the value would reproduce the input byte for byte. `.lenient` accepts any RFC 8259
/// JSON text without floating-point numbers (whitespace, any member order, any valid escape), for input files.
/// Both reject: invalid UTF-8, duplicate keys, numbers with a fraction or exponent, integers outside ±(2^53−1),
/// lone surrogates, nesting deeper than `maxDepth`, and trailing bytes.
public struct JSONParser {
    public enum Mode: Sendable { case canonical, lenient }

    public static let maxDepth = 64

    public static func parse(_ bytes: [UInt8], mode: Mode) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONParseError) -> JSONValue in try parse(raw, mode: mode) } }
        return try result.get()
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, mode: Mode) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, mode: mode)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.error("unexpected bytes after the JSON value") }
        return value
    }

    /// Parses like `parse`, and also returns the byte range of each top-level object member's value, so that a
    /// caller can hash a member exactly as stored (in canonical mode those bytes are its canonical form).
    public static func parseRecordingMembers(_ bytes: UnsafeRawBufferPointer, mode: Mode) throws(JSONParseError) -> (JSONValue, [(key: String, range: Range<Int>)]) {
        var parser = JSONParser(bytes: bytes, mode: mode)
        parser.recordMembers = true
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.error("unexpected bytes after the JSON value") }
        return (value, parser.memberRanges)
    }

    let bytes: UnsafeRawBufferPointer
    let mode: Mode
    var position = 0
    var recordMembers = false
    var memberRanges: [(key: String, range: Range<Int>)] = []

    init(bytes: UnsafeRawBufferPointer, mode: Mode) {
        self.bytes = bytes
        self.mode = mode
    }

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    @inline(__always) var atEnd: Bool { position >= bytes.count }
    @inline(__always) var current: UInt8 { bytes[position] }

    mutating func skipWhitespace() {
        guard mode == .lenient else { return }
        while !atEnd, current == 0x20 || current == 0x09 || current == 0x0a || current == 0x0d { position += 1 }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard !atEnd else { throw error("unexpected end of input, expected a value") }
        switch current {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseInteger())
        case 0x20, 0x09, 0x0a, 0x0d: throw error("whitespace is not allowed in canonical JSON")
        default: throw error("unexpected character \(Self.describe(current)), expected a value")
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

    mutating func parseInteger() throws(JSONParseError) -> Int64 {
        let start = position
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
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
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of input in array") }
            if current == UInt8(ascii: ",") { position += 1; continue }
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw error("expected ',' or ']' in array, found \(Self.describe(current))")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "}") { position += 1; return .object(JSONObject(members)) }
        while true {
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
            let keyOffset = position
            let key = try parseString()
            if let previous = members.last {
                if mode == .canonical {
                    if !CanonicalJSON.utf16Precedes(previous.key, key) {
                        throw error(previous.key == key ? "duplicate key \"\(key)\"" : "keys are not in canonical order: \"\(key)\" after \"\(previous.key)\"", at: keyOffset)
                    }
                } else if members.contains(where: { $0.key == key }) {
                    throw error("duplicate key \"\(key)\"", at: keyOffset)
                }
            }
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
            position += 1
            skipWhitespace()
            let valueStart = position
            let value = try parseValue(depth: depth)
            if recordMembers && depth == 1 { memberRanges.append((key: key, range: valueStart..<position)) }
            members.append((key: key, value: value))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of input in object") }
            if current == UInt8(ascii: ",") { position += 1; continue }
            if current == UInt8(ascii: "}") { position += 1; return .object(JSONObject(members)) }
            throw error("expected ',' or '}' in object, found \(Self.describe(current))")
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        position += 1
        // Fast path: no escapes. Validate UTF-8 while scanning for the closing quote.
        let contentStart = position
        var sawEscape = false
        while true {
            guard !atEnd else { throw error("unterminated string", at: start) }
            let b = current
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") { sawEscape = true; break }
            if b < 0x20 { throw error("control character U+00\(Self.hex2(b)) must be escaped in a string") }
            if b < 0x80 { position += 1 } else { try skipUTF8Sequence() }
        }
        if !sawEscape {
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position]), as: UTF8.self)
            position += 1
            return s
        }
        // Slow path with escapes.
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position]))
        while true {
            guard !atEnd else { throw error("unterminated string", at: start) }
            let b = current
            if b == UInt8(ascii: "\"") { position += 1; break }
            if b < 0x20 { throw error("control character U+00\(Self.hex2(b)) must be escaped in a string") }
            if b != UInt8(ascii: "\\") {
                let s = position
                if b < 0x80 { position += 1 } else { try skipUTF8Sequence() }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[s..<position]))
                continue
            }
            let escapeOffset = position
            position += 1
            guard !atEnd else { throw error("unterminated escape", at: escapeOffset) }
            let e = current
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5c)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "/"):
                if mode == .canonical { throw error("escape \\/ is not canonical (write '/')", at: escapeOffset) }
                out.append(0x2f)
            case UInt8(ascii: "u"):
                let (unit, lowercase) = try parseHex4(at: escapeOffset)
                var scalarValue = UInt32(unit)
                if mode == .canonical {
                    let shortForm: Set<UInt16> = [0x08, 0x09, 0x0a, 0x0c, 0x0d]
                    guard unit < 0x20, !shortForm.contains(unit), lowercase else {
                        throw error("escape \\u\(Self.hex4(unit)) is not canonical (JCS escapes only control characters, as \\b \\t \\n \\f \\r or lowercase \\u00xx)", at: escapeOffset)
                    }
                }
                if (0xD800...0xDBFF).contains(unit) {
                    guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw error("lone high surrogate \\u\(Self.hex4(unit))", at: escapeOffset)
                    }
                    position += 2
                    let (low, _) = try parseHex4(at: escapeOffset)
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("high surrogate not followed by a low surrogate", at: escapeOffset) }
                    scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(unit) {
                    throw error("lone low surrogate \\u\(Self.hex4(unit))", at: escapeOffset)
                }
                out.append(contentsOf: String(Unicode.Scalar(scalarValue)!).utf8)
            default:
                throw error("invalid escape \\\(Self.describe(e))", at: escapeOffset)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseHex4(at escapeOffset: Int) throws(JSONParseError) -> (UInt16, Bool) {
        guard bytes.count - position >= 4 else { throw error("truncated \\u escape", at: escapeOffset) }
        var value: UInt16 = 0
        var lowercase = true
        for _ in 0..<4 {
            let c = current
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10; lowercase = false
            default: throw error("invalid hex digit in \\u escape", at: escapeOffset)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return (value, lowercase)
    }

    /// Validates one multi-byte UTF-8 sequence at `position` (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    @inline(__always)
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let b0 = current
        let length: Int
        var lowerBound: UInt8 = 0x80, upperBound: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: throw error("invalid UTF-8 byte 0x\(Self.hex2(b0))")
        }
        guard bytes.count - position >= length else { throw error("truncated UTF-8 sequence") }
        let b1 = bytes[position + 1]
        guard b1 >= lowerBound, b1 <= upperBound else { throw error("invalid UTF-8 sequence") }
        for i in 2..<max(2, length) {
            let b = bytes[position + i]
            guard b >= 0x80, b <= 0xBF else { throw error("invalid UTF-8 sequence") }
        }
        position += length
    }

    static func hex2(_ b: UInt8) -> String { Hex.encode([b]) }
    static func hex4(_ u: UInt16) -> String { Hex.encode([UInt8(u >> 8), UInt8(u & 0xff)]) }
    static func describe(_ b: UInt8) -> String {
        (0x21...0x7e).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(hex2(b))"
    }
}

/// Whether `bytes` is well-formed UTF-8 (RFC 3629).
public func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    let n = bytes.count
    while i < n {
        let b0 = bytes[i]
        if b0 < 0x80 { i += 1; continue }
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        let length: Int
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; hi = 0x9F
        case 0xF0: length = 4; lo = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; hi = 0x8F
        default: return false
        }
        guard n - i >= length, bytes[i + 1] >= lo, bytes[i + 1] <= hi else { return false }
        var k = 2
        while k < length { guard bytes[i + k] >= 0x80, bytes[i + k] <= 0xBF else { return false }; k += 1 }
        i += length
    }
    return true
}

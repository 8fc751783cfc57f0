#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
/// lone surrogates, nesting deeper than `maxDepth`, and trailing bytes. The scan itself is `JSONTape`.
public enum JSONParser {
    public enum Mode: Sendable { case canonical, lenient }

    public static let maxDepth = 64

    public static func parse(_ bytes: [UInt8], mode: Mode) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONParseError) -> JSONValue in try parse(raw, mode: mode) } }
        return try result.get()
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, mode: Mode) throws(JSONParseError) -> JSONValue {
        var tape = JSONTape(mode: mode)
        try tape.scan(bytes)
        return tape.value(0, in: bytes)
    }

    /// Parses like `parse`, and also returns the byte range of each top-level object member's value, so that a
    /// caller can hash a member exactly as stored (in canonical mode those bytes are its canonical form).
    public static func parseRecordingMembers(_ bytes: UnsafeRawBufferPointer, mode: Mode) throws(JSONParseError) -> (JSONValue, [(key: String, range: Range<Int>)]) {
        var tape = JSONTape(mode: mode)
        try tape.scan(bytes)
        var ranges: [(key: String, range: Range<Int>)] = []
        if tape.tokens[0].kind == .object {
            var i = 1
            while i < Int(tape.tokens[0].next) {
                let v = tape.tokens[i + 1]
                // Strings record their content; the value's bytes include the quotes.
                let range = v.kind == .string ? Int(v.start - 1)..<Int(v.end + 1) : Int(v.start)..<Int(v.end)
                ranges.append((key: tape.string(i, in: bytes), range: range))
                i = Int(tape.tokens[i + 1].next)
            }
        }
        return (tape.value(0, in: bytes), ranges)
    }
}

/// Whether `bytes` is well-formed UTF-8 (RFC 3629).
public func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    while i < bytes.count {
        if bytes[i] < 0x80 { i += 1; continue }
        guard let length = UTF8Sequence.length(bytes, at: i) else { return false }
        i += length
    }
    return true
}

/// Validation of one multi-byte UTF-8 sequence (RFC 3629 Table 3-7: no overlong forms, no surrogates,
/// nothing above U+10FFFF).
public enum UTF8Sequence {
    /// The length of the well-formed sequence whose lead byte (≥ 0x80) is at `i`, or nil.
    @inline(__always)
    public static func length(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let b0 = bytes[i]
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
        default: return nil
        }
        guard bytes.count - i >= length, bytes[i + 1] >= lo, bytes[i + 1] <= hi else { return nil }
        var k = 2
        while k < length {
            guard bytes[i + k] >= 0x80, bytes[i + k] <= 0xBF else { return nil }
            k += 1
        }
        return length
    }
}

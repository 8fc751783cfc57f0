/// A 32-byte hash value (SHA-256 or SM3 output), stored inline without allocation.
public struct Digest32: Hashable, Sendable, Comparable, CustomStringConvertible {
    // Four words in memory order: byte i of the digest is byte i of this storage.
    @usableFromInline var storage: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = Digest32(storage: (0, 0, 0, 0))

    @inlinable init(storage: (UInt64, UInt64, UInt64, UInt64)) { self.storage = storage }

    /// Creates a digest from exactly 32 bytes; nil for any other length.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        var value = Digest32.zero
        withUnsafeMutableBytes(of: &value.storage) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        self = value
    }

    /// Parses 64 lowercase hex characters; nil for anything else.
    public init?(hexString: String) {
        var s = hexString
        guard let value = s.withUTF8({ Digest32(hexBytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = value
    }

    /// Parses 64 bytes of lowercase hex; nil for anything else.
    @inlinable
    public init?(hexBytes u: UnsafeRawBufferPointer) {
        guard u.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var bad: UInt8 = 0
        Swift.withUnsafeMutableBytes(of: &words) { raw in
            for i in 0..<32 {
                let hi = Hex.fastNibble(u[2 * i]), lo = Hex.fastNibble(u[2 * i + 1])
                bad |= (hi | lo) & 0xf0
                raw[i] = hi << 4 | (lo & 0x0f)
            }
        }
        guard bad == 0 else { return nil }
        self.init(storage: words)
    }

    /// Parses 64 lowercase hex characters; nil for anything else (uppercase is not accepted: the format is canonical).
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let hi = Hex.nibble(utf8[2 * i]), let lo = Hex.nibble(utf8[2 * i + 1]) else { return nil }
            out[i] = hi << 4 | lo
        }
        self.init(bytes: out)
    }

    /// Calls `body` with the 32 bytes of the digest.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lowercase hex, 64 characters.
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    public var description: String { hex }

    public static func == (a: Digest32, b: Digest32) -> Bool {
        a.storage.0 == b.storage.0 && a.storage.1 == b.storage.1 && a.storage.2 == b.storage.2 && a.storage.3 == b.storage.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0); hasher.combine(storage.1); hasher.combine(storage.2); hasher.combine(storage.3)
    }

    public static func < (a: Digest32, b: Digest32) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.lexicographicallyPrecedes(y) } }
    }
}

/// Lowercase hexadecimal encoding, as used everywhere in the ledger format.
public enum Hex {
    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var j = 0
            for b in bytes {
                out[j] = digits[Int(b >> 4)]
                out[j + 1] = digits[Int(b & 0x0f)]
                j += 2
            }
            return j
        }
    }

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Array(bytes).withUnsafeBytes { encode($0) }
    }

    /// Decodes lowercase hex of even length; nil for anything else.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var string = String(text)
        return string.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count % 2 == 0 else { return nil }
            var failed = false
            let out = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { buffer, initialized in
                var i = 0
                while i < utf8.count {
                    guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { failed = true; break }
                    buffer[i / 2] = hi << 4 | lo
                    i += 2
                }
                initialized = failed ? 0 : utf8.count / 2
            }
            return failed ? nil : out
        }
    }

    /// The value of a lowercase hex digit, or 0xff.
    @inlinable @inline(__always) public static func fastNibble(_ c: UInt8) -> UInt8 {
        let d = c &- 0x30
        if d < 10 { return d }
        let l = c &- 0x61
        if l < 6 { return l + 10 }
        return 0xff
    }

    /// A hex digit of either case.
    @inlinable public static func nibbleAnyCase(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nibble(c)
        }
    }

    @inlinable public static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}

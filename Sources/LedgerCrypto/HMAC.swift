/// HMAC-SHA-256 (RFC 2104) with a fixed key, over the EVP SHA-256 of `HashFunction`. Not thread-safe: one per
/// thread, like `HashFunction`.
public final class HMACSHA256 {
    static let blockSize = 64
    private let hash: HashFunction
    private let innerPad: [UInt8]
    private let outerPad: [UInt8]
    var innerPadBytes: [UInt8] { innerPad }
    var outerPadBytes: [UInt8] { outerPad }

    public init(key: [UInt8]) throws {
        hash = try HashFunction(.sha256)
        var k = key.count > Self.blockSize ? hash.hash(key).bytes : key
        k += [UInt8](repeating: 0, count: Self.blockSize - k.count)
        innerPad = k.map { $0 ^ 0x36 }
        outerPad = k.map { $0 ^ 0x5c }
    }

    /// HMAC of the concatenation of `parts`.
    public func authenticate(_ parts: [UInt8]...) -> Digest32 {
        hash.begin()
        hash.update(innerPad)
        for p in parts { hash.update(p) }
        let inner = hash.finalize()
        hash.begin()
        hash.update(outerPad)
        hash.update(inner)
        return hash.finalize()
    }
}

extension HMACSHA256 {
    /// HMAC-SHA-256 under this key of `prefix || message` for many messages after one fixed prefix: the inner
    /// hash of the padded key and the prefix, and the outer hash of the padded key, are absorbed once and copied
    /// for each message (two SHA-256 finalisations per message instead of four blocks more).
    public func prefixed(_ prefix: [UInt8]) throws -> PrefixedHMACSHA256 {
        try PrefixedHMACSHA256(innerPad: innerPadBytes, outerPad: outerPadBytes, prefix: prefix)
    }
}

/// See `HMACSHA256.prefixed`. Not thread-safe, like `HashFunction`.
public final class PrefixedHMACSHA256 {
    private let inner: HashFunction
    private let outer: HashFunction
    private let work: HashFunction

    init(innerPad: [UInt8], outerPad: [UInt8], prefix: [UInt8]) throws {
        inner = try HashFunction(.sha256)
        outer = try HashFunction(.sha256)
        work = try HashFunction(.sha256)
        inner.begin()
        inner.update(innerPad)
        inner.update(prefix)
        outer.begin()
        outer.update(outerPad)
    }

    /// HMAC(key, prefix || message).
    public func authenticate(_ message: UnsafeRawBufferPointer) -> Digest32 {
        work.copyState(from: inner)
        work.update(message)
        let innerDigest = work.finalize()
        work.copyState(from: outer)
        work.update(innerDigest)
        return work.finalize()
    }
}

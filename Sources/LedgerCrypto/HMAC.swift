/// HMAC-SHA-256 (RFC 2104) with a fixed key, over the EVP SHA-256 of `HashFunction`. Not thread-safe: one per
/// thread, like `HashFunction`.
public final class HMACSHA256 {
    static let blockSize = 64
    private let hash: HashFunction
    private let innerPad: [UInt8]
    private let outerPad: [UInt8]

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

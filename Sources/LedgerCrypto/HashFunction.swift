internal import COpenSSL

/// The hash function H of a suite.
public enum HashAlgorithm: String, Sendable, CaseIterable {
    case sha256 = "SHA256"
    case sm3 = "SM3"
}

/// An OpenSSL digest context for one hash algorithm, reused across calls (NOTES-interop: a fetched `EVP_MD`
/// and a reused `EVP_MD_CTX` are almost twice as fast as `EVP_sha256()` per call).
///
/// Not thread-safe: each thread or task owns its own `HashFunction`.
public final class HashFunction {
    public let algorithm: HashAlgorithm
    private let md: OpaquePointer
    private let ctx: OpaquePointer

    public init(_ algorithm: HashAlgorithm) throws {
        clearOpenSSLErrors()
        guard let md = EVP_MD_fetch(nil, algorithm.rawValue, nil) else { throw OpenSSLError.drain("EVP_MD_fetch(\(algorithm.rawValue))") }
        guard let ctx = EVP_MD_CTX_new() else {
            EVP_MD_free(md)
            throw OpenSSLError.drain("EVP_MD_CTX_new")
        }
        self.algorithm = algorithm
        self.md = md
        self.ctx = ctx
    }

    deinit {
        EVP_MD_CTX_free(ctx)
        EVP_MD_free(md)
    }

    /// Starts a new hash computation; follow with `update` calls and `finalize`.
    @inline(__always)
    public func begin() {
        // EVP_DigestInit_ex2 on a context created for an available, fetched digest cannot fail short of
        // memory exhaustion; treat failure as a programmer/environment error.
        precondition(EVP_DigestInit_ex2(ctx, md, nil) == 1, "EVP_DigestInit_ex2 failed")
    }

    @inline(__always)
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    @inline(__always)
    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    @inline(__always)
    public func update(byte: UInt8) { withUnsafeBytes(of: byte) { update($0) } }

    @inline(__always)
    public func update(_ digest: Digest32) { digest.withUnsafeBytes { update($0) } }

    @inline(__always)
    public func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    public func finalize() -> Digest32 {
        var out = Digest32.zero
        var length: UInt32 = 0
        withUnsafeMutableBytes(of: &out.storage) { raw in
            precondition(
                EVP_DigestFinal_ex(ctx, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), &length) == 1 && length == 32,
                "EVP_DigestFinal_ex failed")
        }
        return out
    }

    /// Continues from where `other` is: its algorithm and every byte it has absorbed so far (EVP_MD_CTX_copy_ex).
    /// A hash of a fixed prefix is absorbed once and copied for each message that follows it.
    public func copyState(from other: HashFunction) {
        precondition(other.algorithm == algorithm, "copyState between different hash algorithms")
        precondition(EVP_MD_CTX_copy_ex(ctx, other.ctx) == 1, "EVP_MD_CTX_copy_ex failed")
    }

    /// H(bytes).
    public func hash(_ bytes: UnsafeRawBufferPointer) -> Digest32 {
        begin(); update(bytes); return finalize()
    }

    public func hash(_ bytes: [UInt8]) -> Digest32 { bytes.withUnsafeBytes { hash($0) } }

    /// H(prefix || bytes): the RFC 6962 leaf hash when `prefix` is 0x00.
    public func hash(prefix: UInt8, _ bytes: UnsafeRawBufferPointer) -> Digest32 {
        begin(); update(byte: prefix); update(bytes); return finalize()
    }

    /// H(0x01 || left || right): the RFC 6962 interior node hash.
    public func node(_ left: Digest32, _ right: Digest32) -> Digest32 {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 1
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            return hash(UnsafeRawBufferPointer(buffer))
        }
    }
}

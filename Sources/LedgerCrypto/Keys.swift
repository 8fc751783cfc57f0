internal import COpenSSL

/// The signature algorithm of a suite.
public enum SignatureAlgorithm: String, Sendable, CaseIterable {
    case ed25519
    case sm2

    /// The OpenSSL key type name.
    var openSSLName: String { self == .ed25519 ? "ED25519" : "SM2" }

    /// DER prefix of the SubjectPublicKeyInfo that wraps the raw public key.
    /// Ed25519: RFC 8410. SM2: id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301, uncompressed point.
    static let spkiPrefix: [SignatureAlgorithm: [UInt8]] = [
        .ed25519: Hex.decode("302a300506032b6570032100")!,
        .sm2: Hex.decode("3059301306072a8648ce3d020106082a811ccf5501822d034200")!,
    ]

    /// Length of the raw public key: 32 bytes (RFC 8032) or 65 bytes (0x04 || X || Y).
    public var publicKeyLength: Int { self == .ed25519 ? 32 : 65 }
}

/// The SM2 user ID (distinguishing identifier) used for every SM2 signature in the format: the GM/T 0009-2012
/// default. OpenSSL 3.0 would otherwise sign with an empty ID (NOTES-interop), so it is always set explicitly.
public let sm2UserID: [UInt8] = Array("1234567812345678".utf8)

/// Owns one `EVP_PKEY`. Immutable after creation.
///
/// `@unchecked Sendable`: the key is never mutated after init, and OpenSSL 3 allows concurrent
/// sign/verify operations on a shared `EVP_PKEY` because each operation creates its own context.
final class PKeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    var algorithm: SignatureAlgorithm? {
        if EVP_PKEY_is_a(pointer, "ED25519") == 1 { return .ed25519 }
        if EVP_PKEY_is_a(pointer, "SM2") == 1 { return .sm2 }
        return nil
    }
}

/// A public key used to verify signatures.
public struct PublicKey: Sendable, Equatable {
    let handle: PKeyHandle
    public let algorithm: SignatureAlgorithm
    /// Raw encoding: 32-byte Ed25519 key, or the 65-byte uncompressed SM2 point.
    public let rawBytes: [UInt8]

    public static func == (a: PublicKey, b: PublicKey) -> Bool { a.algorithm == b.algorithm && a.rawBytes == b.rawBytes }

    /// Imports a raw public key. Throws if the bytes are not a valid key of that algorithm.
    public init(raw: [UInt8], algorithm: SignatureAlgorithm) throws {
        guard raw.count == algorithm.publicKeyLength else {
            throw OpenSSLError(operation: "import \(algorithm.rawValue) public key", queue: ["expected \(algorithm.publicKeyLength) bytes, got \(raw.count)"])
        }
        if algorithm == .ed25519 { try Self.requireAcceptableEd25519(raw) }
        let der = SignatureAlgorithm.spkiPrefix[algorithm]! + raw
        clearOpenSSLErrors()
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let key else { throw OpenSSLError.drain("d2i_PUBKEY") }
        let handle = PKeyHandle(key)
        guard handle.algorithm == algorithm else {
            throw OpenSSLError(operation: "import \(algorithm.rawValue) public key", queue: ["key is not of type \(algorithm.openSSLName)"])
        }
        self.handle = handle
        self.algorithm = algorithm
        self.rawBytes = raw
    }

    init(handle: PKeyHandle) throws {
        guard let algorithm = handle.algorithm else {
            throw OpenSSLError(operation: "public key", queue: ["unsupported key type (want ED25519 or SM2)"])
        }
        clearOpenSSLErrors()
        var derPointer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_PUBKEY(handle.pointer, &derPointer)
        guard length > 0, let derPointer else { throw OpenSSLError.drain("i2d_PUBKEY") }
        let der = Array(UnsafeBufferPointer(start: derPointer, count: Int(length)))
        aidledger_OPENSSL_free(derPointer)
        let prefix = SignatureAlgorithm.spkiPrefix[algorithm]!
        guard der.count == prefix.count + algorithm.publicKeyLength, Array(der.prefix(prefix.count)) == prefix else {
            throw OpenSSLError(operation: "public key", queue: ["unexpected SubjectPublicKeyInfo encoding"])
        }
        let raw = Array(der.dropFirst(prefix.count))
        if algorithm == .ed25519 { try Self.requireAcceptableEd25519(raw) }
        self.handle = handle
        self.algorithm = algorithm
        self.rawBytes = raw
    }

    /// Refuses 32 bytes that are not an RFC 8032 point encoding, or are a point of small order (FORMAT.md §8.1).
    static func requireAcceptableEd25519(_ raw: [UInt8]) throws {
        switch Ed25519PointCheck.problem(raw) {
        case nil: return
        case .notOnCurve?:
            throw OpenSSLError(operation: "import ed25519 public key", queue: ["not the encoding of a point of edwards25519 (RFC 8032 §5.1.3)"])
        case .smallOrder?:
            throw OpenSSLError(operation: "import ed25519 public key", queue: ["a point of small order (8·P is the identity)"])
        }
    }

    /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    public init(pem: String) throws {
        let key = try withMemoryBIO(pem) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        guard let key else { throw OpenSSLError.drain("PEM_read_bio_PUBKEY") }
        try self.init(handle: PKeyHandle(key))
    }

    /// PEM `PUBLIC KEY`, readable by `openssl pkey -pubin`.
    public func pem() throws -> String {
        try writeToMemoryBIO("PEM_write_bio_PUBKEY") { bio in PEM_write_bio_PUBKEY(bio, handle.pointer) }
    }

    /// Verifies `signature` over `message`. Ed25519: RFC 8032 pure Ed25519. SM2: GB/T 32918 with SM3 and
    /// the user ID `sm2UserID`, DER-encoded (r, s). Returns false for any malformed signature.
    public func verify(signature: [UInt8], message: UnsafeRawBufferPointer) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx); clearOpenSSLErrors() }
        let ok: Bool
        switch algorithm {
        case .ed25519:
            guard EVP_DigestVerifyInit_ex(ctx, nil, nil, nil, nil, handle.pointer, nil) == 1 else { return false }
            ok = signature.withUnsafeBufferPointer { sig in
                EVP_DigestVerify(ctx, sig.baseAddress, sig.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
            }
        case .sm2:
            guard let pctx = EVP_PKEY_CTX_new(handle.pointer, nil) else { return false }
            guard sm2UserID.withUnsafeBytes({ aidledger_EVP_PKEY_CTX_set1_id(pctx, $0.baseAddress, Int32($0.count)) }) == 1 else {
                EVP_PKEY_CTX_free(pctx); return false
            }
            // The caller keeps ownership of pctx: EVP_MD_CTX_set_pkey_ctx marks it EVP_MD_CTX_FLAG_KEEP_PKEY_CTX, so
            // EVP_MD_CTX_free leaves it alone. It is freed here on every path.
            EVP_MD_CTX_set_pkey_ctx(ctx, pctx)
            guard EVP_DigestVerifyInit_ex(ctx, nil, "SM3", nil, nil, handle.pointer, nil) == 1 else {
                EVP_PKEY_CTX_free(pctx); return false
            }
            ok = signature.withUnsafeBufferPointer { sig in
                EVP_DigestVerify(ctx, sig.baseAddress, sig.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
            }
            EVP_PKEY_CTX_free(pctx)
        }
        return ok
    }

    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        message.withUnsafeBytes { verify(signature: signature, message: $0) }
    }
}

/// A private key that signs. Its PEM form is PKCS#8 (`PRIVATE KEY`), unencrypted; files holding it must be
/// mode 0600 (the CLI writes them so).
public struct SigningKey: Sendable {
    let handle: PKeyHandle
    public let publicKey: PublicKey
    public var algorithm: SignatureAlgorithm { publicKey.algorithm }

    /// Generates a fresh key from OpenSSL's default random generator.
    public static func generate(_ algorithm: SignatureAlgorithm) throws -> SigningKey {
        clearOpenSSLErrors()
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, algorithm.openSSLName, nil) else { throw OpenSSLError.drain("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw OpenSSLError.drain("EVP_PKEY_keygen_init") }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_generate(ctx, &key) == 1, let key else { throw OpenSSLError.drain("EVP_PKEY_generate") }
        return try SigningKey(handle: PKeyHandle(key))
    }

    init(handle: PKeyHandle) throws {
        self.handle = handle
        self.publicKey = try PublicKey(handle: handle)
    }

    /// Reads a PEM private key (PKCS#8 `PRIVATE KEY`, or the algorithm's traditional form). Text before the
    /// `-----BEGIN` line is ignored.
    public init(pem: String) throws {
        let key = try withMemoryBIO(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        guard let key else { throw OpenSSLError.drain("PEM_read_bio_PrivateKey") }
        try self.init(handle: PKeyHandle(key))
    }

    /// PKCS#8 PEM, unencrypted.
    public func pem() throws -> String {
        try writeToMemoryBIO("PEM_write_bio_PrivateKey") { bio in PEM_write_bio_PrivateKey(bio, handle.pointer, nil, nil, 0, nil, nil) }
    }

    /// Signs `message`: pure Ed25519, or SM2 with SM3 and `sm2UserID` (DER signature of 70–72 bytes).
    public func sign(_ message: UnsafeRawBufferPointer) throws -> [UInt8] {
        clearOpenSSLErrors()
        // A fresh context per signature: re-initialising a used EVP_MD_CTX with another key can sign with the
        // old key (openssl/openssl#16964, NOTES-interop).
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSLError.drain("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer? = nil
        switch algorithm {
        case .ed25519:
            guard EVP_DigestSignInit_ex(ctx, nil, nil, nil, nil, handle.pointer, nil) == 1 else { throw OpenSSLError.drain("EVP_DigestSignInit_ex") }
        case .sm2:
            guard let own = EVP_PKEY_CTX_new(handle.pointer, nil) else { throw OpenSSLError.drain("EVP_PKEY_CTX_new") }
            pctx = own
            guard sm2UserID.withUnsafeBytes({ aidledger_EVP_PKEY_CTX_set1_id(own, $0.baseAddress, Int32($0.count)) }) == 1 else {
                EVP_PKEY_CTX_free(own); throw OpenSSLError.drain("EVP_PKEY_CTX_set1_id")
            }
            // As in `verify`: the caller keeps ownership of pctx (freed by the defer below).
            EVP_MD_CTX_set_pkey_ctx(ctx, own)
            guard EVP_DigestSignInit_ex(ctx, nil, "SM3", nil, nil, handle.pointer, nil) == 1 else {
                EVP_PKEY_CTX_free(own); throw OpenSSLError.drain("EVP_DigestSignInit_ex")
            }
        }
        defer { if let pctx { EVP_PKEY_CTX_free(pctx) } }
        let input = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, input, message.count) == 1 else { throw OpenSSLError.drain("EVP_DigestSign(size)") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, input, message.count) == 1 else { throw OpenSSLError.drain("EVP_DigestSign") }
        signature.removeLast(signature.count - length)
        return signature
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        try message.withUnsafeBytes { try sign($0) }
    }
}

/// Cryptographically secure random bytes from OpenSSL's default DRBG.
public func secureRandomBytes(_ count: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    guard count == 0 || RAND_bytes(&out, Int32(count)) == 1 else { throw OpenSSLError.drain("RAND_bytes") }
    return out
}

// MARK: - memory BIO helpers

private func withMemoryBIO<R>(_ text: String, _ body: (OpaquePointer) -> R) throws -> R {
    clearOpenSSLErrors()
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { raw in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { throw OpenSSLError.drain("BIO_new_mem_buf") }
        defer { BIO_free(bio) }
        return body(bio)
    }
}

private func writeToMemoryBIO(_ operation: String, _ body: (OpaquePointer) -> Int32) throws -> String {
    clearOpenSSLErrors()
    guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.drain("BIO_new") }
    defer { BIO_free(bio) }
    guard body(bio) == 1 else { throw OpenSSLError.drain(operation) }
    var data: UnsafeMutablePointer<CChar>? = nil
    let length = aidledger_BIO_get_mem_data(bio, &data)
    guard length > 0, let data else { throw OpenSSLError.drain(operation) }
    return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
}

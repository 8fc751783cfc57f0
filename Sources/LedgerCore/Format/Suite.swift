import LedgerCrypto
/// A cryptographic suite, fixed per ledger in its genesis entry.
public enum Suite: String, Sendable, CaseIterable {
    /// H = SHA-256, signatures Ed25519 (RFC 8032). The default.
    case ed25519SHA256 = "ed25519-sha256"
    /// H = SM3 (GB/T 32905), signatures SM2 (GB/T 32918) with SM3 and user ID "1234567812345678".
    case sm2SM3 = "sm2-sm3"

    public var hashAlgorithm: HashAlgorithm { self == .ed25519SHA256 ? .sha256 : .sm3 }
    public var signatureAlgorithm: SignatureAlgorithm { self == .ed25519SHA256 ? .ed25519 : .sm2 }

    /// The signed-note signature type bytes: 0x01 for Ed25519 (c2sp.org/signed-note); for SM2 the 0xff escape
    /// followed by the ASCII identifier `aidledger/sm2-sm3` (see FORMAT.md §Signed notes).
    public var signatureType: [UInt8] {
        switch self {
        case .ed25519SHA256: [0x01]
        case .sm2SM3: [0xff] + Array("aidledger/sm2-sm3".utf8)
        }
    }

    public func makeHashFunction() -> HashFunction {
        // Both digests are part of OpenSSL 3's default provider; failing to fetch one means a broken installation.
        do { return try HashFunction(hashAlgorithm) } catch { fatalError("OpenSSL cannot provide \(hashAlgorithm.rawValue): \(error)") }
    }
}

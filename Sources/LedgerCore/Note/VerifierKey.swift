import LedgerCrypto
/// A named public key, in the C2SP signed-note verifier-key form `<name>+<hex key ID>+<base64(type || public key)>`.
public struct VerifierKey: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let suite: Suite
    public let publicKey: PublicKey
    /// First four bytes, big-endian, of H(name || 0x0A || signature type || public key).
    public let keyID: UInt32

    public init(name: String, publicKey: PublicKey, suite: Suite) throws(FormatError) {
        guard VerifierKey.isValidName(name) else { throw FormatError(.badKey, "key name \"\(name)\" is empty or contains a space or '+'") }
        guard publicKey.algorithm == suite.signatureAlgorithm else {
            throw FormatError(.badKey, "key \(name) is \(publicKey.algorithm.rawValue), but the suite \(suite.rawValue) needs \(suite.signatureAlgorithm.rawValue)")
        }
        self.name = name
        self.suite = suite
        self.publicKey = publicKey
        self.keyID = VerifierKey.computeKeyID(name: name, publicKey: publicKey.rawBytes, suite: suite)
    }

    /// Parses a vkey string of the given suite. Rejects a key ID that does not match the name and key.
    public init(parsing text: String, suite: Suite) throws(FormatError) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw FormatError(.badKey, "verifier key must have the form name+keyid+key") }
        let name = String(parts[0])
        guard parts[1].utf8.count == 8, let idBytes = Hex.decode(parts[1]) else {
            throw FormatError(.badKey, "verifier key \(name): key ID must be 8 lowercase hex digits")
        }
        guard let blob = Base64.decode(String(parts[2])) else { throw FormatError(.badKey, "verifier key \(name): key is not valid base64") }
        let type = suite.signatureType
        guard blob.count == type.count + suite.signatureAlgorithm.publicKeyLength, Array(blob.prefix(type.count)) == type else {
            throw FormatError(.badKey, "verifier key \(name): not a \(suite.signatureAlgorithm.rawValue) key of suite \(suite.rawValue)")
        }
        let publicKey: PublicKey
        do { publicKey = try PublicKey(raw: Array(blob.dropFirst(type.count)), algorithm: suite.signatureAlgorithm) } catch {
            throw FormatError(.badKey, "verifier key \(name): invalid public key (\(error))")
        }
        try self.init(name: name, publicKey: publicKey, suite: suite)
        let claimed = UInt32(idBytes[0]) << 24 | UInt32(idBytes[1]) << 16 | UInt32(idBytes[2]) << 8 | UInt32(idBytes[3])
        guard claimed == keyID else { throw FormatError(.badKey, "verifier key \(name): key ID \(parts[1]) does not match the name and key") }
    }

    public var keyIDHex: String { Hex.encode(keyIDBytes) }
    public var keyIDBytes: [UInt8] { [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xff), UInt8(keyID >> 8 & 0xff), UInt8(keyID & 0xff)] }

    /// The vkey string.
    public var description: String { "\(name)+\(keyIDHex)+\(Base64.encode(suite.signatureType + publicKey.rawBytes))" }

    public static func computeKeyID(name: String, publicKey: [UInt8], suite: Suite) -> UInt32 {
        let h = suite.makeHashFunction()
        h.begin()
        h.update(name)
        h.update(byte: 0x0a)
        h.update(suite.signatureType)
        h.update(publicKey)
        let d = h.finalize().bytes
        return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
    }

    /// Key names are non-empty and contain no Unicode whitespace and no '+'.
    public static func isValidName(_ name: String) -> Bool {
        var s = name
        let ascii: Bool? = s.withUTF8 { u in
            guard !u.isEmpty else { return false }
            for c in u {
                if c >= 0x80 { return nil }
                if c <= 0x20 || c == 0x2b || c == 0x7f { return false }
            }
            return true
        }
        if let ascii { return ascii }
        return !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }
    }
}

/// A signing key together with its name and suite.
public struct NamedSigningKey: Sendable {
    public let key: SigningKey
    public let verifierKey: VerifierKey
    public var name: String { verifierKey.name }
    public var suite: Suite { verifierKey.suite }

    public init(name: String, key: SigningKey, suite: Suite) throws {
        self.key = key
        self.verifierKey = try VerifierKey(name: name, publicKey: key.publicKey, suite: suite)
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] { try key.sign(message) }
}

import Foundation
import LedgerCore
import LedgerCrypto

/// Private key files: PKCS#8 PEM (readable by `openssl pkey`) preceded by comment lines naming the key and suite.
public enum KeyFile {
    public static func write(_ key: NamedSigningKey, to path: String) throws {
        let text = "# aidledger signing key — keep secret\n# name: \(key.name)\n# suite: \(key.suite.rawValue)\n# vkey: \(key.verifierKey)\n" + (try key.key.pem())
        try Files.write(path, Array(text.utf8), mode: 0o600, overwrite: false)
    }

    public static func read(_ path: String) throws -> NamedSigningKey {
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        var name: String?, suite: Suite?
        for line in text.split(separator: "\n") where line.hasPrefix("# ") {
            if line.hasPrefix("# name: ") { name = String(line.dropFirst(8)) }
            if line.hasPrefix("# suite: ") { suite = Suite(rawValue: String(line.dropFirst(9))) }
        }
        guard let name, let suite else { throw ServiceError("\(path): not an aidledger key file (missing '# name:' or '# suite:' line)") }
        do { return try NamedSigningKey(name: name, key: SigningKey(pem: text), suite: suite) } catch {
            throw ServiceError("\(path): cannot load the private key: \(error)")
        }
    }
}


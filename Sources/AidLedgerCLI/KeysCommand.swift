import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage signing keys.",
        subcommands: [Generate.self, Show.self, EnrollCommand.self, RevokeCommand.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair: a private key file (mode 0600) and its public verifier key.",
            discussion: "Writes FILE (PKCS#8 PEM, readable by `openssl pkey`), FILE.pub (PEM public key) and FILE.vkey (the verifier key line)."
        )

        @Option(name: .long, help: "Key name, e.g. aidledger.example/430626/officer/1 (no spaces, no '+'; avoid personal names).")
        var name: String

        @Option(name: .long, help: "Suite: ed25519-sha256 (default) or sm2-sm3.")
        var suite: String = Suite.ed25519SHA256.rawValue

        @Option(name: .long, help: "Private key file to create; it must not exist.")
        var out: String

        func run() throws {
            guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite); use ed25519-sha256 or sm2-sm3") }
            guard VerifierKey.isValidName(name) else { throw CLIError("key name must be non-empty and contain no spaces or '+'") }
            let key = try NamedSigningKey(name: name, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
            try KeyFile.write(key, to: out)
            try Files.write(out + ".pub", Array(try key.key.publicKey.pem().utf8))
            try Files.write(out + ".vkey", Array((key.verifierKey.description + "\n").utf8))
            print(key.verifierKey.description)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the verifier key of a private key file.")

        @Argument(help: "A key file written by `aidledger keys generate`.")
        var file: String

        func run() throws { print(try KeyFile.read(file).verifierKey.description) }
    }
}

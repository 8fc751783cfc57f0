import ArgumentParser
import Foundation
import LedgerCore
import LedgerImport
import LedgerCrypto
import LedgerServices
import LedgerStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the schema and a ledger with its ledger key and first admin key.",
        discussion: "Writes KEY-DIR/ledger.key and KEY-DIR/admin.key (mode 0600; default <data-dir>/keys) unless they exist, then creates the ledger."
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Suite: ed25519-sha256 (default) or sm2-sm3.")
    var suite: String = Suite.ed25519SHA256.rawValue

    @Option(name: .long, help: "Directory for the generated keys (default <data-dir>/keys).")
    var keyDir: String?

    func run() throws {
        guard let origin = db.origin else { throw CLIError("init needs --origin, e.g. --origin aidledger.example/430626") }
        guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite); use ed25519-sha256 or sm2-sm3") }
        let directory = keyDir ?? db.keyDirectory
        try db.open { database in
            let created = try LedgerAdministration.createLedger(database.store, origin: origin, suite: suite, keyDirectory: directory)
            if !created.migrated.isEmpty { print("schema: applied \(created.migrated.joined(separator: ", "))") }
            print("ledger \(origin) created, suite \(suite.rawValue)")
            print("ledger key  \(created.ledgerKey.verifierKey)   (publish this: verifiers pin it)")
            print("admin key   \(created.admin.verifierKey)")
            print("keys and the person-key secret in \(directory)/ (mode 0600)")
            printReceipt(created.receipt, what: "genesis")
        }
    }
}

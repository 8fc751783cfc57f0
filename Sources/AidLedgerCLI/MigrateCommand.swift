import ArgumentParser
import Foundation
import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore
import LedgerVerify

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations (as the schema owner; aidledgerd on a production database does not).",
        discussion: "Each migration runs in its own transaction under an advisory lock; re-running is a no-op. See Deploy/README.md for the upgrade order."
    )
    @OptionGroup var db: DatabaseOptions

    func run() throws {
        try db.open { database in
            let before = try database.store.schemaVersion()
            let applied = try database.store.migrate()
            let after = try database.store.schemaVersion()
            print(applied.isEmpty ? "schema is at version \(after); nothing to do" : "schema version \(before) → \(after): applied \(applied.joined(separator: ", "))")
        }
    }
}


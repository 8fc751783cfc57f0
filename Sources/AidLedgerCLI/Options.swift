import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore

/// Where the ledger database is, shared by the commands that use it (the rule is `DatabaseLocation.resolve`).
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "libpq connection string or postgresql:// URL. Default: the PG* environment variables when PGHOST, PGHOSTADDR, PGDATABASE or PGSERVICE is set, else the embedded database under --data-dir.")
    var database: String?

    @Option(name: .long, help: "Data directory: the embedded PostgreSQL cluster and the default key directory (env AIDLEDGER_DATA_DIR).")
    var dataDir: String = ProcessInfo.processInfo.environment["AIDLEDGER_DATA_DIR"] ?? ".aidledger"

    @Option(name: .long, help: "Ledger origin, e.g. aidledger.example/430626. Default: the only ledger in the database.")
    var origin: String?

    var keyDirectory: String { dataDir + "/keys" }

    var location: DatabaseLocation { .resolve(explicit: database, dataDirectory: dataDir) }

    /// Runs `body` with the database open (the embedded cluster started and stopped around it if need be).
    func open<T>(_ body: (LedgerDatabase) throws -> T) throws -> T { try LedgerDatabase.with(location, body) }
}

/// The admin's key, for the commands an admin signs (key entries, erasures).
struct AdminKeyOptions: ParsableArguments {
    @Option(name: .long, help: "The admin's key file, for key entries and erasures (default <data-dir>/keys/admin.key).")
    var adminKey: String?

    func admin(_ db: DatabaseOptions) throws -> NamedSigningKey { try KeyFile.read(adminKey ?? db.keyDirectory + "/admin.key") }
}

/// The ledger key every writing command signs the new checkpoint with, and the person-key secret beside it.
struct LedgerKeyOptions: ParsableArguments {
    @Option(name: .long, help: "The ledger key file, which signs checkpoints (default <data-dir>/keys/ledger.key; the person-key secret is read from the same directory).")
    var ledgerKey: String?

    /// The ledger key file, checked against the key the ledger's genesis entry names.
    func ledger(_ db: DatabaseOptions, for record: LedgerRecord, _ store: LedgerStore) throws -> NamedSigningKey {
        try LedgerAdministration.ledgerKey(at: ledgerKey ?? db.keyDirectory + "/ledger.key", for: record, store)
    }

    /// The person-key secret beside the ledger key.
    func personKeys(_ db: DatabaseOptions) throws -> PersonKeys {
        let directory = ledgerKey.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? db.keyDirectory
        return try PersonKeys(try PersonKeyFile.read(directory: directory))
    }
}

/// Prints a receipt: seq range and the signed checkpoint.
func printReceipt(_ receipt: Receipt, what: String) {
    print("\(what): seq \(receipt.firstSeq)…\(receipt.lastSeq) of \(receipt.origin), durable")
    print("checkpoint:")
    print(receipt.checkpoint, terminator: "")
}

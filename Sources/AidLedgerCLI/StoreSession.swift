import ArgumentParser
import EmbeddedPostgres
import Foundation
import LedgerCore
import LedgerStore
import PostgresClient

/// Where the ledger database is, shared by the commands that use it.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "libpq connection string or postgresql:// URL. Default: the PG* environment variables when PGHOST or PGDATABASE is set, else the embedded database under --data-dir.")
    var database: String?

    @Option(name: .long, help: "Data directory: the embedded PostgreSQL cluster and the default key directory (env AIDLEDGER_DATA_DIR).")
    var dataDir: String = ProcessInfo.processInfo.environment["AIDLEDGER_DATA_DIR"] ?? ".aidledger"

    @Option(name: .long, help: "Ledger origin, e.g. aidledger.example/430626. Default: the only ledger in the database.")
    var origin: String?

    var keyDirectory: String { dataDir + "/keys" }
}

/// The keys a writing command signs with, besides the officer's.
struct SigningKeyOptions: ParsableArguments {
    @Option(name: .long, help: "The ledger key file, which signs checkpoints (default <data-dir>/keys/ledger.key).")
    var ledgerKey: String?

    @Option(name: .long, help: "The admin's key file, for key entries and erasures (default <data-dir>/keys/admin.key).")
    var adminKey: String?

    func admin(_ db: DatabaseOptions) throws -> NamedSigningKey { try KeyFile.read(adminKey ?? db.keyDirectory + "/admin.key") }
    func ledger(_ db: DatabaseOptions, for record: LedgerRecord) throws -> NamedSigningKey { try StoreSession.ledgerKey(ledgerKey, db, for: record) }
}

/// An open connection to the ledger database. With the embedded default it starts the private cluster if it is
/// not running, and stops it again at `close()` if this session started it.
final class StoreSession {
    let store: LedgerStore
    let embedded: EmbeddedPostgres?
    let startedHere: Bool

    init(_ options: DatabaseOptions) throws {
        let environment = ProcessInfo.processInfo.environment
        if let database = options.database {
            store = LedgerStore(try PostgresConnection(database))
            embedded = nil
            startedHere = false
        } else if environment["PGHOST"] != nil || environment["PGDATABASE"] != nil {
            store = LedgerStore(try PostgresConnection(""))
            embedded = nil
            startedHere = false
        } else {
            let server = try EmbeddedPostgres(directory: options.dataDir)
            let started = try server.start()
            do {
                store = LedgerStore(try PostgresConnection(server.connectionString()))
            } catch {
                if started { try? server.stop() }
                throw error
            }
            embedded = server
            startedHere = started
        }
    }

    func close() {
        if startedHere { try? embedded?.stop() }
    }

    /// Runs `body` with an open session and closes it afterwards.
    static func with<T>(_ options: DatabaseOptions, _ body: (StoreSession) throws -> T) throws -> T {
        let session = try StoreSession(options)
        defer { session.close() }
        do { return try body(session) } catch let error as StoreError {
            throw CLIError(error.message)
        } catch let error as PostgresError {
            throw CLIError(error.description)
        }
    }

    /// The ledger named by `--origin`, or the only one.
    func ledger(_ options: DatabaseOptions) throws -> LedgerRecord {
        if let origin = options.origin { return try store.ledger(origin: origin) }
        let all = try store.ledgers()
        guard all.count == 1 else {
            throw CLIError(all.isEmpty ? "the database has no ledger yet; run `aidledger init --origin …` first"
                                       : "the database has \(all.count) ledgers; choose one with --origin (\(all.map(\.origin).joined(separator: ", ")))")
        }
        return all[0]
    }

    /// The ledger's signing key: `--ledger-key`, or `<data-dir>/keys/ledger.key`.
    static func ledgerKey(_ path: String?, _ options: DatabaseOptions, for ledger: LedgerRecord) throws -> NamedSigningKey {
        let key = try KeyFile.read(path ?? options.keyDirectory + "/ledger.key")
        guard key.name == ledger.origin, key.suite == ledger.suite else {
            throw CLIError("the ledger key \(key.name) (\(key.suite.rawValue)) is not the key of \(ledger.origin) (\(ledger.suite.rawValue))")
        }
        return key
    }

    /// Appends one officer submission by the daemon's path (`LedgerStore.appendGroup`, a group of one), so that
    /// the command line and aidledgerd check exactly the same things. A refusal writes nothing.
    func appendChecked(_ submission: Submission, to ledger: LedgerRecord, time: String, ledgerKey: NamedSigningKey) throws -> Receipt {
        switch try store.appendGroup(ledger, [submission], time: time, ledgerKey: ledgerKey)[0] {
        case .appended(let receipt): return receipt
        case .duplicate(let receipt):
            print("already in the ledger (same batch id and content): the original receipt")
            return receipt
        case .refused(let error): throw CLIError("refused, nothing written: \(error.message)")
        }
    }

    /// Key state of the ledger as its genesis and key entries define it.
    func keyState(_ ledger: LedgerRecord) throws -> KeyRegistry {
        do { return try KeyRegistry.load(origin: ledger.origin, entries: try store.keyEntries(ledger)).2 } catch let error as FormatError {
            throw CLIError("the ledger's key entries are unreadable: \(error.message); run `aidledger verify`")
        }
    }
}

/// The current time in the format's form.
func nowTimestamp() -> String {
    Timestamp.format(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
}

/// Prints a receipt: seq range and the signed checkpoint.
func printReceipt(_ receipt: Receipt, what: String) {
    print("\(what): seq \(receipt.firstSeq)…\(receipt.lastSeq) of \(receipt.origin), durable")
    print("checkpoint:")
    print(receipt.checkpoint, terminator: "")
}

import EmbeddedPostgres
import Foundation
import LedgerCore
import LedgerStore

/// Where the ledger database is. One rule for both binaries (docs/DESIGN.md, "Which database"):
///
/// 1. an explicit connection string (`aidledger --database`, aidledgerd's `database` setting) wins;
/// 2. else, when `PGHOST`, `PGHOSTADDR`, `PGDATABASE` or `PGSERVICE` is set, libpq's own environment variables;
/// 3. else the embedded PostgreSQL cluster under the data directory, started on demand.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case connectionString(String)
    case environment
    case embedded(dataDirectory: String)

    /// The variables that select rule 2.
    public static let environmentVariables = ["PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE"]

    public static func resolve(explicit: String?, dataDirectory: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> DatabaseLocation {
        if let explicit, !explicit.isEmpty { return .connectionString(explicit) }
        if environmentVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) { return .environment }
        return .embedded(dataDirectory: dataDirectory)
    }

    public var isEmbedded: Bool { if case .embedded = self { true } else { false } }

    /// For messages: never the connection string itself (it may hold a password).
    public var description: String {
        switch self {
        case .connectionString: "the database given by --database / database"
        case .environment: "the database named by the PG* environment variables"
        case .embedded(let dir): "the embedded PostgreSQL under \(dir)"
        }
    }
}

/// An open connection to the ledger database. With the embedded default it starts the private cluster if it is
/// not running, and stops it again at `close()` if this object started it.
public final class LedgerDatabase {
    public let store: LedgerStore
    public let location: DatabaseLocation
    /// The libpq connection string other connections (the daemon's threads) use.
    public let conninfo: String
    let embedded: EmbeddedPostgres?
    let startedHere: Bool

    public init(_ location: DatabaseLocation) throws {
        self.location = location
        switch location {
        case .connectionString(let s):
            conninfo = s
            embedded = nil
            startedHere = false
        case .environment:
            conninfo = ""
            embedded = nil
            startedHere = false
        case .embedded(let directory):
            let server: EmbeddedPostgres
            let started: Bool
            do {
                server = try EmbeddedPostgres(directory: directory)
                started = try server.start()
                // The owner's cluster stops with it however it ends: a killed daemon leaves no cluster running.
                if started { try server.stopWhenOwnerDies() }
            } catch { throw ServiceError("cannot start the embedded PostgreSQL under \(directory): \(error)", code: "database") }
            conninfo = server.connectionString()
            embedded = server
            startedHere = started
        }
        do { store = try LedgerStore.connect(conninfo) } catch {
            if startedHere { try? embedded?.stop() }
            throw ServiceError("cannot connect to \(location): \(error)", code: "database")
        }
    }

    /// Whether `init` started the embedded cluster, or adopted one whose owner had died (and `close` will stop it).
    public var startedEmbeddedCluster: Bool { startedHere }

    public func close() {
        if startedHere { try? embedded?.stop() }
    }

    /// Runs `body` with an open database and closes it afterwards. Store errors become service errors with the
    /// store's message.
    public static func with<T>(_ location: DatabaseLocation, _ body: (LedgerDatabase) throws -> T) throws -> T {
        let database = try LedgerDatabase(location)
        defer { database.close() }
        do { return try body(database) } catch let error as StoreError {
            throw ServiceError(error.message, code: error.code.rawValue)
        }
    }

    /// The ledger of `origin`, or the only one in the database.
    public func ledger(origin: String?) throws -> LedgerRecord {
        if let origin { return try store.ledger(origin: origin) }
        let all = try store.ledgers()
        guard all.count == 1 else {
            throw ServiceError(all.isEmpty ? "the database has no ledger yet; run `aidledger init --origin …` first"
                                           : "the database has \(all.count) ledgers; choose one with --origin (\(all.map(\.origin).joined(separator: ", ")))",
                               code: "ledger-choice")
        }
        return all[0]
    }
}

/// The current time in the format's form (UTC, milliseconds).
public func nowTimestamp() -> String {
    Timestamp.format(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
}

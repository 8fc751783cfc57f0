import LedgerCore
import PostgresClient

extension LedgerStore {
    /// The connection is up (a failed one is dropped and a new store connected).
    public var isHealthy: Bool { db.isHealthy }

    /// A round trip to the server.
    public func ping() throws { _ = try db.query("SELECT 1") }

    /// Whether an error means the connection or the server went away (retry on a new connection), as opposed to a
    /// refusal of what was asked.
    public static func isConnectionProblem(_ error: any Error) -> Bool {
        (error as? PostgresError)?.isTransient ?? false
    }

    /// Ends this session when it has been idle (or idle inside a transaction) for `seconds`: a frozen process's
    /// session, and the write lease it holds, are then released by the server. A live one reconnects.
    public func limitIdleSession(seconds: Int) throws {
        let s = max(1, seconds)
        try db.query(SQL(unsafeText: "SET idle_session_timeout = '\(s)s'"))
        try db.query(SQL(unsafeText: "SET idle_in_transaction_session_timeout = '\(s)s'"))
    }

    /// A write failed for lack of space: disk full (SQLSTATE 53100) or out of memory (53200).
    public static func isOutOfSpace(_ error: any Error) -> Bool {
        guard let state = (error as? PostgresError)?.sqlState else { return false }
        return state == "53100" || state == "53200"
    }

    /// A short reason for logs: an SQLSTATE or "connection lost", never SQL text or values.
    public static func describe(_ error: any Error) -> String {
        if let e = error as? PostgresError { return e.sqlState.map { "SQLSTATE \($0)" } ?? "connection lost" }
        if let e = error as? StoreError { return e.code.rawValue }
        return "\(type(of: error))"
    }

    /// PostgreSQL's version, e.g. 150018.
    public var serverVersion: Int { db.serverVersion }

    /// A server setting as text (`SHOW name`); `name` is one of ours, never input.
    public func setting(_ name: StaticString) throws -> String? { try db.query(SQL(unsafeText: "SHOW \(name)")).string(0, 0) }

    // MARK: schema

    /// The schema version of this database (0: none).
    public func schemaVersion() throws -> Int { try Migrations.currentVersion(on: db) }

    /// The schema version this build needs.
    public static func requiredSchemaVersion() throws -> Int { try Migrations.all().last?.version ?? 0 }

    // MARK: snapshots and leases

    /// Runs `body` in one read-only REPEATABLE READ transaction: every read in it sees the same snapshot.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try db.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let result = try body()
            try db.query("COMMIT")
            return result
        } catch {
            _ = try? db.query("ROLLBACK")
            throw error
        }
    }

    static let writeLeaseLockClass: Int64 = 7_400_002

    /// Takes the write lease of a ledger for this connection (a session advisory lock): false if another
    /// connection holds it. The lease ends with the connection.
    public func tryAcquireWriteLease(_ ledger: LedgerRecord) throws -> Bool {
        try db.query("SELECT pg_try_advisory_lock($1::int, $2::int)", [.int(Self.writeLeaseLockClass), .int(ledger.id)]).string(0, 0) == "t"
    }

    /// The signed checkpoint of `ledger` at exactly `size`, if one was signed.
    public func checkpoint(_ ledger: LedgerRecord, size: UInt64) throws -> String? {
        guard let size = Int64(exactly: size) else { return nil }
        let rows = try db.query("SELECT note FROM checkpoints WHERE ledger_id = $1 AND size = $2", [.int(ledger.id), .int(size)])
        return rows.count == 1 ? rows.string(0, 0) : nil
    }
}

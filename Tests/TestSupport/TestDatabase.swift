import Foundation
import EmbeddedPostgres
import LedgerStore
import PostgresClient
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL for the tests: one throwaway cluster per test process (fsync off), and a fresh database per
/// test cloned from a migrated template. If PostgreSQL cannot be started the tests fail with the reason; they
/// never skip.
public enum TestDatabase {
    final class Cluster: @unchecked Sendable {
        // @unchecked Sendable: created once under Swift's global-initialiser lock; afterwards only `counter` is
        // mutated, under `lock`.
        let server: EmbeddedPostgres
        let lock = NSLock()
        var counter = 0

        init() throws {
            let directory = "/tmp/aidledger-test-\(getpid())"
            try? FileManager.default.removeItem(atPath: directory)
            server = try EmbeddedPostgres(directory: directory, unsafeFast: true)
            try server.start()
            // However this process ends, the cluster is stopped and its directory removed afterwards.
            try server.stopWhenProcessExits(getpid(), removeDirectory: true)
            let admin = try PostgresConnection(server.connectionString())
            try admin.query("CREATE DATABASE aidledger_template")
            let template = try PostgresConnection(server.connectionString(database: "aidledger_template"))
            try LedgerStore(template).migrate()
        }

        func nextName() -> String {
            lock.lock()
            defer { lock.unlock() }
            counter += 1
            return "t\(counter)"
        }
    }

    static let cluster: Result<Cluster, any Error> = Result { try Cluster() }

    /// The running test cluster.
    public static func server() throws -> EmbeddedPostgres { try cluster.get().server }

    /// A new database without the aidledger schema; returns its connection string.
    public static func unmigrated() throws -> String {
        let c = try cluster.get()
        let name = c.nextName()
        let admin = try PostgresConnection(c.server.connectionString())
        try admin.query(SQL(unsafeText: "CREATE DATABASE \(name) TEMPLATE template0"))
        return c.server.connectionString(database: name)
    }

    /// A new, migrated, empty database; returns its connection string.
    public static func fresh() throws -> String {
        let c = try cluster.get()
        let name = c.nextName()
        let admin = try PostgresConnection(c.server.connectionString())
        try admin.query(SQL(unsafeText: "CREATE DATABASE \(name) TEMPLATE aidledger_template"))
        return c.server.connectionString(database: name)
    }
}

import Foundation
import PostgresClient

/// Schema migrations: numbered `.sql` resources applied in order, each in its own transaction, recorded in
/// `aidledger_schema`. Re-running is a no-op; concurrent runners serialize on an advisory lock.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    /// The migrations shipped with this build, in order.
    public static func all() throws -> [Migration] {
        let directory = Bundle.module.bundleURL.appendingPathComponent("Migrations")
        let urls = ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []).filter { $0.pathExtension == "sql" }
        guard !urls.isEmpty else {
            throw StoreError(.schema, "the schema migrations are missing from the build (looked in \(directory.path))")
        }
        return try urls.map { url -> Migration in
            let name = url.deletingPathExtension().lastPathComponent
            guard let version = Int(name.prefix { $0.isNumber }) else { throw StoreError(.schema, "migration file \(name) has no version number") }
            return Migration(version: version, name: name, sql: try String(contentsOf: url, encoding: .utf8))
        }.sorted { $0.version < $1.version }
    }

    /// Applies the migrations not yet applied, up to version `last`; returns their names.
    @discardableResult
    public static func apply(on db: PostgresConnection, upTo last: Int = .max) throws -> [String] {
        try db.execute(script: """
            CREATE TABLE IF NOT EXISTS aidledger_schema (
                version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var applied: [String] = []
        for m in try all() where m.version <= last {
            try db.transaction {
                try db.query("SELECT pg_advisory_xact_lock(7400001)")
                if try db.query("SELECT 1 FROM aidledger_schema WHERE version = $1", [.int(Int64(m.version))]).count > 0 { return }
                try db.execute(script: SQL(unsafeText: m.sql))
                try db.query("INSERT INTO aidledger_schema (version, name) VALUES ($1, $2)", [.int(Int64(m.version)), .text(m.name)])
                applied.append(m.name)
            }
        }
        return applied
    }

    /// The highest applied version, or 0.
    public static func currentVersion(on db: PostgresConnection) throws -> Int {
        let exists = try db.query("SELECT to_regclass('aidledger_schema') IS NOT NULL")
        guard exists.string(0, 0) == "t" else { return 0 }
        return Int(try db.query("SELECT coalesce(max(version), 0) FROM aidledger_schema").int(0, 0) ?? 0)
    }
}


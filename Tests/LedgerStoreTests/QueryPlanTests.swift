import Foundation
import Testing
@testable import LedgerStore
import PostgresClient
import TestSupport

/// The queries an append makes per batch must not grow with the ledger.
@Suite struct QueryPlanTests {
    @Test func keyStateProbeUsesThePartialIndex() throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("plan-1", count: 3, seed: 1)
        // A large ledger as the planner sees it while it grows: many payment rows after the key entries (written
        // by SQL; only the plans are looked at here, not the chain), and no statistics yet (an append-only table
        // grows faster than autovacuum analyzes it).
        try f.db.query("INSERT INTO entries (ledger_id, seq, kind, bytes) SELECT $1, s, 'payment', '\\x00'::bytea FROM generate_series(100, 400099) s",
                       [.int(f.ledger.id)])
        func plan(_ sql: SQL) throws -> String {
            let rows = try f.db.query(SQL(unsafeText: "EXPLAIN " + sql.text), [.int(f.ledger.id)])
            return (0..<rows.count).compactMap { rows.string($0, 0) }.joined(separator: "\n")
        }
        // One index probe per kind, each with the kind in the index condition. (The `kind IN (…)` form it replaced
        // was planned as a walk over the whole ledger in bench-store's 1,000,000-payment runs: 25k payments/s
        // instead of 74k.)
        let probe = try plan(LedgerStore.lastKeyEntrySQL)
        #expect(!probe.contains("entries_pkey") && !probe.contains("Seq Scan"), "\(probe)")
        #expect(probe.components(separatedBy: "entries_not_payments").count == 3, "\(probe)")
        #expect(probe.contains("kind = 'genesis'") && probe.contains("kind = 'key'"), "\(probe)")
        #expect(try f.db.query(LedgerStore.lastKeyEntrySQL, [.int(f.ledger.id)]).int(0, 0) == 2)
    }
}

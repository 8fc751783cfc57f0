import Foundation
import Testing
@testable import LedgerStore
import PostgresClient
import TestSupport

/// The queries an append makes per group must not grow with the ledger.
@Suite struct QueryPlanTests {
    @Test func nonPaymentEntriesComeFromThePartialIndexOnTheBytes() throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("plan-1", count: 3, seed: 1)
        // A large ledger as the planner sees it while it grows: many payment rows after the key entries (written
        // by SQL with a payment's first bytes; only the plans are looked at here, not the chain), and no
        // statistics yet (an append-only table grows faster than autovacuum analyzes it). Triggers off: rows above
        // the head are refused at COMMIT otherwise (migration 005).
        try f.db.query("SET session_replication_role = replica")
        try f.db.query("""
            INSERT INTO entries (ledger_id, seq, kind, bytes)
            SELECT $1, s, 'payment', '\\x7b22626f6479223a7b226163636f756e745f74797065223a00'::bytea FROM generate_series(100, 400099) s
            """, [.int(f.ledger.id)])
        try f.db.query("SET session_replication_role = DEFAULT")
        let rows = try f.db.query(SQL(unsafeText: "EXPLAIN " + LedgerStore.nonPaymentEntriesSQL.text), [.int(f.ledger.id), .int(6), .int(400_099)])
        let plan = (0..<rows.count).compactMap { rows.string($0, 0) }.joined(separator: "\n")
        #expect(plan.contains("entries_not_payments_by_bytes") && !plan.contains("Seq Scan"), "\(plan)")
        // And it finds exactly the non-payment entries: genesis, the officer's enrolment, the batch header.
        let found = try f.db.query(LedgerStore.nonPaymentEntriesSQL, [.int(f.ledger.id), .int(0), .int(400_099)])
        #expect((0..<found.count).compactMap { found.int($0, 0) } == [1, 2, 3])
        // The key entries (token roles) likewise, from their own partial index.
        let keyRows = try f.db.query(SQL(unsafeText: "EXPLAIN " + LedgerStore.keyEntriesSQL.text), [.int(f.ledger.id)])
        let keyPlan = (0..<keyRows.count).compactMap { keyRows.string($0, 0) }.joined(separator: "\n")
        #expect(keyPlan.contains("entries_keys_by_bytes") && !keyPlan.contains("Seq Scan"), "\(keyPlan)")
        let keys = try f.db.query(LedgerStore.keyEntriesSQL, [.int(f.ledger.id)])
        #expect((0..<keys.count).compactMap { keys.int($0, 0) } == [1, 2])
    }
}

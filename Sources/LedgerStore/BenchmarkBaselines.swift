import LedgerCore
import PostgresClient

/// What the store benchmark (`aidledger-dev bench-store`) compares the append and the verification with, in the
/// same database: a raw COPY of the same rows into plain tables, a naive PL/pgSQL trigger hash chain, and a raw
/// COPY TO STDOUT of the stored rows. Developer tooling: `package`, never used by the product.
package struct BenchmarkBaselines {
    let store: LedgerStore

    package init(_ store: LedgerStore) throws {
        self.store = store
        // The raw COPY gets the same storage parameter as `openings` (rows up to 8 KB stay uncompressed); neither
        // table has constraints.
        try store.db.execute(script: """
            DROP TABLE IF EXISTS bench_entries, bench_openings, bench_chain;
            CREATE TABLE bench_entries (ledger_id bigint, seq bigint, kind text, bytes bytea);
            CREATE TABLE bench_openings (ledger_id bigint, first_seq bigint, last_seq bigint, data bytea) WITH (toast_tuple_target = 8160);
            CREATE EXTENSION IF NOT EXISTS pgcrypto;
            CREATE TABLE bench_chain (seq bigserial PRIMARY KEY, prev bytea, hash bytea, payload bytea NOT NULL);
            CREATE OR REPLACE FUNCTION bench_chain_link() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                SELECT hash INTO NEW.prev FROM bench_chain ORDER BY seq DESC LIMIT 1;
                NEW.hash := digest(coalesce(NEW.prev, ''::bytea) || NEW.payload, 'sha256');
                RETURN NEW;
            END $$;
            CREATE TRIGGER bench_chain_link BEFORE INSERT ON bench_chain FOR EACH ROW EXECUTE FUNCTION bench_chain_link();
            """)
    }

    /// The rows an append of `receipt` stored: its entries and its openings rows (not timed by the benchmark).
    package func storedRows(_ ledger: LedgerRecord, _ receipt: Receipt) throws -> (entries: [(seq: UInt64, bytes: [UInt8])], openings: [(Int64, Int64, [UInt8])]) {
        let entries = try store.entries(ledger, from: receipt.firstSeq, limit: Int(receipt.lastSeq - receipt.firstSeq + 1))
        let rows = try store.db.query("SELECT first_seq, last_seq, data FROM openings WHERE ledger_id = $1 AND first_seq BETWEEN $2 AND $3 ORDER BY first_seq",
                                      [.int(ledger.id), .int(Int64(receipt.firstSeq)), .int(Int64(receipt.lastSeq))])
        return (entries, (0..<rows.count).map { (rows.int($0, 0)!, rows.int($0, 1)!, rows.bytes($0, 2)!) })
    }

    /// Baseline 1: the same rows by COPY into plain tables, one transaction.
    package func rawCopy(_ ledger: LedgerRecord, entries: [(seq: UInt64, bytes: [UInt8])], openings: [(Int64, Int64, [UInt8])], headerSeq: UInt64) throws {
        let db = store.db
        try db.transaction {
            try db.copyIn("COPY bench_entries FROM STDIN (FORMAT binary)") { w in
                for (seq, bytes) in entries {
                    try w.row(fields: 4); w.int(ledger.id); w.int(Int64(seq)); w.text(seq == headerSeq ? "batch" : "payment"); w.bytes(bytes)
                }
            }
            try db.copyIn("COPY bench_openings FROM STDIN (FORMAT binary)") { w in
                for (first, last, data) in openings { try w.row(fields: 4); w.int(ledger.id); w.int(first); w.int(last); w.bytes(data) }
            }
        }
    }

    /// Baseline 2: the same entries through a trigger hash chain, one transaction.
    package func triggerChain(_ entries: [(seq: UInt64, bytes: [UInt8])]) throws {
        let db = store.db
        try db.transaction {
            try db.copyIn("COPY bench_chain (payload) FROM STDIN (FORMAT binary)") { w in
                for (_, bytes) in entries { try w.row(fields: 1); w.bytes(bytes) }
            }
        }
    }

    /// Baseline 3: the fastest read there is (physical order, no ORDER BY, nothing done with the rows). Returns
    /// the bytes read.
    package func rawRead(_ ledger: LedgerRecord) throws -> Int {
        var bytesRead = 0
        try store.db.copyOut(SQL(unsafeText: "COPY (SELECT seq, bytes FROM entries WHERE ledger_id = \(ledger.id)) TO STDOUT (FORMAT binary)")) { bytesRead += $0.count }
        return bytesRead
    }
}

import ArgumentParser
import EmbeddedPostgres
import Foundation
import LedgerCore
import LedgerDemo
import LedgerStore
import LedgerVerify
import PostgresClient

struct BenchStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store",
        abstract: "Benchmark appending to and verifying from PostgreSQL against raw COPY and a trigger hash chain (build with -c release).",
        discussion: """
            In one run, on a fresh database (a throwaway embedded cluster with fsync and synchronous commit on, or \\
            --database), batch by batch in turn: append the batch (prepare and sign it, one transaction with \\
            entries, openings, checkpoint); COPY the identical entry and opening rows into plain tables without \\
            constraints (one transaction); insert the same entries through a naive PL/pgSQL trigger chain (pgcrypto \\
            sha256 of the previous hash and the row, one transaction). Then, three times in turn, verify the ledger \\
            from the database and COPY the stored rows TO STDOUT (best of three each). Prints rows/s and the ratios.
            """
    )

    @Option(name: .long, help: "Number of payments.")
    var payments: Int = 1_000_000

    @Option(name: .long, help: "Payments per batch (one transaction each).")
    var batchSize: Int = 10_000

    @Option(name: .long, help: "An existing database to use (it gets tables named bench_*); default: a throwaway embedded cluster.")
    var database: String?

    func run() throws {
        guard payments >= batchSize, batchSize >= 1 else { throw CLIError("need --payments ≥ --batch-size ≥ 1") }
        #if DEBUG
        print("warning: this is a debug build; run `swift run -c release --scratch-path .build-release aidledger bench-store` for real figures\n")
        #endif
        var server: EmbeddedPostgres? = nil
        var directory: String? = nil
        let conninfo: String
        if let database {
            conninfo = database
        } else {
            let dir = "/tmp/aidledger-bench-\(getpid())"
            directory = dir
            let s = try EmbeddedPostgres(directory: dir)
            try s.start()
            try s.stopWhenProcessExits(getpid(), removeDirectory: true)
            server = s
            conninfo = s.connectionString()
        }
        defer {
            try? server?.stop()
            if let directory { try? FileManager.default.removeItem(atPath: directory) }
        }
        let db = try PostgresConnection(conninfo)
        let store = LedgerStore(db)
        try store.migrate()

        // Inputs, not timed.
        let suite = Suite.ed25519SHA256
        let origin = "aidledger.example/bench-\(getpid())"
        let ledgerKey = try NamedSigningKey(name: origin, key: SigningKey.generate(.ed25519), suite: suite)
        let admin = try NamedSigningKey(name: origin + "/admin/1", key: SigningKey.generate(.ed25519), suite: suite)
        let officer = try NamedSigningKey(name: origin + "/officer/1", key: SigningKey.generate(.ed25519), suite: suite)
        var rng = SplitMix64(seed: 3)
        let batches = payments / batchSize
        print("generating \(Format.grouped(Int64(batches * batchSize))) payments …")
        let inputs = (0..<batches).map { _ in DemoData.boardingSubsidyPayments(count: batchSize, unit: DemoScenario.homeUnit, period: "2025-autumn", rng: &rng) }
        let time = "2026-09-01T08:00:00.000Z"
        let (ledger, _) = try store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: time)
        let enroll = try KeyBody.enroll(officer.verifierKey, role: .officer, units: [DemoScenario.homeUnit], origin: origin, signedAt: time, admin: admin)
        _ = try store.append(ledger, [.init(kind: .key, body: enroll)], time: time, ledgerKey: ledgerKey)
        let n = Double(batches * batchSize)

        // The baselines' tables. The raw COPY gets the same storage parameter as `openings` (rows up to 8 KB stay
        // uncompressed); neither has constraints.
        try db.execute(script: """
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

        // The three writers take turns batch by batch, so that all of them see the same database size and the same
        // moments of a shared machine's load:
        // 1. aidledger: the officer prepares and signs the batch (on the officer's machine in deployment), the
        //    store appends it (checks, entries, openings, checkpoint, one durable transaction). Timed separately.
        // 2. A raw COPY of the identical rows (entries and openings exactly as stored) into plain tables.
        // 3. A naive trigger chain: each row's hash is sha256(previous hash || payload), computed by PL/pgSQL.
        var tPrepare = 0.0, tAppend = 0.0, tCopy = 0.0, tTrigger = 0.0
        var openingRows = 0, openingCount = 0
        let progress = ProgressLine("appending")
        for (i, items) in inputs.enumerated() {
            var start = ContinuousClock.now
            let prepared = try BatchBuilder.prepare(batchID: "bench-\(i)", program: DemoScenario.program, period: "2025-autumn",
                                                    unit: DemoScenario.homeUnit, items: items, origin: origin, signedAt: time, officer: officer)
            tPrepare += seconds(ContinuousClock.now - start)
            start = ContinuousClock.now
            // The path of `aidledger import` and aidledgerd: signer, role, scope and signature checked on the locked
            // head, batch id unused, then entries, openings, checkpoint, batch id in one transaction.
            guard case .appended(let receipt) = try store.appendGroup(ledger, [.batch(prepared)], time: time, ledgerKey: ledgerKey)[0] else {
                throw CLIError("the benchmark batch \(i) was refused")
            }
            tAppend += seconds(ContinuousClock.now - start)

            // The rows this append stored, read back (not timed).
            let entryRows = try store.entries(ledger, from: receipt.firstSeq, limit: Int(receipt.lastSeq - receipt.firstSeq + 1))
            let stored = try db.query("SELECT first_seq, last_seq, data FROM openings WHERE ledger_id = $1 AND first_seq BETWEEN $2 AND $3 ORDER BY first_seq",
                                      [.int(ledger.id), .int(Int64(receipt.firstSeq)), .int(Int64(receipt.lastSeq))])
            openingRows += stored.count
            openingCount += prepared.openings.count

            start = ContinuousClock.now
            try db.transaction {
                try db.copyIn("COPY bench_entries FROM STDIN (FORMAT binary)") { w in
                    for (seq, bytes) in entryRows {
                        try w.row(fields: 4); w.int(ledger.id); w.int(Int64(seq)); w.text(seq == receipt.firstSeq ? "batch" : "payment"); w.bytes(bytes)
                    }
                }
                try db.copyIn("COPY bench_openings FROM STDIN (FORMAT binary)") { w in
                    for r in 0..<stored.count {
                        try w.row(fields: 4); w.int(ledger.id); w.int(stored.int(r, 0)!); w.int(stored.int(r, 1)!); w.bytes(stored.bytes(r, 2)!)
                    }
                }
            }
            tCopy += seconds(ContinuousClock.now - start)

            start = ContinuousClock.now
            try db.transaction {
                try db.copyIn("COPY bench_chain (payload) FROM STDIN (FORMAT binary)") { w in
                    for (_, bytes) in entryRows { try w.row(fields: 1); w.bytes(bytes) }
                }
            }
            tTrigger += seconds(ContinuousClock.now - start)
            progress.update(UInt64(i + 1), of: UInt64(batches))
        }
        progress.finish()
        let entryCount = Double(try store.head(ledger).size)

        // 4. Verify from the database (entries, checkpoints; openings are checked by `aidledger verify`), and
        // 5. the raw read of the stored rows: the fastest read there is (physical order, no ORDER BY, nothing done
        //    with the rows). Three of each, alternating; the best of each is reported.
        var tVerify = Double.infinity, tRead = Double.infinity
        var bytesRead = 0
        for _ in 0..<3 {
            var start = ContinuousClock.now
            var verifier = LedgerVerifier()
            verifier.addCheckpoints(try store.checkpoints(ledger))
            try store.streamEntriesConcurrently(ledger, hashingWith: ledger.suite) { _, bytes, h in verifier.consume(entryBytes: bytes, precomputed: h, computedWith: ledger.suite) }
            let report = verifier.finish()
            tVerify = min(tVerify, seconds(ContinuousClock.now - start))
            guard report.intact else { throw CLIError("the benchmark ledger did not verify: \(report.findings.prefix(3))") }

            start = ContinuousClock.now
            bytesRead = 0
            try db.copyOut(SQL(unsafeText: "COPY (SELECT seq, bytes FROM entries WHERE ledger_id = \(ledger.id)) TO STDOUT (FORMAT binary)")) { bytesRead += $0.count }
            tRead = min(tRead, seconds(ContinuousClock.now - start))
        }

        let append = n / tAppend, copy = n / tCopy, trigger = n / tTrigger, verify = entryCount / tVerify, read = entryCount / tRead
        print("PostgreSQL \(db.serverVersion / 10000).\(db.serverVersion % 100), synchronous_commit \(try db.query("SHOW synchronous_commit").string(0, 0) ?? "?"), fsync \(try db.query("SHOW fsync").string(0, 0) ?? "?")")
        print("\(Format.grouped(Int64(n))) payments in batches of \(Format.grouped(Int64(batchSize))) (\(Format.grouped(Int64(openingCount))) openings in \(Format.grouped(Int64(openingRows))) rows), \(Format.grouped(Int64(bytesRead / max(1, Int(entryCount))))) bytes per stored row; writers interleaved batch by batch, reads best of 3")
        print("  officer-side prepare and sign                        \(Format.pad(Format.grouped(Int64(n / tPrepare)), 10, right: true)) payments/s")
        print("  append of signed batches (check, one transaction)    \(Format.pad(Format.grouped(Int64(append)), 10, right: true)) payments/s   end to end \(Format.grouped(Int64(n / (tPrepare + tAppend))))/s")
        print("  raw COPY of the same entry and opening rows          \(Format.pad(Format.grouped(Int64(copy)), 10, right: true)) payments/s   append/COPY \(String(format: "%.2f", append / copy))   target ≥ 0.5")
        print("  naive PL/pgSQL trigger chain (pgcrypto sha256)       \(Format.pad(Format.grouped(Int64(trigger)), 10, right: true)) rows/s       append/trigger \(String(format: "%.2f", append / trigger))   target ≥ 1")
        print("  verify from the database                             \(Format.pad(Format.grouped(Int64(verify)), 10, right: true)) entries/s    target ≥ 200,000")
        print("  raw COPY … TO STDOUT of the stored rows              \(Format.pad(Format.grouped(Int64(read)), 10, right: true)) rows/s       verify/read \(String(format: "%.2f", verify / read))   target ≥ 0.5")
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

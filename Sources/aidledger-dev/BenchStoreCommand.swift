import ArgumentParser
import EmbeddedPostgres
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerSamples
import LedgerServices
import LedgerStore
import LedgerVerify

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
        print("warning: this is a debug build; run `swift run -c release --scratch-path .build-release aidledger-dev bench-store` for real figures\n")
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
        let store = try LedgerStore.connect(conninfo)
        try store.migrate()

        // Inputs, not timed.
        let suite = Suite.ed25519SHA256
        let origin = "aidledger.example/bench-\(getpid())"
        let ledgerKey = try NamedSigningKey(name: origin, key: SigningKey.generate(.ed25519), suite: suite)
        let admin = try NamedSigningKey(name: origin + "/admin/1", key: SigningKey.generate(.ed25519), suite: suite)
        let officer = try NamedSigningKey(name: origin + "/officer/1", key: SigningKey.generate(.ed25519), suite: suite)
        var rng = SplitMix64(seed: 3)
        let batches = payments / batchSize
        print("generating \(TextFormat.grouped(Int64(batches * batchSize))) payments …")
        let inputs = (0..<batches).map { _ in DemoData.boardingSubsidyPayments(count: batchSize, unit: Sample.homeUnit, period: "2025-autumn", rng: &rng) }
        let time = "2026-09-01T08:00:00.000Z"
        let (ledger, _) = try store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: time)
        let enroll = try KeyBody.enroll(officer.verifierKey, role: .officer, units: [Sample.homeUnit], origin: origin, signedAt: time, admin: admin)
        _ = try Submissions.append(store, ledger, try .key(enroll, suite: suite), time: time, ledgerKey: ledgerKey)
        let personKeys = try PersonKeys(try PersonKeySecret.generate())
        let n = Double(batches * batchSize)

        let baselines = try BenchmarkBaselines(store)

        // The three writers take turns batch by batch, so that all of them see the same database size and the same
        // moments of a shared machine's load:
        // 1. aidledger: the officer prepares and signs the batch (on the officer's machine in deployment), the
        //    store appends it (checks, entries, openings, checkpoint, one durable transaction). Timed separately.
        // 2. A raw COPY of the identical rows (entries and openings exactly as stored) into plain tables.
        // 3. A naive trigger chain: each row's hash is sha256(previous hash || payload), computed by PL/pgSQL.
        var tPrepare = 0.0, tClaims = 0.0, tAppend = 0.0, tCopy = 0.0, tTrigger = 0.0
        var openingRows = 0, openingCount = 0
        let progress = ProgressLine("appending")
        for (i, items) in inputs.enumerated() {
            var start = ContinuousClock.now
            let prepared = try BatchBuilder.prepare(batchID: "bench-\(i)", program: Sample.program, period: "2025-autumn",
                                                    unit: Sample.homeUnit, items: items, origin: origin, signedAt: time, officer: officer)
            tPrepare += seconds(ContinuousClock.now - start)
            start = ContinuousClock.now
            // The payments' claims (keyed person keys): the appender's side, timed on their own (the daemon computes
            // them on its parser threads, off the writer).
            let claims = try personKeys.claims(for: prepared)
            tClaims += seconds(ContinuousClock.now - start)
            start = ContinuousClock.now
            // The path of `aidledger import` and aidledgerd (LedgerStore.append): the head checked against the chain,
            // the admission decision on the locked head, then entries, openings, claims, checkpoint, batch id in one
            // transaction.
            guard case .appended(let receipt) = try store.append(ledger, [.batch(prepared, claims: claims)], time: time, ledgerKey: ledgerKey)[0] else {
                throw CLIError("the benchmark batch \(i) was refused")
            }
            tAppend += seconds(ContinuousClock.now - start)

            // The rows this append stored, read back (not timed).
            let stored = try baselines.storedRows(ledger, receipt)
            openingRows += stored.openings.count
            openingCount += prepared.openings.count

            start = ContinuousClock.now
            try baselines.rawCopy(ledger, entries: stored.entries, openings: stored.openings, headerSeq: receipt.firstSeq)
            tCopy += seconds(ContinuousClock.now - start)

            start = ContinuousClock.now
            try baselines.triggerChain(stored.entries)
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
            let report = try StoreVerification.verify(store, ledger, checkOpenings: false)
            tVerify = min(tVerify, seconds(ContinuousClock.now - start))
            guard report.intact else { throw CLIError("the benchmark ledger did not verify: \(report.findings.prefix(3))") }

            start = ContinuousClock.now
            bytesRead = try baselines.rawRead(ledger)
            tRead = min(tRead, seconds(ContinuousClock.now - start))
        }

        let append = n / tAppend, copy = n / tCopy, trigger = n / tTrigger, verify = entryCount / tVerify, read = entryCount / tRead
        print("PostgreSQL \(store.serverVersion / 10000).\(store.serverVersion % 100), synchronous_commit \(try store.setting("synchronous_commit") ?? "?"), fsync \(try store.setting("fsync") ?? "?")")
        print("\(TextFormat.grouped(Int64(n))) payments in batches of \(TextFormat.grouped(Int64(batchSize))) (\(TextFormat.grouped(Int64(openingCount))) openings in \(TextFormat.grouped(Int64(openingRows))) rows), \(TextFormat.grouped(Int64(bytesRead / max(1, Int(entryCount))))) bytes per stored row; writers interleaved batch by batch, reads best of 3")
        print("  officer-side prepare and sign                        \(TextFormat.pad(TextFormat.grouped(Int64(n / tPrepare)), 10, right: true)) payments/s")
        print("  claims of the payments (keyed person keys)           \(TextFormat.pad(TextFormat.grouped(Int64(n / tClaims)), 10, right: true)) payments/s")
        print("  append of signed batches (check, one transaction)    \(TextFormat.pad(TextFormat.grouped(Int64(append)), 10, right: true)) payments/s   end to end \(TextFormat.grouped(Int64(n / (tPrepare + tClaims + tAppend))))/s")
        print("  raw COPY of the same entry and opening rows          \(TextFormat.pad(TextFormat.grouped(Int64(copy)), 10, right: true)) payments/s   append/COPY \(String(format: "%.2f", append / copy))   target ≥ 0.5")
        print("  naive PL/pgSQL trigger chain (pgcrypto sha256)       \(TextFormat.pad(TextFormat.grouped(Int64(trigger)), 10, right: true)) rows/s       append/trigger \(String(format: "%.2f", append / trigger))   target ≥ 1")
        print("  verify from the database                             \(TextFormat.pad(TextFormat.grouped(Int64(verify)), 10, right: true)) entries/s    target ≥ 200,000")
        print("  raw COPY … TO STDOUT of the stored rows              \(TextFormat.pad(TextFormat.grouped(Int64(read)), 10, right: true)) rows/s       verify/read \(String(format: "%.2f", verify / read))   target ≥ 0.5")
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerSamples
import LedgerServices
import LedgerTestVectors
import LedgerVerify

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Micro-benchmark of the core append path and bundle verification (build with -c release).",
        discussion: """
            Measures, in one run on one core: the raw hash rate (H over each payment entry's canonical bytes), the core \
            append work per payment (commitments, canonical JSON, item root, officer signature, entry hash, Merkle \
            append, one checkpoint per batch) and bundle verification, and prints entries/s and ratios to the raw rate.
            """
    )

    @Option(name: .long, help: "Number of payments.")
    var payments: Int = 200_000

    @Option(name: .long, help: "Payments per batch.")
    var batchSize: Int = 10_000

    @Option(name: .long, help: "Suite: ed25519-sha256 (default) or sm2-sm3.")
    var suite: String = Suite.ed25519SHA256.rawValue

    @Option(name: .customLong("repeat"), help: "Repetitions; the best is reported.")
    var repetitions: Int = 3

    @Flag(name: .long, help: "Time only the append work (for profiling).")
    var appendOnly = false

    func run() throws {
        guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite)") }
        guard payments >= batchSize, batchSize >= 1, repetitions >= 1 else { throw CLIError("need --payments ≥ --batch-size ≥ 1 and --repeat ≥ 1") }
        #if DEBUG
        print("warning: this is a debug build; run `swift run -c release --scratch-path .build-release aidledger-dev bench` for real figures\n")
        #endif
        var rng = SplitMix64(seed: 7)
        let batches = payments / batchSize
        let inputs = (0..<batches).map { b in DemoData.boardingSubsidyPayments(count: batchSize, unit: Sample.homeUnit, period: "2025-autumn", rng: &rng) }
        let origin = "aidledger.example/bench"
        let ledgerKey = try NamedSigningKey(name: origin, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        let officer = try NamedSigningKey(name: origin + "/officer/1", key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        let admin = try NamedSigningKey(name: origin + "/admin/1", key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        let n = Double(batches * batchSize)

        // Core append work, exactly what the store runs per transaction: prepare and sign the batch (salts from
        // the CSPRNG, commitments, canonical payment bodies, item root, officer signature), append its entries
        // (canonical envelope, entry hash, Merkle frontier) and sign the checkpoint. No I/O.
        var bestAppend = Double.infinity
        let time = "2026-09-01T08:00:00.000Z"
        for _ in 0..<repetitions {
            let appender = LedgerAppender(origin: origin, suite: suite)
            let start = ContinuousClock.now
            var appended = 0
            for (i, items) in inputs.enumerated() {
                let prepared = try BatchBuilder.prepare(batchID: "bench-\(i)", program: Sample.program, period: "2025-autumn",
                                                        unit: Sample.homeUnit, items: items, origin: origin, signedAt: time, officer: officer)
                appended += appender.append(batch: prepared, time: time).count
                _ = try SignedCheckpoint(checkpoint: appender.checkpoint, signedBy: ledgerKey)
            }
            bestAppend = min(bestAppend, seconds(ContinuousClock.now - start))
            precondition(appended == batches * (batchSize + 1))
        }
        if appendOnly {
            print("core append work  \(TextFormat.grouped(Int64(n / bestAppend))) entries/s")
            return
        }
        // The ledger to verify: the same inputs through the in-memory ledger, with genesis and key entries.
        let ledger = try InMemoryLedger(origin: origin, suite: suite, ledgerKey: ledgerKey, admin: admin)
        try ledger.enroll(officer.verifierKey, role: .officer, units: [Sample.homeUnit])
        for (i, items) in inputs.enumerated() {
            try ledger.appendBatch(id: "bench-\(i)", program: Sample.program, period: "2025-autumn", unit: Sample.homeUnit, items: items, officer: officer)
        }
        let entryBytes = ledger.entries.filter { $0.kind == .payment }.map(\.bytes)
        let meanSize = entryBytes.reduce(0) { $0 + $1.count } / max(1, entryBytes.count)

        var bestRaw = Double.infinity
        let h = suite.makeHashFunction()
        var sink = Digest32.zero
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            for e in entryBytes { sink = e.withUnsafeBytes { h.hash($0) } }
            bestRaw = min(bestRaw, seconds(ContinuousClock.now - start))
        }
        let bundle = ledger.bundle()
        var bestVerify = Double.infinity
        var intact = true
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            let report = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
            bestVerify = min(bestVerify, seconds(ContinuousClock.now - start))
            intact = intact && report.intact
        }
        guard intact else { throw CLIError("the benchmark ledger did not verify") }
        let raw = n / bestRaw, append = n / bestAppend, verify = Double(ledger.entries.count) / bestVerify
        print("suite \(suite.rawValue), \(TextFormat.grouped(Int64(n))) payments in batches of \(TextFormat.grouped(Int64(batchSize))), mean payment entry \(meanSize) bytes, best of \(repetitions)")
        print("  raw \(suite.hashAlgorithm.rawValue) of the entry bytes  \(TextFormat.pad(TextFormat.grouped(Int64(raw)), 12, right: true)) entries/s   (baseline)")
        // The targets (issue 2) are for the default suite; SM3 alone is several times slower than SHA-256 here.
        let target = suite == .ed25519SHA256 ? "   target ≥ 300,000" : ""
        print("  core append work              \(TextFormat.pad(TextFormat.grouped(Int64(append)), 12, right: true)) entries/s   ratio \(ratio(append, raw))\(target)")
        print("  bundle verification           \(TextFormat.pad(TextFormat.grouped(Int64(verify)), 12, right: true)) entries/s   ratio \(ratio(verify, raw))\(target)")
        _ = sink
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    func ratio(_ a: Double, _ b: Double) -> String { String(format: "%.3f", a / b) }
}

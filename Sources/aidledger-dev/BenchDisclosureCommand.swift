import ArgumentParser
import EmbeddedPostgres
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import LedgerSamples
import LedgerServices
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

struct BenchDisclosureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-disclosure",
        abstract: "Benchmark a 公示 export of 1,000,000 payments against PostgreSQL's COPY … TO STDOUT (FORMAT csv) of the same list (build with -c release).",
        discussion: """
            On a throwaway embedded cluster: one ledger filled with --payments payments through the append path (batches of \\
            --batch-size, each prepared, signed and appended with its claims) and a few reversals. Then, alternating \\
            --repeat times: (1) the export as `aidledger disclose` makes it (DisclosureExports.publish: the ledger verified \\
            with its openings, names and categories read with the read recorded, list, totals and categories as CSV, XLSX and \\
            HTML, the manifest signed, the public bundle, the disclosure entry appended), with its phases; (2) the baseline: \\
            the list's columns, names already masked, in a plain table loaded once by COPY, written by the server with \\
            COPY (SELECT … ORDER BY …) TO STDOUT (FORMAT csv). Prints both, the ratio and the files' sizes.
            """
    )

    @Option(name: .long, help: "Payments in the ledger.")
    var payments: Int = 1_000_000

    @Option(name: .long, help: "Payments per batch (one append each).")
    var batchSize: Int = 10_000

    @Option(name: .long, help: "Export runs and baseline runs, alternating.")
    var `repeat`: Int = 1

    func run() throws {
        guard payments >= 1, payments <= 5_000_000, batchSize >= 1, batchSize <= 100_000, `repeat` >= 1, `repeat` <= 10 else {
            throw CLIError("--payments 1…5,000,000, --batch-size 1…100,000, --repeat 1…10")
        }
        let loadBefore = loadAverage()
        let work = "/tmp/aidledger-bench-disclosure-\(getpid())"
        try Files.makeDirectory(work, mode: 0o700)
        let server = try EmbeddedPostgres(directory: work + "/cluster")
        try server.start()
        try server.stopWhenProcessExits(getpid(), removeDirectory: true)
        defer {
            try? server.stop()
            try? FileManager.default.removeItem(atPath: work)
        }
        let store = try LedgerStore.connect(server.connectionString())
        try store.migrate()

        let unit = "430626", period = "2025-autumn", suite = Suite.ed25519SHA256
        let keys = work + "/keys"
        let created = try LedgerAdministration.createLedger(store, origin: "aidledger.example/bench-disclosure/" + unit, suite: suite, keyDirectory: keys)
        let officer = try LedgerAdministration.loadOrCreateKey(directory: keys, file: "officer.key", name: created.ledger.origin + "/officer/1", suite: suite)
        _ = try LedgerAdministration.enroll(store, created.ledger, subject: officer.verifierKey, role: .officer, units: [unit], admin: created.admin,
                                            ledgerKey: created.ledgerKey)
        let personKeys = try PersonKeys(try PersonKeyFile.read(directory: keys))

        // The payments through the append path; the baseline's rows as the list will show them.
        var clock = ContinuousClock.now
        var rng = SplitMix64(seed: 2026)
        var rows: [DisclosureBaseline.Row] = []
        rows.reserveCapacity(payments)
        var firstSeqs: [UInt64] = []
        let progress = ProgressLine("appending")
        var done = 0
        while done < payments {
            let count = min(batchSize, payments - done)
            let items = DemoData.boardingSubsidyPayments(count: count, unit: unit, period: period, rng: &rng)
            let now = nowTimestamp()
            let prepared = try BatchBuilder.prepare(batchID: "bench-\(firstSeqs.count + 1)", program: Sample.program, period: period, unit: unit, items: items,
                                                    origin: created.ledger.origin, signedAt: now, officer: officer)
            guard case .appended(let receipt) = try store.append(created.ledger, [.batch(prepared, claims: try personKeys.claims(for: prepared))], time: now,
                                                                 ledgerKey: created.ledgerKey)[0] else {
                throw CLIError("batch \(firstSeqs.count + 1) was refused")
            }
            firstSeqs.append(receipt.firstSeq)
            for (i, item) in items.enumerated() {
                rows.append(.init(seq: Int64(receipt.firstSeq + 1 + UInt64(i)), maskedName: NameMask.mask(item.personal[.name] ?? ""), unit: unit,
                                  schoolCode: item.schoolCode, schoolName: item.schoolName, grade: item.grade, program: Sample.program, period: period,
                                  amountFen: item.amountFen, reversed: false))
            }
            done += count
            progress.update(UInt64(done), of: UInt64(payments))
        }
        progress.finish()
        let appendSeconds = elapsed(since: clock)
        // Reversals: one in 20,000 payments, at least one.
        var reversedSeqs = Set<Int64>()
        for k in 0..<max(1, payments / 20_000) {
            let row = (k * 7_919) % rows.count
            guard reversedSeqs.insert(rows[row].seq).inserted else { continue }
            _ = try Submissions.reverse(store, created.ledger, seq: UInt64(rows[row].seq), reason: "重复发放，已追回", officer: officer, ledgerKey: created.ledgerKey)
            rows[row].reversed = true
        }
        print("appended \(TextFormat.grouped(Int64(payments))) payments in \(firstSeqs.count) batches in \(String(format: "%.1f", appendSeconds)) s, \(reversedSeqs.count) reversals")

        let baseline = try DisclosureBaseline(store)
        clock = ContinuousClock.now
        try baseline.load(rows)
        print("baseline table loaded by COPY in \(elapsedText(since: clock))")
        let request = DisclosureRequest(units: [unit], periods: [period], title: "平江县2025年秋季学期寄宿生生活补助公示", publicityStart: "2025-10-09",
                                        publicityEnd: "2025-10-17", contact: "平江县学生资助管理中心 0730-6221234")
        var exportRuns: [(total: Double, cpu: Double, phases: [(String, Double)], sizes: [(String, Int64)])] = []
        var copyRuns: [(seconds: Double, bytes: Int)] = []
        for n in 0..<`repeat` {
            print("\n== export run \(n + 1): DisclosureExports.publish")
            fflush(nil)
            let start = ContinuousClock.now, cpuStart = processCPUSeconds()
            var phases: [(String, ContinuousClock.Instant)] = []
            let outcome = try DisclosureExports.publish(store, created.ledger, DisclosureExportRequest(request: request), ledgerKey: created.ledgerKey,
                                                        principal: "local:bench", directory: work + "/out-\(n)") { phase in
                phases.append((phase, ContinuousClock.now))
                print(String(format: "  %7.2f s  ", elapsed(since: start)) + phase)
                fflush(nil)
            }
            let total = elapsed(since: start), cpu = processCPUSeconds() - cpuStart
            var phaseSeconds: [(String, Double)] = []
            for (i, p) in phases.enumerated() {
                let end = i + 1 < phases.count ? phases[i + 1].1 : ContinuousClock.now
                let d = end - p.1
                phaseSeconds.append((p.0, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18))
            }
            guard outcome.manifest.summary.payments == Int64(payments), outcome.manifest.summary.reversed == Int64(reversedSeqs.count) else {
                throw CLIError("the export lists \(outcome.manifest.summary.payments) payments (\(outcome.manifest.summary.reversed) reversed), expected \(payments) (\(reversedSeqs.count))")
            }
            exportRuns.append((total, cpu, phaseSeconds, outcome.manifest.files.map { ($0.name, $0.bytes) }))
            print("== baseline run \(n + 1): COPY (SELECT … ORDER BY …) TO STDOUT (FORMAT csv)")
            let copyStart = ContinuousClock.now
            let bytes = try baseline.copyListCSV()
            copyRuns.append((elapsed(since: copyStart), bytes))
            print(String(format: "  %7.2f s  %@ bytes", copyRuns.last?.seconds ?? 0, TextFormat.grouped(Int64(bytes))))
        }

        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        print("\n== bench-disclosure: \(TextFormat.grouped(Int64(payments))) payments in one ledger, \(reversedSeqs.count) reversed")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs; load average \(loadBefore) at the start, \(loadAverage()) at the end")
        for (n, r) in exportRuns.enumerated() {
            print("export run \(n + 1): \(String(format: "%.2f", r.total)) s end to end (CPU \(String(format: "%.2f", r.cpu)) s)")
            for (name, s) in r.phases { print("  \(String(format: "%7.2f", s)) s  \(name)") }
        }
        if let sizes = exportRuns.first?.sizes {
            print("files: " + sizes.map { "\($0.0) \(TextFormat.grouped($0.1 / 1024)) KiB" }.joined(separator: ", "))
        }
        for (n, c) in copyRuns.enumerated() {
            print("baseline run \(n + 1): COPY TO STDOUT (FORMAT csv) \(String(format: "%.2f", c.seconds)) s, \(TextFormat.grouped(Int64(c.bytes))) bytes")
        }
        let bestExport = exportRuns.map(\.total).min() ?? 0, bestCopy = copyRuns.map(\.seconds).min() ?? 0
        print("peak memory of this process (generator included, ru_maxrss): \(TextFormat.grouped(Int64(usage.ru_maxrss / 1024))) MiB")
        print("→ export / COPY list CSV \(String(format: "%.1f", bestExport / max(bestCopy, 0.001))) (best of \(`repeat`) each; target: export ≤ 60 s)")
    }
}

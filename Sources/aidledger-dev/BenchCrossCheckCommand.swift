import ArgumentParser
import EmbeddedPostgres
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerSamples
import LedgerServices
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

struct BenchCrossCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-crosscheck",
        abstract: "Benchmark the cross-county check end to end against the same rules as plain SQL joins (build with -c release).",
        discussion: """
            On a fresh database (a throwaway embedded cluster, or --database): 12 ledgers of the Yueyang units filled with \\
            --payments payments through the append path (batches of --batch-size, each prepared, signed and appended with \\
            its claims), reversals, and the enrollment, certificate and identity registries written as CSV files and \\
            imported as snapshots (RegistryImport, the path of `aidledger registry import`), with a known sprinkling of \\
            irregularities. Then, in the same run: (1) the cross-check as `aidledger crosscheck run` does it \\
            (CrossCheckRuns.run: every ledger verified with its openings and read, the snapshots read, the rules, the \\
            report written, anchored in every ledger), in a child process so that its peak memory is its own; (2) the \\
            baseline: the payments' clear fields and the registry rows loaded by COPY into plain tables (timed on its \\
            own), then XC-02, XC-03, XC-05, XC-07 and XC-08 as SQL joins. Prints the phases, peak memory, the ratio, and \\
            checks that the engine, the SQL and the generator's answer key agree.
            """
    )

    @Option(name: .long, help: "Payments in all (both terms).")
    var payments: Int = 1_000_000

    @Option(name: .long, help: "Enrollment rows (default: as many as payments).")
    var students: Int?

    @Option(name: .long, help: "Certificate rows (default: 30 % of payments).")
    var certificates: Int?

    @Option(name: .long, help: "Identity rows (default: as many as students).")
    var identity: Int?

    @Option(name: .long, help: "1: every payment in the checked term (2025-autumn); 2: 2025-spring too (read as context).")
    var terms: Int = 2

    @Option(name: .long, help: "Irregularities of each kind (default: one per 20,000 payments, at least 1).")
    var irregularities: Int?

    @Option(name: .long, help: "Payments per batch (one append each).")
    var batchSize: Int = 10_000

    @Option(name: .long, help: "Engine runs and SQL runs, alternating.")
    var `repeat`: Int = 1

    @Option(name: .long, help: "Seed for the generated city.")
    var seed: UInt64 = 2026

    @Option(name: .long, help: "An existing database to use (it gets 12 more ledgers, snapshots and tables named xb_*); default: a throwaway embedded cluster.")
    var database: String?

    @Option(name: .long, help: .hidden)
    var engineOnly: String?

    /// Profiling: leave the cluster running and the work directory in place, to rerun the engine alone.
    @Flag(name: .long, help: .hidden)
    var keep = false

    func run() throws {
        if let work = engineOnly {
            guard let database else { throw CLIError("--engine-only needs --database") }
            return try EngineRun.run(work: work, conninfo: database)
        }
        #if DEBUG
        print("warning: this is a debug build; run `swift build -c release --scratch-path .build-release` and .build-release/release/aidledger-dev for real figures\n")
        #endif
        guard payments >= 100, batchSize >= 1, `repeat` >= 1 else { throw CLIError("need --payments ≥ 100, --batch-size ≥ 1, --repeat ≥ 1") }
        let sizes = BenchCity.Sizes(payments: payments, students: students ?? payments, certificates: certificates ?? payments * 3 / 10,
                                    identity: identity ?? students ?? payments, terms: terms, irregularities: irregularities ?? max(1, payments / 20_000),
                                    batchSize: batchSize)
        let loadBefore = loadAverage()

        var clock = ContinuousClock.now
        let city: BenchCity
        do { city = try BenchCity.generate(sizes, seed: seed) } catch let error as BenchCity.SizeError { throw CLIError(error.description) }
        print("generated the city in \(elapsedText(since: clock)): \(TextFormat.grouped(Int64(city.batches.reduce(0) { $0 + $1.items.count }))) payments in \(city.batches.count) batches, \(TextFormat.grouped(Int64(city.registries.enrollment.count))) enrollment, \(TextFormat.grouped(Int64(city.registries.certificates.count))) certificate, \(TextFormat.grouped(Int64(city.registries.identity.count))) identity rows, \(city.expected.count) injected findings")

        // The database and the work directory (keys, registry files, the run's output).
        let work = "/tmp/aidledger-bench-xc-\(getpid())"
        try Files.makeDirectory(work, mode: 0o700)
        var server: EmbeddedPostgres? = nil
        let conninfo: String
        if let database {
            conninfo = database
        } else {
            let s = try EmbeddedPostgres(directory: work + "/cluster")
            try s.start()
            if !keep { try s.stopWhenProcessExits(getpid(), removeDirectory: true) }
            server = s
            conninfo = s.connectionString()
        }
        defer {
            if keep {
                print("\nkept \(work); rerun the engine alone with: aidledger-dev bench-crosscheck --engine-only \(work) --database '\(conninfo)'")
            } else {
                try? server?.stop()
                try? FileManager.default.removeItem(atPath: work)
            }
        }
        let store = try LedgerStore.connect(conninfo)
        try store.migrate()

        // Ledgers, keys and the city inspector, as `aidledger demo` sets them up.
        let keys = work + "/keys", prefix = "aidledger.example/bench-\(getpid())/"
        let suite = Suite.ed25519SHA256
        let inspector = try LedgerAdministration.loadOrCreateKey(directory: keys, file: "inspector.key", name: prefix + "inspector/1", suite: suite)
        _ = try PersonKeyFile.loadOrCreate(directory: keys)
        var ledgers: [(record: LedgerRecord, ledgerKey: NamedSigningKey, officer: NamedSigningKey, personKeys: PersonKeys)] = []
        for unit in city.units {
            let directory = keys + "/" + unit.code
            let created = try LedgerAdministration.createLedger(store, origin: prefix + unit.code, suite: suite, keyDirectory: directory)
            let officer = try LedgerAdministration.loadOrCreateKey(directory: directory, file: "officer.key", name: prefix + unit.code + "/officer/1", suite: suite)
            _ = try LedgerAdministration.enroll(store, created.ledger, subject: officer.verifierKey, role: .officer, units: [unit.code], admin: created.admin,
                                                ledgerKey: created.ledgerKey)
            _ = try LedgerAdministration.enroll(store, created.ledger, subject: inspector.verifierKey, role: .inspector, units: [allUnitsScope],
                                                admin: created.admin, ledgerKey: created.ledgerKey)
            ledgers.append((created.ledger, created.ledgerKey, officer, try PersonKeys(try PersonKeyFile.read(directory: directory))))
        }

        // The batches through the append path: prepared and signed by the unit's officer, claims, one append each.
        clock = ContinuousClock.now
        var clear: [CrossCheckBaseline.Payment] = []
        clear.reserveCapacity(payments)
        var firstSeqs: [UInt64] = []
        let progress = ProgressLine("appending")
        let total = UInt64(city.batches.reduce(0) { $0 + $1.items.count })
        var done: UInt64 = 0
        for batch in city.batches {
            let l = ledgers[batch.unit]
            let now = nowTimestamp()
            let prepared = try BatchBuilder.prepare(batchID: batch.batchID, program: batch.program, period: batch.period, unit: city.units[batch.unit].code,
                                                    items: batch.items, origin: l.record.origin, signedAt: now, officer: l.officer)
            guard case .appended(let receipt) = try store.append(l.record, [.batch(prepared, claims: try l.personKeys.claims(for: prepared))], time: now,
                                                                 ledgerKey: l.ledgerKey)[0] else {
                throw CLIError("batch \(batch.batchID) of \(l.record.origin) was refused")
            }
            firstSeqs.append(receipt.firstSeq)
            for (i, item) in batch.items.enumerated() {
                clear.append(.init(origin: l.record.origin, seq: receipt.firstSeq + 1 + UInt64(i), unit: item.unit, schoolCode: item.schoolCode,
                                   program: batch.program, period: batch.period, stage: item.stage, boarding: item.boarding, amountFen: item.amountFen,
                                   accountType: item.accountType, paidDate: item.paidDate, supplementary: item.supplementaryReason != nil,
                                   idNumber: item.value(.idNumber) ?? "", name: item.value(.name), category: item.value(.category),
                                   certType: item.value(.certType), certNumber: item.value(.certNumber), accountNumber: item.value(.accountNumber)))
            }
            done += UInt64(batch.items.count)
            progress.update(done, of: total)
        }
        progress.finish()
        let appendSeconds = elapsed(since: clock)
        var reversed: [(origin: String, seq: UInt64)] = []
        for r in city.reversals {
            let batch = city.batches[r.batch], l = ledgers[batch.unit]
            let seq = firstSeqs[r.batch] + 1 + UInt64(r.item)
            _ = try Submissions.reverse(store, l.record, seq: seq, reason: "重复发放，已由本单位追回", officer: l.officer, ledgerKey: l.ledgerKey)
            reversed.append((l.record.origin, seq))
        }
        print("appended \(TextFormat.grouped(Int64(total))) payments to 12 ledgers in \(String(format: "%.1f", appendSeconds)) s (\(TextFormat.grouped(Int64(Double(total) / appendSeconds)))/s, prepare + claims + append), \(reversed.count) reversals")

        // The registries as the files the departments deliver, imported as snapshots (`aidledger registry import`).
        clock = ContinuousClock.now
        let registryPersonKeys = try PersonKeys(try PersonKeyFile.read(directory: keys))
        for kind in RegistryKind.allCases {
            let path = work + "/registry-\(kind.rawValue).csv"
            try Files.write(path, city.csv(kind), mode: 0o600)
            _ = try RegistryImport.run(store: store, kind: kind, path: path, asOf: BenchCity.registriesAsOf, personKeys: registryPersonKeys)
            try FileManager.default.removeItem(atPath: path)
        }
        print("imported the three registries (CSV → RegistryImport) in \(elapsedText(since: clock))")

        // The measured runs: the engine in a child process, then the SQL baseline, alternating.
        let baseline = try CrossCheckBaseline(store)
        clock = ContinuousClock.now
        try baseline.load(payments: clear, reversals: reversed, registries: city.registries, reference: Self.analystReference)
        let copySeconds = elapsed(since: clock)
        let copiedRows = clear.count + city.registries.enrollment.count + city.registries.certificates.count + city.registries.identity.count
        var engineRuns: [EngineRun.Result] = []
        var sqlRuns: [[(step: String, seconds: Double, hits: Set<CrossCheckBaseline.Hit>)]] = []
        for _ in 0..<`repeat` {
            print("\n== engine run \(engineRuns.count + 1): CrossCheckRuns.run over the 12 ledgers, child process")
            fflush(nil)
            var engineRun = try EngineRun.spawn(work: work, conninfo: conninfo, prefix: prefix)
            engineRun.findings = try Agreement.findings(reportPath: work + "/out/report.json").count
            engineRuns.append(engineRun)
            print("== SQL baseline run \(sqlRuns.count + 1)")
            var steps: [(step: String, seconds: Double, hits: Set<CrossCheckBaseline.Hit>)] = []
            for step in baseline.steps {
                let start = ContinuousClock.now
                let hits = try baseline.run(step: step, period: BenchCity.period, periodStart: BenchCity.periodStart)
                steps.append((step, elapsed(since: start), hits))
                print("  \(TextFormat.pad(step, 16)) \(String(format: "%7.2f", steps.last?.seconds ?? 0)) s  \(hits.count) hits")
            }
            sqlRuns.append(steps)
        }
        try baseline.drop()
        let loadAfter = loadAverage()

        // Do the engine, the SQL and the answer key agree?
        let personKey = { (id: String) in Hex.encode(registryPersonKeys.personKey(idNumber: id)) }
        let expected = Set(city.expected.map { Agreement.Key(rule: $0.rule, person: personKey($0.idNumber), program: $0.program) })
        let engineFound = try Agreement.findings(reportPath: work + "/out/report.json")
        let sqlFound = Set((sqlRuns.last ?? []).flatMap(\.hits).map { Agreement.Key(rule: $0.rule, person: personKey($0.idNumber), program: $0.program) })
        let sqlRules = Set(baseline.steps.dropFirst())

        // The figures.
        print("\n== bench-crosscheck: \(TextFormat.grouped(Int64(total))) payments in 12 ledgers (\(terms == 2 ? "2025-spring and 2025-autumn" : "2025-autumn"), checked: \(BenchCity.period)), \(TextFormat.grouped(Int64(city.registries.enrollment.count))) enrollment, \(TextFormat.grouped(Int64(city.registries.certificates.count))) certificate, \(TextFormat.grouped(Int64(city.registries.identity.count))) identity rows")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs; load average \(loadBefore) at the start, \(loadAfter) at the end")
        for (n, r) in engineRuns.enumerated() {
            print("engine run \(n + 1): \(String(format: "%.2f", r.totalSeconds)) s end to end (CPU of the process \(String(format: "%.2f", r.cpuSeconds)) s), peak memory (ru_maxrss) \(TextFormat.grouped(Int64(r.maxRSSKiB / 1024))) MiB, \(TextFormat.grouped(Int64(r.payments))) payments read, \(r.findings) findings, \(r.anchored) anchors")
            print("  \(TextFormat.pad("phase", 38)) wall s    CPU s")
            for phase in r.condensedPhases { print("  \(TextFormat.pad(phase.name, 38)) \(String(format: "%7.2f  %7.2f", phase.seconds, phase.cpu))") }
        }
        print("SQL baseline: COPY of \(TextFormat.grouped(Int64(copiedRows))) rows into plain tables and ANALYZE \(String(format: "%.2f", copySeconds)) s")
        for (n, steps) in sqlRuns.enumerated() {
            let queries = steps.reduce(0) { $0 + $1.seconds }
            print("SQL run \(n + 1): queries \(String(format: "%.2f", queries)) s (" + steps.map { "\($0.step) \(String(format: "%.2f", $0.seconds))" }.joined(separator: ", ") + ")")
        }
        let bestEngine = engineRuns.map(\.totalSeconds).min() ?? 0
        let bestQueries = sqlRuns.map { $0.reduce(0) { $0 + $1.seconds } }.min() ?? 0
        print(String(format: "→ engine / SQL queries %.2f, engine / (COPY + SQL queries) %.2f", bestEngine / max(bestQueries, 1e-9),
                     bestEngine / max(bestQueries + copySeconds, 1e-9)) + " (best of \(`repeat`) each; target: engine ≤ 30 s and ratio ≤ 1)")
        Agreement.report(expected: expected, engine: engineFound, sql: sqlFound, sqlRules: sqlRules)
    }

    /// The reference tables an analyst types from the rules and standards (the seed configuration, Config/crosscheck),
    /// for the programmes this city pays.
    static let analystReference = CrossCheckBaseline.Reference(
        programNames: [
            ("寄宿生生活补助", "寄宿生生活补助", true), ("寄宿生补助", "寄宿生生活补助", true), ("家庭经济困难寄宿生生活补助", "寄宿生生活补助", true),
            ("义务教育寄宿生生活补助", "寄宿生生活补助", true), ("非寄宿生生活补助", "非寄宿生生活补助", true),
            ("义务教育非寄宿生生活补助", "非寄宿生生活补助", true), ("普通高中国家助学金", "普通高中国家助学金", true),
            ("普高国家助学金", "普通高中国家助学金", true), ("高中国家助学金", "普通高中国家助学金", true),
        ],
        categoryCertTypes: [("建档立卡", "脱贫户"), ("建档立卡", "建档立卡户"), ("脱贫", "脱贫户"), ("监测", "监测对象"), ("低保", "低保证"),
                            ("特困", "特困人员救助供养证"), ("孤儿", "孤儿证"), ("残疾", "残疾人证")],
        standards: [
            .init(program: "寄宿生生活补助", stage: .primary, boarding: true, region: "*", effectiveFrom: "2019-09-01", effectiveTo: "2023-12-31",
                  yearlyMinFen: 100_000, yearlyMaxFen: 100_000, shareNumerator: 1, shareDenominator: 2),
            .init(program: "寄宿生生活补助", stage: .junior, boarding: true, region: "*", effectiveFrom: "2019-09-01", effectiveTo: "2023-12-31",
                  yearlyMinFen: 125_000, yearlyMaxFen: 125_000, shareNumerator: 1, shareDenominator: 2),
            .init(program: "寄宿生生活补助", stage: .primary, boarding: true, region: "*", effectiveFrom: "2024-01-01", effectiveTo: nil,
                  yearlyMinFen: 125_000, yearlyMaxFen: 125_000, shareNumerator: 1, shareDenominator: 2),
            .init(program: "寄宿生生活补助", stage: .junior, boarding: true, region: "*", effectiveFrom: "2024-01-01", effectiveTo: nil,
                  yearlyMinFen: 150_000, yearlyMaxFen: 150_000, shareNumerator: 1, shareDenominator: 2),
            .init(program: "非寄宿生生活补助", stage: .primary, boarding: false, region: "*", effectiveFrom: "2019-09-01", effectiveTo: "2023-12-31",
                  yearlyMinFen: 50_000, yearlyMaxFen: 50_000, shareNumerator: 1, shareDenominator: 2),
            .init(program: "非寄宿生生活补助", stage: .junior, boarding: false, region: "*", effectiveFrom: "2019-09-01", effectiveTo: "2023-12-31",
                  yearlyMinFen: 62_500, yearlyMaxFen: 62_500, shareNumerator: 1, shareDenominator: 2),
            .init(program: "非寄宿生生活补助", stage: .primary, boarding: false, region: "*", effectiveFrom: "2024-01-01", effectiveTo: nil,
                  yearlyMinFen: 62_500, yearlyMaxFen: 62_500, shareNumerator: 1, shareDenominator: 2),
            .init(program: "非寄宿生生活补助", stage: .junior, boarding: false, region: "*", effectiveFrom: "2024-01-01", effectiveTo: nil,
                  yearlyMinFen: 75_000, yearlyMaxFen: 75_000, shareNumerator: 1, shareDenominator: 2),
            .init(program: "普通高中国家助学金", stage: .senior, boarding: nil, region: "*", effectiveFrom: "2016-09-01", effectiveTo: "2024-12-31",
                  yearlyMinFen: 100_000, yearlyMaxFen: 300_000, shareNumerator: 1, shareDenominator: 2),
            .init(program: "普通高中国家助学金", stage: .senior, boarding: nil, region: "*", effectiveFrom: "2025-01-01", effectiveTo: nil,
                  yearlyMinFen: 150_000, yearlyMaxFen: 350_000, shareNumerator: 1, shareDenominator: 2),
        ]
    )
}

/// The load averages (1, 5, 15 minutes) as the benchmarks print them: the machine is shared, so every figure says
/// how busy it was.
func loadAverage() -> String {
    var load = [Double](repeating: 0, count: 3)
    guard getloadavg(&load, 3) == 3 else { return "?" }
    return load.map { String(format: "%.1f", $0) }.joined(separator: " / ")
}

func elapsed(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// User and system CPU time of this process, all threads.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func elapsedText(since start: ContinuousClock.Instant) -> String { String(format: "%.1f s", elapsed(since: start)) }

/// The measured engine run: `CrossCheckRuns.run` as `aidledger crosscheck run` calls it, in a child process of the
/// benchmark (`--engine-only`), which writes its phases and peak memory to `work/engine-result.json`.
enum EngineRun {
    struct Result {
        var phases: [(name: String, seconds: Double, cpu: Double)]
        var totalSeconds: Double
        var cpuSeconds: Double
        var maxRSSKiB: Int
        var payments: Int
        var findings: Int
        var anchored: Int

        /// The phases with the per-ledger ones summed into one line (and the slowest ledger named).
        var condensedPhases: [(name: String, seconds: Double, cpu: Double)] {
            let ledgers = phases.filter { $0.name.hasPrefix("verify+read ") }
            var out: [(name: String, seconds: Double, cpu: Double)] = []
            var addedLedgers = false
            for p in phases {
                if p.name.hasPrefix("verify+read ") {
                    guard !addedLedgers else { continue }
                    addedLedgers = true
                    let sum = ledgers.reduce(0) { $0 + $1.seconds }, cpu = ledgers.reduce(0) { $0 + $1.cpu }
                    let slowest = ledgers.max { $0.seconds < $1.seconds }
                    out.append(("verify+read \(ledgers.count) ledgers", sum, cpu))
                    if let slowest { out.append(("  slowest: " + String(slowest.name.split(separator: "/").last ?? ""), slowest.seconds, slowest.cpu)) }
                } else {
                    out.append(p)
                }
            }
            return out
        }
    }

    /// Starts this program with `--engine-only` and waits for it.
    static func spawn(work: String, conninfo: String, prefix: String) throws -> Result {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        try Files.write(work + "/engine-prefix", Array(prefix.utf8), mode: 0o600)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["bench-crosscheck", "--engine-only", work, "--database", conninfo]
        try child.run()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else { throw CLIError("the engine run failed (exit status \(child.terminationStatus))") }
        let json = try JSONParser.parse(Array(try Files.read(work + "/engine-result.json")), mode: .lenient)
        guard let o = json.objectValue, let phases = o["phases"]?.arrayValue else { throw CLIError("engine-result.json is not readable") }
        func int(_ key: String) -> Int { Int(o[key]?.intValue ?? 0) }
        return Result(phases: phases.compactMap { p in
                          guard let name = p.objectValue?["name"]?.stringValue, let us = p.objectValue?["micros"]?.intValue else { return nil }
                          return (name, Double(us) / 1e6, Double(p.objectValue?["cpu_micros"]?.intValue ?? 0) / 1e6)
                      },
                      totalSeconds: Double(int("total_micros")) / 1e6, cpuSeconds: Double(int("cpu_micros")) / 1e6, maxRSSKiB: int("maxrss_kib"), payments: int("payments"),
                      findings: 0, anchored: int("anchored"))
    }

    /// The child's side: one run over the ledgers whose origin starts with the prefix the parent wrote, timed by
    /// its progress messages.
    static func run(work: String, conninfo: String) throws {
        let store = try LedgerStore.connect(conninfo)
        let prefix = String(decoding: try Files.read(work + "/engine-prefix"), as: UTF8.self)
        let keys = work + "/keys"
        let rules = FileManager.default.fileExists(atPath: "Config/crosscheck/rules.csv") ? "Config/crosscheck"
            : try CrossCheckRuns.installBuiltInRules(into: work + "/crosscheck")
        let pairing = [rules + "/pairing-yueyang.csv"].first { FileManager.default.fileExists(atPath: $0) }
        let inspector = try KeyFile.read(keys + "/inspector.key")
        let origins = try store.ledgers().map(\.origin).filter { $0.hasPrefix(prefix) }
        let request = CrossCheckRequest(period: BenchCity.period, origins: origins, configurationDirectory: rules, pairingFile: pairing, inspector: inspector,
                                        outDirectory: work + "/out", reveal: false, purpose: nil, asOf: BenchCity.registriesAsOf, anchor: true)
        let start = ContinuousClock.now, startCPU = processCPUSeconds()
        var marks: [(message: String, at: Double, cpu: Double)] = []
        let outcome = try CrossCheckRuns.run(store, keyDirectory: keys, request: request) { message in
            let at = elapsed(since: start)
            marks.append((message, at, processCPUSeconds() - startCPU))
            print(String(format: "  %6.2f s  ", at) + message)
        }
        let total = elapsed(since: start), totalCPU = processCPUSeconds() - startCPU
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)

        // Phases from the progress messages: each lasts until the next message of another phase.
        func phase(of message: String) -> String {
            if message.hasPrefix("reading the ") { return "registries read (ledgers meanwhile)" }
            if message.hasPrefix("verifying and reading ") || message.hasPrefix("verified and read ") || message.contains(" does not verify: ") {
                return "the rest of the ledgers"
            }
            if message.hasPrefix("checking ") { return "engine (rules)" }
            if message.hasPrefix("writing the report") { return "report (diff, json, csv, html, files)" }
            if message.hasPrefix("anchoring ") { return "anchoring (12 crosscheck entries)" }
            return message
        }
        var phases: [(name: String, from: Double, cpu: Double)] = [("configuration, person keys", 0, 0)]
        for m in marks {
            let name = phase(of: m.message)
            if phases.last?.name != name { phases.append((name, m.at, m.cpu)) }
        }
        var list: [JSONValue] = []
        for (i, p) in phases.enumerated() {
            let end = i + 1 < phases.count ? phases[i + 1].from : total
            let endCPU = i + 1 < phases.count ? phases[i + 1].cpu : totalCPU
            list.append(.object(["name": .string(p.name), "micros": .int(Int64((end - p.from) * 1e6)), "cpu_micros": .int(Int64((endCPU - p.cpu) * 1e6))]))
        }
        let paymentsRead = outcome.ledgers.reduce(0) { $0 + $1.payments.count }
        var result = JSONObject()
        result["phases"] = .array(list)
        result["total_micros"] = .int(Int64(total * 1e6))
        result["cpu_micros"] = .int(Int64(totalCPU * 1e6))
        result["maxrss_kib"] = .int(Int64(usage.ru_maxrss))
        result["payments"] = .int(Int64(paymentsRead))
        result["anchored"] = .int(Int64(outcome.anchored.count))
        try Files.write(work + "/engine-result.json", CanonicalJSON.encode(.object(result)), mode: 0o600)
    }
}

/// Whether the engine's findings, the SQL baseline's hits and the generator's answer key agree.
enum Agreement {
    struct Key: Hashable, Comparable {
        let rule: String
        /// The person key (hex) the report names.
        let person: String
        let program: String

        static func < (a: Key, b: Key) -> Bool { (a.rule, a.person, a.program) < (b.rule, b.person, b.program) }
    }

    /// The findings of a report.json: rule, person key, programme ("" when none).
    static func findings(reportPath: String) throws -> Set<Key> {
        let json = try JSONParser.parse(Array(try Files.read(reportPath)), mode: .lenient)
        guard let findings = json.objectValue?["findings"]?.arrayValue else { throw CLIError("\(reportPath) has no findings array") }
        return Set(findings.compactMap { f -> Key? in
            guard let o = f.objectValue, let rule = o["rule"]?.stringValue else { return nil }
            return Key(rule: rule, person: o["person"]?.objectValue?["key"]?.stringValue ?? "", program: o["program"]?.stringValue ?? "")
        })
    }

    static func report(expected: Set<Key>, engine: Set<Key>, sql: Set<Key>, sqlRules: Set<String>) {
        func counts(_ keys: Set<Key>) -> String {
            Dictionary(grouping: keys, by: \.rule).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", ")
        }
        let missed = expected.subtracting(engine), unexpected = engine.subtracting(expected)
        print("answer key: \(expected.count) findings (\(counts(expected)))")
        print("engine:     \(engine.count) findings (\(counts(engine))); \(missed.isEmpty && unexpected.isEmpty ? "exactly the answer key" : "\(missed.count) missed (\(counts(missed))), \(unexpected.count) unexpected (\(counts(unexpected)))")")
        let engineOfSQLRules = engine.filter { sqlRules.contains($0.rule) }
        let sqlMissed = engineOfSQLRules.subtracting(sql), sqlExtra = sql.subtracting(engineOfSQLRules)
        print("SQL:        \(sql.count) hits (\(counts(sql))); \(sqlMissed.isEmpty && sqlExtra.isEmpty ? "the same as the engine's findings of those rules" : "differs from the engine: \(sqlMissed.count) only in the engine (\(counts(sqlMissed))), \(sqlExtra.count) only in SQL (\(counts(sqlExtra)))")")
    }
}

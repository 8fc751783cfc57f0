import ArgumentParser
import EmbeddedPostgres
import Foundation
import LedgerClient
import LedgerCore
import LedgerSamples
import LedgerServices
import LedgerStore


struct BenchServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-server",
        abstract: "Benchmark aidledgerd over HTTP: single-payment receipts from concurrent clients, and 1,000-payment batches (build with -c release).",
        discussion: """
            Starts aidledgerd (the binary next to this one) on a throwaway embedded PostgreSQL, prepares and signs every \
            batch before timing, then: (1) --clients threads each submit single-payment batches, receipts/s and \
            p50/p99 latency; (2) batches of --batch-size payments from --batch-clients threads, payments/s. In the same \
            run, the baseline: the same kinds of batches appended in this process straight through LedgerStore, one \
            transaction each, with no HTTP and no group commit.
            """
    )

    @Option(name: .long, help: "Concurrent clients for single-payment batches.")
    var clients = 32

    @Option(name: .long, help: "Single-payment batches in all.")
    var receipts = 8_000

    @Option(name: .long, help: "Payments per large batch.")
    var batchSize = 1_000

    @Option(name: .long, help: "Large batches in all.")
    var batches = 200

    @Option(name: .long, help: "Concurrent clients for large batches.")
    var batchClients = 4

    @Option(name: .long, help: "Request body format: csv (what `aidledger submit` sends) or json.")
    var format = "csv"

    func run() throws {
        #if DEBUG
        print("warning: this is a debug build; run `swift build -c release --scratch-path .build-release` and .build-release/release/aidledger-dev bench-server for real figures\n")
        #endif
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("aidledgerd").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw CLIError("aidledgerd is not next to this binary (\(binary)); build both") }
        let dir = "/tmp/aidledger-bench-server-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let output = dir + "/daemon.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: binary)
        daemon.arguments = ["--data-dir", dir + "/data", "--listen-port", "0"]
        daemon.environment = ProcessInfo.processInfo.environment.merging(["AIDLEDGERD_DEMO_PAYMENTS_ON_FIRST_START": "0", "AIDLEDGERD_LOG_LEVEL": "warning"]) { $1 }
        daemon.standardOutput = FileHandle(forWritingAtPath: output)
        daemon.standardError = FileHandle(forWritingAtPath: output)
        try daemon.run()
        defer {
            daemon.terminate()
            // waitpid, not waitUntilExit: Foundation's Process was seen never to reap a daemon that leaves a
            // child of its own (the embedded cluster's watchdog) behind.
            var status: Int32 = 0
            _ = waitpid(daemon.processIdentifier, &status, 0)
            try? FileManager.default.removeItem(atPath: dir)
        }
        var url: String? = nil
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("aidledgerd listening on ") }) { url = String(line.dropFirst("aidledgerd listening on ".count)); break }
            guard daemon.isRunning else { throw CLIError("aidledgerd stopped: \(text.suffix(1000))") }
            usleep(100_000)
        }
        guard let url else { throw CLIError("aidledgerd did not start") }
        let officer = try KeyFile.read(dir + "/data/keys/officer-1.key")
        let token = String(decoding: try Files.read(dir + "/data/tokens/officer.token"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let origin = officer.name.components(separatedBy: "/officer/")[0]

        print("preparing and signing \(TextFormat.grouped(Int64(receipts))) single-payment batches and \(batches) batches of \(TextFormat.grouped(Int64(batchSize))) …")
        var rng = SplitMix64(seed: 7)
        // Signed now: the daemon refuses signatures dated outside its window around the append time.
        let time = nowTimestamp()
        func prepare(_ id: String, _ n: Int) throws -> PreparedBatch {
            let items = DemoData.boardingSubsidyPayments(count: n, unit: Sample.homeUnit, period: "2025-autumn", rng: &rng)
            return try BatchBuilder.prepare(batchID: id, program: Sample.program, period: "2025-autumn", unit: Sample.homeUnit, items: items,
                                            origin: origin, signedAt: time, officer: officer)
        }
        guard format == "csv" || format == "json" else { throw CLIError("--format must be csv or json") }
        func request(_ b: PreparedBatch) -> Request {
            if format == "json" { return Request(contentType: "application/json", body: BatchRequest.json(b), header: nil) }
            let csv = BatchRequest.csv(b)
            return Request(contentType: "text/csv", body: csv.body, header: csv.header)
        }
        let singles = try (0..<receipts).map { request(try prepare("s-\($0)", 1)) }
        let larges = try (0..<batches).map { request(try prepare("l-\($0)", batchSize)) }
        let baselineSingles = try (0..<min(2_000, receipts)).map { try prepare("bs-\($0)", 1) }
        let baselineLarges = try (0..<min(20, batches)).map { try prepare("bl-\($0)", batchSize) }

        // 1. Single-payment batches from concurrent clients.
        let m0 = try groupMetrics(url)
        let single = try load(url: url, token: token, bodies: singles, clients: clients)
        let m1 = try groupMetrics(url)
        // 2. Large batches.
        let large = try load(url: url, token: token, bodies: larges, clients: batchClients)
        let m2 = try groupMetrics(url)
        // 3. Fair service: a plain read's latency alone, then while 16 clients keep requesting verifications
        // (and a batch lands every second, so the cached report goes stale and verification runs again).
        let inspector = String(decoding: try Files.read(dir + "/data/tokens/inspector.token"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let idleReads = try plainReads(url: url, token: inspector, count: 200)
        let trickle = try (0..<120).map { request(try prepare("t-\($0)", 1)) }
        let busyReads = try plainReads(url: url, token: inspector, count: 200, verifiers: 16, trickle: (token, trickle))

        // Baseline, same run: LedgerStore.append in this process, one transaction per batch, no HTTP.
        let server = try EmbeddedPostgres(directory: dir + "/data")
        let store = try LedgerStore.connect(server.connectionString())
        let ledger = try store.ledger(origin: origin)
        let ledgerKey = try KeyFile.read(dir + "/data/keys/ledger.key")
        let personKeys = try PersonKeys(try PersonKeyFile.read(directory: dir + "/data/keys"))
        func appendDirect(_ b: PreparedBatch) throws { _ = try Submissions.append(store, ledger, .batch(b, claims: personKeys.claims(for: b)), time: time, ledgerKey: ledgerKey) }
        var start = ContinuousClock.now
        for b in baselineSingles { try appendDirect(b) }
        let directSingles = Double(baselineSingles.count) / (ContinuousClock.now - start).seconds
        start = ContinuousClock.now
        for b in baselineLarges { try appendDirect(b) }
        let directLarge = Double(baselineLarges.count * batchSize) / (ContinuousClock.now - start).seconds
        let verified = try store.head(ledger).size

        let receiptsPerSecond = Double(single.ok) / single.seconds
        let paymentsPerSecond = Double(large.ok * batchSize) / large.seconds
        print("aidledgerd over HTTP/1.1 on loopback, \(format) bodies, embedded PostgreSQL 15 (fsync and synchronous_commit on); \(TextFormat.grouped(Int64(verified))) entries at the end")
        print("  single-payment batches, \(clients) clients      \(TextFormat.pad(TextFormat.grouped(Int64(receiptsPerSecond)), 9, right: true)) receipts/s   p50 \(ms(single.p50)) ms   p99 \(ms(single.p99)) ms   errors \(single.errors)   target ≥ 2,000/s, p99 ≤ 50 ms")
        print("    baseline: LedgerStore.append in-process, one transaction each   \(TextFormat.pad(TextFormat.grouped(Int64(directSingles)), 9, right: true)) receipts/s   HTTP/direct \(String(format: "%.2f", receiptsPerSecond / directSingles))")
        print("  \(TextFormat.grouped(Int64(batchSize)))-payment batches, \(batchClients) clients          \(TextFormat.pad(TextFormat.grouped(Int64(paymentsPerSecond)), 9, right: true)) payments/s   p50 \(ms(large.p50)) ms   p99 \(ms(large.p99)) ms   errors \(large.errors)   target ≥ 50,000/s")
        print("    baseline: LedgerStore.append in-process, one transaction each   \(TextFormat.pad(TextFormat.grouped(Int64(directLarge)), 9, right: true)) payments/s   HTTP/direct \(String(format: "%.2f", paymentsPerSecond / directLarge))")
        print("  plain read (GET entries/5) while 16 clients request verifications   p50 \(ms(busyReads.p50)) ms   p99 \(ms(busyReads.p99)) ms   \(busyReads.verifications) verification answers   target p99 ≤ 1,000 ms")
        print("    baseline: the same reads with nothing else running             p50 \(ms(idleReads.p50)) ms   p99 \(ms(idleReads.p99)) ms   busy/idle p99 \(String(format: "%.1f", busyReads.p99 / max(idleReads.p99, 1e-6)))")
        let serverLog = (try? String(contentsOfFile: dir + "/data/postgres.log", encoding: .utf8)) ?? ""
        let lines = serverLog.split(separator: "\n")
        print("  PostgreSQL checkpoints during the run: \(lines.filter { $0.contains("checkpoint complete") }.count)")
        for (what, a, b) in [("single-payment", m0, m1), ("large-batch", m1, m2)] {
            let groups = b.groups - a.groups
            guard groups > 0 else { continue }
            print("  \(what) phase: \(Int(groups)) group commits, mean \(String(format: "%.1f", (b.seconds - a.seconds) / groups * 1000)) ms and \(Int((b.entries - a.entries) / groups)) entries each")
        }
    }

    /// `count` sequential plain reads (one entry, inspector token) and their latency, while `verifiers` threads
    /// keep requesting `GET …/verification` and `trickle` batches are submitted one a second.
    func plainReads(url: String, token: String, count: Int, verifiers: Int = 0, trickle: (token: String, bodies: [Request])? = nil) throws -> (p50: Double, p99: Double, verifications: Int) {
        let state = LoadState()
        let done = StopFlag()
        let group = DispatchGroup()
        for _ in 0..<verifiers {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let c = try? HTTPClient(url: url) else { return }
                c.timeout = 600
                while !done.isSet {
                    if (try? c.request("GET", "/v1/ledgers/1/verification", headers: [("Authorization", "Bearer \(token)")]))?.status == 200 {
                        state.lock.withLock { state.errors += 1 }   // counts answers here
                    }
                }
            }.start()
        }
        if let trickle {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let c = try? HTTPClient(url: url) else { return }
                for r in trickle.bodies where !done.isSet {
                    var headers = [("Content-Type", r.contentType), ("Authorization", "Bearer \(trickle.token)")]
                    if let h = r.header { headers.append(("Aidledger-Batch", h)) }
                    _ = try? c.request("POST", "/v1/ledgers/1/batches", headers: headers, body: r.body)
                    Thread.sleep(forTimeInterval: 1)
                }
            }.start()
        }
        if verifiers > 0 { Thread.sleep(forTimeInterval: 0.5) }
        let reader = try HTTPClient(url: url)
        var latencies: [Double] = []
        for _ in 0..<count {
            let t0 = ContinuousClock.now
            let r = try reader.request("GET", "/v1/ledgers/1/entries/5", headers: [("Authorization", "Bearer \(token)")])
            guard r.status == 200 else { throw CLIError("plain read answered \(r.status)") }
            latencies.append((ContinuousClock.now - t0).seconds)
            if verifiers > 0 { Thread.sleep(forTimeInterval: 0.05) }
        }
        done.set()
        group.wait()
        latencies.sort()
        func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return (pct(0.5), pct(0.99), state.lock.withLock { state.errors })
    }

    /// A flag threads poll.
    final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var flag = false
        var isSet: Bool { lock.withLock { flag } }
        func set() { lock.withLock { flag = true } }
    }

    /// Group commits so far, the time spent in them and the entries they appended (from /metrics).
    func groupMetrics(_ url: String) throws -> (groups: Double, seconds: Double, entries: Double) {
        let text = try HTTPClient(url: url).request("GET", "/metrics").text
        func value(_ name: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        }
        return (value("aidledger_append_groups_total"), value("aidledger_append_group_duration_seconds_sum"), value("aidledger_appended_entries_total"))
    }

    func ms(_ s: Double) -> String { String(format: "%.1f", s * 1000) }

    struct LoadResult {
        var ok = 0, errors = 0
        var seconds = 0.0
        var p50 = 0.0, p99 = 0.0
    }

    /// `clients` threads, each with its own connection, take bodies in turn and submit them.
    /// Shared state of a load run's threads. @unchecked Sendable: every field is touched only under `lock`.
    final class LoadState: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var latencies: [Double] = []
        var errors = 0
    }

    struct Request {
        let contentType: String
        let body: [UInt8]
        let header: String?
    }

    func load(url: String, token: String, bodies: [Request], clients: Int) throws -> LoadResult {
        let state = LoadState()
        state.latencies.reserveCapacity(bodies.count)
        let group = DispatchGroup()
        let start = ContinuousClock.now
        for _ in 0..<clients {
            group.enter()
            let t = Thread {
                defer { group.leave() }
                guard let client = try? HTTPClient(url: url) else { return }
                while true {
                    let i: Int = state.lock.withLock { defer { state.next += 1 }; return state.next }
                    guard i < bodies.count else { return }
                    let t0 = ContinuousClock.now
                    let r = bodies[i]
                    var headers = [("Content-Type", r.contentType), ("Authorization", "Bearer \(token)")]
                    if let h = r.header { headers.append(("Aidledger-Batch", h)) }
                    let ok = (try? client.request("POST", "/v1/ledgers/1/batches", headers: headers, body: r.body))?.status == 201
                    let dt = (ContinuousClock.now - t0).seconds
                    state.lock.withLock { if ok { state.latencies.append(dt) } else { state.errors += 1 } }
                }
            }
            t.stackSize = 1 << 20
            t.start()
        }
        group.wait()
        let seconds = (ContinuousClock.now - start).seconds
        let sorted = state.lock.withLock { state.latencies.sorted() }
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return LoadResult(ok: sorted.count, errors: state.lock.withLock { state.errors }, seconds: seconds, p50: pct(0.5), p99: pct(0.99))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

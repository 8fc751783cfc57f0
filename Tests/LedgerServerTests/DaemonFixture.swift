import LedgerServices
import Foundation
import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerSamples
import LedgerStore
import LedgerVerify
import PostgresClient
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The `aidledgerd` executable, built by `swift test` next to the test bundle.
func aidledgerdPath() throws -> String {
    let runner = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    for candidate in [runner.appendingPathComponent("aidledgerd"), TestPaths.repoRoot.appendingPathComponent(".build/debug/aidledgerd")] {
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
    }
    throw TestDataError("the aidledgerd executable was not built next to \(runner.path)")
}

/// A ledger in a fresh database with keys and tokens: officer A (unit 430626), officer B (unit 999999), an
/// inspector; the ledger key in `<dir>/keys/ledger.key` for the daemon.
final class LedgerSetup: @unchecked Sendable {
    let conninfo: String
    let dir: URL
    let origin: String
    let ledger: LedgerRecord
    let ledgerKey: NamedSigningKey
    let admin: NamedSigningKey
    let officerA: NamedSigningKey
    let officerB: NamedSigningKey
    let inspector: NamedSigningKey
    let tokenA: String
    let tokenB: String
    let inspectorToken: String

    init(conninfo: String? = nil) throws {
        self.conninfo = try conninfo ?? TestDatabase.fresh()
        dir = try makeTemporaryDirectory()
        let suite = Suite.ed25519SHA256
        origin = "aidledger.example/test-\(UInt32.random(in: 0...UInt32.max))"
        func key(_ name: String) throws -> NamedSigningKey { try NamedSigningKey(name: name, key: SigningKey.generate(.ed25519), suite: suite) }
        ledgerKey = try key(origin)
        admin = try key(origin + "/admin/1")
        officerA = try key(origin + "/officer/a")
        officerB = try key(origin + "/officer/b")
        inspector = try key(origin + "/inspector/1")
        let store = LedgerStore(try PostgresConnection(self.conninfo))
        try store.migrate()
        let time = "2026-09-01T08:00:00.000Z"
        (ledger, _) = try store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: time)
        for (k, role, units) in [(officerA, Role.officer, ["430626"]), (officerB, .officer, ["999999"]), (inspector, .inspector, ["*"])] {
            let body = try KeyBody.enroll(k.verifierKey, role: role, units: units, origin: origin, signedAt: time, admin: admin)
            _ = try store.appendOne(ledger, try .key(body, suite: ledger.suite), time: time, ledgerKey: ledgerKey)
        }
        tokenA = try store.issueToken(ledger, keyName: officerA.name)
        tokenB = try store.issueToken(ledger, keyName: officerB.name)
        inspectorToken = try store.issueToken(ledger, keyName: inspector.name)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("keys"), withIntermediateDirectories: true)
        try KeyFile.write(ledgerKey, to: dir.appendingPathComponent("keys/ledger.key").path)
        try Files.write(dir.appendingPathComponent("keys/\(PersonKeyFile.name)").path, Array(testPersonKeySecret.fileText.utf8), mode: 0o600)
    }

    /// A signed batch of generated payments for unit 430626 (officer A by default).
    func batch(_ id: String, count: Int = 3, seed: UInt64 = 1, officer: NamedSigningKey? = nil, unit: String = "430626") throws -> PreparedBatch {
        var rng = SplitMix64(seed: seed)
        let items = DemoData.boardingSubsidyPayments(count: count, unit: unit, period: "2025-autumn", rng: &rng)
        return try BatchBuilder.prepare(batchID: id, program: Sample.program, period: "2025-autumn", unit: unit, items: items,
                                        origin: origin, signedAt: nowTimestamp(), officer: officer ?? officerA)
    }

    /// The ledger verified from the database as `aidledger verify` does, openings included, the ledger key pinned.
    func verify() throws -> VerificationReport {
        try StoreVerification.verify(try LedgerStore.connect(conninfo), ledger, trustedLedgerKey: ledgerKey.verifierKey.description)
    }
}

/// A running aidledgerd process on a free port.
final class DaemonProcess: @unchecked Sendable {
    let pid: pid_t
    let port: Int
    let url: String
    let output: URL

    convenience init(conninfo: String, dataDir: URL, environment: [String: String] = [:]) throws {
        try self.init(arguments: ["--database", conninfo, "--data-dir", dataDir.path, "--listen-port", "0"], dataDir: dataDir, environment: environment)
    }

    init(arguments: [String], dataDir: URL, environment: [String: String] = [:], waitFor: String = "aidledgerd listening on http://") throws {
        output = dataDir.appendingPathComponent("daemon-\(UInt32.random(in: 0...UInt32.max)).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        env["AIDLEDGERD_LOG_LEVEL"] = env["AIDLEDGERD_LOG_LEVEL"] ?? "warning"
        let binary = try aidledgerdPath()
        let args = [binary] + arguments
        // posix_spawn with stdout and stderr to a file (Foundation's Process is not used for children that we kill -9).
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = args.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, binary, &actions, nil, argv, envp)
        guard rc == 0 else { throw TestDataError("posix_spawn aidledgerd: \(rc)") }
        pid = child
        // Wait for "aidledgerd listening on http://host:port".
        let deadline = Date().addingTimeInterval(60)
        var found: Int? = nil
        while Date() < deadline {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if text.contains(waitFor), let line = text.split(separator: "\n").first(where: { $0.hasPrefix("aidledgerd listening on http://") }),
               let p = Int(line.split(separator: ":").last ?? "") { found = p; break }
            var status: Int32 = 0
            if waitpid(child, &status, WNOHANG) == child { throw TestDataError("aidledgerd exited early: \(text.suffix(2000))") }
            usleep(50_000)
        }
        guard let found else { kill(child, SIGKILL); throw TestDataError("aidledgerd did not start: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")") }
        port = found
        url = "http://127.0.0.1:\(found)"
    }

    /// SIGKILL, and reap.
    func kill9() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// SIGTERM; returns the exit status once it has stopped.
    @discardableResult
    func terminate() -> Int32 {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    /// Waits for the process to end (after a signal sent elsewhere); returns its status.
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    deinit {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == 0 { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
    }
}

/// Submits a batch as JSON; returns the response.
func submit(_ batch: PreparedBatch, to url: String, ledger: Int64, token: String, client: HTTPClient? = nil) throws -> HTTPClientResponse {
    let c = try client ?? HTTPClient(url: url)
    return try c.request("POST", "/v1/ledgers/\(ledger)/batches", headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                         body: BatchRequest.json(batch))
}

func jsonObject(_ r: HTTPClientResponse) -> JSONObject? {
    if case .object(let o)? = try? JSONParser.parse(r.body, mode: .lenient) { return o }
    return nil
}

/// A receipt as answered: seq range and entry hashes.
struct ReceivedReceipt: Sendable {
    let batchID: String
    let first: UInt64
    let last: UInt64
    let hashes: [String]

    init?(_ r: HTTPClientResponse, batchID: String) {
        guard r.status == 201 || r.status == 200, let o = jsonObject(r), let f = o["first_seq"]?.intValue, let l = o["last_seq"]?.intValue,
              let h = o["entry_hashes"]?.arrayValue?.compactMap(\.stringValue) else { return nil }
        self.batchID = batchID
        first = UInt64(f)
        last = UInt64(l)
        hashes = h
    }
}

/// Runs `body(i)` on `count` threads at once and waits for all.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let t = Thread {
            body(i)
            group.leave()
        }
        t.stackSize = 1 << 20
        t.start()
    }
    group.wait()
}

/// A lock-protected array for results collected from threads.
final class Collected<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ t: T) { lock.withLock { items.append(t) } }
    var all: [T] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }

    /// Blocks until at least `n` items are in (or `seconds` pass).
    func wait(forAtLeast n: Int, seconds: Double = 60) {
        let deadline = Date().addingTimeInterval(seconds)
        while count < n && Date() < deadline { usleep(2_000) }
    }
}

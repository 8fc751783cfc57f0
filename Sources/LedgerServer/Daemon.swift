import AidLedgerCLI
import EmbeddedPostgres
import Foundation
import Hummingbird
import LedgerCore
import LedgerDemo
import LedgerStore
import LedgerVerify
import Logging
import PostgresClient
import ServiceLifecycle

/// aidledgerd: starts (or connects to) PostgreSQL, applies the schema, bootstraps the embedded default on first
/// start, serves the API until SIGTERM or SIGINT, then finishes the writes in flight and stops.
public enum Daemon {
    public static func run(_ configuration: ServerConfiguration) async throws {
        var logger = Logger(label: "aidledgerd")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info

        // The database: configured, or the embedded cluster under the data directory.
        var embedded: EmbeddedPostgres? = nil
        var startedEmbedded = false
        let conninfo: String
        if configuration.database.isEmpty {
            let server = try EmbeddedPostgres(directory: configuration.dataDir)
            startedEmbedded = try server.start()
            embedded = server
            conninfo = server.connectionString()
            logger.info("embedded PostgreSQL", metadata: ["data_dir": "\(configuration.dataDir)", "started": "\(startedEmbedded)"])
        } else {
            conninfo = configuration.database
        }
        defer {
            if startedEmbedded {
                do { try embedded?.stop() } catch { logger.error("stopping the embedded PostgreSQL failed", metadata: ["error": "\(error)"]) }
            }
        }

        let setup = LedgerStore(try PostgresConnection(conninfo))
        if embedded != nil {
            // Its own database: the daemon is the schema owner and migrates it.
            let applied = try setup.migrate()
            if !applied.isEmpty { logger.notice("schema migrated", metadata: ["applied": "\(applied.joined(separator: ","))"]) }
        } else {
            // A production database: migrations are the schema owner's job (`aidledger migrate`, Deploy/README.md);
            // the service role cannot and must not. Refuse to serve an older or newer schema.
            let have = try Migrations.currentVersion(on: setup.db), want = try Migrations.all().last?.version ?? 0
            guard have == want else {
                throw ServerConfiguration.Problem(description: "the database schema is version \(have), this aidledgerd needs \(want): "
                    + (have < want ? "run `aidledger migrate --database …` as the schema owner first (Deploy/README.md)" : "upgrade aidledgerd"))
            }
        }
        var firstStart: Bootstrap? = nil
        if embedded != nil, try setup.ledgers().isEmpty {
            firstStart = try Bootstrap.create(configuration, store: setup, logger: logger)
        }
        let bootstrap = firstStart
        let ledgerKeys = try loadLedgerKeys(configuration, ledgers: try setup.ledgers(), logger: logger)

        let state = ServerState(configuration: configuration, conninfo: conninfo, ledgerKeys: ledgerKeys, logger: logger)
        let router = Router()
        Routes(state: state).add(to: router)
        let host = configuration.listenHost
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.listenPort), serverName: "aidledgerd"),
            services: [WriterDrain(state: state)],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.listenPort
                // One line on stdout that scripts and tests wait for.
                say("aidledgerd listening on http://\(host):\(port)")
                if let firstStart = bootstrap { await firstStart.submitDemoPayments(state: state, port: port) }
            },
            logger: logger
        )
        try await app.runService()
        logger.notice("stopped")
    }

    /// The ledger keys this daemon can sign checkpoints with: every key file in the key directory whose name is
    /// the origin of a ledger in the database.
    static func loadLedgerKeys(_ configuration: ServerConfiguration, ledgers: [LedgerRecord], logger: Logger) throws -> [NamedSigningKey] {
        let directory = configuration.keyDirectory
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".key") }.sorted()
        var keys: [NamedSigningKey] = []
        for file in files {
            guard let key = try? KeyFile.read(directory + "/" + file) else { continue }
            if ledgers.contains(where: { $0.origin == key.name && $0.suite == key.suite }) { keys.append(key) }
        }
        for l in ledgers where !keys.contains(where: { $0.name == l.origin }) {
            logger.warning("no ledger key for this ledger: writes to it answer 503", metadata: ["origin": "\(l.origin)", "key_dir": "\(directory)"])
        }
        return keys
    }
}

/// Refuses new writes once shutdown has begun and waits for every queued one to be answered.
struct WriterDrain: Service {
    let state: ServerState

    func run() async throws {
        try? await gracefulShutdown()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            // drain() blocks on the writers' threads: not on the cooperative pool.
            let t = Thread {
                state.beginShutdown()
                done.resume()
            }
            t.start()
        }
        state.logger.notice("writes drained")
    }
}

/// The embedded default's first start: keys, a ledger, an officer and an inspector, API tokens in files, and
/// generated payments submitted through the daemon's own writer.
struct Bootstrap: Sendable {
    let ledgerOrigin: String
    let officer: NamedSigningKey
    let payments: Int
    let dataDir: String

    static func create(_ c: ServerConfiguration, store: LedgerStore, logger: Logger) throws -> Bootstrap {
        guard let suite = Suite(rawValue: c.suite) else { throw ServerConfiguration.Problem(description: "unknown suite \(c.suite)") }
        let keys = c.keyDirectory
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        func loadOrCreate(_ file: String, _ name: String) throws -> NamedSigningKey {
            let path = keys + "/" + file
            if FileManager.default.fileExists(atPath: path) { return try KeyFile.read(path) }
            let key = try NamedSigningKey(name: name, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
            try KeyFile.write(key, to: path)
            try Array((key.verifierKey.description + "\n").utf8).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path + ".vkey")) }
            return key
        }
        let origin = c.origin
        let ledgerKey = try loadOrCreate("ledger.key", origin)
        let admin = try loadOrCreate("admin.key", origin + "/admin/1")
        let officer = try loadOrCreate("officer-1.key", origin + "/officer/1")
        let inspector = try loadOrCreate("inspector-1.key", origin + "/inspector/1")
        let now = Timestamp.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        let (ledger, _) = try store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: now)
        for (key, role, units) in [(officer, Role.officer, [DemoScenario.homeUnit]), (inspector, .inspector, [allUnitsScope])] {
            let body = try KeyBody.enroll(key.verifierKey, role: role, units: units, origin: origin, signedAt: now, admin: admin)
            _ = try store.append(ledger, [.init(kind: .key, body: body)], time: now, ledgerKey: ledgerKey)
        }
        let tokens = c.dataDir + "/tokens"
        try FileManager.default.createDirectory(atPath: tokens, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for (role, key) in [("officer", officer), ("inspector", inspector), ("admin", admin)] {
            let token = try store.issueToken(ledger, keyName: key.name, label: "first start")
            let path = tokens + "/" + role + ".token"
            _ = FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        }
        logger.notice("first start: created ledger, officer and inspector keys, API tokens", metadata: [
            "origin": "\(origin)", "suite": "\(suite.rawValue)", "keys": "\(keys)", "tokens": "\(tokens)",
        ])
        return Bootstrap(ledgerOrigin: origin, officer: officer, payments: c.demoPaymentsOnFirstStart, dataDir: c.dataDir)
    }

    /// Submits generated payments (one officer-signed batch) and verifies the ledger, as a new user would.
    func submitDemoPayments(state: ServerState, port: Int) async {
        guard payments > 0 else { return }
        do {
            guard let ledger = try await state.allLedgers().first(where: { $0.origin == ledgerOrigin }) else { return }
            var rng = SplitMix64(seed: 1)
            let items = DemoData.boardingSubsidyPayments(count: payments, unit: DemoScenario.homeUnit, period: "2025-autumn", rng: &rng)
            let now = Timestamp.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
            let batch = try BatchBuilder.prepare(batchID: "demo-first-start", program: DemoScenario.program, period: "2025-autumn", unit: DemoScenario.homeUnit,
                                                 items: items, origin: ledger.origin, signedAt: now, officer: officer)
            let result = try await state.writer(for: ledger).submit(.batch(batch))
            if case .appended(let r) = result {
                say("first start: submitted \(payments) generated payments as batch demo-first-start, receipt seq \(r.firstSeq)…\(r.lastSeq)")
            }
            let report = try await state.readers.run { store -> VerificationReport in
                var verifier = LedgerVerifier()
                verifier.addCheckpoints(try store.checkpoints(ledger))
                try store.streamEntries(ledger) { _, bytes in verifier.consume(entryBytes: bytes) }
                return verifier.finish()
            }
            state.metrics.verification(report.intact ? "intact" : "findings")
            say("first start: verify \(report.intact ? "passed" : "FAILED"): \(report.entries) entries")
            say("""
                try:
                  curl -s http://127.0.0.1:\(port)/v1/ledgers
                  curl -s http://127.0.0.1:\(port)/v1/ledgers/\(ledger.id)/checkpoint
                  curl -s -H "Authorization: Bearer $(cat \(dataDir)/tokens/inspector.token)" "http://127.0.0.1:\(port)/v1/ledgers/\(ledger.id)/entries?limit=3"
                  aidledger verify --server http://127.0.0.1:\(port) --token \(dataDir)/tokens/inspector.token
                """)
        } catch {
            state.logger.error("first-start demo payments failed", metadata: ["error": "\(error)"])
        }
    }
}

/// A line on stdout, written at once (scripts and tests read it).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

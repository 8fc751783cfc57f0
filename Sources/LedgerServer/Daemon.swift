import Foundation
import Hummingbird
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore
import LedgerVerify
import Logging
import ServiceLifecycle

/// Sample payments the embedded default submits on first start, so that a new user sees a working ledger. They
/// come from the `aidledgerd` main (module LedgerSamples), never from this library.
public struct FirstStartSample: Sendable {
    public let unit: String
    public let program: String
    public let period: String
    /// `count` payments of invented people.
    public let payments: @Sendable (_ count: Int) -> [PaymentInput]

    public init(unit: String, program: String, period: String, payments: @escaping @Sendable (_ count: Int) -> [PaymentInput]) {
        self.unit = unit
        self.program = program
        self.period = period
        self.payments = payments
    }
}

/// aidledgerd: starts (or connects to) PostgreSQL, applies the schema, bootstraps the embedded default on first
/// start, serves the API until SIGTERM or SIGINT, then finishes the writes in flight and stops.
public enum Daemon {
    public static func run(_ configuration: ServerConfiguration, firstStart sample: FirstStartSample? = nil) async throws {
        let (database, setup) = try prepare(configuration, firstStart: sample)
        defer { database.close() }
        try await buildApplication(setup).runService()
        setup.logger.notice("stopped")
    }

    /// The logger of a configuration: swift-log, at its `log_level`.
    static func logger(_ configuration: ServerConfiguration) -> Logger {
        var logger = Logger(label: "aidledgerd")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }

    /// Everything before serving: the database (by the rule both binaries share, `DatabaseLocation`:
    /// configured, PG* variables, or the embedded cluster under the data directory), its schema, the first
    /// start's ledger and keys, the ledger keys checked against their ledgers. The caller closes the database
    /// after the application has stopped.
    public static func prepare(_ configuration: ServerConfiguration, firstStart sample: FirstStartSample? = nil) throws -> (LedgerDatabase, DaemonSetup) {
        let logger = logger(configuration)
        let location = DatabaseLocation.resolve(explicit: configuration.database, dataDirectory: configuration.dataDir)
        let database = try LedgerDatabase(location)
        do {
            if location.isEmbedded {
                logger.info("embedded PostgreSQL", metadata: ["data_dir": "\(configuration.dataDir)", "started": "\(database.startedEmbeddedCluster)"])
            }
            let setup = database.store
            if location.isEmbedded {
                // Its own database: the daemon is the schema owner and migrates it.
                let applied = try setup.migrate()
                if !applied.isEmpty { logger.notice("schema migrated", metadata: ["applied": "\(applied.joined(separator: ","))"]) }
            } else {
                // A production database: migrations are the schema owner's job (`aidledger migrate`, Deploy/README.md);
                // the service role cannot and must not. Refuse to serve an older or newer schema.
                let have = try setup.schemaVersion(), want = try LedgerStore.requiredSchemaVersion()
                guard have == want else {
                    throw ServerConfiguration.Problem(description: "the database schema is version \(have), this aidledgerd needs \(want): "
                        + (have < want ? "run `aidledger migrate --database …` as the schema owner first (Deploy/README.md)" : "upgrade aidledgerd"))
                }
            }
            var bootstrap: Bootstrap? = nil
            if location.isEmbedded, try setup.ledgers().isEmpty {
                bootstrap = try Bootstrap.create(configuration, store: setup, sample: sample, logger: logger)
            }
            let ledgerKeys = try loadLedgerKeys(configuration, ledgers: try setup.ledgers(), store: setup, logger: logger)
            let personKeySecret = try? PersonKeyFile.read(directory: configuration.keyDirectory)
            if personKeySecret == nil, !ledgerKeys.isEmpty {
                logger.warning("no person-key secret: batch submissions answer 503", metadata: ["key_dir": "\(configuration.keyDirectory)"])
            }
            let state = ServerState(configuration: configuration, conninfo: database.conninfo, ledgerKeys: ledgerKeys, personKeySecret: personKeySecret, logger: logger)
            return (database, DaemonSetup(state: state, bootstrap: bootstrap))
        } catch {
            database.close()
            throw error
        }
    }

    /// The ledger keys this daemon can sign checkpoints with: every key file in the key directory, or in a
    /// directory in it (a city's daemon keeps one per county: `<unit>/ledger.key`), whose name is the origin of a
    /// ledger in the database. A key file under a ledger's name that is not the key its genesis entry names stops
    /// the start, saying which key the ledger expects.
    static func loadLedgerKeys(_ configuration: ServerConfiguration, ledgers: [LedgerRecord], store: LedgerStore, logger: Logger) throws -> [NamedSigningKey] {
        let directory = configuration.keyDirectory
        // Ledger keys in the key directory and one level below (a city's data directory: one per county).
        var keys: [NamedSigningKey] = []
        for key in LedgerKeyRing(directory: directory).keys {
            guard let ledger = ledgers.first(where: { $0.origin == key.name }), !keys.contains(where: { $0.name == key.name }) else { continue }
            do { try store.checkLedgerKey(key, for: ledger) } catch let error as StoreError {
                throw ServerConfiguration.Problem(description: "\(directory): the key of \(key.name): \(error.message); refusing to write with it")
            }
            keys.append(key)
        }
        for l in ledgers where !keys.contains(where: { $0.name == l.origin }) {
            logger.warning("no ledger key for this ledger: writes to it answer 503", metadata: ["origin": "\(l.origin)", "key_dir": "\(directory)"])
        }
        return keys
    }
}

/// The daemon's parts once its database is ready: what `buildApplication` serves.
public struct DaemonSetup: Sendable {
    let state: ServerState
    let bootstrap: Bootstrap?

    var logger: Logger { state.logger }

    /// Stops taking writes and waits until every queued one is answered (what SIGTERM does via `WriterDrain`);
    /// for an application that was not run as a service, such as one under test.
    public func shutDown() { state.beginShutdown() }
}

/// The HTTP application: the routes of `Routes` on Hummingbird, with the writers' drain as a service. One
/// function for `aidledgerd`'s main and for the tests (`app.test(.router)`), so the tests exercise the real wiring.
public func buildApplication(_ setup: DaemonSetup) -> some ApplicationProtocol {
    let state = setup.state, bootstrap = setup.bootstrap
    let configuration = state.configuration
    let router = Router()
    Routes(state: state).add(to: router)
    let host = configuration.listenHost
    return Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [MalformedRequestAnswer()],
                                            idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
        configuration: .init(address: .hostname(host, port: configuration.listenPort), serverName: "aidledgerd"),
        services: [WriterDrain(state: state)],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.listenPort
            // One line on stdout that scripts and tests wait for.
            say("aidledgerd listening on http://\(host):\(port)")
            if let firstStart = bootstrap { await firstStart.submitSamplePayments(state: state, port: port) }
        },
        logger: state.logger
    )
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
/// sample payments submitted through the daemon's own writer.
struct Bootstrap: Sendable {
    let ledgerOrigin: String
    let officer: NamedSigningKey
    let payments: Int
    let sample: FirstStartSample?
    let dataDir: String

    static func create(_ c: ServerConfiguration, store: LedgerStore, sample: FirstStartSample?, logger: Logger) throws -> Bootstrap {
        guard let suite = Suite(rawValue: c.suite) else { throw ServerConfiguration.Problem(description: "unknown suite \(c.suite)") }
        let keys = c.keyDirectory
        let origin = c.origin
        let created = try LedgerAdministration.createLedger(store, origin: origin, suite: suite, keyDirectory: keys)
        let officer = try LedgerAdministration.loadOrCreateKey(directory: keys, file: "officer-1.key", name: origin + "/officer/1", suite: suite)
        let inspector = try LedgerAdministration.loadOrCreateKey(directory: keys, file: "inspector-1.key", name: origin + "/inspector/1", suite: suite)
        for (key, role, units) in [(officer, Role.officer, [sample?.unit ?? allUnitsScope]), (inspector, .inspector, [allUnitsScope])] {
            _ = try LedgerAdministration.enroll(store, created.ledger, subject: key.verifierKey, role: role, units: units,
                                                admin: created.admin, ledgerKey: created.ledgerKey)
        }
        let tokens = c.dataDir + "/tokens"
        try Files.makeDirectory(tokens, mode: 0o700)
        for (role, key) in [("officer", officer), ("inspector", inspector), ("admin", created.admin)] {
            _ = try LedgerAdministration.issueToken(store, created.ledger, keyName: key.name, label: "first start", file: tokens + "/" + role + ".token")
        }
        logger.notice("first start: created ledger, officer and inspector keys, API tokens", metadata: [
            "origin": "\(origin)", "suite": "\(suite.rawValue)", "keys": "\(keys)", "tokens": "\(tokens)",
        ])
        if c.demoCityOnFirstStart > 0 {
            do {
                for line in try DemoCityLoad.firstStart(store, students: c.demoCityOnFirstStart, suite: suite, keyDirectory: keys, dataDirectory: c.dataDir) {
                    say(line)
                }
            } catch {
                logger.error("first start: the demo city was not loaded", metadata: ["error": "\(error)"])
            }
        }
        return Bootstrap(ledgerOrigin: origin, officer: officer, payments: c.demoPaymentsOnFirstStart, sample: sample, dataDir: c.dataDir)
    }

    /// Submits sample payments (one officer-signed batch) and verifies the ledger, as a new user would.
    func submitSamplePayments(state: ServerState, port: Int) async {
        guard payments > 0, let sample else { return }
        do {
            guard let ledger = try await state.allLedgers().first(where: { $0.origin == ledgerOrigin }) else { return }
            let batch = try BatchBuilder.prepare(batchID: "demo-first-start", program: sample.program, period: sample.period, unit: sample.unit,
                                                 items: sample.payments(payments), origin: ledger.origin, signedAt: nowTimestamp(), officer: officer)
            let result = try await state.writer(for: ledger).submit(.batch(batch, claims: try state.claims(for: batch)))
            if case .appended(let r) = result {
                say("first start: submitted \(payments) generated payments as batch demo-first-start, receipt seq \(r.firstSeq)…\(r.lastSeq)")
            }
            let report = try await state.readers.run { store in try StoreVerification.verify(store, ledger) }
            state.metrics.verification(report.intact ? "intact" : "findings")
            say("first start: verify \(report.intact ? "passed" : "FAILED"): \(report.entries) entries")
            say("""
                try:
                  curl -s http://127.0.0.1:\(port)/v1/ledgers
                  curl -s http://127.0.0.1:\(port)/v1/ledgers/\(ledger.id)/checkpoint
                  curl -s -H "Authorization: Bearer $(cat \(dataDir)/tokens/inspector.token)" "http://127.0.0.1:\(port)/v1/ledgers/\(ledger.id)/entries?limit=3"
                  aidledger verify --server http://127.0.0.1:\(port) --ledger \(ledger.id) --token \(dataDir)/tokens/inspector.token
                """)
        } catch {
            state.logger.error("first-start sample payments failed", metadata: ["error": "\(error)"])
        }
    }
}

/// A line on stdout, written at once (scripts and tests read it).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

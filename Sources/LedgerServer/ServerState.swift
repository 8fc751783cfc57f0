import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Logging
import LedgerCrypto
import LedgerServices

/// Who is calling: anonymous, or the key an API token stands for, with its role and units from the ledger's key
/// entries.
struct Caller: Sendable {
    let keyName: String?
    let role: Role?
    let units: [String]

    static let anonymous = Caller(keyName: nil, role: nil, units: [])

    func covers(unit: String) -> Bool { units == [allUnitsScope] || units.contains(unit) }
}

/// What the routes share: ledgers and their writers, the reader threads, caches of tokens and key state.
final class ServerState: @unchecked Sendable {
    // @unchecked Sendable: the mutable dictionaries and `shuttingDown` are touched only under `lock`.
    let configuration: ServerConfiguration
    let readers: DatabaseThreads
    /// Long jobs (verification, bundle pages), on threads and connections of their own: they never hold up
    /// the readers' short reads.
    let longJobs: DatabaseThreads
    let verifications = VerificationReports()
    let bodies: BodyBudget
    /// Parsing and validation of submitted batches (lower priority than the writers).
    let parsers: WorkThreads<Void>
    let metrics = Metrics()
    /// Cross-check runs over this daemon's ledgers (one at a time).
    let crossChecks: CrossCheckJobs
    let logger: Logger
    private let lock = NSLock()
    private var ledgers: [Int64: LedgerRecord] = [:]
    private var writers: [Int64: LedgerWriter] = [:]
    private var ledgerKeys: [String: NamedSigningKey] = [:]      // by origin
    private var registries: [Int64: (loaded: ContinuousClock.Instant, registry: KeyRegistry)] = [:]
    private var tokens: [[UInt8]: (checked: ContinuousClock.Instant, principal: TokenPrincipal?)] = [:]
    private var shuttingDown = false

    /// How long a token lookup and a ledger's key state are reused before they are read again.
    static let cacheLifetime: Duration = .seconds(2)

    /// The person-key secret: batch submissions need it for their claims (no secret, no batch writes).
    let personKeySecret: PersonKeySecret?

    init(configuration: ServerConfiguration, conninfo: String, ledgerKeys: [NamedSigningKey], personKeySecret: PersonKeySecret?, logger: Logger) {
        self.personKeySecret = personKeySecret
        self.configuration = configuration
        self.readers = DatabaseThreads(conninfo: conninfo, count: configuration.readerThreads, name: "reader")
        self.longJobs = DatabaseThreads(conninfo: conninfo, count: configuration.longJobThreads, name: "long-job")
        self.bodies = BodyBudget(limit: configuration.maxConcurrentBodyBytes)
        self.parsers = WorkThreads(count: ProcessInfo.processInfo.activeProcessorCount, name: "parser", niceness: 5) { () }
        self.logger = logger
        self.crossChecks = CrossCheckJobs(configuration: configuration, conninfo: conninfo, logger: logger)
        for k in ledgerKeys { self.ledgerKeys[k.name] = k }
        self.conninfo = conninfo
    }

    private let conninfo: String

    var isShuttingDown: Bool { lock.withLock { shuttingDown } }

    /// Stops taking writes; every queued submission is still answered.
    func beginShutdown() {
        let all: [LedgerWriter] = lock.withLock {
            shuttingDown = true
            return Array(writers.values)
        }
        for w in all { w.drain() }
        readers.stop()
        longJobs.stop()
        parsers.stop()
    }

    // MARK: ledgers

    func ledger(_ id: Int64) async throws -> LedgerRecord {
        if let l = lock.withLock({ ledgers[id] }) { return l }
        let all = try await readers.run { try $0.ledgers() }
        lock.withLock { for l in all { ledgers[l.id] = l } }
        guard let l = lock.withLock({ ledgers[id] }) else { throw APIError.notFound("no ledger with id \(id)") }
        return l
    }

    func allLedgers() async throws -> [LedgerRecord] {
        let all = try await readers.run { try $0.ledgers() }
        lock.withLock { for l in all { ledgers[l.id] = l } }
        return all
    }

    func writer(for ledger: LedgerRecord) throws -> LedgerWriter {
        try lock.withLock {
            guard !shuttingDown else { throw APIError.unavailable("the daemon is shutting down; retry later") }
            if let w = writers[ledger.id] { return w }
            guard let key = ledgerKeys[ledger.origin], key.suite == ledger.suite else {
                throw APIError.unavailable("this daemon has no ledger key for \(ledger.origin); writes go to a daemon that has it")
            }
            let w = LedgerWriter(ledger: ledger, ledgerKey: key, conninfo: conninfo, maxGroupEntries: configuration.maxGroupEntries, plausibility: configuration.plausibility, leaseIdleTimeoutSeconds: configuration.leaseIdleTimeoutSeconds, metrics: metrics, logger: logger)
            writers[ledger.id] = w
            return w
        }
    }

    // MARK: identity

    /// The caller of a request on `ledger`: anonymous without an Authorization header; 401 for an unknown or
    /// revoked token; 403 for a token of another ledger — except an inspector's token for every unit (`*`), which
    /// stands for its key in each ledger of this daemon where the same key (name and public key) is enrolled, with
    /// the role and units it has there: the city inspector's one token per daemon (a cross-check run reads every
    /// ledger of the daemon).
    func caller(_ request: Request, ledger: LedgerRecord) async throws -> Caller {
        guard let principal = try await principal(request) else { return .anonymous }
        let home = try await holder(of: principal)
        guard principal.ledgerID != ledger.id else { return home.caller }
        guard home.caller.role == .inspector, home.caller.units == [allUnitsScope] else {
            throw APIError.forbidden("wrong-ledger", "this token is for another ledger")
        }
        let registry = try await keyState(ledger)
        guard let record = registry.records[principal.keyName], record.key == home.record.key else {
            throw APIError.forbidden("wrong-ledger", "this token's key \(principal.keyName) is not enrolled in ledger \(ledger.origin)")
        }
        if let revoked = record.revokedAt { throw APIError.unauthorized("the token's key \(principal.keyName) was revoked in \(ledger.origin) at seq \(revoked)") }
        return Caller(keyName: principal.keyName, role: record.role, units: record.units)
    }

    /// The caller of a request about the whole daemon (its cross-check runs): an inspector for every unit (`*`)
    /// in the ledger its token is for. 401 without a token, 403 `role` or `scope` otherwise.
    func inspectorForEveryUnit(_ request: Request, to action: String) async throws -> Caller {
        guard let principal = try await principal(request) else { throw APIError.unauthorized("\(action) needs an API token (Authorization: Bearer …)") }
        let caller = try await holder(of: principal).caller
        try require(caller, roles: [.inspector], to: action)
        guard caller.units == [allUnitsScope] else {
            throw APIError.forbidden("scope", "\(action) needs an inspector for every unit (*); this token's key has units \(caller.units.joined(separator: ","))")
        }
        return caller
    }

    /// The token of a request, if it has an Authorization header: 401 for a malformed header or an unknown or
    /// revoked token.
    private func principal(_ request: Request) async throws -> TokenPrincipal? {
        guard let header = request.headers[.authorization] else { return nil }
        guard header.hasPrefix("Bearer ") else { throw APIError.unauthorized("Authorization must be `Bearer <token>`") }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let hash = LedgerStore.tokenHash(token)
        let now = ContinuousClock.now
        let principal: TokenPrincipal?
        if let cached = lock.withLock({ tokens[hash] }), now - cached.checked < Self.cacheLifetime {
            principal = cached.principal
        } else {
            principal = try await readers.run { try $0.principal(forToken: token) }
            lock.withLock {
                if tokens.count > 10_000 { tokens.removeAll() }
                tokens[hash] = (now, principal)
            }
        }
        guard let principal else { throw APIError.unauthorized("unknown or revoked API token") }
        return principal
    }

    /// The key a token stands for in the ledger it was issued for, with its role and units there.
    private func holder(of principal: TokenPrincipal) async throws -> (caller: Caller, record: KeyRegistry.Record) {
        let ledger = try await self.ledger(principal.ledgerID)
        let registry = try await keyState(ledger)
        guard let record = registry.records[principal.keyName] else { throw APIError.unauthorized("the token's key \(principal.keyName) is not enrolled") }
        if let revoked = record.revokedAt { throw APIError.unauthorized("the token's key \(principal.keyName) was revoked at seq \(revoked)") }
        return (Caller(keyName: principal.keyName, role: record.role, units: record.units), record)
    }

    func keyState(_ ledger: LedgerRecord) async throws -> KeyRegistry {
        let now = ContinuousClock.now
        if let cached = lock.withLock({ registries[ledger.id] }), now - cached.loaded < Self.cacheLifetime { return cached.registry }
        let registry = try await readers.run { store in try store.keyRegistry(ledger) }
        lock.withLock { registries[ledger.id] = (now, registry) }
        return registry
    }

    /// The claims of a batch's payments (who is paid for what, as keyed hashes): computed here, off the writer.
    func claims(for batch: PreparedBatch) throws -> PaymentClaims {
        guard let secret = personKeySecret else {
            throw APIError.unavailable("this daemon has no person-key secret (\(PersonKeyFile.name) in its key directory); batch writes go to a daemon that has it")
        }
        return try PersonKeys(secret).claims(for: batch)
    }

    func require(_ caller: Caller, roles: Set<Role>, to action: String) throws {
        guard let role = caller.role else { throw APIError.unauthorized("\(action) needs an API token (Authorization: Bearer …)") }
        guard roles.contains(role) else {
            throw APIError.forbidden("role", "\(action) needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or ")); this token's key has role \(role.rawValue)")
        }
    }
}

import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerStore
import LedgerVerify

/// One ledger as a cross-check run read it: verified first (chain, signatures, checkpoints, openings), then its
/// payments of the run's year with their openings. Only a ledger that verifies is checked by the rules.
public struct InspectedLedger: Sendable {
    public let origin: String
    public let suite: Suite
    /// The size the run read and verified (a signed checkpoint's size) and the root there.
    public let size: UInt64
    public let root: Digest32?
    /// Nil when the ledger verified; otherwise what verification found first.
    public let problem: String?
    /// The ledger's payments whose period is in the run's year, reversals applied.
    public let payments: [PaidItem]
    /// The units those payments are for (sorted); the origin's last path segment when there are none.
    public let units: [String]
    /// Valid `disposition` and `crosscheck` entries of the ledger.
    public let dispositions: [VerificationReport.Disposition]
    public let anchors: [VerificationReport.CrossCheckAnchor]

    public var verified: Bool { problem == nil }

    public init(origin: String, suite: Suite, size: UInt64, root: Digest32?, problem: String?, payments: [PaidItem], units: [String],
                dispositions: [VerificationReport.Disposition], anchors: [VerificationReport.CrossCheckAnchor]) {
        self.origin = origin
        self.suite = suite
        self.size = size
        self.root = root
        self.problem = problem
        self.payments = payments
        self.units = units
        self.dispositions = dispositions
        self.anchors = anchors
    }

    /// The unit a ledger is about when its payments do not say: the last path segment of its origin.
    static func defaultUnit(origin: String) -> String {
        let last = String(origin.split(separator: "/").last ?? Substring(origin))
        return FieldSyntax.isToken(last) ? last : "unknown"
    }
}

/// Collects what a run needs from a ledger's entries while they are verified: payments of the run's year
/// and the reversals that undo them.
struct PaymentCollector {
    let origin: String
    let year: Substring
    var payments: [(ref: EntryReference, body: PaymentBody)] = []
    var reversals: [UInt64: EntryReference] = [:]
    var frontier = MerkleFrontier()
    let hash: HashFunction

    init(origin: String, period: String, suite: Suite) {
        self.origin = origin
        self.year = period.prefix(4)
        self.hash = suite.makeHashFunction()
    }

    mutating func visit(seq: UInt64, bytes: UnsafeRawBufferPointer, entryHash: Digest32) {
        frontier.append(entryHash, hash: hash)
        guard let entry = try? Entry(decoding: bytes) else { return }
        switch entry.kind {
        case .payment:
            guard let body = try? PaymentBody(decoding: entry.body), body.period.hasPrefix(year) else { return }
            payments.append((EntryReference(origin: origin, seq: seq, hash: entryHash), body))
        case .reversal:
            guard let body = try? ReversalBody(decoding: entry.body), reversals[body.target] == nil else { return }
            reversals[body.target] = EntryReference(origin: origin, seq: seq, hash: entryHash)
        default:
            return
        }
    }

    /// The payments with their personal values and reversals.
    func paidItems(openings: [Opening]) -> [PaidItem] {
        var wanted = Set<UInt64>()
        wanted.reserveCapacity(payments.count)
        for p in payments { wanted.insert(p.ref.seq) }
        var personal: [UInt64: [PersonalField: String]] = [:]
        personal.reserveCapacity(payments.count)
        for o in openings where wanted.contains(o.seq) {
            guard let field = PersonalField(rawValue: o.field) else { continue }
            var values = personal[o.seq] ?? [:]
            values[field] = field == .idNumber ? IDNumber.normalize(o.value) : o.value
            personal[o.seq] = values
        }
        return payments.map { p in
            PaidItem(entry: p.ref, body: p.body, personal: personal[p.ref.seq] ?? [:], reversedBy: reversals[p.ref.seq])
        }
    }
}

/// Reading ledgers of the local database for a run, and anchoring its report in them.
public enum InspectedLedgers {
    /// Verifies `ledger` and reads its payments of `period`'s year with their openings. The read of personal values
    /// is recorded in the ledger's access log (one record: every payment up to the size read, `principal`, `purpose`)
    /// before the values are used; a ledger that does not verify is not read further and is returned with its problem.
    public static func read(_ store: LedgerStore, _ ledger: LedgerRecord, period: String, principal: String, purpose: String,
                            progress: ((UInt64, UInt64) -> Void)? = nil) throws -> InspectedLedger {
        var collector = PaymentCollector(origin: ledger.origin, period: period, suite: ledger.suite)
        var openings: [Opening] = []
        let report = try StoreVerification.verify(store, ledger, progress: progress,
                                                  visit: { seq, bytes, hash in collector.visit(seq: seq, bytes: bytes, entryHash: hash) },
                                                  openingsRead: { openings = $0 })
        let size = collector.frontier.size
        let root = size > 0 ? collector.frontier.root(hash: collector.hash) : nil
        guard report.intact else {
            let first = report.findings.first.map { $0.description } ?? "verification failed"
            return InspectedLedger(origin: ledger.origin, suite: ledger.suite, size: size, root: root, problem: first, payments: [], units: [],
                                   dispositions: [], anchors: [])
        }
        try store.recordPersonalRead(ledger, principal: principal, seq: max(size, 1), fields: PersonalField.allCases.map(\.rawValue),
                                     purpose: purpose, at: nowTimestamp())
        let items = collector.paidItems(openings: openings)
        var units = Set(items.map(\.unit))
        if units.isEmpty { units.insert(InspectedLedger.defaultUnit(origin: ledger.origin)) }
        return InspectedLedger(origin: ledger.origin, suite: ledger.suite, size: size, root: root, problem: nil, payments: items,
                               units: units.sorted(), dispositions: report.dispositions, anchors: report.crosschecks)
    }

    /// Appends the `crosscheck` entry of a run to `ledger`, signed by `inspector`, through the one append path.
    public static func anchor(_ store: LedgerStore, _ ledger: LedgerRecord, run: String, period: String, unit: String, inspectingUnit: String?,
                              checkedSize: UInt64, checkedRoot: Digest32, findings: Int, reportSHA256: Digest32, inspector: NamedSigningKey,
                              ledgerKey: NamedSigningKey) throws -> Receipt {
        guard inspector.suite == ledger.suite else {
            throw ServiceError("the inspector key is \(inspector.suite.rawValue), ledger \(ledger.origin) is \(ledger.suite.rawValue)", code: "suite-mismatch")
        }
        let now = nowTimestamp()
        let body = try CrossCheckBody.make(run: run, period: period, unit: unit, inspectingUnit: inspectingUnit, checkedSize: checkedSize, checkedRoot: checkedRoot,
                                           findings: findings, reportSHA256: reportSHA256, origin: ledger.origin, signedAt: now, inspector: inspector)
        return try Submissions.append(store, ledger, try .crosscheck(body), time: now, ledgerKey: ledgerKey).receipt
    }

    /// Appends an inspector's disposition of one finding of an anchored report.
    public static func dispose(_ store: LedgerStore, _ ledger: LedgerRecord, finding: String, rule: String, unit: String, reportSHA256: Digest32,
                               outcome: DispositionBody.Outcome, reason: String, action: String?, inspector: NamedSigningKey,
                               ledgerKey: NamedSigningKey) throws -> Receipt {
        guard DispositionBody.isFindingID(finding) else { throw ServiceError("a finding id is 32 lowercase hex digits (the report's \"id\")", code: "bad-finding") }
        guard DispositionBody.isRuleCode(rule) else { throw ServiceError("a rule is XC- and two digits, e.g. XC-02", code: "bad-rule") }
        guard FieldSyntax.isText(reason), action.map({ FieldSyntax.isText($0) }) ?? true else {
            throw ServiceError("the reason and the action must be 1–200 characters without control characters", code: "bad-reason")
        }
        guard outcome != .confirmed || action != nil else {
            throw ServiceError("a confirmed irregularity needs the action taken (--action), e.g. 停止发放并追回资金", code: "action-required")
        }
        let now = nowTimestamp()
        let body = try DispositionBody.make(finding: finding, rule: rule, unit: unit, reportSHA256: reportSHA256, outcome: outcome, reason: reason,
                                            action: action, origin: ledger.origin, signedAt: now, inspector: inspector)
        return try Submissions.append(store, ledger, try .disposition(body), time: now, ledgerKey: ledgerKey).receipt
    }
}

/// The ledger keys in a key directory (`*.key` in it and in its subdirectories one level down), found by the
/// key each ledger's genesis names: a city's data directory holds one ledger key per county.
public struct LedgerKeyRing {
    /// Every key file found, in path order.
    public let keys: [NamedSigningKey]

    public init(directory: String) {
        var found: [NamedSigningKey] = []
        let fm = FileManager.default
        var paths: [String] = []
        for name in ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted() {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                for inner in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() where inner.hasSuffix(".key") { paths.append(path + "/" + inner) }
            } else if name.hasSuffix(".key") {
                paths.append(path)
            }
        }
        for path in paths { if let key = try? KeyFile.read(path) { found.append(key) } }
        keys = found
    }

    /// The key that signs `ledger`'s checkpoints, checked against its genesis entry.
    public func ledgerKey(for ledger: LedgerRecord, _ store: LedgerStore) throws -> NamedSigningKey {
        for key in keys where key.name == ledger.origin && key.suite == ledger.suite {
            if (try? store.checkLedgerKey(key, for: ledger)) != nil { return key }
        }
        throw ServiceError("no ledger key of \(ledger.origin) in the key directory: the run's report cannot be anchored there", code: "ledger-key-missing")
    }
}

import LedgerCore
import LedgerCrypto

/// A ledger built in memory with the real append path: each operation is one transaction that appends its
/// entries and signs one checkpoint. Used for the demo bundle, tests, test vectors and benchmarks; the
/// PostgreSQL store runs the same `LedgerAppender`.
public final class InMemoryLedger {
    public struct Transaction {
        /// Entry kinds and canonical body bytes.
        public var entries: [(kind: EntryKind, body: [UInt8])]
    }

    public let origin: String
    public let suite: Suite
    public let ledgerKey: NamedSigningKey
    public let admin: NamedSigningKey
    public private(set) var transactions: [Transaction] = []
    public private(set) var entries: [AppendedEntry] = []
    public private(set) var checkpoints: [SignedCheckpoint] = []
    public private(set) var openings: [Opening] = []
    let appender: LedgerAppender
    /// Milliseconds since the epoch of the next entry; advanced by one second per transaction.
    public var clock: Int64

    public init(origin: String, suite: Suite, ledgerKey: NamedSigningKey, admin: NamedSigningKey,
                startTime: Int64 = 1_788_249_600_000 /* 2026-09-01T00:00:00.000Z */) throws {
        self.origin = origin
        self.suite = suite
        self.ledgerKey = ledgerKey
        self.admin = admin
        self.clock = startTime
        self.appender = LedgerAppender(origin: origin, suite: suite)
        let genesis = GenesisBody(suite: suite, ledgerKey: ledgerKey.verifierKey, adminKey: admin.verifierKey)
        try commit([(.genesis, genesis.json)])
    }

    /// Generates fresh keys named after `origin`.
    public static func create(origin: String, suite: Suite) throws -> InMemoryLedger {
        let ledgerKey = try NamedSigningKey(name: origin, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        let admin = try NamedSigningKey(name: origin + "/admin/1", key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        return try InMemoryLedger(origin: origin, suite: suite, ledgerKey: ledgerKey, admin: admin)
    }

    public var now: String { Timestamp.format(millisecondsSinceEpoch: clock) }
    public var size: UInt64 { appender.size }

    /// Appends the entries of one transaction and signs a checkpoint over the new tree.
    @discardableResult
    public func commit(_ items: [(kind: EntryKind, body: JSONObject)], openingsAfter: ((UInt64) -> [Opening])? = nil) throws -> ClosedRange<UInt64> {
        try commitCanonical(items.map { ($0.kind, CanonicalJSON.encode(.object($0.body))) }, openingsAfter: openingsAfter)
    }

    /// Like `commit`, with bodies already in canonical form.
    @discardableResult
    public func commitCanonical(_ items: [(kind: EntryKind, body: [UInt8])], openingsAfter: ((UInt64) -> [Opening])? = nil) throws -> ClosedRange<UInt64> {
        let first = appender.size + 1
        let time = now
        entries.reserveCapacity(entries.count + items.count)
        for item in items { entries.append(appender.append(kind: item.kind, canonicalBody: item.body, time: time)) }
        if let openingsAfter { openings.append(contentsOf: openingsAfter(first)) }
        checkpoints.append(try SignedCheckpoint(checkpoint: appender.checkpoint, signedBy: ledgerKey))
        transactions.append(Transaction(entries: items))
        clock += 1000
        return first...appender.size
    }

    /// Generates a key and enrolls it.
    public func enrollNewKey(name: String, role: Role, units: [String]) throws -> NamedSigningKey {
        let key = try NamedSigningKey(name: name, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        try enroll(key.verifierKey, role: role, units: units)
        return key
    }

    @discardableResult
    public func enroll(_ key: VerifierKey, role: Role, units: [String], signedBy signer: NamedSigningKey? = nil) throws -> UInt64 {
        let body = try KeyBody.enroll(key, role: role, units: units, origin: origin, signedAt: now, admin: signer ?? admin)
        return try commit([(.key, body)]).lowerBound
    }

    @discardableResult
    public func revoke(_ key: VerifierKey, reason: String) throws -> UInt64 {
        let body = try KeyBody.revoke(key, reason: reason, origin: origin, signedAt: now, admin: admin)
        return try commit([(.key, body)]).lowerBound
    }

    /// Prepares, signs and appends a batch; returns the seq of its header.
    @discardableResult
    public func appendBatch(id: String, program: String, period: String, unit: String, items: [PaymentInput],
                            officer: NamedSigningKey, salts: [UInt8]? = nil) throws -> UInt64 {
        let prepared = try BatchBuilder.prepare(batchID: id, program: program, period: period, unit: unit, items: items,
                                                origin: origin, signedAt: now, officer: officer, salts: salts)
        return try appendPrepared(prepared)
    }

    @discardableResult
    public func appendPrepared(_ prepared: PreparedBatch) throws -> UInt64 {
        var items: [(kind: EntryKind, body: [UInt8])] = [(.batch, CanonicalJSON.encode(.object(prepared.header)))]
        items.reserveCapacity(prepared.paymentBytes.count + 1)
        for p in prepared.paymentBytes { items.append((.payment, p)) }
        return try commitCanonical(items, openingsAfter: { prepared.openings(headerSeq: $0) }).lowerBound
    }

    @discardableResult
    public func reverse(seq: UInt64, reason: String, officer: NamedSigningKey) throws -> UInt64 {
        let target = entries[Int(seq) - 1]
        let body = try Entry(decoding: target.bytes).body
        let amount = body["amount_fen"]?.intValue ?? 0
        let reversal = try ReversalBody.make(target: seq, targetHash: target.hash, amountFen: amount, reason: reason, origin: origin, signedAt: now, officer: officer)
        return try commit([(.reversal, reversal)]).lowerBound
    }

    /// The bundle file of the ledger as it stands.
    public func bundle() -> [UInt8] {
        Bundle.encode(header: .init(origin: origin, suite: suite, entries: UInt64(entries.count), checkpoints: UInt64(checkpoints.count)),
                      entries: entries.map(\.bytes), checkpoints: checkpoints.map(\.serialized))
    }

    /// The openings file: one canonical JSON object per line.
    public func openingsFile() -> [UInt8] {
        var out = [UInt8]()
        for o in openings { out.append(contentsOf: o.canonicalBytes); out.append(0x0a) }
        return out
    }

    /// Replays every transaction with the same keys and start time, after `transform` has edited the bodies
    /// (kind, body, seq) — a log operator rewriting history and re-signing checkpoints with the ledger key.
    /// Transactions whose index (0 is the genesis) is in `dropped` are left out, as if they had never been appended.
    public func rebuilt(droppingTransactions dropped: Set<Int> = [], transform: (EntryKind, JSONObject, UInt64) throws -> JSONObject = { _, body, _ in body }) throws -> InMemoryLedger {
        let copy = try InMemoryLedger(origin: origin, suite: suite, ledgerKey: ledgerKey, admin: admin, startTime: clock - Int64(transactions.count) * 1000)
        var seq: UInt64 = 1
        for (index, t) in transactions.enumerated().dropFirst() where !dropped.contains(index) {
            var items: [(kind: EntryKind, body: JSONObject)] = []
            for e in t.entries {
                seq += 1
                let body = try JSONParser.parse(e.body, mode: .canonical).objectValue!
                items.append((e.kind, try transform(e.kind, body, seq)))
            }
            try copy.commit(items)
        }
        copy.openings = openings
        return copy
    }
}

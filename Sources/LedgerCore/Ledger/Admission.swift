import LedgerCrypto

/// Why a submission is refused. `code` is stable: it travels unchanged to the API's error body and the CLI's
/// message (docs/openapi.json lists them); `message` says what is wrong without a personal value.
public struct AdmissionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// Every code a refusal can carry.
    public static let codes = ["signer-unknown", "signer-revoked", "signer-role", "signer-scope", "bad-signature", "key-duplicate", "key-unknown",
                               "batch-duplicate", "payment-duplicate", "reversal-target", "reversal-duplicate", "erase-target", "malformed",
                               "signed-at-window", "paid-date-future", "crosscheck-checked", "disposition-report", "disclosure-derived"]
}

/// What the store found in the ledger that a decision needs, looked up on the locked head before deciding.
public struct AdmissionFacts: Sendable {
    /// A batch id already in the ledger: where, and the header it was appended with.
    public struct StoredBatch: Sendable {
        public let seq: UInt64
        public let count: UInt64
        public let header: JSONObject
        public init(seq: UInt64, count: UInt64, header: JSONObject) {
            self.seq = seq
            self.count = count
            self.header = header
        }
    }

    /// An entry a reversal or an erasure names.
    public struct Target: Sendable {
        public let kind: EntryKind
        public let hash: Digest32
        /// Set when the entry is a well-formed payment.
        public let payment: PaymentBody?
        public init(kind: EntryKind, hash: Digest32, payment: PaymentBody?) {
            self.kind = kind
            self.hash = hash
            self.payment = payment
        }
    }

    /// Stored batches by id, for the ids of the group's batches.
    public var batches: [String: StoredBatch] = [:]
    /// Entries named by the group's reversals and erasures, by seq.
    public var targets: [UInt64: Target] = [:]
    /// Reversals in the ledger: the reversed payment's seq → the reversal's seq.
    public var reversed: [UInt64: UInt64] = [:]
    /// Claims of the group's payments already in the ledger: claim → the seqs of the payments that made them.
    public var claims: [PaymentClaim: [UInt64]] = [:]
    /// The access-log size the ledger's last `access` entry committed (0: none).
    public var committedAccessLogSize: UInt64 = 0
    /// The roots of the ledger's tree at the sizes the group's `crosscheck` entries say they checked and its
    /// `disclosure` entries say they were derived from, from the ledger's own verified checkpoints (or its head); a
    /// size with no such root is absent.
    public var checkedRoots: [UInt64: Digest32] = [:]
    /// Report digests anchored by the ledger's `crosscheck` entries.
    public var anchoredReports: Set<Digest32> = []

    public init() {}
}

/// The admission decision: whether a submission may be appended at a seq, given the key registry at that seq
/// and the facts the store supplies. Pure (no I/O), so it is tested without a database; the store calls it for
/// every submission of a group on the locked head, and nothing else decides.
///
/// A group is decided in order: what an earlier submission of the group adds (a key entry, a batch id, a
/// reversal, claims) counts for the later ones.
public struct Admission: Sendable {
    /// What became of one submission.
    public enum Verdict: Sendable {
        case admit
        /// The same batch (id and content) is already in the ledger: its seq range; nothing is appended.
        case storedDuplicate(StoredBatchRange)
        /// The same batch was admitted earlier in this group (its index in the group).
        case groupDuplicate(Int)
        case refuse(AdmissionRefusal)
    }

    public struct StoredBatchRange: Sendable, Equatable {
        public let firstSeq: UInt64
        public let lastSeq: UInt64
        public init(firstSeq: UInt64, lastSeq: UInt64) {
            self.firstSeq = firstSeq
            self.lastSeq = lastSeq
        }
    }

    public let origin: String
    /// The key state, including the key entries admitted earlier in this group.
    public private(set) var registry: KeyRegistry
    private var batchesInGroup: [String: (index: Int, header: JSONObject)] = [:]
    private var reversedInGroup: [UInt64: Int] = [:]
    private var accessLogInGroup: UInt64 = 0
    private var anchoredInGroup: Set<Digest32> = []
    /// The admitted batches of the group: the seq of their first payment and their claims, sorted.
    private var claimsInGroup: [(firstPaymentSeq: UInt64, sorted: [(claim: PaymentClaim, index: Int32)])] = []

    /// The time the group's entries get, and the limits its dates are held to.
    public let time: String
    public let plausibility: PlausibilityPolicy

    public init(origin: String, registry: KeyRegistry, time: String, plausibility: PlausibilityPolicy) {
        self.origin = origin
        self.registry = registry
        self.time = time
        self.plausibility = plausibility
    }

    /// A signature dated outside the window around the append time, or a payment dated too far after it.
    private func checkDates(_ submission: Submission) throws(AdmissionRefusal) {
        let signedAt: String
        switch submission {
        case .batch(let batch, _): signedAt = batch.body.signed.signedAt
        case .reversal(let r): signedAt = r.fields.signed.signedAt
        case .key(let k): signedAt = k.fields.signed.signedAt
        case .erase(let e): signedAt = e.fields.signed.signedAt
        case .crosscheck(let c): signedAt = c.fields.signed.signedAt
        case .disposition(let d): signedAt = d.fields.signed.signedAt
        case .accessLog, .disclosure: return
        }
        if let problem = plausibility.signedAtProblem(signedAt, appendedAt: time) { throw AdmissionRefusal("signed-at-window", problem) }
        if case .batch(let batch, _) = submission {
            for (i, item) in batch.items.enumerated() {
                if let problem = plausibility.paidDateProblem(item.paidDate, appendedAt: time) {
                    throw AdmissionRefusal("paid-date-future", "payments[\(i)] (row \(i + 1)): \(problem)")
                }
            }
        }
    }

    /// Decides submission number `index` of the group, whose first entry would get `seq`. An admitted submission
    /// is remembered for the rest of the group.
    public mutating func decide(_ submission: Submission, index: Int, at seq: UInt64, facts: AdmissionFacts) -> Verdict {
        do {
            // A batch already in the ledger gets its receipt whatever its dates: its own decision checks them after.
            // The access log's head and a disclosure are the ledger's own, not signed by anyone.
            switch submission {
            case .batch, .accessLog, .disclosure: break
            default: try checkDates(submission)
            }
            switch submission {
            case .batch(let batch, let claims): return try decideBatch(batch, claims: claims, index: index, at: seq, facts: facts)
            case .reversal(let r): try decideReversal(r, index: index, at: seq, facts: facts)
            case .key(let k):
                var next = registry
                do { try next.apply(k.fields, rawBody: k.json, origin: origin, at: seq) } catch { throw AdmissionRefusal(error.code, error.description) }
                registry = next
            case .erase(let e): try decideErase(e, at: seq, facts: facts)
            case .accessLog(let a):
                // Each `access` entry commits more of the log than the last one did.
                guard a.size > max(facts.committedAccessLogSize, accessLogInGroup) else {
                    throw AdmissionRefusal("malformed", "the access log's head at size \(a.size) is not past the committed size \(max(facts.committedAccessLogSize, accessLogInGroup))")
                }
                accessLogInGroup = a.size
            case .crosscheck(let c):
                let body = c.fields
                guard body.checkedSize < seq else {
                    throw AdmissionRefusal("crosscheck-checked", "checked_size \(body.checkedSize) is not before this entry (seq \(seq))")
                }
                guard let root = facts.checkedRoots[body.checkedSize] else {
                    throw AdmissionRefusal("crosscheck-checked", "ledger \(origin) has no signed checkpoint at size \(body.checkedSize) to anchor the report to")
                }
                guard root == body.checkedRoot else {
                    throw AdmissionRefusal("crosscheck-checked", "checked_root is not the root of ledger \(origin) at size \(body.checkedSize): the run read another tree")
                }
                try authorize(.crosscheck, body: c.json, signed: body.signed, role: .inspector, unit: body.unit, at: seq)
                anchoredInGroup.insert(body.reportSHA256)
            case .disposition(let d):
                let body = d.fields
                guard facts.anchoredReports.contains(body.reportSHA256) || anchoredInGroup.contains(body.reportSHA256) else {
                    throw AdmissionRefusal("disposition-report", "report \(body.reportSHA256.hex) is not anchored in ledger \(origin) by a crosscheck entry")
                }
                try authorize(.disposition, body: d.json, signed: body.signed, role: .inspector, unit: body.unit, at: seq)
            case .disclosure(let body):
                // The export was derived from a tree of this ledger before the entry, known exactly as for a
                // crosscheck's checked tree (FORMAT.md §6.10): a verified checkpoint of that size or the head.
                guard body.derivedSize < seq else {
                    throw AdmissionRefusal("disclosure-derived", "derived_size \(body.derivedSize) is not before this entry (seq \(seq))")
                }
                guard let root = facts.checkedRoots[body.derivedSize] else {
                    throw AdmissionRefusal("disclosure-derived", "ledger \(origin) has no signed checkpoint at size \(body.derivedSize) to derive the export from")
                }
                guard root == body.derivedRoot else {
                    throw AdmissionRefusal("disclosure-derived", "derived_root is not the root of ledger \(origin) at size \(body.derivedSize): the export was derived from another tree")
                }
            }
            return .admit
        } catch let refusal as AdmissionRefusal {
            return .refuse(refusal)
        } catch {
            return .refuse(AdmissionRefusal("malformed", "\(error)"))
        }
    }

    private func authorize(_ kind: EntryKind, body: JSONObject, signed: SignerFields, role: Role, unit: String?, at seq: UInt64) throws(AdmissionRefusal) {
        do { _ = try registry.authorizeSigned(kind: kind, origin: origin, body: body, signed: signed, role: role, unit: unit, at: seq) } catch {
            throw AdmissionRefusal(error.code, error.description)
        }
    }

    private mutating func decideBatch(_ batch: PreparedBatch, claims: PaymentClaims, index: Int, at seq: UInt64, facts: AdmissionFacts) throws -> Verdict {
        let header = batch.body
        if let earlier = batchesInGroup[header.batchID] {
            guard Self.sameBatch(earlier.header, batch.header) else {
                throw AdmissionRefusal("batch-duplicate", "batch id \(header.batchID) was just submitted with other content")
            }
            return .groupDuplicate(earlier.index)
        }
        if let stored = facts.batches[header.batchID] {
            guard Self.sameBatch(stored.header, batch.header) else {
                throw AdmissionRefusal("batch-duplicate", "batch id \(header.batchID) is already in ledger \(origin) (seq \(stored.seq)) with other content")
            }
            return .storedDuplicate(StoredBatchRange(firstSeq: stored.seq, lastSeq: stored.seq + stored.count))
        }
        try checkDates(.batch(batch, claims: claims))
        try authorize(.batch, body: batch.header, signed: header.signed, role: .officer, unit: header.unit, at: seq)
        guard claims.claims.count == batch.items.count else {
            throw AdmissionRefusal("malformed", "the batch has \(batch.items.count) payments but \(claims.claims.count) claims")
        }
        // No person paid twice for the same programme and period: not within the batch, not across batches
        // (a reversed payment frees its place), unless the row is a supplementary payment with a reason. The
        // batch's claims are sorted once (equal claims side by side, earliest row first): that finds the
        // duplicates within the batch and is what later batches of the group search, so the only hash probes
        // are one per distinct claim into the ledger's claims, and only where the ledger has any.
        let n = claims.claims.count
        var sorted: [(claim: PaymentClaim, index: Int32)] = []
        sorted.reserveCapacity(n)
        for (i, c) in claims.claims.enumerated() { sorted.append((c, Int32(i))) }
        sorted.sort { $0.claim != $1.claim ? $0.claim < $1.claim : $0.index < $1.index }
        var problems: [(row: Int, text: String)] = []
        var k = 0
        while k < n {
            let claim = sorted[k].claim, first = Int(sorted[k].index)
            var j = k + 1
            while j < n, sorted[j].claim == claim {
                let i = Int(sorted[j].index)
                if !claims.supplementary[i] {
                    problems.append((i, "payment \(i) (row \(i + 1)) pays the same person as payment \(first) (row \(first + 1)) of this batch for \(header.program) \(header.period)"))
                }
                j += 1
            }
            if !claims.supplementary[first] {
                if !facts.claims.isEmpty, let earlier = (facts.claims[claim] ?? []).first(where: { facts.reversed[$0] == nil && reversedInGroup[$0] == nil }) {
                    problems.append((first, "payment \(first) (row \(first + 1)) pays a person already paid for \(header.program) \(header.period) at seq \(earlier)"))
                } else if let earlier = groupSeq(of: claim) {
                    problems.append((first, "payment \(first) (row \(first + 1)) pays a person already paid for \(header.program) \(header.period) at seq \(earlier) (submitted just before)"))
                }
            }
            k = j
        }
        if !problems.isEmpty {
            problems.sort { $0.row < $1.row }
            throw AdmissionRefusal("payment-duplicate", problems.prefix(20).map(\.text).joined(separator: "; ")
                                   + (problems.count > 20 ? "; and \(problems.count - 20) more" : "")
                                   + "; mark a deliberate second payment as supplementary (补发) with a reason")
        }
        claimsInGroup.append((seq + 1, sorted))
        batchesInGroup[header.batchID] = (index, batch.header)
        return .admit
    }

    /// The seq of the payment earlier in this group that made `claim`, if any (a binary search per batch).
    private func groupSeq(of claim: PaymentClaim) -> UInt64? {
        for batch in claimsInGroup {
            var lo = 0, hi = batch.sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if batch.sorted[mid].claim < claim { lo = mid + 1 } else { hi = mid }
            }
            if lo < batch.sorted.count, batch.sorted[lo].claim == claim {
                let seq = batch.firstPaymentSeq + UInt64(batch.sorted[lo].index)
                if reversedInGroup[seq] == nil { return seq }
            }
        }
        return nil
    }

    private mutating func decideReversal(_ r: SignedBody<ReversalBody>, index: Int, at seq: UInt64, facts: AdmissionFacts) throws(AdmissionRefusal) {
        let reversal = r.fields
        // Every target rule first, the earlier reversal included (FORMAT.md §6.5, §14.4), then who may sign it.
        guard let target = facts.targets[reversal.target], target.kind == .payment, let payment = target.payment else {
            throw AdmissionRefusal("reversal-target", "seq \(reversal.target) is not a payment of \(origin)")
        }
        guard reversal.targetHash == target.hash else { throw AdmissionRefusal("reversal-target", "target_hash is not the hash of payment \(reversal.target)") }
        guard reversal.amountFen == payment.amountFen else { throw AdmissionRefusal("reversal-target", "amount_fen is not the amount of payment \(reversal.target)") }
        if let earlier = facts.reversed[reversal.target] {
            throw AdmissionRefusal("reversal-duplicate", "payment \(reversal.target) was already reversed at seq \(earlier)")
        }
        if reversedInGroup[reversal.target] != nil { throw AdmissionRefusal("reversal-duplicate", "payment \(reversal.target) is already being reversed") }
        try authorize(.reversal, body: r.json, signed: reversal.signed, role: .officer, unit: payment.unit, at: seq)
        reversedInGroup[reversal.target] = index
    }

    private func decideErase(_ e: SignedBody<EraseBody>, at seq: UInt64, facts: AdmissionFacts) throws(AdmissionRefusal) {
        guard let target = facts.targets[e.fields.target], target.kind == .payment, let payment = target.payment else {
            throw AdmissionRefusal("erase-target", "seq \(e.fields.target) is not a payment of \(origin)")
        }
        for f in e.fields.fields where payment.commitments[f] == nil {
            throw AdmissionRefusal("erase-target", "payment \(e.fields.target) has no commitment named \(f.rawValue)")
        }
        try authorize(.erase, body: e.json, signed: e.fields.signed, role: .admin, unit: nil, at: seq)
    }

    /// Two batch headers describe the same batch: equal in everything but the signature (SM2 signatures are
    /// randomized, so a client that signs again gets other signature bytes for the same content).
    public static func sameBatch(_ a: JSONObject, _ b: JSONObject) -> Bool {
        var a = a, b = b
        a["sig"] = nil
        b["sig"] = nil
        return a == b
    }
}

import LedgerCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LedgerCrypto

/// Checks one ledger from its entries and checkpoints alone, with no database: the offline verifier of
/// FORMAT.md §Verification. Feed entries in bundle order with `consume(entryBytes:)`, then call `finish()`.
///
/// A value: hold it in a `var`; one verifier per ledger.
public struct LedgerVerifier {
    public static let maxFindings = 1000

    public struct Options: Sendable {
        /// The ledger key the caller trusts (e.g. published by the bureau). Without it the key in the genesis
        /// entry is trusted on first use and reported.
        public var trustedLedgerKey: String? = nil
        /// Openings to check against their commitments.
        public var openings: [Opening] = []
        /// Checkpoints the caller obtained independently of the bundle (signed notes as the checkpoint endpoint
        /// serves them, kept by a client or published by the bureau or a witness): each must be signed by the
        /// ledger key and agree with the entries (FORMAT.md §14.8).
        public var expectedCheckpoints: [String] = []
        /// `openings` are every opening the ledger's store holds (verification from the database): then a payment
        /// field committed to, with no opening and no erase entry for it, is `opening-missing` (deleted without a
        /// record). An openings file given offline may hold any subset, so this is off by default.
        public var openingsComplete = false
        public init() {}
    }

    struct PaymentRecord {
        var hash: Digest32
        var amountFen: Int64
        /// Index into `batchHeaders`, whose unit and programme the payment carries (a payment that disagrees
        /// with its header is a finding of its own).
        var batch: Int
        /// The personal fields the payment commits to, one bit per `PersonalField.ordinal`.
        var committedFields: UInt8
        var reversedAt: UInt64?
    }

    struct OpenBatch {
        let seq: UInt64
        let body: BatchBody
        var nextIndex: Int64 = 0
        /// The sum of the payments so far; nil once it no longer fits in an Int64 (then it cannot equal `total_fen`).
        var sum: Int64? = 0
        var leaves = MerkleFrontier()
        var amounts = VerificationReport.Amounts()
    }

    struct PendingCheckpoint {
        let index: Int
        let signed: SignedCheckpoint
        /// Given by the caller (`Options.expectedCheckpoints`), not carried by the bundle.
        let external: Bool
    }

    let options: Options
    var report = VerificationReport()
    var hash: HashFunction? = nil
    var suite: Suite? = nil
    /// The entry hash of the entry being consumed, computed by the caller (on another thread) with `suite`.
    var precomputedEntryHash: Digest32? = nil
    /// Where the caller found the body of a payment entry, and its leaf hash (used only if the parse agrees).
    var precomputedBody: (range: Range<Int>, leaf: Digest32)? = nil
    var origin: String? = nil
    var ledgerKey: VerifierKey? = nil
    var registry = KeyRegistry()
    /// Entry lines consumed so far. The line being consumed is at position `linesConsumed + 1`, and every finding
    /// about it names that position as its seq (FORMAT.md §14, "Seqs of findings"), whatever seq the line claims.
    var linesConsumed: UInt64 = 0
    /// The seq the next line must claim: one more than the seq the previous line claimed (its position, if the
    /// previous line was malformed), so that a break is reported once, where it happens.
    var expectedSeq: UInt64 = 1
    /// Set when entry line 1 is not a usable genesis entry: nothing after it can be checked.
    var withoutGenesis = false
    var prevHash = Digest32.zero
    var lastTime = ""
    var frontier = MerkleFrontier()
    var openBatch: OpenBatch? = nil
    var batchIDs: Set<String> = []
    var payments = PaymentIndex()
    var batchHeaders: [(unit: String, program: String)] = []
    var openingsBySeq: [UInt64: [Opening]] = [:]
    /// The fields each payment seq has openings for, one bit per `PersonalField.ordinal` (for `opening-erased`).
    var openedFields: [UInt64: UInt8] = [:]
    /// The fields erase entries have erased, by payment seq (for `opening-missing`).
    var erasedFields: [UInt64: UInt8] = [:]
    var rawCheckpoints: [String] = []
    /// Checkpoints sorted by size; `nextCheckpoint` indexes the first not yet reached.
    var checkpointQueue: [PendingCheckpoint] = []
    var nextCheckpoint = 0
    /// Sizes at which a verified checkpoint matched the recomputed root, and the checkpoints that did not.
    var matchedSizes: [UInt64] = []
    /// The roots at the sizes of the bundle's checkpoints that matched the tree (for `crosscheck` and `disclosure`
    /// entries).
    var rootsAtCheckpoints: [UInt64: Digest32] = [:]
    /// Report digests anchored by valid `crosscheck` entries so far.
    var anchoredReports: Set<Digest32> = []
    var mismatched: [(size: UInt64, pending: PendingCheckpoint)] = []
    /// The largest tree size at which a valid checkpoint of the bundle was reached (for `checkpoint-inside-batch`).
    var lastBundleCheckpointSize: UInt64 = 0
    /// Reused scan buffer and the origin's bytes, for the payment fast path.
    var tape = JSONTape(mode: .canonical)
    var originBytes: [UInt8] = []
    var fastPaymentCount = 0

    public init(options: Options = Options()) {
        self.options = options
        for o in options.openings {
            openingsBySeq[o.seq, default: []].append(o)
            if let field = PersonalField(rawValue: o.field) { openedFields[o.seq, default: 0] |= field.bit }
        }
    }

    /// Seq ranges whose integrity a finding depends on, by finding index: if a structural break lies in the
    /// range, the finding is a consequence of it.
    var dependsOn: [Int: ClosedRange<UInt64>] = [:]

    mutating func add(_ finding: Finding, dependsOn range: ClosedRange<UInt64>? = nil) {
        if report.findings.count >= Self.maxFindings { report.findingsTruncated = true; return }
        if let range { dependsOn[report.findings.count] = range }
        report.findings.append(finding)
    }

    /// Supplies the ledger's checkpoints (signed notes). Call before the first entry.
    public mutating func addCheckpoints(_ notes: [String]) {
        rawCheckpoints.append(contentsOf: notes)
    }

    /// Verifies a whole bundle.
    public static func verify(bundle bytes: UnsafeRawBufferPointer, options: Options = Options(),
                              progress: ((UInt64, UInt64) -> Void)? = nil) -> VerificationReport {
        var verifier = LedgerVerifier(options: options)
        let layout: Bundle.Layout
        do { layout = try Bundle.layout(bytes) } catch {
            verifier.add(Finding(.bundleMalformed, seq: nil, error.message))
            return verifier.report
        }
        verifier.report.origin = layout.header.origin
        verifier.report.suite = layout.header.suite.rawValue
        verifier.addCheckpoints(layout.checkpoints)
        verifier.payments.reserveCapacity(layout.entryLines.count)
        let total = UInt64(layout.entryLines.count)
        var done: UInt64 = 0
        for range in layout.entryLines {
            verifier.consume(entryBytes: UnsafeRawBufferPointer(rebasing: bytes[range]))
            done += 1
            if let progress, done & 0x3fff == 0 { progress(done, total) }
        }
        progress?(done, total)
        var report = verifier.finish()
        // The header must agree with the genesis entry; verification goes on with the genesis values (§12).
        if verifier.suite != nil, report.origin != layout.header.origin || report.suite != layout.header.suite.rawValue {
            verifier.add(Finding(.bundleMalformed, seq: 1, "bundle header names origin \(layout.header.origin) and suite \(layout.header.suite.rawValue), but the genesis entry says \(report.origin) and \(report.suite)"))
            report.findings = verifier.sortedFindings()
            report.findingsTruncated = verifier.report.findingsTruncated
        }
        return report
    }

    // MARK: - entries

    /// Verifies the next entry, given its stored bytes and its entry hash as the caller computed it with the hash
    /// function of `suite` (a reader thread hashes while this one checks). The hash is used only if `suite` is
    /// the ledger's suite as its genesis entry states; otherwise it is computed here.
    public mutating func consume(entryBytes bytes: UnsafeRawBufferPointer, entryHash: Digest32, computedWith suite: Suite) {
        precomputedEntryHash = suite == self.suite ? entryHash : nil
        defer { precomputedEntryHash = nil }
        consume(entryBytes: bytes)
    }

    /// The same with the hashes of `PrecomputedHashes` (entry hash and, for payments, the body's leaf hash).
    package mutating func consume(entryBytes bytes: UnsafeRawBufferPointer, precomputed: PrecomputedHashes, computedWith suite: Suite) {
        let trusted = suite == self.suite
        precomputedEntryHash = trusted ? precomputed.entry : nil
        if trusted, let range = precomputed.paymentBody, let leaf = precomputed.paymentBodyLeaf { precomputedBody = (range, leaf) }
        defer {
            precomputedEntryHash = nil
            precomputedBody = nil
        }
        consume(entryBytes: bytes)
    }

    /// Verifies the next entry line of the ledger, given its stored bytes.
    public mutating func consume(entryBytes bytes: UnsafeRawBufferPointer) {
        if withoutGenesis { linesConsumed += 1; return }
        if consumeValidPayment(bytes) { return }
        let position = linesConsumed + 1
        let entry: Entry
        do { entry = try Entry(decoding: bytes) } catch {
            add(Finding(.entryMalformed, seq: position, error.message))
            guard let hash else {
                // Entry line 1 is not an entry, so there is no genesis: nothing else can be checked (§14.2).
                withoutGenesis = true
                linesConsumed += 1
                return
            }
            // Keep the chain position moving so later lines are still checked in place.
            advance(entryHash: precomputedEntryHash ?? EntryHash.compute(bytes, hash: hash), claimedSeq: nil, hash: hash)
            return
        }

        if hash == nil {
            guard startLedger(entry) else {
                withoutGenesis = true
                linesConsumed += 1
                return
            }
        }
        guard let hash else { return }
        let entryHash = precomputedEntryHash ?? EntryHash.compute(bytes, hash: hash)

        if entry.origin != origin {
            add(Finding(.wrongOrigin, seq: position, "entry belongs to origin \(entry.origin), not \(origin ?? "")"))
        }
        if position > 1 {
            if entry.seq != expectedSeq {
                let what = entry.seq > expectedSeq
                    ? "entries \(expectedSeq)…\(entry.seq - 1) are missing or out of order"
                    : "seq \(entry.seq) appears again or out of order"
                add(Finding(.seqMismatch, seq: position, "entry line \(position) should have seq \(expectedSeq), but has seq \(entry.seq): \(what)"))
            } else if entry.prev != prevHash {
                let previous = position - 1
                add(Finding(.hashChain, seq: previous,
                            "the stored bytes of seq \(previous) hash to \(prevHash.hex), but seq \(position) records prev \(entry.prev.hex): entry \(previous) was altered after it was chained"))
            }
        }
        if entry.time < lastTime {
            add(Finding(.timeOrder, seq: position, "time \(entry.time) is earlier than the previous entry's \(lastTime)"))
        }
        lastTime = max(lastTime, entry.time)
        report.entries += 1
        report.entriesByKind[entry.kind.rawValue, default: 0] += 1

        if openBatch != nil && entry.kind != .payment { closeBatch(through: position) }
        switch entry.kind {
        case .genesis: if position != 1 { add(Finding(.genesis, seq: position, "a second genesis entry")) }
        case .key: checkKey(entry, at: position)
        case .batch: checkBatch(entry, at: position)
        case .payment: checkPayment(entry, at: position, bytes: bytes, entryHash: entryHash)
        case .reversal: checkReversal(entry, at: position)
        case .erase: checkErase(entry, at: position)
        case .access: checkAccess(entry, at: position)
        case .crosscheck: checkCrossCheck(entry, at: position)
        case .disposition: checkDisposition(entry, at: position)
        case .disclosure: checkDisclosure(entry, at: position)
        }
        advance(entryHash: entryHash, claimedSeq: entry.seq, hash: hash)
    }

    /// Appends the line just checked to the tree and moves to the next position.
    mutating func advance(entryHash: Digest32, claimedSeq: UInt64?, hash: HashFunction) {
        linesConsumed += 1
        prevHash = entryHash
        // A claimed seq is at most 2^53 − 1 (the JSON safe range), so the sum cannot overflow.
        expectedSeq = (claimedSeq ?? linesConsumed) + 1
        frontier.append(entryHash, hash: hash)
        reachCheckpoints()
    }

    /// Reads the genesis entry at line 1. Returns false if it is not a genesis entry with a valid body: then the
    /// ledger has no suite and no keys, and nothing else can be checked. Other defects are reported and
    /// verification goes on with the genesis values.
    mutating func startLedger(_ entry: Entry) -> Bool {
        guard entry.kind == .genesis else {
            add(Finding(.genesis, seq: 1, "the ledger must start with a genesis entry, found a \(entry.kind.rawValue) entry (seq \(entry.seq)) at line 1"))
            return false
        }
        let genesis: GenesisBody
        do { genesis = try GenesisBody(decoding: entry.body) } catch {
            add(Finding(.genesis, seq: 1, "invalid genesis body: \(error.message)"))
            return false
        }
        suite = genesis.suite
        origin = entry.origin
        hash = genesis.suite.makeHashFunction()
        report.origin = entry.origin
        originBytes = Array(entry.origin.utf8)
        report.suite = genesis.suite.rawValue
        report.ledgerKey = genesis.ledgerKey.description
        if entry.seq != 1 { add(Finding(.genesis, seq: 1, "the genesis entry must have seq 1, found \(entry.seq)")) }
        if entry.prev != .zero { add(Finding(.genesis, seq: 1, "the genesis entry's prev must be 64 zeros")) }
        if genesis.ledgerKey.name != entry.origin {
            add(Finding(.genesis, seq: 1, "the ledger key is named \(genesis.ledgerKey.name), but it must be named after the origin \(entry.origin)"))
        }
        if let trusted = options.trustedLedgerKey, trusted != genesis.ledgerKey.description {
            add(Finding(.untrustedLedgerKey, seq: 1, "the genesis ledger key \(genesis.ledgerKey.description) is not the trusted key \(trusted)"))
        }
        ledgerKey = genesis.ledgerKey
        do { try registry.enroll(genesis.adminKey, role: .admin, units: [allUnitsScope], at: 1) } catch {
            add(Finding(.genesis, seq: 1, error.description))
        }
        prepareCheckpoints(genesis.ledgerKey)
        return true
    }

    /// Checks the signer of a signed body: enrolled, not revoked, role, scope, signature over the statement.
    mutating func checkSigner(_ entry: Entry, at position: UInt64, _ signed: SignerFields, role: Role, unit: String?) -> Bool {
        do {
            _ = try registry.authorizeSigned(kind: entry.kind, origin: entry.origin, body: entry.body, signed: signed, role: role, unit: unit, at: position)
            return true
        } catch {
            add(Finding(Finding.Code(error.code), seq: position, "\(entry.kind.rawValue): \(error.description)"))
            return false
        }
    }

    mutating func checkKey(_ entry: Entry, at position: UInt64) {
        guard let suite else { return }
        let body: KeyBody
        do { body = try KeyBody(decoding: entry.body, suite: suite) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        do { try registry.apply(body, rawBody: entry.body, origin: entry.origin, at: position) } catch {
            add(Finding(Finding.Code(error.code), seq: position, "key: \(error.description)"))
        }
    }

    mutating func checkBatch(_ entry: Entry, at position: UInt64) {
        let body: BatchBody
        do { body = try BatchBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        if !batchIDs.insert(body.batchID).inserted {
            add(Finding(.batchDuplicateID, seq: position, "batch id \(body.batchID) was already used in this ledger"))
        }
        _ = checkSigner(entry, at: position, body.signed, role: .officer, unit: body.unit)
        report.batches += 1
        batchHeaders.append((body.unit, body.program))
        openBatch = OpenBatch(seq: position, body: body)
    }

    /// A payment right after a size at which the bundle has a valid checkpoint: the ledger signed a tree that
    /// ends inside a batch (§5 rule 6, §14.4).
    mutating func checkNotAfterCheckpoint(at position: UInt64) {
        guard position > 1, lastBundleCheckpointSize == position - 1 else { return }
        add(Finding(.checkpointInsideBatch, seq: position - 1,
                    "a checkpoint is signed for size \(position - 1), but entry \(position) is a payment: the checkpoint ends inside a batch"),
            dependsOn: 1...position)
    }

    mutating func checkPayment(_ entry: Entry, at position: UInt64, bytes: UnsafeRawBufferPointer, entryHash: Digest32) {
        guard let hash else { return }
        let body: PaymentBody
        do { body = try PaymentBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        checkNotAfterCheckpoint(at: position)
        report.totals.payments += 1
        report.totals.grossFen = VerificationReport.Amounts.sum(report.totals.grossFen, body.amountFen)
        var committed: UInt8 = 0
        for field in body.commitments.keys { committed |= field.bit }

        if let opens = openingsBySeq.removeValue(forKey: position) { checkOpenings(opens, commitments: body.commitments, seq: position) }

        guard var batch = openBatch else {
            add(Finding(.paymentOutsideBatch, seq: position, "payment does not follow a batch header and its payments"))
            batchHeaders.append((body.unit, body.program))
            payments.append(seq: position, PaymentRecord(hash: entryHash, amountFen: body.amountFen, batch: batchHeaders.count - 1, committedFields: committed, reversedAt: nil))
            addAmounts(unit: body.unit, program: body.program, VerificationReport.Amounts(payments: 1, grossFen: body.amountFen))
            return
        }
        payments.append(seq: position, PaymentRecord(hash: entryHash, amountFen: body.amountFen, batch: batchHeaders.count - 1, committedFields: committed, reversedAt: nil))
        batch.amounts.payments += 1
        batch.amounts.grossFen = VerificationReport.Amounts.sum(batch.amounts.grossFen, body.amountFen)
        let h = batch.body
        var mismatches: [String] = []
        if body.batchID != h.batchID { mismatches.append("batch_id") }
        if body.index != batch.nextIndex { mismatches.append("index (expected \(batch.nextIndex), found \(body.index))") }
        if body.unit != h.unit { mismatches.append("unit") }
        if body.program != h.program { mismatches.append("program") }
        if body.period != h.period { mismatches.append("period") }
        if !mismatches.isEmpty {
            // The header is at an earlier position, so the range is never empty.
            add(Finding(.paymentMismatch, seq: position, "payment disagrees with its batch header at seq \(batch.seq) in \(mismatches.joined(separator: ", "))"),
                dependsOn: batch.seq...position)
        }
        let bodyBytes = entry.bodyRange.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
        let leaf = bodyBytes.map { hash.hash(prefix: MerkleTree.leafPrefix, $0) }
            ?? CanonicalJSON.encode(.object(entry.body)).withUnsafeBytes { hash.hash(prefix: MerkleTree.leafPrefix, $0) }
        batch.leaves.append(leaf, hash: hash)
        batch.sum = batch.sum.flatMap { Self.checkedSum($0, body.amountFen) }
        batch.nextIndex += 1
        openBatch = batch
        if batch.nextIndex == h.count { closeBatch(through: position + 1) }
    }

    /// `a + b`, or nil if it overflows.
    static func checkedSum(_ a: Int64, _ b: Int64) -> Int64? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }

    /// Ends the open batch, complete or not. `through` is the position of the entry after its last payment (the
    /// entry that interrupts it, or the position after the end of the ledger, `atEndOfLedger`): the batch's
    /// evidence spans its header up to that entry, whose prev seals the last payment.
    mutating func closeBatch(through end: UInt64, atEndOfLedger: Bool = false) {
        guard let batch = openBatch, let hash else { return }
        openBatch = nil
        let h = batch.body
        addAmounts(unit: h.unit, program: h.program, batch.amounts)
        let span = batch.seq...max(batch.seq, end)
        if batch.nextIndex != h.count {
            add(Finding(.batchIncomplete, seq: batch.seq,
                        "batch \(h.batchID) declares \(h.count) payments but \(batch.nextIndex) follow it" + (atEndOfLedger ? " (the ledger ends)" : " (interrupted at seq \(end))")),
                dependsOn: span)
            return
        }
        if batch.leaves.root(hash: hash) != h.itemRoot {
            add(Finding(.batchItemRoot, seq: batch.seq,
                        "batch \(h.batchID): the officer-signed item root \(h.itemRoot.hex) does not match the Merkle root of its payments at seq \(batch.seq + 1)…\(batch.seq + UInt64(h.count)) (a payment was changed after signing)"), dependsOn: span)
        }
        if batch.sum != h.totalFen {
            let sum = batch.sum.map { "\($0)" } ?? "more than \(Int64.max)"
            add(Finding(.batchTotal, seq: batch.seq, "batch \(h.batchID): total_fen \(h.totalFen) but its payments add up to \(sum)"), dependsOn: span)
        }
    }

    mutating func checkReversal(_ entry: Entry, at position: UInt64) {
        let body: ReversalBody
        do { body = try ReversalBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        // The target rules first, then who may sign (§6.5, §14.4). The target's evidence spans the entries from
        // the target to the reversal.
        func refuse(_ why: String) {
            add(Finding(.reversalTarget, seq: position, why), dependsOn: body.target < position ? body.target...position : nil)
        }
        guard body.target < position, var target = payments[body.target] else {
            refuse("reversal targets seq \(body.target), which is not an earlier payment"); return
        }
        guard body.targetHash == target.hash else {
            refuse("reversal names target hash \(body.targetHash.hex), but payment \(body.target) hashes to \(target.hash.hex)"); return
        }
        guard body.amountFen == target.amountFen else {
            refuse("reversal amount \(body.amountFen) differs from the payment's \(target.amountFen)"); return
        }
        if let earlier = target.reversedAt {
            refuse("payment \(body.target) was already reversed at seq \(earlier)"); return
        }
        let header = batchHeaders[target.batch]
        guard checkSigner(entry, at: position, body.signed, role: .officer, unit: header.unit) else { return }
        target.reversedAt = position
        payments[body.target] = target
        report.totals.reversals += 1
        report.totals.reversedFen = VerificationReport.Amounts.sum(report.totals.reversedFen, body.amountFen)
        addAmounts(unit: header.unit, program: header.program, VerificationReport.Amounts(reversals: 1, reversedFen: body.amountFen))
    }

    mutating func addAmounts(unit: String, program: String, _ a: VerificationReport.Amounts) {
        let key = unit + "\t" + program
        var current = report.byUnitAndProgram[key] ?? .init()
        current.add(a)
        report.byUnitAndProgram[key] = current
    }

    /// An `access` entry (§6.7) commits the access log at a size larger than the last one did.
    mutating func checkAccess(_ entry: Entry, at position: UInt64) {
        let body: AccessLogBody
        do { body = try AccessLogBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        if let last = report.accessLog, body.size <= last.size {
            add(Finding(.accessLogOrder, seq: position, "commits the access log at size \(body.size), not past the size \(last.size) committed at seq \(last.seq)"))
            return
        }
        report.accessLog = VerificationReport.AccessLogCommit(seq: position, size: body.size, head: body.head)
    }

    /// A `crosscheck` entry (§6.8) anchors a report of a run that read the tree at `checked_size`: that size is
    /// before the entry and the bundle's checkpoint at that size (or the tree just before the entry) has
    /// `checked_root`; signed by an inspector whose scope covers `unit`.
    mutating func checkCrossCheck(_ entry: Entry, at position: UInt64) {
        guard let hash else { return }
        let body: CrossCheckBody
        do { body = try CrossCheckBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        guard isEarlierTree(size: body.checkedSize, root: body.checkedRoot, at: position, hash: hash, code: .crosscheckChecked, member: "checked") else { return }
        guard checkSigner(entry, at: position, body.signed, role: .inspector, unit: body.unit) else { return }
        anchoredReports.insert(body.reportSHA256)
        report.crosschecks.append(.init(seq: position, run: body.run, period: body.period, unit: body.unit, findings: body.findings, reportSHA256: body.reportSHA256))
    }

    /// Whether `<member>_size` and `<member>_root` of the entry at `position` name a tree before it: the size is less
    /// than the position and the root is the tree's at that size, known from the entries just before (the frontier)
    /// or from a checkpoint of the bundle that matched them (§6.8, §6.10). Otherwise the finding `code`, and false.
    mutating func isEarlierTree(size: UInt64, root expected: Digest32, at position: UInt64, hash: HashFunction, code: Finding.Code, member: String) -> Bool {
        guard size < position else {
            add(Finding(code, seq: position, "\(member)_size \(size) is not before the entry"))
            return false
        }
        let root = size == frontier.size ? frontier.root(hash: hash) : rootsAtCheckpoints[size]
        guard let root else {
            add(Finding(code, seq: position, "the bundle has no checkpoint at \(member)_size \(size) that matches the entries"), dependsOn: 1...position)
            return false
        }
        guard root == expected else {
            add(Finding(code, seq: position, "\(member)_root is not the root of the tree at size \(size)"), dependsOn: 1...position)
            return false
        }
        return true
    }

    /// A `disposition` entry (§6.9) names a report anchored by an earlier valid `crosscheck` entry; signed by an
    /// inspector whose scope covers `unit`.
    mutating func checkDisposition(_ entry: Entry, at position: UInt64) {
        let body: DispositionBody
        do { body = try DispositionBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        guard anchoredReports.contains(body.reportSHA256) else {
            add(Finding(.dispositionReport, seq: position, "report \(body.reportSHA256.hex) is not anchored by an earlier crosscheck entry"), dependsOn: 1...position)
            return
        }
        guard checkSigner(entry, at: position, body.signed, role: .inspector, unit: body.unit) else { return }
        report.dispositions.append(.init(seq: position, finding: body.finding, rule: body.rule, unit: body.unit, outcome: body.outcome.rawValue,
                                         reason: body.reason, action: body.action, signer: body.signed.signer, reportSHA256: body.reportSHA256))
    }

    /// A `disclosure` entry (§6.10) records an export derived from the tree at `derived_size`: that size is before
    /// the entry and the bundle's checkpoint at that size (or the tree just before the entry) has `derived_root`.
    /// The ledger appends it itself: there is no signer to check.
    mutating func checkDisclosure(_ entry: Entry, at position: UInt64) {
        guard let hash else { return }
        let body: DisclosureBody
        do { body = try DisclosureBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        guard isEarlierTree(size: body.derivedSize, root: body.derivedRoot, at: position, hash: hash, code: .disclosureDerived, member: "derived") else { return }
        report.disclosures.append(.init(seq: position, manifestSHA256: body.manifestSHA256, derivedSize: body.derivedSize, derivedRoot: body.derivedRoot,
                                        publicityStart: body.publicityStart, publicityEnd: body.publicityEnd, units: body.units))
    }

    mutating func checkErase(_ entry: Entry, at position: UInt64) {
        let body: EraseBody
        do { body = try EraseBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: position, error.message)); return
        }
        func refuse(_ why: String) {
            add(Finding(.eraseTarget, seq: position, why), dependsOn: body.target < position ? body.target...position : nil)
        }
        guard body.target < position, let target = payments[body.target] else {
            refuse("erase targets seq \(body.target), which is not an earlier payment"); return
        }
        var erased: UInt8 = 0
        for field in body.fields { erased |= field.bit }
        let uncommitted = body.fields.filter { target.committedFields & $0.bit == 0 }
        guard uncommitted.isEmpty else {
            refuse("erase names \(uncommitted.map(\.rawValue).joined(separator: ", ")), which payment \(body.target) does not commit to"); return
        }
        guard checkSigner(entry, at: position, body.signed, role: .admin, unit: nil) else { return }
        report.erasures += 1
        erasedFields[body.target, default: 0] |= erased
        // Openings of erased fields were to be deleted with this entry (§6.6): holding one is a finding.
        if let opened = openedFields[body.target], opened & erased != 0 {
            let fields = body.fields.filter { opened & $0.bit != 0 }.map(\.rawValue).joined(separator: ", ")
            add(Finding(.openingErased, seq: body.target, "openings of \(fields) were given, but the erase entry at seq \(position) erased them"),
                dependsOn: body.target...position)
        }
    }

    mutating func checkOpenings(_ openings: [Opening], commitments: [PersonalField: Digest32], seq: UInt64) {
        guard let hash else { return }
        for o in openings {
            report.openingsChecked += 1
            guard let field = PersonalField(rawValue: o.field), let commitment = commitments[field] else {
                add(Finding(.openingUnknown, seq: seq, "an opening names field \(o.field), which the payment does not commit to"))
                continue
            }
            // A salt of another length (possible only in an `Opening` built in code: the openings file's decoder
            // refuses it) cannot match any commitment.
            if o.salt.count != Commitment.saltLength || Commitment.compute(field: o.field, salt: o.salt, value: o.value, hash: hash) != commitment {
                // If the payment's bytes were altered in place, the commitment itself is what changed.
                add(Finding(.openingMismatch, seq: seq, "the opening of \(o.field) does not match its commitment"), dependsOn: seq...seq)
            }
        }
    }

    // MARK: - payment fast path

    /// Verifies a payment that is in every respect as it should be — canonical, well-formed, next in the
    /// chain, in order, continuing its batch — reading it straight from the tape. Returns false, having changed
    /// nothing, for anything else; `consume` then takes the general path, which names the problem.
    mutating func consumeValidPayment(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let hash, var batch = openBatch else { return false }
        let position = linesConsumed + 1
        guard expectedSeq == position, lastBundleCheckpointSize != linesConsumed else { return false }
        do { try tape.scan(bytes, checkingKeyOrder: false) } catch { return false }
        guard let f = originBytes.withUnsafeBytes({ PaymentEntryReader.read(tape, bytes, origin: $0) }),
              f.seq == position, f.prev == prevHash, f.index == batch.nextIndex,
              let committed = PaymentEntryReader.committedFields(tape, bytes, f.commitToken) else { return false }
        let h = batch.body
        func same(_ r: Range<Int>, _ s: String) -> Bool {
            var s = s
            return s.withUTF8 { u in u.count == r.count && (u.count == 0 || memcmp(u.baseAddress!, bytes.baseAddress! + r.lowerBound, u.count) == 0) }
        }
        guard same(f.batchID, h.batchID), same(f.unit, h.unit), same(f.program, h.program), same(f.period, h.period) else { return false }
        let time = UnsafeRawBufferPointer(rebasing: bytes[f.time])
        var last = lastTime
        // Both are validated timestamps of 24 bytes (or `last` is still empty).
        let order = last.withUTF8 { l in l.count != 24 ? 1 : Int(memcmp(time.baseAddress!, l.baseAddress!, 24)) }
        guard time.count == 24, order >= 0 else { return false }

        // Accepted: from here on, the same effects as the general path.
        if order > 0 { lastTime = String(decoding: time, as: UTF8.self) }
        let entryHash = precomputedEntryHash ?? hash.hash(prefix: MerkleTree.leafPrefix, bytes)
        report.entries += 1
        fastPaymentCount += 1
        report.totals.payments += 1
        report.totals.grossFen = VerificationReport.Amounts.sum(report.totals.grossFen, f.amountFen)
        if let opens = openingsBySeq.removeValue(forKey: position) {
            checkOpenings(opens, commitments: PaymentEntryReader.commitments(tape, bytes, f.commitToken), seq: position)
        }
        payments.append(seq: position, PaymentRecord(hash: entryHash, amountFen: f.amountFen, batch: batchHeaders.count - 1, committedFields: committed, reversedAt: nil))
        batch.amounts.payments += 1
        batch.amounts.grossFen = VerificationReport.Amounts.sum(batch.amounts.grossFen, f.amountFen)
        let leaf = precomputedBody.flatMap { $0.range == f.body ? $0.leaf : nil } ?? hash.hash(prefix: MerkleTree.leafPrefix, UnsafeRawBufferPointer(rebasing: bytes[f.body]))
        batch.leaves.append(leaf, hash: hash)
        batch.sum = batch.sum.flatMap { Self.checkedSum($0, f.amountFen) }
        batch.nextIndex += 1
        openBatch = batch
        if batch.nextIndex == h.count { closeBatch(through: position + 1) }
        advance(entryHash: entryHash, claimedSeq: f.seq, hash: hash)
        return true
    }

    // MARK: - checkpoints

    /// Parses and checks a checkpoint note: the ledger's origin, a size from 1 to 2^53 − 1, a valid signature by
    /// the ledger key. Returns the checkpoint, or the finding that says what is wrong with it.
    enum CheckedCheckpoint {
        case valid(SignedCheckpoint)
        case invalid(Finding)
    }

    static func check(note: String, key: VerifierKey, what: String) -> CheckedCheckpoint {
        let signed: SignedCheckpoint
        do { signed = try SignedCheckpoint(parsing: note) } catch {
            return .invalid(Finding(.checkpointMalformed, seq: nil, "\(what): \(error.message)"))
        }
        let size = signed.checkpoint.size
        guard signed.checkpoint.origin == key.name else {
            return .invalid(Finding(.checkpointMalformed, seq: nil, "\(what) is for origin \(signed.checkpoint.origin), not \(key.name)"))
        }
        guard size >= 1, size <= UInt64(JSONValue.maxSafeInteger) else {
            return .invalid(Finding(.checkpointMalformed, seq: nil, "\(what) has size \(size), outside 1…2^53−1 (every ledger has a genesis entry, and no seq exceeds 2^53−1)"))
        }
        guard signed.note.verify(with: key) else {
            return .invalid(Finding(.checkpointSignature, seq: size, "\(what) (size \(size)) has no valid signature by the ledger key \(key.name)+\(key.keyIDHex)"))
        }
        return .valid(signed)
    }

    mutating func prepareCheckpoints(_ key: VerifierKey) {
        var valid: [PendingCheckpoint] = []
        for (index, note) in rawCheckpoints.enumerated() {
            switch Self.check(note: note, key: key, what: "checkpoint #\(index + 1)") {
            case .valid(let signed):
                report.checkpoints += 1
                valid.append(PendingCheckpoint(index: index, signed: signed, external: false))
            case .invalid(let finding): add(finding)
            }
        }
        if let last = valid.max(by: { $0.signed.checkpoint.size < $1.signed.checkpoint.size }) { report.latestCheckpoint = last.signed.checkpoint }
        for (index, note) in options.expectedCheckpoints.enumerated() {
            switch Self.check(note: note, key: key, what: "given checkpoint #\(index + 1)") {
            case .valid(let signed): valid.append(PendingCheckpoint(index: index, signed: signed, external: true))
            case .invalid(let finding):
                add(Finding(.externalCheckpointSignature, seq: nil, finding.message + " — it is not a checkpoint signed by this ledger's key"))
            }
        }
        checkpointQueue = valid.sorted { $0.signed.checkpoint.size < $1.signed.checkpoint.size }
        // The largest checkpoint bounds the ledger's size: size the payment index once.
        if let largest = checkpointQueue.last?.signed.checkpoint.size, largest < 100_000_000 { payments.reserveCapacity(Int(largest)) }
    }

    mutating func reachCheckpoints() {
        guard let hash else { return }
        while nextCheckpoint < checkpointQueue.count, checkpointQueue[nextCheckpoint].signed.checkpoint.size <= frontier.size {
            let pending = checkpointQueue[nextCheckpoint]
            nextCheckpoint += 1
            let cp = pending.signed.checkpoint
            if cp.size == frontier.size {
                if !pending.external { lastBundleCheckpointSize = cp.size }
                if frontier.root(hash: hash) == cp.root {
                    matchedSizes.append(cp.size)
                    if !pending.external { rootsAtCheckpoints[cp.size] = cp.root }
                } else {
                    mismatched.append((cp.size, pending))
                }
            }
        }
    }

    // MARK: - end

    /// Finishes verification and returns the report.
    public mutating func finish() -> VerificationReport {
        if withoutGenesis {
            report.findings = sortedFindings()
            return report
        }
        let end = frontier.size
        if openBatch != nil { closeBatch(through: end + 1, atEndOfLedger: true) }
        if fastPaymentCount > 0 {
            report.entriesByKind[EntryKind.payment.rawValue, default: 0] += fastPaymentCount
            fastPaymentCount = 0
        }
        if hash == nil && linesConsumed == 0 {
            add(Finding(.genesis, seq: nil, "the ledger has no entries"))
        }
        for seq in openingsBySeq.keys.sorted() {
            add(Finding(.openingUnknown, seq: seq, "an opening names seq \(seq), which is not a payment of this ledger"))
        }
        openingsBySeq = [:]
        if options.openingsComplete {
            var missing: [(seq: UInt64, fields: UInt8)] = []
            payments.forEach { seq, record in
                let fields = record.committedFields & ~(openedFields[seq] ?? 0) & ~(erasedFields[seq] ?? 0)
                if fields != 0 { missing.append((seq, fields)) }
            }
            for m in missing {
                let names = PersonalField.allCases.filter { m.fields & $0.bit != 0 }.map(\.rawValue).joined(separator: ", ")
                add(Finding(.openingMissing, seq: m.seq, "payment \(m.seq) commits to \(names), but no opening is stored and no erase entry erased it: deleted without a record"))
            }
        }
        for (size, pending) in mismatched {
            let name = pending.external ? "given checkpoint #\(pending.index + 1)" : "checkpoint #\(pending.index + 1)"
            if pending.external {
                add(Finding(.externalCheckpointMismatch, seq: size,
                            "\(name) (size \(size)) is signed by the ledger key, but its root does not match entries 1…\(size) of this bundle: the ledger was rewritten since that checkpoint, or it signed a fork"),
                    dependsOn: 1...size)
            } else if let witness = matchedSizes.first(where: { $0 >= size }) {
                add(Finding(.checkpointInconsistent, seq: size,
                            "\(name) (size \(size)) is signed by the ledger key but its root does not match entries 1…\(size), while the checkpoint of size \(witness) matches them: the ledger signed two inconsistent checkpoints"))
            } else {
                let lastGood = matchedSizes.last(where: { $0 < size }) ?? 0
                add(Finding(.checkpointRootMismatch, seq: size,
                            "\(name) (size \(size)) does not match the root of entries 1…\(size): an entry in \(lastGood + 1)…\(size) was altered and re-chained, or the ledger signed a fork"),
                    dependsOn: 1...size)
            }
        }
        for pending in checkpointQueue[nextCheckpoint...] {
            let size = pending.signed.checkpoint.size
            if pending.external {
                add(Finding(.externalCheckpointMismatch, seq: end + 1,
                            "given checkpoint #\(pending.index + 1) is signed for size \(size), but the bundle ends at seq \(end): entries \(end + 1)…\(size) are missing (the tail was cut)"),
                    dependsOn: 1...(end + 1))
            } else {
                add(Finding(.checkpointBeyondEnd, seq: end + 1,
                            "checkpoint #\(pending.index + 1) is signed for size \(size), but the ledger ends at seq \(end): entries \(end + 1)…\(size) are missing (the tail was cut)"),
                    dependsOn: 1...(end + 1))
            }
        }
        let covered = checkpointQueue.last(where: { !$0.external })?.signed.checkpoint.size ?? 0
        if end > 0, covered < end {
            add(Finding(.unsignedTail, seq: covered + 1, "entries \(covered + 1)…\(end) are not covered by any signed checkpoint"))
        }
        report.keys = registry.order.compactMap { name in
            registry.records[name].map { VerificationReport.KeySummary(name: name, role: $0.role.rawValue, units: $0.units, enrolledAt: $0.enrolledAt, revokedAt: $0.revokedAt) }
        }
        report.findings = sortedFindings()
        return report
    }

    mutating func sortedFindings() -> [Finding] {
        // Structural findings are never consequences (§14, "First bad seq").
        let breaks = report.findings.filter { Finding.structuralCodes.contains($0.code) }.compactMap(\.seq).sorted()
        for (index, range) in dependsOn where !Finding.structuralCodes.contains(report.findings[index].code) {
            if let cause = breaks.first(where: { range.contains($0) }) {
                report.findings[index].consequenceOf = cause
            }
        }
        dependsOn = [:]
        return report.findings.enumerated().sorted { a, b in
            let ca = a.element.consequenceOf != nil, cb = b.element.consequenceOf != nil
            if ca != cb { return !ca }
            // At the same seq, a structural break leads.
            if a.element.seq == b.element.seq {
                let sa = Finding.structuralCodes.contains(a.element.code), sb = Finding.structuralCodes.contains(b.element.code)
                if sa != sb { return sa }
            }
            switch (a.element.seq, b.element.seq) {
            case let (x?, y?): return x != y ? x < y : a.offset < b.offset
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
    }
}

/// Payments by seq. Seqs arrive in increasing order, so two parallel arrays and a binary search serve
/// (reversals are rare); appending costs no hashing.
struct PaymentIndex {
    private var seqs: [UInt64] = []
    private var records: [LedgerVerifier.PaymentRecord] = []

    mutating func reserveCapacity(_ n: Int) {
        seqs.reserveCapacity(n)
        records.reserveCapacity(n)
    }

    /// Every payment in seq order.
    func forEach(_ body: (UInt64, LedgerVerifier.PaymentRecord) -> Void) {
        for i in seqs.indices { body(seqs[i], records[i]) }
    }

    mutating func append(seq: UInt64, _ record: LedgerVerifier.PaymentRecord) {
        // A seq out of order (a corrupted ledger) is inserted in place, keeping the arrays sorted.
        if let last = seqs.last, seq <= last {
            let i = position(seq)
            if i < seqs.count, seqs[i] == seq { records[i] = record; return }
            seqs.insert(seq, at: i)
            records.insert(record, at: i)
            return
        }
        seqs.append(seq)
        records.append(record)
    }

    private func position(_ seq: UInt64) -> Int {
        var lo = 0, hi = seqs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if seqs[mid] < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    subscript(seq: UInt64) -> LedgerVerifier.PaymentRecord? {
        get {
            let i = position(seq)
            return i < seqs.count && seqs[i] == seq ? records[i] : nil
        }
        set {
            let i = position(seq)
            guard let newValue, i < seqs.count, seqs[i] == seq else { return }
            records[i] = newValue
        }
    }
}

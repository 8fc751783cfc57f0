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
        public init() {}
    }

    struct PaymentRecord {
        var hash: Digest32
        var amountFen: Int64
        /// Index into `batchHeaders`, whose unit and programme the payment carries (a payment that disagrees
        /// with its header is a finding of its own).
        var batch: Int32
        var reversedAt: UInt64?
    }

    struct OpenBatch {
        let seq: UInt64
        let body: BatchBody
        var nextIndex: Int64 = 0
        var sum: Int64 = 0
        var leaves = MerkleFrontier()
        var amounts = VerificationReport.Amounts()
    }

    struct PendingCheckpoint {
        let index: Int
        let signed: SignedCheckpoint
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
    var expectedSeq: UInt64 = 1
    var prevHash = Digest32.zero
    var lastTime = ""
    var frontier = MerkleFrontier()
    var openBatch: OpenBatch? = nil
    var batchIDs: Set<String> = []
    var payments = PaymentIndex()
    var batchHeaders: [(unit: String, program: String)] = []
    var openingsBySeq: [UInt64: [Opening]] = [:]
    var rawCheckpoints: [String] = []
    /// Checkpoints sorted by size; `nextCheckpoint` indexes the first not yet reached.
    var checkpointQueue: [PendingCheckpoint] = []
    var nextCheckpoint = 0
    /// Sizes at which a verified checkpoint matched / did not match the recomputed root.
    var matchedSizes: [UInt64] = []
    var mismatched: [(size: UInt64, index: Int)] = []
    var structuralBreak = false
    /// Reused scan buffer and the origin's bytes, for the payment fast path.
    var tape = JSONTape(mode: .canonical)
    var originBytes: [UInt8] = []
    var fastPaymentCount = 0

    public init(options: Options = Options()) {
        self.options = options
        for o in options.openings { openingsBySeq[o.seq, default: []].append(o) }
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
        if report.origin != layout.header.origin || report.suite != layout.header.suite.rawValue {
            verifier.add(Finding(.bundleMalformed, seq: nil, "bundle header names origin \(layout.header.origin) and suite \(layout.header.suite.rawValue), but the genesis entry says \(report.origin) and \(report.suite)"))
            report.findings = verifier.sortedFindings()
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

    /// Verifies the next entry of the ledger, given its stored bytes.
    public mutating func consume(entryBytes bytes: UnsafeRawBufferPointer) {
        if consumeValidPayment(bytes) { return }
        let position = expectedSeq
        let entry: Entry
        do { entry = try Entry(decoding: bytes) } catch {
            add(Finding(.entryMalformed, seq: position, error.message))
            structuralBreak = true
            // Keep the chain position moving so later entries are still checked against their own seqs.
            if let hash { prevHash = precomputedEntryHash ?? EntryHash.compute(bytes, hash: hash); frontier.append(prevHash, hash: hash) }
            expectedSeq += 1
            return
        }

        if entry.seq == 1 || hash == nil {
            guard hash == nil else {
                add(Finding(.genesis, seq: entry.seq, "a second genesis entry"))
                return
            }
            guard entry.seq == 1, entry.kind == .genesis else {
                add(Finding(.genesis, seq: entry.seq, "the ledger must start with a genesis entry at seq 1, found \(entry.kind.rawValue) at seq \(entry.seq)"))
                structuralBreak = true
                return
            }
            startLedger(entry)
        }
        guard let hash else { return }
        let entryHash = precomputedEntryHash ?? EntryHash.compute(bytes, hash: hash)

        if entry.origin != origin {
            add(Finding(.wrongOrigin, seq: entry.seq, "entry belongs to origin \(entry.origin), not \(origin ?? "")"))
        }
        if entry.seq != expectedSeq {
            let what = entry.seq > expectedSeq
                ? "entries \(expectedSeq)…\(entry.seq - 1) are missing or out of order"
                : "seq \(entry.seq) appears again or out of order"
            add(Finding(.seqMismatch, seq: expectedSeq, "expected seq \(expectedSeq), found seq \(entry.seq): \(what)"))
            structuralBreak = true
        } else if entry.prev != prevHash {
            let previous = entry.seq - 1
            add(Finding(.hashChain, seq: previous,
                        "the stored bytes of seq \(previous) hash to \(prevHash.hex), but seq \(entry.seq) records prev \(entry.prev.hex): entry \(previous) was altered after it was chained"))
        }
        if entry.time < lastTime {
            add(Finding(.timeOrder, seq: entry.seq, "time \(entry.time) is earlier than the previous entry's \(lastTime)"))
        }
        lastTime = max(lastTime, entry.time)
        report.entries += 1
        report.entriesByKind[entry.kind.rawValue, default: 0] += 1

        if openBatch != nil && entry.kind != .payment { closeBatch(at: entry.seq) }
        switch entry.kind {
        case .genesis: if entry.seq != 1 { add(Finding(.genesis, seq: entry.seq, "a second genesis entry")) }
        case .key: checkKey(entry)
        case .batch: checkBatch(entry)
        case .payment: checkPayment(entry, bytes: bytes, entryHash: entryHash)
        case .reversal: checkReversal(entry)
        case .erase: checkErase(entry)
        }

        prevHash = entryHash
        expectedSeq = entry.seq + 1
        frontier.append(entryHash, hash: hash)
        reachCheckpoints()
    }

    mutating func startLedger(_ entry: Entry) {
        let genesis: GenesisBody
        do { genesis = try GenesisBody(decoding: entry.body) } catch {
            add(Finding(.genesis, seq: 1, "invalid genesis body: \(error.message)"))
            structuralBreak = true
            return
        }
        suite = genesis.suite
        origin = entry.origin
        hash = genesis.suite.makeHashFunction()
        report.origin = entry.origin
        originBytes = Array(entry.origin.utf8)
        report.suite = genesis.suite.rawValue
        report.ledgerKey = genesis.ledgerKey.description
        if entry.prev != .zero { add(Finding(.hashChain, seq: 1, "genesis prev must be 64 zeros")) }
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
    }

    /// Checks the signer of a signed body: enrolled, not revoked, role, scope, signature over the statement.
    mutating func checkSigner(_ entry: Entry, _ signed: SignerFields, role: Role, unit: String?) -> Bool {
        do {
            _ = try registry.authorizeSigned(kind: entry.kind, origin: entry.origin, body: entry.body, signed: signed, role: role, unit: unit, at: entry.seq)
            return true
        } catch {
            add(Finding(Finding.Code(error.code), seq: entry.seq, "\(entry.kind.rawValue): \(error.description)"))
            return false
        }
    }

    mutating func checkKey(_ entry: Entry) {
        guard let suite else { return }
        let body: KeyBody
        do { body = try KeyBody(decoding: entry.body, suite: suite) } catch {
            add(Finding(.entryMalformed, seq: entry.seq, error.message)); return
        }
        do { try registry.apply(body, rawBody: entry.body, origin: entry.origin, at: entry.seq) } catch {
            add(Finding(Finding.Code(error.code), seq: entry.seq, "key: \(error.description)"))
        }
    }

    mutating func checkBatch(_ entry: Entry) {
        let body: BatchBody
        do { body = try BatchBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: entry.seq, error.message)); return
        }
        if !batchIDs.insert(body.batchID).inserted {
            add(Finding(.batchDuplicateID, seq: entry.seq, "batch id \(body.batchID) was already used in this ledger"))
        }
        _ = checkSigner(entry, body.signed, role: .officer, unit: body.unit)
        report.batches += 1
        batchHeaders.append((body.unit, body.program))
        openBatch = OpenBatch(seq: entry.seq, body: body)
    }

    mutating func checkPayment(_ entry: Entry, bytes: UnsafeRawBufferPointer, entryHash: Digest32) {
        guard let hash else { return }
        let body: PaymentBody
        do { body = try PaymentBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: entry.seq, error.message)); return
        }
        report.totals.payments += 1
        report.totals.grossFen += body.amountFen

        if let opens = openingsBySeq.removeValue(forKey: entry.seq) { checkOpenings(opens, commitments: body.commitments, seq: entry.seq) }

        guard var batch = openBatch else {
            add(Finding(.paymentOutsideBatch, seq: entry.seq, "payment does not follow a batch header and its payments"))
            batchHeaders.append((body.unit, body.program))
            payments.append(seq: entry.seq, PaymentRecord(hash: entryHash, amountFen: body.amountFen, batch: Int32(batchHeaders.count - 1), reversedAt: nil))
            addAmounts(unit: body.unit, program: body.program, VerificationReport.Amounts(payments: 1, grossFen: body.amountFen))
            return
        }
        payments.append(seq: entry.seq, PaymentRecord(hash: entryHash, amountFen: body.amountFen, batch: Int32(batchHeaders.count - 1), reversedAt: nil))
        batch.amounts.payments += 1
        batch.amounts.grossFen += body.amountFen
        let h = batch.body
        var mismatches: [String] = []
        if body.batchID != h.batchID { mismatches.append("batch_id") }
        if body.index != batch.nextIndex { mismatches.append("index (expected \(batch.nextIndex), found \(body.index))") }
        if body.unit != h.unit { mismatches.append("unit") }
        if body.program != h.program { mismatches.append("program") }
        if body.period != h.period { mismatches.append("period") }
        if !mismatches.isEmpty {
            add(Finding(.paymentMismatch, seq: entry.seq, "payment disagrees with its batch header at seq \(batch.seq) in \(mismatches.joined(separator: ", "))"),
                dependsOn: batch.seq...entry.seq)
        }
        let bodyBytes = entry.bodyRange.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
        let leaf = bodyBytes.map { hash.hash(prefix: MerkleTree.leafPrefix, $0) }
            ?? CanonicalJSON.encode(.object(entry.body)).withUnsafeBytes { hash.hash(prefix: MerkleTree.leafPrefix, $0) }
        batch.leaves.append(leaf, hash: hash)
        batch.sum += body.amountFen
        batch.nextIndex += 1
        openBatch = batch
        if batch.nextIndex == h.count { closeBatch(at: nil) }
    }

    /// Ends the open batch, either complete or interrupted by the entry at `interruptedAt`.
    mutating func closeBatch(at interruptedAt: UInt64?) {
        guard let batch = openBatch, let hash else { return }
        openBatch = nil
        let h = batch.body
        addAmounts(unit: h.unit, program: h.program, batch.amounts)
        // The batch's evidence spans its header, its payments and the next entry (whose prev seals the last one).
        let span = batch.seq...(batch.seq + UInt64(h.count) + 1)
        if batch.nextIndex != h.count {
            let found = batch.nextIndex
            add(Finding(.batchIncomplete, seq: batch.seq,
                        "batch \(h.batchID) declares \(h.count) payments but \(found) follow it" + (interruptedAt.map { " (interrupted at seq \($0))" } ?? " (the ledger ends)")), dependsOn: span)
            return
        }
        if batch.leaves.root(hash: hash) != h.itemRoot {
            add(Finding(.batchItemRoot, seq: batch.seq,
                        "batch \(h.batchID): the officer-signed item root \(h.itemRoot.hex) does not match the Merkle root of its payments at seq \(batch.seq + 1)…\(batch.seq + UInt64(h.count)) (a payment was changed after signing)"), dependsOn: span)
        }
        if batch.sum != h.totalFen {
            add(Finding(.batchTotal, seq: batch.seq, "batch \(h.batchID): total_fen \(h.totalFen) but its payments add up to \(batch.sum)"), dependsOn: span)
        }
    }

    mutating func checkReversal(_ entry: Entry) {
        let body: ReversalBody
        do { body = try ReversalBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: entry.seq, error.message)); return
        }
        guard body.target < entry.seq, var target = payments[body.target] else {
            add(Finding(.reversalTarget, seq: entry.seq, "reversal targets seq \(body.target), which is not an earlier payment"))
            return
        }
        guard checkSigner(entry, body.signed, role: .officer, unit: batchHeaders[Int(target.batch)].unit) else { return }
        if body.targetHash != target.hash {
            add(Finding(.reversalTarget, seq: entry.seq, "reversal names target hash \(body.targetHash.hex), but payment \(body.target) hashes to \(target.hash.hex)"))
            return
        }
        if let earlier = target.reversedAt {
            add(Finding(.reversalTarget, seq: entry.seq, "payment \(body.target) was already reversed at seq \(earlier)"))
            return
        }
        if body.amountFen != target.amountFen {
            add(Finding(.reversalTarget, seq: entry.seq, "reversal amount \(body.amountFen) differs from the payment's \(target.amountFen)"))
            return
        }
        target.reversedAt = entry.seq
        payments[body.target] = target
        report.totals.reversals += 1
        report.totals.reversedFen += body.amountFen
        let header = batchHeaders[Int(target.batch)]
        addAmounts(unit: header.unit, program: header.program, VerificationReport.Amounts(reversals: 1, reversedFen: body.amountFen))
    }

    mutating func addAmounts(unit: String, program: String, _ a: VerificationReport.Amounts) {
        let key = unit + "\t" + program
        var current = report.byUnitAndProgram[key] ?? .init()
        current.payments += a.payments
        current.grossFen += a.grossFen
        current.reversals += a.reversals
        current.reversedFen += a.reversedFen
        report.byUnitAndProgram[key] = current
    }

    mutating func checkErase(_ entry: Entry) {
        let body: EraseBody
        do { body = try EraseBody(decoding: entry.body) } catch {
            add(Finding(.entryMalformed, seq: entry.seq, error.message)); return
        }
        guard body.target < entry.seq, payments[body.target] != nil else {
            add(Finding(.eraseTarget, seq: entry.seq, "erase targets seq \(body.target), which is not an earlier payment"))
            return
        }
        _ = checkSigner(entry, body.signed, role: .admin, unit: nil)
        report.erasures += 1
    }

    mutating func checkOpenings(_ openings: [Opening], commitments: [PersonalField: Digest32], seq: UInt64) {
        guard let hash else { return }
        for o in openings {
            report.openingsChecked += 1
            guard let field = PersonalField(rawValue: o.field), let commitment = commitments[field] else {
                add(Finding(.openingUnknown, seq: seq, "an opening names field \(o.field), which the payment does not commit to"))
                continue
            }
            if Commitment.compute(field: o.field, salt: o.salt, value: o.value, hash: hash) != commitment {
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
        do { try tape.scan(bytes, checkingKeyOrder: false) } catch { return false }
        guard let f = originBytes.withUnsafeBytes({ PaymentEntryReader.read(tape, bytes, origin: $0) }),
              f.seq == expectedSeq, f.prev == prevHash, f.index == batch.nextIndex else { return false }
        let h = batch.body
        func same(_ r: Range<Int>, _ s: String) -> Bool {
            var s = s
            return s.withUTF8 { u in u.count == r.count && (u.count == 0 || memcmp(u.baseAddress!, bytes.baseAddress! + r.lowerBound, u.count) == 0) }
        }
        guard same(f.batchID, h.batchID), same(f.unit, h.unit), same(f.program, h.program), same(f.period, h.period) else { return false }
        let time = UnsafeRawBufferPointer(rebasing: bytes[f.time])
        var last = lastTime
        let order = last.withUTF8 { l in l.count == 0 ? 1 : Int(memcmp(time.baseAddress!, l.baseAddress!, 24)) }
        guard order >= 0 else { return false }

        // Accepted: from here on, the same effects as the general path.
        if order > 0 { lastTime = String(decoding: time, as: UTF8.self) }
        let entryHash = precomputedEntryHash ?? hash.hash(prefix: MerkleTree.leafPrefix, bytes)
        report.entries += 1
        fastPaymentCount += 1
        report.totals.payments += 1
        report.totals.grossFen += f.amountFen
        if let opens = openingsBySeq.removeValue(forKey: f.seq) {
            checkOpenings(opens, commitments: PaymentEntryReader.commitments(tape, bytes, f.commitToken), seq: f.seq)
        }
        payments.append(seq: f.seq, PaymentRecord(hash: entryHash, amountFen: f.amountFen, batch: Int32(batchHeaders.count - 1), reversedAt: nil))
        batch.amounts.payments += 1
        batch.amounts.grossFen += f.amountFen
        let leaf = precomputedBody.flatMap { $0.range == f.body ? $0.leaf : nil } ?? hash.hash(prefix: MerkleTree.leafPrefix, UnsafeRawBufferPointer(rebasing: bytes[f.body]))
        batch.leaves.append(leaf, hash: hash)
        batch.sum += f.amountFen
        batch.nextIndex += 1
        openBatch = batch
        if batch.nextIndex == h.count { closeBatch(at: nil) }
        prevHash = entryHash
        expectedSeq = f.seq + 1
        frontier.append(entryHash, hash: hash)
        reachCheckpoints()
        return true
    }

    // MARK: - checkpoints

    mutating func prepareCheckpoints(_ key: VerifierKey) {
        var valid: [PendingCheckpoint] = []
        for (index, note) in rawCheckpoints.enumerated() {
            let signed: SignedCheckpoint
            do { signed = try SignedCheckpoint(parsing: note) } catch {
                add(Finding(.checkpointMalformed, seq: nil, "checkpoint #\(index + 1): \(error.message)")); continue
            }
            let size = signed.checkpoint.size
            guard signed.checkpoint.origin == key.name else {
                add(Finding(.checkpointMalformed, seq: size == 0 ? nil : size, "checkpoint #\(index + 1) is for origin \(signed.checkpoint.origin), not \(key.name)")); continue
            }
            guard signed.note.verify(with: key) else {
                add(Finding(.checkpointSignature, seq: size == 0 ? nil : size,
                            "checkpoint #\(index + 1) (size \(size)) has no valid signature by the ledger key \(key.name)+\(key.keyIDHex)")); continue
            }
            report.checkpoints += 1
            valid.append(PendingCheckpoint(index: index, signed: signed))
        }
        checkpointQueue = valid.sorted { $0.signed.checkpoint.size < $1.signed.checkpoint.size }
        // The largest checkpoint bounds the ledger's size: size the payment index once.
        if let largest = checkpointQueue.last?.signed.checkpoint.size, largest < 100_000_000 { payments.reserveCapacity(Int(largest)) }
        if let last = checkpointQueue.last { report.latestCheckpoint = last.signed.checkpoint }
    }

    mutating func reachCheckpoints() {
        guard let hash else { return }
        while nextCheckpoint < checkpointQueue.count, checkpointQueue[nextCheckpoint].signed.checkpoint.size <= frontier.size {
            let pending = checkpointQueue[nextCheckpoint]
            nextCheckpoint += 1
            let cp = pending.signed.checkpoint
            if cp.size == frontier.size {
                if frontier.root(hash: hash) == cp.root { matchedSizes.append(cp.size) } else { mismatched.append((cp.size, pending.index)) }
            }
        }
    }

    // MARK: - end

    /// Finishes verification and returns the report.
    public mutating func finish() -> VerificationReport {
        if openBatch != nil { closeBatch(at: nil) }
        if fastPaymentCount > 0 {
            report.entriesByKind[EntryKind.payment.rawValue, default: 0] += fastPaymentCount
            fastPaymentCount = 0
        }
        if hash == nil && report.findings.isEmpty {
            add(Finding(.genesis, seq: nil, "the ledger has no entries"))
        }
        for (seq, _) in openingsBySeq {
            add(Finding(.openingUnknown, seq: seq, "an opening names seq \(seq), which is not a payment of this ledger"))
        }
        openingsBySeq = [:]
        let end = frontier.size
        for (size, index) in mismatched {
            if let witness = matchedSizes.first(where: { $0 >= size }) {
                add(Finding(.checkpointInconsistent, seq: size,
                            "checkpoint #\(index + 1) (size \(size)) is signed by the ledger key but its root does not match entries 1…\(size), while the checkpoint of size \(witness) matches them: the ledger signed two inconsistent checkpoints"))
            } else {
                let lastGood = matchedSizes.last(where: { $0 < size }) ?? 0
                add(Finding(.checkpointRootMismatch, seq: size,
                            "checkpoint #\(index + 1) (size \(size)) does not match the root of entries 1…\(size): an entry in \(lastGood + 1)…\(size) was altered and re-chained, or the ledger signed a fork"),
                    dependsOn: 1...size)
            }
        }
        for pending in checkpointQueue[nextCheckpoint...] {
            let size = pending.signed.checkpoint.size
            add(Finding(.checkpointBeyondEnd, seq: end + 1,
                        "checkpoint #\(pending.index + 1) is signed for size \(size), but the ledger ends at seq \(end): entries \(end + 1)…\(size) are missing (the tail was cut)"),
                dependsOn: 1...(end + 1))
        }
        let covered = checkpointQueue.last?.signed.checkpoint.size ?? 0
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

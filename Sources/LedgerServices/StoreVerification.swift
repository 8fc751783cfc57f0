import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerVerify

/// Verification of a ledger from the database: the same verifier as offline (`aidledger verify --bundle`), fed the
/// stored entries in seq order, the stored checkpoints and every stored opening. Used by `aidledger verify`, the
/// daemon's `GET …/verification` and first start, and the benchmarks.
///
/// The head row (size, last hash, frontier, checkpoint: what the next append builds on) is not trusted: the
/// chain is verified from the entries whatever it says, and a head that is missing or disagrees with the entries
/// is a finding of its own (`head-inconsistent`), as appends are refused until it is repaired.
public enum StoreVerification {
    /// Verifies `ledger`. `expectedCheckpoints`: signed notes a client kept (FORMAT.md §14.8), each checked against
    /// the stored entries. `progress(done, total)` is called every 16,384 entries. `visit` sees every entry (seq,
    /// stored bytes, entry hash) as it is verified, and `openingsRead` the openings that were checked, so that a
    /// caller that needs them (the cross-check) reads the ledger once.
    public static func verify(_ store: LedgerStore, _ ledger: LedgerRecord, trustedLedgerKey: String? = nil, expectedCheckpoints: [String] = [], checkOpenings: Bool = true,
                              progress: ((UInt64, UInt64) -> Void)? = nil, visit: ((UInt64, UnsafeRawBufferPointer, Digest32) -> Void)? = nil,
                              openingsRead: (([Opening]) -> Void)? = nil) throws -> VerificationReport {
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = trustedLedgerKey
        options.expectedCheckpoints = expectedCheckpoints
        var unreadableOpenings: String? = nil
        if checkOpenings {
            do {
                try store.streamOpenings(ledger) { options.openings.append($0) }
                // The store holds every opening not erased on record: a missing one was deleted without a trace.
                options.openingsComplete = true
            } catch let error as StoreError {
                // A corrupt openings row is a finding; the chain and the rest are still verified (without openings).
                unreadableOpenings = error.message
                options.openings = []
            }
        }
        let head = Result { try store.head(ledger) }
        let total = (try? head.get().size) ?? 0
        var verifier = LedgerVerifier(options: options)
        verifier.addCheckpoints(try store.checkpoints(ledger))
        var done: UInt64 = 0
        var frontier = MerkleFrontier()
        let hash = ledger.suite.makeHashFunction()
        var last: (seq: UInt64, hash: Digest32)? = nil
        try store.streamEntriesConcurrently(ledger, hashingWith: ledger.suite) { seq, bytes, entryHash in
            verifier.consume(entryBytes: bytes, precomputed: entryHash, computedWith: ledger.suite)
            visit?(seq, bytes, entryHash.entry)
            frontier.append(entryHash.entry, hash: hash)
            last = (seq, entryHash.entry)
            done += 1
            if done & 0x3fff == 0 { progress?(done, max(total, done)) }
        }
        var report = verifier.finish()
        openingsRead?(options.openings)
        if let unreadableOpenings {
            report.insertIndependent(Finding(.openingMissing, seq: nil, "the stored openings cannot be read (\(unreadableOpenings)): altered in the database; no opening was checked"))
        }
        let lastTime = last.flatMap { try? store.entry(ledger, seq: $0.seq) }.flatMap { try? Entry(decoding: $0.bytes).time }
        if let problem = headProblem(head, entries: done, last: last, lastTime: lastTime, frontier: frontier, hash: hash) {
            report.insertIndependent(Finding(.headInconsistent, seq: nil, problem))
        }
        if let problem = accessLogProblem(try store.accessLogChain(ledger), headRow: try store.accessLogHeadRow(ledger), committed: report.accessLog, hash: hash) {
            report.insertIndependent(Finding(.accessLogAltered, seq: report.accessLog?.seq, problem))
        }
        return report
    }

    /// What is wrong with the head row, compared with the stored entries (their count, the last one's seq and
    /// hash, and the Merkle frontier over them), or nil.
    static func headProblem(_ head: Result<LedgerStore.Head, any Error>, entries: UInt64, last: (seq: UInt64, hash: Digest32)?, lastTime: String?,
                            frontier: MerkleFrontier, hash: HashFunction) -> String? {
        let h: LedgerStore.Head
        switch head {
        case .failure: return "the head row is missing or malformed: the entries were verified without it, and appends are refused until it is restored from them"
        case .success(let value): h = value
        }
        var problems: [String] = []
        if h.size != entries { problems.append("it records size \(h.size), the ledger holds \(entries) entries") }
        if let last, last.seq == h.size, h.lastHash != last.hash { problems.append("its last hash is not the hash of entry \(last.seq)") }
        if let last, last.seq == h.size, h.lastTime != lastTime { problems.append("its last time is not the time of entry \(last.seq) (the next entries would take it)") }
        if h.size == entries, h.frontier.root(hash: hash) != frontier.root(hash: hash) { problems.append("its Merkle frontier is not the tree of the entries") }
        if let note = try? SignedCheckpoint(parsing: h.checkpoint) {
            if note.checkpoint.size != h.size { problems.append("its checkpoint is for size \(note.checkpoint.size)") }
        } else {
            problems.append("its checkpoint is not a checkpoint note")
        }
        guard !problems.isEmpty else { return nil }
        return "the head row disagrees with the entries (" + problems.joined(separator: "; ") + "): appends are refused until it is repaired"
    }
}

extension StoreVerification {
    /// What is wrong with the access log's chain (§6.7): a record that does not chain to the one before it or does
    /// not hash to its stored hash, a missing record, or a chain that does not reach the head the last `access`
    /// entry committed. Nil if it holds.
    static func accessLogProblem(_ chain: [(record: AccessLogChain.Record?, prev: [UInt8], hash: [UInt8])], headRow: (n: UInt64?, hash: [UInt8]?)?,
                                 committed: VerificationReport.AccessLogCommit?, hash: HashFunction) -> String? {
        var previous = Digest32.zero
        var headAtCommit: Digest32? = nil
        for (i, row) in chain.enumerated() {
            let n = UInt64(i + 1)
            guard let record = row.record, record.n == n else {
                return "access-log record \(n) is missing or unreadable (records must be numbered 1, 2, … without gaps): a record was deleted or altered"
            }
            guard row.prev == previous.bytes else { return "access-log record \(n) does not chain to record \(n - 1): a record before it was deleted or altered" }
            let computed = AccessLogChain.hash(previous: previous, record, hash: hash)
            guard row.hash == computed.bytes else { return "access-log record \(n) does not hash to its stored hash: it was altered" }
            previous = computed
            if n == committed?.size { headAtCommit = computed }
        }
        // The head row the next record and the next `access` entry build on: the last record of the chain.
        if let headRow {
            guard headRow.n == UInt64(chain.count), headRow.hash == previous.bytes else {
                return "the access-log head row (\(headRow.n.map(String.init) ?? "?") records) is not the last of the \(chain.count) stored records: records were deleted or altered"
            }
        } else if !chain.isEmpty {
            return "the access log has \(chain.count) chained records but no head row"
        }
        guard let committed else { return nil }
        guard let headAtCommit else {
            return "the ledger committed \(committed.size) access-log records at seq \(committed.seq), but only \(chain.count) are stored: records were deleted"
        }
        guard headAtCommit == committed.head else {
            return "the access log's first \(committed.size) records do not hash to the head committed at seq \(committed.seq): records were altered, deleted or rewritten"
        }
        return nil
    }
}

extension Finding.Code {
    /// Database verification only: the access log of personal reads does not hold together or does not reach the
    /// head the ledger committed (FORMAT.md §6.7).
    public static let accessLogAltered = Finding.Code("access-log-altered")

    /// Database verification only: the head row (what the next append builds on) is missing or disagrees with the
    /// stored entries (FORMAT.md §14, database checks).
    public static let headInconsistent = Finding.Code("head-inconsistent")
}

extension VerificationReport {
    /// Adds an independent finding in seq order (findings without a seq after those with one), before the
    /// consequences.
    mutating func insertIndependent(_ finding: Finding) {
        let independent = findings.prefix { $0.consequenceOf == nil }
        let at = independent.firstIndex { other in
            switch (finding.seq, other.seq) {
            case let (a?, b?): return a < b
            case (.some, nil): return true
            default: return false
            }
        } ?? independent.endIndex
        findings.insert(finding, at: at)
    }
}

import LedgerCore
import LedgerCrypto
import PostgresClient

/// What became of one submission of a group.
public enum SubmissionResult: Sendable {
    /// Appended in this group's transaction, which is durable.
    case appended(Receipt)
    /// The same batch (id and content) was appended before: its original receipt, nothing new written.
    case duplicate(Receipt)
    /// Refused by the admission decision before anything was written; the refusal's code is stable.
    case refused(AdmissionRefusal)
}

extension LedgerStore {
    /// The one way entries are appended (after the genesis): a group of submissions in one transaction under one
    /// checkpoint.
    ///
    /// 1. The head row is locked (`FOR UPDATE`); a second writer waits here.
    /// 2. The head is checked against the chain (`checkHead`): the last stored entry is the head's size and hash,
    ///    and the frontier gives the root of the checkpoint signed at that size by the genesis ledger key. The
    ///    given ledger key must be that key. Otherwise nothing is signed: `.inconsistent` / `.wrongLedgerKey`.
    /// 3. The admission state (keys, reversals, claims) is brought up to the head from the stored bytes.
    /// 4. The facts the decisions need are read (stored batch ids, reversal and erasure targets), and
    ///    `Admission.decide` rules on each submission in order; refused ones take no seq.
    /// 5. The admitted ones are written by `write` (entries, openings, claims, checkpoint, head compare-and-swap,
    ///    batch ids), erasures delete their openings, and the transaction commits.
    ///
    /// Crash safety: before COMMIT nothing is visible and PostgreSQL rolls back; a checkpoint signed in a
    /// transaction that did not commit was never returned, so no two published checkpoints disagree; after COMMIT
    /// returns (synchronous_commit on) every receipt is durable. A retried batch finds its id and gets its
    /// original receipt.
    public func append(_ ledger: LedgerRecord, _ submissions: [Submission], time: String, ledgerKey: NamedSigningKey) throws -> [SubmissionResult] {
        guard ledgerKey.name == ledger.origin, ledgerKey.suite == ledger.suite else {
            throw StoreError(.wrongLedgerKey, "the ledger key given (\(ledgerKey.name), \(ledgerKey.suite.rawValue)) is not the key of \(ledger.origin)")
        }
        // The admission state is owned here while the append runs (extended in place, never copied: the claims
        // of a large ledger are millions) and returned to the cache at the end: extended if the append committed,
        // as read if the group was decided and nothing was written; dropped (the next append reads it again) if
        // the ledger was found inconsistent or anything failed.
        var owned: AdmissionState? = nil
        var extended = false
        var signed: String? = nil
        defer {
            if !extended, let owned { admissionStates[ledger.id] = owned }
        }
        let results = try db.transaction { () throws -> [SubmissionResult] in
            let head = try self.head(ledger, lock: true)
            var state: AdmissionState
            do {
                state = try self.admissionState(ledger, head: head)
                guard ledgerKey.verifierKey == state.ledgerKey else {
                    throw StoreError(.wrongLedgerKey, "the ledger key \(ledgerKey.verifierKey) is not the key of \(ledger.origin); its genesis entry names \(state.ledgerKey)")
                }
                try self.checkHead(ledger, head, ledgerKey: state.ledgerKey)
            } catch {
                // Never keep state read from a ledger found inconsistent.
                admissionStates[ledger.id] = nil
                lastSigned[ledger.id] = nil
                throw error
            }
            let facts = try self.facts(ledger, for: submissions, state: state, head: head)
            var admission = Admission(origin: ledger.origin, registry: state.registry, time: time, plausibility: plausibility)
            var results = [SubmissionResult?](repeating: nil, count: submissions.count)
            var accepted: [(index: Int, submission: Submission)] = []
            var groupDuplicates: [(index: Int, of: Int)] = []
            var next = head.size + 1
            for (i, submission) in submissions.enumerated() {
                switch admission.decide(submission, index: i, at: next, facts: facts) {
                case .admit:
                    accepted.append((i, submission))
                    next += UInt64(submission.entryCount)
                case .storedDuplicate(let range):
                    results[i] = .duplicate(try self.receipt(ledger, firstSeq: range.firstSeq, lastSeq: range.lastSeq))
                case .groupDuplicate(let earlier):
                    groupDuplicates.append((i, earlier))
                case .refuse(let refusal):
                    results[i] = .refused(refusal)
                }
            }
            // Reads of personal values recorded since the last `access` entry are committed with this append: the
            // access log's head in an entry of its own after the group's (FORMAT.md §6.7), decided like the rest.
            var appended = accepted.map(\.submission)
            if !accepted.isEmpty {
                let log = try self.accessLogHead(ledger)
                if log.size > state.accessLogCommitted {
                    var accessFacts = AdmissionFacts()
                    accessFacts.committedAccessLogSize = state.accessLogCommitted
                    let access = Submission.accessLog(AccessLogBody(size: log.size, head: log.hash))
                    if case .admit = admission.decide(access, index: submissions.count, at: next, facts: accessFacts) { appended.append(access) }
                }
            }
            if !accepted.isEmpty {
                let written = try self.write(ledger, head: head, appended, time: time, ledgerKey: ledgerKey)
                for (a, receipt) in zip(accepted, written) { results[a.index] = .appended(receipt) }
                // Erasures delete their openings in the same transaction as their record.
                for a in accepted {
                    if case .erase(let e) = a.submission { _ = try self.deleteOpenings(ledger, seqs: [e.fields.target], fields: e.fields.fields.map(\.rawValue)) }
                }
                signed = written[0].checkpoint
            }
            // From here the state describes the ledger after this transaction: kept only if it commits.
            if signed != nil {
                extended = true
                state.extend(with: appended, from: head.size + 1, registry: admission.registry)
            }
            owned = state
            for (i, earlier) in groupDuplicates {
                if case .appended(let r)? = results[earlier] { results[i] = .duplicate(r) } else { results[i] = results[earlier] }
            }
            return results.map { $0! }
        }
        // Committed: what this append wrote is what the next one would read back (the entries' bytes as hashed and
        // stored, their claims), so the state is extended without reading it again.
        if extended, let owned, let signed {
            admissionStates[ledger.id] = owned
            lastSigned[ledger.id] = signed
        }
        return results
    }

    /// The facts the group's decisions need, read on the locked head.
    func facts(_ ledger: LedgerRecord, for submissions: [Submission], state: AdmissionState, head: Head) throws -> AdmissionFacts {
        var facts = AdmissionFacts()
        facts.reversed = state.reversed
        facts.anchoredReports = state.anchoredReports
        // The roots crosscheck entries say they checked and disclosure entries say they were derived from: the
        // head's (checked by checkHead) or a stored checkpoint's, whose signature the ledger key must verify.
        for s in submissions {
            let size: UInt64
            switch s {
            case .crosscheck(let c): size = c.fields.checkedSize
            case .disclosure(let d): size = d.derivedSize
            default: continue
            }
            guard facts.checkedRoots[size] == nil else { continue }
            if size == head.size {
                facts.checkedRoots[size] = head.frontier.root(hash: ledger.suite.makeHashFunction())
                continue
            }
            let rows = try db.query("SELECT note FROM checkpoints WHERE ledger_id = $1 AND size = $2", [.int(ledger.id), .int(Int64(min(size, UInt64(Int64.max))))])
            guard rows.count == 1, let note = rows.string(0, 0), let signed = try? SignedCheckpoint(parsing: note),
                  signed.checkpoint.origin == ledger.origin, signed.checkpoint.size == size, signed.note.verify(with: state.ledgerKey) else { continue }
            facts.checkedRoots[size] = signed.checkpoint.root
        }
        // Stored batch ids among the group's (one query; batch ids are tokens, FieldSyntax.isToken: no commas).
        let ids = submissions.compactMap(\.batchID).filter(FieldSyntax.isToken)
        if !ids.isEmpty {
            let rows = try db.query("SELECT batch_id, seq, count FROM batches WHERE ledger_id = $1 AND batch_id = ANY(string_to_array($2, ','))",
                                    [.int(ledger.id), .text(ids.joined(separator: ","))])
            for r in 0..<rows.count {
                guard let id = rows.string(r, 0), let seq = rows.uint(r, 1), let count = rows.uint(r, 2) else {
                    throw StoreError(.inconsistent, "a batch row of \(ledger.origin) is unreadable; run `aidledger verify`")
                }
                guard let stored = try entry(ledger, seq: seq), let entry = try? Entry(decoding: stored.bytes), entry.kind == .batch else {
                    throw StoreError(.inconsistent, "batch \(id) of \(ledger.origin) has no batch entry at seq \(seq); run `aidledger verify`")
                }
                facts.batches[id] = .init(seq: seq, count: count, header: entry.body)
            }
        }
        // Entries named by reversals and erasures: kind and body from their bytes.
        for s in submissions {
            let target: UInt64
            switch s {
            case .reversal(let r): target = r.fields.target
            case .erase(let e): target = e.fields.target
            default: continue
            }
            guard facts.targets[target] == nil, let stored = try entry(ledger, seq: target), let entry = try? Entry(decoding: stored.bytes) else { continue }
            facts.targets[target] = .init(kind: entry.kind, hash: stored.hash, payment: entry.kind == .payment ? try? PaymentBody(decoding: entry.body) : nil)
        }
        // Claims of the group's payments already in the ledger.
        if !state.claims.isEmpty {
            for s in submissions {
                guard case .batch(_, let claims) = s else { continue }
                for c in claims.claims where state.claims[c] != nil { facts.claims[c] = state.seqs(of: c) }
            }
        }
        return facts
    }

    /// The write half of an append, inside the transaction that holds the head row locked and has checked it:
    /// builds the entries on `head` and streams them into COPY as they are built (the server ingests while we
    /// hash), signs the checkpoint, compare-and-swaps the head, writes the openings, the claims, the checkpoint
    /// and the batch ids. Returns a receipt per submission.
    func write(_ ledger: LedgerRecord, head: Head, _ submissions: [Submission], time: String, ledgerKey: NamedSigningKey) throws -> [Receipt] {
        let appender = LedgerAppender(origin: ledger.origin, suite: ledger.suite, size: head.size, lastHash: head.lastHash,
                                      frontier: head.frontier, lastTime: head.lastTime)
        var hashes: [Digest32] = []
        hashes.reserveCapacity(submissions.reduce(0) { $0 + $1.entryCount })
        try db.copyIn("COPY entries (ledger_id, seq, kind, bytes) FROM STDIN (FORMAT binary)") { w in
            func put(_ kind: EntryKind, _ body: [UInt8]) throws {
                let a = appender.append(kind: kind, canonicalBody: body, time: time)
                hashes.append(a.hash)
                try w.row(fields: 4)
                w.int(ledger.id)
                w.int(Int64(a.seq))
                w.text(a.kind.rawValue)
                w.bytes(a.bytes)
            }
            for s in submissions {
                try put(s.kind, CanonicalJSON.encode(.object(s.body)))
                if case .batch(let b, _) = s { for p in b.paymentBytes { try put(.payment, p) } }
            }
        }
        // The new head, signed. Crash point: nothing of this is visible before COMMIT.
        let checkpoint = try SignedCheckpoint(checkpoint: appender.checkpoint, signedBy: ledgerKey).serialized
        // Compare-and-swap: the row is locked, so this cannot fail unless the lock was not taken; it is the
        // guarantee that nothing else moved the head between read and write.
        let swapped = try db.query("""
            UPDATE ledger_heads SET size = $2, last_hash = $3, frontier = $4, last_time = $5, checkpoint = $6
            WHERE ledger_id = $1 AND size = $7
            """, [.int(ledger.id), .int(Int64(appender.size)), .bytes(appender.lastHash.bytes), .bytes(LedgerStore.encode(appender.frontier)),
                  .text(appender.lastTime), .text(checkpoint), .int(Int64(head.size))])
        guard swapped.affected == 1 else { throw StoreError(.conflict, "ledger \(ledger.origin) moved during the append; retry") }

        var receipts: [Receipt] = []
        var batchRows: [(id: String, seq: UInt64, count: UInt64)] = []
        var batches: [(headerSeq: UInt64, batch: PreparedBatch, claims: PaymentClaims)] = []
        var seq = head.size + 1, offset = 0
        for s in submissions {
            let n = s.entryCount
            receipts.append(Receipt(origin: ledger.origin, firstSeq: seq, lastSeq: seq + UInt64(n) - 1,
                                    hashes: Array(hashes[offset..<(offset + n)]), checkpoint: checkpoint))
            if case .batch(let b, let claims) = s {
                batchRows.append((b.body.batchID, seq, UInt64(b.paymentBytes.count)))
                batches.append((seq, b, claims))
            }
            seq += UInt64(n)
            offset += n
        }
        if !batches.isEmpty {
            try db.copyIn("COPY openings (ledger_id, first_seq, last_seq, data) FROM STDIN (FORMAT binary)") { w in
                var rows = OpeningsRow.Writer(ledgerID: ledger.id)
                for (headerSeq, batch, _) in batches { try Self.writeOpenings(of: batch, headerSeq: headerSeq, into: &rows, w: &w) }
                try rows.flush(into: &w)
            }
            try db.copyIn("COPY payment_claims (ledger_id, first_seq, claims) FROM STDIN (FORMAT binary)") { w in
                for (headerSeq, _, claims) in batches {
                    var packed = [UInt8](repeating: 0, count: 16 * claims.claims.count)
                    packed.withUnsafeMutableBytes { p in
                        for (i, c) in claims.claims.enumerated() {
                            p.storeBytes(of: c.high.bigEndian, toByteOffset: 16 * i, as: UInt64.self)
                            p.storeBytes(of: c.low.bigEndian, toByteOffset: 16 * i + 8, as: UInt64.self)
                        }
                    }
                    try w.row(fields: 3)
                    w.int(ledger.id)
                    w.int(Int64(headerSeq + 1))
                    w.bytes(packed)
                }
            }
        }
        try db.query("INSERT INTO checkpoints (ledger_id, size, note) VALUES ($1, $2, $3)", [.int(ledger.id), .int(Int64(appender.size)), .text(checkpoint)])
        if batchRows.count == 1, let b = batchRows.first {
            try db.query("INSERT INTO batches (ledger_id, batch_id, seq, count) VALUES ($1, $2, $3, $4)",
                         [.int(ledger.id), .text(b.id), .int(Int64(b.seq)), .int(Int64(b.count))])
        } else if !batchRows.isEmpty {
            // One statement for a group. Batch ids are tokens (no commas), seqs and counts integers.
            try db.query("""
                INSERT INTO batches (ledger_id, batch_id, seq, count)
                SELECT $1, b, s, c FROM unnest(string_to_array($2, ','), string_to_array($3, ',')::bigint[], string_to_array($4, ',')::bigint[]) AS t(b, s, c)
                """, [.int(ledger.id), .text(batchRows.map(\.id).joined(separator: ",")), .text(batchRows.map { String($0.seq) }.joined(separator: ",")),
                      .text(batchRows.map { String($0.count) }.joined(separator: ","))])
        }
        return receipts
    }

    /// The receipt of entries already in the ledger: their hashes and the first checkpoint that covers them.
    public func receipt(_ ledger: LedgerRecord, firstSeq: UInt64, lastSeq: UInt64) throws -> Receipt {
        let hash = ledger.suite.makeHashFunction()
        var hashes: [Digest32] = []
        let rows = try db.query("SELECT bytes FROM entries WHERE ledger_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
                                [.int(ledger.id), .int(Int64(firstSeq)), .int(Int64(lastSeq))])
        for r in 0..<rows.count {
            guard let bytes = rows.bytes(r, 0) else { throw StoreError(.inconsistent, "an entry row of \(ledger.origin) is unreadable") }
            hashes.append(EntryHash.compute(bytes, hash: hash))
        }
        guard hashes.count == Int(lastSeq - firstSeq + 1) else { throw StoreError(.inconsistent, "entries \(firstSeq)…\(lastSeq) of \(ledger.origin) are incomplete") }
        let note = try db.query("SELECT note FROM checkpoints WHERE ledger_id = $1 AND size >= $2 ORDER BY size LIMIT 1", [.int(ledger.id), .int(Int64(lastSeq))])
        guard note.count == 1, let checkpoint = note.string(0, 0) else { throw StoreError(.inconsistent, "no checkpoint of \(ledger.origin) covers seq \(lastSeq)") }
        return Receipt(origin: ledger.origin, firstSeq: firstSeq, lastSeq: lastSeq, hashes: hashes, checkpoint: checkpoint)
    }
}

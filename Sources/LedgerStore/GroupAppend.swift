import LedgerCore
import PostgresClient

/// A write submitted to a ledger by an officer: a signed batch, or a signed reversal of one payment.
public enum Submission: Sendable {
    case batch(PreparedBatch)
    /// A signed reversal body (`ReversalBody.make`).
    case reversal(JSONObject)

    /// The batch id, for batches.
    public var batchID: String? {
        if case .batch(let b) = self { return b.header["batch_id"]?.stringValue }
        return nil
    }
}

/// What became of one submission of a group.
public enum SubmissionResult: Sendable {
    /// Appended in this group's transaction, which is durable.
    case appended(Receipt)
    /// The same batch (id and content) was appended before: its original receipt, nothing new written.
    case duplicate(Receipt)
    /// Refused before anything was written: `.forbidden` (signer, role, scope, signature), `.rejected` (reversal
    /// target), `.duplicateBatch` (the
    /// batch id is taken by other content).
    case refused(StoreError)
}

extension LedgerStore {
    /// Appends many officer submissions in one transaction under one checkpoint (group commit).
    ///
    /// On the locked head, each submission is checked in order exactly as `aidledger import`/`reverse` check
    /// theirs: the signer's key, role and unit scope at the seq it would get, its signature over the statement; a
    /// batch id already in the ledger returns the original receipt when the content is the same and is refused
    /// otherwise; a reversal must name a payment by its hash and amount, not reversed before (also not earlier in
    /// this group). Refused submissions take no seq; the others are written by the same path as `append`.
    /// If the transaction fails (connection lost, head moved) this throws and nothing of the group is written.
    public func appendGroup(_ ledger: LedgerRecord, _ submissions: [Submission], time: String, ledgerKey: NamedSigningKey) throws -> [SubmissionResult] {
        guard ledgerKey.name == ledger.origin, ledgerKey.suite == ledger.suite else {
            throw StoreError(.rejected, "the ledger key given is not the key of \(ledger.origin)")
        }
        return try db.transaction {
            let head = try self.head(ledger, lock: true)
            let registry = try self.keyState(ledger)
            // Which of the submitted batch ids are already in the ledger: one query for the group (batch ids are
            // tokens, FieldSyntax.isToken: no commas).
            let ids = submissions.compactMap(\.batchID).filter(FieldSyntax.isToken)
            var known: Set<String> = []
            if !ids.isEmpty {
                let rows = try db.query("SELECT batch_id FROM batches WHERE ledger_id = $1 AND batch_id = ANY(string_to_array($2, ','))",
                                        [.int(ledger.id), .text(ids.joined(separator: ","))])
                for r in 0..<rows.count { if let id = rows.string(r, 0) { known.insert(id) } }
            }
            var results = [SubmissionResult?](repeating: nil, count: submissions.count)
            var accepted: [(index: Int, entries: [NewEntry], batch: PreparedBatch?)] = []
            var next = head.size + 1
            var batchesInGroup: [String: Int] = [:]
            var reversedInGroup: Set<UInt64> = []
            for (i, submission) in submissions.enumerated() {
                do {
                    switch submission {
                    case .batch(let batch):
                        let header = try BatchBody(decoding: batch.header)
                        if let earlier = batchesInGroup[header.batchID] {
                            guard case .batch(let first) = submissions[earlier], Self.sameBatch(first.header, batch.header) else {
                                throw StoreError(.duplicateBatch, "batch id \(header.batchID) was just submitted with other content")
                            }
                            results[i] = .duplicate(.placeholder(of: earlier))
                            continue
                        }
                        if known.contains(header.batchID), let original = try self.existingBatch(ledger, id: header.batchID) {
                            guard Self.sameBatch(original.header, batch.header) else {
                                throw StoreError(.duplicateBatch, "batch id \(header.batchID) is already in ledger \(ledger.origin) with other content")
                            }
                            results[i] = .duplicate(try self.receipt(ledger, firstSeq: original.seq, lastSeq: original.seq + original.count))
                            continue
                        }
                        do {
                            _ = try registry.authorizeSigned(kind: .batch, origin: ledger.origin, body: batch.header, signed: header.signed,
                                                             role: .officer, unit: header.unit, at: next)
                        } catch { throw StoreError(.forbidden, "\(error)") }
                        var entries = [NewEntry(kind: .batch, body: batch.header)]
                        entries.reserveCapacity(batch.paymentBytes.count + 1)
                        for p in batch.paymentBytes { entries.append(NewEntry(kind: .payment, body: p)) }
                        batchesInGroup[header.batchID] = i
                        accepted.append((i, entries, batch))
                        next += UInt64(entries.count)
                    case .reversal(let body):
                        let reversal = try ReversalBody(decoding: body)
                        guard let target = try self.entry(ledger, seq: reversal.target), target.kind == EntryKind.payment.rawValue,
                              let payment = try? PaymentBody(decoding: try Entry(decoding: target.bytes).body) else {
                            throw StoreError(.rejected, "seq \(reversal.target) is not a payment of \(ledger.origin)")
                        }
                        guard reversal.targetHash == target.hash else { throw StoreError(.rejected, "target_hash is not the hash of payment \(reversal.target)") }
                        guard reversal.amountFen == payment.amountFen else { throw StoreError(.rejected, "amount_fen is not the amount of payment \(reversal.target)") }
                        do {
                            _ = try registry.authorizeSigned(kind: .reversal, origin: ledger.origin, body: body, signed: reversal.signed,
                                                             role: .officer, unit: payment.unit, at: next)
                        } catch { throw StoreError(.forbidden, "\(error)") }
                        if reversedInGroup.contains(reversal.target) { throw StoreError(.rejected, "payment \(reversal.target) is already being reversed") }
                        for earlier in try self.entries(ledger, ofKind: .reversal) {
                            if let r = try? ReversalBody(decoding: try Entry(decoding: earlier.bytes).body), r.target == reversal.target {
                                throw StoreError(.rejected, "payment \(reversal.target) was already reversed at seq \(earlier.seq)")
                            }
                        }
                        reversedInGroup.insert(reversal.target)
                        accepted.append((i, [NewEntry(kind: .reversal, body: body)], nil))
                        next += 1
                    }
                } catch let error as StoreError {
                    results[i] = .refused(error)
                } catch let error as FormatError {
                    results[i] = .refused(StoreError(.rejected, error.message))
                }
            }
            if !accepted.isEmpty {
                let all = accepted.flatMap(\.entries)
                var batchRows: [(id: String, seq: UInt64, count: UInt64)] = []
                var openingBatches: [(headerSeq: UInt64, batch: PreparedBatch)] = []
                var seq = head.size + 1
                for a in accepted {
                    if let b = a.batch {
                        batchRows.append((b.header["batch_id"]!.stringValue!, seq, UInt64(b.paymentBytes.count)))
                        openingBatches.append((seq, b))
                    }
                    seq += UInt64(a.entries.count)
                }
                let written = try self.write(ledger, head: head, entries: all, writeOpenings: openingBatches.isEmpty ? nil : { w in
                    var rows = OpeningsRow.Writer(ledgerID: ledger.id)
                    for (headerSeq, batch) in openingBatches { try Self.writeOpenings(of: batch, headerSeq: headerSeq, into: &rows, w: &w) }
                    try rows.flush(into: &w)
                }, batchIDs: batchRows, time: time, ledgerKey: ledgerKey)
                var offset = 0
                for a in accepted {
                    let first = head.size + 1 + UInt64(offset)
                    results[a.index] = .appended(Receipt(origin: ledger.origin, firstSeq: first, lastSeq: first + UInt64(a.entries.count) - 1,
                                                         hashes: Array(written.hashes[offset..<(offset + a.entries.count)]), checkpoint: written.checkpoint))
                    offset += a.entries.count
                }
            }
            // Duplicates of a batch earlier in this group get that batch's receipt.
            for i in results.indices {
                if case .duplicate(let r) = results[i]!, let earlier = r.placeholderIndex { results[i] = results[earlier].map { if case .appended(let x) = $0 { .duplicate(x) } else { $0 } } }
            }
            return results.map { $0! }
        }
    }

    /// The seq of the ledger's last genesis or key entry ($1: ledger id).
    static let lastKeyEntrySQL: SQL = """
        SELECT greatest((SELECT max(seq) FROM entries WHERE ledger_id = $1 AND kind <> 'payment' AND kind = 'genesis'),
                        (SELECT max(seq) FROM entries WHERE ledger_id = $1 AND kind <> 'payment' AND kind = 'key'))
        """

    /// The ledger's key state, reused while no key entry has been appended since it was read (one index probe
    /// instead of re-reading and re-verifying every key entry for each group).
    func keyState(_ ledger: LedgerRecord) throws -> KeyRegistry {
        // One probe per kind into the partial index (ledger_id, kind, seq). Not `max(seq) … kind IN (…)`: the
        // planner answers that by walking the primary key backwards from the newest entry until it meets a key
        // entry, which is most of the ledger.
        let last = try db.query(Self.lastKeyEntrySQL, [.int(ledger.id)]).int(0, 0) ?? 0
        if let cached = keyStateCache[ledger.id], cached.lastKeySeq == last { return cached.registry }
        let registry: KeyRegistry
        do { registry = try KeyRegistry.load(origin: ledger.origin, entries: try keyEntries(ledger)).2 } catch {
            throw StoreError(.corrupt, "the key entries of \(ledger.origin) are unreadable: \(error)")
        }
        keyStateCache[ledger.id] = (last, registry)
        return registry
    }

    /// Two batch headers describe the same batch: equal in everything but the signature (SM2 signatures are
    /// randomized, so a client that signs again gets other signature bytes for the same content).
    static func sameBatch(_ a: JSONObject, _ b: JSONObject) -> Bool {
        var a = a, b = b
        a["sig"] = nil
        b["sig"] = nil
        return a == b
    }

    /// The stored header and seq range of a batch id.
    func existingBatch(_ ledger: LedgerRecord, id: String) throws -> (seq: UInt64, count: UInt64, header: JSONObject)? {
        let rows = try db.query("SELECT seq, count FROM batches WHERE ledger_id = $1 AND batch_id = $2", [.int(ledger.id), .text(id)])
        guard rows.count == 1, let seq = rows.int(0, 0), let count = rows.int(0, 1) else { return nil }
        guard let stored = try entry(ledger, seq: UInt64(seq)), let entry = try? Entry(decoding: stored.bytes), entry.kind == .batch else {
            throw StoreError(.corrupt, "batch \(id) of \(ledger.origin) has no batch entry at seq \(seq)")
        }
        return (UInt64(seq), UInt64(count), entry.body)
    }

    /// The receipt of entries already in the ledger: their hashes and the first checkpoint that covers them.
    public func receipt(_ ledger: LedgerRecord, firstSeq: UInt64, lastSeq: UInt64) throws -> Receipt {
        let hash = ledger.suite.makeHashFunction()
        var hashes: [Digest32] = []
        let rows = try db.query("SELECT bytes FROM entries WHERE ledger_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
                                [.int(ledger.id), .int(Int64(firstSeq)), .int(Int64(lastSeq))])
        for r in 0..<rows.count { hashes.append(EntryHash.compute(rows.bytes(r, 0)!, hash: hash)) }
        guard hashes.count == Int(lastSeq - firstSeq + 1) else { throw StoreError(.corrupt, "entries \(firstSeq)…\(lastSeq) of \(ledger.origin) are incomplete") }
        let note = try db.query("SELECT note FROM checkpoints WHERE ledger_id = $1 AND size >= $2 ORDER BY size LIMIT 1", [.int(ledger.id), .int(Int64(lastSeq))])
        guard note.count == 1, let checkpoint = note.string(0, 0) else { throw StoreError(.corrupt, "no checkpoint of \(ledger.origin) covers seq \(lastSeq)") }
        return Receipt(origin: ledger.origin, firstSeq: firstSeq, lastSeq: lastSeq, hashes: hashes, checkpoint: checkpoint)
    }
}

extension Receipt {
    /// Stands for "the receipt of submission `index` of this group" until the group is written.
    static func placeholder(of index: Int) -> Receipt {
        Receipt(origin: "", firstSeq: UInt64(index), lastSeq: 0, hashes: [], checkpoint: "")
    }
    var placeholderIndex: Int? { origin.isEmpty && lastSeq == 0 && checkpoint.isEmpty ? Int(firstSeq) : nil }
}

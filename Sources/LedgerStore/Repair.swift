import LedgerCore
import LedgerCrypto
import PostgresClient

extension LedgerStore {
    /// What `repair` did: the entries above `size` it removed (none if the ledger held together).
    public struct Repair: Sendable {
        public let size: UInt64
        public let removed: ClosedRange<UInt64>?
    }

    /// Brings a ledger that its own appends refuse back to what its ledger key signed: finds the largest stored
    /// checkpoint whose note is validly signed by the genesis ledger key and whose root is the root of the stored
    /// entries 1 … k (contiguous from 1), removes every row above k — entries, checkpoints, openings, claims and
    /// batch ids that no valid signature covers, e.g. a fabricated append with a bogus checkpoint — and sets the
    /// head to k. Nothing the ledger key signed is ever removed. For the schema owner (it switches the tables'
    /// triggers off inside its one transaction); `aidledger verify` before and after shows what changed.
    public func repairToLastSignedCheckpoint(_ ledger: LedgerRecord) throws -> Repair {
        let genesisRows = try db.query("SELECT bytes FROM entries WHERE ledger_id = $1 AND seq = 1", [.int(ledger.id)])
        guard genesisRows.count == 1, let genesisBytes = genesisRows.bytes(0, 0), let genesisEntry = try? Entry(decoding: genesisBytes),
              genesisEntry.kind == .genesis, let genesis = try? GenesisBody(decoding: genesisEntry.body) else {
            throw StoreError(.inconsistent, "ledger \(ledger.origin) has no valid genesis entry: nothing to repair to")
        }
        var notes: [UInt64: [String]] = [:]
        let rows = try db.query("SELECT size, note FROM checkpoints WHERE ledger_id = $1", [.int(ledger.id)])
        for r in 0..<rows.count {
            guard let size = rows.uint(r, 0), let note = rows.string(r, 1) else { continue }
            notes[size, default: []].append(note)
        }
        // One pass over the entries: the root, last hash and time at every size that has a checkpoint row.
        let hash = ledger.suite.makeHashFunction()
        var frontier = MerkleFrontier()
        var expected: UInt64 = 1
        var best: (size: UInt64, note: String, lastHash: Digest32, frontier: MerkleFrontier, time: String)? = nil
        var top: UInt64 = 0
        try streamEntries(ledger) { seq, bytes in
            top = max(top, seq)
            guard seq == expected else { return }
            expected += 1
            let entryHash = EntryHash.compute(bytes, hash: hash)
            frontier.append(entryHash, hash: hash)
            guard let candidates = notes[seq] else { return }
            let root = frontier.root(hash: hash)
            for note in candidates {
                guard let signed = try? SignedCheckpoint(parsing: note), signed.checkpoint.origin == ledger.origin, signed.checkpoint.size == seq,
                      signed.checkpoint.root == root, signed.note.verify(with: genesis.ledgerKey),
                      let entry = try? Entry(decoding: Array(bytes)) else { continue }
                best = (seq, note, entryHash, frontier, entry.time)
                break
            }
        }
        guard let best else { throw StoreError(.inconsistent, "ledger \(ledger.origin) has no checkpoint signed by its ledger key that matches its entries") }
        let head = try? self.head(ledger)
        if top == best.size, let head, head.size == best.size, head.lastHash == best.lastHash, head.checkpoint == best.note, head.lastTime == best.time,
           head.frontier == best.frontier {
            return Repair(size: best.size, removed: nil)
        }
        let k = Int64(best.size)
        let tables = ["entries", "checkpoints", "openings", "payment_claims", "batches", "ledger_heads"]
        try db.transaction {
            for t in tables { try db.query(SQL(unsafeText: "ALTER TABLE \(t) DISABLE TRIGGER USER")) }
            try db.query("DELETE FROM entries WHERE ledger_id = $1 AND seq > $2", [.int(ledger.id), .int(k)])
            try db.query("DELETE FROM checkpoints WHERE ledger_id = $1 AND (size > $2 OR (size = $2 AND note <> $3))", [.int(ledger.id), .int(k), .text(best.note)])
            try db.query("DELETE FROM openings WHERE ledger_id = $1 AND last_seq > $2", [.int(ledger.id), .int(k)])
            try db.query("DELETE FROM payment_claims WHERE ledger_id = $1 AND first_seq > $2", [.int(ledger.id), .int(k)])
            try db.query("DELETE FROM batches WHERE ledger_id = $1 AND seq > $2", [.int(ledger.id), .int(k)])
            let values: [PostgresValue] = [.int(ledger.id), .int(k), .bytes(best.lastHash.bytes), .bytes(LedgerStore.encode(best.frontier)), .text(best.time), .text(best.note)]
            // The head row may be missing or unreadable: written whole either way.
            try db.query("""
                INSERT INTO ledger_heads (ledger_id, size, last_hash, frontier, last_time, checkpoint) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (ledger_id) DO UPDATE SET size = $2, last_hash = $3, frontier = $4, last_time = $5, checkpoint = $6
                """, values)
            for t in tables { try db.query(SQL(unsafeText: "ALTER TABLE \(t) ENABLE TRIGGER USER")) }
        }
        admissionStates[ledger.id] = nil
        lastSigned[ledger.id] = nil
        return Repair(size: best.size, removed: top > best.size ? (best.size + 1)...top : nil)
    }
}

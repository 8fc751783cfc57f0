import LedgerCore
import LedgerCrypto
import PostgresClient

/// What the append path knows of a ledger, read from what is stored and checked, never from a mutable column:
/// the genesis (suite, ledger key), the key registry and the reversals, from the non-payment entries' bytes
/// (each hash-checked against the next entry's `prev`, or the verified head for the last entry); and the
/// payments' claims. Kept per ledger in the store and extended incrementally as the ledger grows.
struct AdmissionState {
    var suite: Suite
    var ledgerKey: VerifierKey
    var registry: KeyRegistry
    /// Reversed payment seq → reversal seq.
    var reversed: [UInt64: UInt64] = [:]
    /// Every non-payment entry with seq ≤ this is included.
    var entriesThrough: UInt64
    /// Claim → the first payment seq that made it; `moreClaims` holds the rest (supplementary payments,
    /// payments again after a reversal).
    var claims: [PaymentClaim: UInt64] = [:]
    var moreClaims: [PaymentClaim: [UInt64]] = [:]
    /// Every claims row with first_seq ≤ this is included.
    var claimsThrough: UInt64 = 0
    /// The access-log size the last `access` entry committed.
    var accessLogCommitted: UInt64 = 0
    /// Report digests anchored by `crosscheck` entries (a disposition must name one).
    var anchoredReports: Set<Digest32> = []

    func seqs(of claim: PaymentClaim) -> [UInt64] {
        guard let first = claims[claim] else { return [] }
        return [first] + (moreClaims[claim] ?? [])
    }

    /// The state after this store's own committed append of `submissions` from `firstSeq` on, with `registry` the
    /// admission's key state after them: what reading them back would give, without the round trips.
    mutating func extend(with submissions: [Submission], from firstSeq: UInt64, registry: KeyRegistry) {
        var seq = firstSeq
        for s in submissions {
            switch s {
            case .batch(_, let claims):
                for (i, c) in claims.claims.enumerated() { add(c, seq: seq + 1 + UInt64(i)) }
                claimsThrough = seq + 1
            case .reversal(let r):
                if reversed[r.fields.target] == nil { reversed[r.fields.target] = seq }
            case .accessLog(let a):
                accessLogCommitted = max(accessLogCommitted, a.size)
            case .crosscheck(let c):
                anchoredReports.insert(c.fields.reportSHA256)
            case .key, .erase, .disposition, .disclosure:
                break
            }
            seq += UInt64(s.entryCount)
        }
        self.registry = registry
        entriesThrough = seq - 1
    }

    mutating func add(_ claim: PaymentClaim, seq: UInt64) {
        if claims[claim] == nil { claims[claim] = seq } else { moreClaims[claim, default: []].append(seq) }
    }
}

extension LedgerStore {
    /// The non-payment entries: every payment entry, and only a payment entry, begins with these bytes (its
    /// body's first member in canonical order, FORMAT.md §7.5). The same expression as the partial index
    /// `entries_not_payments_by_bytes` (migration 004), so the planner uses it.
    static let notPaymentPredicate = #"substring(bytes from 1 for 24) <> '\x7b22626f6479223a7b226163636f756e745f74797065223a'::bytea"#

    static let keyEntriesSQL: SQL = #"""
        SELECT seq, bytes FROM entries WHERE ledger_id = $1
        AND (substring(bytes from 1 for 18) = '\x7b22626f6479223a7b22616374696f6e223a'::bytea
             OR substring(bytes from 1 for 21) = '\x7b22626f6479223a7b2261646d696e5f6b6579223a'::bytea)
        ORDER BY seq
        """#

    static let nonPaymentEntriesSQL = SQL(unsafeText: """
        SELECT seq, bytes FROM entries WHERE ledger_id = $1 AND seq > $2 AND seq <= $3 AND \(notPaymentPredicate) ORDER BY seq
        """)

    /// Brings the admission state of `ledger` up to `head` (locked by the caller): new non-payment entries and
    /// claims since the last call. Throws `.inconsistent` when what is stored does not hold together. The state is
    /// taken out of the cache; the caller returns it (`admissionStates[ledger.id] = …`).
    func admissionState(_ ledger: LedgerRecord, head: Head) throws -> AdmissionState {
        // Taken out of the cache while it is extended, so that the extension mutates the one copy in place: the
        // claims of a large ledger are millions of entries, and a copy per group would cost more than the group.
        var cached = admissionStates.removeValue(forKey: ledger.id)
        if let c = cached, c.entriesThrough > head.size {
            // The head went back: never by an append. Start again from what is stored.
            _ = c
            cached = nil
        }
        // Nothing appended since (the usual case for a writer that extends its state with its own appends): no
        // round trip at all.
        if let c = cached, c.entriesThrough == head.size { return c }
        let from = cached?.entriesThrough ?? 0
        let rows = try db.query(Self.nonPaymentEntriesSQL, [.int(ledger.id), .int(Int64(from)), .int(Int64(head.size))])
        let hash = ledger.suite.makeHashFunction()
        var loaded: [(seq: UInt64, entry: Entry, hash: Digest32)] = []
        for r in 0..<rows.count {
            guard let seq = rows.uint(r, 0), let bytes = rows.bytes(r, 1) else { throw StoreError(.inconsistent, "an entry row of \(ledger.origin) is unreadable") }
            guard let entry = try? Entry(decoding: bytes) else {
                throw StoreError(.inconsistent, "entry \(seq) of \(ledger.origin) is not a well-formed entry; run `aidledger verify`")
            }
            guard entry.seq == seq, entry.origin == ledger.origin else {
                throw StoreError(.inconsistent, "entry row \(seq) of \(ledger.origin) holds seq \(entry.seq) of \(entry.origin); run `aidledger verify`")
            }
            loaded.append((seq, entry, EntryHash.compute(bytes, hash: hash)))
        }
        try checkLinks(ledger, loaded.map { ($0.seq, $0.hash) }, head: head)
        var s: AdmissionState
        if let cached {
            s = cached
        } else {
            guard let first = loaded.first, first.seq == 1, first.entry.kind == .genesis,
                  let genesis = try? GenesisBody(decoding: first.entry.body), genesis.suite == ledger.suite else {
                throw StoreError(.inconsistent, "ledger \(ledger.origin) has no valid genesis entry of suite \(ledger.suite.rawValue); run `aidledger verify`")
            }
            var registry = KeyRegistry()
            try? registry.enroll(genesis.adminKey, role: .admin, units: [allUnitsScope], at: 1)
            s = AdmissionState(suite: genesis.suite, ledgerKey: genesis.ledgerKey, registry: registry, entriesThrough: 0)
        }
        cached = nil
        for (seq, entry, _) in loaded where seq > 1 {
            switch entry.kind {
            case .key:
                // A key entry a verifier would refuse changes nothing (KeyRegistry.load does the same).
                if let body = try? KeyBody(decoding: entry.body, suite: s.suite) { try? s.registry.apply(body, rawBody: entry.body, origin: ledger.origin, at: seq) }
            case .reversal:
                if let body = try? ReversalBody(decoding: entry.body), s.reversed[body.target] == nil { s.reversed[body.target] = seq }
            case .genesis:
                throw StoreError(.inconsistent, "ledger \(ledger.origin) has a second genesis entry at seq \(seq); run `aidledger verify`")
            case .access:
                if let body = try? AccessLogBody(decoding: entry.body) { s.accessLogCommitted = max(s.accessLogCommitted, body.size) }
            case .crosscheck:
                if let body = try? CrossCheckBody(decoding: entry.body) { s.anchoredReports.insert(body.reportSHA256) }
            case .batch, .payment, .erase, .disposition, .disclosure:
                break
            }
        }
        s.entriesThrough = head.size
        // Claims rows are written in the transaction of their batch entry: none is new unless a batch is.
        if from == 0 || loaded.contains(where: { $0.entry.kind == .batch }) { try loadClaims(ledger, into: &s) }
        // Not put back into the cache here: the caller owns it (so that it can extend it in place) and puts it
        // back once it knows what is committed.
        return s
    }

    /// Each loaded entry's hash is the `prev` of the entry after it, or the head's last hash for the last one:
    /// the bytes read are those the chain holds.
    private func checkLinks(_ ledger: LedgerRecord, _ loaded: [(seq: UInt64, hash: Digest32)], head: Head) throws {
        var expected: [UInt64: Digest32] = [:]
        for (seq, hash) in loaded {
            if seq == head.size {
                guard hash == head.lastHash else { throw StoreError(.inconsistent, "entry \(seq) of \(ledger.origin) is not the head's last entry; run `aidledger verify`") }
            } else {
                expected[seq + 1] = hash
            }
        }
        guard !expected.isEmpty else { return }
        let list = expected.keys.sorted().map(String.init).joined(separator: ",")
        let rows = try db.query("SELECT seq, bytes FROM entries WHERE ledger_id = $1 AND seq = ANY(string_to_array($2, ',')::bigint[])",
                                [.int(ledger.id), .text(list)])
        var found = 0
        for r in 0..<rows.count {
            guard let seq = rows.uint(r, 0), let bytes = rows.bytes(r, 1), let want = expected[seq] else { continue }
            guard let next = try? Entry(decoding: bytes), next.prev == want else {
                throw StoreError(.inconsistent, "entry \(seq - 1) of \(ledger.origin) is not the one entry \(seq) follows; run `aidledger verify`")
            }
            found += 1
        }
        guard found == expected.count else { throw StoreError(.inconsistent, "ledger \(ledger.origin) has gaps below its head; run `aidledger verify`") }
    }

    private func loadClaims(_ ledger: LedgerRecord, into s: inout AdmissionState) throws {
        // Binary COPY: a claims row is 16 bytes a payment (160 KB for a batch of 10,000), which text-format bytea
        // would double and hex-decode. COPY takes no parameters; the values are integers of our own.
        let sql = SQL(unsafeText: """
            COPY (SELECT first_seq, claims FROM payment_claims WHERE ledger_id = \(ledger.id) AND first_seq > \(s.claimsThrough) AND first_seq <= \(s.entriesThrough) ORDER BY first_seq) TO STDOUT (FORMAT binary)
            """)
        var reader = BinaryCopyReader()
        try db.copyOut(sql) { chunk in
            try reader.rows(chunk) { fields in
                guard fields.count == 2, fields[0].count == 8, fields[1].count % 16 == 0 else { throw StoreError(.inconsistent, "a claims row of \(ledger.origin) is malformed") }
                let first = UInt64(bigEndian: fields[0].loadUnaligned(as: UInt64.self))
                let packed = fields[1]
                let n = packed.count / 16
                s.claims.reserveCapacity(s.claims.count + n)
                for i in 0..<n {
                    let claim = PaymentClaim(high: UInt64(bigEndian: packed.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self)),
                                             low: UInt64(bigEndian: packed.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self)))
                    s.add(claim, seq: first + UInt64(i))
                }
                s.claimsThrough = max(s.claimsThrough, first)
            }
        }
    }

    /// Checks the head an append builds on against the chain itself, before anything is signed: the last stored
    /// entry is the head's size and last hash, and the head's frontier gives the root of the checkpoint signed at
    /// that size, whose signature the genesis ledger key verifies.
    func checkHead(_ ledger: LedgerRecord, _ head: Head, ledgerKey: VerifierKey) throws {
        // One round trip: the last stored entry and the checkpoint stored at the head's size.
        let rows = try db.query("""
            SELECT e.seq, e.bytes, (SELECT note FROM checkpoints WHERE ledger_id = $1 AND size = $2)
            FROM (SELECT seq, bytes FROM entries WHERE ledger_id = $1 ORDER BY seq DESC LIMIT 1) e
            """, [.int(ledger.id), .int(Int64(head.size))])
        guard rows.count == 1, let seq = rows.uint(0, 0), let bytes = rows.bytes(0, 1) else {
            throw StoreError(.inconsistent, "ledger \(ledger.origin) has no readable last entry but its head says \(head.size)")
        }
        guard seq == head.size else {
            throw StoreError(.inconsistent, "the head of \(ledger.origin) says \(head.size) entries, the last stored entry is \(seq); run `aidledger verify`")
        }
        let hash = ledger.suite.makeHashFunction()
        guard EntryHash.compute(bytes, hash: hash) == head.lastHash else {
            throw StoreError(.inconsistent, "the head of \(ledger.origin) does not name the hash of entry \(seq); run `aidledger verify`")
        }
        // The next entries' times start from the head's: it must be the last entry's own.
        guard let last = try? Entry(decoding: bytes), last.time == head.lastTime else {
            throw StoreError(.inconsistent, "the head of \(ledger.origin) does not name the time of entry \(seq); run `aidledger verify`")
        }
        // The signature is verified unless the stored note is, byte for byte, the one this store signed and
        // committed last for this size (its signature is known good); everything else is checked every time.
        guard let note = rows.string(0, 2), let signed = try? SignedCheckpoint(parsing: note),
              signed.checkpoint.origin == ledger.origin, signed.checkpoint.size == head.size,
              lastSigned[ledger.id] == note || signed.note.verify(with: ledgerKey) else {
            throw StoreError(.inconsistent, "no checkpoint of \(ledger.origin) at size \(head.size) signed by its ledger key; run `aidledger verify`")
        }
        guard head.frontier.root(hash: hash) == signed.checkpoint.root else {
            throw StoreError(.inconsistent, "the head of \(ledger.origin) does not give the root of its checkpoint at size \(head.size); run `aidledger verify`")
        }
    }

    /// Refuses a ledger key other than the one the ledger's genesis entry names.
    public func checkLedgerKey(_ key: NamedSigningKey, for ledger: LedgerRecord) throws {
        let named = try genesisLedgerKey(ledger)
        guard key.verifierKey == named else {
            throw StoreError(.wrongLedgerKey, "the ledger key \(key.verifierKey) is not the key of \(ledger.origin); its genesis entry names \(named)")
        }
    }

    /// The ledger key the ledger's genesis entry names (what its checkpoints and 公示 manifests are signed with).
    public func genesisLedgerKey(_ ledger: LedgerRecord) throws -> VerifierKey {
        let rows = try db.query("SELECT bytes FROM entries WHERE ledger_id = $1 AND seq = 1", [.int(ledger.id)])
        guard rows.count == 1, let bytes = rows.bytes(0, 0), let entry = try? Entry(decoding: bytes), entry.kind == .genesis,
              let genesis = try? GenesisBody(decoding: entry.body) else {
            throw StoreError(.inconsistent, "ledger \(ledger.origin) has no valid genesis entry; run `aidledger verify`")
        }
        return genesis.ledgerKey
    }

    /// The key state of `ledger` now: its genesis and key entries, found and read from their bytes (for reads:
    /// the daemon's token roles and key listing; appends decide on their own locked state).
    public func keyRegistry(_ ledger: LedgerRecord) throws -> KeyRegistry {
        // Only genesis and key entries matter here, found by their first bytes (partial index entries_keys_by_bytes,
        // migration 004; the same expression, so the planner uses it).
        let rows = try db.query(Self.keyEntriesSQL, [.int(ledger.id)])
        var entries: [(seq: UInt64, bytes: [UInt8])] = []
        for r in 0..<rows.count {
            guard let seq = rows.uint(r, 0), let bytes = rows.bytes(r, 1) else { continue }
            entries.append((seq, bytes))
        }
        do { return try KeyRegistry.load(origin: ledger.origin, entries: entries).2 } catch {
            throw StoreError(.inconsistent, "the key entries of \(ledger.origin) are unreadable: \(error); run `aidledger verify`")
        }
    }
}

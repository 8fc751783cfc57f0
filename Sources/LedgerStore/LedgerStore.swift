import Foundation
import LedgerCore
import LedgerCrypto
import PostgresClient

/// A ledger as the store knows it.
public struct LedgerRecord: Sendable, Equatable {
    public let id: Int64
    public let origin: String
    public let suite: Suite
}

/// What an append returns once its transaction is durable: the seqs and entry hashes it wrote and the signed
/// checkpoint that covers them.
public struct Receipt: Sendable, Equatable {
    public let origin: String
    public let firstSeq: UInt64
    public let lastSeq: UInt64
    public let hashes: [Digest32]
    /// The signed checkpoint note for the tree of size `lastSeq`.
    public let checkpoint: String
}

/// The PostgreSQL store of ledgers. One instance per connection; not thread-safe (see `PostgresConnection`).
public final class LedgerStore {
    /// The connection. Only the store runs SQL: no other module sees it.
    let db: PostgresConnection
    /// What the append path knows of each ledger, extended as it grows (`admissionState`).
    var admissionStates: [Int64: AdmissionState] = [:]
    /// The date limits every append holds its submissions to (signature window, latest `paid_date`).
    public var plausibility = PlausibilityPolicy()
    /// The checkpoint note this store signed and committed last, per ledger (`checkHead`).
    var lastSigned: [Int64: String] = [:]

    /// The connection string this store was connected with (`connect`), so that a service can open more
    /// connections to the same database (a cross-check reads several ledgers at once); nil for a store made from a
    /// connection.
    package private(set) var conninfo: String?

    public init(_ db: PostgresConnection) { self.db = db }

    /// Connects to the database named by a libpq connection string (empty: libpq's PG* environment variables).
    public static func connect(_ conninfo: String) throws -> LedgerStore {
        let store = LedgerStore(try PostgresConnection(conninfo))
        store.conninfo = conninfo
        return store
    }

    /// Applies pending schema migrations.
    @discardableResult
    public func migrate() throws -> [String] { try Migrations.apply(on: db) }

    // MARK: ledgers

    /// Creates a ledger: the genesis entry (suite, ledger key, first admin key) and its first checkpoint.
    public func createLedger(origin: String, ledgerKey: NamedSigningKey, adminKey: VerifierKey, time: String) throws -> (LedgerRecord, Receipt) {
        guard ledgerKey.name == origin else { throw StoreError(.rejected, "the ledger key must be named after the origin \(origin), not \(ledgerKey.name)") }
        guard adminKey.suite == ledgerKey.suite else { throw StoreError(.rejected, "the admin key is not of suite \(ledgerKey.suite.rawValue)") }
        return try db.transaction {
            let inserted: PostgresRows
            do {
                inserted = try db.query("INSERT INTO ledgers (origin, suite) VALUES ($1, $2) RETURNING id", [.text(origin), .text(ledgerKey.suite.rawValue)])
            } catch let error as PostgresError where error.isUniqueViolation {
                throw StoreError(.ledgerExists, "a ledger with origin \(origin) already exists")
            }
            guard let id = inserted.int(0, 0) else { throw StoreError(.corrupt, "the new ledger's id was not returned") }
            let record = LedgerRecord(id: id, origin: origin, suite: ledgerKey.suite)
            let appender = LedgerAppender(origin: origin, suite: ledgerKey.suite)
            let genesis = GenesisBody(suite: ledgerKey.suite, ledgerKey: ledgerKey.verifierKey, adminKey: adminKey)
            let entry = appender.append(kind: .genesis, body: genesis.json, time: time)
            let checkpoint = try SignedCheckpoint(checkpoint: appender.checkpoint, signedBy: ledgerKey).serialized
            try db.query("""
                INSERT INTO ledger_heads (ledger_id, size, last_hash, frontier, last_time, checkpoint)
                VALUES ($1, $2, $3, $4, $5, $6)
                """, [.int(record.id), .int(1), .bytes(entry.hash.bytes), .bytes(LedgerStore.encode(appender.frontier)), .text(appender.lastTime), .text(checkpoint)])
            try writeEntries(record, [entry])
            try db.query("INSERT INTO checkpoints (ledger_id, size, note) VALUES ($1, $2, $3)", [.int(record.id), .int(1), .text(checkpoint)])
            return (record, Receipt(origin: origin, firstSeq: 1, lastSeq: 1, hashes: [entry.hash], checkpoint: checkpoint))
        }
    }

    public func ledger(origin: String) throws -> LedgerRecord {
        let rows = try db.query("SELECT id, suite FROM ledgers WHERE origin = $1", [.text(origin)])
        guard rows.count == 1, let id = rows.int(0, 0), let suite = Suite(rawValue: rows.string(0, 1) ?? "") else {
            throw StoreError(.unknownLedger, "no ledger with origin \(origin) in this database")
        }
        return LedgerRecord(id: id, origin: origin, suite: suite)
    }

    public func ledgers() throws -> [LedgerRecord] {
        let rows = try db.query("SELECT id, origin, suite FROM ledgers ORDER BY id")
        return (0..<rows.count).compactMap { r in
            guard let id = rows.int(r, 0), let origin = rows.string(r, 1), let suite = Suite(rawValue: rows.string(r, 2) ?? "") else { return nil }
            return LedgerRecord(id: id, origin: origin, suite: suite)
        }
    }

    // MARK: head

    public struct Head: Sendable {
        public let size: UInt64
        public let lastHash: Digest32
        public let frontier: MerkleFrontier
        public let lastTime: String
        public let checkpoint: String
    }

    /// The ledger's head; with `lock`, the row is locked until the transaction ends.
    public func head(_ ledger: LedgerRecord, lock: Bool = false) throws -> Head {
        let rows = lock
            ? try db.query("SELECT size, last_hash, frontier, last_time, checkpoint FROM ledger_heads WHERE ledger_id = $1 FOR UPDATE", [.int(ledger.id)])
            : try db.query("SELECT size, last_hash, frontier, last_time, checkpoint FROM ledger_heads WHERE ledger_id = $1", [.int(ledger.id)])
        guard rows.count == 1, let size = rows.uint(0, 0), let hashBytes = rows.bytes(0, 1), let lastHash = Digest32(bytes: hashBytes),
              let frontierBytes = rows.bytes(0, 2), let frontier = LedgerStore.decodeFrontier(size: size, frontierBytes),
              let lastTime = rows.string(0, 3), let checkpoint = rows.string(0, 4) else {
            throw StoreError(.inconsistent, "the head of ledger \(ledger.origin) is missing or malformed; run `aidledger verify`")
        }
        return Head(size: size, lastHash: lastHash, frontier: frontier, lastTime: lastTime, checkpoint: checkpoint)
    }

    // MARK: append (GroupAppend.swift)

    /// The openings rows of a prepared batch whose header is at `headerSeq` (payment i at headerSeq + 1 + i),
    /// straight from the prepared salts and values.
    static func writeOpenings(of batch: PreparedBatch, headerSeq: UInt64, into rows: inout OpeningsRow.Writer, w: inout BinaryCopyWriter) throws {
        var k = 0
        let pending = batch.openings
        var fields: [(PersonalField, UnsafeRawBufferPointer, String)] = []
        try batch.salts.withUnsafeBytes { salts in
            while k < pending.count {
                let index = pending[k].index
                fields.removeAll(keepingCapacity: true)
                while k < pending.count, pending[k].index == index {
                    let offset = Int(pending[k].saltOffset)
                    fields.append((pending[k].field, UnsafeRawBufferPointer(rebasing: salts[offset..<(offset + 16)]),
                                   batch.items[Int(index)].personalValues[pending[k].field.ordinal]!))
                    k += 1
                }
                try rows.add(seq: headerSeq + 1 + UInt64(index), fields: fields, into: &w)
            }
        }
    }

    func writeEntries(_ ledger: LedgerRecord, _ entries: [AppendedEntry]) throws {
        try db.copyIn("COPY entries (ledger_id, seq, kind, bytes) FROM STDIN (FORMAT binary)") { w in
            for e in entries {
                try w.row(fields: 4)
                w.int(ledger.id)
                w.int(Int64(e.seq))
                w.text(e.kind.rawValue)
                w.bytes(e.bytes)
            }
        }
    }

    // MARK: reading

    /// Streams the entries of a ledger in seq order (binary COPY): `body(seq, bytes)`.
    public func streamEntries(_ ledger: LedgerRecord, from first: UInt64 = 1, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        // COPY takes no parameters; both values are integers of our own, formatted here, never text from outside.
        let sql = SQL(unsafeText: "COPY (SELECT seq, bytes FROM entries WHERE ledger_id = \(ledger.id) AND seq >= \(first) ORDER BY seq) TO STDOUT (FORMAT binary)")
        var reader = BinaryCopyReader()
        // Read in primary-key order with an index scan: entries are inserted in seq order, so that is a sequential
        // read of the heap. Left to itself the planner may bitmap-scan and then sort the whole ledger (measured
        // 3.5 times slower at 200,000 entries).
        try db.query("SET enable_sort = off")
        try db.query("SET enable_bitmapscan = off")
        defer {
            _ = try? db.query("RESET enable_sort")
            _ = try? db.query("RESET enable_bitmapscan")
        }
        try db.copyOut(sql) { chunk in
            try reader.seqAndBytesRows(chunk, body)
        }
    }

    /// One entry's stored bytes, and the entry hash computed from them.
    public func entry(_ ledger: LedgerRecord, seq: UInt64) throws -> (kind: String, hash: Digest32, bytes: [UInt8])? {
        guard let seq = Int64(exactly: seq) else { return nil }
        let rows = try db.query("SELECT kind, bytes FROM entries WHERE ledger_id = $1 AND seq = $2", [.int(ledger.id), .int(seq)])
        guard rows.count == 1, let kind = rows.string(0, 0), let bytes = rows.bytes(0, 1) else { return nil }
        return (kind, EntryHash.compute(bytes, hash: ledger.suite.makeHashFunction()), bytes)
    }

    /// Entries `seq ≥ from`, at most `limit`, optionally of one kind.
    public func entries(_ ledger: LedgerRecord, from: UInt64, limit: Int, kind: EntryKind? = nil) throws -> [(seq: UInt64, bytes: [UInt8])] {
        guard let from = Int64(exactly: from), limit > 0 else { return [] }
        let rows = try db.query("""
            SELECT seq, bytes FROM entries WHERE ledger_id = $1 AND seq >= $2 AND ($3::text IS NULL OR kind = $3) ORDER BY seq LIMIT $4
            """, [.int(ledger.id), .int(from), kind.map { .text($0.rawValue) } ?? .null, .int(Int64(limit))])
        return try (0..<rows.count).map { r in
            guard let seq = rows.uint(r, 0), let bytes = rows.bytes(r, 1) else { throw StoreError(.inconsistent, "an entry row of \(ledger.origin) is unreadable") }
            return (seq, bytes)
        }
    }

    public func checkpoints(_ ledger: LedgerRecord) throws -> [String] {
        let rows = try db.query("SELECT note FROM checkpoints WHERE ledger_id = $1 ORDER BY size", [.int(ledger.id)])
        // A NULL note cannot be stored (NOT NULL); an unreadable one is reported by the verifier as malformed.
        return (0..<rows.count).map { rows.string($0, 0) ?? "" }
    }

    /// Openings of the ledger (personal data): all, or those of one seq.
    public func openings(_ ledger: LedgerRecord, seq: UInt64? = nil) throws -> [Opening] {
        if let seq {
            guard let row = try openingsRow(ledger, containing: seq) else { return [] }
            return try row.data.withUnsafeBytes { try OpeningsRow.decode($0, firstSeq: row.firstSeq, lastSeq: row.lastSeq) }.filter { $0.seq == seq }
        }
        var out: [Opening] = []
        try streamOpenings(ledger) { out.append($0) }
        return out.sorted { ($0.seq, $0.field) < ($1.seq, $1.field) }
    }

    /// The openings row whose range holds `seq`, if any.
    func openingsRow(_ ledger: LedgerRecord, containing seq: UInt64) throws -> (firstSeq: UInt64, lastSeq: UInt64, data: [UInt8])? {
        // Ranges never overlap: the nearest row starting at or before seq is the only candidate (one index probe;
        // putting `last_seq >= seq` in the WHERE clause would scan every earlier row when there is none).
        guard let bound = Int64(exactly: seq) else { return nil }
        let rows = try db.query("""
            SELECT first_seq, last_seq, data FROM openings WHERE ledger_id = $1 AND first_seq <= $2 ORDER BY first_seq DESC LIMIT 1
            """, [.int(ledger.id), .int(bound)])
        guard rows.count == 1, let first = rows.uint(0, 0), let last = rows.uint(0, 1), let data = rows.bytes(0, 2), last >= seq else { return nil }
        return (first, last, data)
    }

    /// Streams every opening of the ledger (binary COPY, no per-value conversion): `body(opening)`.
    public func streamOpenings(_ ledger: LedgerRecord, _ body: (Opening) throws -> Void) throws {
        // COPY takes no parameters; the ledger id is an integer of our own.
        let sql = SQL(unsafeText: "COPY (SELECT first_seq, last_seq, data FROM openings WHERE ledger_id = \(ledger.id)) TO STDOUT (FORMAT binary)")
        var reader = BinaryCopyReader()
        try db.copyOut(sql) { chunk in
            try reader.rows(chunk) { fields in
                guard fields.count == 3, fields[0].count == 8, fields[1].count == 8 else { throw StoreError(.corrupt, "unexpected openings row from COPY") }
                let first = UInt64(bigEndian: fields[0].loadUnaligned(as: UInt64.self)), last = UInt64(bigEndian: fields[1].loadUnaligned(as: UInt64.self))
                for o in try OpeningsRow.decode(fields[2], firstSeq: first, lastSeq: last) { try body(o) }
            }
        }
    }

    /// Deletes openings (retention end, legal order): of `fields` (all if nil) of the entries `seqs`. The caller
    /// appends the signed `erase` record first, in the same transaction. Returns how many were deleted.
    public func deleteOpenings(_ ledger: LedgerRecord, seqs: [UInt64], fields: [String]?) throws -> Int {
        // Each affected row is read once, rewritten without the erased openings, or deleted when none remain.
        var rows: [UInt64: (lastSeq: UInt64, openings: [Opening], changed: Bool)] = [:]
        var total = 0
        for seq in Set(seqs).sorted() {
            let first: UInt64
            if let known = rows.first(where: { $0.key <= seq && $0.value.lastSeq >= seq })?.key {
                first = known
            } else {
                guard let row = try openingsRow(ledger, containing: seq) else { continue }
                let decoded = try row.data.withUnsafeBytes { try OpeningsRow.decode($0, firstSeq: row.firstSeq, lastSeq: row.lastSeq) }
                rows[row.firstSeq] = (row.lastSeq, decoded, false)
                first = row.firstSeq
            }
            let before = rows[first]!.openings.count
            rows[first]!.openings.removeAll { $0.seq == seq && (fields?.contains($0.field) ?? true) }
            let removed = before - rows[first]!.openings.count
            total += removed
            if removed > 0 { rows[first]!.changed = true }
        }
        for (first, row) in rows where row.changed {
            if let rewritten = OpeningsRow.row(row.openings) {
                try db.query("UPDATE openings SET data = $3 WHERE ledger_id = $1 AND first_seq = $2", [.int(ledger.id), .int(Int64(first)), .bytes(rewritten.data)])
            } else {
                try db.query("DELETE FROM openings WHERE ledger_id = $1 AND first_seq = $2", [.int(ledger.id), .int(Int64(first))])
            }
        }
        return total
    }

    // MARK: encoding of the frontier

    static func encode(_ frontier: MerkleFrontier) -> [UInt8] { frontier.nodes.flatMap(\.bytes) }

    static func decodeFrontier(size: UInt64, _ bytes: [UInt8]) -> MerkleFrontier? {
        guard bytes.count % 32 == 0 else { return nil }
        let nodes = stride(from: 0, to: bytes.count, by: 32).compactMap { Digest32(bytes: bytes[$0..<($0 + 32)]) }
        return MerkleFrontier(size: size, nodes: nodes)
    }
}

/// Reads PostgreSQL's binary COPY format, one row per chunk as libpq delivers it (the first chunk also carries
/// the file header).
struct BinaryCopyReader {
    var sawHeader = false
    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xff, 0x0d, 0x0a, 0x00]

    /// Rows of exactly (bigint, bytea), without allocating per row.
    mutating func seqAndBytesRows(_ chunk: UnsafeRawBufferPointer, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        var p = try skipHeader(chunk)
        while p < chunk.count {
            guard chunk.count - p >= 2 else { throw StoreError(.corrupt, "truncated COPY data") }
            let n = Int16(bitPattern: UInt16(bigEndian: chunk.loadUnaligned(fromByteOffset: p, as: UInt16.self)))
            if n == -1 { return }
            guard n == 2, chunk.count - p >= 2 + 4 + 8 + 4 else { throw StoreError(.corrupt, "unexpected COPY row shape") }
            let l0 = Int32(bitPattern: UInt32(bigEndian: chunk.loadUnaligned(fromByteOffset: p + 2, as: UInt32.self)))
            guard l0 == 8 else { throw StoreError(.corrupt, "unexpected COPY row shape") }
            let seq = UInt64(bigEndian: chunk.loadUnaligned(fromByteOffset: p + 6, as: UInt64.self))
            let l1 = Int(Int32(bitPattern: UInt32(bigEndian: chunk.loadUnaligned(fromByteOffset: p + 14, as: UInt32.self))))
            let start = p + 18
            guard l1 >= 0, chunk.count - start >= l1 else { throw StoreError(.corrupt, "truncated COPY data") }
            try body(seq, UnsafeRawBufferPointer(rebasing: chunk[start..<(start + l1)]))
            p = start + l1
        }
    }

    mutating func skipHeader(_ chunk: UnsafeRawBufferPointer) throws -> Int {
        guard !sawHeader else { return 0 }
        guard chunk.count >= 19, Array(chunk[0..<11]) == BinaryCopyReader.signature else { throw StoreError(.corrupt, "not binary COPY data") }
        sawHeader = true
        return 19 + Int(UInt32(bigEndian: chunk.loadUnaligned(fromByteOffset: 15, as: UInt32.self)))
    }

    /// A one-dimensional `text[]` in the binary array format.
    static func textArray(_ b: UnsafeRawBufferPointer) throws -> [String] {
        guard b.count >= 12 else { throw StoreError(.corrupt, "truncated array") }
        func int(_ at: Int) -> Int { Int(Int32(bitPattern: UInt32(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self)))) }
        let dimensions = int(0)
        if dimensions == 0 { return [] }
        guard dimensions == 1, b.count >= 20 else { throw StoreError(.corrupt, "unexpected array shape") }
        let n = int(12)
        var p = 20
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            guard b.count - p >= 4 else { throw StoreError(.corrupt, "truncated array") }
            let length = int(p)
            p += 4
            guard length >= 0, b.count - p >= length else { throw StoreError(.corrupt, "truncated array") }
            out.append(String(decoding: UnsafeRawBufferPointer(rebasing: b[p..<(p + length)]), as: UTF8.self))
            p += length
        }
        return out
    }

    mutating func rows(_ chunk: UnsafeRawBufferPointer, _ body: ([UnsafeRawBufferPointer]) throws -> Void) throws {
        var p = try skipHeader(chunk)
        func need(_ n: Int) throws { if chunk.count - p < n { throw StoreError(.corrupt, "truncated COPY data") } }
        while p < chunk.count {
            try need(2)
            let n = Int16(bitPattern: UInt16(bigEndian: chunk.loadUnaligned(fromByteOffset: p, as: UInt16.self)))
            p += 2
            if n == -1 { return }
            var fields: [UnsafeRawBufferPointer] = []
            fields.reserveCapacity(Int(n))
            for _ in 0..<Int(n) {
                try need(4)
                let length = Int(Int32(bitPattern: UInt32(bigEndian: chunk.loadUnaligned(fromByteOffset: p, as: UInt32.self))))
                p += 4
                if length < 0 { fields.append(UnsafeRawBufferPointer(start: nil, count: 0)); continue }
                try need(length)
                fields.append(UnsafeRawBufferPointer(rebasing: chunk[p..<(p + length)]))
                p += length
            }
            try body(fields)
        }
    }
}

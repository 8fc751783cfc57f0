import Foundation
import LedgerCrypto
import LedgerSamples
import LedgerServices
import Testing
import LedgerCore
import LedgerTestVectors
import LedgerStore
import LedgerVerify
import PostgresClient
import TestSupport

/// Builds a ledger in the store the way the CLI does: genesis, keys, batches.
struct StoreFixture {
    let db: PostgresConnection
    let store: LedgerStore
    let ledger: LedgerRecord
    let ledgerKey: NamedSigningKey
    let admin: NamedSigningKey
    let officer: NamedSigningKey
    var clock: Int64 = 1_788_249_600_000

    let conninfo: String

    init(suite: Suite = .ed25519SHA256, origin: String = "aidledger.example/430626") throws {
        conninfo = try TestDatabase.fresh()
        db = try PostgresConnection(conninfo)
        store = LedgerStore(db)
        ledgerKey = try NamedSigningKey(name: origin, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        admin = try NamedSigningKey(name: origin + "/admin/1", key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        officer = try NamedSigningKey(name: origin + "/officer/1", key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        let now = Timestamp.format(millisecondsSinceEpoch: clock)
        ledger = try store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: now).0
        let enroll = try KeyBody.enroll(officer.verifierKey, role: .officer, units: ["430626"], origin: origin, signedAt: now, admin: admin)
        _ = try store.appendOne(ledger, try .key(enroll, suite: ledger.suite), time: now, ledgerKey: ledgerKey)
    }

    /// The same ledger through a new connection and store (nothing cached), optionally signing with another key.
    init(reconnecting other: StoreFixture, ledgerKey: NamedSigningKey? = nil) throws {
        db = try PostgresConnection(other.conninfo)
        store = LedgerStore(db)
        ledger = other.ledger
        self.ledgerKey = ledgerKey ?? other.ledgerKey
        admin = other.admin
        officer = other.officer
        clock = other.clock + 100_000
        conninfo = other.conninfo
    }

    mutating func now() -> String {
        clock += 1000
        return Timestamp.format(millisecondsSinceEpoch: clock)
    }

    mutating func appendBatch(_ id: String, count: Int, seed: UInt64 = 1) throws -> Receipt {
        var rng = SplitMix64(seed: seed)
        let items = DemoData.boardingSubsidyPayments(count: count, unit: "430626", period: "2025-autumn", rng: &rng)
        let t = now()
        let prepared = try BatchBuilder.prepare(batchID: id, program: Sample.program, period: "2025-autumn", unit: "430626",
                                                items: items, origin: ledger.origin, signedAt: t, officer: officer)
        return try store.appendOne(ledger, batch: prepared, time: t, ledgerKey: ledgerKey)
    }

    /// Verifies the ledger from the database as `aidledger verify` does (the offline verifier), openings included.
    func verify() throws -> VerificationReport { try StoreVerification.verify(store, ledger) }
}

@Suite struct StoreTests {
    @Test(arguments: Suite.allCases)
    func appendAndReadBack(_ suite: Suite) throws {
        var f = try StoreFixture(suite: suite)
        let receipt = try f.appendBatch("b-1", count: 25)
        #expect(receipt.firstSeq == 3 && receipt.lastSeq == 28 && receipt.hashes.count == 26)
        let cp = try SignedCheckpoint(parsing: receipt.checkpoint)
        #expect(cp.checkpoint.size == 28 && cp.note.verify(with: f.ledgerKey.verifierKey))
        // Entries read back are the bytes whose hashes the receipt names.
        let hashFunction = suite.makeHashFunction()
        var seen: [UInt64] = []
        try f.store.streamEntries(f.ledger) { seq, bytes in
            seen.append(seq)
            if seq >= 3 { #expect(EntryHash.compute(bytes, hash: hashFunction) == receipt.hashes[Int(seq - 3)]) }
        }
        #expect(seen == Array(1...28))
        #expect(try f.store.openings(f.ledger).count == 25 * 5)
        let report = try f.verify()
        #expect(report.intact, "\(report.findings)")
        #expect(report.openingsChecked == 125 && report.totals.payments == 25)
        let head = try f.store.head(f.ledger)
        #expect(head.size == 28 && head.checkpoint == receipt.checkpoint)
        // A second batch continues the chain; the same batch id is refused.
        _ = try f.appendBatch("b-2", count: 3, seed: 2)
        #expect { try f.appendBatch("b-2", count: 3, seed: 3) } throws: { ($0 as? AppendNotAdmitted)?.refusal?.code == "batch-duplicate" }
        #expect(try f.verify().intact)
        #expect(try f.store.checkpoints(f.ledger).count == 4)
    }

    @Test func migrationsAreIdempotent() throws {
        let db = try PostgresConnection(try TestDatabase.fresh())
        #expect(try Migrations.apply(on: db).isEmpty)
        #expect(try Migrations.currentVersion(on: db) == Migrations.all().last?.version)
    }

    @Test func version2KeepsTheOpeningsOfVersion1() throws {
        let db = try PostgresConnection(try TestDatabase.unmigrated())
        #expect(try Migrations.apply(on: db, upTo: 1) == ["001_ledger"])
        // Version 1 rows: one per entry, the entry's openings object.
        let salt = String(repeating: "ab", count: 16)
        for seq in [4, 5] {
            try db.query("INSERT INTO openings (ledger_id, seq, data) VALUES (1, $1, convert_to($2, 'UTF8'))",
                         [.int(Int64(seq)), .text(#"{"name":{"salt":"\#(salt)","value":"张\#(seq)"}}"#)])
        }
        #expect(try Migrations.apply(on: db) == Migrations.all().dropFirst().map(\.name))
        let rows = try db.query("SELECT first_seq, last_seq, data FROM openings ORDER BY first_seq")
        #expect(rows.count == 2)
        var openings: [Opening] = []
        for r in 0..<rows.count {
            openings += try rows.bytes(r, 2)!.withUnsafeBytes { try OpeningsRow.decode($0, firstSeq: UInt64(rows.int(r, 0)!), lastSeq: UInt64(rows.int(r, 1)!)) }
        }
        #expect(openings.map(\.seq) == [4, 5] && openings.map(\.value) == ["张4", "张5"] && openings.allSatisfy { $0.field == "name" && Hex.encode($0.salt) == salt })
    }

    @Test func openingsRowsHoldConsecutiveEntriesWithinTheBudget() throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("b-1", count: 120, seed: 1)
        let rows = try f.db.query("SELECT first_seq, last_seq, length(data) FROM openings ORDER BY first_seq")
        #expect(rows.count > 1 && rows.count < 120)
        var next: Int64? = nil
        for r in 0..<rows.count {
            #expect(rows.int(r, 2)! <= 7_600)
            if let next { #expect(rows.int(r, 0)! == next) }
            next = rows.int(r, 1)! + 1
        }
        // One seq's openings, found in the middle of a row.
        let middle = UInt64(rows.int(0, 0)! + 1)
        #expect(try f.store.openings(f.ledger, seq: middle).count == 5)
        #expect(try f.store.openings(f.ledger).count == 120 * 5)
    }

    @Test func duplicateOriginIsRefused() throws {
        let f = try StoreFixture()
        #expect(throws: StoreError.self) {
            try f.store.createLedger(origin: f.ledger.origin, ledgerKey: f.ledgerKey, adminKey: f.admin.verifierKey, time: "2026-01-01T00:00:00.000Z")
        }
    }
}

@Suite struct ManyLedgersTests {
    /// Two counties' ledgers in one database: independent chains, seqs, heads and checkpoints.
    @Test func twoLedgersInOneDatabase() throws {
        var a = try StoreFixture(origin: "aidledger.example/430626")
        let bKey = try NamedSigningKey(name: "aidledger.example/430611", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let (ledgerB, genesisB) = try a.store.createLedger(origin: bKey.name, ledgerKey: bKey, adminKey: a.admin.verifierKey, time: "2026-09-01T08:00:00.000Z")
        #expect(genesisB.firstSeq == 1)
        _ = try a.appendBatch("a-1", count: 4)
        let note = try KeyBody.enroll(a.officer.verifierKey, role: .officer, units: ["430611"], origin: bKey.name, signedAt: "2026-09-01T08:00:01.000Z", admin: a.admin)
        let r = try a.store.appendOne(ledgerB, try .key(note, suite: ledgerB.suite), time: "2026-09-01T08:00:01.000Z", ledgerKey: bKey)
        #expect(r.firstSeq == 2)
        #expect(try a.store.ledgers().map(\.origin) == ["aidledger.example/430626", "aidledger.example/430611"])
        #expect(try a.store.head(a.ledger).size == 7 && a.store.head(ledgerB).size == 2)
        #expect(try a.verify().intact)
        var v = LedgerVerifier()
        v.addCheckpoints(try a.store.checkpoints(ledgerB))
        try a.store.streamEntries(ledgerB) { _, bytes in v.consume(entryBytes: bytes) }
        #expect(v.finish().intact)
        // A ledger key of one ledger cannot sign the other's checkpoints.
        #expect(throws: StoreError.self) { try a.store.appendOne(ledgerB, try .key(note, suite: ledgerB.suite), time: "2026-09-01T08:00:02.000Z", ledgerKey: a.ledgerKey) }
    }
}

@Suite struct ConcurrentStreamTests {
    struct Stop: Error {}

    @Test func sameRowsAsTheSequentialStreamAndCleanCancellation() throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("big", count: 12_000) // more than one 4 MiB chunk
        var sequential: [(UInt64, [UInt8])] = []
        try f.store.streamEntries(f.ledger) { sequential.append(($0, Array($1))) }
        var concurrent: [(UInt64, [UInt8])] = []
        try f.store.streamEntriesConcurrently(f.ledger) { concurrent.append(($0, Array($1))) }
        #expect(concurrent.count == sequential.count && concurrent.count == 12_003)
        #expect(zip(concurrent, sequential).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 })
        // A consumer that fails midway: the error comes back, and the connection is usable afterwards.
        var seen = 0
        #expect(throws: Stop.self) {
            try f.store.streamEntriesConcurrently(f.ledger) { _, _ in
                seen += 1
                if seen == 100 { throw Stop() }
            }
        }
        #expect(try f.store.head(f.ledger).size == 12_003)
        #expect(try f.verify().intact)
    }
}

import Foundation
import LedgerCrypto
import Testing
import LedgerCore
import LedgerTestVectors
import LedgerStore
import LedgerVerify
import PostgresClient
import TestSupport

@Suite struct AppendOnlyTests {
    /// UPDATE, DELETE and TRUNCATE on the chain are refused for the owner (a superuser here) by the triggers…
    @Test(arguments: [
        "UPDATE entries SET kind = 'payment' WHERE seq = 1",
        "DELETE FROM entries WHERE seq = 2",
        "TRUNCATE entries CASCADE",
        "UPDATE checkpoints SET note = 'x'",
        "DELETE FROM checkpoints",
        "TRUNCATE checkpoints",
        "DELETE FROM batches",
        "UPDATE ledgers SET origin = 'elsewhere'",
    ] as [String])
    func ownerIsRefused(_ statement: String) throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("b-1", count: 3)
        do {
            try f.db.query(SQL(unsafeText: statement))
            Issue.record("\(statement) succeeded")
        } catch let error as PostgresError {
            #expect(error.isInsufficientPrivilege, "\(error)")
            #expect(error.message.contains("append-only"), "\(error)")
        }
        #expect(try f.verify().intact)
    }

    /// … and the service role has no such privilege at all.
    @Test(arguments: ["UPDATE entries SET kind = 'x'", "DELETE FROM entries", "TRUNCATE entries", "UPDATE checkpoints SET note = 'x'", "DELETE FROM checkpoints"] as [String])
    func serviceRoleHasNoPrivilege(_ statement: String) throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("b-1", count: 2)
        try f.db.query("SET ROLE aidledger_service")
        do {
            try f.db.query(SQL(unsafeText: statement))
            Issue.record("\(statement) succeeded as aidledger_service")
        } catch let error as PostgresError {
            #expect(error.isInsufficientPrivilege && error.message.contains("permission denied"), "\(error)")
        }
        // What the service needs still works under that role.
        #expect(try f.appendBatch("b-2", count: 2, seed: 9).lastSeq > 0)
    }
}

/// Each tamper class of the format issue, applied to the stored rows by a superuser who disables the triggers,
/// is caught by verification from the database with the right seq.
@Suite struct StoredTamperTests {
    /// A ledger of: 1 genesis, 2 officer enrolment, 3 batch + 4–6 payments, 7 batch + 8–10 payments, 11 reversal of 5.
    static func ledger() throws -> StoreFixture {
        var f = try StoreFixture()
        _ = try f.appendBatch("b-1", count: 3, seed: 1)
        _ = try f.appendBatch("b-2", count: 3, seed: 2)
        let target = try f.store.entry(f.ledger, seq: 5)!
        let amount = try Entry(decoding: target.bytes).body["amount_fen"]!.intValue!
        let t = f.now()
        let reversal = try ReversalBody.make(target: 5, targetHash: target.hash, amountFen: amount, reason: "重复发放", origin: f.ledger.origin, signedAt: t, officer: f.officer)
        _ = try f.store.appendOne(f.ledger, try .reversal(reversal), time: t, ledgerKey: f.ledgerKey)
        #expect(try f.verify().intact)
        return f
    }

    /// Rewrites every openings row of the ledger as a superuser would: decoded, changed by `change`, written back,
    /// with the triggers off (openings change only by an erasure on record otherwise, migration 005).
    func rewriteOpenings(_ f: StoreFixture, _ change: ([Opening]) -> [Opening]) throws {
        try f.db.query("SET session_replication_role = replica")
        defer { _ = try? f.db.query("SET session_replication_role = DEFAULT") }
        let rows = try f.db.query("SELECT first_seq, last_seq, data FROM openings WHERE ledger_id = $1", [.int(f.ledger.id)])
        for r in 0..<rows.count {
            let first = rows.int(r, 0)!, last = rows.int(r, 1)!
            let openings = try rows.bytes(r, 2)!.withUnsafeBytes { try OpeningsRow.decode($0, firstSeq: UInt64(first), lastSeq: UInt64(last)) }
            if let row = OpeningsRow.row(change(openings)) {
                try f.db.query("UPDATE openings SET data = $3 WHERE ledger_id = $1 AND first_seq = $2", [.int(f.ledger.id), .int(first), .bytes(row.data)])
            } else {
                try f.db.query("DELETE FROM openings WHERE ledger_id = $1 AND first_seq = $2", [.int(f.ledger.id), .int(first)])
            }
        }
    }

    func tampered(_ f: StoreFixture, _ statements: [String]) throws -> VerificationReport {
        try f.db.query("ALTER TABLE entries DISABLE TRIGGER USER")
        try f.db.query("ALTER TABLE checkpoints DISABLE TRIGGER USER")
        // A superuser can also switch off foreign keys for the session.
        try f.db.query("SET session_replication_role = replica")
        for s in statements { try f.db.query(SQL(unsafeText: s)) }
        try f.db.query("SET session_replication_role = DEFAULT")
        try f.db.query("ALTER TABLE entries ENABLE TRIGGER USER")
        try f.db.query("ALTER TABLE checkpoints ENABLE TRIGGER USER")
        return try f.verify()
    }

    @Test func amountChangedInStoredBytes() throws {
        let f = try Self.ledger()
        let amount = try Entry(decoding: f.store.entry(f.ledger, seq: 9)!.bytes).body["amount_fen"]!.intValue!
        let r = try tampered(f, ["UPDATE entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '\"amount_fen\":\(amount)', '\"amount_fen\":\(amount * 10)'), 'UTF8') WHERE seq = 9"])
        #expect(r.findings.first?.code == .hashChain && r.firstBadSeq == 9, "\(r.findings)")
    }

    @Test func commitmentChanged() throws {
        let f = try Self.ledger()
        let c = try Entry(decoding: f.store.entry(f.ledger, seq: 6)!.bytes).body["commit"]!.objectValue!["name"]!.stringValue!
        let other = String(repeating: "0", count: 64)
        let r = try tampered(f, ["UPDATE entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '\(c)', '\(other)'), 'UTF8') WHERE seq = 6"])
        #expect(r.findings.first?.code == .hashChain && r.firstBadSeq == 6, "\(r.findings)")
    }

    @Test func entryRemoved() throws {
        let f = try Self.ledger()
        try rewriteOpenings(f) { $0.filter { $0.seq != 8 } }
        let r = try tampered(f, ["DELETE FROM entries WHERE seq = 8"])
        #expect(r.findings.first?.code == .seqMismatch && r.firstBadSeq == 8, "\(r.findings)")
    }

    @Test func entriesSwapped() throws {
        let f = try Self.ledger()
        let r = try tampered(f, [
            "UPDATE entries SET seq = 1000004 WHERE seq = 4", "UPDATE entries SET seq = 4 WHERE seq = 5", "UPDATE entries SET seq = 5 WHERE seq = 1000004",
        ])
        #expect(r.findings.first?.code == .seqMismatch || r.findings.first?.code == .hashChain, "\(r.findings)")
        #expect(r.firstBadSeq == 4, "\(r.findings)")
    }

    @Test func tailCutAfterCheckpoint() throws {
        let f = try Self.ledger()
        try rewriteOpenings(f) { $0.filter { $0.seq < 7 } }
        let r = try tampered(f, ["DELETE FROM entries WHERE seq >= 7"])
        #expect(r.findings.first?.code == .checkpointBeyondEnd && r.firstBadSeq == 7, "\(r.findings)")
    }

    @Test func checkpointSignatureForged() throws {
        let f = try Self.ledger()
        let r = try tampered(f, ["UPDATE checkpoints SET note = regexp_replace(note, ' [A-Za-z0-9+/]{8}', ' AAAAAAAA') WHERE size = 6"])
        #expect(r.findings.first?.code == .checkpointSignature && r.firstBadSeq == 6, "\(r.findings)")
    }

    @Test func checkpointInconsistent() throws {
        let f = try Self.ledger()
        // A validly signed checkpoint of size 6 over another history, stored in place of the real one.
        let forged = try SignedCheckpoint(checkpoint: Checkpoint(origin: f.ledger.origin, size: 6, root: f.ledger.suite.makeHashFunction().hash([7])), signedBy: f.ledgerKey)
        let r = try tampered(f, ["UPDATE checkpoints SET note = '\(forged.serialized)' WHERE size = 6"])
        #expect(r.findings.first?.code == .checkpointInconsistent && r.firstBadSeq == 6, "\(r.findings)")
    }

    @Test func openingDoesNotMatch() throws {
        let f = try Self.ledger()
        // A superuser edits the stored name.
        try rewriteOpenings(f) { openings in
            openings.map { o in o.seq == 4 && o.field == "name" ? Opening(seq: o.seq, field: o.field, salt: o.salt, value: o.value + "某") : o }
        }
        let r = try f.verify()
        #expect(r.findings.first?.code == .openingMismatch && r.firstBadSeq == 4, "\(r.findings)")
    }
}

/// Every named broken ledger of the format's vectors, written into the store's tables by a superuser (triggers
/// off), is caught by verification from the database with the same code and first bad seq as offline.
@Suite struct StoredVectorTests {
    static let directory = TestPaths.projectVectors.appendingPathComponent("ledgers")

    static func manifest() throws -> [JSONObject] {
        try readJSON(directory.appendingPathComponent("manifest.json")).arrayValue!.map { $0.objectValue! }
    }

    @Test(arguments: try! StoredVectorTests.manifest().map { $0["name"]!.stringValue! })
    func vectorStoredWithSQL(_ name: String) throws {
        let v = try Self.manifest().first { $0["name"]!.stringValue! == name }!
        let bundle = try readBytes(Self.directory.appendingPathComponent(v["bundle"]!.stringValue!))
        let layout = try bundle.withUnsafeBytes { try Bundle.layout($0) }
        let db = try PostgresConnection(try TestDatabase.fresh())
        let store = LedgerStore(db)
        // What a superuser can do: write rows directly, bypassing the append path and its triggers.
        try db.query("SET session_replication_role = replica")
        let id = try db.query("INSERT INTO ledgers (origin, suite) VALUES ($1, $2) RETURNING id", [.text(layout.header.origin), .text(layout.header.suite.rawValue)]).int(0, 0)!
        for (i, range) in layout.entryLines.enumerated() {
            let bytes = Array(bundle[range])
            let kind = (try? Entry(decoding: bytes))?.kind.rawValue ?? "payment"
            // Store each entry at the seq of its position, as the rows of a tampered table would be.
            try db.query("INSERT INTO entries (ledger_id, seq, kind, bytes) VALUES ($1, $2, $3, $4)",
                         [.int(id), .int(Int64(i + 1)), .text(kind), .bytes(bytes)])
        }
        for (i, note) in layout.checkpoints.enumerated() {
            try db.query("INSERT INTO checkpoints (ledger_id, size, note) VALUES ($1, $2, $3)", [.int(id), .int(Int64(1000 + i)), .text(note)])
        }
        if let file = v["openings"]?.stringValue {
            let all = try readBytes(Self.directory.appendingPathComponent(file)).split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
            if let row = OpeningsRow.row(all) {
                try db.query("INSERT INTO openings (ledger_id, first_seq, last_seq, data) VALUES ($1, $2, $3, $4)",
                             [.int(id), .int(Int64(row.firstSeq)), .int(Int64(row.lastSeq)), .bytes(row.data)])
            }
        }
        try db.query("SET session_replication_role = DEFAULT")
        let ledger = try store.ledger(origin: layout.header.origin)
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = v["ledger_key"]!.stringValue!
        try store.streamOpenings(ledger) { options.openings.append($0) }
        if let kept = v["kept_checkpoint"]?.stringValue {
            options.expectedCheckpoints = [String(decoding: try readBytes(Self.directory.appendingPathComponent(kept)), as: UTF8.self)]
        }
        var verifier = LedgerVerifier(options: options)
        verifier.addCheckpoints(try store.checkpoints(ledger))
        try store.streamEntries(ledger) { _, bytes in verifier.consume(entryBytes: bytes) }
        let r = verifier.finish()
        if case .string("intact") = v["expect"]! {
            #expect(r.intact, "\(name): \(r.findings)")
        } else if v["expect"]?.objectValue?["code"]?.stringValue == "bundle-malformed" {
            // A defect of the bundle file (its header): the rows hold only entries and checkpoints.
            #expect(r.intact, "\(name): \(r.findings)")
        } else {
            let expect = v["expect"]!.objectValue!
            #expect(r.findings.first?.code.rawValue == expect["code"]!.stringValue!, "\(name): \(r.findings)")
            // A null first_bad_seq: the first finding has no seq (FORMAT.md §14).
            #expect(r.firstBadSeq == expect["first_bad_seq"]?.intValue.map { UInt64($0) }, "\(name): \(r.findings)")
        }
    }
}

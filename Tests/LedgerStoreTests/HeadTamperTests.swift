import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore
import PostgresClient
import Testing
import TestSupport

/// The ledger never signs what it has not checked: after each tamper by the database superuser (triggers off), the
/// next append is refused and nothing is signed or written. As the service role these tampers are refused outright
/// since migration 005 (ServiceRoleTests).
@Suite struct HeadTamperTests {
    enum Who { case superuser, serviceRole }

    /// Runs `statements` as `who` (a superuser switches the append-only triggers off first).
    func tamper(_ f: StoreFixture, as who: Who, _ statements: [String]) throws {
        switch who {
        case .superuser:
            try f.db.query("SET session_replication_role = replica")
            for s in statements { try f.db.query(SQL(unsafeText: s)) }
            try f.db.query("SET session_replication_role = DEFAULT")
        case .serviceRole:
            try f.db.query("SET ROLE aidledger_service")
            defer { _ = try? f.db.query("RESET ROLE") }
            for s in statements { try f.db.query(SQL(unsafeText: s)) }
        }
    }

    /// What must not move when an append is refused.
    struct Snapshot: Equatable {
        let head: [String]
        let checkpoints: Int
        let entries: Int
    }

    func snapshot(_ f: StoreFixture) throws -> Snapshot {
        let h = try f.db.query("SELECT size::text, encode(last_hash, 'hex'), encode(frontier, 'hex'), checkpoint FROM ledger_heads WHERE ledger_id = $1", [.int(f.ledger.id)])
        return Snapshot(head: (0..<4).map { h.string(0, $0) ?? "" },
                        checkpoints: Int(try f.db.query("SELECT count(*) FROM checkpoints WHERE ledger_id = $1", [.int(f.ledger.id)]).int(0, 0)!),
                        entries: Int(try f.db.query("SELECT count(*) FROM entries WHERE ledger_id = $1", [.int(f.ledger.id)]).int(0, 0)!))
    }

    /// Tampers, then tries to append a batch: it must be refused with `code`, and nothing may move. The append
    /// goes through the store that wrote before (its admission state cached) and, with `freshStore`, through a
    /// new one, as a new process would.
    func refusedAfter(_ who: Who, _ statements: [String], code: StoreError.Code, freshStore: Bool = false, line: Int = #line) throws {
        let first = try StoreFixture()
        var f = first
        _ = try f.appendBatch("b-1", count: 3, seed: 1)
        try tamper(f, as: who, statements)
        if freshStore { f = try StoreFixture(reconnecting: f) }
        let before = try snapshot(f)
        do {
            _ = try f.appendBatch("b-2", count: 2, seed: 2)
            Issue.record("the append after the tamper was accepted (line \(line))")
        } catch let e as StoreError {
            #expect(e.code == code, "\(e) (line \(line))")
        }
        #expect(try snapshot(f) == before, "something moved (line \(line))")
    }

    @Test(arguments: [Who.superuser])
    func alteredFrontier(_ who: Who) throws {
        try refusedAfter(who, ["UPDATE ledger_heads SET frontier = decode(repeat('ab', 32), 'hex') || substring(frontier from 33)"], code: .inconsistent)
    }

    @Test(arguments: [Who.superuser])
    func alteredLastHash(_ who: Who) throws {
        try refusedAfter(who, ["UPDATE ledger_heads SET last_hash = decode(repeat('cd', 32), 'hex')"], code: .inconsistent)
    }

    @Test(arguments: [Who.superuser])
    func sizePushedForward(_ who: Who) throws {
        try refusedAfter(who, ["UPDATE ledger_heads SET size = size + 5"], code: .inconsistent)
    }

    @Test func checkpointOfTheHeadReplaced() throws {
        // The head's own copy of its checkpoint is not trusted either: the signed row at that size is checked.
        try refusedAfter(.superuser, ["UPDATE checkpoints SET note = replace(note, '—', '-') WHERE size = (SELECT size FROM ledger_heads)"], code: .inconsistent)
    }

    @Test(arguments: [Who.superuser])
    func strayEntryBeyondTheHead(_ who: Who) throws {
        try refusedAfter(who, ["INSERT INTO entries (ledger_id, seq, kind, bytes) SELECT ledger_id, size + 1, 'payment', '\\x7b7d'::bytea FROM ledger_heads"],
                         code: .inconsistent)
    }

    /// A batch row with a negative seq: refused as inconsistent, never a trap in a conversion.
    @Test(arguments: [Who.superuser])
    func batchRowWithANegativeSeq(_ who: Who) throws {
        try refusedAfter(who, ["INSERT INTO batches (ledger_id, batch_id, seq, count) SELECT ledger_id, 'b-2', -5, -1 FROM ledger_heads"], code: .inconsistent)
    }

    @Test func keyEntryBytesRewritten() throws {
        // The officer's enrolment (seq 2) rewritten to another unit: its hash no longer is the prev of seq 3. (A
        // store that read it before the rewrite keeps deciding on what it read, which was right.)
        try refusedAfter(.superuser, ["UPDATE entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '\"430626\"', '\"999999\"'), 'UTF8') WHERE seq = 2"],
                         code: .inconsistent, freshStore: true)
    }

    /// The key state comes from the entries' bytes, not the `kind` column: a revocation whose column says
    /// "payment" still revokes.
    @Test func revocationHiddenByItsKindColumn() throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("b-1", count: 2, seed: 1)
        let t = f.now()
        let revoke = try KeyBody.revoke(f.officer.verifierKey, reason: "调离岗位", origin: f.ledger.origin, signedAt: t, admin: f.admin)
        let r = try f.store.appendOne(f.ledger, try .key(revoke, suite: f.ledger.suite), time: t, ledgerKey: f.ledgerKey)
        try tamper(f, as: .superuser, ["UPDATE entries SET kind = 'payment' WHERE seq = \(r.firstSeq)"])
        // A store with nothing cached, as a new process would have.
        var fresh = try StoreFixture(reconnecting: f)
        do {
            _ = try fresh.appendBatch("b-2", count: 2, seed: 2)
            Issue.record("a revoked officer's batch was admitted")
        } catch let e as AppendNotAdmitted {
            #expect(e.refusal?.code == "signer-revoked", "\(e)")
        }
    }

    /// A ledger key under the origin's name that is not the genesis key signs nothing.
    @Test func anotherKeyUnderTheOriginsName() throws {
        var f = try StoreFixture()
        let impostor = try NamedSigningKey(name: f.ledger.origin, key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        #expect(throws: StoreError.self) { try f.store.checkLedgerKey(impostor, for: f.ledger) }
        let before = try snapshot(f)
        var other = try StoreFixture(reconnecting: f, ledgerKey: impostor)
        do {
            _ = try other.appendBatch("b-1", count: 2, seed: 1)
            Issue.record("an append signed with another key was accepted")
        } catch let e as StoreError {
            #expect(e.code == .wrongLedgerKey && e.message.contains(f.ledgerKey.verifierKey.description), "\(e)")
        }
        #expect(try snapshot(f) == before)
        _ = try f.appendBatch("b-2", count: 2, seed: 2)
    }
}

import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerVerify
import PostgresClient
import Testing
import TestSupport

/// The service role (the daemon's database role) writes only what an append writes (migration 005). Each attack of
/// the hardening issue (item 4), run as `aidledger_service`, is refused; nothing moves; and an append through the
/// store as the service role still works afterwards and the ledger verifies intact.
@Suite struct ServiceRoleTests {
    /// Bytes that begin as a payment entry's do (so they pass for one where only the first bytes are looked at).
    static let junk = #"convert_to('{"body":{"account_type":"bank_card"}}', 'UTF8')"#

    /// Everything an attack could move: the head, and the rows of every table the service role may insert into.
    func state(_ f: StoreFixture) throws -> [String] {
        let r = try f.db.query("""
            SELECT (SELECT size || ':' || encode(last_hash, 'hex') || ':' || md5(frontier) || ':' || md5(checkpoint) FROM ledger_heads WHERE ledger_id = $1),
                   (SELECT count(*) || ':' || coalesce(max(seq), 0) FROM entries),
                   (SELECT count(*) FROM checkpoints)::text,
                   (SELECT count(*) || ':' || coalesce(md5(string_agg(md5(data), ',' ORDER BY first_seq)), '') FROM openings),
                   (SELECT count(*) FROM payment_claims)::text,
                   (SELECT count(*) FROM batches)::text,
                   (SELECT count(*) || ':' || count(revoked_at) FROM api_tokens),
                   (SELECT count(*) FROM ledgers)::text
            """, [.int(f.ledger.id)])
        return (0..<8).map { r.string(0, $0) ?? "" }
    }

    /// A ledger with a batch (openings, claims, batch id) and two tokens of the officer, one of them revoked.
    func ledger() throws -> StoreFixture {
        var f = try StoreFixture()
        _ = try f.appendBatch("b-1", count: 3, seed: 1)
        _ = try f.store.issueToken(f.ledger, keyName: f.officer.name, label: "revoked")
        #expect(try f.store.revokeTokens(f.ledger, keyName: f.officer.name) == 1)
        _ = try f.store.issueToken(f.ledger, keyName: f.officer.name, label: "live")
        return f
    }

    /// Runs `statements` as the service role, in order: one of them must fail (with a PostgreSQL error, never
    /// silently), and when it has, nothing may have moved. Then, still as the service role, the next batch is
    /// appended through the store and the ledger verifies.
    func refusedToTheServiceRole(_ statements: [String], line: Int = #line) throws {
        var f = try ledger()
        let before = try state(f)
        try f.db.query("SET ROLE aidledger_service")
        var refusal: PostgresError? = nil
        for s in statements {
            do { try f.db.query(SQL(unsafeText: s)) } catch let e as PostgresError { refusal = e; break }
        }
        _ = try? f.db.query("ROLLBACK")
        #expect(refusal != nil, "the service role was allowed: \(statements) (line \(line))")
        if let refusal {
            // Permission denied, a trigger's refusal (42501) or the seq check (23514): never a lost connection.
            #expect(refusal.isInsufficientPrivilege || refusal.sqlState == "23514", "\(refusal) (line \(line))")
        }
        try f.db.query("RESET ROLE")
        #expect(try state(f) == before, "something moved (line \(line))")
        // The ledger still works, as the service role.
        try f.db.query("SET ROLE aidledger_service")
        let receipt = try f.appendBatch("b-2", count: 2, seed: 2)
        try f.db.query("RESET ROLE")
        #expect(receipt.firstSeq == 7 && receipt.lastSeq == 9, "\(receipt.firstSeq)…\(receipt.lastSeq) (line \(line))")
        #expect(try f.verify().intact, "line \(line)")
    }

    // MARK: the head

    @Test func headMovedForwardOverNothing() throws {
        try refusedToTheServiceRole(["UPDATE ledger_heads SET size = size + 5"])
    }

    @Test func headMovedBackward() throws {
        try refusedToTheServiceRole(["UPDATE ledger_heads SET size = size - 1"])
    }

    @Test(arguments: [
        "UPDATE ledger_heads SET last_hash = decode(repeat('cd', 32), 'hex')",
        "UPDATE ledger_heads SET frontier = decode(repeat('ab', 32), 'hex') || substring(frontier from 33)",
        "UPDATE ledger_heads SET checkpoint = replace(checkpoint, '—', '-')",
        "UPDATE ledger_heads SET ledger_id = 99",
    ] as [String])
    func headRewrittenInPlace(_ statement: String) throws {
        try refusedToTheServiceRole([statement])
    }

    /// The head moved over an entry of the same transaction, but without the checkpoint, frontier and hash an
    /// append writes.
    @Test func headMovedOverItsOwnJunkEntry() throws {
        try refusedToTheServiceRole([
            "BEGIN",
            "INSERT INTO entries (ledger_id, seq, kind, bytes) SELECT ledger_id, size + 1, 'payment', \(Self.junk) FROM ledger_heads",
            "UPDATE ledger_heads SET size = size + 1, last_hash = sha256('\\x00'::bytea || \(Self.junk))",
            "COMMIT",
        ])
    }

    @Test func headDeleted() throws {
        try refusedToTheServiceRole(["DELETE FROM ledger_heads"])
    }

    // MARK: stray rows

    @Test func strayEntryAboveTheHead() throws {
        try refusedToTheServiceRole(["INSERT INTO entries (ledger_id, seq, kind, bytes) SELECT ledger_id, size + 1, 'payment', \(Self.junk) FROM ledger_heads"])
    }

    /// Refused at COMMIT (the constraint trigger is deferred): the entry never stays to block the next append.
    @Test func strayEntryCommitted() throws {
        try refusedToTheServiceRole([
            "BEGIN",
            "INSERT INTO entries (ledger_id, seq, kind, bytes) SELECT ledger_id, size + 100, 'payment', \(Self.junk) FROM ledger_heads",
            "COMMIT",
        ])
    }

    /// Making the deferred check immediate only makes it fire earlier.
    @Test func strayEntryWithConstraintsImmediate() throws {
        try refusedToTheServiceRole([
            "BEGIN",
            "SET CONSTRAINTS ALL IMMEDIATE",
            "INSERT INTO entries (ledger_id, seq, kind, bytes) SELECT ledger_id, size + 1, 'payment', \(Self.junk) FROM ledger_heads",
            "COMMIT",
        ])
    }

    @Test(arguments: [
        "INSERT INTO entries (ledger_id, seq, kind, bytes) VALUES (1, 0, 'payment', \(ServiceRoleTests.junk))",
        "INSERT INTO entries (ledger_id, seq, kind, bytes) VALUES (999, 1, 'genesis', \(ServiceRoleTests.junk))",
    ] as [String])
    func entryOutsideEveryLedger(_ statement: String) throws {
        try refusedToTheServiceRole([statement])
    }

    @Test(arguments: [
        "INSERT INTO checkpoints (ledger_id, size, note) SELECT ledger_id, size + 1, checkpoint FROM ledger_heads",
        "INSERT INTO checkpoints (ledger_id, size, note) SELECT ledger_id, size - 1, 'x' FROM ledger_heads",
    ] as [String])
    func strayCheckpoint(_ statement: String) throws {
        try refusedToTheServiceRole([statement])
    }

    @Test(arguments: [
        "INSERT INTO openings (ledger_id, first_seq, last_seq, data) SELECT ledger_id, size + 2, size + 2, '\\x01'::bytea FROM ledger_heads",
        "INSERT INTO openings (ledger_id, first_seq, last_seq, data) VALUES (1, 3, 3, '\\x01'::bytea)",
        "INSERT INTO payment_claims (ledger_id, first_seq, claims) SELECT ledger_id, size + 2, decode(repeat('00', 16), 'hex') FROM ledger_heads",
        "INSERT INTO batches (ledger_id, batch_id, seq, count) VALUES (1, 'b-2', 3, 3)",
        "INSERT INTO batches (ledger_id, batch_id, seq, count) SELECT ledger_id, 'b-2', -5, -1 FROM ledger_heads",
        "INSERT INTO ledgers (origin, suite) VALUES ('aidledger.example/squatted', 'ed25519-sha256')",
    ] as [String])
    func strayRowBesideTheChain(_ statement: String) throws {
        try refusedToTheServiceRole([statement])
    }

    // MARK: openings, tokens, the chain

    @Test(arguments: [
        "DELETE FROM openings",
        "UPDATE openings SET data = '\\x01'::bytea",
    ] as [String])
    func openingsChangedWithoutAnErasure(_ statement: String) throws {
        try refusedToTheServiceRole([statement])
    }

    @Test(arguments: [
        "INSERT INTO api_tokens (token_hash, ledger_id, key_name) VALUES (sha256('aidl_minted'::bytea), 1, 'aidledger.example/430626/officer/1')",
        "UPDATE api_tokens SET revoked_at = NULL WHERE revoked_at IS NOT NULL",
        "DELETE FROM api_tokens",
    ] as [String])
    func tokenMintedOrRestored(_ statement: String) throws {
        try refusedToTheServiceRole([statement])
    }

    @Test(arguments: [
        "UPDATE entries SET kind = 'payment' WHERE seq = 1",
        "DELETE FROM entries WHERE seq = 6",
        "UPDATE checkpoints SET note = 'x'",
        "DELETE FROM checkpoints",
        "DELETE FROM aidledger_commit_checks",
    ] as [String])
    func chainChanged(_ statement: String) throws {
        try refusedToTheServiceRole([statement])
    }

    // MARK: the same rules for the owner (a superuser here, triggers on)

    /// Openings change only by an erasure on record: the erase entry and the deletion of exactly what it names, in
    /// one transaction. Afterwards neither a deletion nor a rewrite of the row is possible without another one.
    @Test func openingsChangeOnlyByAnErasureOnRecord() throws {
        var f = try ledger()
        for statement in ["DELETE FROM openings", "UPDATE openings SET data = substring(data from 1 for length(data) - 1)"] {
            #expect(throws: PostgresError.self, "\(statement)") { try f.db.query(SQL(unsafeText: statement)) }
        }
        let t = f.now()
        let erase = try EraseBody.make(target: 4, fields: [.idNumber, .name], reason: "保存期满", origin: f.ledger.origin, signedAt: t, admin: f.admin)
        _ = try f.store.appendOne(f.ledger, try .erase(erase), time: t, ledgerKey: f.ledgerKey)
        let left = try f.store.openings(f.ledger, seq: 4).map(\.field)
        #expect(!left.contains("id_number") && !left.contains("name") && !left.isEmpty, "\(left)")
        #expect(try f.store.openings(f.ledger, seq: 5).count == 5)
        // The erase is committed: it no longer covers anything.
        #expect(throws: PostgresError.self) { try f.db.query("DELETE FROM openings") }
        #expect(throws: PostgresError.self) { try f.db.query("UPDATE openings SET data = '\\x01'::bytea") }
        #expect(try f.verify().intact)
    }

    @Test func aRevokedTokenStaysRevoked() throws {
        let f = try ledger()
        for statement in ["UPDATE api_tokens SET revoked_at = NULL WHERE revoked_at IS NOT NULL",
                          "UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NOT NULL",
                          "UPDATE api_tokens SET key_name = 'aidledger.example/430626/admin/1'"] {
            do {
                try f.db.query(SQL(unsafeText: statement))
                Issue.record("\(statement) succeeded")
            } catch let e as PostgresError {
                #expect(e.isInsufficientPrivilege && e.message.contains("revoked"), "\(e)")
            }
        }
        // Revoking is still possible (`aidledger tokens revoke`).
        #expect(try f.store.revokeTokens(f.ledger, keyName: f.officer.name) == 1)
    }

    /// The daemon reads the schema version at start, as the service role.
    @Test func serviceRoleReadsTheSchemaVersion() throws {
        let f = try StoreFixture()
        try f.db.query("SET ROLE aidledger_service")
        defer { _ = try? f.db.query("RESET ROLE") }
        #expect(try f.store.schemaVersion() == LedgerStore.requiredSchemaVersion())
    }
}

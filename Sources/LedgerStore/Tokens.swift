import Foundation
import LedgerCore
import LedgerCrypto
import PostgresClient

/// A caller authenticated by an API token: the key it stands for in its ledger.
public struct TokenPrincipal: Sendable, Equatable {
    public let ledgerID: Int64
    public let keyName: String
}

/// One read of personal values, as recorded.
public struct PersonalRead: Sendable, Equatable {
    public let id: Int64
    /// The record's number in the access log's chain; nil for a read recorded before it (schema 6).
    public let n: UInt64?
    public let principal: String
    public let seq: UInt64
    public let fields: [String]
    public let purpose: String
    public let at: String
}

extension LedgerStore {
    /// A new random API token (shown once; only its hash is stored): `aidl_` and 43 base64url characters.
    public static func newToken() throws -> String {
        let bytes = try secureRandomBytes(32)
        let b64 = Base64.encode(bytes).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "aidl_" + b64
    }

    public static func tokenHash(_ token: String) -> [UInt8] {
        (try? HashFunction(.sha256).hash(Array(token.utf8)).bytes) ?? []
    }

    /// Issues a token for the key `keyName` of `ledger` (which must be enrolled there); returns the token.
    public func issueToken(_ ledger: LedgerRecord, keyName: String, label: String = "") throws -> String {
        let registry = try keyRegistry(ledger)
        guard let record = registry.records[keyName], record.revokedAt == nil else {
            throw StoreError(.rejected, "no enrolled, unrevoked key named \(keyName) in \(ledger.origin)")
        }
        let token = try Self.newToken()
        try db.query("INSERT INTO api_tokens (token_hash, ledger_id, key_name, label) VALUES ($1, $2, $3, $4)",
                     [.bytes(Self.tokenHash(token)), .int(ledger.id), .text(keyName), .text(label)])
        return token
    }

    /// Revokes every token of `keyName` in `ledger`; returns how many.
    public func revokeTokens(_ ledger: LedgerRecord, keyName: String) throws -> Int {
        try db.query("UPDATE api_tokens SET revoked_at = now() WHERE ledger_id = $1 AND key_name = $2 AND revoked_at IS NULL",
                     [.int(ledger.id), .text(keyName)]).affected
    }

    /// The principal of a token, if it is known and not revoked.
    public func principal(forToken token: String) throws -> TokenPrincipal? {
        let rows = try db.query("SELECT ledger_id, key_name FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL", [.bytes(Self.tokenHash(token))])
        guard rows.count == 1, let ledger = rows.int(0, 0), let name = rows.string(0, 1) else { return nil }
        return TokenPrincipal(ledgerID: ledger, keyName: name)
    }

    /// Records a read of personal values as the next record of the ledger's access-log chain (FORMAT.md §6.7), in
    /// a transaction of its own, before the values are returned. Records are chained one at a time (the head row
    /// is locked); the next append commits the head in an `access` entry.
    public func recordPersonalRead(_ ledger: LedgerRecord, principal: String, seq: UInt64, fields: [String], purpose: String, at: String) throws {
        let fields = fields.filter { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "_") } }
        try db.transaction {
            try db.query("INSERT INTO access_log_heads (ledger_id, n, hash) VALUES ($1, 0, $2) ON CONFLICT (ledger_id) DO NOTHING",
                         [.int(ledger.id), .bytes(Digest32.zero.bytes)])
            let head = try db.query("SELECT n, hash FROM access_log_heads WHERE ledger_id = $1 FOR UPDATE", [.int(ledger.id)])
            guard head.count == 1, let n = head.uint(0, 0), n < UInt64(JSONValue.maxSafeInteger), let prevBytes = head.bytes(0, 1), let prev = Digest32(bytes: prevBytes) else {
                throw StoreError(.inconsistent, "the access-log head of \(ledger.origin) is malformed; run `aidledger verify`")
            }
            let record = AccessLogChain.Record(n: n + 1, at: at, principal: principal, seq: seq, fields: fields, purpose: purpose)
            let hash = AccessLogChain.hash(previous: prev, record, hash: ledger.suite.makeHashFunction())
            try db.query("""
                INSERT INTO access_log (ledger_id, principal, seq, fields, purpose, at, n, prev, hash)
                VALUES ($1, $2, $3, $4::text[], $5, $6::timestamptz, $7, $8, $9)
                """, [.int(ledger.id), .text(principal), .int(Int64(seq)), .text(Self.textArrayLiteral(fields)), .text(purpose), .text(at),
                      .int(Int64(n + 1)), .bytes(prev.bytes), .bytes(hash.bytes)])
            try db.query("UPDATE access_log_heads SET n = $2, hash = $3 WHERE ledger_id = $1", [.int(ledger.id), .int(Int64(n + 1)), .bytes(hash.bytes)])
        }
    }

    /// The access log's chain head of `ledger`: records so far and the last one's hash (0 and zeros if none),
    /// checked against the stored record it names (a head that names no stored record, or another hash, is
    /// `.inconsistent`: records were deleted or altered behind the ledger's back).
    public func accessLogHead(_ ledger: LedgerRecord) throws -> (size: UInt64, hash: Digest32) {
        let rows = try db.query("""
            SELECT h.n, h.hash, (SELECT hash FROM access_log WHERE ledger_id = h.ledger_id AND n = h.n)
            FROM access_log_heads h WHERE h.ledger_id = $1
            """, [.int(ledger.id)])
        guard rows.count == 1 else { return (0, .zero) }
        guard let n = rows.uint(0, 0), n <= UInt64(JSONValue.maxSafeInteger), let bytes = rows.bytes(0, 1), let hash = Digest32(bytes: bytes) else {
            throw StoreError(.inconsistent, "the access-log head of \(ledger.origin) is malformed; run `aidledger verify`")
        }
        guard n == 0 || rows.bytes(0, 2) == bytes else {
            throw StoreError(.inconsistent, "the access-log head of \(ledger.origin) names record \(n), which is not stored with that hash; run `aidledger verify`")
        }
        return (n, hash)
    }

    /// The access-log head row as stored, unchecked (for verification): nil if there is none.
    public func accessLogHeadRow(_ ledger: LedgerRecord) throws -> (n: UInt64?, hash: [UInt8]?)? {
        let rows = try db.query("SELECT n, hash FROM access_log_heads WHERE ledger_id = $1", [.int(ledger.id)])
        guard rows.count == 1 else { return nil }
        return (rows.uint(0, 0), rows.bytes(0, 1))
    }

    /// The chained records of the access log in order (for verification): each with the stored prev and hash.
    public func accessLogChain(_ ledger: LedgerRecord) throws -> [(record: AccessLogChain.Record?, prev: [UInt8], hash: [UInt8])] {
        let rows = try db.query("""
            SELECT n, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), principal, seq, array_to_json(fields)::text, purpose, prev, hash
            FROM access_log WHERE ledger_id = $1 AND n IS NOT NULL ORDER BY n
            """, [.int(ledger.id)])
        return (0..<rows.count).map { r in
            var record: AccessLogChain.Record? = nil
            if let n = rows.uint(r, 0), let at = rows.string(r, 1), let principal = rows.string(r, 2), let seq = rows.uint(r, 3),
               let fieldsText = rows.string(r, 4), case .array(let a)? = try? JSONParser.parse(Array(fieldsText.utf8), mode: .lenient), let purpose = rows.string(r, 5) {
                record = AccessLogChain.Record(n: n, at: at, principal: principal, seq: seq, fields: a.compactMap(\.stringValue), purpose: purpose)
            }
            return (record, rows.bytes(r, 6) ?? [], rows.bytes(r, 7) ?? [])
        }
    }

    /// The access log of a ledger, newest first, after id `before` (a cursor), at most `limit`.
    public func accessLog(_ ledger: LedgerRecord, before: Int64? = nil, limit: Int = 100) throws -> [PersonalRead] {
        let rows = try db.query("""
            SELECT id, principal, seq, array_to_json(fields)::text, purpose, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), n
            FROM access_log WHERE ledger_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3
            """, [.int(ledger.id), before.map { .int($0) } ?? .null, .int(Int64(limit))])
        return try (0..<rows.count).map { r in
            guard let id = rows.int(r, 0), let principal = rows.string(r, 1), let seq = rows.uint(r, 2), let fieldsText = rows.string(r, 3),
                  let purpose = rows.string(r, 4), let at = rows.string(r, 5) else {
                throw StoreError(.inconsistent, "an access-log row of \(ledger.origin) is malformed")
            }
            let fields: [String]
            if case .array(let a)? = try? JSONParser.parse(Array(fieldsText.utf8), mode: .lenient) { fields = a.compactMap(\.stringValue) } else { fields = [] }
            return PersonalRead(id: id, n: rows.uint(r, 6), principal: principal, seq: seq, fields: fields, purpose: purpose, at: at)
        }
    }

    /// A PostgreSQL text[] literal of plain field names (letters and underscores only, checked).
    static func textArrayLiteral(_ values: [String]) -> String {
        "{" + values.filter { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "_") } }.joined(separator: ",") + "}"
    }
}

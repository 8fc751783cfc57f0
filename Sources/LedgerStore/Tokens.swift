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

    /// Records a read of personal values (call in the same transaction as the read, or before returning them).
    public func recordPersonalRead(_ ledger: LedgerRecord, principal: String, seq: UInt64, fields: [String], purpose: String) throws {
        try db.query("INSERT INTO access_log (ledger_id, principal, seq, fields, purpose) VALUES ($1, $2, $3, $4::text[], $5)",
                     [.int(ledger.id), .text(principal), .int(Int64(seq)), .text(Self.textArrayLiteral(fields)), .text(purpose)])
    }

    /// The access log of a ledger, newest first, after id `before` (a cursor), at most `limit`.
    public func accessLog(_ ledger: LedgerRecord, before: Int64? = nil, limit: Int = 100) throws -> [PersonalRead] {
        let rows = try db.query("""
            SELECT id, principal, seq, array_to_json(fields)::text, purpose, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            FROM access_log WHERE ledger_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3
            """, [.int(ledger.id), before.map { .int($0) } ?? .null, .int(Int64(limit))])
        return (0..<rows.count).map { r in
            let fields: [String]
            if case .array(let a)? = try? JSONParser.parse(Array(rows.string(r, 3)!.utf8), mode: .lenient) { fields = a.compactMap(\.stringValue) } else { fields = [] }
            return PersonalRead(id: rows.int(r, 0)!, principal: rows.string(r, 1)!, seq: UInt64(rows.int(r, 2)!), fields: fields,
                                purpose: rows.string(r, 4)!, at: rows.string(r, 5)!)
        }
    }

    /// A PostgreSQL text[] literal of plain field names (letters and underscores only, checked).
    static func textArrayLiteral(_ values: [String]) -> String {
        "{" + values.filter { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "_") } }.joined(separator: ",") + "}"
    }
}

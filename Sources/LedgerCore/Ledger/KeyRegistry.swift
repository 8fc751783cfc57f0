import LedgerCrypto
/// The keys of one ledger as its `genesis` and `key` entries define them, and the decision whether a key may sign
/// an entry at a given seq.
///
/// A key enrolled by the entry at seq e is valid for entries with seq > e; a key revoked by the entry at seq r is
/// invalid for entries with seq > r. Names are unique within a ledger and are never re-used, even after revocation.
public struct KeyRegistry: Sendable {
    public struct Record: Sendable, Equatable {
        public let key: VerifierKey
        public let role: Role
        /// Ascending unit codes, or `["*"]`.
        public let units: [String]
        public let enrolledAt: UInt64
        public internal(set) var revokedAt: UInt64?

        public func covers(unit: String) -> Bool { units == [allUnitsScope] || units.contains(unit) }
    }

    /// Why a key may not sign an entry. `code` is stable.
    public struct Denial: Error, Sendable, Equatable, CustomStringConvertible {
        public let code: String
        public let description: String
    }

    public private(set) var records: [String: Record] = [:]
    /// Names in enrolment order, for stable reports.
    public private(set) var order: [String] = []

    public init() {}

    public mutating func enroll(_ key: VerifierKey, role: Role, units: [String], at seq: UInt64) throws(Denial) {
        guard records[key.name] == nil else {
            throw Denial(code: "key-duplicate", description: "key name \(key.name) is already enrolled (at seq \(records[key.name]!.enrolledAt)); names are never re-used")
        }
        records[key.name] = Record(key: key, role: role, units: units, enrolledAt: seq, revokedAt: nil)
        order.append(key.name)
    }

    public mutating func revoke(_ key: VerifierKey, at seq: UInt64) throws(Denial) {
        guard var record = records[key.name], record.key == key else {
            throw Denial(code: "key-unknown", description: "revokes key \(key.name), which is not enrolled in this ledger")
        }
        if let r = record.revokedAt { throw Denial(code: "key-duplicate", description: "revokes key \(key.name), already revoked at seq \(r)") }
        record.revokedAt = seq
        records[key.name] = record
    }

    /// The key named `signer` if it may sign an entry at `seq` in `role`, for `unit` (nil: no unit check).
    public func authorize(signer: String, role: Role, unit: String?, at seq: UInt64) throws(Denial) -> VerifierKey {
        guard let record = records[signer], record.enrolledAt < seq else {
            throw Denial(code: "signer-unknown", description: "signer \(signer) is not an enrolled key at seq \(seq)")
        }
        if let r = record.revokedAt, r < seq {
            throw Denial(code: "signer-revoked", description: "signer \(signer) was revoked at seq \(r)")
        }
        guard record.role == role else {
            throw Denial(code: "signer-role", description: "signer \(signer) has role \(record.role.rawValue), but this entry needs \(role.rawValue)")
        }
        if let unit, !record.covers(unit: unit) {
            throw Denial(code: "signer-scope", description: "unit \(unit) is outside the scope of signer \(signer) (\(record.units.joined(separator: ", ")))")
        }
        return record.key
    }

    /// Authorizes a signed body (§8.2 of FORMAT.md): the signer may sign at `seq` in `role` for `unit`, and its
    /// signature verifies over the entry's statement.
    public func authorizeSigned(kind: EntryKind, origin: String, body: JSONObject, signed: SignerFields,
                                role: Role, unit: String?, at seq: UInt64) throws(Denial) -> VerifierKey {
        let key = try authorize(signer: signed.signer, role: role, unit: unit, at: seq)
        guard key.publicKey.verify(signature: signed.signature, message: Statement.bytes(kind: kind, origin: origin, body: body)) else {
            throw Denial(code: "bad-signature", description: "the signature by \(signed.signer) does not verify over the entry's statement")
        }
        return key
    }

    /// Applies a `key` entry at `seq`: admin authorization and signature, then the enrolment or revocation.
    /// On a denial nothing changes.
    public mutating func apply(_ body: KeyBody, rawBody: JSONObject, origin: String, at seq: UInt64) throws(Denial) {
        _ = try authorizeSigned(kind: .key, origin: origin, body: rawBody, signed: body.signed, role: .admin, unit: nil, at: seq)
        switch body.action {
        case .enroll: try enroll(body.key, role: body.role!, units: body.units, at: seq)
        case .revoke: try revoke(body.key, at: seq)
        }
    }

    /// The key state defined by a ledger's genesis and key entries (canonical bytes, in seq order). Invalid key
    /// entries are skipped, as a verifier would refuse them.
    public static func load(origin: String, entries: [(seq: UInt64, bytes: [UInt8])]) throws(FormatError) -> (Suite, VerifierKey, KeyRegistry) {
        guard let first = entries.first, first.seq == 1 else { throw FormatError(.badField, "the ledger has no genesis entry") }
        let genesisEntry = try Entry(decoding: first.bytes)
        let genesis = try GenesisBody(decoding: genesisEntry.body)
        var registry = KeyRegistry()
        try? registry.enroll(genesis.adminKey, role: .admin, units: [allUnitsScope], at: 1)
        for e in entries.dropFirst() {
            guard let entry = try? Entry(decoding: e.bytes), entry.kind == .key,
                  let body = try? KeyBody(decoding: entry.body, suite: genesis.suite) else { continue }
            try? registry.apply(body, rawBody: entry.body, origin: origin, at: e.seq)
        }
        return (genesis.suite, genesis.ledgerKey, registry)
    }
}

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
}

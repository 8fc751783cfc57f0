import LedgerCore
import LedgerCrypto

/// What a verification found, and a summary of what the ledger holds.
public struct VerificationReport: Sendable {
    public struct Amounts: Sendable, Equatable {
        public var payments: Int = 0
        public var grossFen: Int64 = 0
        public var reversals: Int = 0
        public var reversedFen: Int64 = 0
        public var netFen: Int64 { grossFen - reversedFen }

        public init(payments: Int = 0, grossFen: Int64 = 0, reversals: Int = 0, reversedFen: Int64 = 0) {
            self.payments = payments
            self.grossFen = grossFen
            self.reversals = reversals
            self.reversedFen = reversedFen
        }
    }

    public struct KeySummary: Sendable, Equatable {
        public let name: String
        public let role: String
        public let units: [String]
        public let enrolledAt: UInt64
        public let revokedAt: UInt64?
    }

    public var origin: String = ""
    public var suite: String = ""
    public var ledgerKey: String = ""
    public var entries: UInt64 = 0
    public var entriesByKind: [String: Int] = [:]
    public var batches: Int = 0
    public var totals = Amounts()
    /// Keyed by "unit\tprogram".
    public var byUnitAndProgram: [String: Amounts] = [:]
    public var checkpoints: Int = 0
    public var latestCheckpoint: Checkpoint? = nil
    public var keys: [KeySummary] = []
    public var openingsChecked: Int = 0
    /// `erase` entries: openings erased on record.
    public var erasures: Int = 0
    /// Independent findings sorted by seq, then consequences sorted by seq, at most `LedgerVerifier.maxFindings`.
    public var findings: [Finding] = []
    public var findingsTruncated = false

    public var intact: Bool { findings.isEmpty }

    /// The first bad seq: the smallest seq an independent finding names (consequences of a break are not counted).
    public var firstBadSeq: UInt64? {
        findings.filter { $0.consequenceOf == nil }.compactMap(\.seq).min() ?? findings.compactMap(\.seq).min()
    }
}

extension VerificationReport {
    /// The report as canonical JSON: the body of `GET /v1/ledgers/{id}/verification` and of `aidledger verify
    /// --json` (docs/openapi.json, VerificationReport). `source` names what was verified; `pinned` says whether
    /// the ledger key was given by the caller rather than taken from the genesis entry.
    public func json(source: String, pinned: Bool) -> String {
        let r = self
        func amounts(_ a: VerificationReport.Amounts) -> JSONValue {
            .object(["payments": .int(Int64(a.payments)), "gross_fen": .int(a.grossFen), "reversals": .int(Int64(a.reversals)),
                     "reversed_fen": .int(a.reversedFen), "net_fen": .int(a.netFen)])
        }
        var byUnit: [JSONValue] = []
        for key in r.byUnitAndProgram.keys.sorted() {
            let parts = key.split(separator: "\t", maxSplits: 1).map(String.init)
            guard case .object(var o) = amounts(r.byUnitAndProgram[key]!) else { continue }
            o["unit"] = .string(parts[0])
            o["program"] = .string(parts.count > 1 ? parts[1] : "")
            byUnit.append(.object(o))
        }
        let value: JSONValue = .object([
            "bundle": .string(source),
            "intact": .bool(r.intact),
            "first_bad_seq": r.firstBadSeq.map { .int(Int64($0)) } ?? .null,
            "findings": .array(r.findings.map { f in
                .object(["code": .string(f.code.rawValue), "seq": f.seq.map { .int(Int64($0)) } ?? .null, "message": .string(f.message)])
            }),
            "findings_truncated": .bool(r.findingsTruncated),
            "origin": .string(r.origin),
            "suite": .string(r.suite),
            "ledger_key": .string(r.ledgerKey),
            "ledger_key_pinned": .bool(pinned),
            "entries": .int(Int64(r.entries)),
            "entries_by_kind": .object(JSONObject(r.entriesByKind.sorted { $0.key < $1.key }.map { (key: $0.key, value: .int(Int64($0.value))) })),
            "batches": .int(Int64(r.batches)),
            "totals": amounts(r.totals),
            "by_unit_and_program": .array(byUnit),
            "checkpoints": .int(Int64(r.checkpoints)),
            "latest_checkpoint": r.latestCheckpoint.map { .object(["size": .int(Int64($0.size)), "root": .string($0.root.hex)]) } ?? .null,
            "keys": .array(r.keys.map { k in
                .object(["name": .string(k.name), "role": .string(k.role), "units": .array(k.units.map { .string($0) }),
                         "enrolled_at": .int(Int64(k.enrolledAt)), "revoked_at": k.revokedAt.map { .int(Int64($0)) } ?? .null])
            }),
            "openings_checked": .int(Int64(r.openingsChecked)),
            "erasures": .int(Int64(r.erasures)),
        ])
        return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
    }
}

import LedgerCore
import LedgerCrypto

/// What a verification found, and a summary of what the ledger holds.
public struct VerificationReport: Sendable {
    public struct Amounts: Sendable, Equatable {
        public var payments: Int = 0
        /// Sums of fen saturate at 2^53 − 1 (see `sum`).
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

        /// The sum of two amounts of fen, saturating at 2^53 − 1. Every amount in a ledger is at most that (the JSON
        /// safe range), but a ledger can hold enough of them to pass it, and the report's JSON form allows no
        /// larger integer; no real ledger comes near (2^53 − 1 fen is 90 trillion yuan).
        static func sum(_ a: Int64, _ b: Int64) -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow || sum > JSONValue.maxSafeInteger ? JSONValue.maxSafeInteger : sum
        }

        mutating func add(_ other: Amounts) {
            payments += other.payments
            grossFen = Self.sum(grossFen, other.grossFen)
            reversals += other.reversals
            reversedFen = Self.sum(reversedFen, other.reversedFen)
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

    /// What the last valid `access` entry committed of the access log (§6.7).
    public struct AccessLogCommit: Sendable, Equatable {
        public let seq: UInt64
        public let size: UInt64
        public let head: Digest32
    }
    public var accessLog: AccessLogCommit? = nil

    /// A valid `crosscheck` entry: a report anchored in the ledger.
    public struct CrossCheckAnchor: Sendable, Equatable {
        public let seq: UInt64
        public let run: String
        public let period: String
        public let unit: String
        public let findings: Int64
        public let reportSHA256: Digest32
    }
    public var crosschecks: [CrossCheckAnchor] = []

    /// A valid `disposition` entry: the recorded outcome of one finding.
    public struct Disposition: Sendable, Equatable {
        public let seq: UInt64
        public let finding: String
        public let rule: String
        public let unit: String
        public let outcome: String
        public let reason: String
        public let action: String?
        public let signer: String
        public let reportSHA256: Digest32
    }
    public var dispositions: [Disposition] = []

    /// A valid `disclosure` entry: a 公示 export the ledger published (FORMAT.md §6.10).
    public struct Disclosure: Sendable, Equatable {
        public let seq: UInt64
        public let manifestSHA256: Digest32
        public let derivedSize: UInt64
        public let derivedRoot: Digest32
        public let publicityStart: String
        public let publicityEnd: String
        public let units: [String]
    }
    public var disclosures: [Disclosure] = []
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
        /// Seqs, sizes and counts as JSON integers: all are far below 2^53 − 1 for any bundle that fits in memory
        /// (checkpoint sizes are bounded there, FORMAT.md §11), but a conversion never traps.
        func int<N: BinaryInteger>(_ n: N) -> JSONValue { .int(min(Int64(clamping: n), JSONValue.maxSafeInteger)) }
        func amounts(_ a: VerificationReport.Amounts) -> JSONValue {
            .object(["payments": int(a.payments), "gross_fen": int(a.grossFen), "reversals": int(a.reversals),
                     "reversed_fen": int(a.reversedFen), "net_fen": int(a.netFen)])
        }
        var byUnit: [JSONValue] = []
        for key in r.byUnitAndProgram.keys.sorted() {
            let parts = key.split(separator: "\t", maxSplits: 1).map(String.init)
            guard let a = r.byUnitAndProgram[key], case .object(var o) = amounts(a) else { continue }
            o["unit"] = .string(parts[0])
            o["program"] = .string(parts.count > 1 ? parts[1] : "")
            byUnit.append(.object(o))
        }
        let value: JSONValue = .object([
            "bundle": .string(source),
            "intact": .bool(r.intact),
            "first_bad_seq": r.firstBadSeq.map { int($0) } ?? .null,
            "findings": .array(r.findings.map { f in
                .object(["code": .string(f.code.rawValue), "seq": f.seq.map { int($0) } ?? .null, "message": .string(f.message)])
            }),
            "findings_truncated": .bool(r.findingsTruncated),
            "origin": .string(r.origin),
            "suite": .string(r.suite),
            "ledger_key": .string(r.ledgerKey),
            "ledger_key_pinned": .bool(pinned),
            "entries": int(r.entries),
            "entries_by_kind": .object(JSONObject(r.entriesByKind.sorted { $0.key < $1.key }.map { (key: $0.key, value: int($0.value)) })),
            "batches": int(r.batches),
            "totals": amounts(r.totals),
            "by_unit_and_program": .array(byUnit),
            "checkpoints": int(r.checkpoints),
            "latest_checkpoint": r.latestCheckpoint.map { .object(["size": int($0.size), "root": .string($0.root.hex)]) } ?? .null,
            "keys": .array(r.keys.map { k in
                .object(["name": .string(k.name), "role": .string(k.role), "units": .array(k.units.map { .string($0) }),
                         "enrolled_at": int(k.enrolledAt), "revoked_at": k.revokedAt.map { int($0) } ?? .null])
            }),
            "openings_checked": int(r.openingsChecked),
            "erasures": int(r.erasures),
        ])
        return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
    }
}

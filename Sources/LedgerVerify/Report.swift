import LedgerCore

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

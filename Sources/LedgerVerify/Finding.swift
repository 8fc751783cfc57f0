import LedgerCore

/// One thing wrong with a ledger. `code` is stable and documented in FORMAT.md §Verification; `message` is for
/// humans and never contains personal values.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Comparable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static func < (a: Code, b: Code) -> Bool { a.rawValue < b.rawValue }

        public static let bundleMalformed = Code("bundle-malformed")
        public static let entryMalformed = Code("entry-malformed")
        public static let wrongOrigin = Code("wrong-origin")
        public static let seqMismatch = Code("seq-mismatch")
        public static let hashChain = Code("hash-chain")
        public static let timeOrder = Code("time-order")
        public static let genesis = Code("genesis")
        public static let untrustedLedgerKey = Code("untrusted-ledger-key")
        public static let checkpointMalformed = Code("checkpoint-malformed")
        public static let checkpointSignature = Code("checkpoint-signature")
        public static let checkpointRootMismatch = Code("checkpoint-root-mismatch")
        public static let checkpointInconsistent = Code("checkpoint-inconsistent")
        public static let checkpointBeyondEnd = Code("checkpoint-beyond-end")
        public static let unsignedTail = Code("unsigned-tail")
        public static let badSignature = Code("bad-signature")
        public static let signerUnknown = Code("signer-unknown")
        public static let signerRevoked = Code("signer-revoked")
        public static let signerRole = Code("signer-role")
        public static let signerScope = Code("signer-scope")
        public static let keyDuplicate = Code("key-duplicate")
        public static let keyUnknown = Code("key-unknown")
        public static let batchIncomplete = Code("batch-incomplete")
        public static let batchItemRoot = Code("batch-item-root")
        public static let batchTotal = Code("batch-total")
        public static let batchDuplicateID = Code("batch-duplicate-id")
        public static let paymentOutsideBatch = Code("payment-outside-batch")
        public static let paymentMismatch = Code("payment-mismatch")
        public static let reversalTarget = Code("reversal-target")
        public static let openingMismatch = Code("opening-mismatch")
        public static let eraseTarget = Code("erase-target")
        public static let openingUnknown = Code("opening-unknown")
        public static let openingErased = Code("opening-erased")
        /// Verification from the database (`Options.openingsComplete`): an opening deleted without an erase entry.
        public static let openingMissing = Code("opening-missing")
        /// An `access` entry that does not commit more of the access log than the one before it.
        public static let accessLogOrder = Code("access-log-order")
        public static let checkpointInsideBatch = Code("checkpoint-inside-batch")
        /// A `crosscheck` entry whose checked size or root is not a tree of this ledger before it.
        public static let crosscheckChecked = Code("crosscheck-checked")
        /// A `disposition` entry naming a report no earlier `crosscheck` entry anchored.
        public static let dispositionReport = Code("disposition-report")
        /// A `disclosure` entry whose derived size or root is not a tree of this ledger before it.
        public static let disclosureDerived = Code("disclosure-derived")
        public static let externalCheckpointSignature = Code("external-checkpoint-signature")
        public static let externalCheckpointMismatch = Code("external-checkpoint-mismatch")
    }

    public let code: Code
    /// The seq the finding is about, when there is one.
    public let seq: UInt64?
    public let message: String
    /// When set, this finding follows from a structural break (hash chain, seq order, malformed entry) at that
    /// seq and is not independent evidence: e.g. a batch whose item root no longer matches because one of its
    /// payments was altered in place.
    public internal(set) var consequenceOf: UInt64? = nil

    public init(_ code: Code, seq: UInt64?, _ message: String) {
        self.code = code
        self.seq = seq
        self.message = message
    }

    /// Codes that break the chain itself; later findings over the affected range are consequences.
    public static let structuralCodes: Set<Code> = [.hashChain, .seqMismatch, .entryMalformed]

    public var description: String {
        let suffix = consequenceOf.map { " (follows from the break at seq \($0))" } ?? ""
        if let seq { return "seq \(seq): \(code): \(message)\(suffix)" }
        return "\(code): \(message)\(suffix)"
    }
}

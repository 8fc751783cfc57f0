/// An error of the store, compared by code. Messages never contain personal values.
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let schema = Code(rawValue: "schema")
        public static let unknownLedger = Code(rawValue: "unknown-ledger")
        public static let ledgerExists = Code(rawValue: "ledger-exists")
        public static let conflict = Code(rawValue: "conflict")
        public static let duplicateBatch = Code(rawValue: "duplicate-batch")
        public static let corrupt = Code(rawValue: "corrupt")
        public static let rejected = Code(rawValue: "rejected")
        /// The signer may not sign this (unknown, revoked, wrong role, outside its units, bad signature).
        public static let forbidden = Code(rawValue: "forbidden")
        /// What is stored does not hold together (the head and the chain disagree, an entry row is not the entry
        /// the chain holds): nothing is appended or signed until `aidledger verify` has been looked at.
        public static let inconsistent = Code(rawValue: "ledger-inconsistent")
        /// A ledger key other than the one the genesis entry names.
        public static let wrongLedgerKey = Code(rawValue: "ledger-key-mismatch")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    public static func == (a: StoreError, b: StoreError) -> Bool { a.code == b.code }
}

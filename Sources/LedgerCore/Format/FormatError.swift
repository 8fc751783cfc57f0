/// A violation of the ledger format found while decoding a value. Compared by `code`.
///
/// Messages name fields and types, never personal values (the format carries none in clear).
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let badJSON = Code(rawValue: "bad-json")
        public static let badField = Code(rawValue: "bad-field")
        public static let badKey = Code(rawValue: "bad-key")
        public static let badNote = Code(rawValue: "bad-note")
        public static let badCheckpoint = Code(rawValue: "bad-checkpoint")
        public static let badBundle = Code(rawValue: "bad-bundle")
        public static let badOpening = Code(rawValue: "bad-opening")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    public static func == (a: FormatError, b: FormatError) -> Bool { a.code == b.code }
}

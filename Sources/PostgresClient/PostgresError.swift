/// An error from PostgreSQL or libpq. Compared by `code`. `description` carries the server's message and
/// SQLSTATE but never parameter values; the server's messages name tables and constraints, not row contents,
/// for the statements aidledger runs (unique-violation details are dropped for that reason).
public struct PostgresError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let connection = Code(rawValue: "connection")
        public static let server = Code(rawValue: "server")
        public static let protocolViolation = Code(rawValue: "protocol")
    }

    public let code: Code
    /// The five-character SQLSTATE, when the server sent one (e.g. `23505` unique violation, `42501`
    /// insufficient privilege, `40001` serialization failure, `57P01` admin shutdown).
    public let sqlState: String?
    public let message: String
    /// What was being done, e.g. `append` or the first words of the statement.
    public let context: String

    public init(code: Code, sqlState: String? = nil, message: String, context: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.context = context
    }

    public var description: String {
        "PostgreSQL: \(context): \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    public static func == (a: PostgresError, b: PostgresError) -> Bool { a.code == b.code && a.sqlState == b.sqlState }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isInsufficientPrivilege: Bool { sqlState == "42501" }
    /// Errors a client may retry: connection loss, shutdown, serialization failures, deadlocks.
    public var isTransient: Bool {
        code == .connection || sqlState.map { $0.hasPrefix("08") || $0 == "40001" || $0 == "40P01" || $0.hasPrefix("57P") } ?? false
    }
}

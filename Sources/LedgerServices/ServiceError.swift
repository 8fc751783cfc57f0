/// An error of an application service, for a person to read: the CLI prints `aidledger: <message>` and the daemon
/// answers it with its code. `code` is stable (compare by it); `message` never holds a personal value.
public struct ServiceError: Error, CustomStringConvertible, Sendable, Equatable {
    public let code: String
    public let message: String

    public init(_ message: String, code: String = "error") {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

internal import COpenSSL

/// An error reported by OpenSSL, with the library's error queue drained into it at the point of failure.
///
/// Compared by `operation`; the queue is for humans. It never contains key material or message bytes.
public struct OpenSSLError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The OpenSSL function (or step) that failed, e.g. `EVP_DigestSignInit`.
    public let operation: String
    /// The entries of OpenSSL's thread-local error queue, oldest first.
    public let queue: [String]

    public init(operation: String, queue: [String]) {
        self.operation = operation
        self.queue = queue
    }

    /// Builds an error for `operation` and empties OpenSSL's error queue into it.
    static func drain(_ operation: String) -> OpenSSLError {
        var entries: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            entries.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return OpenSSLError(operation: operation, queue: entries)
    }

    public var description: String {
        queue.isEmpty ? "OpenSSL: \(operation) failed" : "OpenSSL: \(operation) failed: \(queue.joined(separator: "; "))"
    }

    public static func == (lhs: OpenSSLError, rhs: OpenSSLError) -> Bool { lhs.operation == rhs.operation }
}

/// Clears any stale entries so that the next failure reports only its own causes.
@inline(__always)
func clearOpenSSLErrors() { ERR_clear_error() }

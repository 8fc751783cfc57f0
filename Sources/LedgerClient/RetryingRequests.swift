import Foundation

/// How a client retries a request the server could not answer now: a 503 (database down, another daemon holds
/// the write lease, shutting down) or no connection at all. The same request bytes are sent each time — safe for
/// the API's writes, which are idempotent (a batch's id gets its original receipt; a reversal already made is
/// refused as such). Waits grow from `initialDelay`, doubling, to `maxDelay` (a `Retry-After` is honoured up to
/// that), until `budget` has passed since the first attempt; then the last answer or error is returned.
public struct RetryPolicy: Sendable {
    public var budget: Duration
    public var initialDelay: Duration = .milliseconds(250)
    public var maxDelay: Duration = .seconds(5)

    public init(budget: Duration) { self.budget = budget }

    /// No retries.
    public static let never = RetryPolicy(budget: .zero)

    /// Sends with `send` until it is answered other than 503, or the budget is spent. `onRetry(reason, wait)` is
    /// called before each wait (for a progress line).
    public func run(_ send: () throws -> HTTPClientResponse, onRetry: (String, Duration) -> Void = { _, _ in }) throws -> HTTPClientResponse {
        let start = ContinuousClock.now
        var delay = initialDelay
        while true {
            let reason: String
            var wait = delay
            do {
                let r = try send()
                guard r.status == 503 else { return r }
                if let seconds = r.header("retry-after").flatMap({ Int($0) }), seconds >= 0 { wait = .seconds(seconds) }
                reason = "HTTP 503" + (Self.code(r).map { " \($0)" } ?? "")
                if ContinuousClock.now - start + min(wait, maxDelay) > budget { return r }
            } catch let error as HTTPClientError {
                reason = error.description
                if ContinuousClock.now - start + min(wait, maxDelay) > budget { throw error }
            }
            wait = min(wait, maxDelay)
            onRetry(reason, wait)
            Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
            delay = min(delay * 2, maxDelay)
        }
    }

    static func code(_ r: HTTPClientResponse) -> String? {
        guard let text = String(bytes: r.body, encoding: .utf8), let range = text.range(of: #""code":""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}

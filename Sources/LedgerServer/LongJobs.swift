import Foundation
import LedgerStore

/// Verification reports by ledger: one verification of a ledger at a time (callers that arrive while it runs
/// wait for its result instead of starting another), and the last report kept for the ledger's size for a minute,
/// so repeated requests at an unchanged head cost a head lookup. The work runs on the long-job threads, apart from the
/// readers that serve short reads: sixteen verifications requested at once occupy one thread, not the readers.
actor VerificationReports {
    struct Report: Sendable {
        let size: UInt64
        let json: [UInt8]
        let intact: Bool
        var made = ContinuousClock.now
    }

    /// How long a report is reused at an unchanged size (what the store holds beside the chain — openings, the
    /// access log — can change without an append).
    static let lifetime: Duration = .seconds(60)

    private var latest: [Int64: Report] = [:]
    private var running: [Int64: (size: UInt64, task: Task<Report, any Error>)] = [:]

    /// The report of `ledger` at head size `size`: cached, the one being computed, or a new one by `verify`.
    func report(ledger: Int64, size: UInt64, verify: @escaping @Sendable () async throws -> Report) async throws -> Report {
        while true {
            if let done = latest[ledger], done.size >= size, ContinuousClock.now - done.made < Self.lifetime { return done }
            if let current = running[ledger] {
                let result = try await current.task.value
                if result.size >= size, ContinuousClock.now - result.made < Self.lifetime { return result }
                continue
            }
            let task = Task { try await verify() }
            running[ledger] = (size, task)
            defer { running[ledger] = nil }
            let result = try await task.value
            if result.size >= (latest[ledger]?.size ?? 0) { latest[ledger] = result }
            return result
        }
    }
}

/// Bounds the request bodies held in memory at once: a body is admitted only if its declared size (or, without
/// Content-Length, the largest allowed) fits in what is left of the budget; otherwise it is answered 503 with
/// Retry-After before a byte of it is read.
final class BodyBudget: @unchecked Sendable {
    // @unchecked Sendable: `inUse` is touched only under `lock`.
    private let lock = NSLock()
    private var inUse = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func reserve(_ bytes: Int) -> Bool {
        lock.withLock {
            // One body is always admitted when none is held, whatever its size (within max_body_bytes).
            guard inUse == 0 || inUse + bytes <= limit else { return false }
            inUse += bytes
            return true
        }
    }

    func release(_ bytes: Int) { lock.withLock { inUse -= bytes } }
}

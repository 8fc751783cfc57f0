import Foundation
import LedgerCore
import LedgerStore
import Logging

/// Why the daemon could not take a write now. Mapped to 503 with Retry-After: the client retries with the same
/// batch id, which is safe (a batch that did commit returns its original receipt).
struct Unavailable: Error, CustomStringConvertible {
    let description: String
}

/// The one writer of one ledger in this daemon (group commit).
///
/// Submissions wait in a queue while a group is being written; the next group takes all of them, up to
/// `maxGroupEntries`, into one transaction with one checkpoint (`LedgerStore.appendGroup`), and every submitter
/// is answered only after COMMIT has returned (synchronous commit: the receipt is durable). Its own thread and
/// connection: libpq blocks, so it never runs on Swift's cooperative pool.
///
/// Across daemons: before writing, the writer holds a session advisory lock on the ledger (the lease); a second
/// daemon on the same database answers 503 for that ledger until the first one's connection ends (it died or
/// stopped), then takes over. The compare-and-swap on the head row is the guarantee against forks either way.
final class LedgerWriter: @unchecked Sendable {
    // @unchecked Sendable: `queue`, `accepting` and `busy` are touched only under `condition`; `store` belongs
    // to the writer thread.
    struct Pending {
        let submission: Submission
        let entries: Int
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<SubmissionResult, any Error>
    }

    let ledger: LedgerRecord
    private let ledgerKey: NamedSigningKey
    private let conninfo: String
    private let maxGroupEntries: Int
    private let plausibility: PlausibilityPolicy
    private let leaseIdleTimeoutSeconds: Int
    private let metrics: Metrics
    private let logger: Logger
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var accepting = true
    private var busy = false
    private var finished = false
    private var store: LedgerStore? = nil
    private var holdsLease = false
    private var lastUsed = ContinuousClock.now

    init(ledger: LedgerRecord, ledgerKey: NamedSigningKey, conninfo: String, maxGroupEntries: Int, plausibility: PlausibilityPolicy, leaseIdleTimeoutSeconds: Int, metrics: Metrics, logger: Logger) {
        self.logger = logger
        self.leaseIdleTimeoutSeconds = leaseIdleTimeoutSeconds
        self.plausibility = plausibility
        self.ledger = ledger
        self.ledgerKey = ledgerKey
        self.conninfo = conninfo
        self.maxGroupEntries = maxGroupEntries
        self.metrics = metrics
        let thread = Thread { [self] in loop() }
        thread.name = "writer-\(ledger.id)"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Queues a submission and returns once its group is durable (or refused, or failed).
    func submit(_ submission: Submission) async throws -> SubmissionResult {
        let entries = submission.entryCount
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard accepting else {
                continuation.resume(throwing: Unavailable(description: "the daemon is shutting down; retry on another instance or later"))
                return
            }
            queue.append(Pending(submission: submission, entries: entries, enqueued: .now, continuation: continuation))
            condition.signal()
        }
    }

    /// Stops taking submissions; waits until every queued one is answered and the thread has ended.
    func drain() {
        condition.lock()
        accepting = false
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && accepting { condition.wait() }
            if queue.isEmpty && !accepting {
                finished = true
                condition.broadcast()
                condition.unlock()
                closeConnection()
                return
            }
            let take = GroupTaking(maxEntries: maxGroupEntries).count(of: queue.lazy.map(\.entries))
            let group = Array(queue.prefix(take))
            queue.removeFirst(take)
            let entries = group.reduce(0) { $0 + $1.entries }
            busy = true
            condition.unlock()
            write(group, entries: entries)
            condition.lock()
            busy = false
            condition.unlock()
        }
    }

    private func write(_ group: [Pending], entries: Int) {
        let start = ContinuousClock.now
        do {
            let store = try connectedStore()
            try acquireLease(store)
            let time = Timestamp.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
            let results = try store.append(ledger, group.map(\.submission), time: time, ledgerKey: ledgerKey)
            let elapsed = ContinuousClock.now - start
            metrics.groupWritten(submissions: group.count, entries: results.reduce(0) { n, r in
                if case .appended(let receipt) = r { return n + Int(receipt.lastSeq - receipt.firstSeq + 1) }
                return n
            }, seconds: elapsed.seconds)
            metrics.lastWriteLackedSpace = false
            for (pending, result) in zip(group, results) { pending.continuation.resume(returning: result) }
            logger.debug("group committed", metadata: ["ledger": "\(ledger.id)", "submissions": "\(group.count)", "entries": "\(entries)",
                                                       "ms": "\(Int(elapsed.seconds * 1000))"])
        } catch {
            // Nothing of the group is known to be written (a COMMIT whose answer was lost may have been: a retry
            // with the same batch id then gets the original receipt). Drop a broken connection.
            if LedgerStore.isConnectionProblem(error) || store?.isHealthy == false { closeConnection() }
            metrics.groupFailed()
            if LedgerStore.isOutOfSpace(error) {
                metrics.lastWriteLackedSpace = true
                logger.error("the database has no space left for writes: /readyz answers 503 until a write succeeds", metadata: ["ledger": "\(ledger.id)", "reason": "\(Self.describe(error))"])
            }
            // No SQL text, no values: the error kind only.
            logger.warning("group not written; submitters told to retry", metadata: ["ledger": "\(ledger.id)", "submissions": "\(group.count)",
                                                                                    "reason": "\(error is Unavailable ? "\(error)" : Self.describe(error))"])
            if let e = error as? StoreError, e.code == .inconsistent || e.code == .wrongLedgerKey {
                // Nothing was signed or written. This needs a person: the ledger or the key was tampered with.
                logger.error("append refused: the ledger does not hold together; nothing signed", metadata: ["ledger": "\(ledger.id)", "reason": "\(e.message)"])
                for pending in group { pending.continuation.resume(throwing: e) }
                return
            }
            let answer: any Error = error is Unavailable ? error : Unavailable(description: "the ledger database is unavailable (\(Self.describe(error))); retry")
            for pending in group { pending.continuation.resume(throwing: answer) }
        }
    }

    private func connectedStore() throws -> LedgerStore {
        // The server ends the session after lease_idle_timeout_seconds without a statement (so a frozen writer
        // loses the lease); a session idle nearly that long is replaced before use rather than found dead mid-append.
        let fresh = ContinuousClock.now - lastUsed < .seconds(max(1, leaseIdleTimeoutSeconds - 2))
        defer { lastUsed = .now }
        if let store, store.isHealthy, fresh { return store }
        closeConnection()
        let s = try LedgerStore.connect(conninfo)
        s.plausibility = plausibility
        try s.limitIdleSession(seconds: leaseIdleTimeoutSeconds)
        store = s
        return s
    }

    private func acquireLease(_ store: LedgerStore) throws {
        guard !holdsLease else { return }
        guard try store.tryAcquireWriteLease(ledger) else {
            throw Unavailable(description: "another aidledgerd is the writer of ledger \(ledger.origin); retry (it takes over when that one stops)")
        }
        holdsLease = true
    }

    private func closeConnection() {
        store = nil
        holdsLease = false
    }

    /// A short reason without SQL text or values.
    static func describe(_ error: any Error) -> String { LedgerStore.describe(error) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Which queued submissions the writer takes into its next group (one transaction, one checkpoint): the first
/// always, however large, then the following ones in order while the group stays within `maxEntries`. Order is
/// kept: a submission never overtakes an earlier one (a later batch might depend on an earlier reversal).
package struct GroupTaking: Sendable, Equatable {
    package let maxEntries: Int

    package init(maxEntries: Int) { self.maxEntries = max(1, maxEntries) }

    /// How many of the queue's first submissions (given by their entry counts) form the next group; 0 only for
    /// an empty queue.
    package func count(of entries: some Sequence<Int>) -> Int {
        var taken = 0, total = 0
        for n in entries {
            if taken > 0, total + n > maxEntries { break }
            taken += 1
            total += n
        }
        return taken
    }
}

import Foundation
import LedgerCore
import LedgerStore

/// The local ledgers of a cross-check run, verified and read (`InspectedLedgers.read`) while the run does other
/// work: `start` hands them to a few threads, each on a connection of its own to the same database (one fewer than
/// the processors, at least one), and `finish` reads on the caller's connection whatever no thread has taken yet,
/// waits for the rest and returns every ledger in the order given. Each ledger is read exactly as one at a time
/// would be (its access log records the read, its verification is the same); only the order in which they finish
/// changes. Without a connection string to open more connections (a store made from a connection), `finish`
/// reads them all, one after the other.
final class ParallelLedgerReads: @unchecked Sendable {
    private let records: [LedgerRecord]
    private let period: String
    private let principal: String
    private let purpose: String
    /// Guards everything below; signalled whenever a ledger is done or a thread ends.
    private let condition = NSCondition()
    private var next = 0
    private var results: [InspectedLedger?]
    private var seconds: [Double]
    private var failure: (any Error)?
    private var threadsRunning = 0

    private init(records: [LedgerRecord], period: String, principal: String, purpose: String) {
        self.records = records
        self.period = period
        self.principal = principal
        self.purpose = purpose
        results = Array(repeating: nil, count: records.count)
        seconds = Array(repeating: 0, count: records.count)
    }

    /// Starts reading `records` on threads of their own, when `store` can open more connections.
    static func start(_ store: LedgerStore, _ records: [LedgerRecord], period: String, principal: String, purpose: String) -> ParallelLedgerReads {
        let reads = ParallelLedgerReads(records: records, period: period, principal: principal, purpose: purpose)
        guard let conninfo = store.conninfo, records.count > 1 else { return reads }
        let threads = min(records.count, max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
        reads.threadsRunning = threads
        for _ in 0..<threads {
            let thread = Thread { reads.work(conninfo: conninfo) }
            thread.name = "ledger-reads"
            thread.start()
        }
        return reads
    }

    /// A thread's loop: connect, then take ledgers until none is left (or a read failed).
    private func work(conninfo: String) {
        defer {
            condition.lock()
            threadsRunning -= 1
            condition.broadcast()
            condition.unlock()
        }
        // A thread that cannot connect leaves its share to the others and to `finish`.
        guard let store = try? LedgerStore.connect(conninfo) else { return }
        while let i = take() {
            read(i, on: store)
        }
    }

    /// The next ledger no one has taken, or nil (also after a failure).
    private func take() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard failure == nil, next < records.count else { return nil }
        next += 1
        return next - 1
    }

    private func read(_ i: Int, on store: LedgerStore) {
        let start = ContinuousClock.now
        let outcome = Result { try InspectedLedgers.read(store, records[i], period: period, principal: principal, purpose: purpose) }
        let d = ContinuousClock.now - start
        condition.lock()
        switch outcome {
        case .success(let ledger): results[i] = ledger
        case .failure(let error): if failure == nil { failure = error }
        }
        seconds[i] = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        condition.broadcast()
        condition.unlock()
    }

    /// Stops handing out ledgers and waits for the threads to finish the ones they are reading: for a run that
    /// fails before it gets to `finish`.
    func abandon() {
        condition.lock()
        if failure == nil { failure = ServiceError("the run stopped", code: "abandoned") }
        while threadsRunning > 0 { condition.wait() }
        condition.unlock()
    }

    /// Reads on `store` the ledgers no thread has taken, waits for the threads, and returns every ledger in the
    /// order given. `progress` hears of each ledger as it is done (on this thread only); the first error of any read
    /// is thrown once every thread has stopped.
    func finish(_ store: LedgerStore, progress: (String) -> Void) throws -> [InspectedLedger] {
        var reported = Array(repeating: false, count: records.count)
        func report() {
            condition.lock()
            var done: [(origin: String, problem: String?, seconds: Double)] = []
            for i in records.indices where !reported[i] {
                guard let ledger = results[i] else { continue }
                reported[i] = true
                done.append((ledger.origin, ledger.problem, seconds[i]))
            }
            let count = reported.lazy.filter { $0 }.count
            condition.unlock()
            for d in done {
                if let problem = d.problem {
                    progress("\(d.origin) does not verify: \(problem) — not checked")
                } else {
                    progress("verified and read \(d.origin) (\(count) of \(records.count), \(String(format: "%.1f", d.seconds)) s)")
                }
            }
        }
        report()
        while let i = take() {
            progress("verifying and reading \(records[i].origin)")
            read(i, on: store)
            report()
        }
        condition.lock()
        while threadsRunning > 0 {
            condition.wait()
            condition.unlock()
            report()
            condition.lock()
        }
        let failure = self.failure
        let all = results
        condition.unlock()
        report()
        if let failure { throw failure }
        return try all.map { ledger in
            guard let ledger else { throw ServiceError("a ledger was not read", code: "internal") }
            return ledger
        }
    }
}

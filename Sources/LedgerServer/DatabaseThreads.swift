import Foundation
import LedgerCore
import LedgerStore
import PostgresClient

/// Blocking libpq work, kept off Swift's cooperative thread pool: each `DatabaseThreads` owns a few threads, each
/// with its own connection, that take jobs from one queue. A job that fails with a broken connection drops it; the
/// next job on that thread connects again (so a PostgreSQL restart costs the requests in flight, not the daemon).
final class DatabaseThreads: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `stopping` are touched only under `condition`; each connection belongs to
    // one thread.
    private let condition = NSCondition()
    private var jobs: [(Result<LedgerStore, Error>) -> Void] = []
    private var stopping = false
    private let conninfo: String
    private var threads: [Thread] = []

    init(conninfo: String, count: Int, name: String) {
        self.conninfo = conninfo
        for i in 0..<count {
            let t = Thread { [unowned self] in self.loop() }
            t.name = "\(name)-\(i)"
            t.stackSize = 1 << 20
            threads.append(t)
        }
        threads.forEach { $0.start() }
    }

    /// Runs `job` on one of the threads with a connected store.
    func run<T: Sendable>(_ job: @escaping @Sendable (LedgerStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            enqueue { connected in continuation.resume(with: Result { try job(try connected.get()) }) }
        }
    }

    private func enqueue(_ job: @escaping (Result<LedgerStore, Error>) -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        var store: LedgerStore? = nil
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            if store == nil || store?.db.isHealthy == false {
                store = nil
                do { store = LedgerStore(try PostgresConnection(conninfo)) } catch {
                    job(.failure(error))
                    continue
                }
            }
            job(.success(store!))
        }
    }
}


import Foundation
import LedgerStore

/// Threads with a database connection each, for reads. A job that finds its connection broken connects again and
/// runs once more (so a PostgreSQL restart costs no request once the server is back); if that fails, the job
/// fails with 503.
final class DatabaseThreads: Sendable {
    private let threads: WorkThreads<LedgerStore?>
    private let conninfo: String

    init(conninfo: String, count: Int, name: String) {
        self.conninfo = conninfo
        threads = WorkThreads(count: count, name: name) { nil }
    }

    /// Runs `job` on one of the threads with a connected store. A lost or unreachable database is answered
    /// 503 with Retry-After (the client retries), never 500.
    func run<T: Sendable>(_ job: @escaping @Sendable (LedgerStore) throws -> T) async throws -> T {
        let conninfo = self.conninfo
        return try await threads.run { (store: inout LedgerStore?) in
            // A connection kept from before a PostgreSQL restart is found dead only when used: then the job runs
            // once more on a new connection (reads are idempotent; a personal read recorded twice is recorded, not lost).
            var attempts = 0
            while true {
                attempts += 1
                let reused = store != nil
                do {
                    if store == nil || store?.isHealthy == false {
                        store = nil
                        store = try LedgerStore.connect(conninfo)
                    }
                    guard let connected = store else { throw APIError.unavailable("the ledger database is unavailable; retry") }
                    return try job(connected)
                } catch where LedgerStore.isConnectionProblem(error) {
                    store = nil
                    if reused && attempts == 1 { continue }
                    throw APIError.unavailable("the ledger database is unavailable (\(LedgerStore.describe(error))); retry")
                }
            }
        }
    }

    func stop() { threads.stop() }
}

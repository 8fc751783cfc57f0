import Foundation
import LedgerStore

/// Threads with a database connection each, for reads. A job that finds its connection broken connects again
/// (so a PostgreSQL restart costs the requests in flight, not the daemon); if that fails, the job fails.
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
            do {
                if store == nil || store?.isHealthy == false {
                    store = nil
                    store = try LedgerStore.connect(conninfo)
                }
                return try job(store!)
            } catch where LedgerStore.isConnectionProblem(error) {
                if store?.isHealthy == false { store = nil }
                throw APIError.unavailable("the ledger database is unavailable (\(LedgerStore.describe(error))); retry")
            }
        }
    }

    func stop() { threads.stop() }
}

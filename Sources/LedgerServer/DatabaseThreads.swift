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

    /// Runs `job` on one of the threads with a connected store.
    func run<T: Sendable>(_ job: @escaping @Sendable (LedgerStore) throws -> T) async throws -> T {
        let conninfo = self.conninfo
        return try await threads.run { (store: inout LedgerStore?) in
            if store == nil || store?.isHealthy == false {
                store = nil
                store = try LedgerStore.connect(conninfo)
            }
            return try job(store!)
        }
    }

    func stop() { threads.stop() }
}

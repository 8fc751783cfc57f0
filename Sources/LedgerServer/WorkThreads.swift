import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU work of request handlers (parsing and validating a batch, recomputing its commitments) on a few threads of
/// lower scheduling priority, off Swift's cooperative pool: on a small machine the ledger's one writer and its
/// PostgreSQL backend are the serial stage of every append, and they should not wait for the CPU while the
/// next batches are being parsed.
final class WorkThreads: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `stopping` are touched only under `condition`.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false

    /// `niceness`: added to the threads' nice value (Linux schedules each thread on its own).
    init(count: Int, name: String, niceness: Int32) {
        for i in 0..<count {
            let t = Thread { [unowned self] in
                #if canImport(Glibc)
                // On Linux, who = 0 names the calling thread (nice values are per thread).
                let which = __priority_which_t(PRIO_PROCESS.rawValue)
                _ = setpriority(which, 0, getpriority(which, 0) + niceness)
                #endif
                self.loop()
            }
            t.name = "\(name)-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
    }

    func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            condition.lock()
            jobs.append { continuation.resume(with: Result { try job() }) }
            condition.signal()
            condition.unlock()
        }
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

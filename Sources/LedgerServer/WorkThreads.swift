import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A few threads of our own taking jobs from one queue, each thread with its own `State` (a database
/// connection, or nothing). Blocking libpq calls and long CPU work run here, never on Swift's cooperative pool.
final class WorkThreads<State>: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `stopping` are touched only under `condition`; each `State` belongs to its
    // thread.
    private let condition = NSCondition()
    private var jobs: [(inout State) -> Void] = []
    private var stopping = false

    /// `niceness` is added to the threads' nice value (Linux schedules each thread on its own).
    init(count: Int, name: String, niceness: Int32 = 0, state: @escaping @Sendable () -> State) {
        for i in 0..<count {
            let t = Thread { [unowned self] in
                #if canImport(Glibc)
                if niceness != 0 {
                    // On Linux, who = 0 names the calling thread (nice values are per thread).
                    let which = __priority_which_t(PRIO_PROCESS.rawValue)
                    _ = setpriority(which, 0, getpriority(which, 0) + niceness)
                }
                #endif
                var s = state()
                self.loop(&s)
            }
            t.name = "\(name)-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// Runs `job` on one of the threads with that thread's state.
    func run<T: Sendable>(_ job: @escaping @Sendable (inout State) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            jobs.append { state in continuation.resume(with: Result { try job(&state) }) }
            condition.signal()
            condition.unlock()
        }
    }

    /// The threads end once the queued jobs are done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop(_ state: inout State) {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job(&state)
        }
    }
}

extension WorkThreads where State == Void {
    func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await run { (_: inout Void) in try job() }
    }
}

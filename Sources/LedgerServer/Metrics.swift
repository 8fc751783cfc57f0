import Foundation

/// The daemon's Prometheus metrics (text exposition format 0.0.4), kept by hand: a few counters and histograms
/// under one lock. No labels carry personal data; routes are the router's patterns, never raw paths.
final class Metrics: @unchecked Sendable {
    // @unchecked Sendable: every stored property is touched only under `lock`.
    struct Histogram {
        static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        var buckets = [UInt64](repeating: 0, count: bounds.count)
        var count: UInt64 = 0
        var sum: Double = 0

        mutating func observe(_ v: Double) {
            for (i, b) in Self.bounds.enumerated() where v <= b { buckets[i] += 1 }
            count += 1
            sum += v
        }
    }

    private let lock = NSLock()
    private var requests: [String: UInt64] = [:]            // "route|method|status"
    private var requestLatency: [String: Histogram] = [:]   // "route|method"
    private var appendGroups: UInt64 = 0
    private var appendGroupFailures: UInt64 = 0
    private var appendedSubmissions: UInt64 = 0
    private var appendedEntries: UInt64 = 0
    private var groupLatency = Histogram()
    private var groupSize = Histogram()
    private var submissions: [String: UInt64] = [:]         // outcome
    private var personalReads: UInt64 = 0
    private var verifications: [String: UInt64] = [:]       // result

    func request(route: String, method: String, status: Int, seconds: Double) {
        lock.withLock {
            requests["\(route)|\(method)|\(status)", default: 0] += 1
            requestLatency["\(route)|\(method)", default: Histogram()].observe(seconds)
        }
    }

    func groupWritten(submissions count: Int, entries: Int, seconds: Double) {
        lock.withLock {
            appendGroups += 1
            appendedSubmissions += UInt64(count)
            appendedEntries += UInt64(entries)
            groupLatency.observe(seconds)
            groupSize.observe(Double(count) / 1000)   // in thousands, to reuse the buckets
        }
    }

    func groupFailed() { lock.withLock { appendGroupFailures += 1 } }

    /// Whether the last write of any ledger failed for lack of space (SQLSTATE class 53: disk full, out of
    /// memory, too many connections excluded); `/readyz` answers 503 while it did.
    private var writeSpaceExhausted = false
    var lastWriteLackedSpace: Bool {
        get { lock.withLock { writeSpaceExhausted } }
        set { lock.withLock { writeSpaceExhausted = newValue } }
    }
    func submission(_ outcome: String) { lock.withLock { submissions[outcome, default: 0] += 1 } }
    func personalRead() { lock.withLock { personalReads += 1 } }
    func verification(_ result: String) { lock.withLock { verifications[result, default: 0] += 1 } }

    /// The exposition text.
    func render(ledgerSizes: [(origin: String, size: UInt64)]) -> String {
        lock.withLock {
            var out = ""
            func header(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
            func histogram(_ name: String, _ labels: String, _ h: Histogram) {
                let sep = labels.isEmpty ? "" : ","
                for (i, b) in Histogram.bounds.enumerated() { out += "\(name)_bucket{\(labels)\(sep)le=\"\(b)\"} \(h.buckets[i])\n" }
                out += "\(name)_bucket{\(labels)\(sep)le=\"+Inf\"} \(h.count)\n"
                let braces = labels.isEmpty ? "" : "{\(labels)}"
                out += "\(name)_sum\(braces) \(h.sum)\n\(name)_count\(braces) \(h.count)\n"
            }
            header("aidledger_write_space_exhausted", "gauge", "1 while the last write failed because the database had no space left.")
            out += "aidledger_write_space_exhausted \(writeSpaceExhausted ? 1 : 0)\n"
            header("aidledger_http_requests_total", "counter", "HTTP requests by route, method and status.")
            for (k, v) in requests.sorted(by: { $0.key < $1.key }) {
                let p = k.split(separator: "|", omittingEmptySubsequences: false)
                out += "aidledger_http_requests_total{route=\"\(p[0])\",method=\"\(p[1])\",status=\"\(p[2])\"} \(v)\n"
            }
            header("aidledger_http_request_duration_seconds", "histogram", "HTTP request latency by route and method.")
            for (k, h) in requestLatency.sorted(by: { $0.key < $1.key }) {
                let p = k.split(separator: "|", omittingEmptySubsequences: false)
                histogram("aidledger_http_request_duration_seconds", "route=\"\(p[0])\",method=\"\(p[1])\"", h)
            }
            header("aidledger_append_groups_total", "counter", "Group-commit transactions committed.")
            out += "aidledger_append_groups_total \(appendGroups)\n"
            header("aidledger_append_group_failures_total", "counter", "Group-commit transactions that failed (nothing written).")
            out += "aidledger_append_group_failures_total \(appendGroupFailures)\n"
            header("aidledger_appended_submissions_total", "counter", "Submissions answered by committed groups.")
            out += "aidledger_appended_submissions_total \(appendedSubmissions)\n"
            header("aidledger_appended_entries_total", "counter", "Entries appended.")
            out += "aidledger_appended_entries_total \(appendedEntries)\n"
            header("aidledger_append_group_duration_seconds", "histogram", "Time to write and commit one group.")
            histogram("aidledger_append_group_duration_seconds", "", groupLatency)
            header("aidledger_submissions_total", "counter", "Submissions by outcome (appended, duplicate, refused, conflict, unavailable, invalid).")
            for (k, v) in submissions.sorted(by: { $0.key < $1.key }) { out += "aidledger_submissions_total{outcome=\"\(k)\"} \(v)\n" }
            header("aidledger_personal_reads_total", "counter", "Reads of personal values (each also in the access log).")
            out += "aidledger_personal_reads_total \(personalReads)\n"
            header("aidledger_verifications_total", "counter", "Ledger verifications run by the daemon, by result.")
            for (k, v) in verifications.sorted(by: { $0.key < $1.key }) { out += "aidledger_verifications_total{result=\"\(k)\"} \(v)\n" }
            header("aidledger_ledger_entries", "gauge", "Entries in each ledger (its head size).")
            for l in ledgerSizes { out += "aidledger_ledger_entries{origin=\"\(l.origin.replacingOccurrences(of: "\"", with: ""))\"} \(l.size)\n" }
            return out
        }
    }
}

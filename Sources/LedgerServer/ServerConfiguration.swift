import Foundation
import LedgerCore

/// The daemon's settings: defaults, then the config file (`key = value` lines, `#` comments), then the
/// environment (`AIDLEDGERD_<KEY>` in capitals), then command-line options. Every key is documented in
/// Config/aidledgerd.conf.
public struct ServerConfiguration: Sendable {
    public var listenHost = "127.0.0.1"
    public var listenPort = 8080
    public var dataDir = ".aidledger"
    /// libpq connection string or URL; empty: the embedded PostgreSQL under `dataDir`.
    public var database = ""
    /// Where the ledger keys are (`ledger.key` and any other ledger's `*.key`); empty: `<dataDir>/keys`.
    public var keyDir = ""
    public var maxBodyBytes = 64 << 20
    public var maxGroupEntries = 200_000
    public var readerThreads = 4
    /// Threads (and connections) for long jobs: verifications and bundle exports.
    public var longJobThreads = 1
    /// The request bodies held in memory at once, in bytes (one body is always admitted).
    public var maxConcurrentBodyBytes = 128 << 20
    /// A connection that sends nothing for this long (a half-sent request, an idle keep-alive) is closed.
    public var idleTimeoutSeconds = 30
    /// The whole body of a request must arrive within this time, or the request is answered 408.
    public var bodyTimeoutSeconds = 300
    /// The writer's database session ends after this long without a statement (PostgreSQL
    /// idle_session_timeout), releasing the write lease of a frozen daemon; a live writer reconnects.
    public var leaseIdleTimeoutSeconds = 60
    public var logLevel = "info"
    /// With the embedded database: the ledger created on first start, and the generated payments submitted then.
    public var origin = "aidledger.example/430626"
    public var suite = "ed25519-sha256"
    public var demoPaymentsOnFirstStart = 200
    /// With the embedded database: clean students per unit of the demo city loaded on first start (one ledger per
    /// unit of a city like Yueyang, registries, a cross-check run); 0: none.
    public var demoCityOnFirstStart = 20
    /// Date limits of submissions (PlausibilityPolicy): days a paid_date may lie after the append date, and the
    /// window around the append time a signature's signed_at must fall in.
    public var paidDateToleranceDays = 31
    public var signedAtMaxAgeSeconds = 30 * 86_400
    public var signedAtMaxLeadSeconds = 600
    /// Cross-check runs on the daemon (`POST /v1/crosscheck/runs`): the rules and standards directory (empty: the
    /// copy built into the program) and the pairing file (empty: no pairing).
    public var rulesDir = ""
    public var pairingFile = ""
    /// Where `aidledger disclose` publishes 公示 exports, served at /v1/disclosures (empty: `<dataDir>/disclosures`).
    public var disclosuresDir = ""

    public init() {}

    public var keyDirectory: String { keyDir.isEmpty ? dataDir + "/keys" : keyDir }
    public var disclosuresDirectory: String { disclosuresDir.isEmpty ? dataDir + "/disclosures" : disclosuresDir }

    public var plausibility: PlausibilityPolicy {
        var p = PlausibilityPolicy()
        p.paidDateToleranceDays = Int64(paidDateToleranceDays)
        p.signedAtMaxAgeSeconds = Int64(signedAtMaxAgeSeconds)
        p.signedAtMaxLeadSeconds = Int64(signedAtMaxLeadSeconds)
        return p
    }

    /// Every key, in the file's spelling.
    public static let keys = ["listen_host", "listen_port", "data_dir", "database", "key_dir", "max_body_bytes", "max_group_entries",
                              "reader_threads", "log_level", "origin", "suite", "demo_payments_on_first_start", "demo_city_on_first_start",
                              "paid_date_tolerance_days", "signed_at_max_age_seconds", "signed_at_max_lead_seconds",
                              "long_job_threads", "max_concurrent_body_bytes", "idle_timeout_seconds", "body_timeout_seconds", "lease_idle_timeout_seconds",
                              "rules_dir", "pairing_file", "disclosures_dir"]

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sets one key from text; `source` names where it came from, for the error.
    public mutating func set(_ key: String, _ value: String, source: String) throws {
        func int(_ min: Int, _ max: Int) throws -> Int {
            guard let n = Int(value), n >= min, n <= max else { throw Problem(description: "\(source): \(key) must be a whole number from \(min) to \(max), not \"\(value)\"") }
            return n
        }
        switch key {
        case "listen_host": listenHost = value
        case "listen_port": listenPort = try int(0, 65535)
        case "data_dir": dataDir = value
        case "database": database = value
        case "key_dir": keyDir = value
        case "max_body_bytes": maxBodyBytes = try int(1024, 1 << 30)
        case "max_group_entries": maxGroupEntries = try int(1, 10_000_000)
        case "reader_threads": readerThreads = try int(1, 64)
        case "long_job_threads": longJobThreads = try int(1, 16)
        case "max_concurrent_body_bytes": maxConcurrentBodyBytes = try int(1024, 1 << 34)
        case "idle_timeout_seconds": idleTimeoutSeconds = try int(1, 3600)
        case "body_timeout_seconds": bodyTimeoutSeconds = try int(1, 3600)
        case "lease_idle_timeout_seconds": leaseIdleTimeoutSeconds = try int(1, 86_400)
        case "log_level":
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(value) else {
                throw Problem(description: "\(source): log_level must be trace, debug, info, notice, warning, error or critical")
            }
            logLevel = value
        case "origin": origin = value
        case "suite":
            guard value == "ed25519-sha256" || value == "sm2-sm3" else { throw Problem(description: "\(source): suite must be ed25519-sha256 or sm2-sm3") }
            suite = value
        case "demo_payments_on_first_start": demoPaymentsOnFirstStart = try int(0, 1_000_000)
        case "demo_city_on_first_start": demoCityOnFirstStart = try int(0, 30_000)
        case "paid_date_tolerance_days": paidDateToleranceDays = try int(0, 3650)
        case "signed_at_max_age_seconds": signedAtMaxAgeSeconds = try int(60, 3650 * 86_400)
        case "signed_at_max_lead_seconds": signedAtMaxLeadSeconds = try int(0, 86_400)
        case "rules_dir": rulesDir = value
        case "pairing_file": pairingFile = value
        case "disclosures_dir": disclosuresDir = value
        default: throw Problem(description: "\(source): unknown key \(key) (known: \(Self.keys.joined(separator: ", ")))")
        }
    }

    /// Reads a config file.
    public mutating func load(file path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Problem(description: "\(path): cannot read the config file") }
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else { throw Problem(description: "\(path):\(i + 1): expected key = value") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            try set(key, value, source: "\(path):\(i + 1)")
        }
    }

    /// Applies `AIDLEDGERD_<KEY>` variables.
    public mutating func loadEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        for key in Self.keys {
            if let v = environment["AIDLEDGERD_" + key.uppercased()] { try set(key, v, source: "AIDLEDGERD_" + key.uppercased()) }
        }
    }
}

import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore
import Logging

/// What an inspector asks a run on the daemon to do (`POST /v1/crosscheck/runs`).
struct CrossCheckJobRequest: Sendable {
    let period: String
    let purpose: String?
    let reveal: Bool
    let asOf: String?

    /// The request body `{"period": …, "purpose"?: …, "reveal"?: …, "as_of"?: …}`, every member checked.
    init(json body: [UInt8]) throws {
        let value: JSONValue
        do { value = try JSONParser.parse(body, mode: .lenient) } catch {
            throw APIError.badRequest("malformed-json", "the request body is not valid JSON: \(error.description)")
        }
        guard case .object(let o) = value else { throw APIError.badRequest("malformed-json", "the request body must be a JSON object {\"period\": …}") }
        for key in o.keys where !["period", "purpose", "reveal", "as_of"].contains(key) {
            throw APIError.badRequest("unknown-field", "unknown member \"\(key)\" (expected period, purpose, reveal, as_of)")
        }
        guard let periodValue = o["period"] else { throw APIError.badRequest("missing-field", "period: required, e.g. 2025-autumn") }
        guard let period = periodValue.stringValue, FieldSyntax.isPeriod(period) else {
            throw APIError.badRequest("bad-parameter", "period: must be like 2025-autumn, 2025-spring, 2025-09 or 2025")
        }
        var purpose: String? = nil
        if let p = o["purpose"] {
            guard let text = p.stringValue, PersonalReads.isPurpose(text) else {
                throw APIError.badRequest("bad-parameter", "purpose: 1–200 characters without control characters, not only spaces")
            }
            purpose = text
        }
        var reveal = false
        if let r = o["reveal"] {
            guard let b = r.boolValue else { throw APIError.badRequest("bad-parameter", "reveal: must be true or false") }
            reveal = b
        }
        var asOf: String? = nil
        if let a = o["as_of"] {
            guard let text = a.stringValue, FieldSyntax.isDate(text) else { throw APIError.badRequest("bad-parameter", "as_of: must be a date YYYY-MM-DD") }
            asOf = text
        }
        if reveal, purpose == nil {
            throw APIError.badRequest("purpose-required", "reveal: true puts ID numbers in the report: give purpose (recorded in every ledger's access log)")
        }
        self.period = period
        self.purpose = purpose
        self.reveal = reveal
        self.asOf = asOf
    }
}

/// Cross-check runs on the daemon, over its own ledgers: one at a time, each on a thread and database connection of
/// its own (libpq blocks; a run takes long), never on the readers or the long-job threads. A run is
/// `CrossCheckRuns.run` without an inspector's key — the daemon holds none — so it does not anchor its report: its
/// status hands out the `crosscheck` entries to sign, which the inspector posts to `…/crosschecks`. The report
/// files and the final status are kept under `<data_dir>/crosscheck-runs/<id>/`; the findings are compared with those of
/// the previous finished run of the same period.
final class CrossCheckJobs: @unchecked Sendable {
    // @unchecked Sendable: `statuses` and `running` are touched only under `lock`.
    struct Status: Sendable {
        let id: String
        let period: String
        let inspector: String
        let startedAt: String
        var state = "running"
        var progress = "starting"
        var finishedAt: String? = nil
        var error: (code: String, message: String)? = nil
        var json: JSONObject = [:]

        /// The answer of `GET /v1/crosscheck/runs/{id}`.
        var answer: JSONObject {
            var o = json
            o["id"] = .string(id)
            o["status"] = .string(state)
            o["period"] = .string(period)
            o["inspector"] = .string(inspector)
            o["progress"] = .string(progress)
            o["started_at"] = .string(startedAt)
            if let finishedAt { o["finished_at"] = .string(finishedAt) }
            if let error { o["error"] = .object(["code": .string(error.code), "message": .string(error.message)]) }
            if o["anchors"] == nil { o["anchors"] = .array([]) }
            return o
        }
    }

    /// The files of a finished run that `GET /v1/crosscheck/runs/{id}/<name>` serves, with their content types.
    static let files: [String: String] = [
        "report.json": "application/json; charset=utf-8", "report.html": "text/html; charset=utf-8", "findings.csv": "text/csv; charset=utf-8",
    ]

    let directory: String
    private let conninfo: String
    private let keyDirectory: String
    private let rulesDirectory: String?
    private let pairingFile: String?
    private let logger: Logger
    private let lock = NSLock()
    private var statuses: [String: Status] = [:]
    private var running: String? = nil

    init(configuration: ServerConfiguration, conninfo: String, logger: Logger) {
        directory = configuration.dataDir + "/crosscheck-runs"
        self.conninfo = conninfo
        keyDirectory = configuration.keyDirectory
        // Without rules_dir: the built-in rules, written once to <data_dir>/crosscheck where an operator may edit them.
        rulesDirectory = configuration.rulesDir.isEmpty ? (try? CrossCheckRuns.installBuiltInRules(into: configuration.dataDir + "/crosscheck")) : configuration.rulesDir
        pairingFile = configuration.pairingFile.isEmpty ? nil : configuration.pairingFile
        self.logger = logger
    }

    /// A run id names a directory: letters, digits and `-` only.
    static func isRunID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d }
    }

    /// Starts a run for `inspector` (a key name); its id. 409 `run-in-progress` while another one runs.
    func start(_ request: CrossCheckJobRequest, inspector: String) throws -> String {
        let now = nowTimestamp()
        let id = String(now.filter { $0.isNumber }.prefix(14)) + "-" + Hex.encode((try? secureRandomBytes(4)) ?? [0, 0, 0, 0])
        try lock.withLock {
            if let current = running {
                throw APIError.conflict("run-in-progress", "cross-check run \(current) is still running; one run at a time (GET /v1/crosscheck/runs/\(current))")
            }
            running = id
            statuses[id] = Status(id: id, period: request.period, inspector: inspector, startedAt: now)
        }
        let thread = Thread { [self] in execute(id: id, request: request, inspector: inspector) }
        thread.name = "crosscheck-\(id)"
        thread.stackSize = 16 << 20
        thread.start()
        return id
    }

    /// A run's status: in memory, or the status file a finished run left (a run of an earlier daemon process).
    func status(_ id: String) -> JSONObject? {
        guard Self.isRunID(id) else { return nil }
        if let s = lock.withLock({ statuses[id] }) { return s.answer }
        guard let bytes = try? Files.read(directory + "/" + id + "/status.json"), case .object(let o)? = try? JSONParser.parse(Array(bytes), mode: .lenient) else {
            return nil
        }
        return o
    }

    /// A file of a finished run (`report.json`, `report.html`, `findings.csv`), or nil.
    func file(_ id: String, name: String) -> [UInt8]? {
        guard Self.isRunID(id), Self.files[name] != nil, status(id)?["status"]?.stringValue == "done" else { return nil }
        return (try? Files.read(directory + "/" + id + "/" + name)).map { Array($0) }
    }

    private func update(_ id: String, _ change: (inout Status) -> Void) {
        lock.withLock {
            guard var s = statuses[id] else { return }
            change(&s)
            statuses[id] = s
        }
    }

    private func execute(id: String, request: CrossCheckJobRequest, inspector: String) {
        let out = directory + "/" + id
        do {
            guard let rulesDirectory else {
                throw ServiceError("this aidledgerd has no rules directory: set rules_dir (Config/aidledgerd.conf)", code: "configuration-missing")
            }
            try Files.makeDirectory(directory, mode: 0o700)
            try Files.makeDirectory(out, mode: 0o700)
            // The previous finished run of the period: its report is what the findings are compared with.
            if let previous = previousRun(period: request.period, before: id) {
                try Files.write(out + "/report.json", Array(try Files.read(directory + "/" + previous + "/report.json")), mode: 0o600)
            }
            let store = try LedgerStore.connect(conninfo)
            let runRequest = CrossCheckRequest(period: request.period, origins: [], configurationDirectory: rulesDirectory, pairingFile: pairingFile,
                                               inspector: nil, inspectorName: inspector, outDirectory: out, reveal: request.reveal, purpose: request.purpose,
                                               asOf: request.asOf, anchor: false, readingPrincipal: inspector)
            let outcome = try CrossCheckRuns.run(store, keyDirectory: keyDirectory, request: runRequest) { [self] text in update(id) { $0.progress = text } }
            let ids = Dictionary((try store.ledgers()).map { ($0.origin, $0.id) }, uniquingKeysWith: { a, _ in a })
            let json = Self.outcomeJSON(outcome, ledgerIDs: ids)
            update(id) {
                $0.state = "done"
                $0.progress = "done: \(outcome.findingCount) findings"
                $0.json = json
                $0.finishedAt = nowTimestamp()
            }
            logger.notice("cross-check run done", metadata: ["run": "\(id)", "findings": "\(outcome.findingCount)"])
        } catch {
            let (code, message) = Self.describe(error)
            update(id) {
                $0.state = "failed"
                $0.error = (code, message)
                $0.finishedAt = nowTimestamp()
            }
            logger.warning("cross-check run failed", metadata: ["run": "\(id)", "code": "\(code)", "reason": "\(message)"])
        }
        if let final = lock.withLock({ statuses[id] }) {
            try? Files.makeDirectory(out, mode: 0o700)
            try? Files.write(out + "/status.json", CanonicalJSON.encode(.object(final.answer)) + [0x0a], mode: 0o600, overwrite: true)
        }
        lock.withLock { running = nil }
    }

    /// The newest finished run of `period` before `id` (ids begin with their start time).
    private func previousRun(period: String, before id: String) -> String? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { Self.isRunID($0) && $0 < id }.sorted(by: >)
        for name in names {
            guard let s = status(name), s["status"]?.stringValue == "done", s["period"]?.stringValue == period,
                  FileManager.default.fileExists(atPath: directory + "/" + name + "/report.json") else { continue }
            return name
        }
        return nil
    }

    /// What a finished run answers: its identifiers, the ledgers it read and the anchors to sign.
    static func outcomeJSON(_ o: CrossCheckOutcome, ledgerIDs: [String: Int64]) -> JSONObject {
        [
            "run": .string(o.runID),
            "report_sha256": .string(o.reportSHA256.hex),
            "findings": .int(Int64(o.findingCount)),
            "ledgers": .array(o.ledgers.map { l in
                var v: JSONObject = ["origin": .string(l.origin), "verified": .bool(l.verified), "size": .int(Int64(clamping: l.size))]
                if let id = ledgerIDs[l.origin] { v["ledger"] = .int(id) }
                if let problem = l.problem { v["problem"] = .string(problem) }
                return .object(v)
            }),
            "anchors": .array(o.anchors.map { a in
                var v: JSONObject = [
                    "origin": .string(a.origin), "run": .string(a.run), "period": .string(a.period), "unit": .string(a.unit),
                    "checked_size": .int(Int64(clamping: a.checkedSize)), "checked_root": .string(a.checkedRoot.hex), "findings": .int(Int64(a.findings)),
                    "report_sha256": .string(a.reportSHA256.hex),
                ]
                if let id = ledgerIDs[a.origin] { v["ledger"] = .int(id) }
                if let inspecting = a.inspectingUnit { v["inspecting_unit"] = .string(inspecting) }
                return .object(v)
            }),
        ]
    }

    /// A failure's stable code and message (services' errors carry no personal values).
    static func describe(_ error: any Error) -> (String, String) {
        if let e = error as? ServiceError { return (e.code, e.message) }
        if let e = error as? StoreError { return (e.code.rawValue, e.message) }
        return ("internal", LedgerStore.describe(error))
    }
}

import Foundation
import LedgerCore

/// An error answer of aidledgerd (`{"error":{"code","message","problems"?}}`), or an answer that is not what the
/// API documents.
public struct ServerRefusal: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String
    public let problems: [String]

    public init(status: Int, code: String, message: String, problems: [String] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems
    }

    /// The error of a response whose status is 300 or more.
    init(_ r: HTTPClientResponse) {
        if case .object(let root)? = try? JSONParser.parse(r.body, mode: .lenient), case .object(let e)? = root["error"] {
            self.init(status: r.status, code: e["code"]?.stringValue ?? "", message: e["message"]?.stringValue ?? "",
                      problems: e["problems"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        } else {
            self.init(status: r.status, code: "", message: "HTTP \(r.status)")
        }
    }

    public var description: String {
        "HTTP \(status)" + (code.isEmpty ? "" : " \(code)") + ": " + message + problems.map { "\n  " + $0 }.joined()
    }
}

/// A ledger as `GET /v1/ledgers` lists it.
public struct ServerLedger: Sendable, Equatable {
    public let id: Int64
    public let origin: String
    public let suite: Suite
    public let size: UInt64
}

/// A receipt as the API answers a write.
public struct ServerReceipt: Sendable, Equatable {
    public let origin: String
    public let firstSeq: UInt64
    public let lastSeq: UInt64
    /// The signed checkpoint of the group commit that made the entries durable.
    public let checkpoint: String
}

/// What an inspector does with a daemon (docs/openapi.json): list its ledgers, download a ledger's bundle and its
/// openings (a bulk read the daemon records in the ledger's access log), append signed `crosscheck` and
/// `disposition` entries, and start, follow and fetch cross-check runs on the daemon. One keep-alive connection;
/// 503s and lost connections are retried within `retry`. Not thread-safe (one per thread).
public final class InspectorClient {
    public let url: String
    private let client: HTTPClient
    private let token: String
    private let retry: RetryPolicy

    /// `url`: `http://host:port`; `token`: the inspector's API token (a token of an inspector for every unit
    /// stands for its key in every ledger of the daemon where that key is enrolled).
    public init(url: String, token: String, retry: RetryPolicy = RetryPolicy(budget: .seconds(60))) throws {
        self.url = url
        self.client = try HTTPClient(url: url)
        self.token = token
        self.retry = retry
    }

    /// Sets the seconds each read or write of the connection may take (a large bundle over a slow link).
    public var timeout: Int {
        get { client.timeout }
        set { client.timeout = newValue }
    }

    private func send(_ method: String, _ path: String, contentType: String? = nil, body: [UInt8] = []) throws -> HTTPClientResponse {
        var headers = [("Authorization", "Bearer \(token)")]
        if let contentType { headers.append(("Content-Type", contentType)) }
        let r = try retry.run { try client.request(method, path, headers: headers, body: body) }
        guard r.status < 300 else { throw ServerRefusal(r) }
        return r
    }

    private func object(_ r: HTTPClientResponse) throws -> JSONObject {
        guard case .object(let o)? = try? JSONParser.parse(r.body, mode: .lenient) else {
            throw ServerRefusal(status: r.status, code: "malformed-answer", message: "\(url) did not answer with a JSON object")
        }
        return o
    }

    /// Every ledger of the daemon.
    public func ledgers() throws -> [ServerLedger] {
        let o = try object(try send("GET", "/v1/ledgers"))
        guard let list = o["ledgers"]?.arrayValue else { throw ServerRefusal(status: 200, code: "malformed-answer", message: "\(url) did not answer like aidledgerd") }
        return list.compactMap { v in
            guard case .object(let l) = v, let id = l["id"]?.intValue, let origin = l["origin"]?.stringValue,
                  let suite = l["suite"]?.stringValue.flatMap(Suite.init), let size = l["size"]?.intValue, size >= 0 else { return nil }
            return ServerLedger(id: id, origin: origin, suite: suite, size: UInt64(size))
        }
    }

    /// The ledger as a bundle file (FORMAT.md §12), up to the daemon's head when it answered.
    public func bundle(ledger: Int64) throws -> [UInt8] {
        try send("GET", "/v1/ledgers/\(ledger)/bundle").body
    }

    /// Every opening of the ledger up to the daemon's head (its size), as the openings file of FORMAT.md §13: a
    /// bulk read of personal values, recorded in the ledger's access log with `purpose` before anything is sent.
    /// A line that is not an opening is an error naming the line (never its content).
    public func openings(ledger: Int64, purpose: String) throws -> (size: UInt64, openings: [Opening]) {
        let query = purpose.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let r = try send("GET", "/v1/ledgers/\(ledger)/openings?purpose=" + query)
        guard let sizeText = r.header("x-aidledger-size"), let size = UInt64(sizeText) else {
            throw ServerRefusal(status: r.status, code: "malformed-answer", message: "the openings answer has no X-Aidledger-Size header")
        }
        var openings: [Opening] = []
        var line = 0
        for bytes in r.body.split(separator: 0x0a, omittingEmptySubsequences: false) {
            line += 1
            if bytes.isEmpty { continue }
            do { openings.append(try Opening(decoding: Array(bytes))) } catch {
                throw ServerRefusal(status: r.status, code: "malformed-answer", message: "openings line \(line) of ledger \(ledger): \(error.message)")
            }
        }
        return (size, openings)
    }

    /// Appends an inspector-signed `crosscheck` body (`CrossCheckBody.make`).
    public func appendCrossCheck(ledger: Int64, body: JSONObject) throws -> ServerReceipt {
        try receipt(try send("POST", "/v1/ledgers/\(ledger)/crosschecks", contentType: "application/json", body: CanonicalJSON.encode(.object(body))))
    }

    /// Appends an inspector-signed `disposition` body (`DispositionBody.make`).
    public func appendDisposition(ledger: Int64, body: JSONObject) throws -> ServerReceipt {
        try receipt(try send("POST", "/v1/ledgers/\(ledger)/dispositions", contentType: "application/json", body: CanonicalJSON.encode(.object(body))))
    }

    private func receipt(_ r: HTTPClientResponse) throws -> ServerReceipt {
        let o = try object(r)
        guard let origin = o["origin"]?.stringValue, let first = o["first_seq"]?.intValue, let last = o["last_seq"]?.intValue, first >= 1, last >= first,
              let checkpoint = o["checkpoint"]?.stringValue else {
            throw ServerRefusal(status: r.status, code: "malformed-answer", message: "\(url) answered the write without a receipt")
        }
        return ServerReceipt(origin: origin, firstSeq: UInt64(first), lastSeq: UInt64(last), checkpoint: checkpoint)
    }

    /// Starts a cross-check run on the daemon over its own ledgers; the run's id.
    public func startRun(period: String, purpose: String? = nil, reveal: Bool = false, asOf: String? = nil) throws -> String {
        var body: JSONObject = ["period": .string(period)]
        if let purpose { body["purpose"] = .string(purpose) }
        if reveal { body["reveal"] = .bool(true) }
        if let asOf { body["as_of"] = .string(asOf) }
        let o = try object(try send("POST", "/v1/crosscheck/runs", contentType: "application/json", body: CanonicalJSON.encode(.object(body))))
        guard let id = o["id"]?.stringValue else { throw ServerRefusal(status: 202, code: "malformed-answer", message: "\(url) started a run without an id") }
        return id
    }

    /// A run's status: `status` (running, done, failed), `progress`, and when done `report_sha256`, `findings`,
    /// `ledgers` and the `anchors` to sign.
    public func run(_ id: String) throws -> JSONObject {
        try object(try send("GET", "/v1/crosscheck/runs/\(id)"))
    }

    /// Polls a run until it is no longer running (or `timeout` passes); its last status. `progress` sees each new
    /// progress text.
    public func waitForRun(_ id: String, timeout: Duration, poll: Duration = .milliseconds(500), progress: (String) -> Void = { _ in }) throws -> JSONObject {
        let start = ContinuousClock.now
        var last = ""
        while true {
            let status = try run(id)
            if let text = status["progress"]?.stringValue, text != last {
                last = text
                progress(text)
            }
            if status["status"]?.stringValue != "running" || ContinuousClock.now - start > timeout { return status }
            Thread.sleep(forTimeInterval: Double(poll.components.seconds) + Double(poll.components.attoseconds) / 1e18)
        }
    }

    /// A file of a finished run: `report.json`, `report.html` or `findings.csv`.
    public func runFile(_ id: String, name: String) throws -> [UInt8] {
        try send("GET", "/v1/crosscheck/runs/\(id)/\(name)").body
    }
}

import ArgumentParser
import Foundation
import LedgerClient
import LedgerCore
import LedgerServices

/// Options of the commands that can also work against a running aidledgerd.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Work against a running aidledgerd (http://host:port) instead of the database (env AIDLEDGER_SERVER).")
    var server: String?

    @Option(name: .long, help: "The API token, or a file holding it (env AIDLEDGER_TOKEN).")
    var token: String?

    @Option(name: .customLong("ledger"), help: "The ledger's id on the server (default: the only ledger).")
    var ledgerID: Int64?

    @Option(name: .long, help: "Seconds to keep retrying while the server answers 503 or cannot be reached (the same request each time; 0: no retries).")
    var retryFor: Int = 60

    var url: String? { server ?? ProcessInfo.processInfo.environment["AIDLEDGER_SERVER"] }
    var tokenArgument: String? { token ?? ProcessInfo.processInfo.environment["AIDLEDGER_TOKEN"] }
}

/// A connection to aidledgerd for one command: the ledger it works on, and requests that turn any error answer
/// into a CLIError carrying the server's message.
final class ServerSession {
    let client: HTTPClient
    let retry: RetryPolicy
    let token: String?
    let ledgerID: Int64
    let origin: String
    let suite: Suite

    init(_ options: ServerOptions) throws {
        guard let url = options.url else { throw CLIError("--server is required") }
        guard (0...86_400).contains(options.retryFor) else { throw CLIError("--retry-for must be 0 to 86400 seconds") }
        retry = RetryPolicy(budget: .seconds(options.retryFor))
        do { client = try HTTPClient(url: url) } catch { throw CLIError("--server: \(error)") }
        token = try options.tokenArgument.map { try RemoteToken.read($0) }
        // Which ledger: the one asked for, or the only one.
        let list = try Self.check(try Self.call(retry) { [client] in try client.request("GET", "/v1/ledgers") })
        guard case .object(let root)? = try? JSONParser.parse(list.body, mode: .lenient), case .array(let ledgers)? = root["ledgers"] else {
            throw CLIError("\(url) did not answer like aidledgerd")
        }
        let candidates = ledgers.compactMap { v -> (Int64, String, Suite)? in
            guard case .object(let o) = v, let id = o["id"]?.intValue, let origin = o["origin"]?.stringValue, let suite = o["suite"]?.stringValue.flatMap(Suite.init) else { return nil }
            return (id, origin, suite)
        }
        let chosen = options.ledgerID.map { id in candidates.filter { $0.0 == id } } ?? candidates
        guard chosen.count == 1 else {
            throw CLIError(options.ledgerID == nil ? "the server has \(candidates.count) ledgers; pick one with --ledger ID" : "the server has no ledger \(options.ledgerID!)")
        }
        (ledgerID, origin, suite) = chosen[0]
    }

    private func clientRequest(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPClientResponse {
        var h = headers
        if let token { h.append(("Authorization", "Bearer \(token)")) }
        return try client.request(method, path, headers: h, body: body)
    }

    /// Sends a request, retrying 503s and lost connections within the policy's budget (a line on stderr for each).
    private static func call(_ retry: RetryPolicy, _ f: () throws -> HTTPClientResponse) throws -> HTTPClientResponse {
        do {
            return try retry.run(f) { reason, wait in
                let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
                FileHandle.standardError.write(Data("the server is unavailable (\(reason)); retrying in \(String(format: "%.1f", seconds)) s\n".utf8))
            }
        } catch let e as HTTPClientError { throw CLIError("the server: \(e.description)") }
    }

    /// The response if it is a success; otherwise a CLIError with the server's message and problems.
    static func check(_ r: HTTPClientResponse) throws -> HTTPClientResponse {
        guard r.status >= 300 else { return r }
        if case .object(let root)? = try? JSONParser.parse(r.body, mode: .lenient), case .object(let e)? = root["error"] {
            let problems = e["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
            throw CLIError("the server refused (HTTP \(r.status) \(e["code"]?.stringValue ?? "")): \(e["message"]?.stringValue ?? "")" + problems.map { "\n  " + $0 }.joined())
        }
        throw CLIError("the server answered HTTP \(r.status)")
    }

    func get(_ path: String) throws -> HTTPClientResponse {
        try Self.check(try Self.call(retry) { try clientRequest("GET", "/v1/ledgers/\(ledgerID)" + path) })
    }

    func post(_ path: String, contentType: String, body: [UInt8], headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try Self.check(try Self.call(retry) { try clientRequest("POST", "/v1/ledgers/\(ledgerID)" + path, headers: [("Content-Type", contentType)] + headers, body: body) })
    }

    func json(_ r: HTTPClientResponse) throws -> JSONObject {
        guard case .object(let o)? = try? JSONParser.parse(r.body, mode: .lenient) else { throw CLIError("the server sent a malformed answer") }
        return o
    }

    /// Prints a receipt answered by the server.
    func printReceipt(_ r: HTTPClientResponse, what: String) throws {
        let o = try json(r)
        let duplicate = o["duplicate"]?.boolValue == true
        print("\(what): seq \(o["first_seq"]?.intValue ?? 0)…\(o["last_seq"]?.intValue ?? 0) of \(o["origin"]?.stringValue ?? origin), durable"
              + (duplicate ? " (already there: the original receipt)" : ""))
        print("checkpoint:")
        print(o["checkpoint"]?.stringValue ?? "", terminator: "")
    }
}


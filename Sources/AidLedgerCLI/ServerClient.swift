import ArgumentParser
import Foundation
import LedgerClient
import LedgerCore
import LedgerImport
import LedgerStore
import LedgerVerify

/// Options of the commands that can also work against a running aidledgerd.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Work against a running aidledgerd (http://host:port) instead of the database (env AIDLEDGER_SERVER).")
    var server: String?

    @Option(name: .long, help: "The API token, or a file holding it (env AIDLEDGER_TOKEN).")
    var token: String?

    @Option(name: .customLong("ledger"), help: "The ledger's id on the server (default: the only ledger).")
    var ledgerID: Int64?

    var url: String? { server ?? ProcessInfo.processInfo.environment["AIDLEDGER_SERVER"] }
    var tokenArgument: String? { token ?? ProcessInfo.processInfo.environment["AIDLEDGER_TOKEN"] }
}

/// A connection to aidledgerd for one command: the ledger it works on, and requests that turn any error answer
/// into a CLIError carrying the server's message.
final class ServerSession {
    let client: HTTPClient
    let token: String?
    let ledgerID: Int64
    let origin: String
    let suite: Suite

    init(_ options: ServerOptions) throws {
        guard let url = options.url else { throw CLIError("--server is required") }
        do { client = try HTTPClient(url: url) } catch { throw CLIError("--server: \(error)") }
        if let t = options.tokenArgument {
            token = FileManager.default.fileExists(atPath: t)
                ? String(decoding: try Files.read(t), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : t
        } else {
            token = nil
        }
        // Which ledger: the one asked for, or the only one.
        let list = try Self.check(try Self.call { [client] in try client.request("GET", "/v1/ledgers") })
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

    private static func call(_ f: () throws -> HTTPClientResponse) throws -> HTTPClientResponse {
        do { return try f() } catch let e as HTTPClientError { throw CLIError("the server: \(e.description)") }
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
        try Self.check(try Self.call { try clientRequest("GET", "/v1/ledgers/\(ledgerID)" + path) })
    }

    func post(_ path: String, contentType: String, body: [UInt8], headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try Self.check(try Self.call { try clientRequest("POST", "/v1/ledgers/\(ledgerID)" + path, headers: [("Content-Type", contentType)] + headers, body: body) })
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

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Prepare and sign a payment-batch CSV on this machine and submit it to aidledgerd.",
        discussion: """
            The file is validated exactly as `import` validates it; the batch is signed here with the officer's key \
            (the key never leaves this machine) and sent as a prepared CSV (the rows plus their commitment salts) \
            with the signed header. A lost answer is retried with the same request, which returns the original \
            receipt. The batch id defaults to one derived from the file, so preparing and submitting the same file \
            again is refused (409: the id is taken) instead of paying twice.
            """
    )

    @OptionGroup var batchFile: BatchFileOptions

    @Flag(name: .long, help: "Send JSON instead of the prepared CSV.")
    var json = false

    @OptionGroup var remote: ServerOptions

    func run() throws {
        let (_, parsed, id) = try batchFile.read(whatHappens: "nothing sent")
        let officer = try KeyFile.read(batchFile.officerKey)
        let session = try ServerSession(remote)
        guard officer.suite == session.suite else { throw CLIError("the officer key is \(officer.suite.rawValue), the ledger is \(session.suite.rawValue)") }
        let prepared = try BatchBuilder.prepare(batchID: id, program: parsed.program, period: parsed.period, unit: parsed.unit, items: parsed.items,
                                                origin: session.origin, signedAt: nowTimestamp(), officer: officer)
        let csv = BatchRequest.csv(prepared)
        let (contentType, body, headers) = json ? ("application/json", BatchRequest.json(prepared), [])
                                                : ("text/csv; charset=utf-8", csv.body, [("Aidledger-Batch", csv.header)])
        // The same bytes on every attempt: a batch that did commit answers with its original receipt.
        var attempt = 0
        let response: HTTPClientResponse
        while true {
            attempt += 1
            do {
                response = try session.post("/batches", contentType: contentType, body: body, headers: headers)
                break
            } catch let e as CLIError where attempt < 5 && (e.description.contains("HTTP 503") || e.description.contains("the server: ")) {
                FileHandle.standardError.write(Data("aidledger: \(e.description); retrying (\(attempt)/5)\n".utf8))
                Thread.sleep(forTimeInterval: Double(attempt))
            }
        }
        print("batch \(id): \(parsed.items.count) payments, \(Format.yuan(parsed.totalFen)) yuan, unit \(parsed.unit), \(parsed.program), \(parsed.period)")
        try session.printReceipt(response, what: "submitted")
    }
}

extension LogCommand {
    func runRemote() throws {
        let session = try ServerSession(remote)
        var query = "?after=\(from > 0 ? from - 1 : 0)&limit=\(min(max(1, limit), 1000))"
        if let kind { query += "&kind=\(kind)" }
        let o = try session.json(try session.get("/entries" + query))
        for v in o["entries"]?.arrayValue ?? [] {
            guard case .object(let e) = v, let seq = e["seq"]?.intValue, let entry = e["entry"] else { continue }
            print(Self.summary(seq: UInt64(seq), bytes: CanonicalJSON.encode(entry)))
        }
    }
}

extension ShowCommand {
    func runRemote() throws {
        let session = try ServerSession(remote)
        let o = try session.json(try session.get("/entries/\(seq)" + (reveal ? "?reveal=true&purpose=aidledger%20show" : "")))
        print("seq \(seq) of \(session.origin), hash \(o["hash"]?.stringValue ?? "")")
        if let entry = o["entry"] { print(String(decoding: CanonicalJSON.encode(entry), as: UTF8.self)) }
        if reveal, case .object(let p)? = o["personal"] {
            if p.members.isEmpty { print("(no openings stored for this entry)") }
            for m in p.members { print("\(m.key): \(m.value.stringValue ?? "")") }
        }
    }
}

extension ReverseCommand {
    func runRemote(officer: NamedSigningKey) throws {
        let session = try ServerSession(remote)
        let o = try session.json(try session.get("/entries/\(seq)"))
        guard let hashHex = o["hash"]?.stringValue, let hash = Digest32(hexString: hashHex), case .object(let entry)? = o["entry"],
              entry["kind"]?.stringValue == "payment", case .object(let body)? = entry["body"], let amount = body["amount_fen"]?.intValue else {
            throw CLIError("seq \(seq) is not a payment of \(session.origin)")
        }
        let reversal = try ReversalBody.make(target: seq, targetHash: hash, amountFen: amount, reason: reason, origin: session.origin,
                                             signedAt: nowTimestamp(), officer: officer)
        let r = try session.post("/reversals", contentType: "application/json", body: CanonicalJSON.encode(.object(reversal)))
        try session.printReceipt(r, what: "reversed payment \(seq) (\(Format.yuan(amount)) yuan)")
    }
}

extension VerifyCommand {
    /// Fetches the ledger's bundle from the server and verifies it here, with the same verifier as offline.
    func runRemote() throws {
        let session = try ServerSession(remote)
        let r = try session.get("/bundle")
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = ledgerKey
        let report = r.body.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        let name = "\(remote.server ?? "") ledger \(session.ledgerID)"
        print(json ? ReportRendering.json(report, bundle: name, pinned: ledgerKey != nil) : ReportRendering.text(report, bundle: name, pinned: ledgerKey != nil))
        if !report.intact { throw ExitCode(exitVerificationFailed) }
    }
}

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Issue or revoke aidledgerd API tokens (stored only as hashes).",
        subcommands: [Issue.self, Revoke.self]
    )

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue",
            abstract: "Issue a token for a key enrolled in the ledger; prints the token once.",
            discussion: "The token stands for the key: its role and units are the key's, and revoking the key in the ledger ends the token."
        )
        @OptionGroup var db: DatabaseOptions
        @Option(name: .long, help: "The key's name, e.g. aidledger.example/430626/officer/1.")
        var keyName: String
        @Option(name: .long, help: "A label for the token (who, where).")
        var label: String = ""
        @Option(name: .long, help: "Write the token to this file (mode 0600) instead of printing it.")
        var out: String?

        func run() throws {
            try StoreSession.with(db) { session in
                let ledger = try session.ledger(db)
                let token = try session.store.issueToken(ledger, keyName: keyName, label: label)
                if let out {
                    try Files.write(out, Array((token + "\n").utf8), mode: 0o600)
                    print("token for \(keyName) written to \(out)")
                } else {
                    print(token)
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke every token of a key.")
        @OptionGroup var db: DatabaseOptions
        @Option(name: .long, help: "The key's name.")
        var keyName: String

        func run() throws {
            try StoreSession.with(db) { session in
                let n = try session.store.revokeTokens(try session.ledger(db), keyName: keyName)
                print("revoked \(n) token\(n == 1 ? "" : "s") of \(keyName)")
            }
        }
    }
}

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations (as the schema owner; aidledgerd on a production database does not).",
        discussion: "Each migration runs in its own transaction under an advisory lock; re-running is a no-op. See Deploy/README.md for the upgrade order."
    )
    @OptionGroup var db: DatabaseOptions

    func run() throws {
        try StoreSession.with(db) { session in
            let before = try Migrations.currentVersion(on: session.store.db)
            let applied = try session.store.migrate()
            let after = try Migrations.currentVersion(on: session.store.db)
            print(applied.isEmpty ? "schema is at version \(after); nothing to do" : "schema version \(before) → \(after): applied \(applied.joined(separator: ", "))")
        }
    }
}

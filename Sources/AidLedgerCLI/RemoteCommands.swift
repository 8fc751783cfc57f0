import ArgumentParser
import Foundation
import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore
import LedgerVerify

// The commands that also work against a running aidledgerd: their `--server` halves.

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
        let o = try session.json(try session.get("/entries/\(seq)" + (reveal ? "?reveal=true&purpose=" + (purpose ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics)! : "")))
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
        try session.printReceipt(r, what: "reversed payment \(seq) (\(TextFormat.yuan(amount)) yuan)")
    }
}

extension VerifyCommand {
    /// Fetches the ledger's bundle from the server and verifies it here, with the same verifier as offline.
    func runRemote() throws {
        let session = try ServerSession(remote)
        let r = try session.get("/bundle")
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = ledgerKey
        options.expectedCheckpoints = try keptCheckpoints()
        let report = r.body.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        let name = "\(remote.url ?? "") ledger \(session.ledgerID)"
        print(json ? report.json(source: name, pinned: ledgerKey != nil) : ReportRendering.text(report, bundle: name, pinned: ledgerKey != nil))
        // What only the server can check (its head row, stored openings, access log): its own verification of its
        // database, for the roles that may ask for it (FORMAT.md §14, database checks).
        var databaseIntact = true
        if let answer = try? session.get("/verification"), let o = try? session.json(answer), let intact = o["intact"]?.boolValue {
            databaseIntact = intact
            let codes = Set((o["findings"]?.arrayValue ?? []).compactMap { $0.objectValue?["code"]?.stringValue }).sorted()
            FileHandle.standardError.write(Data(("the server's verification of its database: " + (intact ? "intact" : "FAILED (\(codes.joined(separator: ", ")))") + "\n").utf8))
        }
        if !report.intact || !databaseIntact { throw ExitCode(exitVerificationFailed) }
    }
}


import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "List entries, one line each (no personal data).")

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "First seq.")
    var from: UInt64 = 1

    @Option(name: .long, help: "At most this many entries.")
    var limit: Int = 50

    @Option(name: .long, help: "Only entries of this kind (genesis, key, batch, payment, reversal).")
    var kind: String?

    @OptionGroup var remote: ServerOptions

    func run() throws {
        if remote.url != nil { return try runRemote() }
        let kindFilter: EntryKind?
        if let kind { guard let k = EntryKind(rawValue: kind) else { throw CLIError("unknown kind \(kind)") }; kindFilter = k } else { kindFilter = nil }
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            for (seq, bytes) in try database.store.entries(ledger, from: from, limit: max(1, limit), kind: kindFilter) {
                print(Self.summary(seq: seq, bytes: bytes))
            }
        }
    }

    /// One line about an entry, from its clear fields only.
    static func summary(seq: UInt64, bytes: [UInt8]) -> String {
        guard let entry = try? Entry(decoding: bytes) else { return "\(seq)  (malformed entry; run aidledger verify)" }
        let b = entry.body
        func s(_ k: String) -> String { b[k]?.stringValue ?? "?" }
        let detail: String
        switch entry.kind {
        case .genesis: detail = "suite \(s("suite"))"
        case .access: detail = "commits the access log: \(b["access_log_size"]?.intValue ?? 0) reads of personal values recorded"
        case .key: detail = "\(s("action")) \(b["role"]?.stringValue ?? "") \(b["units"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "") \(s("key").split(separator: "+").first ?? "") by \(s("signer"))"
        case .batch: detail = "\(s("batch_id")) unit \(s("unit")) \(s("program")) \(s("period")) \(b["count"]?.intValue ?? 0) payments \(TextFormat.yuan(b["total_fen"]?.intValue ?? 0)) yuan by \(s("signer"))"
        case .payment: detail = "\(s("batch_id"))#\(b["index"]?.intValue ?? 0) \(s("school_name")) \(s("stage")) \(s("grade")) \(TextFormat.yuan(b["amount_fen"]?.intValue ?? 0)) yuan paid \(s("paid_date"))"
        case .erase: detail = "erases openings of \(b["target"]?.intValue ?? 0): \(b["fields"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? ""), \(s("reason")) by \(s("signer"))"
        case .crosscheck: detail = "cross-check \(s("run")) \(s("period")) unit \(s("unit")): \(b["findings"]?.intValue ?? 0) findings, report \(s("report_sha256").prefix(16))… checked at size \(b["checked_size"]?.intValue ?? 0) by \(s("signer"))"
        case .disposition: detail = "finding \(s("finding")) (\(s("rule")), unit \(s("unit"))): \(s("outcome")), \(s("reason")) by \(s("signer"))"
        case .disclosure: detail = "公示 \(s("publicity_start"))…\(s("publicity_end")) units \(b["units"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? ""), derived at size \(b["derived_size"]?.intValue ?? 0), manifest \(s("manifest_sha256").prefix(16))… for \(s("requested_by"))"
        case .reversal: detail = "reverses \(b["target"]?.intValue ?? 0): \(TextFormat.yuan(b["amount_fen"]?.intValue ?? 0)) yuan, \(s("reason")) by \(s("signer"))"
        }
        return "\(seq)  \(entry.time)  \(TextFormat.pad(entry.kind.rawValue, 8))  \(detail)"
    }
}

import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore

struct ExportBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-bundle",
        abstract: "Write the ledger's bundle (entries and checkpoints, no personal data) for offline verification.",
        discussion: "Reads one consistent snapshot of the ledger. Verify the file elsewhere with `aidledger verify --bundle FILE`."
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Output file.")
    var out: String

    func run() throws {
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let export = try BundleExport.begin(database.store, ledger)
            guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
                throw CLIError("cannot create \(out)")
            }
            defer { try? handle.close() }
            let progress = ProgressLine("exporting \(ledger.origin)")
            try export.write(database.store, to: { try handle.write(contentsOf: $0) }, progress: { progress.update($0, of: $1) })
            try handle.synchronize()
            progress.finish()
            print("wrote \(out): \(ledger.origin), \(export.size) entries, \(export.checkpoints.count) checkpoints")
        }
    }
}

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
        case .key: detail = "\(s("action")) \(b["role"]?.stringValue ?? "") \(b["units"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "") \(s("key").split(separator: "+").first ?? "") by \(s("signer"))"
        case .batch: detail = "\(s("batch_id")) unit \(s("unit")) \(s("program")) \(s("period")) \(b["count"]?.intValue ?? 0) payments \(TextFormat.yuan(b["total_fen"]?.intValue ?? 0)) yuan by \(s("signer"))"
        case .payment: detail = "\(s("batch_id"))#\(b["index"]?.intValue ?? 0) \(s("school_name")) \(s("stage")) \(s("grade")) \(TextFormat.yuan(b["amount_fen"]?.intValue ?? 0)) yuan paid \(s("paid_date"))"
        case .erase: detail = "erases openings of \(b["target"]?.intValue ?? 0): \(b["fields"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? ""), \(s("reason")) by \(s("signer"))"
        case .reversal: detail = "reverses \(b["target"]?.intValue ?? 0): \(TextFormat.yuan(b["amount_fen"]?.intValue ?? 0)) yuan, \(s("reason")) by \(s("signer"))"
        }
        return "\(seq)  \(entry.time)  \(TextFormat.pad(entry.kind.rawValue, 8))  \(detail)"
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one entry as stored, with its hash. Personal values only with --reveal.",
        discussion: "--reveal prints the openings (ID number, name, category, account …) of a payment: personal data; use it only where you are allowed to see them."
    )

    @OptionGroup var db: DatabaseOptions

    @Argument(help: "The seq.")
    var seq: UInt64

    @Flag(name: .long, help: "Also print the personal values behind the payment's commitments.")
    var reveal = false

    @OptionGroup var remote: ServerOptions

    func run() throws {
        if remote.url != nil { return try runRemote() }
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            guard let e = try database.store.entry(ledger, seq: seq) else { throw CLIError("no entry \(seq) in \(ledger.origin)") }
            print("seq \(seq) of \(ledger.origin), kind \(e.kind), hash \(e.hash.hex)")
            print(String(decoding: e.bytes, as: UTF8.self))
            if reveal {
                let openings = try database.store.openings(ledger, seq: seq)
                if openings.isEmpty { print("(no openings stored for this entry)") }
                for o in openings { print("\(o.field): \(o.value)") }
            }
        }
    }
}

struct EraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase the openings (personal values) of a payment, on record: an admin-signed erase entry first, then the deletion.",
        discussion: "The chain stays verifiable: commitments remain, only the salts and values behind them are deleted. Use at the end of retention or on a legal order."
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Seq of the payment.")
    var seq: UInt64

    @Option(name: .long, help: "Comma-separated personal fields (id_number,name,category,cert_type,cert_number,account_number,bank_ref); default: all the payment commits to.")
    var fields: String?

    @Option(name: .long, help: "Why (public: no personal data), e.g. the retention rule or the order's reference.")
    var reason: String

    @OptionGroup var keys: SigningKeyOptions

    func run() throws {
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let chosen = fields.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let r = try LedgerAdministration.erase(database.store, ledger, seq: seq, fields: chosen, reason: reason,
                                                   admin: try keys.admin(db), ledgerKey: try keys.ledger(db, for: ledger, database.store))
            printReceipt(r.receipt, what: "erased \(r.deleted) opening\(r.deleted == 1 ? "" : "s") of payment \(seq) (\(r.fields.map(\.rawValue).joined(separator: ",")))")
        }
    }
}

import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore
import PostgresClient

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
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            let store = session.store
            // One snapshot: the head, the entries up to it and the checkpoints up to it agree.
            try store.db.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            defer { _ = try? store.db.query("COMMIT") }
            let size = try store.head(ledger).size
            let checkpoints = try store.checkpoints(ledger).filter { (try? SignedCheckpoint(parsing: $0).checkpoint.size).map { $0 <= size } ?? true }
            guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
                throw CLIError("cannot create \(out)")
            }
            defer { try? handle.close() }
            var buffer = Array((Bundle.magic + "\n").utf8)
            buffer += CanonicalJSON.encode(.object(["origin": .string(ledger.origin), "suite": .string(ledger.suite.rawValue),
                                                    "entries": .int(Int64(size)), "checkpoints": .int(Int64(checkpoints.count))]))
            buffer.append(0x0a)
            let progress = ProgressLine("exporting \(ledger.origin)")
            var count: UInt64 = 0
            try store.streamEntries(ledger) { seq, bytes in
                guard seq <= size else { return }
                buffer.append(contentsOf: bytes)
                buffer.append(0x0a)
                count += 1
                if buffer.count > 1 << 22 { try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
                if count & 0x3fff == 0 { progress.update(count, of: size) }
            }
            for c in checkpoints { buffer += CanonicalJSON.encode(.string(c)); buffer.append(0x0a) }
            try handle.write(contentsOf: buffer)
            try handle.synchronize()
            progress.finish()
            guard count == size else { throw CLIError("the ledger has \(count) entries but its head says \(size); run `aidledger verify`") }
            print("wrote \(out): \(ledger.origin), \(size) entries, \(checkpoints.count) checkpoints")
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
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            for (seq, bytes) in try session.store.entries(ledger, from: from, limit: max(1, limit), kind: kindFilter) {
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
        case .batch: detail = "\(s("batch_id")) unit \(s("unit")) \(s("program")) \(s("period")) \(b["count"]?.intValue ?? 0) payments \(Format.yuan(b["total_fen"]?.intValue ?? 0)) yuan by \(s("signer"))"
        case .payment: detail = "\(s("batch_id"))#\(b["index"]?.intValue ?? 0) \(s("school_name")) \(s("stage")) \(s("grade")) \(Format.yuan(b["amount_fen"]?.intValue ?? 0)) yuan paid \(s("paid_date"))"
        case .erase: detail = "erases openings of \(b["target"]?.intValue ?? 0): \(b["fields"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? ""), \(s("reason")) by \(s("signer"))"
        case .reversal: detail = "reverses \(b["target"]?.intValue ?? 0): \(Format.yuan(b["amount_fen"]?.intValue ?? 0)) yuan, \(s("reason")) by \(s("signer"))"
        }
        return "\(seq)  \(entry.time)  \(Format.pad(entry.kind.rawValue, 8))  \(detail)"
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
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            guard let e = try session.store.entry(ledger, seq: seq) else { throw CLIError("no entry \(seq) in \(ledger.origin)") }
            print("seq \(seq) of \(ledger.origin), kind \(e.kind), hash \(e.hash.hex)")
            print(String(decoding: e.bytes, as: UTF8.self))
            if reveal {
                let openings = try session.store.openings(ledger, seq: seq)
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
        guard FieldSyntax.isText(reason) else { throw CLIError("--reason must be 1–200 characters without control characters") }
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            let admin = try keys.admin(db)
            let signingKey = try keys.ledger(db, for: ledger)
            guard let target = try session.store.entry(ledger, seq: seq), target.kind == EntryKind.payment.rawValue else {
                throw CLIError("seq \(seq) is not a payment of \(ledger.origin)")
            }
            let payment = try PaymentBody(decoding: try Entry(decoding: target.bytes).body)
            var chosen = Array(payment.commitments.keys).sorted()
            if let fields {
                chosen = []
                for name in fields.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    guard let f = PersonalField(rawValue: name), payment.commitments[f] != nil else { throw CLIError("--fields: payment \(seq) has no commitment named \(name)") }
                    chosen.append(f)
                }
            }
            let now = nowTimestamp()
            let body = try EraseBody.make(target: seq, fields: chosen, reason: reason, origin: ledger.origin, signedAt: now, admin: admin)
            let signed = try EraseBody(decoding: body).signed
            var deleted = 0
            let receipt = try session.store.append(ledger, [.init(kind: .erase, body: body)], time: now, ledgerKey: signingKey, check: { head in
                do {
                    _ = try session.keyState(ledger).authorizeSigned(kind: .erase, origin: ledger.origin, body: body, signed: signed, role: .admin, unit: nil, at: head.size + 1)
                } catch { throw CLIError("refused, nothing written: \(error)") }
            }, afterWrite: {
                // In the same transaction: the record of the erasure and the erasure commit together.
                deleted = try session.store.deleteOpenings(ledger, seqs: [seq], fields: chosen.map(\.rawValue))
            })
            printReceipt(receipt, what: "erased \(deleted) opening\(deleted == 1 ? "" : "s") of payment \(seq) (\(chosen.map(\.rawValue).joined(separator: ",")))")
        }
    }
}

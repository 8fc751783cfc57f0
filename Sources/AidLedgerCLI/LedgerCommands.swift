import ArgumentParser
import Foundation
import LedgerCore
import LedgerImport
import LedgerStore
import LedgerVerify

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the schema and a ledger with its ledger key and first admin key.",
        discussion: "Writes KEY-DIR/ledger.key and KEY-DIR/admin.key (mode 0600; default <data-dir>/keys) unless they exist, then creates the ledger."
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Suite: ed25519-sha256 (default) or sm2-sm3.")
    var suite: String = Suite.ed25519SHA256.rawValue

    @Option(name: .long, help: "Directory for the generated keys (default <data-dir>/keys).")
    var keyDir: String?

    func run() throws {
        guard let origin = db.origin else { throw CLIError("init needs --origin, e.g. --origin aidledger.example/430626") }
        guard VerifierKey.isValidName(origin) else { throw CLIError("the origin must be non-empty and contain no spaces or '+'") }
        guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite); use ed25519-sha256 or sm2-sm3") }
        let directory = keyDir ?? db.keyDirectory
        try Files.makeDirectory(directory)
        func loadOrCreate(_ file: String, name: String) throws -> NamedSigningKey {
            let path = directory + "/" + file
            if FileManager.default.fileExists(atPath: path) {
                let key = try KeyFile.read(path)
                guard key.name == name, key.suite == suite else { throw CLIError("\(path) holds key \(key.name) (\(key.suite.rawValue)), not \(name) (\(suite.rawValue))") }
                return key
            }
            let key = try NamedSigningKey(name: name, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
            try KeyFile.write(key, to: path)
            try Files.write(path + ".vkey", Array((key.verifierKey.description + "\n").utf8))
            return key
        }
        let ledgerKey = try loadOrCreate("ledger.key", name: origin)
        let admin = try loadOrCreate("admin.key", name: origin + "/admin/1")
        try StoreSession.with(db) { session in
            let applied = try session.store.migrate()
            if !applied.isEmpty { print("schema: applied \(applied.joined(separator: ", "))") }
            let (_, receipt) = try session.store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: nowTimestamp())
            print("ledger \(origin) created, suite \(suite.rawValue)")
            print("ledger key  \(ledgerKey.verifierKey)   (publish this: verifiers pin it)")
            print("admin key   \(admin.verifierKey)")
            print("keys in \(directory)/ (mode 0600)")
            printReceipt(receipt, what: "genesis")
        }
    }
}

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enroll", abstract: "Enroll a key (admin-signed): officer, inspector, witness or admin, with its unit scope.")

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "The key to enroll: a vkey string or a .vkey file.")
    var key: String

    @Option(name: .long, help: "Role: officer, inspector, witness or admin.")
    var role: String

    @Option(name: .long, help: "Comma-separated unit codes, or * for every unit.")
    var units: String

    @OptionGroup var keys: SigningKeyOptions

    func run() throws {
        guard let role = Role(rawValue: role) else { throw CLIError("unknown role \(self.role); use officer, inspector, witness or admin") }
        let unitList = units.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !unitList.isEmpty, unitList == [allUnitsScope] || unitList.allSatisfy(FieldSyntax.isToken) else {
            throw CLIError("--units must be unit codes separated by commas, or *")
        }
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            let subject = try readVerifierKey(key, suite: ledger.suite)
            let admin = try keys.admin(db)
            let signingKey = try keys.ledger(db, for: ledger)
            let now = nowTimestamp()
            let body = try KeyBody.enroll(subject, role: role, units: unitList, origin: ledger.origin, signedAt: now, admin: admin)
            let receipt = try appendKeyEntry(body, session: session, ledger: ledger, time: now, ledgerKey: signingKey)
            printReceipt(receipt, what: "enrolled \(subject.name) as \(role.rawValue) for \(unitList.joined(separator: ","))")
        }
    }
}

struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key (admin-signed), with a reason.")

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "The key to revoke: a vkey string or a .vkey file.")
    var key: String

    @Option(name: .long, help: "Why (public: no personal data).")
    var reason: String

    @OptionGroup var keys: SigningKeyOptions

    func run() throws {
        guard FieldSyntax.isText(reason) else { throw CLIError("--reason must be 1–200 characters without control characters") }
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            let subject = try readVerifierKey(key, suite: ledger.suite)
            let admin = try keys.admin(db)
            let signingKey = try keys.ledger(db, for: ledger)
            let now = nowTimestamp()
            let body = try KeyBody.revoke(subject, reason: reason, origin: ledger.origin, signedAt: now, admin: admin)
            let receipt = try appendKeyEntry(body, session: session, ledger: ledger, time: now, ledgerKey: signingKey)
            printReceipt(receipt, what: "revoked \(subject.name)")
        }
    }
}

/// Appends a signed `key` entry after checking, on the locked head, that it is valid at its seq (admin
/// authorization and signature, enrolment or revocation rules), exactly as a verifier will.
func appendKeyEntry(_ body: JSONObject, session: StoreSession, ledger: LedgerRecord, time: String, ledgerKey: NamedSigningKey) throws -> Receipt {
    let decoded = try KeyBody(decoding: body, suite: ledger.suite)
    return try session.store.append(ledger, [.init(kind: .key, body: body)], time: time, ledgerKey: ledgerKey) { head in
        var registry = try session.keyState(ledger)
        do { try registry.apply(decoded, rawBody: body, origin: ledger.origin, at: head.size + 1) } catch {
            throw CLIError("refused: \(error)")
        }
    }
}

func readVerifierKey(_ text: String, suite: Suite) throws -> VerifierKey {
    var value = text
    if FileManager.default.fileExists(atPath: text) {
        value = String(decoding: try Files.read(text), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    do { return try VerifierKey(parsing: value, suite: suite) } catch { throw CLIError("--key: \(error.message)") }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a payment-batch CSV as one officer-signed batch.",
        discussion: """
            Columns (Chinese or English headers, any order): id_number 身份证号, name 姓名, unit 区县代码, school_code 学校代码, \
            school_name 学校名称, stage 学段, grade 年级, boarding 是否寄宿, category 困难类型, cert_type 证件类型, \
            cert_number 证件号码, program 资助项目, period 学期, amount 金额(元) or amount_fen 金额(分), account_type 账户类型, \
            account_number 账号, paid_date 发放日期, bank_ref 银行流水号. Every row is validated; a file with any bad row is \
            rejected whole (each problem as file:line:column: field: why) and nothing is written. The batch id defaults to \
            one derived from the file's content, so importing the same file twice is refused rather than paid twice.
            """
    )

    @OptionGroup var db: DatabaseOptions

    @OptionGroup var batchFile: BatchFileOptions

    @OptionGroup var keys: SigningKeyOptions

    func run() throws {
        let phase = PhaseLine()
        phase.begin("validating \(batchFile.file)")
        let (_, parsed, id) = try batchFile.read(whatHappens: "nothing written")
        phase.end("validated \(Format.grouped(Int64(parsed.items.count))) rows of \(batchFile.file)")
        let officer = try KeyFile.read(batchFile.officerKey)
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            guard officer.suite == ledger.suite else { throw CLIError("the officer key is \(officer.suite.rawValue), the ledger is \(ledger.suite.rawValue)") }
            let signingKey = try keys.ledger(db, for: ledger)
            let now = nowTimestamp()
            phase.begin("preparing and signing \(Format.grouped(Int64(parsed.items.count))) payments")
            let prepared = try BatchBuilder.prepare(batchID: id, program: parsed.program, period: parsed.period, unit: parsed.unit, items: parsed.items,
                                                    origin: ledger.origin, signedAt: now, officer: officer)
            phase.end("signed batch \(id)")
            phase.begin("appending to \(ledger.origin)")
            defer { phase.end("appended") }
            // The daemon's path and checks: signer, role, scope and signature on the locked head; the batch id unused.
            let receipt = try session.appendChecked(.batch(prepared), to: ledger, time: now, ledgerKey: signingKey)
            print("batch \(id): \(parsed.items.count) payments, \(Format.yuan(parsed.totalFen)) yuan, unit \(parsed.unit), \(parsed.program), \(parsed.period)")
            printReceipt(receipt, what: "imported")
        }
    }
}

struct ReverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reverse", abstract: "Reverse one payment (officer-signed), with a reason. The payment itself is never edited.")

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Seq of the payment to reverse.")
    var seq: UInt64

    @Option(name: .long, help: "Why (public: no personal data).")
    var reason: String

    @Option(name: .long, help: "The officer's key file.")
    var officerKey: String

    @OptionGroup var keys: SigningKeyOptions

    @OptionGroup var remote: ServerOptions

    func run() throws {
        guard FieldSyntax.isText(reason) else { throw CLIError("--reason must be 1–200 characters without control characters") }
        let officer = try KeyFile.read(officerKey)
        if remote.url != nil { return try runRemote(officer: officer) }
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            let signingKey = try keys.ledger(db, for: ledger)
            guard let target = try session.store.entry(ledger, seq: seq), target.kind == EntryKind.payment.rawValue else {
                throw CLIError("seq \(seq) is not a payment of \(ledger.origin)")
            }
            let payment = try PaymentBody(decoding: try Entry(decoding: target.bytes).body)
            let now = nowTimestamp()
            let body = try ReversalBody.make(target: seq, targetHash: target.hash, amountFen: payment.amountFen, reason: reason,
                                             origin: ledger.origin, signedAt: now, officer: officer)
            // The daemon's path and checks: signer, role, scope and signature on the locked head, target hash and
            // amount, not reversed before.
            let receipt = try session.appendChecked(.reversal(body), to: ledger, time: now, ledgerKey: signingKey)
            printReceipt(receipt, what: "reversed payment \(seq) (\(Format.yuan(payment.amountFen)) yuan)")
        }
    }
}

/// The officer's batch file and how it becomes a batch: shared by `import` and `submit`.
struct BatchFileOptions: ParsableArguments {
    @Argument(help: "The CSV file (UTF-8, with or without BOM).")
    var file: String

    @Option(name: .long, help: "The officer's key file.")
    var officerKey: String

    @Option(name: .long, help: "Batch id (default: <unit>-<period>-<first 12 hex digits of SHA-256 of the file>).")
    var batchID: String?

    @Flag(name: .long, help: "Accept columns aidledger does not know (they are ignored).")
    var ignoreUnknownColumns = false

    /// The file's bytes, its validated rows and the batch id. A file with any bad row is rejected whole.
    func read(whatHappens: String) throws -> (data: [UInt8], parsed: PaymentFile, batchID: String) {
        let data = try Files.read(file)
        let parsed: PaymentFile
        do { parsed = try data.withUnsafeBytes { raw in try PaymentCSV.read(raw, file: file, ignoreUnknownColumns: ignoreUnknownColumns) } } catch let rejection as PaymentCSV.Rejection {
            throw CLIError("\(file) rejected, \(whatHappens) (\(rejection.errors.count)\(rejection.truncated ? "+" : "") problem\(rejection.errors.count == 1 ? "" : "s")):\n" + rejection.description)
        }
        let digest = try HashFunction(.sha256).hash(Array(data)).hex
        let id = batchID ?? "\(parsed.unit)-\(parsed.period)-\(digest.prefix(12))"
        guard FieldSyntax.isToken(id) else { throw CLIError("--batch-id must be 1–64 of A–Z a–z 0–9 . _ : / -") }
        return (Array(data), parsed, id)
    }
}

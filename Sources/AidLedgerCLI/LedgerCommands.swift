import ArgumentParser
import Foundation
import LedgerCore
import LedgerImport
import LedgerCrypto
import LedgerServices
import LedgerStore

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
        guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite); use ed25519-sha256 or sm2-sm3") }
        let directory = keyDir ?? db.keyDirectory
        try db.open { database in
            let created = try LedgerAdministration.createLedger(database.store, origin: origin, suite: suite, keyDirectory: directory)
            if !created.migrated.isEmpty { print("schema: applied \(created.migrated.joined(separator: ", "))") }
            print("ledger \(origin) created, suite \(suite.rawValue)")
            print("ledger key  \(created.ledgerKey.verifierKey)   (publish this: verifiers pin it)")
            print("admin key   \(created.admin.verifierKey)")
            print("keys and the person-key secret in \(directory)/ (mode 0600)")
            printReceipt(created.receipt, what: "genesis")
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
        let unitList = units.split(separator: ",").map(String.init)
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let subject = try readVerifierKey(key, suite: ledger.suite)
            let receipt = try LedgerAdministration.enroll(database.store, ledger, subject: subject, role: role, units: unitList,
                                                          admin: try keys.admin(db), ledgerKey: try keys.ledger(db, for: ledger, database.store))
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
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let subject = try readVerifierKey(key, suite: ledger.suite)
            let receipt = try LedgerAdministration.revoke(database.store, ledger, subject: subject, reason: reason,
                                                          admin: try keys.admin(db), ledgerKey: try keys.ledger(db, for: ledger, database.store))
            printReceipt(receipt, what: "revoked \(subject.name)")
        }
    }
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
        let file = try batchFile.read(whatHappens: "nothing written")
        phase.end("validated \(TextFormat.grouped(Int64(file.parsed.items.count))) rows of \(batchFile.file)")
        let officer = try KeyFile.read(batchFile.officerKey)
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let ledgerKey = try keys.ledger(db, for: ledger, database.store)
            phase.begin("signing and appending \(TextFormat.grouped(Int64(file.parsed.items.count))) payments to \(ledger.origin)")
            // The daemon's checks: signer, role, scope and signature, batch id, no person paid twice for the
            // programme and period — the one admission decision, on the locked head.
            let result = try Submissions.importBatch(database.store, ledger, file: file.parsed, batchID: file.batchID, officer: officer,
                                                     ledgerKey: ledgerKey, personKeys: try keys.personKeys(db))
            phase.end("appended")
            if result.duplicate { print("already in the ledger (same batch id and content): the original receipt") }
            let p = file.parsed
            print("batch \(file.batchID): \(p.items.count) payments, \(TextFormat.yuan(p.totalFen)) yuan, unit \(p.unit), \(p.program), \(p.period)")
            printReceipt(result.receipt, what: result.duplicate ? "already imported" : "imported")
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
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let ledgerKey = try keys.ledger(db, for: ledger, database.store)
            // The daemon's checks: target hash and amount, not reversed before, signer, role, scope, signature.
            let r = try Submissions.reverse(database.store, ledger, seq: seq, reason: reason, officer: officer, ledgerKey: ledgerKey)
            printReceipt(r.receipt, what: "reversed payment \(seq) (\(TextFormat.yuan(r.amountFen)) yuan)")
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

    /// The file, validated, and its batch id. A file with any bad row is rejected whole.
    func read(whatHappens: String) throws -> BatchFile {
        try BatchFile(path: file, batchID: batchID, ignoreUnknownColumns: ignoreUnknownColumns, whatHappens: whatHappens)
    }
}

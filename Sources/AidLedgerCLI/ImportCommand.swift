import ArgumentParser
import Foundation
import LedgerCore
import LedgerImport
import LedgerCrypto
import LedgerServices
import LedgerStore

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

    @OptionGroup var keys: LedgerKeyOptions

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

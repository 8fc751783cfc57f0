import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import LedgerServices
import LedgerStore

struct DiscloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclose",
        abstract: "Publish a 公示 (public disclosure): the per-person list and the aggregates as CSV, XLSX and HTML, a signed manifest and the public bundle.",
        discussion: """
            The ledger is verified first (nothing is published from a ledger that does not verify); its payments in the \
            scope (--unit, --school, --program, --period; each repeatable, none = all) up to its head are listed with \
            masked names (张*, 张*明) and no ID number, account, certificate, address, phone or difficulty category; \
            categories are only counted, in categories.*, with cells under --threshold people suppressed. Reading the \
            names and categories is recorded in the ledger's access log. The manifest (sizes and SHA-256 of every file, \
            the checkpoint the export was derived from, the request and the 公示 period) is signed by the ledger key and \
            recorded as a disclosure entry in the ledger. The directory (default <data-dir>/disclosures/<id>, which \
            aidledgerd serves at /v1/disclosures) holds everything the public needs for `aidledger verify-disclosure`.
            """
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "A unit code in scope (repeatable; default: every unit).")
    var unit: [String] = []

    @Option(name: .long, help: "A school code in scope (repeatable; default: every school).")
    var school: [String] = []

    @Option(name: .long, help: "A programme in scope, as the ledger writes it, e.g. 寄宿生生活补助 (repeatable; default: every programme).")
    var program: [String] = []

    @Option(name: .long, help: "A period in scope, e.g. 2025-autumn (repeatable; default: every period).")
    var period: [String] = []

    @Option(name: .long, help: "The title printed on every file, e.g. 平江县2025年秋季学期学生资助公示.")
    var title: String

    @Option(name: .long, help: "First day of the 公示 period, YYYY-MM-DD.")
    var from: String

    @Option(name: .long, help: "Last day of the 公示 period, YYYY-MM-DD (at least --min-working-days working days after --from).")
    var to: String

    @Option(name: .long, help: "Where the public complains: an office and its telephone, e.g. 县教育局学生资助中心 0730-1234567.")
    var contact: String

    @Option(name: .long, help: "Category cells with fewer people than this are suppressed (default 5, at least 3). The category table counts every school and programme of the units and periods: --school and --program do not narrow it.")
    var threshold: Int = 5

    @Option(name: .long, help: "The shortest 公示 period accepted, in working days (default 5).")
    var minWorkingDays: Int = 5

    @Option(name: .long, help: "A working-day calendar (date,kind with kind holiday or workday; default: the 2025–2026 State Council calendar built in).")
    var calendar: String?

    @Option(name: .long, help: "The directory the export's directory is made in (default <data-dir>/disclosures, which aidledgerd serves; <data-dir>/disclosure-previews with --dry-run).")
    var out: String?

    @Flag(name: .long, help: "Write the files and an unrecorded manifest for review (under <data-dir>/disclosure-previews); nothing is appended to the ledger, and the daemon does not serve it.")
    var dryRun = false

    @OptionGroup var keys: LedgerKeyOptions

    func run() throws {
        let request = DisclosureRequest(units: unit, schools: school, programs: program, periods: period, title: title,
                                        publicityStart: from, publicityEnd: to, contact: contact)
        let export = DisclosureExportRequest(request: request, threshold: threshold, minimumWorkingDays: minWorkingDays, calendarFile: calendar, dryRun: dryRun)
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let ledgerKey = try keys.ledger(db, for: ledger, database.store)
            let phase = PhaseLine()
            let outcome = try DisclosureExports.publish(database.store, ledger, export, ledgerKey: ledgerKey, principal: PersonalReads.localPrincipal(),
                                                        directory: out ?? db.dataDir + (dryRun ? "/disclosure-previews" : "/disclosures")) { phase.begin($0) }
            phase.end("written")
            let m = outcome.manifest
            print("公示 \(outcome.id): \(m.summary.payments) rows (\(m.summary.paid) paid, \(m.summary.reversed) reversed), \(TextFormat.yuan(m.summary.paidFen)) yuan, derived from checkpoint \(m.checkpointSize) of \(m.origin)")
            print("公示期 \(m.request.publicityStart) … \(m.request.publicityEnd) (\(m.workingDays) working days)")
            if let receipt = outcome.receipt {
                print("recorded as disclosure entry \(receipt.firstSeq) (manifest SHA-256 \((try? m.sha256)?.hex ?? ""))")
            } else {
                print("dry run: NOT recorded in the ledger and not for publication")
            }
            print("files in \(outcome.directory); check them with: aidledger verify-disclosure \(outcome.directory)")
        }
    }
}

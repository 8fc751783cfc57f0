import ArgumentParser
import LedgerServices

struct VerifyDisclosureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-disclosure",
        abstract: "Check a published 公示 bundle offline: the lists and tables against the ledger's entries (no personal data).",
        discussion: """
            DIR holds the export's files (list, totals and categories as CSV, XLSX and HTML), its signed manifest.note \
            and ledger.bundle (the ledger's entries up to the manifest's checkpoint). Checks that the manifest is signed by \
            the ledger key, that the bundle verifies, that every file is the one the manifest names, that every row of \
            list.csv is a payment of the ledger with the same unit, school, grade, programme, period and amount, that no \
            payment in scope is missing, that reversed payments are shown as 已冲销, and that totals.csv and \
            categories.csv are the sums of the list (docs/FORMAT.md §18). Exits 0 when intact, 1 when a problem is found \
            (each with its file, line, column and why), 2 when the directory cannot be read or is not a public bundle.
            """
    )

    @Argument(help: "The directory of the public bundle.")
    var directory: String

    @Option(name: .long, help: "The ledger key you trust (vkey form name+id+key, or a file holding it). Without it the bundle's genesis key is used.")
    var ledgerKey: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let key = try ledgerKey.map { try DisclosureVerification.ledgerKey(argument: $0) }
        let result = try DisclosureVerification.verify(directory: directory, trustedLedgerKey: key)
        print(json ? result.json : result.text)
        if !result.intact { throw ExitCode(exitVerificationFailed) }
    }
}

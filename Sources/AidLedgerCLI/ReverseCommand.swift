import ArgumentParser
import Foundation
import LedgerCore
import LedgerImport
import LedgerCrypto
import LedgerServices
import LedgerStore

struct ReverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reverse", abstract: "Reverse one payment (officer-signed), with a reason. The payment itself is never edited.")

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Seq of the payment to reverse.")
    var seq: UInt64

    @Option(name: .long, help: "Why (public: no personal data).")
    var reason: String

    @Option(name: .long, help: "The officer's key file.")
    var officerKey: String

    @OptionGroup var keys: LedgerKeyOptions

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

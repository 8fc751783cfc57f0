import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore

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

    @OptionGroup var keys: LedgerKeyOptions

    @OptionGroup var adminKeys: AdminKeyOptions

    func run() throws {
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let chosen = fields.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let r = try LedgerAdministration.erase(database.store, ledger, seq: seq, fields: chosen, reason: reason,
                                                   admin: try adminKeys.admin(db), ledgerKey: try keys.ledger(db, for: ledger, database.store))
            printReceipt(r.receipt, what: "erased \(r.deleted) opening\(r.deleted == 1 ? "" : "s") of payment \(seq) (\(r.fields.map(\.rawValue).joined(separator: ",")))")
        }
    }
}

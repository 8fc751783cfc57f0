import ArgumentParser
import Foundation
import LedgerCore
import LedgerImport
import LedgerCrypto
import LedgerServices
import LedgerStore

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enroll", abstract: "Enroll a key (admin-signed): officer, inspector, witness or admin, with its unit scope.")

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "The key to enroll: a vkey string or a .vkey file.")
    var key: String

    @Option(name: .long, help: "Role: officer, inspector, witness or admin.")
    var role: String

    @Option(name: .long, help: "Comma-separated unit codes, or * for every unit.")
    var units: String

    @OptionGroup var keys: LedgerKeyOptions

    @OptionGroup var adminKeys: AdminKeyOptions

    func run() throws {
        guard let role = Role(rawValue: role) else { throw CLIError("unknown role \(self.role); use officer, inspector, witness or admin") }
        let unitList = units.split(separator: ",").map(String.init)
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let subject = try readVerifierKey(key, suite: ledger.suite)
            let receipt = try LedgerAdministration.enroll(database.store, ledger, subject: subject, role: role, units: unitList,
                                                          admin: try adminKeys.admin(db), ledgerKey: try keys.ledger(db, for: ledger, database.store))
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

    @OptionGroup var keys: LedgerKeyOptions

    @OptionGroup var adminKeys: AdminKeyOptions

    func run() throws {
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let subject = try readVerifierKey(key, suite: ledger.suite)
            let receipt = try LedgerAdministration.revoke(database.store, ledger, subject: subject, reason: reason,
                                                          admin: try adminKeys.admin(db), ledgerKey: try keys.ledger(db, for: ledger, database.store))
            printReceipt(receipt, what: "revoked \(subject.name)")
        }
    }
}

import ArgumentParser
import LedgerServices
import LedgerStore

struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Bring a ledger its appends refuse back to its last checkpoint signed by its ledger key (schema owner).",
        discussion: """
            When rows were written into the ledger's tables outside its append path (e.g. a fabricated append with a \
            checkpoint no valid signature covers), appends answer [ledger-inconsistent]. This finds the largest stored \
            checkpoint validly signed by the ledger key whose root matches the stored entries, removes every row above \
            it (entries, checkpoints, openings, claims, batch ids) and sets the head there. Nothing the ledger key \
            signed is removed. Run `aidledger verify` before (to see what is wrong) and after; run it as the schema \
            owner (it switches the tables' triggers off inside its one transaction), with the daemons stopped.
            """
    )

    @OptionGroup var db: DatabaseOptions

    func run() throws {
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let r = try LedgerAdministration.repair(database.store, ledger)
            if let removed = r.removed {
                print("repaired \(ledger.origin): removed entries \(removed.lowerBound)…\(removed.upperBound), which no checkpoint signed by its ledger key covers; the head is at \(r.size)")
            } else {
                print("\(ledger.origin) is at its last signed checkpoint (size \(r.size)): nothing to repair")
            }
        }
    }
}

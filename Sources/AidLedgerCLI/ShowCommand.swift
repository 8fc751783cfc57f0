import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore

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
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            guard let e = try database.store.entry(ledger, seq: seq) else { throw CLIError("no entry \(seq) in \(ledger.origin)") }
            print("seq \(seq) of \(ledger.origin), kind \(e.kind), hash \(e.hash.hex)")
            print(String(decoding: e.bytes, as: UTF8.self))
            if reveal {
                let openings = try database.store.openings(ledger, seq: seq)
                if openings.isEmpty { print("(no openings stored for this entry)") }
                for o in openings { print("\(o.field): \(o.value)") }
            }
        }
    }
}

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
        discussion: """
            --reveal prints the openings (ID number, name, category, account …) of a payment: personal data; use it \
            only where you are allowed to see them. It needs --purpose, and the read is recorded in the ledger's access \
            log (with the database: as local:<user>; through --server: as the token's key). Each opening is checked \
            against the payment's commitment first: an altered one is an error, never shown.
            """
    )

    @OptionGroup var db: DatabaseOptions

    @Argument(help: "The seq.")
    var seq: UInt64

    @Flag(name: .long, help: "Also print the personal values behind the payment's commitments (needs --purpose; recorded).")
    var reveal = false

    @Option(name: .long, help: "Why the personal values are read (recorded in the access log with the read).")
    var purpose: String?

    func validate() throws {
        if reveal, (purpose ?? "").isEmpty { throw ValidationError("--reveal needs --purpose TEXT: why the personal values are read (recorded in the access log)") }
        if !reveal, purpose != nil { throw ValidationError("--purpose goes with --reveal") }
    }

    @OptionGroup var remote: ServerOptions

    func run() throws {
        if remote.url != nil { return try runRemote() }
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            guard let e = try database.store.entry(ledger, seq: seq) else { throw CLIError("no entry \(seq) in \(ledger.origin)") }
            // Checked and recorded before anything is printed.
            let revealed = reveal ? try PersonalReads.reveal(database.store, ledger, seq: seq, principal: PersonalReads.localPrincipal(),
                                                             purpose: purpose ?? "") { _ in } : nil
            print("seq \(seq) of \(ledger.origin), kind \(e.kind), hash \(e.hash.hex)")
            print(String(decoding: e.bytes, as: UTF8.self))
            if let revealed {
                if revealed.openings.isEmpty { print("(no openings stored for this entry)") }
                for o in revealed.openings { print("\(o.field): \(o.value)") }
            }
        }
    }
}

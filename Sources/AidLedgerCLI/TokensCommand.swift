import ArgumentParser
import Foundation
import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore
import LedgerVerify

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Issue or revoke aidledgerd API tokens (stored only as hashes).",
        subcommands: [Issue.self, Revoke.self]
    )

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue",
            abstract: "Issue a token for a key enrolled in the ledger; prints the token once.",
            discussion: "The token stands for the key: its role and units are the key's, and revoking the key in the ledger ends the token."
        )
        @OptionGroup var db: DatabaseOptions
        @Option(name: .long, help: "The key's name, e.g. aidledger.example/430626/officer/1.")
        var keyName: String
        @Option(name: .long, help: "A label for the token (who, where).")
        var label: String = ""
        @Option(name: .long, help: "Write the token to this file (mode 0600) instead of printing it.")
        var out: String?

        func run() throws {
            try db.open { database in
                let ledger = try database.ledger(origin: db.origin)
                let token = try LedgerAdministration.issueToken(database.store, ledger, keyName: keyName, label: label, file: out)
                if let out {
                    print("token for \(keyName) written to \(out)")
                } else {
                    print(token)
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke every token of a key.")
        @OptionGroup var db: DatabaseOptions
        @Option(name: .long, help: "The key's name.")
        var keyName: String

        func run() throws {
            try db.open { database in
                let n = try database.store.revokeTokens(try database.ledger(origin: db.origin), keyName: keyName)
                print("revoked \(n) token\(n == 1 ? "" : "s") of \(keyName)")
            }
        }
    }
}


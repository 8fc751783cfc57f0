import ArgumentParser
import Foundation
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
            categories.csv are the sums of the list (docs/FORMAT.md §18). Only regular files are read: a symbolic link, \
            FIFO, device or directory in place of a file is a problem, and a file whose size is not the manifest's is \
            not read. Without --ledger-key the signatures are checked only against the key the bundle itself names, \
            which anyone can make: pin the bureau's published key (GET /v1/ledgers/{id}/keys, or its ledger.key.vkey). \
            Exits 0 when intact, 1 when a problem is found (each with its file, line, column and why), 2 when the \
            directory cannot be opened or its manifest.note or ledger.bundle cannot be read as a regular file.
            """
    )

    @Argument(help: "The directory of the public bundle.")
    var directory: String

    @Option(name: .long, help: "The bureau's ledger key to pin (vkey form name+id+key, or a file holding it). Without it the signatures are checked only against the key the bundle itself names.")
    var ledgerKey: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let key = try ledgerKey.map { try DisclosureVerification.ledgerKey(argument: $0, path: Self.rawArgument($0)) }
        let result = try DisclosureVerification.verify(directory: directory, path: Self.rawArgument(directory), trustedLedgerKey: key)
        print(json ? result.json : result.text)
        if !result.ledgerKeyPinned {
            FileHandle.standardError.write(Data("aidledger: warning: the ledger key was not pinned (no --ledger-key): the signatures were checked only against the key the bundle itself names\n".utf8))
        }
        if !result.intact { throw ExitCode(exitVerificationFailed) }
    }

    /// The bytes of a command-line argument as given. `CommandLine.arguments` replaces bytes that are not UTF-8
    /// (a path byte `\xff`) by U+FFFD, which names another file; when `argument` holds one, the argv entry that
    /// decodes to it is taken. Nil when the argument's UTF-8 is its bytes.
    static func rawArgument(_ argument: String) -> [UInt8]? {
        guard argument.unicodeScalars.contains("\u{FFFD}") else { return nil }
        for i in 1..<max(1, Int(CommandLine.argc)) {
            guard let p = CommandLine.unsafeArgv[i] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: p, count: strlen(p))).map { UInt8(bitPattern: $0) }
            if String(decoding: bytes, as: UTF8.self) == argument { return bytes }
        }
        return nil
    }
}

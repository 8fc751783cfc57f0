import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore

struct ExportBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-bundle",
        abstract: "Write the ledger's bundle (entries and checkpoints, no personal data) for offline verification.",
        discussion: "Reads one consistent snapshot of the ledger. Verify the file elsewhere with `aidledger verify --bundle FILE`."
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Output file.")
    var out: String

    func run() throws {
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let export = try BundleExport.begin(database.store, ledger)
            guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
                throw CLIError("cannot create \(out)")
            }
            defer { try? handle.close() }
            let progress = ProgressLine("exporting \(ledger.origin)")
            try export.write(database.store, to: { try handle.write(contentsOf: $0) }, progress: { progress.update($0, of: $1) })
            try handle.synchronize()
            progress.finish()
            print("wrote \(out): \(ledger.origin), \(export.size) entries, \(export.checkpoints.count) checkpoints")
        }
    }
}

import ArgumentParser
import Foundation
import LedgerCore
import LedgerSamples
import LedgerServices
import LedgerStore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the embedded default: a ledger, a generated payment batch imported by an officer, verification.",
        discussion: """
            Uses the embedded PostgreSQL under --data-dir (default ./.aidledger). On first use it creates the ledger \
            aidledger.example/430626 with its keys and enrolls an officer; every run writes a generated CSV batch \
            (invented people) to <data-dir>/demo/, imports it and verifies the whole ledger from the database. \
            (An offline demo bundle, with no database: `aidledger-dev demo-bundle`.)
            """
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Suite: ed25519-sha256 (default) or sm2-sm3.")
    var suite: String = Suite.ed25519SHA256.rawValue

    @Option(name: .long, help: "Payments in each of the three batches.")
    var payments: Int = 1000

    @Option(name: .long, help: "Seed for the generated data.")
    var seed: UInt64 = 2026

    func run() throws {
        guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite); use ed25519-sha256 or sm2-sm3") }
        guard payments >= 1, payments <= 1_000_000 else { throw CLIError("--payments must be between 1 and 1000000") }
        try runWithDatabase(suite)
    }

    func runWithDatabase(_ suite: Suite) throws {
        let origin = db.origin ?? "aidledger.example/\(Sample.homeUnit)"
        var common = ["--data-dir", db.dataDir, "--origin", origin]
        if let database = db.database { common += ["--database", database] }
        let officerKeyPath = db.keyDirectory + "/officer-1.key"
        // One session to see what exists; the steps below are the ordinary commands.
        let (exists, size) = try db.open { database -> (Bool, UInt64) in
            try database.store.migrate()
            guard let ledger = try? database.store.ledger(origin: origin) else { return (false, 0) }
            return (true, try database.store.head(ledger).size)
        }
        if !exists {
            print("== aidledger init --origin \(origin)")
            try InitCommand.parse(common + ["--suite", suite.rawValue]).run()
            if !FileManager.default.fileExists(atPath: officerKeyPath) {
                print("\n== aidledger keys generate (an officer for unit \(Sample.homeUnit))")
                try KeysCommand.Generate.parse(["--name", origin + "/officer/1", "--suite", suite.rawValue, "--out", officerKeyPath]).run()
            }
            print("\n== aidledger keys enroll --role officer --units \(Sample.homeUnit)")
            try EnrollCommand.parse(common + ["--key", officerKeyPath + ".vkey", "--role", "officer", "--units", Sample.homeUnit]).run()
        }
        try Files.makeDirectory(db.dataDir + "/demo")
        let csvPath = db.dataDir + "/demo/batch-\(size + 1).csv"
        try Files.write(csvPath, Array(DemoCSV.batch(count: payments, unit: Sample.homeUnit, seed: seed, firstPerson: size).utf8), mode: 0o600)
        print("\n== aidledger import \(csvPath) (\(payments) generated payments)")
        try ImportCommand.parse(common + [csvPath, "--officer-key", officerKeyPath]).run()
        let vkey = (try? String(contentsOfFile: db.keyDirectory + "/ledger.key.vkey", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        print("\n== aidledger verify" + (vkey == nil ? "" : " --ledger-key <the published ledger key>"))
        try VerifyCommand.parse(common + (vkey.map { ["--ledger-key", $0] } ?? [])).run()
        print("""

            Try next:
              aidledger log --data-dir \(db.dataDir) --limit 10
              aidledger show 5 --data-dir \(db.dataDir)             (add --reveal for the personal values)
              aidledger export-bundle --data-dir \(db.dataDir) --out ledger.bundle && aidledger verify --bundle ledger.bundle
            """)
    }
}

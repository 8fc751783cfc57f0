import ArgumentParser
import Foundation
import LedgerCore
import LedgerDemo
import LedgerVerify

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the embedded default: a ledger, a generated payment batch imported by an officer, verification.",
        discussion: """
            Uses the embedded PostgreSQL under --data-dir (default ./.aidledger). On first use it creates the ledger \
            aidledger.example/430626 with its keys and enrolls an officer; every run writes a generated CSV batch \
            (invented people) to <data-dir>/demo/, imports it and verifies the whole ledger from the database. \
            With --offline it instead builds a bundle file under --out and verifies that, with no database.
            """
    )

    @OptionGroup var db: DatabaseOptions

    @Flag(name: .long, help: "Build an offline demo bundle under --out instead (no database).")
    var offline = false

    @Option(name: .long, help: "Output directory for --offline.")
    var out: String = "demo"

    @Option(name: .long, help: "Suite: ed25519-sha256 (default) or sm2-sm3.")
    var suite: String = Suite.ed25519SHA256.rawValue

    @Option(name: .long, help: "Payments in each of the three batches.")
    var payments: Int = 1000

    @Option(name: .long, help: "Seed for the generated data.")
    var seed: UInt64 = 2026

    func run() throws {
        guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite); use ed25519-sha256 or sm2-sm3") }
        guard payments >= 1, payments <= 1_000_000 else { throw CLIError("--payments must be between 1 and 1000000") }
        if offline { try runOffline(suite) } else { try runWithDatabase(suite) }
    }

    func runWithDatabase(_ suite: Suite) throws {
        let origin = db.origin ?? "aidledger.example/\(DemoScenario.homeUnit)"
        var common = ["--data-dir", db.dataDir, "--origin", origin]
        if let database = db.database { common += ["--database", database] }
        let officerKeyPath = db.keyDirectory + "/officer-1.key"
        // One session to see what exists; the steps below are the ordinary commands.
        let (exists, size) = try StoreSession.with(db) { session -> (Bool, UInt64) in
            try session.store.migrate()
            guard let ledger = try? session.store.ledger(origin: origin) else { return (false, 0) }
            return (true, try session.store.head(ledger).size)
        }
        if !exists {
            print("== aidledger init --origin \(origin)")
            try InitCommand.parse(common + ["--suite", suite.rawValue]).run()
            if !FileManager.default.fileExists(atPath: officerKeyPath) {
                print("\n== aidledger keys generate (an officer for unit \(DemoScenario.homeUnit))")
                try KeysCommand.Generate.parse(["--name", origin + "/officer/1", "--suite", suite.rawValue, "--out", officerKeyPath]).run()
            }
            print("\n== aidledger keys enroll --role officer --units \(DemoScenario.homeUnit)")
            try EnrollCommand.parse(common + ["--key", officerKeyPath + ".vkey", "--role", "officer", "--units", DemoScenario.homeUnit]).run()
        }
        try Files.makeDirectory(db.dataDir + "/demo")
        let csvPath = db.dataDir + "/demo/batch-\(size + 1).csv"
        try Files.write(csvPath, Array(DemoCSV.batch(count: payments, unit: DemoScenario.homeUnit, seed: seed &+ size).utf8), mode: 0o600)
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

    func runOffline(_ suite: Suite) throws {
        let scenario = try DemoScenario.build(suite: suite, paymentsPerBatch: payments, seed: seed)
        let ledger = scenario.ledger
        try Files.makeDirectory(out)
        try Files.makeDirectory(out + "/keys")
        let bundlePath = out + "/ledger.bundle", openingsPath = out + "/openings.jsonl"
        try Files.write(bundlePath, ledger.bundle())
        try Files.write(openingsPath, ledger.openingsFile(), mode: 0o600)
        try Files.write(out + "/ledger.vkey", Array((ledger.ledgerKey.verifierKey.description + "\n").utf8))
        for (file, key) in [("ledger.key", ledger.ledgerKey), ("admin.key", ledger.admin), ("officer-1.key", scenario.officers[0]),
                            ("officer-2.key", scenario.officers[1]), ("inspector-1.key", scenario.inspector)] {
            let path = out + "/keys/" + file
            try? FileManager.default.removeItem(atPath: path)
            try KeyFile.write(key, to: path)
        }
        print("wrote \(bundlePath) (\(ledger.entries.count) entries, \(ledger.checkpoints.count) checkpoints), \(openingsPath), \(out)/ledger.vkey, \(out)/keys/")
        print("")
        let verify = try VerifyCommand.parse(["--bundle", bundlePath, "--openings", openingsPath, "--ledger-key", ledger.ledgerKey.verifierKey.description])
        try verify.run()
    }
}

/// Generated payment-batch CSV files in the officers' format (Chinese headers), for the demo and the tests.
package enum DemoCSV {
    static let header = "身份证号,姓名,区县代码,学校代码,学校名称,学段,年级,是否寄宿,困难类型,资助项目,学期,金额(元),账户类型,账号,发放日期,银行流水号"

    package static func batch(count: Int, unit: String, seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        var out = header + "\n"
        for p in DemoData.boardingSubsidyPayments(count: count, unit: unit, period: "2025-autumn", rng: &rng) {
            let yuan = "\(p.amountFen / 100).\(p.amountFen % 100 < 10 ? "0" : "")\(p.amountFen % 100)"
            let fields = [p.personal[.idNumber]!, p.personal[.name]!, p.unit, p.schoolCode, p.schoolName, p.stage == .junior ? "初中" : "小学", p.grade,
                          "是", p.personal[.category]!, DemoScenario.program, "2025年秋季", yuan, "银行卡", p.personal[.accountNumber]!, p.paidDate,
                          p.personal[.bankRef]!]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}

import ArgumentParser
import Foundation
import LedgerCore
import LedgerDemo
import LedgerVerify

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a demo ledger bundle from generated payments, then verify it.",
        discussion: """
            Writes OUT/ledger.bundle (no personal data), OUT/openings.jsonl (personal data of invented people), \
            OUT/ledger.vkey and the demo keys under OUT/keys/ (mode 0600), then runs the offline verifier on them.
            """
    )

    @Option(name: .long, help: "Output directory.")
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

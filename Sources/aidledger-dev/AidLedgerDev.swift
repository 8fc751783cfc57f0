import ArgumentParser
import CProcessTuning
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerTestVectors

/// The developer tool: benchmarks, the ledger test vectors, an offline demo bundle. Never installed with the
/// product (docs/BENCHMARKS.md says how to run it).
@main
struct AidLedgerDev: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aidledger-dev",
        abstract: "aidledger developer tools: benchmarks (build with -c release), test vectors, an offline demo bundle.",
        subcommands: [BenchCommand.self, BenchStoreCommand.self, BenchServerCommand.self, BenchCrossCheckCommand.self, BenchDisclosureCommand.self, MakeVectors.self, DemoBundle.self, EmbedRules.self]
    )

    static func main() {
        aidledger_keep_freed_memory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ServiceError {
            FileHandle.standardError.write(Data("aidledger-dev: \(error.message)\n".utf8))
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }

    struct DemoBundle: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo-bundle",
            abstract: "Build the demo ledger in memory and write its bundle, openings, keys and ledger key under --out (no database)."
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
            print("verify it with: aidledger verify --bundle \(bundlePath) --openings \(openingsPath) --ledger-key \(ledger.ledgerKey.verifierKey)")
        }
    }
}

typealias CLIError = ServiceError

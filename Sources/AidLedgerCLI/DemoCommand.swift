import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerSamples
import LedgerServices
import LedgerStore
import LedgerVerify

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the embedded default: a demo city's ledgers, their verification and the cross-county check.",
        discussion: """
            Uses the embedded PostgreSQL under --data-dir (default ./.aidledger). On first use it loads a generated city \
            like Yueyang (岳阳: 12 units, one ledger each, invented people): each unit's payment batches imported by its \
            officer, the enrollment, certificate and identity registries imported as snapshots, and a city inspector \
            enrolled everywhere (files in <data-dir>/demo/, keys in <data-dir>/keys/). Every run verifies every ledger \
            from the database, runs the cross-check of the term with the pairing of Yueyang's districts and counties \
            (report in <data-dir>/demo/crosscheck/), anchors the report in each ledger, and compares the findings with \
            the irregularities the generator injected. A second run shows the same findings as still open.
            """
    )

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "Suite: ed25519-sha256 (default) or sm2-sm3.")
    var suite: String = Suite.ed25519SHA256.rawValue

    @Option(name: .long, help: "Clean students per unit in the generated city (the injected irregularities come on top).")
    var students: Int = 60

    @Option(name: .long, help: "Seed for the generated city.")
    var seed: UInt64 = 2026

    @Option(name: .long, help: "The rules and standards directory (default: $AIDLEDGER_RULES, ./Config/crosscheck, or <data-dir>/crosscheck, written from the built-in rules on first use).")
    var rules: String?

    func run() throws {
        guard let suite = Suite(rawValue: suite) else { throw CLIError("unknown suite \(self.suite); use ed25519-sha256 or sm2-sm3") }
        guard students >= 1, students <= DemoCity.maxStudentsPerUnit else { throw CLIError("--students must be between 1 and \(DemoCity.maxStudentsPerUnit)") }
        let city: DemoCity
        do { city = try DemoCity.generate(seed: seed, studentsPerUnit: students) } catch { throw CLIError("\(error)") }
        let rulesDirectory = try rules ?? CrossCheckCommand.defaultRulesDirectory(dataDir: db.dataDir)
        let phase = PhaseLine()
        try db.open { database in
            let store = database.store
            let loaded = try DemoCityLoad.load(store, city: city, suite: suite, keyDirectory: db.keyDirectory, fileDirectory: db.dataDir + "/demo") { phase.begin($0) }
            phase.end(loaded.created ? "loaded the demo city" : "the demo city is loaded")
            print(loaded.created
                  ? "== a city like Yueyang: \(city.units.count) units, one ledger each, \(city.batches.reduce(0) { $0 + $1.items.count }) payments of \(city.period); registries imported (files in \(db.dataDir)/demo/)"
                  : "== the demo city in \(db.dataDir) (loaded earlier)")

            print("\n== aidledger verify, every ledger (chain, signatures, checkpoints, openings)")
            for ledger in loaded.ledgers {
                let report = try StoreVerification.verify(store, ledger)
                let unit = String(ledger.origin.dropFirst(DemoCityLoad.originPrefix.count))
                let name = city.units.first { $0.code == unit }?.name ?? ""
                print("  \(TextFormat.pad(ledger.origin, 28)) \(TextFormat.pad(name, 10)) \(report.intact ? "INTACT" : "FAILED: \(report.findings.first?.description ?? "")")  \(report.entries) entries, \(report.totals.payments) payments, \(TextFormat.yuan(report.totals.netFen)) 元")
            }

            let pairing = [rulesDirectory + "/pairing-yueyang.csv"].first { FileManager.default.fileExists(atPath: $0) }
            let out = db.dataDir + "/demo/crosscheck"
            print("\n== aidledger crosscheck run --period \(city.period) --rules \(rulesDirectory)\(pairing.map { " --pairing \($0)" } ?? "") --inspector-key \(loaded.inspectorKeyPath) --out \(out)")
            let request = CrossCheckRequest(period: city.period, origins: loaded.ledgers.map(\.origin), configurationDirectory: rulesDirectory, pairingFile: pairing,
                                            inspector: try KeyFile.read(loaded.inspectorKeyPath), outDirectory: out, reveal: false, purpose: "演示 demo")
            let outcome = try CrossCheckRuns.run(store, keyDirectory: db.keyDirectory, request: request) { phase.begin($0) }
            phase.end("checked")
            print(CrossCheckCommand.Run.summary(outcome))

            // The generator's answer key: every injected irregularity found, nothing else.
            let found = Set(outcome.report.findings.map { "\($0.rule.rawValue) \($0.unit) \($0.idNumber ?? "-")" })
            let expected = Set(city.expected.map { "\($0.rule) \($0.unit) \($0.idNumber ?? "-")" })
            let missed = expected.subtracting(found).count, unexpected = found.subtracting(expected).count
            print("\nanswer key: \(expected.count) injected irregularities; found \(expected.count - missed), missed \(missed), unexpected findings \(unexpected)")
            print("""

                Try next:
                  open \(out)/report.html                        (the printable report: units × rules, 人次 and amount)
                  aidledger log --data-dir \(db.dataDir) --origin \(loaded.ledgers[0].origin) --kind crosscheck
                  aidledger crosscheck dispose --data-dir \(db.dataDir) --report \(out)/report.json --finding <id> --outcome false_positive --reason "…" --inspector-key \(loaded.inspectorKeyPath)
                  aidledger demo --data-dir \(db.dataDir)                    (again: the same findings, now "still open")
                """)
        }
    }
}

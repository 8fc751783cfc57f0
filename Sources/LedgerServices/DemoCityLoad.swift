import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerSamples
import LedgerStore

/// Loads a generated demo city (`LedgerSamples.DemoCity`, a city like Yueyang) into a database the way its people
/// would: one ledger per unit with its own keys, each batch written as the officer's CSV file and imported through
/// the one append path, the reversal an officer made, the registries written as files and imported as snapshots,
/// and a city inspector enrolled in every ledger. `aidledger demo` and the daemon's first start use it.
public enum DemoCityLoad {
    public struct Loaded: Sendable {
        public let ledgers: [LedgerRecord]
        /// The city inspector's key file (enrolled as inspector for every unit in every ledger).
        public let inspectorKeyPath: String
        /// Whether this call created the ledgers (false: they were there already; nothing was written).
        public let created: Bool
    }

    /// The city's ledgers are `yueyang.example/<unit>` (apart from the daemon's own first-start ledger).
    public static let originPrefix = "yueyang.example/"
    public static let inspectorName = "yueyang.example/inspector/1"

    /// Loads `city` unless its ledgers exist. Keys go to `keyDirectory/<unit>/` (ledger, admin, officer) and
    /// `keyDirectory/inspector.key`; the CSV files to `fileDirectory`. `ledgerUnits`: only the ledgers of these units
    /// (a daemon of a city where each county runs its own server holds some of them; nil: all).
    public static func load(_ store: LedgerStore, city: DemoCity, suite: Suite, keyDirectory: String, fileDirectory: String, ledgerUnits: Set<String>? = nil,
                            progress: (String) -> Void = { _ in }) throws -> Loaded {
        let demoLedgers = city.ledgers.filter { ledgerUnits?.contains($0.unit) ?? true }
        _ = try store.migrate()
        let inspector = try LedgerAdministration.loadOrCreateKey(directory: keyDirectory, file: "inspector.key", name: inspectorName, suite: suite)
        let inspectorPath = keyDirectory + "/inspector.key"
        let existing = Set(try store.ledgers().map(\.origin))
        if demoLedgers.allSatisfy({ existing.contains(originPrefix + $0.unit) }) {
            return Loaded(ledgers: try demoLedgers.map { try store.ledger(origin: originPrefix + $0.unit) }, inspectorKeyPath: inspectorPath, created: false)
        }
        try Files.makeDirectory(fileDirectory, mode: 0o700)
        // One person-key secret for the whole city (a daemon serving these ledgers holds one), written beside each
        // ledger key before the ledger is created.
        let secret = try PersonKeyFile.loadOrCreate(directory: keyDirectory)
        var records: [LedgerRecord] = []
        var receipts: [String: Receipt] = [:]
        for demo in demoLedgers {
            let origin = originPrefix + demo.unit
            progress("creating ledger \(origin) (\(demo.name)) and importing \(demo.batches.count) batches")
            let directory = keyDirectory + "/" + demo.unit
            try Files.makeDirectory(directory, mode: 0o700)
            if !FileManager.default.fileExists(atPath: directory + "/" + PersonKeyFile.name) {
                try Files.write(directory + "/" + PersonKeyFile.name, Array(secret.fileText.utf8), mode: 0o600, overwrite: false)
            }
            let ledger: LedgerRecord, ledgerKey: NamedSigningKey, admin: NamedSigningKey
            if existing.contains(origin) {
                ledger = try store.ledger(origin: origin)
                ledgerKey = try LedgerAdministration.loadOrCreateKey(directory: directory, file: "ledger.key", name: origin, suite: suite)
                admin = try LedgerAdministration.loadOrCreateKey(directory: directory, file: "admin.key", name: origin + "/admin/1", suite: suite)
            } else {
                let c = try LedgerAdministration.createLedger(store, origin: origin, suite: suite, keyDirectory: directory)
                (ledger, ledgerKey, admin) = (c.ledger, c.ledgerKey, c.admin)
            }
            let officer = try LedgerAdministration.loadOrCreateKey(directory: directory, file: "officer.key", name: origin + "/officer/1", suite: suite)
            if !existing.contains(origin) {
                _ = try LedgerAdministration.enroll(store, ledger, subject: officer.verifierKey, role: .officer, units: demo.officerUnits, admin: admin, ledgerKey: ledgerKey)
                _ = try LedgerAdministration.enroll(store, ledger, subject: inspector.verifierKey, role: .inspector, units: [allUnitsScope], admin: admin,
                                                    ledgerKey: ledgerKey)
                let personKeys = try PersonKeys(try PersonKeyFile.read(directory: directory))
                for batch in demo.batches {
                    let path = fileDirectory + "/batch-\(batch.batchID.replacingOccurrences(of: "/", with: "_")).csv"
                    try Files.write(path, Array(DemoCity.csv(batch).utf8), mode: 0o600, overwrite: true)
                    let file = try BatchFile(path: path, batchID: batch.batchID, ignoreUnknownColumns: false, whatHappens: "nothing written")
                    receipts[demo.unit + "\t" + batch.batchID] = try Submissions.importBatch(store, ledger, file: file.parsed, batchID: file.batchID, officer: officer,
                                                                                            ledgerKey: ledgerKey, personKeys: personKeys).receipt
                }
                for reversal in city.reversals where reversal.ledgerUnit == demo.unit {
                    guard let receipt = receipts[demo.unit + "\t" + reversal.batchID] else { continue }
                    _ = try Submissions.reverse(store, ledger, seq: receipt.firstSeq + 1 + UInt64(reversal.index), reason: reversal.reason, officer: officer,
                                                ledgerKey: ledgerKey)
                }
            }
            records.append(ledger)
        }
        // The registries, as the files the departments deliver, imported as snapshots under the deployment's person key.
        let personKeys = try PersonKeys(secret)
        for kind in RegistryKind.allCases {
            let path = fileDirectory + "/registry-\(kind.rawValue).csv"
            try Files.write(path, Array(city.csv(for: kind).utf8), mode: 0o600, overwrite: true)
            progress("importing the \(kind.rawValue) registry (\(path))")
            _ = try RegistryImport.run(store: store, kind: kind, path: path, asOf: RegistryImport.today(), personKeys: personKeys)
        }
        return Loaded(ledgers: records, inspectorKeyPath: inspectorPath, created: true)
    }

    /// The daemon's first start with the embedded database: a generated city of `students` clean students a unit
    /// loaded, the built-in rules written to `<dataDirectory>/crosscheck` (an editable copy), and the cross-check of
    /// its term run with the Yueyang pairing and anchored by the city inspector — so that a new user sees ledgers,
    /// verification and findings at once. Returns lines to print.
    public static func firstStart(_ store: LedgerStore, students: Int, suite: Suite, keyDirectory: String, dataDirectory: String) throws -> [String] {
        let city: DemoCity
        do { city = try DemoCity.generate(seed: 2026, studentsPerUnit: students) } catch { throw ServiceError("\(error)", code: "demo-city") }
        let loaded = try load(store, city: city, suite: suite, keyDirectory: keyDirectory, fileDirectory: dataDirectory + "/demo")
        let rules = try CrossCheckRuns.installBuiltInRules(into: dataDirectory + "/crosscheck")
        let pairing = rules + "/pairing-yueyang.csv"
        let out = dataDirectory + "/demo/crosscheck"
        let request = CrossCheckRequest(period: city.period, origins: loaded.ledgers.map(\.origin), configurationDirectory: rules,
                                        pairingFile: FileManager.default.fileExists(atPath: pairing) ? pairing : nil,
                                        inspector: try KeyFile.read(loaded.inspectorKeyPath), outDirectory: out, reveal: false, purpose: "首次启动演示 first-start demo")
        let outcome = try CrossCheckRuns.run(store, keyDirectory: keyDirectory, request: request)
        return [
            "first start: loaded a demo city like Yueyang: \(loaded.ledgers.count) ledgers \(originPrefix)<unit>, registries imported (files in \(dataDirectory)/demo/)",
            "first start: cross-check \(city.period): \(outcome.ledgers.filter(\.verified).count) ledgers verified, \(outcome.report.findings.count) findings, report \(out)/report.html, anchored \(outcome.anchored.count) times",
        ]
    }
}

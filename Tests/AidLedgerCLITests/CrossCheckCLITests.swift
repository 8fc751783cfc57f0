import Foundation
import LedgerCore
import PostgresClient
import Testing
import TestSupport

/// `aidledger crosscheck run` and `dispose` against a real PostgreSQL holding the demo city: reveal and purpose,
/// personal values only when revealed, a ledger that does not verify is named and not checked, precise errors for
/// bad rules and missing registries, dispositions shown in the next report.
@Suite(.serialized) struct CrossCheckCLITests {
    struct City {
        let dir: URL
        let database: String
        var common: [String] { ["--database", database, "--data-dir", dir.path + "/data"] }
        var inspectorKey: String { dir.path + "/data/keys/inspector.key" }
        var rules: String {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Config/crosscheck").path
        }

        /// The demo city loaded and checked once by `aidledger demo`.
        init() throws {
            dir = try makeTemporaryDirectory()
            database = try TestDatabase.fresh()
            let demo = try run(try aidledger(), ["demo", "--students", "5"] + common, cwd: dir)
            #expect(demo.status == 0 && demo.stdout.contains("missed 0, unexpected findings 0"), "\(demo.stdout)\(demo.stderr)")
        }

        func crosscheck(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try run(try aidledger(), ["crosscheck"] + args + common, cwd: dir)
        }

        func report(_ out: String) throws -> JSONObject {
            try #require(JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))), mode: .lenient).objectValue)
        }
    }

    @Test func revealNeedsAPurposeAndOnlyThenShowsIDNumbers() throws {
        let c = try City()
        defer { try? FileManager.default.removeItem(at: c.dir) }
        let out = c.dir.path + "/run1"
        let base = ["run", "--period", "2025年秋季", "--rules", c.rules, "--inspector-key", c.inspectorKey, "--out", out]
        let noPurpose = try c.crosscheck(base + ["--reveal"])
        #expect(noPurpose.status == 64 && noPurpose.stderr.contains("--purpose"), "\(noPurpose.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/report.json"))

        let plain = try c.crosscheck(base + ["--no-anchor"])
        #expect(plain.status == 0 && plain.stdout.contains("XC-02 PERSON_NO_CERT 有人无证"), "\(plain.stdout)\(plain.stderr)")
        let plainReport = try c.report(out)
        let findings = try #require(plainReport["findings"]?.arrayValue)
        #expect(!findings.isEmpty)
        let csv = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/findings.csv")), as: UTF8.self)
        let html = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/report.html")), as: UTF8.self)
        // Every paid person's ID number is in the registry file the demo wrote: none of them in any output.
        let registry = String(decoding: try Data(contentsOf: URL(fileURLWithPath: c.dir.path + "/data/demo/registry-identity.csv")), as: UTF8.self)
        let ids = registry.split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }
        #expect(ids.count > 50)
        let json = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/report.json")), as: UTF8.self)
        for id in ids { #expect(!json.contains(id) && !csv.contains(id) && !html.contains(id)) }

        let revealed = try c.crosscheck(base + ["--reveal", "--purpose", "交叉核查复核"])
        #expect(revealed.status == 0, "\(revealed.stderr)")
        let revealedJSON = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/report.json")), as: UTF8.self)
        #expect(ids.contains { revealedJSON.contains($0) })
        // The previous report is kept beside it, and every finding is still open.
        #expect(FileManager.default.fileExists(atPath: out + "/report.previous.json"))
        #expect(revealed.stdout.contains("new 0, still open \(findings.count)"), "\(revealed.stdout)")
        // Each bulk read is in every ledger's access log with its purpose.
        let db = try PostgresConnection(c.database)
        let reads = try db.query("SELECT count(*) FROM access_log WHERE purpose LIKE '%交叉核查复核%'")
        #expect(reads.int(0, 0) == 12)
    }

    @Test func aLedgerThatDoesNotVerifyIsNamedAndNotChecked() throws {
        let c = try City()
        defer { try? FileManager.default.removeItem(at: c.dir) }
        // The superuser rewrites a payment of 岳阳楼区 in place, triggers off.
        let db = try PostgresConnection(c.database)
        try db.query("SET session_replication_role = replica")
        try db.query("""
            UPDATE entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '"amount_fen":62500', '"amount_fen":92500'), 'UTF8')
            WHERE seq = (SELECT min(e.seq) FROM entries e JOIN ledgers l ON l.id = e.ledger_id WHERE l.origin = 'yueyang.example/430602'
                         AND convert_from(e.bytes, 'UTF8') LIKE '%"amount_fen":62500%')
              AND ledger_id = (SELECT id FROM ledgers WHERE origin = 'yueyang.example/430602')
            """)
        try db.query("SET session_replication_role = DEFAULT")
        let out = c.dir.path + "/run2"
        let r = try c.crosscheck(["run", "--period", "2025-autumn", "--rules", c.rules, "--inspector-key", c.inspectorKey, "--out", out])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ledger yueyang.example/430602: NOT VERIFIED, not checked") && r.stdout.contains("hash-chain"), "\(r.stdout)")
        #expect(!r.stdout.contains("anchored in yueyang.example/430602"))
        let report = try c.report(out)
        let ledgers = try #require(report["run"]?.objectValue?["ledgers"]?.arrayValue)
        #expect(ledgers.contains { $0.objectValue?["origin"]?.stringValue == "yueyang.example/430602" && $0.objectValue?["verified"] == .bool(false) })
        #expect(try #require(report["findings"]?.arrayValue).allSatisfy { $0.objectValue?["unit"]?.stringValue != "430602" })
    }

    @Test func badRulesMissingRegistriesAndDispositions() throws {
        let c = try City()
        defer { try? FileManager.default.removeItem(at: c.dir) }
        // A rules directory with one bad standard: the file, line, column and field, nothing written.
        let bad = c.dir.path + "/rules"
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: c.rules) {
            try FileManager.default.copyItem(atPath: c.rules + "/" + name, toPath: bad + "/" + name)
        }
        var standards = try String(contentsOfFile: bad + "/standards.csv", encoding: .utf8)
        standards = standards.replacingOccurrences(of: "1500", with: "15x0")
        try standards.write(toFile: bad + "/standards.csv", atomically: true, encoding: .utf8)
        let out = c.dir.path + "/run3"
        let r = try c.crosscheck(["run", "--period", "2025-autumn", "--rules", bad, "--inspector-key", c.inspectorKey, "--out", out])
        #expect(r.status == 2 && r.stderr.contains("standards.csv:") && r.stderr.contains("configuration-invalid"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        // A database without registry snapshots: says which to import.
        let empty = try TestDatabase.fresh()
        let none = try run(try aidledger(), ["crosscheck", "run", "--period", "2025-autumn", "--rules", c.rules, "--inspector-key", c.inspectorKey, "--out", out,
                                             "--database", empty, "--data-dir", c.dir.path + "/data"], cwd: c.dir)
        #expect(none.status == 2 && none.stderr.contains("registry import --kind enrollment"), "\(none.stderr)")

        // A disposition of a finding of the demo's anchored report; the next run shows it with the finding.
        let demoReport = c.dir.path + "/data/demo/crosscheck/report.json"
        let report = try #require(JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: demoReport))), mode: .lenient).objectValue)
        let finding = try #require(report["findings"]?.arrayValue?.first { $0.objectValue?["rule"]?.stringValue == "XC-02" }?.objectValue)
        let id = try #require(finding["id"]?.stringValue)
        let missingAction = try c.crosscheck(["dispose", "--report", demoReport, "--finding", id, "--outcome", "confirmed", "--reason", "证件过期",
                                              "--inspector-key", c.inspectorKey])
        #expect(missingAction.status == 2 && missingAction.stderr.contains("--action"), "\(missingAction.stderr)")
        let disposed = try c.crosscheck(["dispose", "--report", demoReport, "--finding", id, "--outcome", "confirmed", "--reason", "证件过期",
                                         "--action", "停止发放并追回资金", "--inspector-key", c.inspectorKey])
        #expect(disposed.status == 0 && disposed.stdout.contains("confirmed 确认违规"), "\(disposed.stdout)\(disposed.stderr)")
        // A finding without payments (an enrollment row with a wrong check character): recorded in the ledger of its unit.
        let registryFinding = try #require(report["findings"]?.arrayValue?.first {
            $0.objectValue?["rule"]?.stringValue == "XC-01" && ($0.objectValue?["entries"]?.arrayValue ?? []).isEmpty
        }?.objectValue)
        let registryUnit = try #require(registryFinding["unit"]?.stringValue)
        let explained = try c.crosscheck(["dispose", "--report", demoReport, "--finding", try #require(registryFinding["id"]?.stringValue), "--outcome", "explained",
                                          "--reason", "学籍库录入错误，已更正", "--inspector-key", c.inspectorKey])
        #expect(explained.status == 0 && explained.stdout.contains("recorded in yueyang.example/\(registryUnit)"), "\(explained.stdout)\(explained.stderr)")
        // A report that was never anchored cannot carry dispositions.
        let copy = c.dir.path + "/copy.json"
        try (String(contentsOfFile: demoReport, encoding: .utf8) + " ").write(toFile: copy, atomically: true, encoding: .utf8)
        let unanchored = try c.crosscheck(["dispose", "--report", copy, "--finding", id, "--outcome", "false_positive", "--reason", "r", "--inspector-key", c.inspectorKey])
        #expect(unanchored.status == 2 && unanchored.stderr.contains("disposition-report"), "\(unanchored.stderr)")
        let next = try run(try aidledger(), ["demo", "--students", "5"] + c.common, cwd: c.dir)
        #expect(next.status == 0, "\(next.stderr)")
        let after = try #require(JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: demoReport))), mode: .lenient).objectValue)
        let again = try #require(after["findings"]?.arrayValue?.first { $0.objectValue?["id"]?.stringValue == id }?.objectValue)
        #expect(again["state"]?.stringValue == "open" && again["disposition"]?.objectValue?["outcome"]?.stringValue == "confirmed", "\(again)")
    }
}

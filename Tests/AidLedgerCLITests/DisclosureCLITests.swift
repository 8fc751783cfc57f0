import Foundation
import LedgerCore
import Testing
import TestSupport

/// `aidledger verify-disclosure DIR` on the committed public bundle (Tests/Vectors/disclosure, FORMAT.md §18):
/// 0 when intact, 1 with the problems when a file was changed, 2 when the directory is not a public bundle.
@Suite(.serialized) struct DisclosureCLITests {
    /// A copy of the committed public bundle in a fresh directory.
    func copy() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let source = TestPaths.projectVectors.appendingPathComponent("disclosure")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        return dir
    }

    @Test func anIntactBundleExitsZero() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", dir.appendingPathComponent("ledger.vkey").path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("INTACT") && r.stdout.contains("22 rows confirmed"))
        let vkey = try String(contentsOf: dir.appendingPathComponent("ledger.vkey"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let j = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", vkey, "--json"])
        #expect(j.status == 0, "\(j.stdout)\(j.stderr)")
        let report = try JSONParser.parse(Array(j.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue!
        #expect(report["intact"] == .bool(true) && report["problems"] == .array([]) && report["rows_confirmed"] == .int(22))
        #expect(report["ledger_key"] == .string(vkey))
    }

    @Test func aChangedListExitsOneWithItsProblems() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.appendingPathComponent("list.csv")
        // Read as bytes: the byte order mark stays (String(contentsOf:) would drop it).
        let text = String(decoding: try Data(contentsOf: list), as: UTF8.self)
        try Data(text.replacingOccurrences(of: ",625.00,", with: ",652.00,").utf8).write(to: list)
        let r = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("NOT INTACT") && r.stdout.contains("list.csv: file-digest") && r.stdout.contains("list-row-mismatch"))
        let j = try run(try aidledger(), ["verify-disclosure", dir.path, "--json"])
        #expect(j.status == 1)
        let report = try JSONParser.parse(Array(j.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue!
        let problems = report["problems"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(problems.contains { $0["code"] == "list-row-mismatch" && $0["file"] == "list.csv" && $0["line"] == .int(2) && $0["column"] == .int(9) })
        // A pinned key that is not the ledger's.
        try FileManager.default.removeItem(at: list)
        let other = "aidledger.example/430626+bd5c6b55+AXDLuisAlaZtjtvvOKT/tbw4Bg/pL0jFo0rvdXlAlxFL"
        let k = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", other])
        #expect(k.status == 1 && k.stdout.contains("ledger-key-untrusted") && k.stdout.contains("list.csv: file-missing"), "\(k.stdout)")
    }

    @Test func notAPublicBundleExitsTwo() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try run(try aidledger(), ["verify-disclosure", dir.appendingPathComponent("nowhere").path])
        #expect(missing.status == 2 && missing.stderr.contains("not a directory"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("ledger.bundle"))
        let r = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(r.status == 2 && r.stderr.contains("ledger.bundle"), "\(r.stderr)")
    }
}

import Foundation
import Testing
import TestSupport

/// The module graph as `swift package dump-package` reports it, held to the house rules (docs/DESIGN.md):
/// no face depends on another face, pure modules never reach the store, production targets never link test
/// support or the developer tool, each C library has one wrapper; and docs/DESIGN.md lists exactly this graph.
@Suite struct PackageGraphTests {
    struct Target {
        let name: String
        let type: String
        let dependencies: [String]
    }

    static func targets() throws -> [Target] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aidledger-dump-\(getpid())").path
        let r = try run(try which("swift"), ["package", "--package-path", TestPaths.repoRoot.path, "--scratch-path", scratch, "dump-package"])
        guard r.status == 0, let root = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              let targets = root["targets"] as? [[String: Any]] else {
            throw TestDataError("swift package dump-package failed: \(r.stderr)")
        }
        return targets.map { t in
            let deps = (t["dependencies"] as? [[String: Any]] ?? []).compactMap { d -> String? in
                guard let (_, value) = d.first, let list = value as? [Any], let name = list.first as? String else { return nil }
                return name
            }
            return Target(name: t["name"] as? String ?? "", type: t["type"] as? String ?? "", dependencies: deps)
        }
    }

    static let pure: Set = ["LedgerCrypto", "LedgerCore", "LedgerVerify", "LedgerImport", "LedgerCrossCheck", "LedgerDisclosure", "SpreadsheetXLSX", "ZIPFoundation", "LedgerSamples", "CScan", "COpenSSL"]
    static let faces: Set = ["AidLedgerCLI", "LedgerServer", "aidledger", "aidledgerd"]
    static let devAndTest: Set = ["LedgerTestVectors", "aidledger-dev", "TestSupport"]

    @Test func theHouseRulesHold() throws {
        let targets = try Self.targets()
        #expect(targets.count > 20)
        var problems: [String] = []
        for t in targets {
            let isTest = t.type == "test" || Self.devAndTest.contains(t.name)
            for d in t.dependencies {
                if Self.faces.contains(t.name), Self.faces.contains(d), !(t.name == "aidledger" && d == "AidLedgerCLI"), !(t.name == "aidledgerd" && d == "LedgerServer") {
                    problems.append("face \(t.name) depends on face \(d)")
                }
                if Self.pure.contains(t.name), !Self.pure.contains(d) { problems.append("pure module \(t.name) depends on \(d)") }
                if !isTest, Self.devAndTest.contains(d) { problems.append("production target \(t.name) depends on \(d)") }
                if d == "COpenSSL", t.name != "LedgerCrypto" { problems.append("\(t.name) reaches OpenSSL directly") }
                if d == "CLibPQ", t.name != "PostgresClient" { problems.append("\(t.name) reaches libpq directly") }
                if d == "PostgresClient", !isTest, t.name != "LedgerStore" { problems.append("\(t.name) depends on PostgresClient: only the store runs SQL") }
                if t.name == "LedgerServer", d == "ArgumentParser" || d == "LedgerClient" { problems.append("the daemon's library depends on \(d)") }
            }
        }
        #expect(problems.isEmpty, "\(problems)")
    }

    /// docs/DESIGN.md lists every non-test target with its dependencies, between the graph markers.
    @Test func designDocumentListsThisGraph() throws {
        let text = String(decoding: try readBytes(TestPaths.repoRoot.appendingPathComponent("docs/DESIGN.md")), as: UTF8.self)
        guard let begin = text.range(of: "<!-- module graph: begin -->"), let end = text.range(of: "<!-- module graph: end -->") else {
            Issue.record("docs/DESIGN.md has no module graph markers")
            return
        }
        var documented: [String: Set<String>] = [:]
        for line in text[begin.upperBound..<end.lowerBound].split(separator: "\n") {
            // `| Name | layer | a, b, c |`
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, !cells[1].isEmpty, !cells[1].hasPrefix("-"), cells[1] != "module" else { continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            documented[name] = Set(cells[3].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }.filter { !$0.isEmpty && $0 != "—" })
        }
        var actual: [String: Set<String>] = [:]
        for t in try Self.targets() where t.type != "test" { actual[t.name] = Set(t.dependencies) }
        for name in Set(documented.keys).union(actual.keys).sorted() {
            #expect(documented[name] == actual[name], "docs/DESIGN.md says \(name) depends on \(documented[name].map { $0.sorted() } ?? []), Package.swift says \(actual[name].map { $0.sorted() } ?? [])")
        }
    }
}

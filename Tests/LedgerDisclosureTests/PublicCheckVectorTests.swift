import Foundation
import LedgerCore
import LedgerDisclosure
import LedgerTestVectors
import Testing

/// The committed public bundle `Tests/Vectors/disclosure/` (docs/FORMAT.md §15): a 公示 export of the fixture's
/// ledger with its manifest and bundle, for independent implementations of the public check and for the CLI's
/// tests. It must pass the check; `AIDLEDGER_WRITE_DISCLOSURE_VECTOR=1` writes it afresh (keys are new each time).
@Suite struct PublicCheckVectorTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors/disclosure")

    static func read() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in DisclosureManifest.fileNames + [PublicDisclosureCheck.manifestName, PublicDisclosureCheck.bundleName] {
            files[name] = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
        }
        return files
    }

    @Test func theCommittedPublicBundleIsIntact() throws {
        if ProcessInfo.processInfo.environment["AIDLEDGER_WRITE_DISCLOSURE_VECTOR"] == "1" {
            let f = try PublicCheckFixture()
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            for (name, bytes) in f.files { try Data(bytes).write(to: Self.directory.appendingPathComponent(name)) }
            try Data((f.ledger.ledgerKey.verifierKey.description + "\n").utf8).write(to: Self.directory.appendingPathComponent("ledger.vkey"))
        }
        let files = try Self.read()
        let key = try String(contentsOf: Self.directory.appendingPathComponent("ledger.vkey"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let outcome = PublicDisclosureCheck.check(files: files, trustedLedgerKey: key)
        #expect(outcome.intact, "\(outcome.problems)")
        #expect(outcome.rowsConfirmed == 22)
        // One amount changed in the committed list: found.
        var changed = files
        let list = String(decoding: files["list.csv"]!, as: UTF8.self)
        changed["list.csv"] = Array(list.replacingOccurrences(of: ",625.00,", with: ",652.00,").utf8)
        #expect(PublicDisclosureCheck.check(files: changed).problems.map(\.code).contains("list-row-mismatch"))
    }
}

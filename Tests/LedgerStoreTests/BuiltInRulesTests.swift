import Foundation
import LedgerCrossCheck
import LedgerServices
import Testing

/// The rules built into the program are Config/crosscheck/ byte for byte (regenerate with `aidledger-dev
/// embed-rules` after editing it), and they load; so is the 公示 calendar, Config/disclosure/calendar.csv.
@Suite struct BuiltInRulesTests {
    static let configDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Config/crosscheck").path

    @Test func builtInCalendarIsConfigDisclosureCalendar() throws {
        let path = URL(fileURLWithPath: Self.configDirectory).deletingLastPathComponent().appendingPathComponent("disclosure/calendar.csv")
        let onDisk = try Data(contentsOf: path)
        #expect(!onDisk.isEmpty && Array(onDisk) == DisclosureExports.builtInCalendar, "run `aidledger-dev embed-rules`")
    }

    @Test func builtInRulesAreConfigCrosscheck() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.configDirectory).filter { !$0.hasPrefix(".") }.sorted()
        let builtIn = CrossCheckRuns.builtInRules
        #expect(builtIn.map(\.name) == names, "run `aidledger-dev embed-rules`")
        for f in builtIn {
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: Self.configDirectory + "/" + f.name))
            #expect(Array(onDisk) == f.bytes, "\(f.name) differs from the built-in copy: run `aidledger-dev embed-rules`")
        }
    }

    @Test func installedCopyLoadsAndIsKept() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CrossCheckRuns.installBuiltInRules(into: dir)
        let configuration = try CrossCheckRuns.loadConfiguration(dir)
        #expect(configuration.programs.contains { $0.name == "寄宿生生活补助" })
        // An officer's edit survives the next install.
        try Data("# edited\n".utf8).write(to: URL(fileURLWithPath: dir + "/mutex.csv"))
        try CrossCheckRuns.installBuiltInRules(into: dir)
        #expect(try String(contentsOfFile: dir + "/mutex.csv", encoding: .utf8) == "# edited\n")
    }
}

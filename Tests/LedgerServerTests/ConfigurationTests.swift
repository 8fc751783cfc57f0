import Foundation
import LedgerServer
import Testing
import TestSupport

@Suite struct ConfigurationTests {
    /// Config/aidledgerd.conf documents every key with its default value.
    @Test func shippedFileHasEveryKeyWithItsDefault() throws {
        let path = TestPaths.repoRoot.appendingPathComponent("Config/aidledgerd.conf").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in ServerConfiguration.keys {
            #expect(text.split(separator: "\n").contains { $0.hasPrefix(key + " =") }, "Config/aidledgerd.conf lacks \(key)")
        }
        var loaded = ServerConfiguration()
        try loaded.load(file: path)
        let defaults = ServerConfiguration()
        #expect(loaded.listenPort == defaults.listenPort && loaded.maxBodyBytes == defaults.maxBodyBytes && loaded.maxGroupEntries == defaults.maxGroupEntries
                && loaded.readerThreads == defaults.readerThreads && loaded.origin == defaults.origin && loaded.dataDir == defaults.dataDir
                && loaded.database == defaults.database && loaded.demoPaymentsOnFirstStart == defaults.demoPaymentsOnFirstStart)
    }

    @Test func environmentOverridesAndBadValuesAreNamed() throws {
        var c = ServerConfiguration()
        try c.loadEnvironment(["AIDLEDGERD_LISTEN_PORT": "9123", "AIDLEDGERD_MAX_BODY_BYTES": "2048"])
        #expect(c.listenPort == 9123 && c.maxBodyBytes == 2048)
        #expect(throws: ServerConfiguration.Problem.self) { try c.loadEnvironment(["AIDLEDGERD_LISTEN_PORT": "eighty"]) }
        let file = try makeTemporaryDirectory().appendingPathComponent("bad.conf")
        try "listen_port = 80\nmax_bodybytes = 5\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            try c.load(file: file.path)
            Issue.record("an unknown key must be refused")
        } catch let p as ServerConfiguration.Problem {
            #expect(p.description.contains("bad.conf:2") && p.description.contains("max_bodybytes"))
        }
    }
}

import Foundation
import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerSamples
import LedgerServices
import LedgerStore
import Testing
import TestSupport

/// Issue 10's run over two daemons: a city where the counties run their own servers. Two aidledgerd processes, each
/// on its own embedded PostgreSQL under its own data directory, each holding half of the demo city's ledgers; the
/// inspector's own database holds only the registries. `aidledger crosscheck run --server A --token … --server B
/// --token …` downloads and verifies every ledger, finds exactly the irregularities the generator injected, is
/// recorded in each daemon's access logs, anchors its report in every ledger through its daemon, and a disposition
/// posted through a daemon shows in the next run's report.
@Suite struct RemoteCrossCheckTests {
    struct Server {
        let daemon: DaemonProcess
        let token: String
        let origins: [String]
    }

    @Test func runOverTwoDaemonsOnTwoEmbeddedClusters() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let city = try DemoCity.generate(seed: 2026, studentsPerUnit: 6)
        let units = city.ledgers.map(\.unit)
        let halves = [Set(units.prefix(units.count / 2)), Set(units.dropFirst(units.count / 2))]
        // The city inspector's one key: enrolled in every ledger of both daemons, and the key that signs locally.
        let inspector = try NamedSigningKey(name: DemoCityLoad.inspectorName, key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let inspectorKey = dir.appendingPathComponent("inspector.key").path
        try KeyFile.write(inspector, to: inspectorKey)

        var servers: [Server] = []
        defer { for s in servers { s.daemon.terminate() } }
        for (i, half) in halves.enumerated() {
            let data = dir.appendingPathComponent("county-\(i)")
            let keys = data.appendingPathComponent("keys").path
            try Files.makeDirectory(keys, mode: 0o700)
            try KeyFile.write(inspector, to: keys + "/inspector.key")
            // The ledgers loaded into the daemon's own embedded cluster before it starts, as the CLI would.
            let (origins, token) = try LedgerDatabase.with(.embedded(dataDirectory: data.path)) { database in
                let loaded = try DemoCityLoad.load(database.store, city: city, suite: .ed25519SHA256, keyDirectory: keys, fileDirectory: data.path + "/demo",
                                                   ledgerUnits: half)
                return (loaded.ledgers.map(\.origin), try database.store.issueToken(loaded.ledgers[0], keyName: inspector.name))
            }
            #expect(origins.count == half.count)
            let daemon = try DaemonProcess(arguments: ["--data-dir", data.path, "--listen-port", "0"], dataDir: dir)
            servers.append(Server(daemon: daemon, token: token, origins: origins))
        }

        // The inspector's own database: the registries only.
        let local = dir.appendingPathComponent("inspector").path
        try Files.makeDirectory(local + "/keys", mode: 0o700)
        let conninfo = try TestDatabase.fresh()
        let personKeys = try PersonKeys(try PersonKeyFile.loadOrCreate(directory: local + "/keys"))
        let store = try LedgerStore.connect(conninfo)
        for kind in RegistryKind.allCases {
            let path = local + "/registry-\(kind.rawValue).csv"
            try Files.write(path, Array(city.csv(for: kind).utf8), mode: 0o600)
            _ = try RegistryImport.run(store: store, kind: kind, path: path, asOf: RegistryImport.today(), personKeys: personKeys)
        }

        let cli = URL(fileURLWithPath: try aidledgerdPath()).deletingLastPathComponent().appendingPathComponent("aidledger").path
        let rules = TestPaths.repoRoot.appendingPathComponent("Config/crosscheck").path
        let out = dir.appendingPathComponent("report").path
        let runArguments = ["crosscheck", "run", "--database", conninfo, "--data-dir", local, "--period", city.period, "--rules", rules,
                   "--pairing", rules + "/pairing-yueyang.csv", "--inspector-key", inspectorKey, "--out", out, "--reveal", "--purpose", "两地交叉核查 test"]
            + servers.flatMap { ["--server", $0.daemon.url, "--token", $0.token] }
        let first = try run(cli, runArguments)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let allOrigins = servers.flatMap(\.origins)
        for origin in allOrigins { #expect(first.stdout.contains("anchored in \(origin) "), "\(origin): \(first.stdout)") }

        // Exactly the injected irregularities (the answer key), across both daemons.
        let report = try Self.report(out)
        let found = Set((report["findings"]?.arrayValue ?? []).compactMap(\.objectValue).map { f in
            "\(f["rule"]?.stringValue ?? "") \(f["unit"]?.stringValue ?? "") \(f["person"]?.objectValue?["id_number"]?.stringValue ?? "-")"
        })
        let expected = Set(city.expected.map { "\($0.rule) \($0.unit) \($0.idNumber ?? "-")" })
        #expect(found == expected, "missed \(expected.subtracting(found).sorted()), unexpected \(found.subtracting(expected).sorted())")
        let ledgers = report["run"]?.objectValue?["ledgers"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(Set(ledgers.compactMap { $0["origin"]?.stringValue }) == Set(allOrigins) && ledgers.allSatisfy { $0["verified"]?.boolValue == true })

        // Each daemon: the bulk read in every ledger's access log, one crosscheck entry, and the ledger verifies.
        for server in servers {
            let client = try InspectorClient(url: server.daemon.url, token: server.token)
            let http = try HTTPClient(url: server.daemon.url)
            for ledger in try client.ledgers() {
                let auth = [("Authorization", "Bearer \(server.token)")]
                let reads = jsonObject(try http.request("GET", "/v1/ledgers/\(ledger.id)/access-log", headers: auth))?["reads"]?.arrayValue?.compactMap(\.objectValue) ?? []
                #expect(reads.contains { r in
                    r["principal"]?.stringValue == inspector.name && (r["purpose"]?.stringValue ?? "").contains("两地交叉核查 test")
                        && r["fields"]?.arrayValue?.count == PersonalField.allCases.count && (r["seq"]?.intValue ?? 0) > 1
                }, "\(ledger.origin): \(reads)")
                let anchors = jsonObject(try http.request("GET", "/v1/ledgers/\(ledger.id)/entries?kind=crosscheck", headers: auth))?["entries"]?.arrayValue ?? []
                // One per unit inspected in the ledger, as the run printed them.
                let printed = first.stdout.components(separatedBy: "anchored in \(ledger.origin) (unit").count - 1
                #expect(anchors.count >= 1 && anchors.count == printed, "\(ledger.origin)")
                let verification = jsonObject(try http.request("GET", "/v1/ledgers/\(ledger.id)/verification", headers: auth))
                #expect(verification?["intact"]?.boolValue == true, "\(ledger.origin): \(String(describing: verification?["findings"]))")
            }
        }

        // A disposition posted through the daemon of the finding's ledger shows in the next run's report.
        let findings = (report["findings"]?.arrayValue ?? []).compactMap(\.objectValue)
        let finding = try #require(findings.first { f in
            guard let origin = f["entries"]?.arrayValue?.first?.objectValue?["origin"]?.stringValue else { return false }
            return servers[1].origins.contains(origin)
        })
        let findingID = try #require(finding["id"]?.stringValue)
        let disposed = try run(cli, ["crosscheck", "dispose", "--server", servers[1].daemon.url, "--token", servers[1].token, "--report", out + "/report.json",
                                                 "--finding", findingID, "--outcome", "false_positive", "--reason", "学籍系统录入错误，已更正", "--inspector-key", inspectorKey])
        #expect(disposed.status == 0 && disposed.stdout.contains("through \(servers[1].daemon.url)"), "\(disposed.stdout)\(disposed.stderr)")
        let second = try run(cli, runArguments)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        let next = try Self.report(out)
        let again = (next["findings"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(again.count == findings.count && again.allSatisfy { $0["state"]?.stringValue == "open" })
        let same = again.first { $0["id"]?.stringValue == findingID }
        #expect(same?["disposition"]?.objectValue?["outcome"]?.stringValue == "false_positive", "\(String(describing: same))")

        // Only ledgers that verify are checked: a ledger named on no server is refused before anything is read.
        let unknown = try run(cli, runArguments + ["--remote-ledger", "aidledger.example/nowhere"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no --server lists it"), "\(unknown.stderr)")
    }

    static func report(_ out: String) throws -> JSONObject {
        try #require(try JSONParser.parse(Array(try Files.read(out + "/report.json")), mode: .lenient).objectValue)
    }
}

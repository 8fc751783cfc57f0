import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerClient
import LedgerCore
import LedgerCrypto
@testable import LedgerServer
import LedgerSamples
import LedgerServices
import LedgerStore
import LedgerVerify
import PostgresClient
import Testing
import TestSupport

/// The inspector endpoints of issue 10 in process, through the application `aidledgerd` runs: the openings bulk
/// read, crosscheck and disposition entries through the writer, and cross-check runs on the daemon.
@Suite struct CrossCheckEndpointTests {
    func withApplication(conninfo: String, dataDir: String, configure: (inout ServerConfiguration) -> Void = { _ in },
                         _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var c = ServerConfiguration()
        c.database = conninfo
        c.dataDir = dataDir
        c.logLevel = "warning"
        configure(&c)
        let (database, setup) = try Daemon.prepare(c)
        defer {
            setup.shutDown()
            database.close()
        }
        try await buildApplication(setup).test(.router) { client in try await body(client) }
    }

    static func headers(_ token: String?, json: Bool = false) -> HTTPFields {
        var h = HTTPFields()
        if let token { h[.authorization] = "Bearer \(token)" }
        if json { h[.contentType] = "application/json" }
        return h
    }

    static func json(_ r: TestResponse) -> JSONObject { (try? JSONParser.parse(Array(r.body.readableBytesView), mode: .lenient))?.objectValue ?? [:] }
    static func code(_ r: TestResponse) -> String? { json(r)["error"]?.objectValue?["code"]?.stringValue }
    static func now() -> String { Timestamp.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)) }

    /// An inspector of one unit (999999) in the fixture's ledger, with a token; and a second ledger where the
    /// fixture's inspector (scope *) is enrolled too, and a third where it is not.
    struct Extras {
        let unitInspector: NamedSigningKey
        let unitInspectorToken: String
        let second: LedgerRecord
        let third: LedgerRecord

        init(_ s: LedgerSetup) throws {
            let store = try LedgerStore.connect(s.conninfo)
            let suite = Suite.ed25519SHA256
            func key(_ name: String) throws -> NamedSigningKey { try NamedSigningKey(name: name, key: SigningKey.generate(.ed25519), suite: suite) }
            let time = CrossCheckEndpointTests.now()
            unitInspector = try key(s.origin + "/inspector/999999")
            let enrolment = try KeyBody.enroll(unitInspector.verifierKey, role: .inspector, units: ["999999"], origin: s.origin, signedAt: time, admin: s.admin)
            _ = try store.appendOne(s.ledger, try .key(enrolment, suite: suite), time: time, ledgerKey: s.ledgerKey)
            unitInspectorToken = try store.issueToken(s.ledger, keyName: unitInspector.name)
            var made: [LedgerRecord] = []
            for (n, enrolInspector) in [(2, true), (3, false)] {
                let origin = s.origin + "-\(n)"
                let ledgerKey = try key(origin), admin = try key(origin + "/admin/1")
                let (ledger, _) = try store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: time)
                if enrolInspector {
                    let body = try KeyBody.enroll(s.inspector.verifierKey, role: .inspector, units: ["*"], origin: origin, signedAt: time, admin: admin)
                    _ = try store.appendOne(ledger, try .key(body, suite: suite), time: time, ledgerKey: ledgerKey)
                }
                made.append(ledger)
            }
            second = made[0]
            third = made[1]
        }
    }

    /// `GET …/openings`: inspectors for every unit only, with a purpose; the openings file verifies with the bundle,
    /// and the bulk read is one access-log record (seq = the size, every field) written before anything is served:
    /// when it cannot be written, nothing is.
    @Test func openingsAreAnInspectorsBulkReadRecordedFirst() async throws {
        let s = try LedgerSetup()
        let extras = try Extras(s)
        let batch = try s.batch("o-1", count: 3)
        try await withApplication(conninfo: s.conninfo, dataDir: s.dir.path) { client in
            let posted = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/batches", method: .post, headers: Self.headers(s.tokenA, json: true),
                                                  body: ByteBuffer(bytes: BatchRequest.json(batch)))
            #expect(posted.status == .created)
            let path = "/v1/ledgers/\(s.ledger.id)/openings"
            func get(_ query: String, _ token: String?) async throws -> TestResponse {
                try await client.execute(uri: path + query, method: .get, headers: Self.headers(token))
            }
            let refusals: [(String, String?, HTTPResponse.Status, String)] = [
                ("?purpose=audit", nil, .unauthorized, "unauthenticated"),
                ("?purpose=audit", s.tokenA, .forbidden, "role"),
                ("?purpose=audit", extras.unitInspectorToken, .forbidden, "scope"),
                ("", s.inspectorToken, .badRequest, "purpose-required"),
                ("?purpose=", s.inspectorToken, .badRequest, "purpose-required"),
                ("?purpose=%01bad", s.inspectorToken, .badRequest, "bad-parameter"),
                ("?purpose=%20%20", s.inspectorToken, .badRequest, "bad-parameter"),
                ("?purpose=" + String(repeating: "x", count: 201), s.inspectorToken, .badRequest, "bad-parameter"),
            ]
            for (query, token, status, code) in refusals {
                let r = try await get(query, token)
                #expect(r.status == status && Self.code(r) == code, "\(query): \(r.status) \(String(buffer: r.body))")
            }
            let store = try LedgerStore.connect(s.conninfo)
            let readsBefore = try store.accessLog(s.ledger).count
            #expect(readsBefore == 0, "a refused request records nothing")

            let size = try store.head(s.ledger).size
            let ok = try await get("?purpose=" + "交叉核查 test".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, s.inspectorToken)
            #expect(ok.status == .ok && ok.headers[.contentType] == "application/x-ndjson")
            #expect(ok.headers[Routes.sizeHeader] == String(size))
            var openings: [Opening] = []
            for line in Array(ok.body.readableBytesView).split(separator: 0x0a) { openings.append(try Opening(decoding: Array(line))) }
            #expect(Set(openings.map(\.seq)) == Set([size - 2, size - 1, size]), "the three payments' openings")
            let stored = try store.openings(s.ledger).count
            #expect(openings.count == stored)
            let reads = try store.accessLog(s.ledger)
            #expect(reads.count == 1)
            #expect(reads.first?.seq == size && reads.first?.principal == s.inspector.name && reads.first?.purpose == "交叉核查 test")
            #expect(Set(reads.first?.fields ?? []) == Set(PersonalField.allCases.map(\.rawValue)))
            // The file and the bundle verify together, every opening checked against its commitment.
            let bundle = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/bundle", method: .get, headers: Self.headers(s.inspectorToken))
            let read = InspectedLedgers.read(bundle: Array(bundle.body.readableBytesView), openings: openings, origin: s.origin, period: "2025-autumn")
            #expect(read.verified && read.payments.count == 3 && read.units == ["430626"], "\(read.problem ?? "")")
            // What does not verify is not read: an altered value, a withheld opening, another ledger's bundle, a bundle
            // cut short of its checkpoint, garbage.
            let bundleBytes = Array(bundle.body.readableBytesView)
            var altered = openings
            altered[0] = Opening(seq: altered[0].seq, field: altered[0].field, salt: altered[0].salt, value: altered[0].value + "x")
            let cut = Array(String(decoding: bundleBytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast(3).joined(separator: "\n").utf8)
            for (name, b, o, origin) in [("altered", bundleBytes, altered, s.origin), ("withheld", bundleBytes, Array(openings.dropLast()), s.origin),
                                         ("other origin", bundleBytes, openings, s.origin + "-2"), ("cut", cut, openings, s.origin),
                                         ("garbage", Array("not a bundle".utf8), openings, s.origin)] {
                let r = InspectedLedgers.read(bundle: b, openings: o, origin: origin, period: "2025-autumn")
                #expect(!r.verified && r.payments.isEmpty && r.problem != nil, "\(name)")
            }
            var options = LedgerVerifier.Options()
            options.openings = openings
            let report = Array(bundle.body.readableBytesView).withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
            #expect(report.intact && report.openingsChecked == openings.count)
            // The same inspector's token reads a second ledger where its key is enrolled; not a third where it is not.
            let second = try await client.execute(uri: "/v1/ledgers/\(extras.second.id)/openings?purpose=audit", method: .get, headers: Self.headers(s.inspectorToken))
            #expect(second.status == .ok && second.headers[Routes.sizeHeader] == "2")
            let secondReader = try store.accessLog(extras.second).first?.principal
            #expect(secondReader == s.inspector.name)
            let third = try await client.execute(uri: "/v1/ledgers/\(extras.third.id)/bundle", method: .get, headers: Self.headers(s.inspectorToken))
            #expect(third.status == .forbidden && Self.code(third) == "wrong-ledger")
            let officerElsewhere = try await client.execute(uri: "/v1/ledgers/\(extras.second.id)/bundle", method: .get, headers: Self.headers(s.tokenA))
            #expect(officerElsewhere.status == .forbidden && Self.code(officerElsewhere) == "wrong-ledger")

            // Recorded first: an access log that cannot take the record means no openings at all.
            let superuser = try PostgresConnection(s.conninfo)
            try superuser.query("SET session_replication_role = replica")
            try superuser.query(SQL(unsafeText: "UPDATE access_log_heads SET n = 9007199254740991 WHERE ledger_id = \(s.ledger.id)"))
            let refused = try await get("?purpose=audit", s.inspectorToken)
            #expect(refused.status == .serviceUnavailable && Self.code(refused) == "ledger-inconsistent", "\(String(buffer: refused.body))")
            #expect(!String(buffer: refused.body).contains("\"salt\""))
        }
    }

    /// `POST …/crosschecks` and `…/dispositions`: inspector-signed bodies through the one write path, refused with
    /// the admission's codes, the ledger verifying afterwards with both entries valid.
    @Test func crossChecksAndDispositionsAreDecidedByTheAdmission() async throws {
        let s = try LedgerSetup()
        let extras = try Extras(s)
        let batch = try s.batch("c-1", count: 2)
        try await withApplication(conninfo: s.conninfo, dataDir: s.dir.path) { client in
            func post(_ kind: String, _ body: [UInt8], _ token: String?) async throws -> TestResponse {
                try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/" + kind, method: .post, headers: Self.headers(token, json: true), body: ByteBuffer(bytes: body))
            }
            #expect(try await post("batches", BatchRequest.json(batch), s.tokenA).status == .created)
            let store = try LedgerStore.connect(s.conninfo)
            let head = try store.head(s.ledger)
            let root = try SignedCheckpoint(parsing: head.checkpoint).checkpoint.root
            let report = try HashFunction(.sha256).hash(Array("a report".utf8))
            func anchor(size: UInt64? = nil, root checkedRoot: Digest32? = nil, unit: String = "430626", by key: NamedSigningKey? = nil) throws -> [UInt8] {
                CanonicalJSON.encode(.object(try CrossCheckBody.make(run: "2025-autumn/1", period: "2025-autumn", unit: unit, inspectingUnit: "999999",
                                                                     checkedSize: size ?? head.size, checkedRoot: checkedRoot ?? root, findings: 2, reportSHA256: report,
                                                                     origin: s.origin, signedAt: Self.now(), inspector: key ?? s.inspector)))
            }
            func disposition(report digest: Digest32, by key: NamedSigningKey? = nil) throws -> [UInt8] {
                CanonicalJSON.encode(.object(try DispositionBody.make(finding: String(repeating: "ab", count: 16), rule: "XC-05", unit: "430626", reportSHA256: digest,
                                                                      outcome: .falsePositive, reason: "registry error", action: nil, origin: s.origin, signedAt: Self.now(),
                                                                      inspector: key ?? s.inspector)))
            }
            let refusals: [(String, [UInt8], String?, HTTPResponse.Status, String)] = [
                ("crosschecks", try anchor(), nil, .unauthorized, "unauthenticated"),
                ("crosschecks", try anchor(), s.tokenA, .forbidden, "role"),
                ("crosschecks", Array("{".utf8), s.inspectorToken, .badRequest, "malformed-json"),
                ("crosschecks", Array(#"{"run":"x"}"#.utf8), s.inspectorToken, .badRequest, "invalid-crosscheck"),
                ("crosschecks", try anchor(by: extras.unitInspector), s.inspectorToken, .forbidden, "signer"),
                ("crosschecks", try anchor(by: extras.unitInspector), extras.unitInspectorToken, .forbidden, "signer-scope"),
                ("crosschecks", try anchor(size: head.size - 1), s.inspectorToken, .unprocessableContent, "crosscheck-checked"),
                ("crosschecks", try anchor(root: report), s.inspectorToken, .unprocessableContent, "crosscheck-checked"),
                ("crosschecks", try anchor(size: head.size + 5), s.inspectorToken, .unprocessableContent, "crosscheck-checked"),
                ("dispositions", try disposition(report: report), s.tokenB, .forbidden, "role"),
                ("dispositions", Array(#"{"finding":"x"}"#.utf8), s.inspectorToken, .badRequest, "invalid-disposition"),
                ("dispositions", try disposition(report: report), s.inspectorToken, .unprocessableContent, "disposition-report"),
            ]
            for (kind, body, token, status, code) in refusals {
                let r = try await post(kind, body, token)
                #expect(r.status == status && Self.code(r) == code, "\(kind) \(code): \(r.status) \(String(buffer: r.body))")
            }
            let sizeAfterRefusals = try store.head(s.ledger).size
            #expect(sizeAfterRefusals == head.size, "nothing refused was written")
            let anchored = try await post("crosschecks", try anchor(), s.inspectorToken)
            #expect(anchored.status == .created && Self.json(anchored)["first_seq"]?.intValue == Int64(head.size + 1), "\(String(buffer: anchored.body))")
            let disposed = try await post("dispositions", try disposition(report: report), s.inspectorToken)
            #expect(disposed.status == .created, "\(String(buffer: disposed.body))")
            let verified = try s.verify()
            #expect(verified.intact && verified.crosschecks.map(\.reportSHA256) == [report] && verified.dispositions.map(\.outcome) == ["false_positive"],
                    "\(verified.findings)")
        }
    }

    /// Runs on the daemon: refusals, one at a time, the lifecycle to done (report files, anchors to sign, each read
    /// recorded under the inspector's key), the anchors signed and posted, a disposition in the next run's report;
    /// and a run that cannot start its work fails with the reason.
    @Test func runsOnTheDaemonHandOutTheAnchorsToSign() async throws {
        let conninfo = try TestDatabase.fresh()
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let city = try DemoCity.generate(seed: 7, studentsPerUnit: 5)
        let store = try LedgerStore.connect(conninfo)
        let loaded = try DemoCityLoad.load(store, city: city, suite: .ed25519SHA256, keyDirectory: dir.path + "/keys", fileDirectory: dir.path + "/demo")
        let inspector = try KeyFile.read(loaded.inspectorKeyPath)
        let token = try store.issueToken(loaded.ledgers[0], keyName: inspector.name)
        let officerName = loaded.ledgers[0].origin + "/officer/1"
        let officerToken = try store.issueToken(loaded.ledgers[0], keyName: officerName)
        // An inspector of one unit only: may not run the city's check.
        let first = loaded.ledgers[0], unitDirectory = dir.path + "/keys/" + first.origin.dropFirst(DemoCityLoad.originPrefix.count)
        let admin = try LedgerAdministration.loadOrCreateKey(directory: unitDirectory, file: "admin.key", name: first.origin + "/admin/1", suite: .ed25519SHA256)
        let ledgerKey = try LedgerAdministration.loadOrCreateKey(directory: unitDirectory, file: "ledger.key", name: first.origin, suite: .ed25519SHA256)
        let unitInspector = try NamedSigningKey(name: first.origin + "/inspector/unit", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        _ = try LedgerAdministration.enroll(store, first, subject: unitInspector.verifierKey, role: .inspector, units: ["430602"], admin: admin, ledgerKey: ledgerKey)
        let unitInspectorToken = try store.issueToken(first, keyName: unitInspector.name)
        let rules = TestPaths.repoRoot.appendingPathComponent("Config/crosscheck").path
        try await withApplication(conninfo: conninfo, dataDir: dir.path, configure: { $0.rulesDir = rules; $0.pairingFile = rules + "/pairing-yueyang.csv" }) { client in
            let store = try LedgerStore.connect(conninfo)
            func start(_ body: String, _ token: String?) async throws -> TestResponse {
                try await client.execute(uri: "/v1/crosscheck/runs", method: .post, headers: Self.headers(token, json: true), body: ByteBuffer(string: body))
            }
            let refusals: [(String, String?, HTTPResponse.Status, String)] = [
                (#"{"period":"2025-autumn"}"#, nil, .unauthorized, "unauthenticated"),
                (#"{"period":"2025-autumn"}"#, officerToken, .forbidden, "role"),
                (#"{"period":"2025-autumn"}"#, unitInspectorToken, .forbidden, "scope"),
                (#"{"period":"2025-autumn"}"#, "aidl_unknown", .unauthorized, "unauthenticated"),
                (#"{"period":"#, token, .badRequest, "malformed-json"),
                (#"{}"#, token, .badRequest, "missing-field"),
                (#"{"period":"autumn"}"#, token, .badRequest, "bad-parameter"),
                (#"{"period":"2025-autumn","as_of":"2025-13"}"#, token, .badRequest, "bad-parameter"),
                (#"{"period":"2025-autumn","reveal":true}"#, token, .badRequest, "purpose-required"),
                (#"{"period":"2025-autumn","extra":1}"#, token, .badRequest, "unknown-field"),
            ]
            for (body, t, status, code) in refusals {
                let r = try await start(body, t)
                #expect(r.status == status && Self.code(r) == code, "\(body): \(r.status) \(String(buffer: r.body))")
            }
            let unknown = try await client.execute(uri: "/v1/crosscheck/runs/nothing-here", method: .get, headers: Self.headers(token))
            #expect(unknown.status == .notFound)
            let traversal = try await client.execute(uri: "/v1/crosscheck/runs/..%2F..%2Fkeys/report.json", method: .get, headers: Self.headers(token))
            #expect(traversal.status == .notFound)

            func runToTheEnd(_ body: String, checkBusy: Bool = true) async throws -> JSONObject {
                let started = try await start(body, token)
                #expect(started.status == .accepted, "\(String(buffer: started.body))")
                let id = try #require(Self.json(started)["id"]?.stringValue)
                #expect(started.headers[.location] == "/v1/crosscheck/runs/" + id)
                if checkBusy {
                    // Twelve ledgers to verify: the run is still going.
                    let busy = try await start(#"{"period":"2025-autumn"}"#, token)
                    #expect(busy.status == .conflict && Self.code(busy) == "run-in-progress")
                    let notYet = try await client.execute(uri: "/v1/crosscheck/runs/\(id)/report.json", method: .get, headers: Self.headers(token))
                    #expect(notYet.status == .notFound)
                }
                let deadline = Date().addingTimeInterval(300)
                while Date() < deadline {
                    let r = try await client.execute(uri: "/v1/crosscheck/runs/\(id)", method: .get, headers: Self.headers(token))
                    let status = Self.json(r)
                    if status["status"]?.stringValue != "running" { return status }
                    try await Task.sleep(for: .milliseconds(200))
                }
                Issue.record("run \(id) did not finish")
                return [:]
            }
            let firstRun = try await runToTheEnd(#"{"period":"2025-autumn","purpose":"年度交叉核查"}"#)
            #expect(firstRun["status"]?.stringValue == "done", "\(firstRun)")
            let id = firstRun["id"]?.stringValue ?? ""
            let reportBytes = try await client.execute(uri: "/v1/crosscheck/runs/\(id)/report.json", method: .get, headers: Self.headers(token))
            #expect(reportBytes.status == .ok)
            let digest = try HashFunction(.sha256).hash(Array(reportBytes.body.readableBytesView))
            #expect(firstRun["report_sha256"]?.stringValue == digest.hex)
            let report = Self.json(reportBytes)
            let findings = report["findings"]?.arrayValue ?? []
            #expect(!findings.isEmpty && findings.count == Int(firstRun["findings"]?.intValue ?? -1))
            #expect(report["run"]?.objectValue?["inspector_key"]?.stringValue == inspector.name)
            for (name, type) in [("report.html", "text/html; charset=utf-8"), ("findings.csv", "text/csv; charset=utf-8")] {
                let r = try await client.execute(uri: "/v1/crosscheck/runs/\(id)/\(name)", method: .get, headers: Self.headers(token))
                #expect(r.status == .ok && r.headers[.contentType] == type && r.body.readableBytes > 0)
            }
            let officerReport = try await client.execute(uri: "/v1/crosscheck/runs/\(id)/report.json", method: .get, headers: Self.headers(officerToken))
            #expect(officerReport.status == .forbidden)
            // Each ledger's read is recorded under the inspector's key, with the run's purpose.
            for ledger in loaded.ledgers {
                let reads = try store.accessLog(ledger)
                #expect(reads.contains { $0.principal == inspector.name && $0.purpose.contains("年度交叉核查") && $0.fields.count == PersonalField.allCases.count })
            }
            // The anchors to sign: one per unit of each ledger; signed by the inspector and posted, each is appended.
            let anchors = firstRun["anchors"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(Set(anchors.compactMap { $0["origin"]?.stringValue }) == Set(loaded.ledgers.map(\.origin)) && anchors.count >= loaded.ledgers.count)
            for a in anchors {
                guard let ledger = a["ledger"]?.intValue, let origin = a["origin"]?.stringValue, let run = a["run"]?.stringValue, let unit = a["unit"]?.stringValue,
                      let size = a["checked_size"]?.intValue, let rootHex = a["checked_root"]?.stringValue, let checkedRoot = Digest32(hexString: rootHex),
                      let count = a["findings"]?.intValue, let sha = a["report_sha256"]?.stringValue, let reportSHA = Digest32(hexString: sha) else {
                    Issue.record("an anchor lacks a member: \(a)")
                    continue
                }
                let body = try CrossCheckBody.make(run: run, period: "2025-autumn", unit: unit, inspectingUnit: a["inspecting_unit"]?.stringValue, checkedSize: UInt64(size),
                                                   checkedRoot: checkedRoot, findings: Int(count), reportSHA256: reportSHA, origin: origin, signedAt: Self.now(), inspector: inspector)
                let r = try await client.execute(uri: "/v1/ledgers/\(ledger)/crosschecks", method: .post, headers: Self.headers(token, json: true),
                                                 body: ByteBuffer(bytes: CanonicalJSON.encode(.object(body))))
                #expect(r.status == .created, "\(origin): \(String(buffer: r.body))")
            }
            // A disposition of one finding, posted to its ledger, is in the next run's report.
            let finding = try #require(findings.compactMap(\.objectValue).first { !($0["entries"]?.arrayValue ?? []).isEmpty })
            let findingID = try #require(finding["id"]?.stringValue)
            let origin = try #require(finding["entries"]?.arrayValue?.first?.objectValue?["origin"]?.stringValue)
            let ledger = try #require(loaded.ledgers.first { $0.origin == origin })
            let disposition = try DispositionBody.make(finding: findingID, rule: finding["rule"]?.stringValue ?? "", unit: finding["unit"]?.stringValue ?? "",
                                                       reportSHA256: digest, outcome: .confirmed, reason: "核实属实", action: "停止发放并追回资金", origin: origin,
                                                       signedAt: Self.now(), inspector: inspector)
            let disposed = try await client.execute(uri: "/v1/ledgers/\(ledger.id)/dispositions", method: .post, headers: Self.headers(token, json: true),
                                                    body: ByteBuffer(bytes: CanonicalJSON.encode(.object(disposition))))
            #expect(disposed.status == .created, "\(String(buffer: disposed.body))")
            let second = try await runToTheEnd(#"{"period":"2025-autumn","purpose":"复查"}"#)
            #expect(second["status"]?.stringValue == "done", "\(second)")
            let next = Self.json(try await client.execute(uri: "/v1/crosscheck/runs/\(second["id"]?.stringValue ?? "")/report.json", method: .get, headers: Self.headers(token)))
            let again = next["findings"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(again.count == findings.count && again.allSatisfy { $0["state"]?.stringValue == "open" }, "compared with the previous run: still open")
            let same = again.first { $0["id"]?.stringValue == findingID }
            #expect(same?["disposition"]?.objectValue?["outcome"]?.stringValue == "confirmed")
            for l in loaded.ledgers {
                let intact = try StoreVerification.verify(store, l).intact
                #expect(intact, "\(l.origin)")
            }
            // A run whose work cannot start (no registry snapshot as of that date) fails with the reason.
            let failed = try await runToTheEnd(#"{"period":"2025-autumn","as_of":"2000-01-01"}"#, checkBusy: false)
            #expect(failed["status"]?.stringValue == "failed" && failed["error"]?.objectValue?["code"]?.stringValue == "registry-missing", "\(failed)")
            let noReport = try await client.execute(uri: "/v1/crosscheck/runs/\(failed["id"]?.stringValue ?? "")/report.json", method: .get, headers: Self.headers(token))
            #expect(noReport.status == .notFound)
        }
    }
}

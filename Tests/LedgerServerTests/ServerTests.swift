import EmbeddedPostgres
import Foundation
import LedgerCrypto
import LedgerServices
import LedgerClient
import LedgerCore
import LedgerStore
import LedgerVerify
import PostgresClient
import Testing
import TestSupport

/// The daemon through a real socket: the aidledgerd executable against a real PostgreSQL.
@Suite struct ServerTests {
    @Test func hundredConcurrentSubmittersLandExactlyOnce() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        let receipts = Collected<ReceivedReceipt>()
        let failures = Collected<String>()
        concurrently(100) { i in
            do {
                let batch = try s.batch("c-\(i)", count: 2, seed: UInt64(i + 1))
                let r = try submit(batch, to: d.url, ledger: s.ledger.id, token: s.tokenA)
                if let receipt = ReceivedReceipt(r, batchID: "c-\(i)") { receipts.append(receipt) } else { failures.append("\(i): \(r.status) \(r.text)") }
            } catch { failures.append("\(i): \(error)") }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        let all = receipts.all.sorted { $0.first < $1.first }
        #expect(all.count == 100)
        // Disjoint ranges of 3 entries (header + 2 payments) covering seq 5…304 exactly.
        var next: UInt64 = 5
        for r in all {
            #expect(r.first == next && r.last == r.first + 2 && r.hashes.count == 3)
            next = r.last + 1
        }
        let store = LedgerStore(try PostgresConnection(s.conninfo))
        #expect(try store.head(s.ledger).size == 304)
        // Each receipt's entries are its batch's, with the hashes it was given.
        for r in all {
            let header = try Entry(decoding: try store.entry(s.ledger, seq: r.first)!.bytes)
            #expect(header.body["batch_id"]?.stringValue == r.batchID)
            #expect(try store.receipt(s.ledger, firstSeq: r.first, lastSeq: r.last).hashes.map(\.hex) == r.hashes)
        }
        // Group commit: fewer checkpoints than submissions.
        #expect(try store.checkpoints(s.ledger).count < 100 + 4)
        #expect(try s.verify().intact)
        // The metrics count them.
        let metrics = try HTTPClient(url: d.url).request("GET", "/metrics").text
        #expect(metrics.contains("aidledger_appended_entries_total 300\n") && metrics.contains("aidledger_submissions_total{outcome=\"appended\"} 100\n"), "\(metrics)")
        #expect(metrics.contains("aidledger_http_request_duration_seconds_bucket{route=\"/v1/ledgers/{ledger}/batches\",method=\"POST\",le=\"+Inf\"} 100\n"))
        #expect(metrics.contains("aidledger_ledger_entries{origin=\"\(s.origin)\"} 304\n"))
    }

    @Test func badRequestsGetPreciseAnswersAndWriteNothing() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir, environment: ["AIDLEDGERD_MAX_BODY_BYTES": "65536"])
        defer { d.terminate() }
        let c = try HTTPClient(url: d.url)
        let path = "/v1/ledgers/\(s.ledger.id)/batches"
        func post(_ body: [UInt8], token: String? = nil, type: String = "application/json", headers: [(String, String)] = []) throws -> HTTPClientResponse {
            try c.request("POST", path, headers: [("Content-Type", type), ("Authorization", "Bearer \(token ?? s.tokenA)")] + headers, body: body)
        }
        func error(_ r: HTTPClientResponse) -> (code: String, message: String, problems: [String]) {
            guard let e = jsonObject(r)?["error"]?.objectValue else { return ("", r.text, []) }
            return (e["code"]?.stringValue ?? "", e["message"]?.stringValue ?? "", e["problems"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        let store = LedgerStore(try PostgresConnection(s.conninfo))
        let sizeBefore = try store.head(s.ledger).size

        // Malformed JSON: 400 naming the byte.
        var r = try post(Array(#"{"batch": {"#.utf8))
        #expect(r.status == 400 && error(r).code == "malformed-json" && error(r).message.contains("byte"), "\(r.text)")
        // A bad row in JSON: 400 naming payments[1].id_number.
        let good = try s.batch("bad-rows", count: 2)
        var json = String(decoding: BatchRequest.json(good), as: UTF8.self)
        let id = good.items[1].value(.idNumber)!
        json = json.replacingOccurrences(of: id, with: String(id.dropLast()) + (id.last == "1" ? "2" : "1"))
        r = try post(Array(json.utf8))
        #expect(r.status == 400 && error(r).problems.contains { $0.hasPrefix("payments[1].id_number:") }, "\(r.text)")
        #expect(!r.text.contains(id.dropLast()), "no personal value in the answer")
        // A bad row in CSV: 400 with file:line:column: field.
        let csv = BatchRequest.csv(good)
        var csvText = String(decoding: csv.body, as: UTF8.self)
        csvText = csvText.replacingOccurrences(of: ",\(good.items[0].amountFen),", with: ",-5,")
        r = try post(Array(csvText.utf8), type: "text/csv", headers: [("Aidledger-Batch", csv.header)])
        #expect(r.status == 400 && error(r).problems.contains { $0.hasPrefix("batch.csv:2:") && $0.contains("amount_fen") }, "\(r.text)")
        // Over the documented limit: 413 naming it.
        r = try post([UInt8](repeating: 0x20, count: 70_000))
        #expect(r.status == 413 && error(r).message.contains("65536"), "\(r.text)")
        // A wrong signature: 403.
        guard case .object(var request)? = try? JSONParser.parse(BatchRequest.json(good), mode: .lenient), case .object(var forged)? = request["batch"] else {
            Issue.record("cannot re-read the request")
            return
        }
        var sig = Base64.decode(forged["sig"]!.stringValue!)!
        sig[0] ^= 1
        forged["sig"] = .string(Base64.encode(sig))
        request["batch"] = .object(forged)
        r = try post(CanonicalJSON.encode(.object(request)))
        #expect(r.status == 403 && error(r).message.contains("signature"), "\(r.text)")
        // A unit outside the officer's scope: 403 (officer B may write only 999999).
        r = try post(BatchRequest.json(try s.batch("scope", officer: s.officerB)), token: s.tokenB)
        #expect(r.status == 403 && error(r).code == "signer-scope", "\(r.text)")
        // A token of another role: 403.
        r = try post(BatchRequest.json(good), token: s.inspectorToken)
        #expect(r.status == 403 && error(r).code == "role", "\(r.text)")
        // No token: 401. An unknown token: 401.
        r = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/entries")
        #expect(r.status == 401)
        r = try post(BatchRequest.json(good), token: "aidl_nonsense")
        #expect(r.status == 401)
        #expect(try store.head(s.ledger).size == sizeBefore, "nothing written by refused requests")

        // Accepted; the same id and content again: the original receipt; other content under that id: 409.
        let first = try post(BatchRequest.json(good))
        #expect(first.status == 201, "\(first.text)")
        let again = try post(BatchRequest.json(good))
        #expect(again.status == 200 && jsonObject(again)?["duplicate"]?.boolValue == true)
        #expect(ReceivedReceipt(again, batchID: "")?.hashes == ReceivedReceipt(first, batchID: "")?.hashes)
        r = try post(BatchRequest.json(try s.batch("bad-rows", count: 2, seed: 9)))
        #expect(r.status == 409 && error(r).code == "batch-duplicate", "\(r.text)")
        #expect(try store.head(s.ledger).size == sizeBefore + 3)

        // Anonymous callers see checkpoints (signed notes, text/plain) and nothing personal.
        r = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/checkpoint")
        #expect(r.status == 200 && r.header("content-type")?.hasPrefix("text/plain") == true && r.text.hasPrefix(s.origin + "\n"))
        r = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/entries/6?reveal=true")
        #expect(r.status == 401)
        // Personal values only to an allowed role, and the read is on record.
        r = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/entries/6?reveal=true&purpose=test", headers: [("Authorization", "Bearer \(s.tokenB)")])
        #expect(r.status == 403, "officer B may not see unit 430626's personal values")
        r = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/entries/6?reveal=true&purpose=test", headers: [("Authorization", "Bearer \(s.inspectorToken)")])
        #expect(r.status == 200 && jsonObject(r)?["personal"]?.objectValue?["id_number"]?.stringValue == good.items[0].value(.idNumber))
        r = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/access-log", headers: [("Authorization", "Bearer \(s.inspectorToken)")])
        let reads = jsonObject(r)?["reads"]?.arrayValue ?? []
        #expect(reads.count == 1 && reads.first?.objectValue?["principal"]?.stringValue == s.inspector.name && reads.first?.objectValue?["seq"]?.intValue == 6)
        #expect(reads.first?.objectValue?["n"]?.intValue == 1, "the record's number in the access log's chain")
    }

    /// kill -9 in the middle of a load run: every receipt a client got is in the ledger, nothing twice, and after a
    /// restart the clients' retries (same id, same bytes) complete the rest.
    @Test func killNineLosesNoReceiptAndDuplicatesNothing() throws {
        let s = try LedgerSetup()
        let first = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        let receipts = Collected<ReceivedReceipt>()
        let unanswered = Collected<Int>()
        let batches = try (0..<400).map { try s.batch("k-\($0)", count: 5, seed: UInt64($0 + 1)) }
        let url = first.url
        // Killed once some receipts are out, so that the kill lands in the middle of the run on any machine.
        let killer = Thread {
            receipts.wait(forAtLeast: 30)
            first.kill9()
        }
        killer.start()
        concurrently(8) { worker in
            let client = try? HTTPClient(url: url)
            for i in stride(from: worker, to: batches.count, by: 8) {
                do {
                    let r = try submit(batches[i], to: url, ledger: s.ledger.id, token: s.tokenA, client: client)
                    if let receipt = ReceivedReceipt(r, batchID: "k-\(i)") { receipts.append(receipt) } else { unanswered.append(i) }
                } catch {
                    unanswered.append(i)
                }
            }
        }
        let got = receipts.all
        #expect(!got.isEmpty && !unanswered.all.isEmpty, "the kill should land in the middle of the run (\(got.count) receipts)")
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        let store = LedgerStore(try PostgresConnection(s.conninfo))
        for r in got { #expect(try store.receipt(s.ledger, firstSeq: r.first, lastSeq: r.last).hashes.map(\.hex) == r.hashes) }
        // The clients retry what was not answered: each lands once (or was already there).
        for i in unanswered.all {
            let r = try submit(batches[i], to: d.url, ledger: s.ledger.id, token: s.tokenA)
            #expect(r.status == 201 || r.status == 200, "\(r.text)")
        }
        #expect(try PostgresConnection(s.conninfo).query("SELECT count(*) FROM batches WHERE ledger_id = $1", [.int(s.ledger.id)]).int(0, 0) == 400)
        #expect(try store.head(s.ledger).size == 4 + 400 * 6)
        #expect(try s.verify().intact)
    }

    /// Two daemons on one database: one writes a ledger at a time; when it dies the other takes over.
    /// A daemon given another key under the origin's name refuses to start, naming the key the ledger expects.
    @Test func anotherLedgerKeyStopsTheStart() throws {
        let s = try LedgerSetup()
        let path = s.dir.appendingPathComponent("keys/ledger.key").path
        try FileManager.default.removeItem(atPath: path)
        try KeyFile.write(try NamedSigningKey(name: s.origin, key: SigningKey.generate(.ed25519), suite: .ed25519SHA256), to: path)
        let r = try run(try aidledgerdPath(), ["--database", s.conninfo, "--data-dir", s.dir.path, "--listen-port", "0"])
        #expect(r.status != 0 && (r.stdout + r.stderr).contains(s.ledgerKey.verifierKey.description), "\(r.stdout)\(r.stderr)")
    }

    @Test func secondDaemonTakesOverWhenTheWriterDies() throws {
        let s = try LedgerSetup()
        let a = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        let b = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { b.terminate() }
        #expect(try submit(try s.batch("t-1"), to: a.url, ledger: s.ledger.id, token: s.tokenA).status == 201)
        let refused = try submit(try s.batch("t-2", seed: 2), to: b.url, ledger: s.ledger.id, token: s.tokenA)
        #expect(refused.status == 503 && refused.header("retry-after") != nil, "\(refused.text)")
        a.kill9()
        var status = 0
        for _ in 0..<50 {
            status = try submit(try s.batch("t-2", seed: 2), to: b.url, ledger: s.ledger.id, token: s.tokenA).status
            if status == 201 { break }
            usleep(100_000)
        }
        #expect(status == 201)
        #expect(try s.verify().intact)
    }

    /// SIGTERM: the daemon stops cleanly (exit 0).
    @Test func sigtermStopsCleanly() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        #expect(try submit(try s.batch("g-1"), to: d.url, ledger: s.ledger.id, token: s.tokenA).status == 201)
        let status = d.terminate()
        #expect(status == 0, "\(d.log)")
    }
}

/// A PostgreSQL restart under load, on a cluster of this test's own (the shared test cluster stays up).
@Suite struct DatabaseRestartTests {
    /// A cluster of the test's own, which it may stop and start (stopped and removed when the test process ends).
    static func ownCluster() throws -> EmbeddedPostgres {
        let server = try EmbeddedPostgres(directory: try makeTemporaryDirectory().appendingPathComponent("pg").path, unsafeFast: true)
        try server.start()
        try server.stopWhenProcessExits(getpid(), removeDirectory: true)
        return server
    }

    @Test func clientsGetErrorsNeverWrongReceiptsAndSucceedOnRetry() throws {
        let server = try Self.ownCluster()
        defer { try? server.stop() }
        let s = try LedgerSetup(conninfo: server.connectionString())
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        let batches = try (0..<400).map { try s.batch("r-\($0)", count: 5, seed: UInt64($0 + 1)) }
        let receipts = Collected<ReceivedReceipt>()
        let errors = Collected<String>()
        let restarted = Collected<Bool>()
        let whileDown = Collected<HTTPClientResponse>()
        let restarter = Thread {
            receipts.wait(forAtLeast: 20)
            try? server.stop()
            // With the database down: a read and a write are answered 503 with the JSON error and Retry-After.
            if let c = try? HTTPClient(url: d.url) {
                if let r = try? c.request("GET", "/v1/ledgers", headers: [], body: []) { whileDown.append(r) }
                if let r = try? c.request("GET", "/v1/ledgers/\(s.ledger.id)/entries/2", headers: [("Authorization", "Bearer \(s.inspectorToken)")], body: []) { whileDown.append(r) }
            }
            _ = try? server.start()
            restarted.append(true)
        }
        restarter.start()
        concurrently(8) { worker in
            for i in stride(from: worker, to: batches.count, by: 8) {
                // Retry until answered: the same request each time.
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    do {
                        let r = try submit(batches[i], to: d.url, ledger: s.ledger.id, token: s.tokenA)
                        if let receipt = ReceivedReceipt(r, batchID: "r-\(i)") { receipts.append(receipt); break }
                        errors.append("\(r.status)")
                        if r.status != 503 { break }
                    } catch {
                        errors.append("\(error)")
                    }
                    usleep(100_000)
                }
            }
        }
        restarted.wait(forAtLeast: 1)
        #expect(whileDown.all.count == 2)
        for r in whileDown.all {
            #expect(r.status == 503 && r.header("retry-after") != nil && r.text.contains(#""code":"unavailable""#), "\(r.status) \(r.text)")
        }
        #expect(d.log.contains("unavailable") && d.log.contains("cause"), "the outage is logged with its cause: \(d.log.suffix(1500))")
        #expect(!errors.all.isEmpty, "the restart should land under load")
        #expect(!errors.all.contains { $0 == "409" || $0 == "400" || $0 == "403" }, "\(errors.all.prefix(5))")
        let got = receipts.all
        #expect(Set(got.map(\.batchID)).count == 400, "every batch answered once retried; errors other than 503: \(errors.all.filter { $0 != "503" }.prefix(10))")
        let store = LedgerStore(try PostgresConnection(s.conninfo))
        for r in got {
            #expect(try store.receipt(s.ledger, firstSeq: r.first, lastSeq: r.last).hashes.map(\.hex) == r.hashes, "receipt of \(r.batchID)")
        }
        #expect(try store.head(s.ledger).size == 4 + 400 * 6)
        #expect(try s.verify().intact)
    }
}

extension DatabaseRestartTests {
    /// Found by an outside attack: after a PostgreSQL restart the first read on each reader thread answered 503
    /// (its connection from before). Now the read runs again on a new connection: no request fails once the
    /// server is back.
    @Test func readsAfterARestartAreAnswered() throws {
        let server = try Self.ownCluster()
        defer { try? server.stop() }
        let s = try LedgerSetup(conninfo: server.connectionString())
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir, environment: ["AIDLEDGERD_READER_THREADS": "2"])
        defer { d.terminate() }
        let c = try HTTPClient(url: d.url)
        for _ in 0..<6 { #expect(try c.request("GET", "/v1/ledgers").status == 200) }
        try server.stop()
        try server.start()
        let statuses = try (0..<6).map { _ in try c.request("GET", "/v1/ledgers").status }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
    }
}

extension DatabaseRestartTests {
    /// `aidledger submit` while the database is down: it retries the same request (503 with Retry-After) and
    /// gets its receipt once the database is back; with --retry-for 0 it gives up at once, naming the 503.
    @Test func cliRetriesWhileTheDatabaseIsDown() throws {
        let server = try Self.ownCluster()
        defer { try? server.stop() }
        let s = try LedgerSetup(conninfo: server.connectionString())
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        let cli = URL(fileURLWithPath: try aidledgerdPath()).deletingLastPathComponent().appendingPathComponent("aidledger").path
        let officerKey = s.dir.appendingPathComponent("officer-a.key").path
        try KeyFile.write(s.officerA, to: officerKey)
        let csv = s.dir.appendingPathComponent("batch.csv").path
        #expect(try run(cli, ["sample-csv", "--payments", "3", "--out", csv]).status == 0)
        // The CLI reaches the daemon (the ledger list) before the database goes down: its submit is what waits.
        try server.stop()
        let noRetry = try run(cli, ["submit", csv, "--officer-key", officerKey, "--token", s.tokenA, "--server", d.url, "--retry-for", "0"])
        #expect(noRetry.status != 0 && noRetry.stderr.contains("503"), "\(noRetry.stderr)")
        let result = Collected<(status: Int32, stdout: String, stderr: String)>()
        let submitter = Thread {
            if let r = try? run(cli, ["submit", csv, "--officer-key", officerKey, "--token", s.tokenA, "--server", d.url, "--retry-for", "60"]) { result.append(r) }
        }
        submitter.start()
        Thread.sleep(forTimeInterval: 3)
        try server.start()
        result.wait(forAtLeast: 1)
        let r = result.all[0]
        #expect(r.status == 0 && r.stdout.contains("submitted: seq 5…8"), "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("the server is unavailable (HTTP 503 unavailable); retrying"), "\(r.stderr)")
        #expect(try s.verify().intact)
    }
}

/// The README's run command: aidledgerd with no configuration, on its own PostgreSQL under the data directory.
@Suite struct EmbeddedDaemonTests {
    @Test func firstStartCreatesALedgerSubmitsPaymentsAndVerifies() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let d = try DaemonProcess(arguments: ["--data-dir", data.path, "--listen-port", "0"], dataDir: dir, waitFor: "first start: verify passed")
        #expect(d.log.contains("first start: submitted 200 generated payments") && d.log.contains("curl -s"), "\(d.log)")
        let c = try HTTPClient(url: d.url)
        #expect(jsonObject(try c.request("GET", "/v1/ledgers"))?["ledgers"]?.arrayValue?.first?.objectValue?["size"]?.intValue == 204)
        let tokenFile = data.appendingPathComponent("tokens/inspector.token").path
        let mode = (try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        // The CLI against it: verify the whole ledger as an inspector.
        let cli = URL(fileURLWithPath: try aidledgerdPath()).deletingLastPathComponent().appendingPathComponent("aidledger").path
        // The first start also loaded the demo city (12 more ledgers): the first-start ledger is 1.
        #expect(d.log.contains("first start: cross-check 2025-autumn: 12 ledgers verified, 36 findings"), "\(d.log)")
        let v = try run(cli, ["verify", "--server", d.url, "--ledger", "1", "--token", tokenFile])
        #expect(v.status == 0 && v.stdout.contains("INTACT"), "\(v.stdout)\(v.stderr)")
        // SIGTERM: clean exit, and the embedded PostgreSQL is stopped with it.
        #expect(d.terminate() == 0, "\(d.log)")
        #expect(try run(try which("pg_isready"), ["-h", data.path + "/run", "-p", "5432"]).status != 0)
        // The second start keeps the ledger and submits nothing new.
        let again = try DaemonProcess(arguments: ["--data-dir", data.path, "--listen-port", "0"], dataDir: dir)
        defer { again.terminate() }
        #expect(jsonObject(try HTTPClient(url: again.url).request("GET", "/v1/ledgers"))?["ledgers"]?.arrayValue?.first?.objectValue?["size"]?.intValue == 204)
        #expect(!again.log.contains("first start"))
    }

    /// A daemon killed with SIGKILL leaves no PostgreSQL behind (its watchdog stops it), and a cluster left
    /// running by an owner that died is adopted by the next start and stopped with it.
    @Test func noEmbeddedClusterOutlivesItsDaemon() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let args = ["--data-dir", data.path, "--listen-port", "0"]
        var env = ["AIDLEDGERD_DEMO_PAYMENTS_ON_FIRST_START": "0"]
        env["AIDLEDGERD_LOG_LEVEL"] = "warning"
        let first = try DaemonProcess(arguments: args, dataDir: dir, environment: env)
        let cluster = try EmbeddedPostgres(directory: data.path)
        #expect(cluster.isRunning && cluster.currentOwner() == first.pid, "owner \(String(describing: cluster.currentOwner())), daemon \(first.pid)")
        kill(first.pid, SIGKILL)
        _ = first.waitForExit()
        let deadline = Date().addingTimeInterval(30)
        while cluster.isRunning && Date() < deadline { usleep(200_000) }
        #expect(!cluster.isRunning, "the cluster of a killed daemon is stopped by its watchdog")
        // An orphan (its owner died without a watchdog): the next start adopts it and stops it on SIGTERM.
        try cluster.start()
        let dead = try run("/bin/sh", ["-c", "sh -c 'echo $$' "]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try Data((dead + "\n").utf8).write(to: cluster.ownerFile)
        let second = try DaemonProcess(arguments: args, dataDir: dir, environment: env)
        #expect(cluster.currentOwner() == second.pid)
        #expect(second.terminate() == 0, "\(second.log)")
        #expect(!cluster.isRunning, "the adopted cluster is stopped with the daemon that adopted it")
        // A cluster started by hand (no owner file) is used, not adopted: it is still running after the daemon stops.
        try cluster.start()
        try FileManager.default.removeItem(at: cluster.ownerFile)
        let third = try DaemonProcess(arguments: args, dataDir: dir, environment: env)
        #expect(third.terminate() == 0 && cluster.isRunning, "\(third.log)")
        try cluster.stop()
    }
}

@Suite struct ReadAPITests {
    @Test func entriesFilterAndPageAndCheckpointsAreTheSigned() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        for i in 0..<3 { #expect(try submit(try s.batch("f-\(i)", count: 4, seed: UInt64(i + 1)), to: d.url, ledger: s.ledger.id, token: s.tokenA).status == 201) }
        let c = try HTTPClient(url: d.url)
        let auth = [("Authorization", "Bearer \(s.inspectorToken)")]
        func page(_ query: String) throws -> (seqs: [Int64], next: String?) {
            let o = jsonObject(try c.request("GET", "/v1/ledgers/\(s.ledger.id)/entries?" + query, headers: auth))
            return ((o?["entries"]?.arrayValue ?? []).compactMap { $0.objectValue?["seq"]?.intValue }, o?["next"]?.stringValue)
        }
        // Batch f-1: header at 10, payments 11…14.
        let byBatch = try page("batch=f-1").seqs, payments = try page("batch=f-1&kind=payment").seqs
        let headers = try page("unit=430626&kind=batch").seqs, none = try page("unit=999999").seqs
        #expect(byBatch == [10, 11, 12, 13, 14])
        #expect(payments == [11, 12, 13, 14])
        #expect(headers == [5, 10, 15])
        #expect(none.isEmpty)
        // Cursor pagination: pages of 6 over 19 entries.
        var all: [Int64] = []
        var cursor = "0"
        for _ in 0..<10 {
            let p = try page("limit=6&after=\(cursor)")
            all += p.seqs
            guard let next = p.next else { break }
            cursor = next
        }
        #expect(all == Array(1...19))
        #expect(try c.request("GET", "/v1/ledgers/\(s.ledger.id)/entries?limit=0", headers: auth).status == 400)
        // Checkpoints: the latest, and the one at a given size, as stored and signed by the ledger key.
        let latest = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/checkpoint").text
        let store = LedgerStore(try PostgresConnection(s.conninfo))
        let stored = try store.head(s.ledger).checkpoint
        #expect(latest == stored)
        let signed = try SignedCheckpoint(parsing: latest)
        #expect(signed.checkpoint.size == 19 && signed.note.verify(with: s.ledgerKey.verifierKey))
        let at14 = try c.request("GET", "/v1/ledgers/\(s.ledger.id)/checkpoints/14")
        let parsed14 = try SignedCheckpoint(parsing: at14.text)
        #expect(at14.status == 200 && parsed14.checkpoint.size == 14)
        #expect(try c.request("GET", "/v1/ledgers/\(s.ledger.id)/checkpoints/13").status == 404)
        // Keys: names, roles and units from the ledger's key entries.
        let keys = jsonObject(try c.request("GET", "/v1/ledgers/\(s.ledger.id)/keys", headers: auth))?["keys"]?.arrayValue ?? []
        let names: [String] = keys.compactMap { $0.objectValue?["name"]?.stringValue }
        #expect(names.contains(s.officerB.name))
        let officerB = keys.first { $0.objectValue?["name"]?.stringValue == s.officerB.name }
        #expect(officerB?.objectValue?["units"]?.arrayValue?.first?.stringValue == "999999")
    }

    /// The CLI against the daemon: submit (prepared CSV, signed locally), log, show --reveal, reverse, verify.
    @Test func cliWorksAgainstTheDaemon() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        let cli = URL(fileURLWithPath: try aidledgerdPath()).deletingLastPathComponent().appendingPathComponent("aidledger").path
        let officerKey = s.dir.appendingPathComponent("officer-a.key").path
        try KeyFile.write(s.officerA, to: officerKey)
        let csv = s.dir.appendingPathComponent("batch.csv").path
        #expect(try run(cli, ["sample-csv", "--payments", "5", "--out", csv]).status == 0)
        let server = ["--server", d.url]
        let submitted = try run(cli, ["submit", csv, "--officer-key", officerKey, "--token", s.tokenA] + server)
        #expect(submitted.status == 0 && submitted.stdout.contains("submitted: seq 5…10"), "\(submitted.stdout)\(submitted.stderr)")
        let again = try run(cli, ["submit", csv, "--officer-key", officerKey, "--token", s.tokenA] + server)
        #expect(again.status == 2 && again.stderr.contains("HTTP 409"), "re-preparing the same file is refused: \(again.stderr)")
        let log = try run(cli, ["log", "--kind", "payment", "--token", s.inspectorToken] + server)
        #expect(log.status == 0 && log.stdout.split(separator: "\n").count == 5, "\(log.stdout)\(log.stderr)")
        let shown = try run(cli, ["show", "6", "--reveal", "--purpose", "spot check", "--token", s.inspectorToken] + server)
        #expect(shown.status == 0 && shown.stdout.contains("id_number: "), "\(shown.stdout)\(shown.stderr)")
        let reversed = try run(cli, ["reverse", "--seq", "6", "--reason", "重复发放", "--officer-key", officerKey, "--token", s.tokenA] + server)
        #expect(reversed.status == 0 && reversed.stdout.contains("reversed payment 6"), "\(reversed.stdout)\(reversed.stderr)")
        let twice = try run(cli, ["reverse", "--seq", "6", "--reason", "again", "--officer-key", officerKey, "--token", s.tokenA] + server)
        #expect(twice.status == 2 && twice.stderr.contains("already reversed"), "\(twice.stderr)")
        let verified = try run(cli, ["verify", "--token", s.inspectorToken, "--ledger-key", s.ledgerKey.verifierKey.description] + server)
        #expect(verified.status == 0 && verified.stdout.contains("INTACT"), "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stderr.contains("the server's verification of its database: intact"), "\(verified.stderr)")
        // What only the database shows (an opening deleted behind the ledger's back) fails `verify --server` too.
        let superuser = try PostgresConnection(s.conninfo)
        try superuser.query("SET session_replication_role = replica")
        try superuser.query("DELETE FROM openings WHERE first_seq = 6")
        // (A report is kept per ledger size for a minute: the next append makes the server verify again.)
        #expect(try submit(try s.batch("after-delete", count: 1, seed: 99), to: d.url, ledger: s.ledger.id, token: s.tokenA).status == 201)
        let afterDelete = try run(cli, ["verify", "--token", s.inspectorToken] + server)
        #expect(afterDelete.status == 1 && afterDelete.stderr.contains("FAILED (opening-missing)"), "\(afterDelete.stdout)\(afterDelete.stderr)")
        // A bad file: the server's problems are printed, nothing written.
        try "身份证号,姓名\n1,2\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let bad = try run(cli, ["submit", csv, "--officer-key", officerKey, "--token", s.tokenA] + server)
        #expect(bad.status == 2 && bad.stderr.contains("rejected, nothing sent"), "\(bad.stderr)")
    }
}

@Suite struct OperationsTests {
    /// SIGTERM under load: requests in flight finish with durable receipts, later ones are refused (503 or no
    /// connection), and the daemon exits 0. Logs, even at debug level, never contain a personal value.
    @Test func sigtermUnderLoadFinishesInFlightWritesAndLogsNothingPersonal() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir, environment: ["AIDLEDGERD_LOG_LEVEL": "trace"])
        let batches = try (0..<200).map { try s.batch("term-\($0)", count: 5, seed: UInt64($0 + 1)) }
        let receipts = Collected<ReceivedReceipt>()
        let refused = Collected<String>()
        let url = d.url
        let stopper = Thread {
            receipts.wait(forAtLeast: 20)
            kill(d.pid, SIGTERM)
        }
        stopper.start()
        concurrently(6) { worker in
            let client = try? HTTPClient(url: url)
            for i in stride(from: worker, to: batches.count, by: 6) {
                do {
                    let r = try submit(batches[i], to: url, ledger: s.ledger.id, token: s.tokenA, client: client)
                    if let receipt = ReceivedReceipt(r, batchID: "term-\(i)") { receipts.append(receipt) } else { refused.append("\(r.status)") }
                } catch {
                    refused.append("connection")
                }
            }
        }
        let status = d.waitForExit()
        #expect(status == 0, "\(d.log.suffix(2000))")
        let got = receipts.all
        #expect(!got.isEmpty && !refused.all.isEmpty, "SIGTERM should land in the middle (\(got.count) receipts)")
        #expect(refused.all.allSatisfy { $0 == "503" || $0 == "connection" }, "\(Set(refused.all))")
        let store = LedgerStore(try PostgresConnection(s.conninfo))
        for r in got { #expect(try store.receipt(s.ledger, firstSeq: r.first, lastSeq: r.last).hashes.map(\.hex) == r.hashes) }
        #expect(try s.verify().intact)
        // Nothing personal in the logs.
        let log = d.log
        #expect(log.contains("group committed"), "the trace log was written")
        for b in batches.prefix(40) {
            for item in b.items {
                for f in [PersonalField.idNumber, .name, .accountNumber] { #expect(!log.contains(item.value(f)!), "\(f.rawValue) in the log") }
            }
        }
    }

    /// Two ledgers in one database are written by two writers at once.
    @Test func twoLedgersProceedInParallel() throws {
        let a = try LedgerSetup()
        let b = try LedgerSetup(conninfo: a.conninfo)
        // One daemon with both ledger keys.
        try KeyFile.write(b.ledgerKey, to: a.dir.appendingPathComponent("keys/other-ledger.key").path)
        let d = try DaemonProcess(conninfo: a.conninfo, dataDir: a.dir)
        defer { d.terminate() }
        let failures = Collected<String>()
        concurrently(20) { i in
            let s = i % 2 == 0 ? a : b
            do {
                let r = try submit(try s.batch("p-\(i)", count: 2, seed: UInt64(i + 1)), to: d.url, ledger: s.ledger.id, token: s.tokenA)
                if r.status != 201 { failures.append("\(r.status) \(r.text)") }
            } catch { failures.append("\(error)") }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(2))")
        #expect(try a.verify().intact && b.verify().intact)
        let store = LedgerStore(try PostgresConnection(a.conninfo))
        #expect(try store.head(a.ledger).size == 4 + 10 * 3 && store.head(b.ledger).size == 4 + 10 * 3)
    }
}

@Suite struct AdministrationTests {
    /// `aidledger tokens issue/revoke` against the database; the daemon honours both (revocation within the
    /// token cache's 2 seconds).
    @Test func tokensIssuedAndRevokedByTheCLI() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        let cli = URL(fileURLWithPath: try aidledgerdPath()).deletingLastPathComponent().appendingPathComponent("aidledger").path
        let db = ["--database", s.conninfo, "--origin", s.origin]
        let file = s.dir.appendingPathComponent("inspector.token").path
        let issued = try run(cli, ["tokens", "issue", "--key-name", s.inspector.name, "--label", "test", "--out", file] + db)
        #expect(issued.status == 0, "\(issued.stderr)")
        let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        let token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let c = try HTTPClient(url: d.url)
        #expect(try c.request("GET", "/v1/ledgers/\(s.ledger.id)/keys", headers: [("Authorization", "Bearer \(token)")]).status == 200)
        // Only the hash is stored.
        #expect(try PostgresConnection(s.conninfo).query("SELECT count(*) FROM api_tokens WHERE position($1::bytea in token_hash) > 0", [.bytes(Array(token.utf8.prefix(12)))]).int(0, 0) == 0)
        let unknown = try run(cli, ["tokens", "issue", "--key-name", s.origin + "/nobody"] + db)
        #expect(unknown.status == 2 && unknown.stderr.contains("no enrolled"), "\(unknown.stderr)")
        let revoked = try run(cli, ["tokens", "revoke", "--key-name", s.inspector.name] + db)
        #expect(revoked.status == 0 && revoked.stdout.contains("revoked 2 tokens"), "\(revoked.stdout)")
        usleep(2_200_000)
        #expect(try c.request("GET", "/v1/ledgers/\(s.ledger.id)/keys", headers: [("Authorization", "Bearer \(token)")]).status == 401)
    }

    /// On a configured database the daemon never migrates: it refuses an older schema until `aidledger migrate`.
    @Test func daemonRefusesAnOldSchemaUntilMigrated() throws {
        let conninfo = try TestDatabase.unmigrated()
        let dir = try makeTemporaryDirectory()
        _ = try Migrations.apply(on: try PostgresConnection(conninfo), upTo: 2)
        let r = try run(try aidledgerdPath(), ["--database", conninfo, "--data-dir", dir.path, "--listen-port", "0"])
        #expect(r.status != 0 && (r.stdout + r.stderr).contains("aidledger migrate"), "\(r.stdout)\(r.stderr)")
        let cli = URL(fileURLWithPath: try aidledgerdPath()).deletingLastPathComponent().appendingPathComponent("aidledger").path
        let m = try run(cli, ["migrate", "--database", conninfo])
        let required = try LedgerStore.requiredSchemaVersion()
        #expect(m.status == 0 && m.stdout.contains("version 2 → \(required)"), "\(m.stdout)\(m.stderr)")
        #expect(try run(cli, ["migrate", "--database", conninfo]).stdout.contains("nothing to do"))
        let d = try DaemonProcess(conninfo: conninfo, dataDir: dir)
        #expect(d.terminate() == 0)
    }
}

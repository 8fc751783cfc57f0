import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerSamples
import Testing
import LedgerCore
import LedgerImport
import PostgresClient
import TestSupport

let header = "身份证号,姓名,区县代码,学校代码,学校名称,学段,年级,是否寄宿,困难类型,资助项目,学期,金额(元),账户类型,账号,发放日期"

/// A CSV batch of `count` generated payments for `unit`.
func batchCSV(count: Int, unit: String = "430626", seed: UInt64 = 1) -> String {
    var rng = SplitMix64(seed: seed)
    var lines = [header]
    for p in DemoData.boardingSubsidyPayments(count: count, unit: unit, period: "2025-autumn", rng: &rng) {
        lines.append([p.personal[.idNumber]!, p.personal[.name]!, p.unit, p.schoolCode, p.schoolName, p.stage == .junior ? "初中" : "小学", p.grade,
                      "是", p.personal[.category]!, "寄宿生生活补助", "2025年秋季", String(p.amountFen / 100) + "." + String(format: "%02d", p.amountFen % 100),
                      "银行卡", p.personal[.accountNumber]!, p.paidDate].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}

/// A ledger in a fresh test database, set up through the CLI: init, an officer for 430626, another for 430611.
struct CLILedger {
    let dir: URL
    let database: String
    var common: [String] { ["--database", database, "--data-dir", dir.path] }

    init() throws {
        dir = try makeTemporaryDirectory()
        database = try TestDatabase.fresh()
        let a = try aidledger()
        let i = try run(a, ["init", "--origin", "aidledger.example/430626"] + common)
        #expect(i.status == 0, "\(i.stdout)\(i.stderr)")
        for (n, unit) in [(1, "430626"), (2, "430611")] {
            let key = dir.appendingPathComponent("officer-\(n).key").path
            #expect(try run(a, ["keys", "generate", "--name", "aidledger.example/430626/officer/\(n)", "--out", key]).status == 0)
            let e = try run(a, ["keys", "enroll", "--key", key + ".vkey", "--role", "officer", "--units", unit] + common)
            #expect(e.status == 0, "\(e.stdout)\(e.stderr)")
        }
    }

    func officerKey(_ n: Int) -> String { dir.appendingPathComponent("officer-\(n).key").path }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func aidledgerRun(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(try aidledger(), args + common)
    }

    /// The number of entries, read through `log`.
    func entryCount() throws -> Int {
        try aidledgerRun(["log", "--limit", "100000"]).stdout.split(separator: "\n").count
    }
}

@Suite(.serialized) struct StoreCLITests {
    @Test func importVerifyExportAndShow() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        let csv = try l.write("b.csv", batchCSV(count: 40))
        let r = try l.aidledgerRun(["import", csv, "--officer-key", l.officerKey(1)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("imported: seq 4…44") && r.stdout.contains("40 payments"))
        let v = try l.aidledgerRun(["verify"])
        #expect(v.status == 0 && v.stdout.contains("INTACT") && v.stdout.contains("openings     160 checked"), "\(v.stdout)")
        let bundle = l.dir.appendingPathComponent("l.bundle").path
        #expect(try l.aidledgerRun(["export-bundle", "--out", bundle]).status == 0)
        let offline = try run(try aidledger(), ["verify", "--bundle", bundle])
        #expect(offline.status == 0 && offline.stdout.contains("entries      44"))
        // No personal value anywhere in the bundle, the log or show without --reveal.
        let openingsValue = try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "抽查"]).stdout.split(separator: "\n").first { $0.hasPrefix("id_number: ") }!.dropFirst(11)
        #expect(!String(decoding: try readBytes(URL(fileURLWithPath: bundle)), as: UTF8.self).contains(openingsValue))
        #expect(!(try l.aidledgerRun(["log", "--limit", "100"]).stdout.contains(openingsValue)))
        #expect(!(try l.aidledgerRun(["show", "5"]).stdout.contains(openingsValue)))
        // The same file again is refused, nothing written.
        let again = try l.aidledgerRun(["import", csv, "--officer-key", l.officerKey(1)])
        #expect(again.status == 2 && again.stderr.contains("already in ledger"))
        #expect(try l.entryCount() == 44)
        // Reversal, then a second reversal of the same payment is refused.
        #expect(try l.aidledgerRun(["reverse", "--seq", "6", "--reason", "重复发放", "--officer-key", l.officerKey(1)]).status == 0)
        let twice = try l.aidledgerRun(["reverse", "--seq", "6", "--reason", "again", "--officer-key", l.officerKey(1)])
        #expect(twice.status == 2 && twice.stderr.contains("already reversed"))
        #expect(try l.aidledgerRun(["verify"]).status == 0)
    }

    @Test func badInputIsRejectedWholeAndNothingIsWritten() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        let before = try l.entryCount()
        let good = batchCSV(count: 3)
        var lines = good.split(separator: "\n").map(String.init)
        let cases: [(String, String, String)] = [
            ("missing-column.csv", lines.map { $0.replacingOccurrences(of: ",姓名", with: "") }.joined(separator: "\n"), "name: required column missing"),
            ("unknown-column.csv", lines.enumerated().map { $0.offset == 0 ? $0.element + ",备注" : $0.element + ",x" }.joined(separator: "\n"), "unknown column"),
            ("bad-checksum.csv", { var l2 = lines; l2[2] = l2[2].replacingOccurrences(of: String(l2[2].prefix(18)), with: String(l2[2].prefix(17)) + (l2[2].prefix(18).last == "1" ? "2" : "1")); return l2.joined(separator: "\n") }(), "id_number: check character does not match"),
            ("zero.csv", { var l2 = lines; l2[1] = l2[1].replacingOccurrences(of: ",625.00,", with: ",0,").replacingOccurrences(of: ",750.00,", with: ",0,"); return l2.joined(separator: "\n") }(), "amount: must be greater than zero"),
            ("empty.csv", "", "the file is empty"),
            ("negative.csv", { var l2 = lines; l2[1] = l2[1].replacingOccurrences(of: ",625.00,", with: ",-625,").replacingOccurrences(of: ",750.00,", with: ",-750,"); return l2.joined(separator: "\n") }(), "amount: must be positive"),
            ("three-decimals.csv", { var l2 = lines; l2[1] = l2[1].replacingOccurrences(of: ",625.00,", with: ",625.001,").replacingOccurrences(of: ",750.00,", with: ",750.001,"); return l2.joined(separator: "\n") }(), "amount: has more than 2 decimal places"),
            ("birth-date.csv", { var l2 = lines; let id = String(l2[1].prefix(18)); let bad = String(id.prefix(10)) + "0230" + String(id.dropFirst(14)); l2[1] = l2[1].replacingOccurrences(of: id, with: bad); return l2.joined(separator: "\n") }(), "id_number: characters 7–14 are not a real birth date"),
        ]
        for (name, text, expected) in cases {
            let path = try l.write(name, text)
            let r = try l.aidledgerRun(["import", path, "--officer-key", l.officerKey(1)])
            #expect(r.status == 2, "\(name): \(r.stdout)")
            #expect(r.stderr.contains("rejected, nothing written") && r.stderr.contains(expected), "\(name): \(r.stderr)")
            #expect(r.stderr.contains("\(name):"), "\(name): errors must name the file: \(r.stderr)")
        }
        // Invalid UTF-8 and a 100 MB single line.
        var bytes = Array(good.utf8)
        bytes[bytes.count - 5] = 0xff
        let badUTF8 = l.dir.appendingPathComponent("latin1.csv")
        try Data(bytes).write(to: badUTF8)
        let u = try l.aidledgerRun(["import", badUTF8.path, "--officer-key", l.officerKey(1)])
        #expect(u.status == 2 && u.stderr.contains("invalid UTF-8"))
        let huge = l.dir.appendingPathComponent("huge.csv")
        try Data(repeating: UInt8(ascii: "a"), count: 100 << 20).write(to: huge)
        let h = try l.aidledgerRun(["import", huge.path, "--officer-key", l.officerKey(1)])
        #expect(h.status == 2 && h.stderr.contains("huge.csv:1:1: field longer than 4096 bytes"), "\(h.stderr)")
        #expect(try l.entryCount() == before)
        lines.removeAll()
    }

    @Test func scopeAndRevocationAreEnforcedBeforeWriting() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        let before = try l.entryCount()
        // Officer 2 may write only in 430611.
        let foreign = try l.write("foreign.csv", batchCSV(count: 2, unit: "430626"))
        let r = try l.aidledgerRun(["import", foreign, "--officer-key", l.officerKey(2)])
        #expect(r.status == 2 && r.stderr.contains("refused, nothing written") && r.stderr.contains("outside the scope"), "\(r.stderr)")
        #expect(try l.entryCount() == before)
        // After revocation officer 1 can no longer import.
        #expect(try l.aidledgerRun(["keys", "revoke", "--key", l.officerKey(1) + ".vkey", "--reason", "调离岗位"]).status == 0)
        let after = try l.aidledgerRun(["import", try l.write("late.csv", batchCSV(count: 2, seed: 5)), "--officer-key", l.officerKey(1)])
        #expect(after.status == 2 && after.stderr.contains("revoked"), "\(after.stderr)")
        #expect(try l.entryCount() == before + 1)
        #expect(try l.aidledgerRun(["verify"]).status == 0)
    }

    /// Two processes import into one ledger at the same moment: both land, one after the other, and the chain
    /// never forks.
    @Test func twoProcessesAppendAtOnce() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        let a = try l.write("a.csv", batchCSV(count: 300, seed: 11))
        let b = try l.write("b.csv", batchCSV(count: 300, seed: 12))
        let group = DispatchGroup()
        let results = ResultsBox()
        for path in [a, b] {
            group.enter()
            DispatchQueue.global().async {
                results.add((try? l.aidledgerRun(["import", path, "--officer-key", l.officerKey(1)]))?.status ?? -1)
                group.leave()
            }
        }
        group.wait()
        #expect(results.values.sorted() == [0, 0])
        #expect(try l.entryCount() == 3 + 2 * 301)
        let v = try l.aidledgerRun(["verify"])
        #expect(v.status == 0 && v.stdout.contains("batches      2"), "\(v.stdout)")
    }
}

final class ResultsBox: @unchecked Sendable {
    // @unchecked Sendable: `values` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: [Int32] = []
    func add(_ v: Int32) { lock.lock(); stored.append(v); lock.unlock() }
    var values: [Int32] { lock.lock(); defer { lock.unlock() }; return stored }
}

@Suite(.serialized) struct EmbeddedDefaultTests {
    /// The README's run command: the embedded database is created, started, used and stopped again, as root (the
    /// cluster then runs as the postgres system user) and as an ordinary user.
    @Test func demoRunsOnTheEmbeddedDefault() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        // The demo city: 12 ledgers verified, the cross-check finds every injected irregularity and nothing else.
        // Run outside the repository, so the rules come from the built-in copy written to <data-dir>/crosscheck.
        let first = try run(try aidledger(), ["demo", "--data-dir", data, "--students", "8"], cwd: dir)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.components(separatedBy: " INTACT ").count == 13, "\(first.stdout)")
        #expect(first.stdout.contains("missed 0, unexpected findings 0") && !first.stdout.contains("new 0,"), "\(first.stdout)")
        #expect(FileManager.default.fileExists(atPath: data + "/crosscheck/programs.csv") && FileManager.default.fileExists(atPath: data + "/demo/crosscheck/report.html"))
        // Again: nothing loaded twice, the same findings, now still open, and the ledgers (with the anchors) still verify.
        let second = try run(try aidledger(), ["demo", "--data-dir", data, "--students", "8"], cwd: dir)
        #expect(second.status == 0 && second.stdout.contains("new 0,") && second.stdout.contains("missed 0, unexpected findings 0"), "\(second.stdout)")
        #expect(second.stdout.components(separatedBy: " INTACT ").count == 13, "\(second.stdout)")
        // Stopped cleanly: nothing listens on its socket any more.
        #expect(try run(try which("pg_isready"), ["-h", data + "/run", "-p", "5432"]).status != 0)

        if geteuid() == 0 {
            // An ordinary user: the postgres system user, in a directory it owns.
            let userDir = URL(fileURLWithPath: "/tmp/aidledger-user-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: userDir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: userDir) }
            // The build directory may be private to root (a clone under `mktemp -d`): install the binary and its
            // resource bundle (the schema) where that user can run them, as an installation would.
            let binary = URL(fileURLWithPath: try aidledger())
            let installed = userDir.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: installed, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: binary, to: installed.appendingPathComponent("aidledger"))
            let resources = binary.deletingLastPathComponent().appendingPathComponent("aidledger_LedgerStore.resources")
            try FileManager.default.copyItem(at: resources, to: installed.appendingPathComponent("aidledger_LedgerStore.resources"))
            #expect(try run("/bin/chown", ["-R", "postgres", userDir.path]).status == 0)
            let asUser = try run("/usr/sbin/runuser", ["-u", "postgres", "--", installed.appendingPathComponent("aidledger").path,
                                                      "demo", "--data-dir", userDir.path + "/data", "--students", "4"], cwd: userDir)
            #expect(asUser.status == 0 && asUser.stdout.contains("INTACT") && asUser.stdout.contains("missed 0, unexpected findings 0"), "\(asUser.stdout)\(asUser.stderr)")
        }
    }
}

@Suite(.serialized) struct EraseTests {
    @Test func eraseIsRecordedAndVerifyStillPasses() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 3)), "--officer-key", l.officerKey(1)]).status == 0)
        // Payment at seq 5: erase its ID number and name openings.
        #expect(try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "抽查"]).stdout.contains("id_number: "))
        let e = try l.aidledgerRun(["erase", "--seq", "5", "--fields", "id_number,name", "--reason", "保存期满（5年）"])
        #expect(e.status == 0 && e.stdout.contains("erased 2 openings of payment 5"), "\(e.stdout)\(e.stderr)")
        let shown = try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "抽查"]).stdout
        #expect(!shown.contains("id_number: ") && !shown.contains("name: ") && shown.contains("category: "))
        let v = try l.aidledgerRun(["verify"])
        #expect(v.status == 0 && v.stdout.contains("INTACT") && v.stdout.contains("erase 1"), "\(v.stdout)")
        #expect(try l.aidledgerRun(["log", "--kind", "erase"]).stdout.contains("erases openings of 5: id_number,name"))
        // Only an admin may erase: an officer's key in the admin's place is refused, nothing written.
        let before = try l.entryCount()
        let refused = try l.aidledgerRun(["erase", "--seq", "6", "--reason", "x", "--admin-key", l.officerKey(1)])
        #expect(refused.status == 2 && refused.stderr.contains("refused, nothing written"), "\(refused.stderr)")
        #expect(try l.entryCount() == before)
        #expect(try l.aidledgerRun(["show", "6", "--reveal", "--purpose", "抽查"]).stdout.contains("id_number: "))
        // Not a payment.
        #expect(try l.aidledgerRun(["erase", "--seq", "4", "--reason", "x"]).stderr.contains("not a payment"))
    }
}

/// Personal values read from the database: a purpose, the read recorded as local:<user>, and an opening altered
/// in the database refused instead of shown.
@Suite(.serialized) struct RevealTests {
    @Test func localRevealNeedsAPurposeIsRecordedAndChecksTheOpenings() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        let noPurpose = try l.aidledgerRun(["show", "5", "--reveal"])
        #expect(noPurpose.status == 64 && noPurpose.stderr.contains("--purpose"), "\(noPurpose.stderr)")
        let shown = try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "抽查核对"])
        #expect(shown.status == 0)
        let id = try #require(shown.stdout.split(separator: "\n").first { $0.hasPrefix("id_number: ") }?.dropFirst(11))
        let db = try PostgresConnection(l.database)
        let log = try db.query("SELECT principal, seq, purpose FROM access_log ORDER BY id")
        #expect(log.count == 1 && log.string(0, 0)?.hasPrefix("local:") == true && log.int(0, 1) == 5 && log.string(0, 2) == "抽查核对")
        // The superuser alters the stored ID number (same length, one digit changed): refused, not shown.
        let rows = try db.query("SELECT first_seq, data FROM openings ORDER BY first_seq")
        var data = try #require(rows.bytes(0, 1))
        let needle = Array(id.utf8)
        let at = try #require((0...(data.count - needle.count)).first { Array(data[$0..<($0 + needle.count)]) == needle })
        data[at + 5] = data[at + 5] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try db.query("SET session_replication_role = replica")
        try db.query("UPDATE openings SET data = $1 WHERE first_seq = $2", [.bytes(data), .int(rows.int(0, 0)!)])
        try db.query("SET session_replication_role = DEFAULT")
        let altered = try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "抽查核对"])
        #expect(altered.status == 2 && altered.stderr.contains("does not match its commitment") && !altered.stdout.contains("id_number"), "\(altered.stdout)\(altered.stderr)")
        #expect(!altered.stdout.contains(String(decoding: data[at..<(at + needle.count)], as: UTF8.self)))
        #expect(try db.query("SELECT count(*) FROM access_log").int(0, 0) == 1, "a refused read is not recorded as served")
    }
}

/// The access log is a hash chain whose head the next append commits in an `access` entry: a record altered or
/// deleted afterwards is found by `verify`, whoever did it.
@Suite(.serialized) struct AccessLogChainTests {
    @Test func theNextAppendCommitsTheReadsAndVerifyFindsAnAlteredOrDeletedRecord() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("a.csv", batchCSV(count: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        for seq in ["5", "6"] { #expect(try l.aidledgerRun(["show", seq, "--reveal", "--purpose", "核查"]).status == 0) }
        #expect(try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 2, seed: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        // Batch b at 7…9, then the access entry at 10 committing both reads.
        let log = try l.aidledgerRun(["log", "--kind", "access"]).stdout
        #expect(log.contains("10") && log.contains("commits the access log: 2 reads"), "\(log)")
        #expect(try l.aidledgerRun(["verify"]).status == 0)
        // The next append without new reads adds no access entry.
        #expect(try l.aidledgerRun(["import", try l.write("c.csv", batchCSV(count: 1, seed: 3)), "--officer-key", l.officerKey(1)]).status == 0)
        #expect(try l.aidledgerRun(["log", "--kind", "access"]).stdout.split(separator: "\n").count == 1)
        let db = try PostgresConnection(l.database)
        try db.query("SET session_replication_role = replica")
        try db.query("UPDATE access_log SET purpose = '例行' WHERE n = 1")
        let altered = try l.aidledgerRun(["verify"])
        #expect(altered.status == 1 && altered.stdout.contains("access-log-altered") && altered.stdout.contains("record 1"), "\(altered.stdout)")
        try db.query("UPDATE access_log SET purpose = '核查' WHERE n = 1")
        #expect(try l.aidledgerRun(["verify"]).status == 0, "restored byte for byte, it holds again")
        try db.query("DELETE FROM access_log WHERE n = 2")
        let deleted = try l.aidledgerRun(["verify"])
        #expect(deleted.status == 1 && deleted.stdout.contains("access-log-altered") && deleted.stdout.contains("deleted"), "\(deleted.stdout)")
        // The service role cannot move the access-log head back or sideways.
        try db.query("SET session_replication_role = DEFAULT")
        #expect(throws: (any Error).self) { try db.query("UPDATE access_log_heads SET n = 1") }
    }

    /// Found by an outside attack: what the superuser writes into the head rows is checked, never trusted.
    @Test func tamperedHeadRowsAreRefusedNeverATrap() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("a.csv", batchCSV(count: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        #expect(try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "核查"]).status == 0)
        #expect(try l.aidledgerRun(["show", "6", "--reveal", "--purpose", "核查"]).status == 0)
        let db = try PostgresConnection(l.database)
        try db.query("SET session_replication_role = replica")
        // The uncommitted last record deleted: the head row names a record that is not stored.
        try db.query("DELETE FROM access_log WHERE n = 2")
        let v = try l.aidledgerRun(["verify"])
        #expect(v.status == 1 && v.stdout.contains("access-log-altered"), "\(v.stdout)")
        let refused = try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 1, seed: 2)), "--officer-key", l.officerKey(1)])
        #expect(refused.status == 2 && refused.stderr.contains("access-log head"), "\(refused.stderr)")
        // Numbers past every range in the access-log head: answered, never a trap.
        for n in ["9223372036854775807", "9007199254740991"] {
            try db.query(SQL(unsafeText: "UPDATE access_log_heads SET n = \(n)"))
            let show = try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "核查"])
            #expect(show.status == 2 && !show.stderr.contains("Fatal error"), "\(show.status) \(show.stderr)")
            let imported = try l.aidledgerRun(["import", try l.write("c.csv", batchCSV(count: 1, seed: 3)), "--officer-key", l.officerKey(1)])
            #expect(imported.status == 2 && !imported.stderr.contains("Fatal error"), "\(imported.status) \(imported.stderr)")
            #expect(try l.aidledgerRun(["verify"]).status == 1)
        }
        // The head's last time: the next entries would take it.
        try db.query("UPDATE access_log_heads SET n = 1")
        try db.query("UPDATE ledger_heads SET last_time = '2099-01-01T00:00:00.000Z'")
        let t = try l.aidledgerRun(["verify"])
        #expect(t.status == 1 && t.stdout.contains("head-inconsistent") && t.stdout.contains("last time"), "\(t.stdout)")
        let late = try l.aidledgerRun(["import", try l.write("d.csv", batchCSV(count: 1, seed: 4)), "--officer-key", l.officerKey(1)])
        #expect(late.status == 2 && late.stderr.contains("time of entry"), "\(late.stderr)")
        // A corrupt openings row is a finding, and the rest is still verified.
        try db.query("UPDATE ledger_heads SET last_time = (SELECT convert_from(substring(bytes from position('\"time\":\"' in convert_from(bytes, 'UTF8')) + 8 for 24), 'UTF8') FROM entries WHERE seq = 6)")
        try db.query("UPDATE openings SET data = '\\x7f0000'")
        let o = try l.aidledgerRun(["verify"])
        #expect(o.status == 1 && o.stdout.contains("opening-missing") && o.stdout.contains("cannot be read"), "\(o.stdout)\(o.stderr)")
        // A purpose that says nothing.
        #expect(try l.aidledgerRun(["show", "5", "--reveal", "--purpose", "   "]).status != 0)
    }
}

/// A ledger blocked by rows written outside its append path (a fabricated append: an entry, a checkpoint no valid
/// signature covers, the head moved over them) is brought back to its last signed checkpoint by `repair`, and
/// nothing the ledger key signed is removed.
@Suite(.serialized) struct RepairTests {
    @Test func repairRemovesOnlyWhatNoValidSignatureCovers() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("a.csv", batchCSV(count: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        #expect(try l.aidledgerRun(["repair"]).stdout.contains("nothing to repair"))
        let db = try PostgresConnection(l.database)
        try db.query("SET session_replication_role = replica")
        try db.query("INSERT INTO entries (ledger_id, seq, kind, bytes) VALUES (1, 7, 'payment', convert_to('{\"junk\":1}', 'UTF8'))")
        try db.query("INSERT INTO checkpoints (ledger_id, size, note) VALUES (1, 7, 'aidledger.example/430626\n7\nAAAA\n\n— bogus AAAA\n')")
        try db.query("UPDATE ledger_heads SET size = 7, checkpoint = 'aidledger.example/430626\n7\nAAAA\n\n— bogus AAAA\n'")
        try db.query("SET session_replication_role = DEFAULT")
        let blocked = try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 2, seed: 2)), "--officer-key", l.officerKey(1)])
        #expect(blocked.status == 2 && blocked.stderr.contains("ledger-inconsistent"), "\(blocked.stderr)")
        #expect(try l.aidledgerRun(["verify"]).status == 1)
        let repaired = try l.aidledgerRun(["repair"])
        #expect(repaired.status == 0 && repaired.stdout.contains("removed entries 7…7") && repaired.stdout.contains("head is at 6"), "\(repaired.stdout)\(repaired.stderr)")
        #expect(try l.aidledgerRun(["verify"]).status == 0)
        let after = try l.aidledgerRun(["import", try l.write("c.csv", batchCSV(count: 2, seed: 2)), "--officer-key", l.officerKey(1)])
        #expect(after.status == 0 && after.stdout.contains("seq 7…9"), "\(after.stdout)\(after.stderr)")
        #expect(try l.aidledgerRun(["verify"]).status == 0)
        #expect(try l.aidledgerRun(["repair"]).stdout.contains("size 9"))
    }
}

/// What `verify` finds in the database that the entries alone do not show: a head row that is missing or
/// disagrees, openings deleted without an erase entry, and — with a checkpoint a client kept — a tail cut with a
/// consistent head.
@Suite(.serialized) struct DatabaseVerifyTests {
    @Test func headRowMissingOrAlteredIsAFindingAndTheChainIsStillVerified() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        let db = try PostgresConnection(l.database)
        try db.query("SET session_replication_role = replica")
        try db.query("UPDATE ledger_heads SET size = size - 1")
        let altered = try l.aidledgerRun(["verify"])
        #expect(altered.status == 1 && altered.stdout.contains("head-inconsistent") && altered.stdout.contains("records size 5, the ledger holds 6 entries"), "\(altered.stdout)\(altered.stderr)")
        try db.query("DELETE FROM ledger_heads")
        let missing = try l.aidledgerRun(["verify", "--json"])
        #expect(missing.status == 1 && missing.stdout.contains("head-inconsistent") && missing.stdout.contains("missing"), "\(missing.stdout)\(missing.stderr)")
        #expect(missing.stdout.contains(#""entries":6"#), "the chain was verified without the head: \(missing.stdout.prefix(400))")
    }

    @Test func openingsDeletedWithoutAnEraseEntryAreFound() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 3)), "--officer-key", l.officerKey(1)]).status == 0)
        // An erase on record is fine; the same deletion done behind the ledger's back is not.
        #expect(try l.aidledgerRun(["erase", "--seq", "5", "--fields", "id_number,name", "--reason", "保存期满"]).status == 0)
        #expect(try l.aidledgerRun(["verify"]).status == 0)
        let db = try PostgresConnection(l.database)
        try db.query("SET session_replication_role = replica")
        try db.query("DELETE FROM openings")
        let v = try l.aidledgerRun(["verify"])
        #expect(v.status == 1 && v.stdout.contains("opening-missing"), "\(v.stdout)")
        #expect(v.stdout.contains("seq 6") && v.stdout.contains("seq 7"), "\(v.stdout)")
        // Payment 5 still misses the fields that were not erased (category, account …), never id_number or name.
        let line5 = v.stdout.split(separator: "\n").first { $0.contains("payment 5 commits to") } ?? ""
        #expect(!line5.contains("id_number") && !line5.contains(" name"), "\(line5)")
    }

    @Test func aKeptCheckpointFindsATailCutWithAConsistentHead() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("a.csv", batchCSV(count: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        let db = try PostgresConnection(l.database)
        let head6 = try db.query("SELECT size, last_hash, frontier, last_time, checkpoint FROM ledger_heads")
        #expect(head6.int(0, 0) == 6)
        #expect(try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 2, seed: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        let kept = l.dir.appendingPathComponent("kept.checkpoint")
        try Data(try db.query("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1").string(0, 0)!.utf8).write(to: kept)
        #expect(try l.aidledgerRun(["verify", "--checkpoint", kept.path]).status == 0)
        // The superuser cuts the second batch and puts the head back where it was: consistent, and it verifies.
        try db.query("SET session_replication_role = replica")
        for table in ["entries WHERE seq > 6", "checkpoints WHERE size > 6", "openings WHERE first_seq > 6", "payment_claims WHERE first_seq > 6", "batches WHERE seq > 6"] {
            try db.query(SQL(unsafeText: "DELETE FROM " + table))
        }
        try db.query("UPDATE ledger_heads SET size = $1, last_hash = $2, frontier = $3, last_time = $4, checkpoint = $5",
                      [.int(6), .bytes(head6.bytes(0, 1)!), .bytes(head6.bytes(0, 2)!), .text(head6.string(0, 3)!), .text(head6.string(0, 4)!)])
        #expect(try l.aidledgerRun(["verify"]).status == 0, "without the kept checkpoint the cut is invisible")
        let withKept = try l.aidledgerRun(["verify", "--checkpoint", kept.path])
        #expect(withKept.status == 1 && withKept.stdout.contains("external-checkpoint"), "\(withKept.stdout)")
        let bogus = try l.write("bogus.checkpoint", "{\"no\": 1}")
        #expect(try l.aidledgerRun(["verify", "--checkpoint", bogus]).status == 2)
    }
}

/// Numbers past every range on the command line are answered, never a trap.
@Suite(.serialized) struct CLIRangeTests {
    @Test func hugeSeqsAreAnswered() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        #expect(try l.aidledgerRun(["import", try l.write("b.csv", batchCSV(count: 2)), "--officer-key", l.officerKey(1)]).status == 0)
        for args in [["show", "9223372036854775808"], ["show", "18446744073709551615", "--reveal", "--purpose", "x"], ["log", "--from", "18446744073709551615"],
                     ["log", "--from", "9223372036854775807", "--limit", "9223372036854775807"],
                     ["reverse", "--seq", "18446744073709551615", "--reason", "x", "--officer-key", l.officerKey(1)],
                     ["erase", "--seq", "9223372036854775808", "--reason", "x"]] {
            let r = try l.aidledgerRun(args)
            #expect(r.status == 0 || r.status == 2 || r.status == 64, "\(args): exit \(r.status) \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"), "\(args): \(r.stderr)")
        }
        #expect(try l.aidledgerRun(["verify"]).status == 0)
    }
}

/// No person paid twice for one programme and period, whatever the file looks like, with the row and the
/// earlier seq named; a reversal frees the place, a supplementary payment (补发) with a reason is allowed.
@Suite(.serialized) struct DoublePaymentTests {
    @Test func theSamePeopleAreNotPaidTwice() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        let csv = batchCSV(count: 4)
        let first = try l.aidledgerRun(["import", try l.write("a.csv", csv), "--officer-key", l.officerKey(1)])
        #expect(first.status == 0, "\(first.stderr)")
        let count = try l.entryCount()
        // Payments are at seqs 5…8 (1 genesis, 2–3 enrolments, 4 the batch header).
        var lines = csv.split(separator: "\n").map(String.init)
        let variants: [(String, String, [String])] = [
            ("the same file under another batch id", csv, ["--batch-id", "other-id"]),
            ("one blank line added", csv + "\n", []),
            ("rows reordered", ([lines[0]] + lines.dropFirst().reversed()).joined(separator: "\n") + "\n", []),
            ("one person of the file again", [lines[0], lines[2]].joined(separator: "\n") + "\n", []),
        ]
        for (what, text, extra) in variants {
            let r = try l.aidledgerRun(["import", try l.write("v.csv", text), "--officer-key", l.officerKey(1)] + extra)
            #expect(r.status == 2 && r.stderr.contains("[payment-duplicate]") && r.stderr.contains("already paid for 寄宿生生活补助 2025-autumn at seq"),
                    "\(what): \(r.stdout)\(r.stderr)")
            #expect(try l.entryCount() == count, "\(what) wrote something")
        }
        // The same person twice in one file: both rows named.
        lines = batchCSV(count: 2, seed: 77).split(separator: "\n").map(String.init)
        let twice = try l.aidledgerRun(["import", try l.write("twice.csv", (lines + [lines[1]]).joined(separator: "\n") + "\n"), "--officer-key", l.officerKey(1)])
        #expect(twice.status == 2 && twice.stderr.contains("payment 2 (row 3) pays the same person as payment 0 (row 1)"), "\(twice.stderr)")
        #expect(try l.entryCount() == count)

        // A reversal frees the place: the person's row can be paid again.
        let one = [csv.split(separator: "\n")[0], csv.split(separator: "\n")[2]].joined(separator: "\n") + "\n"
        #expect(try l.aidledgerRun(["reverse", "--seq", "6", "--reason", "账号错误，退回", "--officer-key", l.officerKey(1)]).status == 0)
        let repaid = try l.aidledgerRun(["import", try l.write("repaid.csv", one), "--officer-key", l.officerKey(1)])
        #expect(repaid.status == 0, "\(repaid.stderr)")
        // A supplementary payment with its reason is admitted and recorded in the entry.
        let supplementary = ([header + ",补发原因"] + one.split(separator: "\n").dropFirst().map { $0 + ",补发2025年秋季差额" }).joined(separator: "\n") + "\n"
        let s = try l.aidledgerRun(["import", try l.write("supplementary.csv", supplementary), "--officer-key", l.officerKey(1)])
        #expect(s.status == 0, "\(s.stdout)\(s.stderr)")
        // count + 1: the reversal; + 2, + 3: the repaid batch; + 4, + 5: the supplementary batch and its payment.
        let shown = try l.aidledgerRun(["show", "\(count + 5)"]).stdout
        #expect(shown.contains(#""supplementary":"补发2025年秋季差额""#), "\(shown)")
        #expect(try l.aidledgerRun(["verify"]).status == 0)
    }
}

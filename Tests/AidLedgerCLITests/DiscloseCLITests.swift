import Foundation
import LedgerCore
import Testing
import TestSupport

/// `aidledger disclose` and `aidledger verify-disclosure` against a real PostgreSQL holding the demo city: the same
/// ledger state and request give byte-identical files (a dry run, then the recorded export), the export is a
/// disclosure entry and the ledger still verifies, the public check passes on what was published and fails on a
/// changed file, no personal value of the registries appears in any file, and bad requests get precise errors with
/// nothing written.
@Suite(.serialized) struct DiscloseCLITests {
    @Test func publishedExportIsDeterministicRecordedAndPubliclyCheckable() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try TestDatabase.fresh()
        let common = ["--database", database, "--data-dir", dir.path + "/data"]
        let demo = try run(try aidledger(), ["demo", "--students", "5"] + common, cwd: dir)
        #expect(demo.status == 0, "\(demo.stdout)\(demo.stderr)")
        // 临湘市 (430682): its ledger holds the demo's reversal.
        let ledger = ["--origin", "yueyang.example/430682", "--ledger-key", dir.path + "/data/keys/430682/ledger.key"]
        let request = ["--title", "临湘市2025年秋季学期学生资助公示", "--from", "2025-10-09", "--to", "2025-10-17",
                       "--contact", "临湘市学生资助管理中心 0730-3721234", "--period", "2025-autumn"]

        let preview = try run(try aidledger(), ["disclose", "--dry-run", "--out", dir.path + "/preview"] + request + ledger + common, cwd: dir)
        // A preview is never where the daemon serves from, and has no entry file.
        let defaultPreview = try run(try aidledger(), ["disclose", "--dry-run"] + request + ledger + common, cwd: dir)
        #expect(defaultPreview.status == 0 && defaultPreview.stdout.contains("/data/disclosure-previews/"), "\(defaultPreview.stdout)\(defaultPreview.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/data/disclosures"))
        #expect(preview.status == 0 && preview.stdout.contains("dry run"), "\(preview.stdout)\(preview.stderr)")
        let published = try run(try aidledger(), ["disclose", "--out", dir.path + "/public"] + request + ledger + common, cwd: dir)
        #expect(published.status == 0 && published.stdout.contains("recorded as disclosure entry"), "\(published.stdout)\(published.stderr)")
        let previewIDs = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/preview").filter { !$0.hasPrefix(".") }
        let publicIDs = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/public").filter { !$0.hasPrefix(".") }
        #expect(previewIDs.count == 1 && previewIDs == publicIDs, "the same manifest, so the same id")
        let id = try #require(publicIDs.first)
        let export = dir.path + "/public/" + id
        let names = ["list.csv", "list.xlsx", "list.html", "totals.csv", "totals.xlsx", "totals.html", "categories.csv", "categories.xlsx",
                     "categories.html", "manifest.note", "ledger.bundle"]
        #expect(FileManager.default.fileExists(atPath: export + "/disclosure-entry.txt") && !FileManager.default.fileExists(atPath: dir.path + "/preview/" + id + "/disclosure-entry.txt"))
        for name in names {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/preview/" + id + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: export + "/" + name))
            #expect(a == b && !a.isEmpty, "\(name) differs between two exports of the same ledger state")
        }
        let list = String(decoding: try Data(contentsOf: URL(fileURLWithPath: export + "/list.csv")), as: UTF8.self)
        #expect(list.hasPrefix("\u{FEFF}序号,姓名,单位,学校代码,学校,年级,资助项目,学期,金额(元),状态,账本序号\r\n"))
        #expect(list.contains(",已冲销,"), "the demo's reversed payment is shown as reversed")

        // Nothing personal: no ID number, and no name unmasked, of anyone in the registries.
        let identity = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir.path + "/data/demo/registry-identity.csv")), as: UTF8.self)
        let rows = identity.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let ids = rows.compactMap(\.first).filter { $0.count >= 15 }
        let fullNames = rows.compactMap { $0.count > 1 ? $0[1] : nil }.filter { $0.count >= 2 }
        #expect(ids.count > 50 && fullNames.count > 50)
        for name in names where name != "ledger.bundle" && !name.hasSuffix(".xlsx") {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: export + "/" + name)), as: UTF8.self)
            for v in ids where text.contains(v) { Issue.record("\(name) holds an ID number") }
            for v in fullNames where text.contains(v) { Issue.record("\(name) holds an unmasked name") }
        }

        let verify = try run(try aidledger(), ["verify-disclosure", export], cwd: dir)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let ledgerVerify = try run(try aidledger(), ["verify"] + ["--origin", "yueyang.example/430682"] + common, cwd: dir)
        #expect(ledgerVerify.status == 0 && ledgerVerify.stdout.contains("INTACT"), "\(ledgerVerify.stdout)\(ledgerVerify.stderr)")

        // A narrow scope (one school, one programme) lists only its rows, but its category table is the unit's: narrowing
        // or differencing scopes cannot reveal a person's category. It still verifies.
        let narrow = try run(try aidledger(), ["disclose", "--dry-run", "--out", dir.path + "/narrow", "--school", "430682-P1", "--program", "非寄宿生生活补助"]
                             + request + ledger + common, cwd: dir)
        #expect(narrow.status == 0, "\(narrow.stdout)\(narrow.stderr)")
        let narrowID = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/narrow").first { !$0.hasPrefix(".") })
        let narrowList = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir.path + "/narrow/" + narrowID + "/list.csv")), as: UTF8.self)
        #expect(narrowList.split(separator: "\r\n").count < list.split(separator: "\r\n").count)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/narrow/" + narrowID + "/categories.csv"))
                == (try Data(contentsOf: URL(fileURLWithPath: export + "/categories.csv"))))
        let narrowVerify = try run(try aidledger(), ["verify-disclosure", dir.path + "/narrow/" + narrowID], cwd: dir)
        #expect(narrowVerify.status == 0, "\(narrowVerify.stdout)\(narrowVerify.stderr)")

        // A changed file is caught by the public check.
        var tampered = Array(try Data(contentsOf: URL(fileURLWithPath: export + "/totals.csv")))
        if let i = tampered.lastIndex(of: UInt8(ascii: "0")) { tampered[i] = UInt8(ascii: "1") }
        try Data(tampered).write(to: URL(fileURLWithPath: export + "/totals.csv"))
        let caught = try run(try aidledger(), ["verify-disclosure", export], cwd: dir)
        #expect(caught.status == 1, "\(caught.stdout)\(caught.stderr)")

        // Bad requests: precise errors, nothing written.
        for (args, fragment) in [(["--from", "2025-10-09", "--to", "2025-10-10"], "working days"), (["--from", "2025-13-01", "--to", "2025-10-17"], "--from"),
                                 (["--unit", "4306 82"], "--unit"), (["--threshold", "2"], "--threshold"), (["--school", "NOPE"], "scope"),
                                 (["--from", "2025-02-30", "--to", "2025-10-17"], "calendar")] {
            var a = request
            for (k, v) in stride(from: 0, to: args.count, by: 2).map({ (args[$0], args[$0 + 1]) }) {
                if let i = a.firstIndex(of: k) { a[i + 1] = v } else { a += [k, v] }
            }
            let bad = try run(try aidledger(), ["disclose", "--out", dir.path + "/bad"] + a + ledger + common, cwd: dir)
            #expect(bad.status != 0 && bad.stderr.contains(fragment), "\(args): \(bad.stderr)")
            let made = (try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/bad")) ?? []
            #expect(made.isEmpty, "\(args) left \(made)")
        }
    }
}

import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import LedgerSamples
import LedgerTestVectors
import Testing

/// The public check of a 公示 export (docs/FORMAT.md §18.3): an intact export passes, and every tampering is found
/// with its code, even when the publisher re-signs the manifest over the changed files with the ledger key.
@Suite struct PublicCheckTests {
    func codes(_ files: [String: [UInt8]], key: String? = nil) -> [String] {
        let outcome = PublicDisclosureCheck.check(files: files, trustedLedgerKey: key)
        return Array(Set(outcome.problems.map(\.code))).sorted()
    }

    func problems(_ files: [String: [UInt8]]) -> [PublicDisclosureCheck.Problem] { PublicDisclosureCheck.check(files: files).problems }

    @Test(arguments: Suite.allCases)
    func anIntactExportPasses(_ suite: Suite) throws {
        let f = try PublicCheckFixture(suite: suite)
        let outcome = PublicDisclosureCheck.check(files: f.files, trustedLedgerKey: f.ledger.ledgerKey.verifierKey.description)
        #expect(outcome.intact, "\(outcome.problems)")
        let inScope = try f.payments()
        // Two units, two programmes, one period in scope; the reversed payment is listed as 已冲销.
        #expect(outcome.rowsConfirmed == inScope.count && inScope.count == 22)
        #expect(Set(inScope.map(\.unit)).count == 2 && Set(inScope.map(\.program)).count == 2)
        #expect(inScope.filter { $0.reversedBy != nil }.map(\.seq) == [Int64(f.reversedSeq)])
        #expect(outcome.manifest?.summary == DisclosureManifest.Summary(payments: 22, paid: 21, reversed: 1, paidFen: outcome.manifest!.summary.paidFen))
        let list = String(decoding: f.files["list.csv"]!, as: UTF8.self)
        #expect(list.contains("已冲销") && list.contains("已发放 21 人次"))
        // The category table suppresses something at this threshold, and still passes.
        #expect(String(decoding: f.files["categories.csv"]!, as: UTF8.self).contains("*"))
    }

    @Test func aChangedAmountIsFound() throws {
        let f = try PublicCheckFixture()
        let changed = try f.editing("list.csv") { rows in rows[3][8] = "9625.00" }
        let p = problems(changed)
        #expect(p.map(\.code) == ["list-row-mismatch"])
        #expect(p.first?.line == 4 && p.first?.column == 9)
        // Without re-signing, the digest differs too.
        var unsealed = f.files
        unsealed["list.csv"] = changed["list.csv"]
        let c = codes(unsealed)
        #expect(c.contains("list-row-mismatch") && (c.contains("file-size") || c.contains("file-digest")), "\(c)")
    }

    @Test func aDroppedRowIsFound() throws {
        let f = try PublicCheckFixture()
        // The row is dropped, the rows renumbered and the 合计 line made to agree with what is left.
        let changed = try f.editing("list.csv") { rows in
            let dropped = rows.remove(at: 2)
            for i in 1..<(rows.count - 1) { rows[i][0] = "\(i)" }
            let fen = Int64(dropped[8].replacingOccurrences(of: ".", with: ""))!
            let total = Int64(rows[rows.count - 1][8].replacingOccurrences(of: ".", with: ""))!
            rows[rows.count - 1][8] = PublicDisclosureCheck.yuan(total - fen)
            rows[rows.count - 1][9] = "已发放 20 人次"
        }
        let p = problems(changed)
        #expect(Set(p.map(\.code)) == ["list-missing", "list-total"], "\(p)")
        #expect(p.contains { $0.code == "list-missing" && $0.line == nil })
    }

    @Test func anAddedRowIsFound() throws {
        let f = try PublicCheckFixture()
        // A row for a seq that is a batch header, and one beyond the checkpoint.
        for seq in [f.batchHeaderSeq, f.ledger.size + 5] {
            let changed = try f.editing("list.csv") { rows in
                var row = rows[1]
                row[10] = "\(seq)"
                rows.insert(row, at: rows.count - 1)
                rows[rows.count - 2][0] = "\(rows.count - 2)"
            }
            #expect(codes(changed) == ["list-row-unknown"])
        }
        // The same payment twice.
        let twice = try f.editing("list.csv") { rows in
            rows.insert(rows[1], at: 2)
            for i in 1..<(rows.count - 1) { rows[i][0] = "\(i)" }
        }
        #expect(codes(twice) == ["list-duplicate"])
    }

    @Test func aChangedTotalIsFound() throws {
        let f = try PublicCheckFixture()
        let sum = try f.editing("list.csv") { rows in rows[rows.count - 1][8] = "1.00" }
        #expect(codes(sum) == ["list-total"])
        let count = try f.editing("list.csv") { rows in rows[rows.count - 1][9] = "已发放 99 人次" }
        #expect(codes(count) == ["list-total"])
        let noTotal = try f.editing("list.csv") { rows in rows.removeLast() }
        #expect(codes(noTotal).contains("list-total"))
    }

    @Test func aChangedTotalsCellIsFound() throws {
        let f = try PublicCheckFixture()
        let cell = try f.editing("totals.csv") { rows in rows[1][3] = String(Int(rows[1][3])! + 1) }
        let p = problems(cell)
        #expect(p.map(\.code) == ["totals-mismatch"] && p[0].line == 2 && p[0].column == 4)
        let amount = try f.editing("totals.csv") { rows in rows[2][4] = "0.01" }
        #expect(codes(amount) == ["totals-mismatch"])
        let grand = try f.editing("totals.csv") { rows in rows[rows.count - 1][3] = "0" }
        #expect(codes(grand) == ["totals-total"])
        let dropped = try f.editing("totals.csv") { rows in rows.remove(at: 1) }
        #expect(codes(dropped) == ["totals-row-missing"])
        let swapped = try f.editing("totals.csv") { rows in rows.swapAt(1, 2) }
        #expect(codes(swapped) == ["totals-order"])
        let header = try f.editing("totals.csv") { rows in rows[0][3] = "人数" }
        #expect(codes(header) == ["totals-header"])
    }

    @Test func aFileWhoseDigestDiffersIsFound() throws {
        let f = try PublicCheckFixture()
        var files = f.files
        files["list.html"]! [20] ^= 0x01
        #expect(problems(files).map(\.code) == ["file-digest"] && problems(files)[0].file == "list.html")
        files["list.html"]!.append(0x20)
        #expect(codes(files) == ["file-size"])
        files["list.html"] = nil
        #expect(codes(files) == ["file-missing"])
    }

    @Test func aManifestSignedByAnotherKeyIsRefused() throws {
        let f = try PublicCheckFixture()
        let other = try NamedSigningKey(name: f.ledger.origin, key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        #expect(codes(try f.sealed(f.files, key: other)) == ["manifest-signature"])
        // A pinned key that is not the genesis ledger key.
        #expect(codes(f.files, key: other.verifierKey.description) == ["ledger-key-untrusted"])
        // The signature line removed: the note does not parse.
        let note = String(decoding: f.files["manifest.note"]!, as: UTF8.self)
        var files = f.files
        files["manifest.note"] = Array(note.split(separator: "\n\n")[0].utf8) + [0x0a]
        #expect(codes(files) == ["manifest-malformed"])
    }

    @Test func aCheckpointThatDoesNotMatchIsFound() throws {
        let f = try PublicCheckFixture()
        let last = f.ledger.checkpoints.last!.checkpoint
        let earlier = f.ledger.checkpoints[f.ledger.checkpoints.count - 2].checkpoint
        // The size of the last checkpoint with the root of an earlier one.
        let wrongRoot = try f.sealed(f.files, checkpoint: Checkpoint(origin: last.origin, size: last.size, root: earlier.root))
        #expect(codes(wrongRoot) == ["checkpoint-mismatch"])
        // A size the bundle does not reach.
        let beyond = try f.sealed(f.files, checkpoint: Checkpoint(origin: last.origin, size: last.size + 10, root: last.root))
        #expect(codes(beyond).contains("checkpoint-mismatch"))
    }

    @Test func aRowOutOfScopeIsFound() throws {
        let f = try PublicCheckFixture()
        let changed = try f.editing("list.csv") { rows in
            // The 2026-spring payment, written with its own members, before the 合计 line.
            var row = rows[rows.count - 2]
            row[0] = "\(rows.count - 1)"
            row[6] = Sample.program
            row[7] = "2026-spring"
            row[10] = "\(f.outOfScopeSeq)"
            rows.insert(row, at: rows.count - 1)
        }
        let c = codes(changed)
        #expect(c.contains("list-out-of-scope"), "\(c)")
        #expect(!c.contains("list-row-unknown"))
    }

    @Test func paidOnAReversedPaymentIsFound() throws {
        let f = try PublicCheckFixture()
        let changed = try f.editing("list.csv") { rows in
            let i = rows.firstIndex { $0.count > 10 && $0[10] == "\(f.reversedSeq)" }!
            rows[i][9] = "已发放"
        }
        let p = problems(changed)
        #expect(p.map(\.code) == ["list-status"] && p[0].column == 10)
        let other = try f.editing("list.csv") { rows in rows[1][9] = "已冲销" }
        #expect(codes(other) == ["list-status"])
        let unknown = try f.editing("list.csv") { rows in rows[1][9] = "待发放" }
        #expect(codes(unknown) == ["list-status"])
    }

    @Test func namesMustBeMasked() throws {
        let f = try PublicCheckFixture()
        let changed = try f.editing("list.csv") { rows in rows[1][1] = "张三" }
        #expect(codes(changed) == ["list-name"])
        for good in ["*", "张*", "张*明", "欧**明", "'-*", "'*"] { #expect(PublicDisclosureCheck.isMaskedName(good), "\(good)") }
        for bad in ["", "张三", "张**", "**明", "张三明", "430626200801011234", "'=", "张 *"] { #expect(!PublicDisclosureCheck.isMaskedName(bad), "\(bad)") }
    }

    @Test func categoriesAreChecked() throws {
        let f = try PublicCheckFixture()
        let rows = PublicCheckFixture.rows(f.files["categories.csv"]!)
        // A unit's 合计 changed.
        let total = try f.editing("categories.csv") { rows in rows[1][rows[1].count - 1] = "0" }
        #expect(codes(total).contains("categories-row-total"))
        // A suppressed cell revealed: the row no longer hides it.
        let (r, c) = try #require(rows.indices.dropFirst().lazy.compactMap { r in rows[r].firstIndex(of: "*").map { (r, $0) } }.first)
        let revealed = try f.editing("categories.csv") { rows in rows[r][c] = "1" }
        #expect(codes(revealed).contains("categories-suppression"), "\(codes(revealed))")
        // A visible cell of a row without suppressed cells changed: the row no longer adds up.
        if let vr = rows.indices.dropFirst().dropLast().first(where: { !rows[$0].contains("*") }) {
            let unbalanced = try f.editing("categories.csv") { rows in rows[vr][1] = String(Int(rows[vr][1])! + 7) }
            #expect(codes(unbalanced).contains("categories-row-sum"), "\(codes(unbalanced))")
        }
        let header = try f.editing("categories.csv") { rows in rows[0][0] = "单位名称" }
        #expect(codes(header) == ["categories-header"])
        let cell = try f.editing("categories.csv") { rows in rows[1][1] = "-1" }
        #expect(codes(cell).contains("categories-cell"))
    }

    @Test func theSummaryMustMatch() throws {
        let f = try PublicCheckFixture()
        var s = try DisclosureManifest.parse(note: f.files["manifest.note"]!).manifest.summary
        s.reversed += 1
        #expect(codes(try f.sealed(f.files, summary: s)) == ["summary-mismatch"])
    }

    @Test func theLedgerMustVerify() throws {
        let f = try PublicCheckFixture()
        var files = f.files
        // An amount changed in the bundle's stored bytes.
        let bundle = String(decoding: files["ledger.bundle"]!, as: UTF8.self)
        files["ledger.bundle"] = Array(bundle.replacingOccurrences(of: "\"amount_fen\":62500", with: "\"amount_fen\":62600").utf8)
        let c = codes(files)
        #expect(c.contains("bundle-invalid"), "\(c)")
        files["ledger.bundle"] = Array("not a bundle\n".utf8)
        #expect(codes(files).contains("bundle-invalid"))
        files["ledger.bundle"] = nil
        #expect(codes(files) == ["file-missing"])
    }

    // MARK: - out-of-range inputs: problems, never traps

    @Test func csvSyntaxIsStrict() throws {
        let files = try PublicCheckFixture.shared().files
        func read(_ text: String, bom: Bool = true) -> String? {
            var changed = files
            changed["list.csv"] = (bom ? [0xef, 0xbb, 0xbf] : []) + Array(text.utf8)
            return PublicDisclosureCheck.check(files: changed).problems.first { $0.file == "list.csv" && $0.code == "csv-syntax" }?.why
        }
        #expect(read("a,b\r\n", bom: false) != nil)
        #expect(read("a,b\n") != nil)
        #expect(read("a,b\r\nc,d") != nil)
        #expect(read("a,\"b\r\n") != nil)
        #expect(read("a,\"b\"\r\n") != nil) // quoted without need
        #expect(read("a,b\"c\r\n") != nil)
        #expect(read("a,\"b,c\"x\r\n") != nil)
        #expect(read("a,b\rc\r\n") != nil)
        // An empty last field is fine (then the header is wrong); quoting where it is needed is fine.
        #expect(read("a,\r\n") == nil)
        #expect(read("a,\"b,c\",\"d\"\"e\",\"f\r\ng\"\r\n") == nil)
    }

    @Test func outOfRangeInputsGiveProblems() throws {
        let f = try PublicCheckFixture.shared()
        func edited(_ edit: (inout [[String]]) -> Void) throws -> [String] { codes(try f.editing("list.csv", edit)) }
        #expect(try edited { $0[1][0] = "99999999999999999999999" } == ["list-number"])
        #expect(try edited { $0[1][10] = "99999999999999999999999" } .contains("list-cell"))
        #expect(try edited { $0[1][10] = "0" } .contains("list-cell"))
        #expect(try edited { $0[1][10] = "-3" } .contains("list-cell"))
        #expect(try edited { $0[1][8] = "92233720368547758.07" } == ["list-row-mismatch"])
        #expect(try edited { $0[1][8] = "1e3" } == ["list-row-mismatch"])
        #expect(try edited { $0[1].append("extra") } == ["list-layout", "list-missing"])
        #expect(try codes(f.editing("totals.csv") { $0[1][3] = "9223372036854775808" }) == ["totals-mismatch"])
        #expect(try codes(f.editing("categories.csv") { $0[1][$0[1].count - 1] = "9223372036854775808" }).contains("categories-cell"))
        // Truncated, non-UTF-8 and empty files, for each CSV; a manifest and a bundle of garbage.
        for name in ["list.csv", "totals.csv", "categories.csv"] {
            let bytes = f.files[name]!
            for broken in [Array(bytes.prefix(bytes.count / 2)), Array(bytes.prefix(5)) + [0xff, 0xfe] + Array(bytes.dropFirst(5)), [], [0xef, 0xbb, 0xbf]] {
                var files = f.files
                files[name] = broken
                let outcome = PublicDisclosureCheck.check(files: try f.sealed(files))
                #expect(!outcome.intact && outcome.problems.allSatisfy { $0.file == name }, "\(name): \(outcome.problems)")
            }
        }
        var rng = SplitMix64(seed: 7)
        for name in ["manifest.note", "ledger.bundle", "list.csv", "categories.csv"] {
            for _ in 0..<40 {
                var files = f.files
                var bytes = files[name]!
                switch rng.next() % 3 {
                case 0: bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 << (rng.next() % 8))
                case 1: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
                default: bytes.insert(UInt8(rng.next() % 256), at: Int(rng.next() % UInt64(bytes.count)))
                }
                files[name] = bytes
                #expect(!PublicDisclosureCheck.check(files: files).intact)
            }
        }
        #expect(codes(["manifest.note": [0xff, 0x00]]) == ["manifest-malformed"])
        #expect(codes([:]) == ["file-missing"])
    }
}

extension PublicCheckFixture {
    /// One fixture for the tests that only read it (building keys and signatures costs time).
    static func shared() throws -> PublicCheckFixture { try PublicCheckFixture() }
}

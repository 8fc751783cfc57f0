import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import LedgerSamples
import LedgerTestVectors

/// A small ledger (two units, two programmes, two periods, a reversal) and a public bundle of a 公示 export of it,
/// written here from the layouts of docs/FORMAT.md §18.2 by a test-only writer (the module's writers are tested on
/// their own; the public check must accept what the layout says, whoever wrote it). `programs` narrows the
/// request (the list and the totals) without narrowing the category table, which counts every programme.
struct PublicCheckFixture {
    static let origin = "aidledger.example/430626"
    static let otherProgram = "国家助学金"

    let ledger: InMemoryLedger
    /// Names and categories by payment seq, as the openings would give them (nil category: none recorded).
    let people: [UInt64: (name: String, category: String?)]
    let request: DisclosureRequest
    let threshold: Int64
    /// The reversed payment, a payment out of the request's scope, and a batch header's seq.
    let reversedSeq: UInt64
    let outOfScopeSeq: UInt64
    let batchHeaderSeq: UInt64
    /// The export's files by name: the nine files, manifest.note and ledger.bundle.
    var files: [String: [UInt8]]

    init(suite: Suite = .ed25519SHA256, threshold: Int64 = 3, programs: [String] = []) throws {
        let ledger = try InMemoryLedger.create(origin: Self.origin, suite: suite)
        let officer = try ledger.enrollNewKey(name: Self.origin + "/officer/1", role: .officer, units: [Sample.homeUnit, Sample.neighbourUnit])
        var rng = SplitMix64(seed: 11)
        var people: [UInt64: (String, String?)] = [:]
        func batch(_ id: String, unit: String, program: String, period: String, count: Int) throws -> UInt64 {
            var items = DemoData.boardingSubsidyPayments(count: count, unit: unit, period: period, rng: &rng)
            if program == Self.otherProgram { for i in items.indices { items[i].stage = .senior; items[i].amountFen = 100_000 + Int64(i) * 5 } }
            let header = try ledger.appendBatch(id: id, program: program, period: period, unit: unit, items: items, officer: officer)
            for (i, item) in items.enumerated() {
                // Every fifth payment has no category opening (未登记).
                people[header + 1 + UInt64(i)] = (item.value(.name) ?? "", i % 5 == 4 ? nil : item.value(.category))
            }
            return header
        }
        let a = try batch("A", unit: Sample.homeUnit, program: Sample.program, period: "2025-autumn", count: 9)
        _ = try batch("B", unit: Sample.neighbourUnit, program: Sample.program, period: "2025-autumn", count: 7)
        _ = try batch("C", unit: Sample.homeUnit, program: Self.otherProgram, period: "2025-autumn", count: 6)
        let d = try batch("D", unit: Sample.homeUnit, program: Sample.program, period: "2026-spring", count: 3)
        try ledger.reverse(seq: a + 3, reason: "重复发放，收回后冲正", officer: officer)
        self.ledger = ledger
        self.people = people
        self.request = DisclosureRequest(programs: programs, periods: ["2025-autumn"], title: "示范县2025年秋季学期学生资助公示", publicityStart: "2026-09-07",
                                         publicityEnd: "2026-09-11", contact: "示范县学生资助管理中心 0730-1234567")
        self.threshold = threshold
        self.reversedSeq = a + 3
        self.outOfScopeSeq = d + 1
        self.batchHeaderSeq = a
        self.files = [:]
        files = try export()
    }

    // MARK: - the ledger's payments

    /// The payments in the request's scope (the list's).
    func payments(through size: UInt64? = nil) throws -> [DisclosedPayment] {
        try allPayments(through: size).filter { request.covers(unit: $0.unit, schoolCode: $0.schoolCode, program: $0.program, period: $0.period) }
    }

    /// The payments the category table counts: the request's units and periods, every school and programme.
    func countedPayments(through size: UInt64? = nil) throws -> [DisclosedPayment] {
        try allPayments(through: size).filter {
            (request.units.isEmpty || request.units.contains($0.unit)) && (request.periods.isEmpty || request.periods.contains($0.period))
        }
    }

    /// Every payment of the ledger up to `size`, with its masked name and category.
    func allPayments(through size: UInt64? = nil) throws -> [DisclosedPayment] {
        let size = size ?? ledger.size
        var reversedBy: [UInt64: UInt64] = [:]
        for e in ledger.entries where e.kind == .reversal && e.seq <= size {
            let r = try ReversalBody(decoding: try Entry(decoding: e.bytes).body)
            reversedBy[r.target] = e.seq
        }
        return try ledger.entries.filter { $0.kind == .payment && $0.seq <= size }.map { e in
            let p = try PaymentBody(decoding: try Entry(decoding: e.bytes).body)
            let person = people[e.seq]
            return DisclosedPayment(seq: Int64(e.seq), unit: p.unit, schoolCode: p.schoolCode, schoolName: p.schoolName, program: p.program, period: p.period,
                                    stage: p.stage.rawValue, grade: p.grade, amountFen: p.amountFen, maskedName: NameMask.mask(person?.name ?? ""),
                                    reversedBy: reversedBy[e.seq].map { Int64($0) }, category: person?.category)
        }
    }

    // MARK: - the test writer

    static func csv(_ rows: [[String]]) -> [UInt8] {
        var out: [UInt8] = [0xef, 0xbb, 0xbf]
        for row in rows {
            out += Array(row.map { field in
                field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",").utf8)
            out += [0x0d, 0x0a]
        }
        return out
    }

    static let stageOrder = ["preschool", "primary", "junior", "senior", "vocational", "higher"]
    static let stageNames = ["学前", "小学", "初中", "高中", "中职", "高校"]
    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
    static func text(_ s: String) -> String { PublicDisclosureCheck.cellText(s) }

    func listRows(_ payments: [DisclosedPayment]) -> [[String]] {
        let sorted = payments.sorted { a, b in
            for (x, y) in [(a.unit, b.unit), (a.schoolCode, b.schoolCode), (a.program, b.program), (a.period, b.period)] where x != y { return Self.precedes(x, y) }
            return a.seq < b.seq
        }
        var rows = [["序号", "姓名", "单位", "学校代码", "学校", "年级", "资助项目", "学期", "金额(元)", "状态", "账本序号"]]
        var sum: Int64 = 0, count = 0
        for (i, p) in sorted.enumerated() {
            rows.append(["\(i + 1)", Self.text(p.maskedName), Self.text(p.unit), Self.text(p.schoolCode), Self.text(p.schoolName), Self.text(p.grade),
                         Self.text(p.program), Self.text(p.period), PublicDisclosureCheck.yuan(p.amountFen), p.reversedBy == nil ? "已发放" : "已冲销", "\(p.seq)"])
            if p.reversedBy == nil { sum += p.amountFen; count += 1 }
        }
        rows.append(["合计", "", "", "", "", "", "", "", PublicDisclosureCheck.yuan(sum), "已发放 \(count) 人次", ""])
        return rows
    }

    func totalsRows(_ payments: [DisclosedPayment]) -> [[String]] {
        var sums: [[String]: (Int, Int64)] = [:]
        for p in payments where p.reversedBy == nil {
            let key = [p.unit, p.program, p.stage]
            let s = sums[key] ?? (0, 0)
            sums[key] = (s.0 + 1, s.1 + p.amountFen)
        }
        let keys = sums.keys.sorted { a, b in
            if a[0] != b[0] { return Self.precedes(a[0], b[0]) }
            if a[1] != b[1] { return Self.precedes(a[1], b[1]) }
            return (Self.stageOrder.firstIndex(of: a[2]) ?? 9) < (Self.stageOrder.firstIndex(of: b[2]) ?? 9)
        }
        var rows = [["单位", "资助项目", "学段", "人次", "金额(元)"]]
        var count = 0, fen: Int64 = 0
        for k in keys {
            let s = sums[k]!
            let stage = Self.stageOrder.firstIndex(of: k[2]).map { Self.stageNames[$0] } ?? k[2]
            rows.append([Self.text(k[0]), Self.text(k[1]), stage, "\(s.0)", PublicDisclosureCheck.yuan(s.1)])
            count += s.0
            fen += s.1
        }
        rows.append(["合计", "", "", "\(count)", PublicDisclosureCheck.yuan(fen)])
        return rows
    }

    /// categories.csv with primary and complementary suppression (FORMAT.md §18.2 item 3).
    func categoryRows(_ payments: [DisclosedPayment]) -> [[String]] {
        let paid = payments.filter { $0.reversedBy == nil }
        let categories = Set(paid.compactMap(\.category)).sorted(by: Self.precedes)
        let units = Set(paid.map(\.unit)).sorted(by: Self.precedes)
        let columns = categories.count + 1
        // values[r][c]: r over units then the 合计 row; c over categories, 未登记, then 合计.
        var values = [[Int]](repeating: [Int](repeating: 0, count: columns + 1), count: units.count + 1)
        for p in paid {
            let r = units.firstIndex(of: p.unit)!
            let c = p.category.flatMap { categories.firstIndex(of: $0) } ?? categories.count
            for (rr, cc) in [(r, c), (r, columns), (units.count, c), (units.count, columns)] { values[rr][cc] += 1 }
        }
        var hidden = [[Bool]](repeating: [Bool](repeating: false, count: columns + 1), count: units.count + 1)
        for r in units.indices { for c in 0..<columns where values[r][c] > 0 && values[r][c] < threshold { hidden[r][c] = true } }
        // Equations as lists of suppressible cells (the row 合计 cells and the grand total never are).
        var equations: [[(Int, Int)]] = []
        for r in units.indices { equations.append((0..<columns).map { (r, $0) }) }
        for c in 0..<columns { equations.append(units.indices.map { ($0, c) } + [(units.count, c)]) }
        equations.append((0..<columns).map { (units.count, $0) })
        var changed = true
        while changed {
            changed = false
            for e in equations where e.filter({ hidden[$0.0][$0.1] }).count == 1 {
                if let next = e.filter({ !hidden[$0.0][$0.1] }).min(by: { values[$0.0][$0.1] < values[$1.0][$1.1] }) {
                    hidden[next.0][next.1] = true
                    changed = true
                }
            }
        }
        var rows = [["单位"] + categories.map(Self.text) + ["未登记", "合计"]]
        for (r, unit) in (units + ["合计"]).enumerated() {
            rows.append([r < units.count ? Self.text(unit) : unit] + (0...columns).map { c in hidden[r][c] ? "*" : "\(values[r][c])" })
        }
        return rows
    }

    /// The nine files (XLSX and HTML as stand-ins: the public check compares only their digests), the manifest
    /// signed by the ledger key, and the bundle of the ledger as it stands.
    func export() throws -> [String: [UInt8]] {
        let payments = try payments()
        var files: [String: [UInt8]] = [
            "list.csv": Self.csv(listRows(payments)), "totals.csv": Self.csv(totalsRows(payments)),
            "categories.csv": Self.csv(categoryRows(try countedPayments())),
        ]
        for table in ["list", "totals", "categories"] {
            files["\(table).html"] = Array("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>\(table)</title></html>\n".utf8)
            files["\(table).xlsx"] = Array("PK stand-in for \(table).xlsx".utf8)
        }
        files["ledger.bundle"] = ledger.bundle()
        let paid = payments.filter { $0.reversedBy == nil }
        let summary = DisclosureManifest.Summary(payments: Int64(payments.count), paid: Int64(paid.count), reversed: Int64(payments.count - paid.count),
                                                 paidFen: paid.reduce(0) { $0 + $1.amountFen })
        return try sealed(files, summary: summary)
    }

    /// `files` with a fresh manifest over them, signed by `key` (the ledger key by default): what a publisher
    /// holding the key would publish after changing a file.
    func sealed(_ files: [String: [UInt8]], summary: DisclosureManifest.Summary? = nil, key: NamedSigningKey? = nil,
                checkpoint: Checkpoint? = nil) throws -> [String: [UInt8]] {
        var out = files
        let previous = files["manifest.note"].flatMap { try? DisclosureManifest.parse(note: $0).manifest }
        let cp = checkpoint ?? ledger.checkpoints.last!.checkpoint
        let manifest = DisclosureManifest(
            origin: ledger.origin, suite: ledger.suite, checkpointSize: cp.size, checkpointRoot: cp.root, request: request, workingDays: 5,
            threshold: threshold, summary: summary ?? previous!.summary,
            files: try DisclosureManifest.fileNames.map { try DisclosureManifest.File(name: $0, contents: files[$0] ?? []) })
        out["manifest.note"] = Array(try manifest.signed(by: key ?? ledger.ledgerKey).serialized.utf8)
        return out
    }

    // MARK: - editing CSV files

    /// The records of a CSV file written by `csv` (fields without quotes, commas or line breaks).
    static func rows(_ bytes: [UInt8]) -> [[String]] {
        String(decoding: bytes.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").dropLast().map { $0.components(separatedBy: ",") }
    }

    /// The files with `name` rewritten by `edit` and the manifest sealed again.
    func editing(_ name: String, _ edit: (inout [[String]]) -> Void) throws -> [String: [UInt8]] {
        var rows = Self.rows(files[name]!)
        edit(&rows)
        var changed = files
        changed[name] = Self.csv(rows)
        return try sealed(changed)
    }
}

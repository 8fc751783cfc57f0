import LedgerDisclosure
import Testing

/// The category table's suppression (docs/FORMAT.md §18): examples, and the property over many random tables.
@Suite struct CategorySuppressionTests {
    /// Every equation of the table: unit rows, columns (with the 合计-row cell), the 合计 row; each as its
    /// suppressed flags. Row 合计 cells and the grand total are never suppressed, so they are not listed.
    static func equations(_ r: CategorySuppression.Result, columnCount: Int) -> [[Bool]] {
        var all = r.cells
        for c in 0..<columnCount { all.append(r.cells.map { $0[c] } + [r.columnTotals[c]]) }
        all.append(r.columnTotals)
        return all
    }

    @Test func aSmallCellAndItsComplementsAreSuppressed() {
        // Two units, categories A, B, 未登记; threshold 3.
        let counts = [[1, 10, 4], [6, 7, 8]]
        let r = CategorySuppression.apply(counts: counts, columnCount: 3, threshold: 3)
        // Primary: (0,0). Row 0: smallest other is 4 at (0,2). Column 0: smallest other is (1,0)=6 (< total 7).
        // Column 2: (0,2) alone: (1,2)=8 < total 12. Row 1: (1,0), (1,2) suppressed: two. Nothing else.
        #expect(r.cells == [[true, false, true], [true, false, true]])
        #expect(r.columnTotals == [false, false, false])
    }

    @Test func aColumnMayHideItsTotalAndTheTotalsRowThenHidesAnother() {
        // One unit: its cells equal the column totals, so a column with one suppressed unit cell hides its total.
        let r = CategorySuppression.apply(counts: [[2, 9, 30]], columnCount: 3, threshold: 5)
        #expect(r.cells == [[true, true, false]])
        #expect(r.columnTotals == [true, true, false])
        for e in Self.equations(r, columnCount: 3) { #expect(e.count(where: { $0 }) != 1) }
    }

    @Test func nothingIsSuppressedAtOrAboveTheThresholdOrAtZero() {
        let r = CategorySuppression.apply(counts: [[0, 5, 7], [5, 0, 9]], columnCount: 3, threshold: 5)
        #expect(r.cells == [[false, false, false], [false, false, false]])
        #expect(r.columnTotals == [false, false, false])
        let one = CategorySuppression.apply(counts: [[1, 2]], columnCount: 2, threshold: 1)
        #expect(one.cells == [[false, false]])
    }

    @Test func aSingleColumnTableSuppressesNothing() {
        // Only 未登记: each cell equals the unit's public 合计, so hiding it would hide nothing.
        let r = CategorySuppression.apply(counts: [[1], [3]], columnCount: 1, threshold: 5)
        #expect(r.cells == [[false], [false]])
        #expect(r.columnTotals == [false])
    }

    @Test func afterSuppressionNoEquationHasExactlyOneStarAndNoSmallCellShows() {
        var generator = SeededGenerator(seed: 0x5EED_0011)
        for round in 0..<2000 {
            let units = Int.random(in: 1...7, using: &generator)
            let columns = Int.random(in: 2...6, using: &generator)
            let threshold = Int.random(in: 1...6, using: &generator)
            let sparse = Bool.random(using: &generator)
            let counts = (0..<units).map { _ in
                (0..<columns).map { _ in sparse && Bool.random(using: &generator) ? 0 : Int.random(in: 0...12, using: &generator) }
            }
            let r = CategorySuppression.apply(counts: counts, columnCount: columns, threshold: threshold)
            for (i, e) in Self.equations(r, columnCount: columns).enumerated() {
                #expect(e.count(where: { $0 }) != 1, "round \(round): equation \(i) has exactly one suppressed cell: \(counts) t=\(threshold)")
            }
            for u in 0..<units {
                for c in 0..<columns where counts[u][c] > 0 && counts[u][c] < threshold {
                    #expect(r.cells[u][c], "round \(round): a small cell is visible")
                }
            }
            for c in 0..<columns {
                let total = counts.reduce(0) { $0 + $1[c] }
                if total > 0 && total < threshold { #expect(r.columnTotals[c], "round \(round): a small category total is visible") }
            }
        }
    }

    @Test func theWrittenTableKeepsThePropertyAndItsTotals() throws {
        // Random payments through the whole writer: rows without * sum to their 合计, the 合计 row is the
        // column sums where nothing is suppressed, and no row or column of the file has exactly one *. A request
        // narrowed to one school gives the same table, counting every school.
        var generator = SeededGenerator(seed: 42)
        let categories: [String?] = ["低保", "建档立卡", "残疾", "孤儿", nil]
        for _ in 0..<40 {
            let payments = (1...Int.random(in: 1...60, using: &generator)).map { i in
                DisclosedPayment(seq: Int64(i), unit: ["430626", "430602", "430621"].randomElement(using: &generator)!,
                                 schoolCode: ["S1", "S2"].randomElement(using: &generator)!, schoolName: "学校",
                                 program: "寄宿生生活补助", period: "2025-autumn", stage: "junior", grade: "七年级", amountFen: 62_500, maskedName: "张*",
                                 reversedBy: Int.random(in: 0..<10, using: &generator) == 0 ? 99 : nil,
                                 category: categories.randomElement(using: &generator)!)
            }
            let threshold = Int.random(in: DisclosureTables.minimumThreshold...6, using: &generator)
            let files = try DisclosureFixture.files(payments, threshold: threshold)
            var oneSchool = DisclosureFixture.request
            oneSchool.schools = ["S1"]
            let narrowed = try DisclosureFixture.files(payments, request: oneSchool, threshold: threshold)
            #expect(try DisclosureFixture.file(narrowed, "categories.csv") == DisclosureFixture.file(files, "categories.csv"))
            let table = DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "categories.csv")))
            let body = Array(table.dropFirst())
            let width = table[0].count
            for row in body {
                let cells = row[1..<(width - 1)]
                if !cells.contains("*") { #expect(cells.reduce(0) { $0 + Int($1)! } == Int(row[width - 1])!) }
                #expect(cells.count(where: { $0 == "*" }) != 1)
            }
            for c in 1..<(width - 1) {
                let column = body.map { $0[c] }
                #expect(column.count(where: { $0 == "*" }) != 1)
                if !column.contains("*") { #expect(column.dropLast().reduce(0) { $0 + Int($1)! } == Int(column.last!)!) }
            }
            #expect(Int(body.last![width - 1]) == files.summary.paid)
        }
    }
}

/// Which cells of the category table (categories.csv, docs/FORMAT.md §18) are suppressed — written `*` — so that
/// no count of people below the threshold can be read or worked out by subtraction.
///
/// The table: one row per unit with a cell per column (the categories and 未登记), the row's 合计 (never
/// suppressed: it is the unit's number of 已发放 payments, which anyone counts from the public ledger bundle), and
/// a last 合计 row with each column's total and the grand total (never suppressed, for the same reason). Primary
/// suppression: a unit's cell, or a column's cell in the 合计 row, with 0 < v < threshold (a category with fewer
/// people than the threshold in the whole table is not shown either). Complementary suppression, repeated until
/// nothing changes, over the equations in this order: each unit row (its cells = its 合计), each column (its unit
/// cells and its 合计-row cell), the 合计 row (its column totals = the grand total). An equation with exactly one
/// suppressed cell gets its smallest other suppressible cell suppressed (ties: the first in the equation's order,
/// units top to bottom then the 合计-row cell). Afterwards no equation has exactly one suppressed cell — except
/// when the table has a single column, whose cells equal the public 合计 cells: then nothing is suppressed, as
/// nothing is hidden by it.
public enum CategorySuppression {
    public struct Result: Sendable, Equatable {
        /// `cells[u][c]`: the unit's cell in column c is suppressed.
        public var cells: [[Bool]]
        /// `columnTotals[c]`: column c's cell in the 合计 row is suppressed.
        public var columnTotals: [Bool]
    }

    /// `counts[u][c]`: people of unit u in column c (every row as long as `columnCount`). `threshold` ≥ 1 (an
    /// export uses at least `DisclosureTables.minimumThreshold`).
    public static func apply(counts: [[Int]], columnCount: Int, threshold: Int) -> Result {
        let units = counts.count
        var cells = counts.map { row in (0..<columnCount).map { c in c < row.count && row[c] > 0 && row[c] < threshold } }
        var totalsSuppressed = Array(repeating: false, count: columnCount)
        guard columnCount >= 2 else {
            return Result(cells: counts.map { _ in Array(repeating: false, count: columnCount) }, columnTotals: totalsSuppressed)
        }
        func value(_ u: Int, _ c: Int) -> Int { c < counts[u].count ? counts[u][c] : 0 }
        var columnTotal = Array(repeating: 0, count: columnCount)
        for u in 0..<units {
            for c in 0..<columnCount { columnTotal[c] = columnTotal[c] &+ value(u, c) }
        }
        for c in 0..<columnCount where columnTotal[c] > 0 && columnTotal[c] < threshold { totalsSuppressed[c] = true }

        var changed = true
        while changed {
            changed = false
            // Unit rows.
            for u in 0..<units where cells[u].count(where: { $0 }) == 1 {
                var best: Int? = nil
                for c in 0..<columnCount where !cells[u][c] {
                    if best.map({ value(u, c) < value(u, $0) }) ?? true { best = c }
                }
                if let c = best {
                    cells[u][c] = true
                    changed = true
                }
            }
            // Columns: the unit cells, then the 合计-row cell.
            for c in 0..<columnCount {
                let suppressed = (0..<units).count { cells[$0][c] } + (totalsSuppressed[c] ? 1 : 0)
                guard suppressed == 1 else { continue }
                var best: (unit: Int?, value: Int)? = nil
                for u in 0..<units where !cells[u][c] {
                    if best.map({ value(u, c) < $0.value }) ?? true { best = (u, value(u, c)) }
                }
                if !totalsSuppressed[c], best.map({ columnTotal[c] < $0.value }) ?? true { best = (nil, columnTotal[c]) }
                switch best {
                case .some((.some(let u), _)): cells[u][c] = true
                case .some((.none, _)): totalsSuppressed[c] = true
                case .none: continue
                }
                changed = true
            }
            // The 合计 row.
            if totalsSuppressed.count(where: { $0 }) == 1 {
                var best: Int? = nil
                for c in 0..<columnCount where !totalsSuppressed[c] {
                    if best.map({ columnTotal[c] < columnTotal[$0] }) ?? true { best = c }
                }
                if let c = best {
                    totalsSuppressed[c] = true
                    changed = true
                }
            }
        }
        return Result(cells: cells, columnTotals: totalsSuppressed)
    }
}

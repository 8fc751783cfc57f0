/// One cell of a disclosure table, written alike in CSV, XLSX and HTML.
public enum DisclosureCell: Sendable, Equatable {
    /// No content.
    case empty
    /// Text, already made safe (`CellText.text`); written as it is.
    case text(String)
    /// A whole number (序号, 账本序号, 人次): a number in XLSX, decimal digits elsewhere.
    case integer(Int64)
    /// An amount in fen: yuan with two decimals (`CellText.yuan`), a number with format `0.00` in XLSX.
    case fen(Int64)

    /// The cell's text as CSV and HTML write it.
    public var text: String {
        switch self {
        case .empty: ""
        case .text(let s): s
        case .integer(let v): String(v)
        case .fen(let v): CellText.yuan(v)
        }
    }
}

/// A table of a disclosure: its header texts and its rows, the last row being the 合计 line.
public struct DisclosureTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[DisclosureCell]]
}

/// The payments a disclosure covers and the three tables built from them (docs/FORMAT.md §18): the per-person
/// list and the totals by unit, programme and stage over the request's full scope, and the category table with
/// small cells suppressed over the request's units and periods only (`counted`).
public struct DisclosureTables: Sendable, Equatable {
    public static let listHeader = ["序号", "姓名", "单位", "学校代码", "学校", "年级", "资助项目", "学期", "金额(元)", "状态", "账本序号"]
    public static let totalsHeader = ["单位", "资助项目", "学段", "人次", "金额(元)"]
    public static let paidStatus = "已发放"
    public static let reversedStatus = "已冲销"
    public static let totalLabel = "合计"
    public static let unregisteredLabel = "未登记"
    public static let suppressedText = "*"
    /// The smallest suppression threshold accepted: with 1 nothing is suppressed, with 2 only cells of one
    /// person are, and a cell of two people lets each of them learn the other's category.
    public static let minimumThreshold = 3

    public var list: DisclosureTable
    public var totals: DisclosureTable
    public var categories: DisclosureTable
    /// Rows of the list, 已发放 rows, 已冲销 rows, and the sum of the 已发放 amounts.
    public var listedCount: Int
    public var paidCount: Int
    public var reversedCount: Int
    public var paidFen: Int64

    /// The payments of `payments` that the request covers and that are in the ledger at the checkpoint
    /// (`1 ≤ seq ≤ checkpointSize`), in the list's order: unit, school code, programme, period (by Unicode
    /// scalars), then seq. A payment counts as reversed only when its reversal is in the ledger at the checkpoint.
    public static func listed(_ payments: [DisclosedPayment], request: DisclosureRequest, checkpointSize: Int64) throws(DisclosureError) -> [DisclosedPayment] {
        var chosen = payments.filter {
            $0.seq >= 1 && $0.seq <= checkpointSize
                && request.covers(unit: $0.unit, schoolCode: $0.schoolCode, program: $0.program, period: $0.period)
        }
        chosen.sort { a, b in
            if a.unit != b.unit { return scalarOrderPrecedes(a.unit, b.unit) }
            if a.schoolCode != b.schoolCode { return scalarOrderPrecedes(a.schoolCode, b.schoolCode) }
            if a.program != b.program { return scalarOrderPrecedes(a.program, b.program) }
            if a.period != b.period { return scalarOrderPrecedes(a.period, b.period) }
            return a.seq < b.seq
        }
        try requireUniqueSeqs(chosen)
        return chosen
    }

    /// Whether a payment of `unit` and `period` is counted in the category table of `request`: its unit is one
    /// of the request's units and its period one of its periods (an empty list admits every value). The school
    /// and programme filters do not apply, so that narrowing a request to one school or programme, or comparing
    /// two requests that differ by a school or programme, cannot reveal a person's category.
    public static func categoryTableCovers(_ request: DisclosureRequest, unit: String, period: String) -> Bool {
        (request.units.isEmpty || request.units.contains(unit)) && (request.periods.isEmpty || request.periods.contains(period))
    }

    /// The payments of `payments` that the category table of `request` counts (`categoryTableCovers`) and that
    /// are in the ledger at the checkpoint (`1 ≤ seq ≤ checkpointSize`), in seq order.
    public static func counted(_ payments: [DisclosedPayment], request: DisclosureRequest, checkpointSize: Int64) throws(DisclosureError) -> [DisclosedPayment] {
        var chosen = payments.filter {
            $0.seq >= 1 && $0.seq <= checkpointSize && categoryTableCovers(request, unit: $0.unit, period: $0.period)
        }
        chosen.sort { $0.seq < $1.seq }
        try requireUniqueSeqs(chosen)
        return chosen
    }

    static func requireUniqueSeqs(_ payments: [DisclosedPayment]) throws(DisclosureError) {
        var seqs = Set<Int64>(minimumCapacity: payments.count)
        for p in payments where !seqs.insert(p.seq).inserted { throw .duplicateSeq(p.seq) }
    }

    /// Builds the list and the totals from listed payments (`listed`) and the category table from counted ones
    /// (`counted`), with category cells suppressed at `threshold` (at least `minimumThreshold`).
    public init(listed: [DisclosedPayment], counted: [DisclosedPayment], checkpointSize: Int64, threshold: Int) throws(DisclosureError) {
        guard threshold >= Self.minimumThreshold else { throw .invalidThreshold(threshold) }
        func isPaid(_ p: DisclosedPayment) -> Bool { p.reversedBy.map { $0 > checkpointSize } ?? true }

        // The list.
        var rows: [[DisclosureCell]] = []
        rows.reserveCapacity(listed.count + 1)
        var paidCount = 0
        var paidFen: Int64 = 0
        for (i, p) in listed.enumerated() {
            let paid = isPaid(p)
            if paid {
                paidCount += 1
                let (sum, overflow) = paidFen.addingReportingOverflow(p.amountFen)
                guard !overflow else { throw .amountOverflow(file: "list") }
                paidFen = sum
            }
            rows.append([
                .integer(Int64(i + 1)), .text(CellText.text(p.maskedName)), .text(CellText.text(p.unit)),
                .text(CellText.text(p.schoolCode)), .text(CellText.text(p.schoolName)), .text(CellText.text(p.grade)),
                .text(CellText.text(p.program)), .text(CellText.text(p.period)), .fen(p.amountFen),
                .text(paid ? Self.paidStatus : Self.reversedStatus), .integer(p.seq),
            ])
        }
        rows.append([.text(Self.totalLabel), .empty, .empty, .empty, .empty, .empty, .empty, .empty, .fen(paidFen),
                     .text("\(Self.paidStatus) \(paidCount) 人次"), .empty])
        list = DisclosureTable(header: Self.listHeader, rows: rows)
        listedCount = listed.count
        self.paidCount = paidCount
        reversedCount = listed.count - paidCount
        self.paidFen = paidFen

        totals = try Self.totalsTable(listed.filter(isPaid))
        categories = Self.categoryTable(counted.filter(isPaid), threshold: threshold)
    }

    /// 人次 and amount by (unit, programme, stage), 已发放 payments only.
    static func totalsTable(_ paid: [DisclosedPayment]) throws(DisclosureError) -> DisclosureTable {
        struct Key: Hashable {
            let unit: String, program: String, stage: String
        }
        var groups: [Key: (count: Int64, fen: Int64)] = [:]
        var total: (count: Int64, fen: Int64) = (0, 0)
        for p in paid {
            let key = Key(unit: p.unit, program: p.program, stage: p.stage)
            var g = groups[key] ?? (0, 0)
            let (sum, overflow) = g.fen.addingReportingOverflow(p.amountFen)
            let (grand, grandOverflow) = total.fen.addingReportingOverflow(p.amountFen)
            guard !overflow, !grandOverflow else { throw .amountOverflow(file: "totals") }
            g = (g.count + 1, sum)
            total = (total.count + 1, grand)
            groups[key] = g
        }
        let keys = groups.keys.sorted { a, b in
            if a.unit != b.unit { return scalarOrderPrecedes(a.unit, b.unit) }
            if a.program != b.program { return scalarOrderPrecedes(a.program, b.program) }
            let ra = CellText.stageRank(a.stage), rb = CellText.stageRank(b.stage)
            if ra != rb { return ra < rb }
            return scalarOrderPrecedes(a.stage, b.stage)
        }
        var rows: [[DisclosureCell]] = keys.map { k in
            let g = groups[k] ?? (0, 0)
            return [.text(CellText.text(k.unit)), .text(CellText.text(k.program)), .text(CellText.text(CellText.stageName(k.stage))),
                    .integer(g.count), .fen(g.fen)]
        }
        rows.append([.text(totalLabel), .empty, .empty, .integer(total.count), .fen(total.fen)])
        return DisclosureTable(header: totalsHeader, rows: rows)
    }

    /// 人次 by unit and category of the 已发放 payments `paid` (those of `counted`); a payment without a category
    /// (nil, empty or `未登记`) counts under 未登记. The header names the categories that occur among them — in
    /// the units and periods, not in the list's schools and programmes. Cells suppressed by `CategorySuppression`
    /// are written `*`.
    static func categoryTable(_ paid: [DisclosedPayment], threshold: Int) -> DisclosureTable {
        func column(_ p: DisclosedPayment) -> String? {
            guard let c = p.category, !c.isEmpty, c != unregisteredLabel else { return nil }
            return c
        }
        let categories = Set(paid.compactMap(column)).sorted(by: scalarOrderPrecedes)
        let units = Set(paid.map(\.unit)).sorted(by: scalarOrderPrecedes)
        let columnOf = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        let unitOf = Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1, $0) })
        let columnCount = categories.count + 1
        var counts = Array(repeating: Array(repeating: 0, count: columnCount), count: units.count)
        for p in paid {
            guard let u = unitOf[p.unit] else { continue }
            let c = column(p).flatMap { columnOf[$0] } ?? categories.count
            counts[u][c] += 1
        }
        let suppression = CategorySuppression.apply(counts: counts, columnCount: columnCount, threshold: threshold)
        var rows: [[DisclosureCell]] = []
        var columnTotals = Array(repeating: 0, count: columnCount)
        for (u, unit) in units.enumerated() {
            var row: [DisclosureCell] = [.text(CellText.text(unit))]
            for c in 0..<columnCount {
                row.append(suppression.cells[u][c] ? .text(suppressedText) : .integer(Int64(counts[u][c])))
                columnTotals[c] += counts[u][c]
            }
            row.append(.integer(Int64(counts[u].reduce(0, +))))
            rows.append(row)
        }
        var last: [DisclosureCell] = [.text(totalLabel)]
        for c in 0..<columnCount {
            last.append(suppression.columnTotals[c] ? .text(suppressedText) : .integer(Int64(columnTotals[c])))
        }
        last.append(.integer(Int64(paid.count)))
        rows.append(last)
        let header = ["单位"] + categories.map(CellText.text) + [unregisteredLabel, totalLabel]
        return DisclosureTable(header: header, rows: rows)
    }
}

import LedgerCore

/// The standards table (XC-08, XC-20): which standard row applies to a payment of a programme for a stage,
/// boarding status and unit in a period.
///
/// The row applies whose programme and stage are the payment's, whose boarding is the payment's or nil, whose
/// region is `*` or a prefix of the unit code (the longest prefix wins; among equally long ones, the first row),
/// and whose [effectiveFrom, effectiveTo] holds the period's start date.
public struct StandardsTable: Sendable {
    public let rows: [StandardRow]
    /// Row indices by (canonical programme, stage), in table order.
    private let rowsByProgramStage: [ProgramStage: [Int]]

    private struct ProgramStage: Hashable {
        let program: String
        let stage: Stage
    }

    /// The rows of a table; with a catalogue, a row that names its programme by an alias counts for the
    /// programme's canonical name.
    public init(_ rows: [StandardRow], catalog: ProgramCatalog? = nil) {
        self.rows = rows
        var index: [ProgramStage: [Int]] = [:]
        for (i, row) in rows.enumerated() {
            let program = catalog?.canonicalName(of: row.program) ?? row.program
            index[ProgramStage(program: program, stage: row.stage), default: []].append(i)
        }
        rowsByProgramStage = index
    }

    /// The standard for a payment of `program` (canonical name) to a student of `stage` and `boarding` paid by
    /// `unit`, in a period that starts on `date` (`YYYY-MM-DD`); nil when no row applies.
    public func standard(program: String, stage: Stage, boarding: Bool, unit: String, on date: String) -> StandardRow? {
        Self.best(of: rows(program: program, stage: stage, on: date), boarding: boarding, unit: unit)
    }

    /// The rows of `program` (canonical name) and `stage` in force on `date`, in table order: what a run with a
    /// fixed period start looks up once per programme and stage.
    func rows(program: String, stage: Stage, on date: String) -> [StandardRow] {
        (rowsByProgramStage[ProgramStage(program: program, stage: stage)] ?? []).map { rows[$0] }.filter { row in
            row.effectiveFrom <= date && row.effectiveTo.map { date <= $0 } ?? true
        }
    }

    /// Among rows in force, the one for `boarding` whose region is the longest prefix of `unit` (`*` matches
    /// every unit with length 0); the first such row on a tie.
    static func best(of rows: [StandardRow], boarding: Bool, unit: String) -> StandardRow? {
        var best: StandardRow?
        var bestLength = -1
        for row in rows {
            if let b = row.boarding, b != boarding { continue }
            let length: Int
            if row.region == "*" {
                length = 0
            } else if !row.region.isEmpty, unit.utf8.starts(with: row.region.utf8) {
                length = row.region.utf8.count
            } else {
                continue
            }
            if length > bestLength {
                best = row
                bestLength = length
            }
        }
        return best
    }
}

extension StandardRow {
    /// The lowest and highest amount one payment may be (fen): the yearly standard times the share, rounded
    /// down; nil when the share is not a positive fraction or a product does not fit in 64 bits (a table the
    /// loader should have refused), so that no table reaches a trap.
    public var paymentBoundsFen: (min: Int64, max: Int64)? {
        guard shareDenominator > 0, shareNumerator >= 0 else { return nil }
        let low = yearlyMinFen.multipliedReportingOverflow(by: shareNumerator)
        let high = yearlyMaxFen.multipliedReportingOverflow(by: shareNumerator)
        guard !low.overflow, !high.overflow else { return nil }
        let lowShare = low.partialValue / shareDenominator, highShare = high.partialValue / shareDenominator
        return (Swift.min(lowShare, highShare), Swift.max(lowShare, highShare))
    }
}

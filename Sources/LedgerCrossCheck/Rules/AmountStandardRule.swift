import LedgerCore

/// XC-08 AMOUNT_STD 金额不符标准: a payment of the period whose amount is outside what the applicable standard
/// allows for one payment (the yearly standard times the payment's share, widened by `amountToleranceFen`), or
/// for which no standard applies — the programme is unknown, or no row matches its stage, boarding, region and
/// the period's start date.
///
/// One finding per person and programme, the paying unit responsible; the amount is the off-standard payments'
/// total.
final class AmountStandardRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting
    let tolerance: Int64
    let stages = Stage.allCases.count
    /// The rows in force on the period's first day, per programme (catalogue index) and stage, found once.
    var inForce: [[StandardRow]?]

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
        tolerance = max(0, c.configuration.thresholds.amountToleranceFen)
        inForce = Array(repeating: nil, count: c.catalog.programs.count * stages)
    }

    /// What is wrong with one payment's amount: no standard, or the standard it misses.
    enum Miss {
        case noStandard
        case outside(StandardRow, low: Int64, high: Int64)
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        var failing: [(payment: Int, detail: Miss)] = []
        for p in payments {
            let i = c.payments[p].index
            guard let program = c.payments[p].programIndex else {
                failing.append((p, .noStandard))
                continue
            }
            let stage = c.all[i].stage
            let slot = program * stages + stage.ordinal
            let rows: [StandardRow]
            if let known = inForce[slot] {
                rows = known
            } else {
                rows = c.standards.rows(program: c.payments[p].program, stage: stage, on: c.periodStart)
                inForce[slot] = rows
            }
            let standard = StandardsTable.best(of: rows, boarding: c.all[i].boarding, unit: c.all[i].unit)
            guard let standard, let bounds = standard.paymentBoundsFen else {
                failing.append((p, .noStandard))
                continue
            }
            let amount = c.all[i].amountFen
            if amount < Money.subtract(bounds.min, tolerance) || amount > Money.add(bounds.max, tolerance) {
                failing.append((p, .outside(standard, low: bounds.min, high: bounds.max)))
            }
        }
        guard !failing.isEmpty else { return }
        for (program, failures) in c.groupedByProgram(failing) {
            let items = failures.map { c.item($0.payment) }
            var evidence: [Evidence] = []
            for (item, failure) in zip(items, failures) {
                evidence.append(.payment(item, "amount", Money.yuan(item.amountFen)))
                evidence.append(.payment(item, "stage", item.stage.rawValue))
                evidence.append(.payment(item, "boarding", item.boarding ? "true" : "false"))
                switch failure.detail {
                case .noStandard:
                    evidence.append(.config("standards", "standard", "无适用标准（\(program)，\(item.stage.rawValue)，\(c.periodStart)）"))
                case .outside(let standard, let low, let high):
                    evidence.append(.standard(standard, "expected_amount", Self.range(low, high)))
                }
            }
            let summary: String
            switch failures[0].detail {
            case .noStandard: summary = "\(c.period) \(program)：没有适用的资助标准（项目、学段、寄宿、地区或生效日期不符）"
            case .outside(_, let low, let high): summary = "\(c.period) \(program)：发放金额\(Money.yuan(items[0].amountFen))元不符合标准\(Self.range(low, high))元"
            }
            try c.reportPerson(setting, person: g, program: program, unit: items[0].unit, schoolCode: items[0].schoolCode, items: items,
                               summary: summary, evidence: evidence)
        }
    }

    /// `750.00`, or `1500.00–3500.00` for a range (yuan).
    static func range(_ low: Int64, _ high: Int64) -> String {
        low == high ? Money.yuan(low) : Money.yuan(low) + "–" + Money.yuan(high)
    }
}

extension Stage {
    /// Position in `allCases`.
    var ordinal: Int {
        switch self {
        case .preschool: 0
        case .primary: 1
        case .junior: 2
        case .senior: 3
        case .vocational: 4
        case .higher: 5
        }
    }
}

import LedgerCore

/// XC-05 DUP_PROGRAM 重复享受: one person paid more than once for the same programme (canonical name) and period,
/// across every ledger of the run. Reversed payments do not count, so a reversed duplicate is no finding. A
/// supplementary payment (补发) by the same unit as an earlier payment of the group is not a duplicate; by
/// another unit it is.
///
/// One finding per person and programme. In paid-date order (then ledger and seq) the first payment is the
/// original; the unit of the first later payment that is a duplicate is responsible. The entries are all the
/// group's payments, the amount the duplicates' total.
final class DuplicateProgramRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        // Most people are paid once: no duplicate.
        guard payments.count > 1 else { return }
        var byProgram: [String: [Int]] = [:]
        for p in payments { byProgram[c.payments[p].program, default: []].append(p) }
        for program in byProgram.keys.sorted() {
            guard let group = byProgram[program], group.count > 1 else { continue }
            let ordered = c.sortedByPaidDate(group).map { c.item($0) }
            var duplicates: [PaidItem] = []
            for (i, item) in ordered.enumerated().dropFirst() {
                let sameUnitEarlier = ordered[..<i].contains { $0.unit == item.unit }
                if item.supplementary != nil, sameUnitEarlier { continue }
                duplicates.append(item)
            }
            guard let responsible = duplicates.first else { continue }
            var evidence: [Evidence] = []
            for item in ordered {
                evidence.append(.payment(item, "unit", item.unit))
                evidence.append(.payment(item, "paid_date", item.paidDate))
                evidence.append(.payment(item, "amount", Money.yuan(item.amountFen)))
                if item.supplementary != nil { evidence.append(.payment(item, "supplementary", "补发")) }
            }
            let units = Set(ordered.map(\.unit)).count
            try c.reportPerson(setting, person: g, program: program, unit: responsible.unit, schoolCode: responsible.schoolCode, items: ordered,
                               amountFen: Money.sum(duplicates.lazy.map(\.amountFen)),
                               summary: "\(c.period) \(program)：同一人本期被发放\(ordered.count)次（涉及\(units)个单位）", evidence: evidence)
        }
    }
}

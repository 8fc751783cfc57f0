import LedgerCore

/// XC-07 STATUS_AFTER_EXIT 离校后仍发放: a payment of the period dated strictly after the status date of an
/// enrollment row of the same person at the paying unit with an exit status (休学, 转出, 毕业, 辍学, 死亡) — unless
/// the person also has an enrolled row at the paying unit and school (re-enrolled) — or strictly after the
/// identity registry's date of death. A payment dated on or before the exit or the death is no finding; a
/// student who transferred out of unit A and is paid by unit B, where they are enrolled, is none either.
///
/// One finding per person and programme, the paying unit responsible.
final class StatusAfterExitRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    /// The rows (indices) that show a payment came after an exit or a death.
    struct Exit {
        var enrollment: [Int] = []
        var identity: [Int] = []
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        let enrollmentRows = c.persons.enrollment.of(g), identityRows = c.persons.identity.of(g)
        guard !enrollmentRows.isEmpty || !identityRows.isEmpty else { return }
        var failing: [(payment: Int, detail: Exit)] = []
        for p in payments {
            let i = c.payments[p].index
            let paidDate = c.all[i].paidDate
            var exit = Exit()
            if !enrollmentRows.isEmpty {
                let unit = c.all[i].unit
                var reenrolled = false
                for r in enrollmentRows where c.enrollment[r].unit == unit {
                    let status = c.enrollment[r].status
                    if status == .enrolled, c.enrollment[r].schoolCode == c.all[i].schoolCode { reenrolled = true }
                    if status.isExit, let date = c.enrollment[r].statusDate, paidDate > date { exit.enrollment.append(r) }
                }
                if reenrolled { exit.enrollment = [] }
            }
            for r in identityRows where !c.identity[r].alive {
                if let date = c.identity[r].deathDate, paidDate > date { exit.identity.append(r) }
            }
            if !exit.enrollment.isEmpty || !exit.identity.isEmpty { failing.append((p, exit)) }
        }
        guard !failing.isEmpty else { return }
        for (program, failures) in c.groupedByProgram(failing) {
            let items = failures.map { c.item($0.payment) }
            var evidence: [Evidence] = []
            var died = false
            var status: EnrollmentStatus?
            for (item, failure) in zip(items, failures) {
                evidence.append(.payment(item, "paid_date", item.paidDate))
                for row in failure.detail.enrollment.map({ c.enrollment[$0] }).sorted(by: { $0.line < $1.line }) {
                    evidence.append(.enrollment(row, "status", row.status.chinese))
                    evidence.append(.enrollment(row, "status_date", row.statusDate ?? ""))
                    evidence.append(.enrollment(row, "school_code", row.schoolCode))
                    status = status ?? row.status
                }
                for row in failure.detail.identity.map({ c.identity[$0] }).sorted(by: { $0.line < $1.line }) {
                    evidence.append(.identity(row, "death_date", row.deathDate ?? ""))
                    died = true
                }
            }
            let summary = died || status == .deceased
                ? "\(c.period) \(program)：发放日期晚于受助人死亡日期"
                : "\(c.period) \(program)：发放日期晚于学籍状态“\(status?.chinese ?? "")”的日期"
            try c.reportPerson(setting, person: g, program: program, unit: items[0].unit, schoolCode: items[0].schoolCode, items: items,
                               summary: summary, evidence: evidence)
        }
    }
}

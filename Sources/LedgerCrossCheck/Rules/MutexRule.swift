import LedgerCore

/// XC-06 MUTEX 互斥项目同时享受: one person paid in the period under both programmes of a mutually exclusive pair
/// (configuration `mutexes`; for a yearly programme, its payments of the same calendar year count too, and at
/// least one payment of the pair must be of the period), or paid in the period under two different stages.
///
/// One finding per person and pair (its id's programme is `first×second`), or per person for the stages (id
/// programme ""); the finding's programme is nil. In paid-date order, the unit of the first payment that makes
/// the conflict (the second programme's, or the second stage's) is responsible; the entries are all the
/// payments involved.
final class MutexRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting
    /// The configured pairs, by canonical names.
    let pairs: [(first: String, second: String, reason: String)]
    /// Paid person → their payments of other periods of the year, of yearly programmes in a pair.
    let sameYear: [Int: [(item: PaidItem, program: String)]]

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
        let pairs: [(first: String, second: String, reason: String)] = c.configuration.mutexes.compactMap { pair in
            let first = c.catalog.canonicalName(of: pair.first), second = c.catalog.canonicalName(of: pair.second)
            return first == second ? nil : (first, second, pair.reason)
        }
        self.pairs = pairs
        sameYear = Self.yearlyPayments(c, programs: Set(pairs.flatMap { [$0.first, $0.second] }))
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        if payments.count < 2, sameYear[g] == nil { return }
        // (item, canonical programme, of the period)
        var paid: [(item: PaidItem, program: String, inPeriod: Bool)] = payments.map { (c.item($0), c.payments[$0].program, true) }
        let stages = Set(paid.map(\.item.stage))
        paid += (sameYear[g] ?? []).map { ($0.item, $0.program, false) }
        paid.sort { $0.item.paidDate != $1.item.paidDate ? $0.item.paidDate < $1.item.paidDate : $0.item.entry < $1.item.entry }

        if stages.count > 1 {
            let items = paid.filter(\.inPeriod).map(\.item)
            if let second = items.first(where: { $0.stage != items[0].stage }) {
                let evidence = items.flatMap { [Evidence.payment($0, "program", $0.program), .payment($0, "stage", $0.stage.rawValue)] }
                try c.reportPerson(setting, person: g, program: nil, unit: second.unit, schoolCode: second.schoolCode, items: items,
                                   summary: "\(c.period)：同一人本期按\(stages.count)个不同学段发放", evidence: evidence)
            }
        }
        for pair in pairs {
            let involved = paid.filter { $0.program == pair.first || $0.program == pair.second }
            guard involved.contains(where: { $0.program == pair.first }), involved.contains(where: { $0.program == pair.second }),
                  involved.contains(where: \.inPeriod), let second = involved.first(where: { $0.program != involved[0].program }) else { continue }
            var evidence = involved.flatMap { [Evidence.payment($0.item, "program", $0.program), .payment($0.item, "period", $0.item.period)] }
            evidence.append(.config("mutexes", "\(pair.first)×\(pair.second)", pair.reason))
            try c.reportPerson(setting, person: g, program: nil, idProgram: "\(pair.first)×\(pair.second)", unit: second.item.unit,
                               schoolCode: second.item.schoolCode, items: involved.map(\.item),
                               summary: "\(c.period)：同时享受互斥项目“\(pair.first)”与“\(pair.second)”", evidence: evidence)
        }
    }

    /// Paid person → their payments (not reversed) of other periods of the run's year, of the yearly programmes
    /// among `programs`.
    static func yearlyPayments(_ c: RuleContext, programs: Set<String>) -> [Int: [(item: PaidItem, program: String)]] {
        let yearly = programs.filter { c.catalog.definition(of: $0)?.schedule == .yearly }
        guard !yearly.isEmpty, let year = PeriodCalendar.year(of: c.period) else { return [:] }
        var found: [Int: [(item: PaidItem, program: String)]] = [:]
        // Programme name as paid → its canonical name when that is one of the yearly programmes, else nil.
        var yearlyName: [String: String?] = [:]
        for i in c.all.indices where c.all[i].reversedBy == nil && c.all[i].period != c.period && c.all[i].period.utf8.starts(with: year.utf8) {
            let name = c.all[i].program
            let program: String?
            if let known = yearlyName[name] {
                program = known
            } else {
                let canonical = c.catalog.canonicalName(of: name)
                program = yearly.contains(canonical) ? canonical : nil
                yearlyName[name] = program
            }
            guard let program, let id = c.all[i].idNumber, let key = c.idKeys.existingKey(id),
                  let g = c.persons.person(of: key), g < c.personCount else { continue }
            found[g, default: []].append((c.all[i], program))
        }
        return found
    }
}

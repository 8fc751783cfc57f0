import LedgerCore

/// XC-11 METHOD 发放方式不合规: a payment of the period made by an account type its programme does not allow
/// (configuration `accountTypes`; 财教〔2021〕310号: no cash, the student's own card). Unknown programmes are
/// skipped (XC-08 reports them).
///
/// One finding per person and programme, the paying unit responsible.
final class MethodRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        var failing: [(payment: Int, detail: AccountType)] = []
        for p in payments {
            guard let program = c.payments[p].programIndex else { continue }
            let type = c.all[c.payments[p].index].accountType
            if !c.catalog.programs[program].accountTypes.contains(type) { failing.append((p, type)) }
        }
        guard !failing.isEmpty else { return }
        for (program, failures) in c.groupedByProgram(failing) {
            let items = failures.map { c.item($0.payment) }
            let allowed = c.catalog.definition(of: program)?.accountTypes.map(\.chinese).joined(separator: "、") ?? ""
            var evidence = items.map { Evidence.payment($0, "account_type", $0.accountType.rawValue) }
            evidence.append(.config("programs", "account_types", "\(program)：\(allowed)"))
            try c.reportPerson(setting, person: g, program: program, unit: items[0].unit, schoolCode: items[0].schoolCode, items: items,
                               summary: "\(c.period) \(program)：发放方式“\(failures[0].detail.chinese)”不在本项目允许的方式内", evidence: evidence)
        }
    }
}

extension AccountType {
    /// The word officers use (社保卡, 银行卡, 资助卡, 餐卡).
    var chinese: String {
        switch self {
        case .socialSecurityCard: "社保卡"
        case .bankCard: "银行卡"
        case .aidCard: "资助卡"
        case .mealCard: "餐卡"
        }
    }
}

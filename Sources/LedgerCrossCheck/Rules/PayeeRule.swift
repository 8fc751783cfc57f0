import LedgerCore

/// XC-10 PAYEE 收款账户异常: one account number (the `account_number` opening) used by the period's payments for
/// more distinct people than `maxPersonsPerAccount`, across every ledger (siblings may share a parent's card).
///
/// One finding per account (subject `account:` + the account's keyed hash, programme ""): the unit with most of
/// those payments responsible (the lowest code on a tie), the entries all of them.
enum PayeeRule {
    static func run(_ c: RuleContext, _ setting: RuleSetting) throws {
        let limit = max(0, c.configuration.thresholds.maxPersonsPerAccount)
        var accounts = KeyedGroups(rowCount: c.payments.count)
        for p in c.payments.indices {
            guard let account = c.item(p).personal[.accountNumber]?.trimmingASCIIWhitespace(), !account.isEmpty else { continue }
            accounts.add(row: p, key: account)
        }
        for a in 0..<accounts.groupCount {
            // Cheap first: more payments than the limit, then more people.
            guard accounts.rows(inGroup: a).hasMore(than: limit) else { continue }
            let group = Array(accounts.rows(inGroup: a))
            let people = Set(group.map { c.payments[$0].idNumber })
            guard people.count > limit else { continue }
            let items = c.sortedByEntry(group).map { c.item($0) }
            var paymentsByUnit: [String: Int] = [:]
            for item in items { paymentsByUnit[item.unit, default: 0] += 1 }
            let unit = paymentsByUnit.min { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }?.key ?? ""
            let account = accounts.keys[a]
            var evidence: [Evidence] = [.payment(items[0], "account_number", account, personal: true)]
            for (item, p) in zip(items, c.sortedByEntry(group)) {
                evidence.append(.payment(item, "id_number", c.payments[p].idNumber, personal: true))
                if let name = item.name { evidence.append(.payment(item, "name", name, personal: true)) }
            }
            try c.report(setting, subject: c.keyedSubject(prefix: "account:", account), program: nil, unit: unit, schoolCode: nil, person: nil,
                         entries: items.map(\.entry), amountFen: Money.sum(items.lazy.map(\.amountFen)),
                         summary: "\(c.period)：同一收款账户用于\(people.count)名受助人（上限\(limit)名）", evidence: evidence)
        }
    }
}

import LedgerCore

/// XC-10 PAYEE 收款账户异常: one account number (the `account_number` opening) used by the period's payments for
/// more distinct people than `maxPersonsPerAccount`, across every ledger (siblings may share a parent's card).
///
/// One finding per account (subject `account:` + the account's keyed hash, programme ""): the unit with most of
/// those payments responsible (the lowest code on a tie), the entries all of them.
final class PayeeRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    func finish() throws {
        let limit = max(0, c.configuration.thresholds.maxPersonsPerAccount)
        // Grouped by a 64-bit hash of the number; a group is then split by the numbers themselves, so that a hash
        // collision never joins two accounts.
        let accounts = KeyedGroups(rowCount: c.payments.count) { p in
            guard let account = c.payments[p].accountNumber else { return nil }
            return Self.hash(account.trimmedASCII)
        }
        for a in 0..<accounts.groupCount where accounts.rows(inGroup: a).count > limit {
            var byNumber: [String: [Int]] = [:]
            for p in accounts.rows(inGroup: a) {
                if let account = c.payments[p].accountNumber?.trimmedASCII { byNumber[account, default: []].append(p) }
            }
            for (account, group) in byNumber where group.count > limit {
                try report(account: account, payments: group, limit: limit)
            }
        }
    }

    /// FNV-1a of the number's bytes; nil for an empty number. Never all ones (`KeyTable`'s empty mark).
    static func hash(_ account: String) -> UInt64? {
        guard !account.isEmpty else { return nil }
        var account = account
        let h = account.withUTF8 { bytes in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return h
        }
        return h == .max ? h - 1 : h
    }

    /// One account's payments of the period: a finding when they pay more people than the limit.
    func report(account: String, payments group: [Int], limit: Int) throws {
        let people = Set(group.map { c.payments[$0].idNumber })
        guard people.count > limit else { return }
        let items = c.sortedByEntry(group).map { c.item($0) }
        var paymentsByUnit: [String: Int] = [:]
        for item in items { paymentsByUnit[item.unit, default: 0] += 1 }
        let unit = paymentsByUnit.min { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }?.key ?? ""
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

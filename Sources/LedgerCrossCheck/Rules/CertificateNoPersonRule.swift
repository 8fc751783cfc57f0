import LedgerCore

/// XC-03 CERT_NO_PERSON 有证无人: a person paid in the period whom the identity registry does not know, or who
/// has an identity row but no enrollment row at all (a row with an exit status is XC-07's business).
///
/// One finding per person (programme ""), the unit of the person's first payment (ledger order) responsible;
/// the entries are all the person's payments of the period.
final class CertificateNoPersonRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        let noIdentity = c.persons.identity.isEmpty(g)
        let noEnrollment = c.persons.enrollment.isEmpty(g)
        guard noIdentity || noEnrollment else { return }
        let items = c.sortedPaymentsOf(person: g).map { c.item($0) }
        guard let first = items.first else { return }
        var evidence: [Evidence] = []
        if noIdentity {
            evidence.append(.missing(.identity))
        } else {
            for row in c.identityRows(ofPerson: g) { evidence.append(.identity(row, "id_number", row.idNumber, personal: true)) }
        }
        if noEnrollment { evidence.append(.missing(.enrollment)) }
        let summary = noIdentity && noEnrollment ? "\(c.period)：受助人在身份库和学籍库中均无记录"
            : noIdentity ? "\(c.period)：受助人在身份库中无记录" : "\(c.period)：受助人在学籍库中无记录"
        try c.reportPerson(setting, person: g, program: nil, unit: first.unit, schoolCode: first.schoolCode, items: items, summary: summary,
                           evidence: evidence)
    }
}

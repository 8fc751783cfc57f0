import LedgerCore

/// XC-04 NAME_ID_MISMATCH 姓名与身份证号不符: for a person paid in the period, the names written for the same ID
/// number differ between the payments of the period, the identity registry (the reference when it has the
/// person), the enrollment rows and the certificate rows. Names are compared exactly after trimming spaces. The
/// same name under a different ID number is not a finding.
///
/// One finding per person (programme ""), the unit of the first payment responsible; the entries are the
/// person's payments of the period.
final class NameIDMismatchRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        // Whether every name is the same, without allocating for the usual person whose names agree.
        var reference: String?
        var differ = false
        func see(_ name: String?) {
            guard !differ, let name = name?.trimmedASCII, !name.isEmpty else { return }
            if let reference { differ = name != reference } else { reference = name }
        }
        for r in c.persons.identity.of(g) { see(c.identity[r].name) }
        for p in payments { see(c.payments[p].name) }
        for r in c.persons.enrollment.of(g) { see(c.enrollment[r].name) }
        for r in c.persons.certificates.of(g) { see(c.certificates[r].name) }
        guard differ else { return }
        try report(person: g)
    }

    func report(person g: Int) throws {
        let identity = c.identityRows(ofPerson: g)
        let items = c.sortedPaymentsOf(person: g).map { c.item($0) }
        guard let first = items.first else { return }
        // With an identity row, its name is the reference and only the names that differ from it are listed.
        let reference = identity.first.map { $0.name.trimmedASCII }
        func shown(_ name: String?) -> String? {
            guard let name = name?.trimmedASCII, !name.isEmpty, name != reference else { return nil }
            return name
        }
        var evidence: [Evidence] = []
        var names: Set<String> = []
        for row in identity {
            evidence.append(.identity(row, "name", row.name, personal: true))
            names.insert(row.name.trimmedASCII)
        }
        for item in items {
            if let name = shown(item.name) { evidence.append(.payment(item, "name", name, personal: true)); names.insert(name) }
        }
        for row in c.enrollmentRows(ofPerson: g) {
            if let name = shown(row.name) { evidence.append(.enrollment(row, "name", name, personal: true)); names.insert(name) }
        }
        for row in c.certificateRows(ofPerson: g) {
            if let name = shown(row.name) { evidence.append(.certificate(row, "name", name, personal: true)); names.insert(name) }
        }
        let sources = reference == nil ? "支付、学籍、证件记录" : "身份库与其他记录"
        try c.reportPerson(setting, person: g, program: nil, unit: first.unit, schoolCode: first.schoolCode, items: items,
                           summary: "同一身份证号在\(sources)中的姓名不一致（\(names.count)种写法）", evidence: evidence)
    }
}

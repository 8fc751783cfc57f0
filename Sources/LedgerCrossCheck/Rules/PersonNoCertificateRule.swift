import LedgerCore

/// XC-02 PERSON_NO_CERT 有人无证: a payment of a programme for difficulty categories whose claimed category has no
/// certificate in the registry valid on the day the period starts (valid status, validFrom ≤ start ≤ validTo), of a
/// type that proves the category — whichever unit issued it. A payment of such a programme that claims no
/// category at all is a finding too; a category no registry proves (其他) is not checked.
///
/// One finding per person and programme, the paying unit responsible. The evidence names the claimed category
/// and every certificate row of the person that exists but does not count, and why.
final class PersonNoCertificateRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        // Claimed category (nil: none claimed) of each payment without a counting certificate.
        var failing: [(payment: Int, detail: String?)] = []
        for p in payments {
            guard let program = c.payments[p].programIndex, !c.catalog.programs[program].categories.isEmpty else { continue }
            guard let category = c.payments[p].category?.trimmedASCII, !category.isEmpty else {
                failing.append((p, nil))
                continue
            }
            guard let proof = c.categoryEvidence[category], !proof.certTypes.isEmpty else { continue }
            let proven = c.persons.certificates.of(g).contains { row in
                proof.certTypes.contains(c.certificates[row].certType) && c.isValidAtPeriodStart(row)
            }
            if !proven { failing.append((p, category)) }
        }
        guard !failing.isEmpty else { return }
        let held = c.certificateRows(ofPerson: g)
        for (program, failures) in c.groupedByProgram(failing) {
            let items = failures.map { c.item($0.payment) }
            var evidence: [Evidence] = []
            var claimedTypes: Set<String> = []
            for (item, failure) in zip(items, failures) {
                evidence.append(.payment(item, "category", failure.detail ?? "未填写", personal: failure.detail != nil))
                if let category = failure.detail { claimedTypes.formUnion(c.categoryEvidence[category]?.certTypes ?? []) }
            }
            for row in held {
                evidence.append(.certificate(row, "cert_type", row.certType, personal: true))
                evidence.append(.certificate(row, "why", Self.whyNotCounting(row, claimedTypes: claimedTypes, periodStart: c.periodStart)))
            }
            if held.isEmpty { evidence.append(.missing(.certificates)) }
            let summary = failures[0].detail == nil
                ? "\(c.period) \(program)：发放记录未填写困难类型，无法核对认定证件"
                : "\(c.period) \(program)：所报困难类型在证件库中无本期开始日（\(c.periodStart)）有效的证件"
            try c.reportPerson(setting, person: g, program: program, unit: items[0].unit, schoolCode: items[0].schoolCode, items: items,
                               summary: summary, evidence: evidence)
        }
    }

    /// Why a certificate row of the person does not prove the claim for a period starting on `periodStart`.
    static func whyNotCounting(_ row: CertificateRecord, claimedTypes: Set<String>, periodStart: String) -> String {
        if !claimedTypes.contains(row.certType) { return "证件类型不能证明所报困难类型" }
        if row.status == .cancelled { return "已注销" }
        if row.validFrom > periodStart { return "有效期自\(row.validFrom)起，晚于本期开始日\(periodStart)" }
        if let to = row.validTo, to < periodStart { return "有效期至\(to)，早于本期开始日\(periodStart)" }
        return "有效"
    }
}

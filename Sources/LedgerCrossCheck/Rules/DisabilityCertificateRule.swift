import LedgerCore

/// XC-16 DISAB_CERT 残疾证号不符: a disability certificate number (残疾人证) that is not 20 characters made of the
/// holder's ID number (18), a type digit 1–7 and a grade digit 1–4. Checked in the `cert_type` / `cert_number`
/// openings of the period's payments (one finding per person and programme, the paying unit responsible) and in
/// the certificate registry rows of that type held by people paid in the period (one finding per certificate
/// number not already reported from a payment: subject `cert:` + the keyed number, programme "", the issuing
/// unit responsible, no entries).
final class DisabilityCertificateRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting
    /// Numbers reported from a payment, per holder (ID number, 0, number), so a registry row does not report them again.
    var reported: Set<String> = []
    /// Certificate rows of paid people with a bad number: number → rows.
    var badRows: [String: [CertificateRecord]] = [:]

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    /// The certificate type the rule checks.
    static let certificateType = "残疾人证"

    /// Why a disability certificate number does not fit its holder's ID number; nil when it does.
    static func problem(_ number: String, holder idNumber: String) -> String? {
        var n = Array(number.trimmedASCII.utf8)
        guard n.count == 20 else { return "长度不是20位" }
        if n[17] == UInt8(ascii: "x") { n[17] = UInt8(ascii: "X") }
        guard n[0..<18].elementsEqual(idNumber.utf8) else { return "前18位与持证人身份证号不符" }
        guard (UInt8(ascii: "1")...UInt8(ascii: "7")).contains(n[18]) else { return "第19位类别不在1–7之间" }
        guard (UInt8(ascii: "1")...UInt8(ascii: "4")).contains(n[19]) else { return "第20位等级不在1–4之间" }
        return nil
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        let id = c.idNumber(ofPerson: g)
        var failing: [(payment: Int, detail: (number: String, why: String))] = []
        for p in payments {
            guard c.payments[p].certType?.trimmedASCII == Self.certificateType,
                  let number = c.payments[p].certNumber?.trimmedASCII, !number.isEmpty,
                  let why = Self.problem(number, holder: id) else { continue }
            failing.append((p, (number, why)))
            reported.insert(id + "\u{0}" + number)
        }
        for r in c.persons.certificates.of(g) where c.certificates[r].certType == Self.certificateType {
            let number = c.certificates[r].certNumber
            if Self.problem(number, holder: id) != nil { badRows[number.trimmedASCII, default: []].append(c.certificates[r]) }
        }
        guard !failing.isEmpty else { return }
        for (program, failures) in c.groupedByProgram(failing) {
            let items = failures.map { c.item($0.payment) }
            var evidence: [Evidence] = []
            for (item, failure) in zip(items, failures) {
                evidence.append(.payment(item, "cert_number", failure.detail.number, personal: true))
                evidence.append(.payment(item, "why", failure.detail.why))
            }
            try c.reportPerson(setting, person: g, program: program, unit: items[0].unit, schoolCode: items[0].schoolCode, items: items,
                               summary: "\(c.period) \(program)：证号不符合“身份证号+类别+等级”的20位格式（\(failures[0].detail.why)）",
                               evidence: evidence)
        }
    }

    /// The registry rows with a bad number not already reported from a payment.
    func finish() throws {
        for (number, rows) in badRows {
            let ordered = rows.sorted { ($0.issuerUnit, $0.line) < ($1.issuerUnit, $1.line) }
            let holder = RuleContext.normalizedID(ordered[0].idNumber)
            guard !reported.contains(holder + "\u{0}" + number) else { continue }
            let why = Self.problem(number, holder: holder) ?? ""
            var evidence: [Evidence] = []
            for row in ordered {
                evidence.append(.certificate(row, "cert_number", row.certNumber, personal: true))
                evidence.append(.certificate(row, "issuer_unit", row.issuerUnit))
            }
            evidence.append(.certificate(ordered[0], "why", why))
            let key = c.personKey(holder)
            try c.report(setting, subject: c.keyedSubject(prefix: "cert:", number), program: nil, unit: ordered[0].issuerUnit, schoolCode: nil,
                         person: (key, holder, ordered[0].name), entries: [], amountFen: 0,
                         summary: "证件库中的证号不符合“身份证号+类别+等级”的20位格式（\(why)）", evidence: evidence)
        }
    }
}

import LedgerCore

/// XC-20 ELIGIBLE_UNPAID 应助未助: a student enrolled (在读) in one of the inspected units, holding a certificate
/// valid on the period's first day of a type that proves a category a programme covers, of a stage the programme
/// serves and the boarding status it is for (nil: either), alive (no death in the identity registry), whom no
/// ledger paid under that programme in the period. Only programmes with `checkUnpaid` and whose schedule is the
/// period's (a term programme in a term, a monthly one in a month, a yearly one in a year) are checked.
///
/// One finding per person and programme: the enrollment row's unit and school responsible (the first by unit,
/// school and line when there are several), no entries, the amount the standard payment (the lower end of a
/// range; 0 without a standard).
final class EligibleUnpaidRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    /// A programme the rule checks, with the certificate types that prove one of its categories.
    struct Checked {
        let index: Int
        let program: ProgramDefinition
        let provingTypes: Set<String>
    }

    func finish() throws {
        let checked: [Checked] = c.catalog.programs.enumerated().compactMap { index, program in
            guard program.checkUnpaid, program.schedule == c.periodSchedule else { return nil }
            let types = Set(program.categories.flatMap { c.categoryEvidence[$0]?.certTypes ?? [] })
            return types.isEmpty ? nil : Checked(index: index, program: program, provingTypes: types)
        }
        guard !checked.isEmpty else { return }
        // Certificate type → the checked programmes (positions in `checked`) a certificate of that type qualifies for.
        var programsOfType: [String: [Int]] = [:]
        for (k, program) in checked.enumerated() {
            for type in program.provingTypes { programsOfType[type, default: []].append(k) }
        }
        var eligible = [Bool](repeating: false, count: checked.count)
        // Start from the certificate holders: far fewer than the enrolled.
        for person in 0..<c.persons.personCount {
            let held = c.persons.certificates.of(person)
            var any = false
            for r in held {
                guard let programs = programsOfType[c.certificates[r].certType], c.isValidAtPeriodStart(r) else { continue }
                for k in programs { eligible[k] = true }
                any = true
            }
            guard any else { continue }
            defer { for k in eligible.indices { eligible[k] = false } }
            let enrolled = c.persons.enrollment.of(person).filter {
                c.enrollment[$0].status == .enrolled && c.inspectedUnits.contains(c.enrollment[$0].unit)
            }
            guard !enrolled.isEmpty, c.persons.identity.of(person).allSatisfy({ c.identity[$0].alive }) else { continue }
            let paid = c.persons.payments.of(person)
            for (k, program) in checked.enumerated() where eligible[k] && !paid.contains(where: { c.payments[$0].programIndex == program.index }) {
                let rows = enrolled.filter { r in
                    program.program.stages.contains(c.enrollment[r].stage) && (program.program.boarding.map { $0 == c.enrollment[r].boarding } ?? true)
                }.map { c.enrollment[$0] }.sorted { ($0.unit, $0.schoolCode, $0.line) < ($1.unit, $1.schoolCode, $1.line) }
                guard let row = rows.first else { continue }
                let certificates = held.filter { program.provingTypes.contains(c.certificates[$0].certType) && c.isValidAtPeriodStart($0) }
                    .map { c.certificates[$0] }
                let identity = c.persons.identity.of(person).map { c.identity[$0] }
                try report(program: program, row: row, certificates: certificates, idNumber: RuleContext.normalizedID(row.idNumber),
                           identity: identity)
            }
        }
    }

    func report(program: Checked, row: EnrollmentRecord, certificates: [CertificateRecord],
                       idNumber: String, identity: [IdentityRecord]) throws {
        let name = program.program.name
        let standard = c.standards.standard(program: name, stage: row.stage, boarding: row.boarding, unit: row.unit, on: c.periodStart)
        let amount = standard?.paymentBoundsFen?.min ?? 0
        var evidence: [Evidence] = [
            .enrollment(row, "status", row.status.chinese),
            .enrollment(row, "school_code", row.schoolCode),
            .enrollment(row, "stage", row.stage.rawValue),
            .enrollment(row, "boarding", row.boarding ? "true" : "false"),
        ]
        for certificate in certificates.sorted(by: { $0.line < $1.line }) {
            evidence.append(.certificate(certificate, "cert_type", certificate.certType, personal: true))
            evidence.append(.certificate(certificate, "valid", "\(certificate.validFrom)–\(certificate.validTo ?? "")"))
        }
        if let standard { evidence.append(.standard(standard, "expected_amount", Money.yuan(amount))) }
        evidence.append(Evidence(source: "payment", locator: "ledgers", field: "program", value: "本期无\(name)发放记录", personal: false))
        let key = c.personKey(idNumber)
        let personName = identity.sorted(by: { $0.line < $1.line }).first?.name ?? row.name
        try c.report(setting, subject: key, program: name, unit: row.unit, schoolCode: row.schoolCode, person: (key, idNumber, personName),
                     entries: [], amountFen: amount, summary: "\(c.period) \(name)：在读且持有效困难认定证件，本期未获资助", evidence: evidence)
    }
}

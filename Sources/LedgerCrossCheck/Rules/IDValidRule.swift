import LedgerCore

/// XC-01 ID_VALID 身份证号无效: an ID number of 18 characters with digits, a real birth date and the GB 11643
/// check character, whose first two digits are a province, and whose holder was born before being paid.
///
/// Checked for every payment of the period (one finding per person and programme, the paying unit responsible)
/// and for every enrollment and certificate row of the inspected units (one finding per ID number, the row's
/// unit or issuer responsible, no entries).
enum IDValidRule {
    /// GB/T 2260 province-level codes: the first two digits of every valid ID number.
    static let provinceCodes: Set<Int> = Set(Array(11...15) + Array(21...23) + Array(31...37) + Array(41...46) + Array(50...54)
                                             + Array(61...65) + [71, 81, 82])

    /// Why an ID number is invalid, in the inspectors' words (never repeating the number); nil when it is valid.
    static func problem(_ idNumber: String) -> String? {
        do {
            try IDNumber.validate(idNumber)
        } catch {
            switch error {
            case .length: return "长度不是18位"
            case .nonDigit(let position): return "第\(position)位不是数字"
            case .birthDate: return "第7–14位不是真实的出生日期"
            case .futureBirthDate: return "出生日期在未来"
            case .checksum: return "校验码不符（GB 11643 MOD 11-2）"
            }
        }
        let u = Array(idNumber.utf8.prefix(2))
        guard u.count == 2, provinceCodes.contains(Int(u[0] &- 0x30) * 10 + Int(u[1] &- 0x30)) else { return "前两位不是省级行政区划代码" }
        return nil
    }

    /// The birth date (`YYYY-MM-DD`) of a valid ID number.
    static func birthDate(_ idNumber: String) -> String {
        let u = Array(idNumber.utf8)
        return String(decoding: u[6..<10], as: UTF8.self) + "-" + String(decoding: u[10..<12], as: UTF8.self) + "-"
            + String(decoding: u[12..<14], as: UTF8.self)
    }

    static let bornAfterPayment = "出生日期晚于发放日期"

    static func run(_ c: RuleContext, _ setting: RuleSetting) throws {
        try checkPayments(c, setting)
        try checkRegistryRows(c, setting)
    }

    static func checkPayments(_ c: RuleContext, _ setting: RuleSetting) throws {
        for g in 0..<c.personCount {
            let id = c.idNumber(ofPerson: g)
            var failing: [(payment: Int, detail: String)] = []
            if let problem = problem(id) {
                for p in c.paymentsOf(person: g) { failing.append((p, problem)) }
            } else {
                let birth = birthDate(id)
                for p in c.paymentsOf(person: g) {
                    let paid = c.item(p).paidDate
                    if FieldSyntax.isDate(paid), birth > paid { failing.append((p, bornAfterPayment)) }
                }
            }
            guard !failing.isEmpty else { continue }
            for (program, failures) in c.groupedByProgram(failing) {
                let items = failures.map { c.item($0.payment) }
                var evidence: [Evidence] = []
                for (item, failure) in zip(items, failures) {
                    evidence.append(.payment(item, "id_number", id, personal: true))
                    if failure.detail == bornAfterPayment { evidence.append(.payment(item, "paid_date", item.paidDate)) }
                    evidence.append(.payment(item, "why", failure.detail))
                }
                try c.reportPerson(setting, person: g, program: program, unit: items[0].unit, schoolCode: items[0].schoolCode, items: items,
                                   summary: "\(c.period) \(program)：身份证号无效（\(failures[0].detail)）", evidence: evidence)
            }
        }
    }

    /// Enrollment rows of the inspected units and certificate rows they issued, with an invalid ID number.
    static func checkRegistryRows(_ c: RuleContext, _ setting: RuleSetting) throws {
        // ID number → (enrollment row indices, certificate row indices).
        var invalid: [String: (enrollment: [Int], certificates: [Int])] = [:]
        let registries = c.input.registries
        for (i, row) in registries.enrollment.enumerated() where c.inspectedUnits.contains(row.unit) {
            let id = RuleContext.normalizedID(row.idNumber)
            if problem(id) != nil { invalid[id, default: ([], [])].enrollment.append(i) }
        }
        for (i, row) in registries.certificates.enumerated() where c.inspectedUnits.contains(row.issuerUnit) {
            let id = RuleContext.normalizedID(row.idNumber)
            if problem(id) != nil { invalid[id, default: ([], [])].certificates.append(i) }
        }
        for (id, rows) in invalid {
            let why = problem(id) ?? ""
            let enrollment = rows.enrollment.map { registries.enrollment[$0] }.sorted { ($0.unit, $0.line) < ($1.unit, $1.line) }
            let certificates = rows.certificates.map { registries.certificates[$0] }.sorted { ($0.issuerUnit, $0.line) < ($1.issuerUnit, $1.line) }
            var evidence: [Evidence] = []
            for row in enrollment {
                evidence.append(.enrollment(row, "id_number", row.idNumber, personal: true))
                evidence.append(.enrollment(row, "unit", row.unit))
            }
            for row in certificates {
                evidence.append(.certificate(row, "id_number", row.idNumber, personal: true))
                evidence.append(.certificate(row, "issuer_unit", row.issuerUnit))
            }
            evidence.append(Evidence(source: enrollment.isEmpty ? "certificates" : "enrollment", locator: "id_number", field: "why", value: why,
                                     personal: false))
            let unit = enrollment.first?.unit ?? certificates.first?.issuerUnit ?? ""
            let registry = enrollment.isEmpty ? "证件库" : "学籍库"
            let key = c.personKey(id)
            try c.report(setting, subject: key, program: nil, unit: unit, schoolCode: enrollment.first?.schoolCode,
                         person: (key, id, enrollment.first?.name ?? certificates.first?.name), entries: [], amountFen: 0,
                         summary: "\(registry)中的身份证号无效（\(why)）", evidence: evidence)
        }
    }
}

import LedgerCore

/// XC-01 ID_VALID 身份证号无效: an ID number of 18 characters with digits, a real birth date and the GB 11643
/// check character, whose first two digits are a province, and whose holder was born before being paid.
///
/// Checked for every payment of the period (one finding per person and programme, the paying unit responsible)
/// and for every enrollment and certificate row of the inspected units (one finding per ID number, the row's
/// unit or issuer responsible, no entries).
final class IDValidRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    /// Why an ID number (normalised) is invalid, in the inspectors' words (never repeating the number); nil when
    /// it is valid.
    static func problem(_ idNumber: String) -> String? {
        if let parsed = IDNumberKey.parse(idNumber), IDNumberKey.isValid(parsed) { return nil }
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
        return "前两位不是省级行政区划代码"
    }

    /// A `YYYY-MM-DD` date as the number YYYYMMDD; nil when it is not a date.
    static func dateNumber(_ date: String) -> Int? {
        var date = date
        return date.withUTF8 { b -> Int? in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
            var n = 0
            for i in 0..<10 where i != 4 && i != 7 {
                let d = b[i] &- 0x30
                guard d < 10 else { return nil }
                n = n &* 10 &+ Int(d)
            }
            let month = n / 100 % 100, day = n % 100
            guard month >= 1, month <= 12, day >= 1, day <= FieldSyntax.daysIn(month: month, year: n / 10000) else { return nil }
            return n
        }
    }

    static let bornAfterPayment = "出生日期晚于发放日期"

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        let id = c.idNumber(ofPerson: g)
        var failing: [(payment: Int, detail: String)] = []
        if let parsed = IDNumberKey.parse(id), IDNumberKey.isValid(parsed) {
            for p in payments {
                if let paid = Self.dateNumber(c.all[c.payments[p].index].paidDate), parsed.birthDate > paid { failing.append((p, Self.bornAfterPayment)) }
            }
        } else {
            let problem = Self.problem(id) ?? ""
            for p in payments { failing.append((p, problem)) }
        }
        guard !failing.isEmpty else { return }
        for (program, failures) in c.groupedByProgram(failing) {
            let items = failures.map { c.item($0.payment) }
            var evidence: [Evidence] = []
            for (item, failure) in zip(items, failures) {
                evidence.append(.payment(item, "id_number", id, personal: true))
                if failure.detail == Self.bornAfterPayment { evidence.append(.payment(item, "paid_date", item.paidDate)) }
                evidence.append(.payment(item, "why", failure.detail))
            }
            try c.reportPerson(setting, person: g, program: program, unit: items[0].unit, schoolCode: items[0].schoolCode, items: items,
                               summary: "\(c.period) \(program)：身份证号无效（\(failures[0].detail)）", evidence: evidence)
        }
    }

    /// Enrollment rows of the inspected units and certificate rows they issued, with an invalid ID number.
    func finish() throws {
        // ID number → (enrollment row indices, certificate row indices).
        var invalid: [String: (enrollment: [Int], certificates: [Int])] = [:]
        let registries = c.input.registries
        // Rows come in runs of one unit: the last answer is kept.
        var last: (unit: String, inspected: Bool)?
        func inspected(_ unit: String) -> Bool {
            if let last, last.unit == unit { return last.inspected }
            let answer = c.inspectedUnits.contains(unit)
            last = (unit, answer)
            return answer
        }
        for i in c.enrollment.indices where inspected(c.enrollment[i].unit) {
            let id = RuleContext.normalizedID(c.enrollment[i].idNumber)
            if Self.problem(id) != nil { invalid[id, default: ([], [])].enrollment.append(i) }
        }
        for i in c.certificates.indices where inspected(c.certificates[i].issuerUnit) {
            let id = RuleContext.normalizedID(c.certificates[i].idNumber)
            if Self.problem(id) != nil { invalid[id, default: ([], [])].certificates.append(i) }
        }
        for (id, rows) in invalid {
            let why = Self.problem(id) ?? ""
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

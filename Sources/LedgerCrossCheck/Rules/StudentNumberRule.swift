import LedgerCore

/// XC-17 XJH_MATCH 学籍号与身份证号不符: an enrollment row of a person paid in the period whose student number
/// (学籍号) starts with "G" but is not exactly "G" + the row's ID number (a final x counts as X).
///
/// One finding per person (programme ""), the unit of the first such row (by unit, then line) responsible; no
/// entries (the row is the registry's, not a payment).
final class StudentNumberRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    /// Whether a student number is a G number that is not G + the ID number (compared byte by byte, a final x
    /// as X, without building the expected string).
    static func mismatches(_ studentNumber: String?, idNumber: String) -> Bool {
        guard var number = studentNumber?.trimmedASCII, number.utf8.first == UInt8(ascii: "G") else { return false }
        var id = idNumber
        return number.withUTF8 { n in
            id.withUTF8 { i in
                guard n.count == i.count + 1 else { return true }
                for k in 0..<i.count where n[k + 1] != i[k] {
                    if k == i.count - 1, n[k + 1] == UInt8(ascii: "x"), i[k] == UInt8(ascii: "X") { continue }
                    return true
                }
                return false
            }
        }
    }

    func check(person g: Int, payments: ArraySlice<Int>) throws {
        guard c.persons.enrollment.of(g).contains(where: {
            Self.mismatches(c.enrollment[$0].studentNumber, idNumber: RuleContext.normalizedID(c.enrollment[$0].idNumber))
        }) else { return }
        let rows = c.enrollmentRows(ofPerson: g)
            .filter { Self.mismatches($0.studentNumber, idNumber: RuleContext.normalizedID($0.idNumber)) }
            .sorted { ($0.unit, $0.line) < ($1.unit, $1.line) }
        var evidence: [Evidence] = []
        for row in rows {
            evidence.append(.enrollment(row, "student_no", row.studentNumber ?? "", personal: true))
            evidence.append(.enrollment(row, "id_number", row.idNumber, personal: true))
        }
        let id = c.idNumber(ofPerson: g)
        let key = c.personKey(id)
        try c.report(setting, subject: key, program: nil, unit: rows[0].unit, schoolCode: rows[0].schoolCode,
                     person: (key, id, c.referenceName(ofPerson: g)), entries: [], amountFen: 0,
                     summary: "学籍号与“G+身份证号”不符（\(rows.count)条学籍记录）", evidence: evidence)
    }
}

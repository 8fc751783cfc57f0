import LedgerCore

/// XC-17 XJH_MATCH 学籍号与身份证号不符: an enrollment row of a person paid in the period whose student number
/// (学籍号) starts with "G" but is not exactly "G" + the row's ID number (a final x counts as X).
///
/// One finding per person (programme ""), the unit of the first such row (by unit, then line) responsible; no
/// entries (the row is the registry's, not a payment).
enum StudentNumberRule {
    /// Whether a student number is a G number that is not G + the ID number (compared byte by byte, a final x
    /// as X, without building the expected string).
    static func mismatches(_ studentNumber: String?, idNumber: String) -> Bool {
        guard let number = studentNumber?.trimmingASCIIWhitespace().utf8, number.first == UInt8(ascii: "G") else { return false }
        let id = idNumber.utf8
        guard number.count == id.count + 1 else { return true }
        var position = 0
        for (n, i) in zip(number.dropFirst(), id) {
            position += 1
            let last = position == id.count
            if n != i, !(last && n == UInt8(ascii: "x") && i == UInt8(ascii: "X")) { return true }
        }
        return false
    }

    static func run(_ c: RuleContext, _ setting: RuleSetting) throws {
        for g in 0..<c.personCount {
            let group = c.enrollmentGroupOfPerson[g]
            guard group >= 0,
                  c.enrollmentByPerson.rows(inGroup: group).contains(where: {
                      mismatches(c.enrollment[$0].studentNumber, idNumber: RuleContext.normalizedID(c.enrollment[$0].idNumber))
                  }) else { continue }
            let rows = c.enrollmentRows(ofPerson: g)
                .filter { mismatches($0.studentNumber, idNumber: RuleContext.normalizedID($0.idNumber)) }
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
}

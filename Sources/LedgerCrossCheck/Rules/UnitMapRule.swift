import LedgerCore

/// XC-18 UNIT_MAP 单位代码无法识别: a unit code that is not in the configuration's unit table — the unit of a
/// payment of the period, or the unit of an enrollment row or the issuing unit of a certificate row of a person
/// paid in the period.
///
/// One finding per unknown code (subject `unit:` + code, programme ""), the code itself the unit; the entries
/// are the period's payments by that unit. The evidence counts where the code was seen and names the first few
/// places.
final class UnitMapRule: CrossCheckRule {
    let c: RuleContext
    let setting: RuleSetting
    /// Unknown code → where it was seen.
    var unknown: [String: Sightings] = [:]

    init(_ c: RuleContext, _ setting: RuleSetting) {
        self.c = c
        self.setting = setting
    }

    /// Where an unknown code was seen.
    struct Sightings {
        var payments: [PaidItem] = []
        var enrollment: [EnrollmentRecord] = []
        var certificates: [CertificateRecord] = []
    }

    /// How many places of each kind the evidence names.
    static let examples = 5

    /// The registry rows of person g with a unit code the table does not know.
    func check(person g: Int, payments: ArraySlice<Int>) throws {
        for r in c.persons.enrollment.of(g) where !c.knownUnits.contains(c.enrollment[r].unit) {
            unknown[c.enrollment[r].unit, default: Sightings()].enrollment.append(c.enrollment[r])
        }
        for r in c.persons.certificates.of(g) where !c.knownUnits.contains(c.certificates[r].issuerUnit) {
            unknown[c.certificates[r].issuerUnit, default: Sightings()].certificates.append(c.certificates[r])
        }
    }

    /// The period's paying units, then one finding per unknown code.
    func finish() throws {
        var lastKnown: String?
        for i in c.all.indices where c.all[i].period == c.period && c.all[i].reversedBy == nil {
            let unit = c.all[i].unit
            if unit == lastKnown { continue }
            if c.knownUnits.contains(unit) { lastKnown = unit } else { unknown[unit, default: Sightings()].payments.append(c.all[i]) }
        }
        for (code, seen) in unknown {
            let payments = seen.payments.sorted { $0.entry < $1.entry }
            let enrollment = seen.enrollment.sorted { $0.line < $1.line }
            let certificates = seen.certificates.sorted { $0.line < $1.line }
            var evidence: [Evidence] = []
            if !payments.isEmpty {
                evidence.append(.config("units", "payments", "\(payments.count)"))
                evidence += payments.prefix(Self.examples).map { .payment($0, "unit", code) }
            }
            if !enrollment.isEmpty {
                evidence.append(.config("units", "enrollment_rows", "\(enrollment.count)"))
                evidence += enrollment.prefix(Self.examples).map { .enrollment($0, "unit", code) }
            }
            if !certificates.isEmpty {
                evidence.append(.config("units", "certificate_rows", "\(certificates.count)"))
                evidence += certificates.prefix(Self.examples).map { .certificate($0, "issuer_unit", code) }
            }
            try c.report(setting, subject: "unit:" + code, program: nil, unit: code, schoolCode: nil, person: nil, entries: payments.map(\.entry),
                         amountFen: Money.sum(payments.lazy.map(\.amountFen)),
                         summary: "单位代码“\(code.isEmpty ? "（空）" : code)”不在单位表中（支付\(payments.count)笔、学籍\(enrollment.count)行、证件\(certificates.count)行）",
                         evidence: evidence)
        }
    }
}

import LedgerCore
import LedgerCrypto

/// A payment of the run's period as the rules see it: not reversed, with its ID opening.
struct PeriodPayment {
    /// Index in `CrossCheckInput.payments`.
    let index: Int
    /// The ID number, normalised (final X in capitals).
    let idNumber: String
    /// The canonical programme name, or the name as paid when the catalogue does not know it.
    let program: String
    /// The programme's index in the catalogue; nil for an unknown programme.
    let programIndex: Int?
}

/// What every rule of one run reads, indexed once: the period's payments grouped by person, the registries by ID
/// number, the catalogue and standards; and what the rules produce (`findings`). Person keys are computed once
/// per distinct ID number, and only for the people a finding is about.
///
/// Paid person `g` is group `g` of `paymentsByPerson`; `enrollmentGroupOfPerson[g]` (and the certificate and
/// identity arrays) give that person's group in each registry index, -1 when the registry has no row for them.
final class RuleContext {
    let input: CrossCheckInput
    let configuration: CrossCheckConfiguration
    let catalog: ProgramCatalog
    let standards: StandardsTable
    /// The run's period, its first day (`YYYY-MM-DD`) and its schedule.
    let period: String
    let periodStart: String
    let periodSchedule: PaymentSchedule
    /// The units whose ledgers were checked (`input.units`).
    let inspectedUnits: Set<String>
    /// The unit codes of the configuration (XC-18).
    let knownUnits: Set<String>
    /// Category → the certificate types that prove it.
    let categoryEvidence: [String: CategoryEvidence]

    /// The payments of the period: not reversed, with an ID number, in input order.
    let payments: [PeriodPayment]
    /// `payments` indices grouped by ID number: group g is paid person g.
    let paymentsByPerson: KeyedGroups
    /// Registry row indices grouped by normalised ID number.
    let enrollmentByPerson: KeyedGroups
    let certificatesByPerson: KeyedGroups
    let identityByPerson: KeyedGroups
    /// Per paid person: the group in each registry index, -1 for none.
    let enrollmentGroupOfPerson: [Int]
    let certificateGroupOfPerson: [Int]
    let identityGroupOfPerson: [Int]

    private(set) var findings: [Finding] = []
    private let personKeys: PersonKeys
    /// ID number (or `account:…`, `cert:…`) → keyed hex.
    private var keyedCache: [String: String] = [:]

    init(input: CrossCheckInput, configuration: CrossCheckConfiguration, personKeys: PersonKeys) throws(CrossCheckRunError) {
        guard let schedule = PeriodCalendar.schedule(of: input.period) else { throw .malformedPeriod }
        guard let start = PeriodCalendar.startDate(of: input.period, thresholds: configuration.thresholds) else {
            throw .malformedTermStart(schedule == .term && input.period.hasSuffix("spring") ? "springTermStart" : "autumnTermStart")
        }
        self.input = input
        self.configuration = configuration
        self.personKeys = personKeys
        let catalog = ProgramCatalog(configuration.programs)
        self.catalog = catalog
        standards = StandardsTable(configuration.standards, catalog: catalog)
        period = input.period
        periodStart = start
        periodSchedule = schedule
        inspectedUnits = Set(input.units)
        knownUnits = Set(configuration.units.map(\.code))
        var evidence: [String: CategoryEvidence] = [:]
        for c in configuration.categories where evidence[c.category] == nil { evidence[c.category] = c }
        categoryEvidence = evidence

        // The period's payments, each programme name resolved once per distinct name.
        var periodPayments: [PeriodPayment] = []
        var programOfName: [String: (String, Int?)] = [:]
        for (i, item) in input.payments.enumerated() where item.period == input.period && item.reversedBy == nil {
            guard let raw = item.personal[.idNumber] else { continue }
            let id = Self.normalizedID(raw)
            guard !id.isEmpty else { continue }
            let resolved: (String, Int?)
            if let known = programOfName[item.program] {
                resolved = known
            } else {
                let index = catalog.index(of: item.program)
                resolved = (index.map { catalog.programs[$0].name } ?? item.program, index)
                programOfName[item.program] = resolved
            }
            periodPayments.append(PeriodPayment(index: i, idNumber: id, program: resolved.0, programIndex: resolved.1))
        }
        payments = periodPayments

        var byPerson = KeyedGroups(rowCount: periodPayments.count)
        for (i, p) in periodPayments.enumerated() { byPerson.add(row: i, key: p.idNumber) }
        paymentsByPerson = byPerson

        let registries = input.registries
        var enrollment = KeyedGroups(rowCount: registries.enrollment.count)
        for (i, row) in registries.enrollment.enumerated() { enrollment.add(row: i, key: Self.normalizedID(row.idNumber)) }
        var certificates = KeyedGroups(rowCount: registries.certificates.count)
        for (i, row) in registries.certificates.enumerated() { certificates.add(row: i, key: Self.normalizedID(row.idNumber)) }
        var identity = KeyedGroups(rowCount: registries.identity.count)
        for (i, row) in registries.identity.enumerated() { identity.add(row: i, key: Self.normalizedID(row.idNumber)) }
        enrollmentByPerson = enrollment
        certificatesByPerson = certificates
        identityByPerson = identity
        enrollmentGroupOfPerson = byPerson.keys.map { enrollment.group(of: $0) ?? -1 }
        certificateGroupOfPerson = byPerson.keys.map { certificates.group(of: $0) ?? -1 }
        identityGroupOfPerson = byPerson.keys.map { identity.group(of: $0) ?? -1 }
    }

    /// An ID number as the rules compare it: trimmed, final x in capitals. Most are already so and are
    /// returned without a copy.
    static func normalizedID(_ id: String) -> String {
        guard let first = id.utf8.first, let last = id.utf8.last else { return id }
        if first > 0x20, last > 0x20, last != UInt8(ascii: "x") { return id }
        return IDNumber.normalize(id)
    }

    // MARK: - Looking things up

    /// The enabled setting of `rule`; nil when the configuration does not enable it.
    func setting(_ rule: RuleCode) -> RuleSetting? {
        configuration.rules.first { $0.rule == rule && $0.enabled }
    }

    var personCount: Int { paymentsByPerson.groupCount }

    func idNumber(ofPerson g: Int) -> String { paymentsByPerson.keys[g] }

    func item(_ payment: Int) -> PaidItem { input.payments[payments[payment].index] }

    func program(_ payment: Int) -> ProgramDefinition? { payments[payment].programIndex.map { catalog.programs[$0] } }

    /// Person g's payments of the period (indices in `payments`), in input order.
    func paymentsOf(person g: Int) -> KeyedGroups.Rows { paymentsByPerson.rows(inGroup: g) }

    /// Person g's payments of the period in ledger order (origin, seq).
    func sortedPaymentsOf(person g: Int) -> [Int] { sortedByEntry(Array(paymentsOf(person: g))) }

    func sortedByEntry(_ list: [Int]) -> [Int] { list.sorted { item($0).entry < item($1).entry } }

    /// Ordered by paid date, then ledger and seq: which payment came later.
    func sortedByPaidDate(_ list: [Int]) -> [Int] {
        list.sorted {
            let a = item($0), b = item($1)
            return a.paidDate != b.paidDate ? a.paidDate < b.paidDate : a.entry < b.entry
        }
    }

    func enrollmentRows(ofPerson g: Int) -> [EnrollmentRecord] {
        let group = enrollmentGroupOfPerson[g]
        guard group >= 0 else { return [] }
        return enrollmentByPerson.rows(inGroup: group).map { input.registries.enrollment[$0] }.sorted { $0.line < $1.line }
    }

    func certificateRows(ofPerson g: Int) -> [CertificateRecord] {
        let group = certificateGroupOfPerson[g]
        guard group >= 0 else { return [] }
        return certificatesByPerson.rows(inGroup: group).map { input.registries.certificates[$0] }.sorted { $0.line < $1.line }
    }

    func identityRows(ofPerson g: Int) -> [IdentityRecord] {
        let group = identityGroupOfPerson[g]
        guard group >= 0 else { return [] }
        return identityByPerson.rows(inGroup: group).map { input.registries.identity[$0] }.sorted { $0.line < $1.line }
    }

    /// Whether a certificate row counts as evidence for the period: valid status and validFrom ≤ period start ≤
    /// validTo (open-ended when validTo is nil).
    func isValidAtPeriodStart(_ certificate: CertificateRecord) -> Bool {
        guard certificate.status == .valid, certificate.validFrom <= periodStart else { return false }
        if let to = certificate.validTo, to < periodStart { return false }
        return true
    }

    /// One person's failing payments (with what each rule noted about them) grouped by programme: programmes in
    /// name order, payments in ledger order. Rules that find per (person, programme) report one finding a group.
    func groupedByProgram<Detail>(_ failing: [(payment: Int, detail: Detail)]) -> [(program: String, failures: [(payment: Int, detail: Detail)])] {
        var groups: [String: [(payment: Int, detail: Detail)]] = [:]
        for f in failing { groups[payments[f.payment].program, default: []].append(f) }
        return groups.keys.sorted().map { program in
            (program, groups[program, default: []].sorted { item($0.payment).entry < item($1.payment).entry })
        }
    }

    /// The name findings about person g carry: the identity registry's, else the first payment's.
    func referenceName(ofPerson g: Int) -> String? {
        if let identity = identityRows(ofPerson: g).first { return identity.name }
        return sortedPaymentsOf(person: g).lazy.compactMap { self.item($0).name }.first
    }

    // MARK: - Keys

    /// The person key (hex) of an ID number, computed once per distinct number.
    func personKey(_ idNumber: String) -> String { keyed(idNumber) }

    /// The keyed hex of `account:` + number (XC-10 subjects) or `cert:` + number (XC-16 subjects).
    func keyedSubject(prefix: String, _ value: String) -> String { prefix + keyed(prefix + value) }

    private func keyed(_ text: String) -> String {
        if let known = keyedCache[text] { return known }
        let hex = Hex.encode(personKeys.personKey(idNumber: text))
        keyedCache[text] = hex
        return hex
    }

    // MARK: - Findings

    /// Records a finding of `setting.rule` with its stable id, severity and action; entries are sorted.
    func report(_ setting: RuleSetting, subject: String, program: String?, idProgram: String? = nil, unit: String, schoolCode: String?,
                person: (key: String, idNumber: String, name: String?)?, entries: [EntryReference], amountFen: Int64, summary: String,
                evidence: [Evidence]) throws {
        let id = try FindingID.make(rule: setting.rule, subject: subject, program: idProgram ?? program ?? "", period: period)
        findings.append(Finding(id: id, rule: setting.rule, severity: setting.severity, unit: unit, schoolCode: schoolCode, program: program,
                                period: period, personKey: person?.key, idNumber: person?.idNumber, name: person?.name,
                                entries: entries.sorted(), amountFen: amountFen, summary: summary, evidence: evidence, action: setting.action))
    }

    /// Records a finding about paid person g resting on `items` (its entries and, unless given, their total).
    func reportPerson(_ setting: RuleSetting, person g: Int, program: String?, idProgram: String? = nil, unit: String, schoolCode: String?,
                      items: [PaidItem], amountFen: Int64? = nil, summary: String, evidence: [Evidence]) throws {
        let id = idNumber(ofPerson: g)
        let key = personKey(id)
        try report(setting, subject: key, program: program, idProgram: idProgram, unit: unit, schoolCode: schoolCode,
                   person: (key, id, referenceName(ofPerson: g)), entries: items.map(\.entry),
                   amountFen: amountFen ?? Money.sum(items.lazy.map(\.amountFen)), summary: summary, evidence: evidence)
    }

    /// The findings in report order: unit, rule, person key, id.
    func sortedFindings() -> [Finding] {
        findings.sorted { a, b in
            if a.unit != b.unit { return a.unit < b.unit }
            if a.rule != b.rule { return a.rule < b.rule }
            if (a.personKey ?? "") != (b.personKey ?? "") { return (a.personKey ?? "") < (b.personKey ?? "") }
            return a.id < b.id
        }
    }
}

/// Why a run cannot start. The messages name the field, never a value from a ledger or registry.
public enum CrossCheckRunError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input's period is not `YYYY-spring`, `YYYY-autumn`, `YYYY-MM` or `YYYY`.
    case malformedPeriod
    /// A term start of the thresholds (`springTermStart` / `autumnTermStart`) does not make a real date.
    case malformedTermStart(String)

    public var description: String {
        switch self {
        case .malformedPeriod: "period: must be YYYY-spring, YYYY-autumn, YYYY-MM or YYYY"
        case .malformedTermStart(let field): "thresholds.\(field): must be MM-DD, a real day of the year"
        }
    }
}

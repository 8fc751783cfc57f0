import LedgerCore
import LedgerCrypto

/// A payment of the run's period as the rules see it: not reversed, with its ID opening. The personal values the
/// rules compare are read from the openings once, here.
struct PeriodPayment {
    /// Index in `CrossCheckInput.payments`.
    let index: Int
    /// The ID number, normalised (final X in capitals).
    let idNumber: String
    /// The canonical programme name, or the name as paid when the catalogue does not know it.
    let program: String
    /// The programme's index in the catalogue; nil for an unknown programme.
    let programIndex: Int?
    /// Openings (nil when never given or erased).
    let name: String?
    let category: String?
    let accountNumber: String?
    let certType: String?
    let certNumber: String?
}

/// What every rule of one run reads, indexed once: the period's payments grouped by person, the registries by ID
/// number (packed into integer keys, `IDNumberKey`), the catalogue and standards; and what the rules produce
/// (`findings`). Person keys (HMAC) are computed once per distinct ID number, and only for the people findings
/// are about.
///
/// Paid person `g` is person `g` of `persons`, whose rows in every source are one slice away. Hot loops read
/// fields of `all`, `enrollment`, … in place rather than copying whole rows.
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

    /// Every payment of the input, and the registries' rows.
    let all: [PaidItem]
    let enrollment: [EnrollmentRecord]
    let certificates: [CertificateRecord]
    let identity: [IdentityRecord]

    /// The payments of the period: not reversed, with an ID number, in input order.
    let payments: [PeriodPayment]
    /// Rows of the period's payments (indices in `payments`) and of each registry, by person: paid person g is
    /// person g.
    let persons: PersonIndex
    /// The ID-number keys of this run.
    let idKeys: IDNumberKey.Encoder

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
        self.all = input.payments
        enrollment = input.registries.enrollment
        certificates = input.registries.certificates
        identity = input.registries.identity

        // The period's payments, each programme name resolved once per distinct name (and payments come in batches
        // of one programme), each payment's openings read in one pass over them.
        var periodPayments: [PeriodPayment] = []
        var programOfName: [String: (String, Int?)] = [:]
        var lastProgram: (name: String, resolved: (String, Int?))?
        let all = input.payments
        for i in all.indices where all[i].period == input.period && all[i].reversedBy == nil {
            var id: String?, name: String?, category: String?, account: String?, certType: String?, certNumber: String?
            for (field, value) in all[i].personal {
                switch field {
                case .idNumber: id = value
                case .name: name = value
                case .category: category = value
                case .accountNumber: account = value
                case .certType: certType = value
                case .certNumber: certNumber = value
                case .bankRef: break
                }
            }
            guard let id = id.map(Self.normalizedID), !id.isEmpty else { continue }
            let programName = all[i].program
            let resolved: (String, Int?)
            if let lastProgram, lastProgram.name == programName {
                resolved = lastProgram.resolved
            } else if let known = programOfName[programName] {
                resolved = known
            } else {
                let index = catalog.index(of: programName)
                resolved = (index.map { catalog.programs[$0].name } ?? programName, index)
                programOfName[programName] = resolved
            }
            lastProgram = (programName, resolved)
            periodPayments.append(PeriodPayment(index: i, idNumber: id, program: resolved.0, programIndex: resolved.1, name: name, category: category,
                                                accountNumber: account, certType: certType, certNumber: certNumber))
        }
        payments = periodPayments

        // Read through buffer pointers: a row's ID number is loaded without copying the row.
        var keys = IDNumberKey.Encoder()
        let registries = input.registries
        persons = periodPayments.withUnsafeBufferPointer { paid in
            registries.enrollment.withUnsafeBufferPointer { enrollment in
                registries.certificates.withUnsafeBufferPointer { certificates in
                    registries.identity.withUnsafeBufferPointer { identity in
                        PersonIndex(payments: paid.count, enrollment: enrollment.count, certificates: certificates.count, identity: identity.count) {
                            source, row in
                            switch source {
                            case 0: keys.key(paid[row].idNumber)
                            case 1: keys.key(enrollment[row].idNumber)
                            case 2: keys.key(certificates[row].idNumber)
                            default: keys.key(identity[row].idNumber)
                            }
                        }
                    }
                }
            }
        }
        idKeys = keys
    }

    /// An ID number as the rules compare it: trimmed, final x in capitals.
    static func normalizedID(_ id: String) -> String { id.normalizedIDNumber }

    // MARK: - Looking things up

    /// The enabled setting of `rule`; nil when the configuration does not enable it.
    func setting(_ rule: RuleCode) -> RuleSetting? {
        configuration.rules.first { $0.rule == rule && $0.enabled }
    }

    /// How many people the period's payments name.
    var personCount: Int { persons.paidCount }

    /// Paid person g's ID number (normalised).
    func idNumber(ofPerson g: Int) -> String { payments[persons.payments.of(g).first ?? 0].idNumber }

    /// The paid item of period payment `p` (a copy: for findings, not for hot loops).
    func item(_ p: Int) -> PaidItem { all[payments[p].index] }

    /// Person g's payments of the period (indices in `payments`), in input order.
    func paymentsOf(person g: Int) -> ArraySlice<Int> { persons.payments.of(g) }

    /// Person g's payments of the period in ledger order (origin, seq).
    func sortedPaymentsOf(person g: Int) -> [Int] { sortedByEntry(Array(paymentsOf(person: g))) }

    func sortedByEntry(_ list: [Int]) -> [Int] { list.sorted { all[payments[$0].index].entry < all[payments[$1].index].entry } }

    /// Ordered by paid date, then ledger and seq: which payment came later.
    func sortedByPaidDate(_ list: [Int]) -> [Int] {
        list.sorted {
            let a = all[payments[$0].index], b = all[payments[$1].index]
            return a.paidDate != b.paidDate ? a.paidDate < b.paidDate : a.entry < b.entry
        }
    }

    /// Person p's rows of each registry, in line order (copies: for findings).
    func enrollmentRows(ofPerson p: Int) -> [EnrollmentRecord] {
        persons.enrollment.of(p).map { enrollment[$0] }.sorted { $0.line < $1.line }
    }

    func certificateRows(ofPerson p: Int) -> [CertificateRecord] {
        persons.certificates.of(p).map { certificates[$0] }.sorted { $0.line < $1.line }
    }

    func identityRows(ofPerson p: Int) -> [IdentityRecord] {
        persons.identity.of(p).map { identity[$0] }.sorted { $0.line < $1.line }
    }

    /// Whether a certificate row counts as evidence for the period: valid status and validFrom ≤ period start ≤
    /// validTo (open-ended when validTo is nil).
    func isValidAtPeriodStart(_ row: Int) -> Bool {
        guard certificates[row].status == .valid, certificates[row].validFrom <= periodStart else { return false }
        if let to = certificates[row].validTo, to < periodStart { return false }
        return true
    }

    /// One person's failing payments (with what each rule noted about them) grouped by programme: programmes in
    /// name order, payments in ledger order. Rules that find per (person, programme) report one finding a group.
    func groupedByProgram<Detail>(_ failing: [(payment: Int, detail: Detail)]) -> [(program: String, failures: [(payment: Int, detail: Detail)])] {
        var groups: [String: [(payment: Int, detail: Detail)]] = [:]
        for f in failing { groups[payments[f.payment].program, default: []].append(f) }
        return groups.keys.sorted().map { program in
            (program, groups[program, default: []].sorted { all[payments[$0.payment].index].entry < all[payments[$1.payment].index].entry })
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

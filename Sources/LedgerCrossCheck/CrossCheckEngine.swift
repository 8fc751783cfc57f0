import LedgerCore
import LedgerCrypto

/// Runs the rules over one input: pure, no I/O, deterministic (same input and configuration, same findings in
/// the same order, whatever the order of the payments and registry rows).
///
/// The registries are indexed once by ID number and the period's payments grouped by person, so a run is linear
/// in its input (a million payments and registry rows take seconds); person keys are computed only for the
/// people findings are about. docs/CROSSCHECK.md explains each rule to inspectors; the rule files
/// (`Rules/`) say exactly what each finds.
public enum CrossCheckEngine {
    /// The rules, each with the code that enables it, in catalogue order.
    static let rules: [(RuleCode, @Sendable (RuleContext, RuleSetting) -> any CrossCheckRule)] = [
        (.idValid, IDValidRule.init),
        (.personNoCert, PersonNoCertificateRule.init),
        (.certNoPerson, CertificateNoPersonRule.init),
        (.nameIDMismatch, NameIDMismatchRule.init),
        (.duplicateProgram, DuplicateProgramRule.init),
        (.mutex, MutexRule.init),
        (.statusAfterExit, StatusAfterExitRule.init),
        (.amountStandard, AmountStandardRule.init),
        (.payee, PayeeRule.init),
        (.method, MethodRule.init),
        (.disabilityCertificate, DisabilityCertificateRule.init),
        (.studentNumberMatch, StudentNumberRule.init),
        (.unitMap, UnitMapRule.init),
        (.eligibleUnpaid, EligibleUnpaidRule.init),
    ]

    /// The findings of every enabled rule, sorted by unit, rule, person key and id. `personKeys` keys ID numbers
    /// (and account and certificate numbers) for grouping and for finding ids.
    ///
    /// One pass over the people paid in the period asks every enabled rule about each; then each rule finishes
    /// with what is not about one paid person.
    ///
    /// Throws `CrossCheckRunError` when the period or the thresholds' term starts are malformed.
    public static func run(_ input: CrossCheckInput, configuration: CrossCheckConfiguration, personKeys: PersonKeys) throws -> [Finding] {
        let context = try RuleContext(input: input, configuration: configuration, personKeys: personKeys)
        let enabled = rules.compactMap { code, make in context.setting(code).map { make(context, $0) } }
        for g in 0..<context.personCount {
            let payments = context.paymentsOf(person: g)
            for rule in enabled { try rule.check(person: g, payments: payments) }
        }
        for rule in enabled { try rule.finish() }
        return context.sortedFindings()
    }
}

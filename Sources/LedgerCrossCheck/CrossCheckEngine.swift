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
    /// The rules in the order they run, each with the code that enables it.
    static let rules: [(RuleCode, @Sendable (RuleContext, RuleSetting) throws -> Void)] = [
        (.idValid, IDValidRule.run),
        (.personNoCert, PersonNoCertificateRule.run),
        (.certNoPerson, CertificateNoPersonRule.run),
        (.nameIDMismatch, NameIDMismatchRule.run),
        (.duplicateProgram, DuplicateProgramRule.run),
        (.mutex, MutexRule.run),
        (.statusAfterExit, StatusAfterExitRule.run),
        (.amountStandard, AmountStandardRule.run),
        (.payee, PayeeRule.run),
        (.method, MethodRule.run),
        (.disabilityCertificate, DisabilityCertificateRule.run),
        (.studentNumberMatch, StudentNumberRule.run),
        (.unitMap, UnitMapRule.run),
        (.eligibleUnpaid, EligibleUnpaidRule.run),
    ]

    /// The findings of every enabled rule, sorted by unit, rule, person key and id. `personKeys` keys ID numbers
    /// (and account and certificate numbers) for grouping and for finding ids.
    ///
    /// Throws `CrossCheckRunError` when the period or the thresholds' term starts are malformed.
    public static func run(_ input: CrossCheckInput, configuration: CrossCheckConfiguration, personKeys: PersonKeys) throws -> [Finding] {
        let context = try RuleContext(input: input, configuration: configuration, personKeys: personKeys)
        for (code, rule) in rules {
            guard let setting = context.setting(code) else { continue }
            try rule(context, setting)
        }
        return context.sortedFindings()
    }
}

import LedgerCore
import LedgerCrypto

/// Runs the rules over one input: pure, no I/O, deterministic (same input and configuration, same findings in
/// the same order).
public enum CrossCheckEngine {
    /// The findings of every enabled rule, sorted by unit, rule, person key and id. `personKeys` keys ID numbers
    /// (and account and certificate numbers) for grouping and for finding ids.
    public static func run(_ input: CrossCheckInput, configuration: CrossCheckConfiguration, personKeys: PersonKeys) throws -> [Finding] {
        []  // the rules arrive in the next commit
    }
}

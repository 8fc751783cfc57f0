import LedgerCore

/// Periods as the rules see them: when a period starts (a certificate must be valid on that day, a standard must
/// be in force on it) and which payment schedule it belongs to.
public enum PeriodCalendar {
    /// The first day of a period (`YYYY-MM-DD`): a spring or autumn term starts on the thresholds' term start of
    /// its year, a month on its first day, a year on 01-01. nil when the period or the term start is malformed.
    public static func startDate(of period: String, thresholds: Thresholds) -> String? {
        guard FieldSyntax.isPeriod(period) else { return nil }
        let year = String(period.prefix(4))
        let date: String
        switch schedule(of: period) {
        case .yearly: date = year + "-01-01"
        case .monthly: date = period + "-01"
        case .term: date = year + "-" + (period.hasSuffix("spring") ? thresholds.springTermStart : thresholds.autumnTermStart)
        case nil: return nil
        }
        return FieldSyntax.isDate(date) ? date : nil
    }

    /// The schedule a period is of: `YYYY-spring` / `YYYY-autumn` a term, `YYYY-MM` a month, `YYYY` a year.
    public static func schedule(of period: String) -> PaymentSchedule? {
        guard FieldSyntax.isPeriod(period) else { return nil }
        switch period.utf8.count {
        case 4: return .yearly
        case 7: return .monthly
        default: return .term
        }
    }

    /// The calendar year a period falls in (its first four characters); nil when the period is malformed.
    public static func year(of period: String) -> Substring? {
        FieldSyntax.isPeriod(period) ? period.prefix(4) : nil
    }
}

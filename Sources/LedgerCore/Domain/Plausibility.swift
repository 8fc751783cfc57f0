/// Limits on dates that a well-formed submission can still get wrong: a birth date after today, a payment
/// dated far after it is recorded, a signature dated long before or after the append. Each is refused with
/// the place of the value (file:line:column for a file, the field of a signed header).
///
/// The clock is an input (`now`), so the checks are pure and tested without waiting for a date.
public struct PlausibilityPolicy: Sendable, Equatable {
    /// How many days after the append date a `paid_date` may lie (payments recorded shortly before they are
    /// made). Default 31.
    public var paidDateToleranceDays: Int64 = 31
    /// How long before the append a submission may have been signed (signed offline, sent later). Default
    /// 30 days.
    public var signedAtMaxAgeSeconds: Int64 = 30 * 86_400
    /// How far after the append a signature may be dated (clock skew between the officer's machine and the
    /// server). Default 10 minutes.
    public var signedAtMaxLeadSeconds: Int64 = 600

    public init() {}

    /// The limits that apply to the dates of an input file or request read at `now` (a timestamp
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`).
    public func dateLimits(now: String) -> DateLimits {
        let today = (Timestamp.parse(now) ?? 0) / 86_400_000
        return DateLimits(latestBirthDay: today, latestPaidDay: today + paidDateToleranceDays)
    }

    /// Why a signature dated `signedAt` may not be appended at `time`, or nil if it may.
    public func signedAtProblem(_ signedAt: String, appendedAt time: String) -> String? {
        guard let signed = Timestamp.parse(signedAt), let now = Timestamp.parse(time) else { return nil }
        if signed < now - signedAtMaxAgeSeconds * 1000 {
            return "signed_at \(signedAt) is more than \(Self.duration(signedAtMaxAgeSeconds)) before the append time \(time) (sign again, or ask the operator about the signing window)"
        }
        if signed > now + signedAtMaxLeadSeconds * 1000 {
            return "signed_at \(signedAt) is more than \(Self.duration(signedAtMaxLeadSeconds)) after the append time \(time) (check the signing machine's clock)"
        }
        return nil
    }

    /// Why a payment dated `paidDate` may not be appended at `time`, or nil if it may.
    public func paidDateProblem(_ paidDate: String, appendedAt time: String) -> String? {
        guard let day = DateLimits.dayNumber(paidDate), let now = Timestamp.parse(time) else { return nil }
        let latest = now / 86_400_000 + paidDateToleranceDays
        guard day > latest else { return nil }
        return "paid_date \(paidDate) is more than \(paidDateToleranceDays) days after the append date \(time.prefix(10))"
    }

    static func duration(_ seconds: Int64) -> String {
        if seconds % 86_400 == 0 { return "\(seconds / 86_400) day\(seconds == 86_400 ? "" : "s")" }
        if seconds % 60 == 0 { return "\(seconds / 60) minute\(seconds == 60 ? "" : "s")" }
        return "\(seconds) seconds"
    }
}

/// The latest dates an input may carry, as day numbers (days since 1970-01-01).
public struct DateLimits: Sendable, Equatable {
    /// The latest birth date an ID number may encode: today.
    public var latestBirthDay: Int64
    /// The latest `paid_date`: today plus the tolerance.
    public var latestPaidDay: Int64

    public init(latestBirthDay: Int64, latestPaidDay: Int64) {
        self.latestBirthDay = latestBirthDay
        self.latestPaidDay = latestPaidDay
    }

    /// The day number of a valid date `YYYY-MM-DD`; nil if `text` is not one.
    public static func dayNumber(_ text: String) -> Int64? {
        guard FieldSyntax.isDate(text) else { return nil }
        let b = Array(text.utf8)
        func n(_ r: Range<Int>) -> Int64 { Int64(FieldSyntax.digits(b[r]) ?? 0) }
        return Timestamp.daysFromCivil(y: n(0..<4), m: n(5..<7), d: n(8..<10))
    }

    /// The date `YYYY-MM-DD` of a day number.
    public static func date(_ day: Int64) -> String {
        let (y, m, d) = Timestamp.civil(fromDays: day)
        return "\(Timestamp.pad(y, 4))-\(Timestamp.pad(m, 2))-\(Timestamp.pad(d, 2))"
    }
}

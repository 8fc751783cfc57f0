/// Amounts in fen as the rules add and show them: sums saturate instead of trapping, and an amount is shown in
/// yuan with two decimals (`750.00`).
enum Money {
    static func sum<S: Sequence>(_ amounts: S) -> Int64 where S.Element == Int64 {
        var total: Int64 = 0
        for a in amounts {
            let (s, overflow) = total.addingReportingOverflow(a)
            total = overflow ? (a < 0 ? Int64.min : Int64.max) : s
        }
        return total
    }

    /// `a + b` and `a - b`, saturating.
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? Int64.min : Int64.max) : s
    }

    static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? Int64.max : Int64.min) : s
    }

    /// Yuan with two decimals, e.g. 75000 → `750.00`, -5 → `-0.05`.
    static func yuan(_ fen: Int64) -> String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + String(magnitude / 100) + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}

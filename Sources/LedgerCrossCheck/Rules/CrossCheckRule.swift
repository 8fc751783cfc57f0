/// One rule for one run. The engine makes one pass over the paid people, asking every enabled rule about each
/// (so a person's payments and registry rows are read while they are in cache, not once per rule), then lets each
/// rule finish with what is not about one paid person: registry rows, accounts, unit codes, unpaid students.
protocol CrossCheckRule: AnyObject {
    /// Checks paid person g, whose payments of the period are `payments` (indices in `RuleContext.payments`).
    func check(person g: Int, payments: ArraySlice<Int>) throws
    /// Called once after every paid person was checked.
    func finish() throws
}

extension CrossCheckRule {
    func check(person g: Int, payments: ArraySlice<Int>) throws {}
    func finish() throws {}
}

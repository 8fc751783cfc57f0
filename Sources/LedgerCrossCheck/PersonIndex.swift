/// The rows of every source of a run (the period's payments, enrollment, certificates, identity) grouped by
/// person in one table: each distinct ID number (packed, `IDNumberKey`) gets a person number — the people paid in
/// the period first, in order of first payment, so paid person g is person g — and each source lists its rows
/// person after person. A person's rows in any source are then one array slice away, without a lookup per source.
struct PersonIndex {
    /// One source's rows, person after person.
    struct Rows {
        /// Person p's rows are `order[start[p] ..< start[p + 1]]`.
        private let start: [Int]
        private let order: [Int]

        /// Groups rows by person number (-1: left out), for `personCount` people.
        init(personOfRow: [Int32], personCount: Int) {
            var start = [Int](repeating: 0, count: personCount + 1)
            for p in personOfRow where p >= 0 { start[Int(p) + 1] += 1 }
            for p in 0..<personCount { start[p + 1] += start[p] }
            var next = start
            var order = [Int](repeating: 0, count: start[personCount])
            for (row, p) in personOfRow.enumerated() where p >= 0 {
                order[next[Int(p)]] = row
                next[Int(p)] += 1
            }
            self.start = start
            self.order = order
        }

        /// Whether person p has no row here.
        func isEmpty(_ p: Int) -> Bool { p < 0 || p + 1 >= start.count || start[p] == start[p + 1] }

        /// Person p's rows, in input order (none for a person number beyond the index).
        func of(_ p: Int) -> ArraySlice<Int> {
            guard p >= 0, p + 1 < start.count else { return [] }
            return order[start[p]..<start[p + 1]]
        }
    }

    /// Person number → key.
    let keys: [UInt64]
    /// How many people the period's payments name: persons 0..<paidCount.
    let paidCount: Int
    let payments: Rows
    let enrollment: Rows
    let certificates: Rows
    let identity: Rows
    private let table: KeyTable

    /// Keys the rows of each source (`nil`: the row is left out), payments first.
    init(payments paymentCount: Int, enrollment enrollmentCount: Int, certificates certificateCount: Int, identity identityCount: Int,
         key: (_ source: Int, _ row: Int) -> UInt64?) {
        var table = KeyTable(capacityFor: paymentCount + enrollmentCount + certificateCount + identityCount)
        var keys: [UInt64] = []
        var personOfRow: [[Int32]] = []
        var paidCount = 0
        for (source, count) in [paymentCount, enrollmentCount, certificateCount, identityCount].enumerated() {
            var persons = [Int32](repeating: -1, count: count)
            for row in 0..<count {
                guard let k = key(source, row) else { continue }
                let p = table.insert(k, next: keys.count)
                if p == keys.count { keys.append(k) }
                persons[row] = Int32(truncatingIfNeeded: p)
            }
            personOfRow.append(persons)
            if source == 0 { paidCount = keys.count }
        }
        self.keys = keys
        self.paidCount = paidCount
        self.table = table
        payments = Rows(personOfRow: personOfRow[0], personCount: keys.count)
        enrollment = Rows(personOfRow: personOfRow[1], personCount: keys.count)
        certificates = Rows(personOfRow: personOfRow[2], personCount: keys.count)
        identity = Rows(personOfRow: personOfRow[3], personCount: keys.count)
    }

    /// Everyone any source names.
    var personCount: Int { keys.count }

    func person(of key: UInt64) -> Int? { table.find(key) }
}

/// Rows grouped by a string key (an ID number, an account number), built in one pass: one dictionary entry per
/// distinct key and two integers per row, no array per group, so that a million registry rows are indexed
/// without a million allocations. Within a group, rows keep the order they were added in.
struct KeyedGroups {
    /// Key → group number.
    private var groupByKey: [String: Int] = [:]
    /// The key of each group.
    private(set) var keys: [String] = []
    private var firstRow: [Int] = []
    private var lastRow: [Int] = []
    /// Per row: the next row of its group, or -1.
    private var nextRow: [Int]

    /// Room for rows 0..<rowCount.
    init(rowCount: Int) {
        nextRow = Array(repeating: -1, count: rowCount)
        groupByKey.reserveCapacity(rowCount)
    }

    var groupCount: Int { keys.count }

    /// Adds `row` (0..<rowCount, each at most once) to the group of `key`.
    mutating func add(row: Int, key: String) {
        if let g = groupByKey[key] {
            nextRow[lastRow[g]] = row
            lastRow[g] = row
        } else {
            groupByKey[key] = keys.count
            keys.append(key)
            firstRow.append(row)
            lastRow.append(row)
        }
    }

    func group(of key: String) -> Int? { groupByKey[key] }

    /// The rows of group `g`, in the order they were added.
    func rows(inGroup g: Int) -> Rows { Rows(groups: self, first: firstRow[g]) }

    /// The rows of `key`'s group; none when the key is unknown.
    func rows(of key: String) -> Rows {
        guard let g = groupByKey[key] else { return Rows(groups: self, first: -1) }
        return rows(inGroup: g)
    }

    struct Rows: Sequence {
        let groups: KeyedGroups
        let first: Int

        func makeIterator() -> Iterator { Iterator(links: groups.nextRow, current: first) }

        var isEmpty: Bool { first < 0 }

        /// Whether the group has more than `n` rows, counting no further than n + 1.
        func hasMore(than n: Int) -> Bool {
            var seen = 0
            for _ in self {
                seen += 1
                if seen > n { return true }
            }
            return false
        }

        struct Iterator: IteratorProtocol {
            let links: [Int]
            var current: Int

            mutating func next() -> Int? {
                guard current >= 0 else { return nil }
                defer { current = links[current] }
                return current
            }
        }
    }
}

/// Rows grouped by a 64-bit key (a person's packed ID number, `IDNumberKey`; an account number's hash), built in
/// linear time: one slot of an open-addressing table per distinct key and the row numbers laid out group after
/// group, so that a million registry rows are indexed without an array per group or a string hash per row, and a
/// group's rows are read from one contiguous slice. Within a group, rows keep the order of the input.
struct KeyedGroups {
    /// The key of each group, in order of first appearance.
    let keys: [UInt64]
    private let table: KeyTable
    /// Group g's rows are `rowOrder[groupStart[g] ..< groupStart[g + 1]]`.
    private let groupStart: [Int]
    private let rowOrder: [Int]

    /// Groups rows 0..<rowCount by `key(row)`; a row whose key is nil is left out.
    init(rowCount: Int, key: (Int) -> UInt64?) {
        var table = KeyTable(capacityFor: rowCount)
        var keys: [UInt64] = []
        var groupOfRow = [Int](repeating: -1, count: rowCount)
        var sizes: [Int] = []
        for row in 0..<rowCount {
            guard let k = key(row) else { continue }
            let g = table.insert(k, next: keys.count)
            if g == keys.count {
                keys.append(k)
                sizes.append(1)
            } else {
                sizes[g] += 1
            }
            groupOfRow[row] = g
        }
        var start = [Int](repeating: 0, count: keys.count + 1)
        for g in 0..<keys.count { start[g + 1] = start[g] + sizes[g] }
        var next = start
        var order = [Int](repeating: 0, count: start[keys.count])
        for row in 0..<rowCount where groupOfRow[row] >= 0 {
            let g = groupOfRow[row]
            order[next[g]] = row
            next[g] += 1
        }
        self.keys = keys
        self.table = table
        groupStart = start
        rowOrder = order
    }

    var groupCount: Int { keys.count }

    func group(of key: UInt64) -> Int? { table.find(key) }

    /// The rows of group `g`, in input order.
    func rows(inGroup g: Int) -> ArraySlice<Int> { rowOrder[groupStart[g]..<groupStart[g + 1]] }

    /// The rows of `key`'s group; none when the key is unknown.
    func rows(of key: UInt64) -> ArraySlice<Int> {
        guard let g = table.find(key) else { return [] }
        return rows(inGroup: g)
    }
}

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

/// An open-addressing hash table from 64-bit keys to group numbers: linear probing over a power-of-two table at
/// most half full, Fibonacci hashing. `UInt64.max` marks an empty slot (no packed ID number or tagged key is
/// all ones).
struct KeyTable {
    private var slotKeys: [UInt64]
    private var slotGroups: [Int32]
    private let shift: UInt64
    private let mask: Int

    static let empty = UInt64.max

    init(capacityFor count: Int) {
        var bits = 4
        while bits < 40, 1 << bits < count * 2 { bits += 1 }
        slotKeys = [UInt64](repeating: Self.empty, count: 1 << bits)
        slotGroups = [Int32](repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
        mask = (1 << bits) - 1
    }

    @inline(__always) private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The group of `key`; when the key is new, it gets group `next` (the caller's next group number).
    mutating func insert(_ key: UInt64, next: Int) -> Int {
        var i = slot(key)
        while true {
            let k = slotKeys[i]
            if k == key { return Int(slotGroups[i]) }
            if k == Self.empty {
                slotKeys[i] = key
                slotGroups[i] = Int32(truncatingIfNeeded: next)
                return next
            }
            i = (i + 1) & mask
        }
    }

    func find(_ key: UInt64) -> Int? {
        var i = slot(key)
        while true {
            let k = slotKeys[i]
            if k == key { return Int(slotGroups[i]) }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }
}

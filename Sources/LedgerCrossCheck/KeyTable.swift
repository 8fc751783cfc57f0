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

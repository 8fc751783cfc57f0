import LedgerCrypto
/// RFC 6962 / RFC 9162 Merkle tree hashing over leaf hashes.
///
/// In the ledger the leaf hash of entry i is its entry hash, H(0x00 || canonical bytes); interior nodes are
/// H(0x01 || left || right); the root of the empty tree is H("").
public enum MerkleTree {
    public static let leafPrefix: UInt8 = 0x00
    public static let nodePrefix: UInt8 = 0x01

    /// Root of the tree whose leaves have the given leaf hashes.
    public static func root(leafHashes: [Digest32], hash: HashFunction) -> Digest32 {
        var frontier = MerkleFrontier()
        for leaf in leafHashes { frontier.append(leaf, hash: hash) }
        return frontier.root(hash: hash)
    }

    /// Verifies an inclusion proof (RFC 9162 §2.1.3.2). Returns the computed root, or nil if the proof is malformed.
    public static func rootFromInclusionProof(index: UInt64, size: UInt64, leafHash: Digest32, proof: [Digest32], hash: HashFunction) -> Digest32? {
        guard index < size else { return nil }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return nil }
            if fn & 1 == 1 || fn == sn {
                r = hash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = hash.node(r, p)
            }
            fn >>= 1; sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// Verifies a consistency proof between two tree sizes (RFC 9162 §2.1.4.2). A proof from the empty tree
    /// proves nothing and is rejected, as transparency-dev/merkle does.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, root1: Digest32, root2: Digest32, proof: [Digest32], hash: HashFunction) -> Bool {
        if size1 == 0 || size1 > size2 { return false }
        if size1 == size2 { return proof.isEmpty && root1 == root2 }
        guard !proof.isEmpty else { return false }
        var path = proof
        if size1 & (size1 - 1) == 0 { path.insert(root1, at: 0) } // size1 is a power of two
        var fn = size1 - 1, sn = size2 - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = hash.node(c, fr)
                sr = hash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = hash.node(sr, c)
            }
            fn >>= 1; sn >>= 1
        }
        return sn == 0 && fr == root1 && sr == root2
    }
}

/// The compact frontier of an append-only Merkle tree: the roots of its perfect subtrees, largest first
/// (one per set bit of `size`). Appending costs O(log n) hashes amortized O(1); the root costs O(log n).
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: UInt64 = 0
    /// Subtree roots from the largest (leftmost) to the smallest (rightmost).
    public private(set) var nodes: [Digest32] = []

    public init() {}

    /// Restores a frontier from stored values; nil if `nodes.count` does not equal the popcount of `size`.
    public init?(size: UInt64, nodes: [Digest32]) {
        guard nodes.count == size.nonzeroBitCount else { return nil }
        self.size = size
        self.nodes = nodes
    }

    public mutating func append(_ leafHash: Digest32, hash: HashFunction) {
        var node = leafHash
        var s = size
        // Merge with equal-sized subtrees: one merge per trailing one bit of the old size.
        while s & 1 == 1 {
            node = hash.node(nodes.removeLast(), node)
            s >>= 1
        }
        nodes.append(node)
        size += 1
    }

    public func root(hash: HashFunction) -> Digest32 {
        guard var r = nodes.last else { return hash.hash([]) }
        for n in nodes.dropLast().reversed() { r = hash.node(n, r) }
        return r
    }
}

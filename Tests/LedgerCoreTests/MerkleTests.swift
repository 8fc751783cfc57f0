import Foundation
import LedgerCrypto
import Testing
@testable import LedgerCore
import TestSupport

@Suite struct MerkleTests {
    let sha = try! HashFunction(.sha256)

    /// RFC 6962 roots of the first n of 8 leaves (transparency-dev/merkle), n = 0…8.
    @Test func rfc6962Roots() throws {
        let v = try readJSON(TestPaths.sharedVectors.appendingPathComponent("rfc6962/roots.json")).objectValue!
        let inputs = v["leaf_inputs_hex"]!.arrayValue!.map { Hex.decode($0.stringValue!)! }
        let roots = v["roots_hex_by_size"]!.arrayValue!.map { $0.stringValue! }
        #expect(roots.count == 9)
        for n in 0...8 {
            let leaves = inputs.prefix(n).map { input in input.withUnsafeBytes { sha.hash(prefix: 0, $0) } }
            #expect(MerkleTree.root(leafHashes: Array(leaves), hash: sha).hex == roots[n], "size \(n)")
        }
    }

    @Test func inclusionProofVectors() throws {
        var checked = 0
        for dir in try listFiles(TestPaths.sharedVectors.appendingPathComponent("rfc6962/inclusion")) {
            for file in try listFiles(dir) where file.pathExtension == "json" {
                // Indices beyond 2^53 (e.g. 2^64−1 in "leafIdx-sub-@1") are outside the format's integer range:
                // rejecting the input is rejecting the proof, which those vectors expect.
                guard let v = (try? readJSON(file))?.objectValue else {
                    #expect(String(decoding: try readBytes(file), as: UTF8.self).contains("\"wantErr\": true"), "\(file.lastPathComponent)")
                    checked += 1
                    continue
                }
                let proof = (v["proof"]?.arrayValue ?? []).map { Digest32(bytes: decodeBase64($0.stringValue!)) }
                let root = Digest32(bytes: decodeBase64(v["root"]!.stringValue!))
                let leaf = Digest32(bytes: decodeBase64(v["leafHash"]!.stringValue!))
                let wantErr = v["wantErr"]!.boolValue!
                var ok = false
                if let root, let leaf, proof.allSatisfy({ $0 != nil }), let index = v["leafIdx"]?.intValue, let size = v["treeSize"]?.intValue, index >= 0, size >= 0 {
                    ok = MerkleTree.rootFromInclusionProof(index: UInt64(index), size: UInt64(size), leafHash: leaf, proof: proof.map { $0! }, hash: sha) == root
                }
                #expect(ok == !wantErr, "\(dir.lastPathComponent)/\(file.lastPathComponent)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    @Test func consistencyProofVectors() throws {
        var checked = 0
        for dir in try listFiles(TestPaths.sharedVectors.appendingPathComponent("rfc6962/consistency")) {
            for file in try listFiles(dir) where file.pathExtension == "json" {
                let v = try readJSON(file).objectValue!
                let proof = (v["proof"]?.arrayValue ?? []).map { Digest32(bytes: decodeBase64($0.stringValue!)) }
                let wantErr = v["wantErr"]!.boolValue!
                var ok = false
                let raw1 = decodeBase64(v["root1"]!.stringValue!), raw2 = decodeBase64(v["root2"]!.stringValue!)
                if let s1 = v["size1"]?.intValue, s1 == v["size2"]?.intValue, s1 > 0 {
                    // Equal non-zero sizes: consistent iff the proof is empty and the roots are the same bytes
                    // (these vectors use roots that are not 32 bytes long).
                    ok = proof.isEmpty && raw1 == raw2
                } else if let r1 = Digest32(bytes: decodeBase64(v["root1"]!.stringValue!)), let r2 = Digest32(bytes: decodeBase64(v["root2"]!.stringValue!)),
                   proof.allSatisfy({ $0 != nil }), let s1 = v["size1"]?.intValue, let s2 = v["size2"]?.intValue, s1 >= 0, s2 >= 0 {
                    ok = MerkleTree.verifyConsistency(size1: UInt64(s1), size2: UInt64(s2), root1: r1, root2: r2, proof: proof.map { $0! }, hash: sha)
                }
                #expect(ok == !wantErr, "\(dir.lastPathComponent)/\(file.lastPathComponent)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    /// The O(log n) frontier gives the same root as recursive RFC 6962 hashing, for every size up to 70,
    /// and survives a store/restore of its nodes.
    @Test func frontierMatchesRecursiveDefinition() {
        let leaves = (0..<70).map { sha.hash([UInt8($0)]) }
        var frontier = MerkleFrontier()
        for n in 0...70 {
            #expect(frontier.root(hash: sha) == recursiveRoot(Array(leaves.prefix(n))), "size \(n)")
            #expect(frontier.nodes.count == n.nonzeroBitCount)
            let restored = MerkleFrontier(size: frontier.size, nodes: frontier.nodes)
            #expect(restored == frontier)
            if n < 70 { frontier.append(leaves[n], hash: sha) }
        }
        #expect(MerkleFrontier(size: 3, nodes: [leaves[0]]) == nil)
    }

    func recursiveRoot(_ leaves: [Digest32]) -> Digest32 {
        if leaves.isEmpty { return sha.hash([]) }
        if leaves.count == 1 { return leaves[0] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        return sha.node(recursiveRoot(Array(leaves[..<k])), recursiveRoot(Array(leaves[k...])))
    }
}

import LedgerCore
import LedgerCrypto
import LedgerSamples

/// A ledger test vector: a bundle (and openings), and the verdict a conforming verifier must reach.
public struct LedgerVector: Sendable {
    public let name: String
    public let description: String
    public let bundle: [UInt8]
    public let openings: [UInt8]?
    /// The ledger key to pin (vkey).
    public let ledgerKey: String
    /// nil for a valid ledger; otherwise the code of the finding at the first bad seq.
    public let expectedCode: String?
    public let expectedSeq: UInt64?
}

/// Builds the project's ledger vectors: a valid ledger per suite and one broken ledger per tamper class.
/// `aidledger dev make-vectors` writes them to `Tests/Vectors/`; FORMAT.md §Test vectors describes them.
public enum LedgerVectors {
    struct Parts {
        var entries: [[UInt8]]
        var checkpoints: [String]
        let origin: String
        let suite: Suite

        init(_ ledger: InMemoryLedger) {
            entries = ledger.entries.map(\.bytes)
            checkpoints = ledger.checkpoints.map(\.serialized)
            origin = ledger.origin
            suite = ledger.suite
        }

        var bundle: [UInt8] {
            Bundle.encode(header: .init(origin: origin, suite: suite, entries: UInt64(entries.count), checkpoints: UInt64(checkpoints.count)),
                          entries: entries, checkpoints: checkpoints)
        }
    }

    /// Replaces the first occurrence of `find` in `bytes`.
    static func replacing(_ bytes: [UInt8], _ find: String, with replacement: String) -> [UInt8] {
        let f = Array(find.utf8)
        guard let i = (0...(bytes.count - f.count)).first(where: { Array(bytes[$0..<($0 + f.count)]) == f }) else {
            preconditionFailure("vector construction: pattern not found")
        }
        return Array(bytes[..<i]) + Array(replacement.utf8) + Array(bytes[(i + f.count)...])
    }

    public static func all(paymentsPerBatch n: Int = 3) throws -> [LedgerVector] {
        // Seqs with n payments per batch: 1 genesis; 2–4 key enrolments; batch A at 5 with payments 6…(5+n);
        // batch B; the reversal; the revocation; batch C.
        let batchA: UInt64 = 5, batchB = batchA + UInt64(n) + 1, reversal = batchB + UInt64(n) + 1
        let batchC = reversal + 2
        var vectors: [LedgerVector] = []

        for suite in Suite.allCases {
            let s = try DemoScenario.build(suite: suite, paymentsPerBatch: n)
            vectors.append(LedgerVector(name: "valid-\(suite.rawValue)", description: "a valid ledger in suite \(suite.rawValue): every entry kind, a reversal and a revocation",
                                        bundle: s.ledger.bundle(), openings: s.ledger.openingsFile(), ledgerKey: s.ledger.ledgerKey.verifierKey.description,
                                        expectedCode: nil, expectedSeq: nil))
        }

        let base = try DemoScenario.build(suite: .ed25519SHA256, paymentsPerBatch: n)
        let ledger = base.ledger
        let vkey = ledger.ledgerKey.verifierKey.description
        func broken(_ name: String, _ description: String, _ parts: Parts, code: String, seq: UInt64?, openings: [UInt8]? = nil, key: String? = nil) {
            vectors.append(LedgerVector(name: name, description: description, bundle: parts.bundle, openings: openings, ledgerKey: key ?? vkey, expectedCode: code, expectedSeq: seq))
        }

        // 1. A payment amount changed inside the stored bytes.
        do {
            var p = Parts(ledger)
            let seq = batchB + 2
            let amount = try Entry(decoding: p.entries[Int(seq) - 1]).body["amount_fen"]!.intValue!
            p.entries[Int(seq) - 1] = replacing(p.entries[Int(seq) - 1], "\"amount_fen\":\(amount)", with: "\"amount_fen\":\(amount + 100_000)")
            broken("amount-changed", "the amount of payment \(seq) raised by 1000 yuan in its stored bytes", p, code: "hash-chain", seq: seq)
        }
        // 2. A commitment changed inside the stored bytes.
        do {
            var p = Parts(ledger)
            let seq = batchC + 1
            let c = try Entry(decoding: p.entries[Int(seq) - 1]).body["commit"]!.objectValue!["id_number"]!.stringValue!
            let flipped = (c.first == "0" ? "1" : "0") + c.dropFirst()
            p.entries[Int(seq) - 1] = replacing(p.entries[Int(seq) - 1], c, with: flipped)
            broken("commitment-changed", "the id_number commitment of payment \(seq) replaced in its stored bytes", p, code: "hash-chain", seq: seq)
        }
        // 3. An entry removed.
        do {
            var p = Parts(ledger)
            let seq = batchB + 1
            p.entries.remove(at: Int(seq) - 1)
            broken("entry-removed", "payment \(seq) deleted", p, code: "seq-mismatch", seq: seq)
        }
        // 4. Two entries swapped.
        do {
            var p = Parts(ledger)
            let seq = batchA + 1
            p.entries.swapAt(Int(seq) - 1, Int(seq))
            broken("entries-swapped", "payments \(seq) and \(seq + 1) swapped", p, code: "seq-mismatch", seq: seq)
        }
        // 5. The tail cut after a checkpoint was published.
        do {
            var p = Parts(ledger)
            p.entries.removeLast(n + 1)
            broken("tail-cut", "the last batch (seq \(batchC)…\(batchC + UInt64(n))) removed, while the checkpoint that covers it is kept", p,
                   code: "checkpoint-beyond-end", seq: batchC)
        }
        // 6. A checkpoint signature forged.
        do {
            var p = Parts(ledger)
            let index = ledger.checkpoints.firstIndex { $0.checkpoint.size == batchB + UInt64(n) }!
            let note = ledger.checkpoints[index].note
            var sig = note.signatures[0]
            var forged = sig.signature
            forged[10] ^= 0x01
            sig = SignedNote.Signature(name: sig.name, keyID: sig.keyID, signature: forged)
            p.checkpoints[index] = SignedNote(text: note.text, signatures: [sig]).serialized
            broken("checkpoint-forged", "one bit of the signature of the checkpoint at size \(batchB + UInt64(n)) flipped", p,
                   code: "checkpoint-signature", seq: batchB + UInt64(n))
        }
        // 7. A checkpoint inconsistent with an earlier one: the ledger key signs a forked history at size 8.
        do {
            var p = Parts(ledger)
            let size = batchA + UInt64(n)
            let fork = try ledger.rebuilt { kind, body, seq in
                var b = body
                if seq == batchA + 1 { b["school_name"] = .string("不存在的学校") }
                return b
            }
            let forked = fork.checkpoints.first { $0.checkpoint.size == size }!
            p.checkpoints.append(forked.serialized)
            broken("checkpoint-inconsistent", "a second checkpoint for size \(size), validly signed by the ledger key, over a forked history", p,
                   code: "checkpoint-inconsistent", seq: size)
        }
        // 8. A key entry without a valid admin signature (the operator rewrote history and re-signed checkpoints).
        do {
            let rewritten = try ledger.rebuilt { kind, body, seq in
                guard seq == 3 else { return body }
                var b = body
                b["sig"] = nil
                let forgedBy = try Statement.sign(kind: .key, origin: ledger.origin, body: b, with: base.officers[0])
                b["sig"] = forgedBy["sig"]
                return b
            }
            broken("key-without-admin-signature", "the enrolment at seq 3 signed by an officer key in the admin's name", Parts(rewritten),
                   code: "bad-signature", seq: 3)
        }
        // 9. A batch signed by a revoked key.
        do {
            let s = try DemoScenario.build(suite: .ed25519SHA256, paymentsPerBatch: n, variant: .batchByRevokedKey)
            broken("batch-revoked-key", "the last batch signed by officer 2 after its revocation at seq \(batchC - 1)", Parts(s.ledger),
                   code: "signer-revoked", seq: batchC, key: s.ledger.ledgerKey.verifierKey.description)
        }
        // 10. A batch signed by a key outside its unit scope.
        do {
            let s = try DemoScenario.build(suite: .ed25519SHA256, paymentsPerBatch: n, variant: .batchOutOfScope)
            broken("batch-out-of-scope", "the last batch is for unit \(Sample.neighbourUnit), outside officer 1's scope", Parts(s.ledger),
                   code: "signer-scope", seq: batchC, key: s.ledger.ledgerKey.verifierKey.description)
        }
        // 11. A batch whose item root does not match its payments.
        do {
            let rewritten = try ledger.rebuilt { kind, body, seq in
                var b = body
                if seq == batchB + 2 { b["school_name"] = .string("示范县第9中学") }
                return b
            }
            broken("batch-item-root", "payment \(batchB + 2) moved to another school after the officer signed its batch; history re-chained and re-signed", Parts(rewritten),
                   code: "batch-item-root", seq: batchB)
        }
        // 12. A reversal of a seq that is not a payment.
        do {
            let s = try DemoScenario.build(suite: .ed25519SHA256, paymentsPerBatch: n, variant: .reversalOfNonPayment)
            broken("reversal-of-non-payment", "the reversal at seq \(reversal) targets the batch header at seq \(batchA)", Parts(s.ledger),
                   code: "reversal-target", seq: reversal, key: s.ledger.ledgerKey.verifierKey.description)
        }
        // 13. An opening that does not match its commitment.
        do {
            var lines = ledger.openingsFile().split(separator: 0x0a).map { Array($0) }
            let seq = batchA + 2
            let index = lines.firstIndex { (try? Opening(decoding: $0))?.seq == seq && (try? Opening(decoding: $0))?.field == "name" }!
            let o = try Opening(decoding: lines[index])
            lines[index] = Opening(seq: o.seq, field: o.field, salt: o.salt, value: o.value + "某").canonicalBytes
            var file = [UInt8]()
            for l in lines { file += l; file.append(0x0a) }
            broken("opening-mismatch", "the opening of the name of payment \(seq) altered", Parts(ledger), code: "opening-mismatch", seq: seq, openings: file)
        }
        // The same in-place tamper and a forged checkpoint in the SM2/SM3 suite.
        do {
            let s = try DemoScenario.build(suite: .sm2SM3, paymentsPerBatch: n)
            var p = Parts(s.ledger)
            let seq = batchA + 1
            let amount = try Entry(decoding: p.entries[Int(seq) - 1]).body["amount_fen"]!.intValue!
            p.entries[Int(seq) - 1] = replacing(p.entries[Int(seq) - 1], "\"amount_fen\":\(amount)", with: "\"amount_fen\":\(amount * 10)")
            broken("sm2-sm3-amount-changed", "suite sm2-sm3: the amount of payment \(seq) multiplied by ten in its stored bytes", p,
                   code: "hash-chain", seq: seq, key: s.ledger.ledgerKey.verifierKey.description)
            var q = Parts(s.ledger)
            let last = s.ledger.checkpoints.firstIndex { $0.checkpoint.size == batchB + UInt64(n) }!
            let note = s.ledger.checkpoints[last].note
            let other = try SignedNote.sign(text: note.text, with: NamedSigningKey(name: s.ledger.origin, key: SigningKey.generate(.sm2), suite: .sm2SM3))
            let forged = SignedNote(text: note.text, signatures: [SignedNote.Signature(name: note.signatures[0].name, keyID: note.signatures[0].keyID, signature: other.signatures[0].signature)])
            q.checkpoints[last] = forged.serialized
            broken("sm2-sm3-checkpoint-forged", "suite sm2-sm3: the checkpoint at size \(batchB + UInt64(n)) signed by another SM2 key under the ledger's key ID", q,
                   code: "checkpoint-signature", seq: s.ledger.checkpoints[last].checkpoint.size, key: s.ledger.ledgerKey.verifierKey.description)
        }
        return vectors
    }
}

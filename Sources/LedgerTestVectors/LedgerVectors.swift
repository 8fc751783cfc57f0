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
    /// The first bad seq; nil for a valid ledger or a finding without a seq.
    public let expectedSeq: UInt64?
    /// A checkpoint obtained independently of the bundle (a signed note, as the checkpoint endpoint serves it)
    /// to give the verifier (FORMAT.md §14.8); without it the bundle verifies as intact.
    public var keptCheckpoint: String? = nil
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
        return vectors + (try decisions(paymentsPerBatch: n))
    }

    /// The vectors of the decisions G1–G19 (FORMAT.md §14, "Decisions"): one ledger per decided case.
    public static func decisions(paymentsPerBatch n: Int = 3) throws -> [LedgerVector] {
        let batchA: UInt64 = 5, batchB = batchA + UInt64(n) + 1, reversal = batchB + UInt64(n) + 1
        let batchC = reversal + 2, end = batchC + UInt64(n)
        var vectors: [LedgerVector] = []
        func scenario() throws -> DemoScenario { try DemoScenario.build(suite: .ed25519SHA256, paymentsPerBatch: n) }
        func add(_ name: String, _ description: String, _ parts: Parts, _ ledger: InMemoryLedger, code: String?, seq: UInt64?,
                 openings: [UInt8]? = nil, kept: String? = nil) {
            vectors.append(LedgerVector(name: name, description: description, bundle: parts.bundle, openings: openings,
                                        ledgerKey: ledger.ledgerKey.verifierKey.description, expectedCode: code, expectedSeq: seq, keptCheckpoint: kept))
        }

        // G2: a line is reported where it stands. The reversal appended again after the last entry: the old
        // verifier reported it at seq 13 (the intact original it claims to be).
        do {
            let s = try scenario()
            var p = Parts(s.ledger)
            p.entries.append(p.entries[Int(reversal) - 1])
            add("reversal-duplicated", "the reversal at seq \(reversal) appended again as entry line \(end + 1)", p, s.ledger, code: "seq-mismatch", seq: end + 1)
        }
        // G3: a genesis whose prev is not 64 zeros (history re-chained and re-signed), and a deleted genesis.
        do {
            let s = try scenario()
            var entries = Parts(s.ledger).entries
            var genesis = try Entry(decoding: entries[0])
            genesis.prev = Digest32(bytes: [UInt8](repeating: 0x11, count: 32))!
            entries[0] = genesis.canonicalBytes()
            add("genesis-prev-not-zero", "the genesis entry's prev is 11…11 instead of 64 zeros; history re-chained and re-signed",
                try rechained(entries, from: 1, like: s.ledger), s.ledger, code: "genesis", seq: 1)
            var p = Parts(s.ledger)
            p.entries.removeFirst()
            add("genesis-deleted", "the genesis entry deleted: entry line 1 is the enrolment of seq 2", p, s.ledger, code: "genesis", seq: 1)
        }
        // G4: the header names another origin than the genesis entry.
        do {
            let s = try scenario()
            let p = Parts(s.ledger)
            var bundle = p.bundle
            bundle = replacing(bundle, "\"origin\":\"\(s.ledger.origin)\"", with: "\"origin\":\"aidledger.example/430611\"")
            vectors.append(LedgerVector(name: "header-disagrees", description: "the bundle header names origin aidledger.example/430611; the genesis entry says \(s.ledger.origin)",
                                        bundle: bundle, openings: nil, ledgerKey: s.ledger.ledgerKey.verifierKey.description, expectedCode: "bundle-malformed", expectedSeq: 1))
        }
        // G6, G7: a period with month 13, an enrolment with no units (signatures are not reached: the entries are malformed).
        do {
            let s = try scenario()
            let rewritten = try s.ledger.rebuilt { kind, body, seq in
                var b = body
                if seq >= batchC, kind == .batch || kind == .payment { b["period"] = .string("2026-13") }
                return b
            }
            add("period-month-13", "batch C and its payments for period 2026-13; re-chained, re-signed", Parts(rewritten), rewritten, code: "entry-malformed", seq: batchC)
            let empty = try s.ledger.rebuilt { kind, body, seq in
                var b = body
                if seq == 4 { b["units"] = .array([]) }
                return b
            }
            add("units-empty", "the inspector's enrolment at seq 4 with units []; re-chained, re-signed", Parts(empty), empty, code: "entry-malformed", seq: 4)
        }
        // G8: officer 2 revoked a second time.
        do {
            let s = try scenario()
            try s.ledger.revoke(s.officers[1].verifierKey, reason: "再次撤销")
            add("key-revoked-twice", "officer 2, revoked at seq \(reversal + 1), revoked again at seq \(end + 1)", Parts(s.ledger), s.ledger, code: "key-duplicate", seq: end + 1)
        }
        // G9: an enrolment of an Ed25519 key that is not a point (02 00…00), admin-signed.
        do {
            let s = try scenario()
            let name = s.ledger.origin + "/officer/3", raw: [UInt8] = [0x02] + [UInt8](repeating: 0, count: 31)
            let id = VerifierKey.computeKeyID(name: name, publicKey: raw, suite: .ed25519SHA256)
            let idHex = Hex.encode([UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)])
            let body: JSONObject = [
                "action": "enroll", "key": .string("\(name)+\(idHex)+\(Base64.encode([0x01] + raw))"), "role": "officer",
                "units": .array([.string(DemoScenario.homeUnit)]), "signer": .string(s.ledger.admin.name), "signed_at": .string(s.ledger.now),
            ]
            try s.ledger.commit([(.key, try Statement.sign(kind: .key, origin: s.ledger.origin, body: body, with: s.ledger.admin))])
            add("key-not-a-point", "an admin-signed enrolment at seq \(end + 1) of the Ed25519 key 02 00…00, which is not a curve point", Parts(s.ledger), s.ledger,
                code: "entry-malformed", seq: end + 1)
        }
        // G10: the ledger ends inside batch C (its last n − 1 payments removed; the operator signed the shorter tree).
        do {
            let s = try scenario()
            var p = Parts(s.ledger)
            p.entries.removeLast(n - 1)
            p.checkpoints.removeLast()
            p.checkpoints.append(try checkpoint(p.entries, like: s.ledger))
            add("batch-cut-by-end", "the last \(n - 1) payments of batch C removed and the shorter tree signed: the ledger ends inside the batch",
                p, s.ledger, code: "batch-incomplete", seq: batchC)
        }
        // G11: a validly signed checkpoint inside batch C.
        do {
            let s = try scenario()
            var p = Parts(s.ledger)
            p.checkpoints.append(try checkpoint(Array(p.entries.prefix(Int(batchC) + 1)), like: s.ledger))
            add("checkpoint-inside-batch", "an extra checkpoint of size \(batchC + 1), signed by the ledger key, inside batch C", p, s.ledger,
                code: "checkpoint-inside-batch", seq: batchC + 1)
        }
        // G12: an erase of a field payment 7 does not commit to; openings kept for a field a valid erase erased.
        do {
            let s = try scenario()
            let target = batchA + 2
            let erase = try EraseBody.make(target: target, fields: [.certNumber], reason: "保存期满", origin: s.ledger.origin, signedAt: s.ledger.now, admin: s.ledger.admin)
            try s.ledger.commit([(.erase, erase)])
            add("erase-uncommitted-field", "an admin-signed erase at seq \(end + 1) of cert_number of payment \(target), which commits to no cert_number",
                Parts(s.ledger), s.ledger, code: "erase-target", seq: end + 1)
            let t = try scenario()
            let valid = try EraseBody.make(target: target, fields: [.name], reason: "法院命令", origin: t.ledger.origin, signedAt: t.ledger.now, admin: t.ledger.admin)
            try t.ledger.commit([(.erase, valid)])
            add("opening-of-erased-field", "the name of payment \(target) erased at seq \(end + 1), but its opening is still in the openings file",
                Parts(t.ledger), t.ledger, code: "opening-erased", seq: target, openings: t.ledger.openingsFile())
        }
        // G14: a checkpoint for another origin, signed by the ledger key: malformed, no seq.
        do {
            let s = try scenario()
            var p = Parts(s.ledger)
            let foreign = Checkpoint(origin: "aidledger.example/430611", size: end, root: s.ledger.checkpoints.last!.checkpoint.root)
            p.checkpoints.append(SignedNote(text: foreign.noteText, signatures: try SignedNote.sign(text: foreign.noteText, with: s.ledger.ledgerKey).signatures).serialized)
            add("checkpoint-foreign-origin", "an extra checkpoint for origin aidledger.example/430611, signed by this ledger's key", p, s.ledger,
                code: "checkpoint-malformed", seq: nil)
        }
        // G15: rewritten histories that verify as intact on their own, caught only by a checkpoint kept from before.
        do {
            let s = try scenario()
            let kept = s.ledger.checkpoints.last!.serialized
            let cut = try s.ledger.rebuilt(droppingTransactions: [s.ledger.transactions.count - 1])
            add("tail-cut-resigned", "batch C (seq \(batchC)…\(end)) removed with its checkpoint: the bundle is consistent; the kept checkpoint of size \(end) is not",
                Parts(cut), cut, code: "external-checkpoint-mismatch", seq: batchC, kept: kept)
            let keptB = s.ledger.checkpoints.first { $0.checkpoint.size == reversal - 1 }!.serialized
            let deleted = try s.ledger.rebuilt(droppingTransactions: [5])
            add("batch-deleted-resigned", "batch B (seq \(batchB)…\(reversal - 1)) deleted, history re-chained and re-signed: the kept checkpoint of size \(reversal - 1) disagrees",
                Parts(deleted), deleted, code: "external-checkpoint-mismatch", seq: reversal - 1, kept: keptB)
        }
        // G18: invalid UTF-8 in an entry line.
        do {
            let s = try scenario()
            var p = Parts(s.ledger)
            let seq = batchB + 2
            let line = p.entries[Int(seq) - 1]
            let school = try Entry(decoding: line).body["school_name"]!.stringValue!
            let bytes = Array(school.utf8)
            let f = Array("\"school_name\":\"".utf8) + bytes
            guard let i = (0...(line.count - f.count)).first(where: { Array(line[$0..<($0 + f.count)]) == f }) else { preconditionFailure("school not found") }
            var changed = line
            changed[i + f.count - 1] = 0xff
            p.entries[Int(seq) - 1] = changed
            add("entry-invalid-utf8", "the last byte of payment \(seq)'s school name replaced by 0xff (invalid UTF-8)", p, s.ledger, code: "entry-malformed", seq: seq)
        }
        // G19: a reversal of a batch header signed by the inspector: the target rule fails first.
        do {
            let s = try scenario()
            let header = s.ledger.entries[Int(batchA) - 1]
            let body = try ReversalBody.make(target: batchA, targetHash: header.hash, amountFen: 62_500, reason: "误操作", origin: s.ledger.origin,
                                             signedAt: s.ledger.now, officer: s.inspector)
            try s.ledger.commit([(.reversal, body)])
            add("reversal-target-before-signer", "a reversal at seq \(end + 1) of batch header \(batchA), signed by the inspector: reversal-target, not signer-role",
                Parts(s.ledger), s.ledger, code: "reversal-target", seq: end + 1)
        }
        // §6.7: the ledger commits its access log in `access` entries; each must commit more than the last.
        do {
            let s = try scenario()
            let hash = s.ledger.suite.makeHashFunction()
            var head = Digest32.zero
            for n in 1...3 as ClosedRange<UInt64> {
                head = AccessLogChain.hash(previous: head, .init(n: n, at: s.ledger.now, principal: s.ledger.origin + "/inspector/1", seq: batchA + 1,
                                                               fields: ["id_number", "name"], purpose: "抽查核对"), hash: hash)
            }
            try s.ledger.commit([(.access, AccessLogBody(size: 3, head: head).json)])
            add("access-committed", "an access entry at seq \(end + 1) commits three records of the access log", Parts(s.ledger), s.ledger, code: nil, seq: nil)
            try s.ledger.commit([(.access, AccessLogBody(size: 2, head: head).json)])
            add("access-log-order", "a second access entry at seq \(end + 2) commits size 2 after size 3 at seq \(end + 1)", Parts(s.ledger), s.ledger,
                code: "access-log-order", seq: end + 2)
        }
        // §6.8–6.9: a cross-check report anchored and one of its findings disposed of; the anchor's checked root
        // wrong; a disposition of a report never anchored.
        do {
            let s = try scenario()
            let report = Digest32(bytes: [UInt8](repeating: 0x5a, count: 32))!
            let root = s.ledger.checkpoints.last!.checkpoint.root
            let anchor = try CrossCheckBody.make(run: "2025-autumn/1", period: "2025-autumn", unit: "430626", inspectingUnit: "430602", checkedSize: end,
                                                 checkedRoot: root, findings: 2, reportSHA256: report, origin: s.ledger.origin, signedAt: s.ledger.now, inspector: s.inspector)
            try s.ledger.commit([(.crosscheck, anchor)])
            let disposition = try DispositionBody.make(finding: String(repeating: "ab", count: 16), rule: "XC-02", unit: "430626", reportSHA256: report,
                                                       outcome: .confirmed, reason: "低保证已过期", action: "停止发放并追回", origin: s.ledger.origin,
                                                       signedAt: s.ledger.now, inspector: s.inspector)
            try s.ledger.commit([(.disposition, disposition)])
            add("crosscheck-anchored", "a crosscheck entry at seq \(end + 1) anchors a report of the tree at size \(end); a disposition at seq \(end + 2) closes one of its findings",
                Parts(s.ledger), s.ledger, code: nil, seq: nil)
        }
        do {
            let s = try scenario()
            let report = Digest32(bytes: [UInt8](repeating: 0x5a, count: 32))!
            let wrongRoot = s.ledger.checkpoints[s.ledger.checkpoints.count - 2].checkpoint.root
            let anchor = try CrossCheckBody.make(run: "2025-autumn/1", period: "2025-autumn", unit: "430626", inspectingUnit: nil, checkedSize: end,
                                                 checkedRoot: wrongRoot, findings: 0, reportSHA256: report, origin: s.ledger.origin, signedAt: s.ledger.now, inspector: s.inspector)
            try s.ledger.commit([(.crosscheck, anchor)])
            add("crosscheck-wrong-root", "the crosscheck entry at seq \(end + 1) claims the root of an earlier tree for size \(end)", Parts(s.ledger), s.ledger,
                code: "crosscheck-checked", seq: end + 1)
        }
        do {
            let s = try scenario()
            let disposition = try DispositionBody.make(finding: String(repeating: "cd", count: 16), rule: "XC-05", unit: "430626",
                                                       reportSHA256: Digest32(bytes: [UInt8](repeating: 0x77, count: 32))!, outcome: .falsePositive,
                                                       reason: "学籍库登记错误", action: nil, origin: s.ledger.origin, signedAt: s.ledger.now, inspector: s.inspector)
            try s.ledger.commit([(.disposition, disposition)])
            add("disposition-unanchored", "a disposition at seq \(end + 1) of a finding of a report no crosscheck entry anchored", Parts(s.ledger), s.ledger,
                code: "disposition-report", seq: end + 1)
        }
        // §6.10: the ledger records a published 公示 export derived from its tree just before it (size 18), then another
        // derived from the tree just before that one (size 19); and one whose derived root is not the tree's. (A
        // disclosure derived from an older checkpoint needs that checkpoint in the bundle, which the fuzz tests' no-op
        // rule lets a mutant drop; the store tests cover it.)
        do {
            let s = try scenario()
            let manifest = Digest32(bytes: [UInt8](repeating: 0x6d, count: 32))!
            let atHead = try DisclosureBody(manifestSHA256: manifest, derivedSize: end, derivedRoot: s.ledger.checkpoints.last!.checkpoint.root,
                                            publicityStart: "2026-09-07", publicityEnd: "2026-09-11", units: [DemoScenario.homeUnit],
                                            requestedBy: "local:zhangsan")
            try s.ledger.commit([(.disclosure, atHead.json)])
            let next = s.ledger.checkpoints.last!.checkpoint
            let again = try DisclosureBody(manifestSHA256: Digest32(bytes: [UInt8](repeating: 0x6e, count: 32))!, derivedSize: next.size,
                                           derivedRoot: next.root, publicityStart: "2026-09-07", publicityEnd: "2026-09-14", units: [],
                                           requestedBy: s.ledger.origin + "/admin/1")
            try s.ledger.commit([(.disclosure, again.json)])
            add("disclosure-derived", "a disclosure entry at seq \(end + 1) derived from the tree at size \(end); another at seq \(end + 2) derived from the tree at size \(end + 1)",
                Parts(s.ledger), s.ledger, code: nil, seq: nil)
        }
        do {
            let s = try scenario()
            let wrongRoot = s.ledger.checkpoints[s.ledger.checkpoints.count - 2].checkpoint.root
            let body = try DisclosureBody(manifestSHA256: Digest32(bytes: [UInt8](repeating: 0x6d, count: 32))!, derivedSize: end, derivedRoot: wrongRoot,
                                          publicityStart: "2026-09-07", publicityEnd: "2026-09-11", units: [], requestedBy: "local:zhangsan")
            try s.ledger.commit([(.disclosure, body.json)])
            add("disclosure-wrong-root", "the disclosure entry at seq \(end + 1) claims the root of an earlier tree for size \(end)", Parts(s.ledger), s.ledger,
                code: "disclosure-derived", seq: end + 1)
        }
        return vectors
    }

    /// A checkpoint over `entries`, signed by `ledger`'s key.
    static func checkpoint(_ entries: [[UInt8]], like ledger: InMemoryLedger) throws -> String {
        let hash = ledger.suite.makeHashFunction()
        let root = MerkleTree.root(leafHashes: entries.map { EntryHash.compute($0, hash: hash) }, hash: hash)
        return try SignedCheckpoint(checkpoint: Checkpoint(origin: ledger.origin, size: UInt64(entries.count), root: root), signedBy: ledger.ledgerKey).serialized
    }

    /// Re-chains entries after the one at index `first − 1` was edited (each later entry records its new
    /// predecessor's hash) and re-signs `ledger`'s checkpoint sizes: an operator holding the ledger key.
    static func rechained(_ entries: [[UInt8]], from first: Int, like ledger: InMemoryLedger) throws -> Parts {
        var out = entries
        let hash = ledger.suite.makeHashFunction()
        for i in first..<out.count {
            var entry = try Entry(decoding: out[i])
            entry.prev = EntryHash.compute(out[i - 1], hash: hash)
            out[i] = entry.canonicalBytes()
        }
        var parts = Parts(ledger)
        parts.entries = out
        parts.checkpoints = try ledger.checkpoints.map { try checkpoint(Array(out.prefix(Int($0.checkpoint.size))), like: ledger) }
        return parts
    }
}

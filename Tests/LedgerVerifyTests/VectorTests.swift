import Foundation
import LedgerCrypto
import LedgerSamples
import Testing
import LedgerCore
import LedgerTestVectors
@testable import LedgerVerify
import TestSupport

/// The committed ledger vectors in Tests/Vectors/ledgers: a conforming verifier must reach each verdict.
/// They pin the format: a change to hashing, encoding or signing breaks them.
@Suite struct CommittedVectorTests {
    static let directory = TestPaths.projectVectors.appendingPathComponent("ledgers")

    static func manifest() throws -> [JSONObject] {
        try readJSON(directory.appendingPathComponent("manifest.json")).arrayValue!.map { $0.objectValue! }
    }

    @Test func manifestNamesEveryTamperClass() throws {
        let names = Set(try Self.manifest().map { $0["name"]!.stringValue! })
        for required in ["valid-ed25519-sha256", "valid-sm2-sm3", "amount-changed", "commitment-changed", "entry-removed", "entries-swapped",
                         "tail-cut", "checkpoint-forged", "checkpoint-inconsistent", "key-without-admin-signature", "batch-revoked-key",
                         "batch-out-of-scope", "batch-item-root", "reversal-of-non-payment", "opening-mismatch"] {
            #expect(names.contains(required), "missing vector \(required)")
        }
    }

    @Test(arguments: try! CommittedVectorTests.manifest().map { $0["name"]!.stringValue! })
    func vector(_ name: String) throws {
        let v = try Self.manifest().first { $0["name"]!.stringValue! == name }!
        let bundle = try readBytes(Self.directory.appendingPathComponent(v["bundle"]!.stringValue!))
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = v["ledger_key"]!.stringValue!
        if let o = v["openings"]?.stringValue {
            options.openings = try readBytes(Self.directory.appendingPathComponent(o)).split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
        }
        if let kept = v["kept_checkpoint"]?.stringValue {
            // Without the kept checkpoint the rewritten bundle is consistent: that is the point of the vector.
            let alone = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
            #expect(alone.intact, "\(name) without its kept checkpoint: \(alone.findings)")
            options.expectedCheckpoints = [String(decoding: try readBytes(Self.directory.appendingPathComponent(kept)), as: UTF8.self)]
        }
        let report = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        if case .string("intact") = v["expect"]! {
            #expect(report.intact, "\(name): \(report.findings)")
            #expect(report.checkpoints > 0 && report.latestCheckpoint?.size == report.entries)
        } else {
            let expect = v["expect"]!.objectValue!
            // A null first_bad_seq: the first finding has no seq (FORMAT.md §14, "Seqs of findings").
            let seq = expect["first_bad_seq"]?.intValue.map { UInt64($0) }
            #expect(!report.intact, "\(name) verified as intact")
            #expect(report.firstBadSeq == seq, "\(name): first bad seq \(String(describing: report.firstBadSeq)), findings \(report.findings)")
            #expect(report.findings.first?.code.rawValue == expect["code"]!.stringValue!, "\(name): \(report.findings)")
            #expect(report.findings.first?.seq == seq)
        }
    }

    @Test func validLedgerSummary() throws {
        let bundle = try readBytes(Self.directory.appendingPathComponent("valid-ed25519-sha256.bundle"))
        let openings = try readBytes(Self.directory.appendingPathComponent("valid-ed25519-sha256.openings.jsonl")).split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
        var options = LedgerVerifier.Options()
        options.openings = openings
        let r = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        #expect(r.intact)
        #expect(r.entries == 18)
        #expect(r.entriesByKind == ["genesis": 1, "key": 4, "batch": 3, "payment": 9, "reversal": 1])
        #expect(r.batches == 3 && r.totals.payments == 9 && r.totals.reversals == 1)
        #expect(r.totals.netFen == r.totals.grossFen - r.totals.reversedFen && r.totals.reversedFen > 0)
        #expect(r.byUnitAndProgram.count == 2)
        #expect(r.openingsChecked == openings.count && openings.count == 9 * 5)
        #expect(r.keys.map(\.role) == ["admin", "officer", "officer", "inspector"])
        #expect(r.keys[2].revokedAt == 14)
        #expect(r.checkpoints == 9)
    }

    /// No personal value from the openings appears anywhere in a bundle.
    @Test func bundlesCarryNoPersonalData() throws {
        let bundle = String(decoding: try readBytes(Self.directory.appendingPathComponent("valid-ed25519-sha256.bundle")), as: UTF8.self)
        let openings = try readBytes(Self.directory.appendingPathComponent("valid-ed25519-sha256.openings.jsonl")).split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
        #expect(!openings.isEmpty)
        for o in openings where o.value.count >= 2 {
            #expect(!bundle.contains(o.value), "\(o.field) of seq \(o.seq) appears in the bundle")
        }
    }
}

/// Freshly generated vectors: the generator and the verifier agree with the code as it is now.
@Suite struct GeneratedVectorTests {
    @Test func freshVectorsReachTheirVerdicts() throws {
        let vectors = try LedgerVectors.all(paymentsPerBatch: 4)
        #expect(vectors.count >= 31)
        for v in vectors {
            var options = LedgerVerifier.Options()
            options.trustedLedgerKey = v.ledgerKey
            options.openings = try (v.openings ?? []).split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
            if let kept = v.keptCheckpoint {
                let alone = v.bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
                #expect(alone.intact, "\(v.name) without its kept checkpoint: \(alone.findings)")
                options.expectedCheckpoints = [kept]
            }
            let r = v.bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
            if let code = v.expectedCode {
                #expect(r.findings.first?.code.rawValue == code && r.firstBadSeq == v.expectedSeq && r.findings.first?.seq == v.expectedSeq, "\(v.name): \(r.findings)")
            } else {
                #expect(r.intact, "\(v.name): \(r.findings)")
            }
        }
    }
}

@Suite struct VerifierBehaviourTests {
    func demo(_ suite: Suite = .ed25519SHA256) throws -> InMemoryLedger { try DemoScenario.build(suite: suite, paymentsPerBatch: 2).ledger }

    @Test func pinnedKeyMismatchIsReported() throws {
        let ledger = try demo()
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = try InMemoryLedger.create(origin: ledger.origin, suite: .ed25519SHA256).ledgerKey.verifierKey.description
        let r = ledger.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        #expect(r.findings.first?.code == .untrustedLedgerKey)
    }

    @Test func entriesAfterTheLastCheckpointAreUnsigned() throws {
        let ledger = try demo()
        var parts = ledger.checkpoints.map(\.serialized)
        parts.removeLast()
        let bundle = Bundle.encode(header: .init(origin: ledger.origin, suite: ledger.suite, entries: UInt64(ledger.entries.count), checkpoints: UInt64(parts.count)),
                                   entries: ledger.entries.map(\.bytes), checkpoints: parts)
        let r = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(r.findings.first?.code == .unsignedTail)
        #expect(r.firstBadSeq == ledger.checkpoints[ledger.checkpoints.count - 2].checkpoint.size + 1)
    }

    @Test func malformedBundlesAreNamedByLine() throws {
        let ledger = try demo()
        let good = ledger.bundle()
        for (bytes, expected) in [(Array(good.dropLast()), "does not end with a newline"),
                                  (Array("aidledger-bundle/v2\n{}\n".utf8), "line 1"),
                                  (Array(good.prefix(good.firstIndex(of: 0x0a)! + 1)) + Array("{\"entries\":1}\n".utf8), "line 2")] {
            let r = bytes.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
            #expect(r.findings.first?.code == .bundleMalformed)
            #expect(r.findings.first?.message.contains(expected) == true, "\(r.findings)")
        }
        // An entry line that is not canonical JSON is named by its seq.
        var lines = good.split(separator: 0x0a, omittingEmptySubsequences: false).map { Array($0) }
        lines[2 + 5] = Array(String(decoding: lines[2 + 5], as: UTF8.self).replacingOccurrences(of: "{\"body\":", with: "{ \"body\":").utf8)
        let bad = Array(lines.joined(separator: [0x0a]))
        let r = bad.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(r.findings.first?.code == .entryMalformed && r.firstBadSeq == 6, "\(r.findings)")
    }

    @Test func openingForAnUnknownFieldOrSeq() throws {
        let ledger = try demo()
        var options = LedgerVerifier.Options()
        options.openings = [Opening(seq: 2, field: "name", salt: [UInt8](repeating: 0, count: 16), value: "x")]
        let r = ledger.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        #expect(r.findings.first?.code == .openingUnknown && r.firstBadSeq == 2)
    }

    /// A supplementary payment (补发) carries its reason in the body (FORMAT.md §6.4): the ledger verifies, its
    /// openings too, and a changed reason breaks the batch's item root.
    @Test func supplementaryPaymentVerifies() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 2)
        var rng = SplitMix64(seed: 99)
        var items = DemoData.boardingSubsidyPayments(count: 2, unit: Sample.homeUnit, period: "2026-spring", rng: &rng)
        items[1].supplementaryReason = "补发2026年春季差额"
        let seq = try s.ledger.appendBatch(id: "supplementary-1", program: Sample.program, period: "2026-spring", unit: Sample.homeUnit,
                                           items: items, officer: s.officers[0])
        var options = LedgerVerifier.Options()
        options.openings = try s.ledger.openingsFile().split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
        let bundle = s.ledger.bundle()
        let r = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        #expect(r.intact, "\(r.findings)")
        #expect(String(decoding: bundle, as: UTF8.self).contains(#""supplementary":"补发2026年春季差额""#))
        let changed = Array(String(decoding: bundle, as: UTF8.self).replacingOccurrences(of: "补发2026年春季差额", with: "补发2026年春季差价").utf8)
        let t = changed.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(t.findings.first?.code == .batchItemRoot && t.firstBadSeq == seq, "seq \(seq): \(t.findings)")
    }

    @Test func duplicateBatchIDIsCaught() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 2)
        var rng = SplitMix64(seed: 1)
        let items = DemoData.boardingSubsidyPayments(count: 2, unit: Sample.homeUnit, period: "2025-autumn", rng: &rng)
        let seq = try s.ledger.appendBatch(id: "\(Sample.homeUnit)-2025-autumn-0001", program: Sample.program, period: "2025-autumn",
                                           unit: Sample.homeUnit, items: items, officer: s.officers[0])
        let r = s.ledger.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(r.findings.first?.code == .batchDuplicateID && r.firstBadSeq == seq)
    }

    @Test func reversalTwiceIsCaught() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 2)
        let seq = try s.ledger.reverse(seq: 7, reason: "again", officer: s.officers[0])
        let r = s.ledger.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(r.findings.first?.code == .reversalTarget && r.firstBadSeq == seq, "\(r.findings)")
    }

    @Test func largeLedgerVerifiesWithProgress() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 6000)
        var calls = 0
        let r = s.ledger.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0) { done, total in
            calls += 1
            #expect(done <= total)
        } }
        #expect(r.intact && r.entries == 18_009)
        #expect(calls >= 2)
    }
}

/// The payment fast path must accept exactly what the general path accepts.
@Suite struct FastPathTests {
    func lines(_ ledger: InMemoryLedger) -> [[UInt8]] { ledger.entries.map(\.bytes) }

    @Test func validPaymentsTakeTheFastPath() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 5)
        var v = LedgerVerifier()
        v.addCheckpoints(s.ledger.checkpoints.map(\.serialized))
        for e in lines(s.ledger) { e.withUnsafeBytes { v.consume(entryBytes: $0) } }
        #expect(v.fastPaymentCount == 15)
        let r = v.finish()
        #expect(r.intact && r.entriesByKind["payment"] == 15)
    }

    /// Entry hashes computed by the caller are used only when the caller's suite is the ledger's.
    @Test func precomputedEntryHashesAreUsedOnlyForTheLedgersSuite() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 5)
        let sha = Suite.ed25519SHA256.makeHashFunction(), sm3 = Suite.sm2SM3.makeHashFunction()
        func verify(_ claimed: Suite, _ hash: HashFunction) -> VerificationReport {
            var v = LedgerVerifier()
            v.addCheckpoints(s.ledger.checkpoints.map(\.serialized))
            for e in lines(s.ledger) { e.withUnsafeBytes { v.consume(entryBytes: $0, entryHash: EntryHash.compute($0, hash: hash), computedWith: claimed) } }
            return v.finish()
        }
        // The right hashes, and wrong ones claimed for another suite (ignored, recomputed): both intact.
        #expect(verify(.ed25519SHA256, sha).intact)
        #expect(verify(.sm2SM3, sm3).intact)
        // Wrong hashes claimed for the ledger's suite are trusted, so the chain breaks at seq 2: the caller's
        // hash is part of what is verified, not a shortcut past it.
        let r = verify(.ed25519SHA256, sm3)
        #expect(!r.intact && r.firstBadSeq == 2, "\(r.findings.prefix(2))")
    }

    /// Body hashes computed ahead are found at the range the verifier's own parse finds, and the vectors reach
    /// the same verdicts with them.
    @Test func precomputedBodyHashesAgreeWithTheParse() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 5)
        let hash = Suite.ed25519SHA256.makeHashFunction()
        var payments = 0
        for e in lines(s.ledger) {
            try e.withUnsafeBytes { raw in
                let p = PrecomputedHashes.compute(raw, hash: hash)
                #expect(p.entry == EntryHash.compute(raw, hash: hash))
                let entry = try Entry(decoding: Array(raw))
                if entry.kind == .payment {
                    payments += 1
                    #expect(p.paymentBody == entry.bodyRange && p.paymentBody.map { hash.hash(prefix: MerkleTree.leafPrefix, UnsafeRawBufferPointer(rebasing: raw[$0])) } == p.paymentBodyLeaf)
                } else {
                    #expect(p.paymentBody == nil)
                }
            }
        }
        #expect(payments == 15)
        for v in try CommittedVectorTests.manifest() {
            guard let name = v["name"]?.stringValue, let file = v["bundle"]?.stringValue else { continue }
            let bundle = try readBytes(CommittedVectorTests.directory.appendingPathComponent(file))
            let plain = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
            guard let layout = try? bundle.withUnsafeBytes({ try Bundle.layout($0) }) else { continue }
            let suite = layout.header.suite
            var v2 = LedgerVerifier()
            v2.addCheckpoints(layout.checkpoints)
            let h = suite.makeHashFunction()
            bundle.withUnsafeBytes { raw in
                for range in layout.entryLines {
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[range])
                    v2.consume(entryBytes: bytes, precomputed: PrecomputedHashes.compute(bytes, hash: h), computedWith: suite)
                }
            }
            let ahead = v2.finish()
            // `verify(bundle:)` also compares the header with the genesis entry (FORMAT.md §12), which a verifier fed
            // entry by entry cannot: compare that one vector's entries only.
            if name == "header-disagrees" {
                #expect(plain.findings.map(\.code) == [.bundleMalformed] && ahead.intact, "\(name): \(plain.findings) \(ahead.findings)")
                continue
            }
            #expect(ahead.intact == plain.intact && ahead.firstBadSeq == plain.firstBadSeq && ahead.findings.first?.code == plain.findings.first?.code, "\(name)")
        }
    }

    /// Entries that are valid JSON with the right fields but not canonical (keys out of order, duplicate
    /// commitment keys) are rejected by the reader even though the tape was scanned without the key-order check.
    @Test func readerRejectsNonCanonicalKeyOrder() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 2)
        let payment = String(decoding: s.ledger.entries[5].bytes, as: UTF8.self)
        #expect(payment.contains(#""kind":"payment""#))
        let origin = Array(s.ledger.origin.utf8)
        func read(_ text: String) -> PaymentEntryFields? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { raw in
                var tape = JSONTape(mode: .canonical)
                guard (try? tape.scan(raw, checkingKeyOrder: false)) != nil else { return nil }
                return origin.withUnsafeBytes { PaymentEntryReader.read(tape, raw, origin: $0) }
            }
        }
        #expect(read(payment) != nil)
        // Swap two body members: "grade" before "commit".
        let body = try JSONParser.parse(Array(payment.utf8), mode: .canonical).objectValue!["body"]!.objectValue!
        let grade = String(decoding: CanonicalJSON.encode(body["grade"]!), as: UTF8.self)
        let commit = String(decoding: CanonicalJSON.encode(body["commit"]!), as: UTF8.self)
        let swapped = payment.replacingOccurrences(of: "\"commit\":\(commit),\"grade\":\(grade)", with: "\"grade\":\(grade),\"commit\":\(commit)")
        #expect(swapped != payment)
        #expect(read(swapped) == nil)
        // A duplicated commitment key.
        let idCommit = body["commit"]!.objectValue!["id_number"]!.stringValue!
        let duplicated = payment.replacingOccurrences(of: "\"id_number\":\"\(idCommit)\"", with: "\"id_number\":\"\(idCommit)\",\"id_number\":\"\(idCommit)\"")
        #expect(duplicated != payment)
        #expect(read(duplicated) == nil)
        // Commitments out of order.
        let nameCommit = body["commit"]!.objectValue!["name"]!.stringValue!
        let reordered = payment.replacingOccurrences(of: "\"id_number\":\"\(idCommit)\",\"name\":\"\(nameCommit)\"", with: "\"name\":\"\(nameCommit)\",\"id_number\":\"\(idCommit)\"")
        #expect(reordered != payment)
        #expect(read(reordered) == nil)
    }

    /// A re-chained ledger whose payment body is not canonical is reported as malformed at that seq.
    @Test func nonCanonicalPaymentIsMalformed() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 2)
        let ledger = s.ledger
        let appender = LedgerAppender(origin: ledger.origin, suite: ledger.suite)
        var entries: [[UInt8]] = []
        var checkpoints: [String] = []
        for (i, e) in ledger.entries.enumerated() {
            let entry = try Entry(decoding: e.bytes)
            var body = CanonicalJSON.encode(.object(entry.body))
            if i == 5 { body = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "{\"account_type\"", with: "{ \"account_type\"").utf8) }
            entries.append(appender.append(kind: entry.kind, canonicalBody: body, time: entry.time).bytes)
        }
        checkpoints.append(try SignedCheckpoint(checkpoint: appender.checkpoint, signedBy: ledger.ledgerKey).serialized)
        let bundle = Bundle.encode(header: .init(origin: ledger.origin, suite: ledger.suite, entries: UInt64(entries.count), checkpoints: 1), entries: entries, checkpoints: checkpoints)
        let r = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(r.findings.first?.code == .entryMalformed && r.firstBadSeq == 6, "\(r.findings)")
    }
}

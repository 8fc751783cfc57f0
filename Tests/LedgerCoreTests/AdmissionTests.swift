import LedgerCore
import LedgerCrypto
import LedgerSamples
import Testing

/// The admission decision without a database: every refusal code, duplicates, claims, and what an earlier
/// submission of a group changes for the later ones.
@Suite struct AdmissionTests {
    static let origin = "aidledger.example/430626"
    static let time = "2026-09-01T08:00:00.000Z"

    /// A ledger's keys as its first entries define them: admin at 1 (genesis), officer at 2, inspector at 3.
    struct Keys {
        let admin: NamedSigningKey
        let officer: NamedSigningKey
        let inspector: NamedSigningKey
        let registry: KeyRegistry

        init(suite: Suite = .ed25519SHA256) throws {
            func key(_ name: String) throws -> NamedSigningKey { try NamedSigningKey(name: AdmissionTests.origin + name, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite) }
            admin = try key("/admin/1")
            officer = try key("/officer/1")
            inspector = try key("/inspector/1")
            var r = KeyRegistry()
            try r.enroll(admin.verifierKey, role: .admin, units: ["*"], at: 1)
            try r.enroll(officer.verifierKey, role: .officer, units: ["430626"], at: 2)
            try r.enroll(inspector.verifierKey, role: .inspector, units: ["*"], at: 3)
            registry = r
        }
    }

    static func items(_ count: Int, seed: UInt64 = 1, firstPerson: UInt64 = 0) -> [PaymentInput] {
        var rng = SplitMix64(seed: seed, firstPerson: firstPerson)
        return DemoData.boardingSubsidyPayments(count: count, unit: "430626", period: "2025-autumn", rng: &rng)
    }

    static func batch(_ id: String, _ items: [PaymentInput], by officer: NamedSigningKey, unit: String = "430626") throws -> Submission {
        let b = try BatchBuilder.prepare(batchID: id, program: Sample.program, period: "2025-autumn", unit: unit, items: items,
                                         origin: origin, signedAt: time, officer: officer)
        return .batch(b, claims: try PersonKeys(PersonKeySecret(bytes: Array(repeating: 7, count: 32))!).claims(for: b))
    }

    func refusal(_ v: Admission.Verdict) -> String? {
        if case .refuse(let r) = v { return r.code }
        return nil
    }

    /// A decision by a fresh admission (no earlier submission in the group).
    func fresh(_ registry: KeyRegistry, _ s: Submission, at seq: UInt64, facts: AdmissionFacts = .init()) -> Admission.Verdict {
        var a = Admission(origin: Self.origin, registry: registry, time: Self.time, plausibility: PlausibilityPolicy())
        return a.decide(s, index: 0, at: seq, facts: facts)
    }

    func admitted(_ v: Admission.Verdict) -> Bool {
        if case .admit = v { return true }
        return false
    }

    @Test func batchesBySignerRoleScopeAndSignature() throws {
        let k = try Keys()
        var a = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        #expect(admitted(a.decide(try Self.batch("b-1", Self.items(3), by: k.officer), index: 0, at: 4, facts: .init())))
        // Before its enrolment's seq is over, a key signs nothing.
        #expect(refusal(fresh(k.registry, try Self.batch("b-2", Self.items(2, seed: 2), by: k.officer), at: 2, facts: .init())) == "signer-unknown")
        let stranger = try NamedSigningKey(name: Self.origin + "/officer/9", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        #expect(refusal(a.decide(try Self.batch("b-3", Self.items(2, seed: 3), by: stranger), index: 1, at: 8, facts: .init())) == "signer-unknown")
        #expect(refusal(a.decide(try Self.batch("b-4", Self.items(2, seed: 4), by: k.inspector), index: 2, at: 8, facts: .init())) == "signer-role")
        var other = Self.items(2, seed: 5)
        for i in other.indices { other[i].unit = "430611" }
        #expect(refusal(a.decide(try Self.batch("b-5", other, by: k.officer, unit: "430611"), index: 3, at: 8, facts: .init())) == "signer-scope")
        // A signature that does not verify over the statement.
        guard case .batch(let good, let claims) = try Self.batch("b-6", Self.items(2, seed: 6), by: k.officer) else { return }
        var header = good.header
        header["sig"] = .string(Base64.encode(Array(repeating: 1, count: 64)))
        let forged = try BatchBuilder.rebuild(signedHeader: header, items: good.items, salts: good.salts, suite: .ed25519SHA256)
        #expect(refusal(a.decide(.batch(forged, claims: claims), index: 4, at: 8, facts: .init())) == "bad-signature")
        // Revoked at 10: signs nothing after 10.
        var revoked = k.registry
        try revoked.revoke(k.officer.verifierKey, at: 10)
        #expect(refusal(fresh(revoked, try Self.batch("b-8", Self.items(1, seed: 8), by: k.officer), at: 11, facts: .init())) == "signer-revoked")
    }

    @Test func batchIDsAreUsedOnce() throws {
        let k = try Keys()
        let first = try Self.batch("b-1", Self.items(2), by: k.officer)
        guard case .batch(let b, _) = first else { return }
        var facts = AdmissionFacts()
        facts.batches["b-1"] = .init(seq: 4, count: 2, header: b.header)
        var a = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        // The same batch again: its original seqs, nothing new.
        guard case .storedDuplicate(let range) = a.decide(first, index: 0, at: 7, facts: facts) else { Issue.record("not a duplicate"); return }
        #expect(range == .init(firstSeq: 4, lastSeq: 6))
        // Other content under the same id.
        #expect(refusal(a.decide(try Self.batch("b-1", Self.items(2, seed: 9), by: k.officer), index: 1, at: 7, facts: facts)) == "batch-duplicate")
        // Twice in one group: the second is the first's duplicate; other content under the id is refused.
        var g = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        let second = try Self.batch("b-2", Self.items(2, seed: 2), by: k.officer)
        #expect(admitted(g.decide(second, index: 0, at: 4, facts: .init())))
        guard case .groupDuplicate(0) = g.decide(second, index: 1, at: 7, facts: .init()) else { Issue.record("not a group duplicate"); return }
        #expect(refusal(g.decide(try Self.batch("b-2", Self.items(2, seed: 3), by: k.officer), index: 2, at: 7, facts: .init())) == "batch-duplicate")
    }

    @Test func nobodyIsPaidTwiceForOneProgrammeAndPeriod() throws {
        let k = try Keys()
        let people = Self.items(3)
        // Within one batch.
        var a = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        guard case .refuse(let within) = a.decide(try Self.batch("b-1", people + [people[1]], by: k.officer), index: 0, at: 4, facts: .init()) else {
            Issue.record("a person twice in one batch was admitted"); return
        }
        #expect(within.code == "payment-duplicate" && within.message.contains("payment 3 (row 4)") && within.message.contains("payment 1 (row 2)"))
        // Across batches: the claim is in the ledger at seq 6.
        let again = try Self.batch("b-2", [people[1]], by: k.officer)
        guard case .batch(_, let claims) = again else { return }
        var facts = AdmissionFacts()
        facts.claims[claims.claims[0]] = [6]
        guard case .refuse(let across) = a.decide(again, index: 0, at: 9, facts: facts) else { Issue.record("paid twice across batches"); return }
        #expect(across.code == "payment-duplicate" && across.message.contains("at seq 6"))
        // A reversed payment frees its place.
        facts.reversed[6] = 8
        #expect(admitted(fresh(k.registry, again, at: 9, facts: facts)))
        // A supplementary payment (补发) with a reason is admitted and says so in its body.
        facts.reversed = [:]
        var extra = people[1]
        extra.supplementaryReason = "补发2025年秋季差额"
        let supplement = try Self.batch("b-3", [extra], by: k.officer)
        #expect(admitted(fresh(k.registry, supplement, at: 9, facts: facts)))
        guard case .batch(let sb, _) = supplement else { return }
        #expect(try PaymentBody(decoding: try JSONParser.parse(sb.paymentBytes[0], mode: .canonical).objectValue!).supplementary == "补发2025年秋季差额")
        // Two batches of one group paying the same person.
        var g = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        #expect(admitted(g.decide(try Self.batch("g-1", [people[0]], by: k.officer), index: 0, at: 4, facts: .init())))
        #expect(refusal(g.decide(try Self.batch("g-2", [people[0]], by: k.officer), index: 1, at: 6, facts: .init())) == "payment-duplicate")
        // Another period is another claim.
        let nextTerm = try BatchBuilder.prepare(batchID: "g-3", program: Sample.program, period: "2026-spring", unit: "430626", items: [people[0]],
                                                origin: Self.origin, signedAt: Self.time, officer: k.officer)
        let claims2 = try PersonKeys(PersonKeySecret(bytes: Array(repeating: 7, count: 32))!).claims(for: nextTerm)
        #expect(admitted(g.decide(.batch(nextTerm, claims: claims2), index: 2, at: 6, facts: .init())))
    }

    @Test func reversalsNeedTheirPaymentOnceAndTheTargetComesFirst() throws {
        let k = try Keys()
        let paymentJSON: JSONObject = ["account_type": "bank_card", "amount_fen": 62_500, "batch_id": "b-1", "boarding": true,
                                       "commit": .object(["id_number": .string(String(repeating: "a", count: 64)), "name": .string(String(repeating: "b", count: 64))]),
                                       "grade": "3", "index": 0, "paid_date": "2025-10-10", "period": "2025-autumn", "program": .string(Sample.program),
                                       "school_code": "4306261", "school_name": "示范县第1小学", "stage": "primary", "unit": "430626"]
        let payment = try PaymentBody(decoding: paymentJSON)
        let hash = Digest32(bytes: Array(repeating: 3, count: 32))!
        var facts = AdmissionFacts()
        facts.targets[5] = .init(kind: .payment, hash: hash, payment: payment)
        facts.targets[4] = .init(kind: .batch, hash: hash, payment: nil)
        func reversal(_ target: UInt64, hash: Digest32 = hash, amount: Int64 = 62_500, by key: NamedSigningKey) throws -> Submission {
            try .reversal(try ReversalBody.make(target: target, targetHash: hash, amountFen: amount, reason: "重复发放", origin: Self.origin, signedAt: Self.time, officer: key))
        }
        var a = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        #expect(refusal(a.decide(try reversal(4, by: k.officer), index: 0, at: 9, facts: facts)) == "reversal-target")
        #expect(refusal(a.decide(try reversal(5, hash: Digest32(bytes: Array(repeating: 4, count: 32))!, by: k.officer), index: 0, at: 9, facts: facts)) == "reversal-target")
        #expect(refusal(a.decide(try reversal(5, amount: 1, by: k.officer), index: 0, at: 9, facts: facts)) == "reversal-target")
        // The target is checked before who signed (FORMAT.md §14.4).
        #expect(refusal(a.decide(try reversal(4, by: k.inspector), index: 0, at: 9, facts: facts)) == "reversal-target")
        #expect(refusal(a.decide(try reversal(5, by: k.inspector), index: 0, at: 9, facts: facts)) == "signer-role")
        #expect(admitted(a.decide(try reversal(5, by: k.officer), index: 0, at: 9, facts: facts)))
        #expect(refusal(a.decide(try reversal(5, by: k.officer), index: 1, at: 10, facts: facts)) == "reversal-duplicate")
        facts.reversed[5] = 9
        #expect(refusal(fresh(k.registry, try reversal(5, by: k.officer), at: 10, facts: facts)) == "reversal-duplicate")
    }

    @Test func keyEntriesChangeTheRegistryForTheRestOfTheGroup() throws {
        let k = try Keys()
        let newOfficer = try NamedSigningKey(name: Self.origin + "/officer/2", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let enroll = try KeyBody.enroll(newOfficer.verifierKey, role: .officer, units: ["430626"], origin: Self.origin, signedAt: Self.time, admin: k.admin)
        var a = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        // Only an admin enrols.
        let byOfficer = try KeyBody.enroll(newOfficer.verifierKey, role: .officer, units: ["430626"], origin: Self.origin, signedAt: Self.time, admin: k.officer)
        #expect(refusal(a.decide(try .key(byOfficer, suite: .ed25519SHA256), index: 0, at: 4, facts: .init())) == "signer-role")
        #expect(admitted(a.decide(try .key(enroll, suite: .ed25519SHA256), index: 0, at: 4, facts: .init())))
        #expect(refusal(a.decide(try .key(enroll, suite: .ed25519SHA256), index: 1, at: 5, facts: .init())) == "key-duplicate")
        // The officer enrolled at 4 signs the batch at 5 of the same group.
        #expect(admitted(a.decide(try Self.batch("b-1", Self.items(1), by: newOfficer), index: 2, at: 5, facts: .init())))
        let revokeUnknown = try KeyBody.revoke(try NamedSigningKey(name: Self.origin + "/officer/x", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256).verifierKey,
                                               reason: "离职", origin: Self.origin, signedAt: Self.time, admin: k.admin)
        #expect(refusal(a.decide(try .key(revokeUnknown, suite: .ed25519SHA256), index: 3, at: 7, facts: .init())) == "key-unknown")
    }

    @Test func erasuresNameAPaymentsCommittedFieldsAndAreTheAdmins() throws {
        let k = try Keys()
        let paymentJSON: JSONObject = ["account_type": "bank_card", "amount_fen": 62_500, "batch_id": "b-1", "boarding": true,
                                       "commit": .object(["id_number": .string(String(repeating: "a", count: 64)), "name": .string(String(repeating: "b", count: 64))]),
                                       "grade": "3", "index": 0, "paid_date": "2025-10-10", "period": "2025-autumn", "program": .string(Sample.program),
                                       "school_code": "4306261", "school_name": "示范县第1小学", "stage": "primary", "unit": "430626"]
        var facts = AdmissionFacts()
        facts.targets[5] = .init(kind: .payment, hash: Digest32(bytes: Array(repeating: 3, count: 32))!, payment: try PaymentBody(decoding: paymentJSON))
        func erase(_ fields: [PersonalField], target: UInt64 = 5, by key: NamedSigningKey) throws -> Submission {
            try .erase(try EraseBody.make(target: target, fields: fields, reason: "保存期满", origin: Self.origin, signedAt: Self.time, admin: key))
        }
        var a = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        #expect(admitted(a.decide(try erase([.idNumber, .name], by: k.admin), index: 0, at: 9, facts: facts)))
        #expect(refusal(a.decide(try erase([.accountNumber], by: k.admin), index: 1, at: 10, facts: facts)) == "erase-target")
        #expect(refusal(a.decide(try erase([.name], target: 4, by: k.admin), index: 1, at: 10, facts: facts)) == "erase-target")
        #expect(refusal(a.decide(try erase([.name], by: k.officer), index: 1, at: 10, facts: facts)) == "signer-role")
    }

    @Test func signaturesOutsideTheWindowAndPaymentsDatedLaterAreRefused() throws {
        let k = try Keys()
        func signed(_ signedAt: String, _ items: [PaymentInput] = Self.items(2)) throws -> Submission {
            let b = try BatchBuilder.prepare(batchID: "b-\(signedAt)", program: Sample.program, period: "2025-autumn", unit: "430626", items: items,
                                             origin: Self.origin, signedAt: signedAt, officer: k.officer)
            return .batch(b, claims: try PersonKeys(PersonKeySecret(bytes: Array(repeating: 7, count: 32))!).claims(for: b))
        }
        // Before the key existed, after the append, and just inside the window on both sides (30 days, 10 minutes).
        #expect(refusal(fresh(k.registry, try signed("2001-01-01T00:00:00.000Z"), at: 4)) == "signed-at-window")
        #expect(refusal(fresh(k.registry, try signed("2999-12-31T00:00:00.000Z"), at: 4)) == "signed-at-window")
        #expect(refusal(fresh(k.registry, try signed("2026-08-02T07:59:59.999Z"), at: 4)) == "signed-at-window")
        #expect(refusal(fresh(k.registry, try signed("2026-09-01T08:10:00.001Z"), at: 4)) == "signed-at-window")
        #expect(admitted(fresh(k.registry, try signed("2026-08-02T08:00:00.000Z"), at: 4)))
        #expect(admitted(fresh(k.registry, try signed("2026-09-01T08:10:00.000Z"), at: 4)))
        // paid_date: the append date plus 31 days at most.
        var late = Self.items(2)
        late[1].paidDate = "2099-01-01"
        guard case .refuse(let r) = fresh(k.registry, try signed(Self.time, late), at: 4) else { Issue.record("admitted a payment dated 2099"); return }
        #expect(r.code == "paid-date-future" && r.message.contains("payments[1]"))
        late[1].paidDate = "2026-10-03"
        #expect(refusal(fresh(k.registry, try signed(Self.time, late), at: 4)) == "paid-date-future")
        late[1].paidDate = "2026-10-02"
        #expect(admitted(fresh(k.registry, try signed(Self.time, late), at: 4)))
        // Key entries, reversals and erasures are held to the same window.
        let enroll = try KeyBody.enroll(try NamedSigningKey(name: Self.origin + "/officer/9", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256).verifierKey,
                                        role: .officer, units: ["430626"], origin: Self.origin, signedAt: "2001-01-01T00:00:00.000Z", admin: k.admin)
        #expect(refusal(fresh(k.registry, try .key(enroll, suite: .ed25519SHA256), at: 4)) == "signed-at-window")
        // A batch already stored gets its receipt whatever its dates (a retry long after).
        let old = try signed("2001-01-01T00:00:00.000Z")
        guard case .batch(let b, _) = old else { return }
        var facts = AdmissionFacts()
        facts.batches[b.body.batchID] = .init(seq: 4, count: 2, header: b.header)
        guard case .storedDuplicate = fresh(k.registry, old, at: 7, facts: facts) else { Issue.record("a stored batch was not answered with its receipt"); return }
    }

    @Test func everyRefusalCodeIsListed() {
        for code in ["signer-unknown", "signer-revoked", "signer-role", "signer-scope", "bad-signature", "key-duplicate", "key-unknown",
                     "batch-duplicate", "payment-duplicate", "reversal-target", "reversal-duplicate", "erase-target", "signed-at-window", "paid-date-future"] {
            #expect(AdmissionRefusal.codes.contains(code))
        }
    }
}

import Foundation
import LedgerCrypto
import Testing
@testable import LedgerCore
import TestSupport

@Suite struct SignedNoteTests {
    /// The C2SP signed-note example: the vkey parses (its key ID is recomputed) and verifies the note.
    @Test func c2spExample() throws {
        let v = try readJSON(TestPaths.sharedVectors.appendingPathComponent("signed-note.json")).objectValue!
        let vkey = try VerifierKey(parsing: v["vkey"]!.stringValue!, suite: .ed25519SHA256)
        #expect(vkey.name == "example.com/foo")
        #expect(vkey.keyIDHex == "530d903a")
        #expect(vkey.description == v["vkey"]!.stringValue!)
        let note = try SignedNote(parsing: v["note"]!.stringValue!)
        #expect(note.text == "This is an example message.\n")
        #expect(note.verify(with: vkey))
        let altered = SignedNote(text: "This is an example message!\n", signatures: note.signatures)
        #expect(!altered.verify(with: vkey))
        // The cosigned checkpoint parses: three lines, two signatures (the witness one is ignored without its key).
        let cp = try SignedCheckpoint(parsing: v["cosigned_checkpoint_example"]!.stringValue!)
        #expect(cp.checkpoint.origin == "example.com/behind-the-sofa")
        #expect(cp.checkpoint.size == 20852163)
        #expect(cp.note.signatures.count == 2)
        #expect(cp.serialized == v["cosigned_checkpoint_example"]!.stringValue!)
    }

    @Test func vkeyWithWrongKeyIDIsRejected() {
        #expect(throws: FormatError.self) { try VerifierKey(parsing: "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", suite: .ed25519SHA256) }
        #expect(throws: FormatError.self) { try VerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", suite: .sm2SM3) }
    }

    @Test func sm2KeyIDKnownAnswer() throws {
        let kat = try readJSON(TestPaths.projectVectors.appendingPathComponent("kat.json")).objectValue!["sm2_key_id"]!.arrayValue![0].objectValue!
        let id = VerifierKey.computeKeyID(name: kat["name"]!.stringValue!, publicKey: Hex.decode(kat["public_key"]!.stringValue!)!, suite: .sm2SM3)
        #expect(String(id, radix: 16).leftPadded(8) == kat["key_id"]!.stringValue!)
    }

    @Test(arguments: Suite.allCases)
    func checkpointSignRoundTrip(_ suite: Suite) throws {
        let key = try NamedSigningKey(name: "aidledger.example/430626", key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        let cp = Checkpoint(origin: key.name, size: 42, root: try HashFunction(suite.hashAlgorithm).hash([1, 2, 3]))
        let signed = try SignedCheckpoint(checkpoint: cp, signedBy: key)
        let parsed = try SignedCheckpoint(parsing: signed.serialized)
        #expect(parsed.checkpoint == cp)
        #expect(parsed.note.verify(with: key.verifierKey))
        let vkey = try VerifierKey(parsing: key.verifierKey.description, suite: suite)
        #expect(parsed.note.verify(with: vkey))
        #expect(signed.serialized.hasPrefix("aidledger.example/430626\n42\n"))
        #expect(signed.serialized.contains("\n\n\u{2014} aidledger.example/430626 "))
    }

    @Test(arguments: [
        "no newline",
        "a\nb\n",
        "text\n\n\u{2014} name\n",
        "text\n\n- name AAAAAAAA\n",
        "text\n\n\u{2014} name !!!!\n",
        "text\u{01}\n\n\u{2014} name AAAAAAAA\n",
    ])
    func malformedNotes(_ text: String) {
        #expect(throws: FormatError.self) { try SignedNote(parsing: text) }
    }

    @Test func checkpointTextIsStrict() {
        #expect(throws: FormatError.self) { try Checkpoint(parsingText: "o\n01\n\(Base64.encode([UInt8](repeating: 0, count: 32)))\n") }
        #expect(throws: FormatError.self) { try Checkpoint(parsingText: "o\n1\nAAAA\n") }
        #expect(throws: FormatError.self) { try Checkpoint(parsingText: "o\n1\n\(Base64.encode([UInt8](repeating: 0, count: 32)))\next\n") }
        #expect(throws: Never.self) { try Checkpoint(parsingText: "o\n1\n\(Base64.encode([UInt8](repeating: 0, count: 32)))\n") }
    }

    @Test func base64IsStrict() {
        #expect(Base64.decode("AQ==") == [1])
        #expect(Base64.decode("AR==") == nil) // non-zero trailing bits
        #expect(Base64.decode("AQ") == nil)
        #expect(Base64.decode("A=Q=") == nil)
        #expect(Base64.decode("AQ==AQ==") == nil)
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8($0 * 37 & 0xff) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        }
    }
}

@Suite struct KnownAnswerTests {
    let kat = try! readJSON(TestPaths.projectVectors.appendingPathComponent("kat.json")).objectValue!

    @Test func hashes() throws {
        for case .object(let o) in kat["hash"]!.arrayValue! {
            let suite = Suite(rawValue: o["suite"]!.stringValue!)!
            #expect(suite.makeHashFunction().hash(Array(o["input_utf8"]!.stringValue!.utf8)).hex == o["digest"]!.stringValue!)
        }
    }

    @Test func commitments() throws {
        var n = 0
        for case .object(let o) in kat["commitment"]!.arrayValue! {
            let suite = Suite(rawValue: o["suite"]!.stringValue!)!
            let c = Commitment.compute(field: o["field"]!.stringValue!, salt: Hex.decode(o["salt"]!.stringValue!)!, value: o["value"]!.stringValue!, hash: suite.makeHashFunction())
            #expect(c.hex == o["commitment"]!.stringValue!)
            n += 1
        }
        #expect(n == 4)
    }

    @Test func entryHashes() throws {
        for case .object(let o) in kat["entry_hash"]!.arrayValue! {
            let suite = Suite(rawValue: o["suite"]!.stringValue!)!
            let bytes = Array(o["canonical_bytes"]!.stringValue!.utf8)
            #expect(EntryHash.compute(bytes, hash: suite.makeHashFunction()).hex == o["entry_hash"]!.stringValue!)
            let entry = try Entry(decoding: bytes)
            #expect(entry.canonicalBytes() == bytes)
        }
    }

    @Test func timestamps() throws {
        for case .object(let o) in kat["timestamp"]!.arrayValue! {
            let ms = o["ms"]!.intValue!, text = o["text"]!.stringValue!
            #expect(Timestamp.format(millisecondsSinceEpoch: ms) == text)
            #expect(Timestamp.parse(text) == ms)
        }
    }
}

@Suite struct EntryTests {
    func sampleBody() -> JSONObject {
        ["account_type": "bank_card", "amount_fen": 62500, "batch_id": "b-1", "boarding": true,
         "commit": .object(["id_number": .string(String(repeating: "a", count: 64)), "name": .string(String(repeating: "b", count: 64))]),
         "grade": "3", "index": 0, "paid_date": "2025-10-15", "period": "2025-autumn", "program": "寄宿生生活补助",
         "school_code": "4306261", "school_name": "示范县第1小学", "stage": "primary", "unit": "430626"]
    }

    /// The appender's spliced serialization equals the generic canonical encoding of the same entry.
    @Test(arguments: Suite.allCases)
    func appenderSpliceEqualsCanonicalEncoding(_ suite: Suite) throws {
        let a = LedgerAppender(origin: "aidledger.example/x", suite: suite)
        let first = a.append(kind: .genesis, body: ["k": "v\n\"q\""], time: "2026-01-01T00:00:00.000Z")
        let second = a.append(kind: .payment, body: sampleBody(), time: "2025-01-01T00:00:00.000Z")
        let e1 = try Entry(decoding: first.bytes), e2 = try Entry(decoding: second.bytes)
        #expect(e1.canonicalBytes() == first.bytes)
        #expect(e2.canonicalBytes() == second.bytes)
        #expect(e2.prev == first.hash && e2.seq == 2)
        #expect(e2.time == "2026-01-01T00:00:00.000Z", "time never goes backwards")
        #expect(try PaymentBody(decoding: e2.body).amountFen == 62500)
        #expect(a.root == MerkleTree.root(leafHashes: [first.hash, second.hash], hash: suite.makeHashFunction()))
    }

    @Test func unknownAndMistypedFieldsAreRejected() {
        var body = sampleBody()
        body["extra"] = 1
        #expect(throws: FormatError.self) { try PaymentBody(decoding: body) }
        for (field, value): (String, JSONValue) in [("amount_fen", 0), ("amount_fen", "100"), ("stage", "college"), ("paid_date", "2025-02-30"),
                                                   ("period", "2025-summer"), ("boarding", 1), ("account_type", "cash"), ("index", -1)] {
            var b = sampleBody()
            b[field] = value
            do {
                _ = try PaymentBody(decoding: b)
                Issue.record("accepted \(field) = \(value)")
            } catch {
                #expect(error.message.contains("payment.\(field)"), "\(error)")
            }
        }
        var noName = sampleBody()
        noName["commit"] = .object(["id_number": .string(String(repeating: "a", count: 64))])
        #expect(throws: FormatError.self) { try PaymentBody(decoding: noName) }
    }

    @Test func envelopeIsChecked() {
        let good = #"{"body":{},"kind":"genesis","origin":"o","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"time":"2026-01-01T00:00:00.000Z","v":1}"#
        #expect(throws: Never.self) { try Entry(decoding: Array(good.utf8)) }
        for (find, replace) in [("\"v\":1", "\"v\":2"), ("\"seq\":1", "\"seq\":0"), ("genesis", "audit"), ("00.000Z", "00Z"), ("\"origin\":\"o\"", "\"origin\":\"o p\"")] {
            let bad = good.replacingOccurrences(of: find, with: replace)
            #expect(throws: FormatError.self, "\(replace)") { try Entry(decoding: Array(bad.utf8)) }
        }
    }

    @Test func statementsAreDomainSeparated() {
        let s1 = Statement.bytes(kind: .batch, origin: "o", body: ["a": 1, "sig": "x"])
        let s2 = Statement.bytes(kind: .reversal, origin: "o", body: ["a": 1])
        let s3 = Statement.bytes(kind: .batch, origin: "p", body: ["a": 1])
        #expect(String(decoding: s1, as: UTF8.self) == "aidledger/v1/statement/batch\u{0}{\"a\":1,\"origin\":\"o\"}")
        #expect(s1 != s2 && s1 != s3)
    }
}

@Suite struct DomainTests {
    @Test func idNumbers() {
        #expect(IDNumber.isValid("11010519491231002X"))
        #expect(IDNumber.isValid("440524188001010014"))
        #expect(throws: IDNumber.Problem.checksum) { try IDNumber.validate("110105194912310021") }
        #expect(throws: IDNumber.Problem.birthDate) { try IDNumber.validate("110105199902300011") }
        #expect(throws: IDNumber.Problem.length(17)) { try IDNumber.validate("11010519491231002") }
        #expect(throws: IDNumber.Problem.nonDigit(position: 3)) { try IDNumber.validate("11A10519491231002X") }
        #expect(IDNumber.normalize(" 11010519491231002x ") == "11010519491231002X")
    }

    @Test func fieldSyntax() {
        #expect(FieldSyntax.isTimestamp("2024-02-29T23:59:59.999Z"))
        #expect(!FieldSyntax.isTimestamp("2023-02-29T23:59:59.999Z"))
        #expect(!FieldSyntax.isTimestamp("2024-02-28T24:00:00.000Z"))
        #expect(!FieldSyntax.isTimestamp("2024-02-28T23:00:00.000+08:00"))
        #expect(FieldSyntax.isPeriod("2025-autumn") && FieldSyntax.isPeriod("2025-03") && FieldSyntax.isPeriod("2025"))
        #expect(!FieldSyntax.isPeriod("2025-13") && !FieldSyntax.isPeriod("2025年秋季"))
        #expect(FieldSyntax.isToken("430626-2025-autumn-0001") && !FieldSyntax.isToken("a b") && !FieldSyntax.isToken(""))
    }

    @Test func keyRegistryDecidesBySeq() throws {
        let suite = Suite.ed25519SHA256
        let key = try VerifierKey(name: "o/officer/1", publicKey: SigningKey.generate(.ed25519).publicKey, suite: suite)
        var registry = KeyRegistry()
        try registry.enroll(key, role: .officer, units: ["430626"], at: 2)
        #expect(throws: KeyRegistry.Denial.self) { try registry.authorize(signer: key.name, role: .officer, unit: "430626", at: 2) }
        #expect(try registry.authorize(signer: key.name, role: .officer, unit: "430626", at: 3) == key)
        #expect(throws: KeyRegistry.Denial.self) { try registry.authorize(signer: key.name, role: .officer, unit: "430611", at: 3) }
        #expect(throws: KeyRegistry.Denial.self) { try registry.authorize(signer: key.name, role: .admin, unit: nil, at: 3) }
        try registry.revoke(key, at: 5)
        #expect(try registry.authorize(signer: key.name, role: .officer, unit: "430626", at: 5) == key)
        do {
            _ = try registry.authorize(signer: key.name, role: .officer, unit: "430626", at: 6)
            Issue.record("revoked key authorized")
        } catch {
            #expect(error.code == "signer-revoked")
        }
        #expect(throws: KeyRegistry.Denial.self) { try registry.enroll(key, role: .officer, units: ["430626"], at: 7) }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

@Suite struct PaymentEncodingTests {
    /// The hot-path writer produces exactly the canonical encoding of the same object, including escapes.
    @Test func directEncodingEqualsCanonicalJSON() throws {
        let h = try HashFunction(.sha256)
        for (grade, school, boarding) in [("7", "示范县第1中学", true), ("初\"一\\", "A\nB", false)] {
            let item = PaymentInput(unit: "430626", schoolCode: "43062621", schoolName: school, stage: .junior, grade: grade, boarding: boarding,
                                    amountFen: 75_000, accountType: .socialSecurityCard, paidDate: "2025-10-10", personal: [:])
            let commitments: [(PersonalField, Digest32)] = [(.accountNumber, h.hash([1])), (.idNumber, h.hash([2])), (.name, h.hash([3]))]
            let direct = PaymentBodyEncoding.encode(item, batchID: "b-1", index: 12, program: "寄宿生生活补助", period: "2025-autumn", commitments: commitments)
            let generic = CanonicalJSON.encode(.object(PaymentBodyEncoding.object(item, batchID: "b-1", index: 12, program: "寄宿生生活补助", period: "2025-autumn", commitments: commitments)))
            #expect(direct == generic, "\(String(decoding: direct, as: UTF8.self))")
        }
    }

    @Test func batchBuilderRequiresIDAndName() throws {
        let officer = try NamedSigningKey(name: "o/officer/1", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let item = PaymentInput(unit: "430626", schoolCode: "1", schoolName: "s", stage: .primary, grade: "1", boarding: true,
                                amountFen: 1, accountType: .bankCard, paidDate: "2025-10-10", personal: [.idNumber: "11010519491231002X"])
        #expect(throws: FormatError.self) {
            try BatchBuilder.prepare(batchID: "b", program: "p", period: "2025", unit: "430626", items: [item], origin: "o", signedAt: "2026-01-01T00:00:00.000Z", officer: officer)
        }
    }
}

/// The writer refuses what the verifier would flag (FORMAT.md §1, §6.2–§6.4, §8.1), so it never signs or
/// appends such an entry.
@Suite struct WriterRefusesWhatTheVerifierFlagsTests {
    static let origin = "aidledger.example/430626", time = "2026-09-01T08:00:00.000Z"

    static func item(amount: Int64 = 1, unit: String = "430626", paidDate: String = "2025-10-10") -> PaymentInput {
        PaymentInput(unit: unit, schoolCode: "1", schoolName: "s", stage: .primary, grade: "1", boarding: true, amountFen: amount,
                     accountType: .bankCard, paidDate: paidDate, personal: [.idNumber: "11010519491231002X", .name: "张三"])
    }

    static func prepare(period: String = "2025-autumn", items: [PaymentInput] = [item()]) throws -> PreparedBatch {
        let officer = try NamedSigningKey(name: origin + "/officer/1", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        return try BatchBuilder.prepare(batchID: "b-1", program: "p", period: period, unit: "430626", items: items, origin: origin, signedAt: time, officer: officer)
    }

    /// G6: years 1900–2999, months 01–12, in the writer as in the decoder.
    @Test(arguments: ["1899", "3000", "1899-spring", "2025-00", "2025-13", "2025-1", "2025-winter", "25-09", "2025-09-01"])
    func periodsOutsideTheFormatAreRefused(_ period: String) throws {
        #expect(!FieldSyntax.isPeriod(period))
        #expect(throws: FormatError.self) { try Self.prepare(period: period) }
    }

    @Test(arguments: ["1900", "2999", "2025-01", "2025-12", "2025-spring", "2999-autumn"])
    func periodsInsideTheFormatAreAccepted(_ period: String) throws {
        #expect(FieldSyntax.isPeriod(period))
        _ = try Self.prepare(period: period)
    }

    @Test func amountsTotalsUnitsAndDatesAreChecked() throws {
        #expect(throws: FormatError.self) { try Self.prepare(items: [Self.item(amount: 0)]) }
        #expect(throws: FormatError.self) { try Self.prepare(items: [Self.item(amount: JSONValue.maxSafeInteger + 1)]) }
        #expect(throws: FormatError.self) { try Self.prepare(items: [Self.item(amount: JSONValue.maxSafeInteger), Self.item(amount: 1)]) }
        #expect(throws: FormatError.self) { try Self.prepare(items: [Self.item(unit: "430611")]) }
        #expect(throws: FormatError.self) { try Self.prepare(items: [Self.item(paidDate: "2025-02-30")]) }
        _ = try Self.prepare(items: [Self.item(amount: JSONValue.maxSafeInteger)])
    }

    /// G7: an enrolment names at least one unit; the decoder and the writer agree.
    @Test func enrolmentsNeedUnits() throws {
        let admin = try NamedSigningKey(name: Self.origin + "/admin/1", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let subject = try NamedSigningKey(name: Self.origin + "/officer/1", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256).verifierKey
        for units in [[], ["*", "430626"], ["430 626"]] {
            #expect(throws: FormatError.self) { try KeyBody.enroll(subject, role: .officer, units: units, origin: Self.origin, signedAt: Self.time, admin: admin) }
        }
        let body = try KeyBody.enroll(subject, role: .officer, units: ["430626"], origin: Self.origin, signedAt: Self.time, admin: admin)
        var empty = body
        empty["units"] = .array([])
        #expect(throws: FormatError.self) { try KeyBody(decoding: empty, suite: .ed25519SHA256) }
    }

    /// G9: a verifier key whose Ed25519 key is not a point, or is of small order, does not parse, so it can be
    /// neither enrolled (the admission decodes the key entry) nor accepted by a verifier.
    @Test(arguments: ["02" + String(repeating: "00", count: 31), "01" + String(repeating: "00", count: 31)])
    func unacceptableEd25519KeysDoNotParse(_ hex: String) throws {
        let name = Self.origin + "/officer/9"
        let raw = Hex.decode(hex)!
        let id = VerifierKey.computeKeyID(name: name, publicKey: raw, suite: .ed25519SHA256)
        let idHex = Hex.encode([UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)])
        let text = "\(name)+\(idHex)+\(Base64.encode([0x01] + raw))"
        #expect(throws: FormatError.self) { try VerifierKey(parsing: text, suite: .ed25519SHA256) }
    }
}

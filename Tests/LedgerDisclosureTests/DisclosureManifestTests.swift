import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import Testing

/// The signed manifest of an export (docs/FORMAT.md §18.1): its note text, canonical JSON, signature by the ledger
/// key, strict parsing, and its SHA-256 (the `disclosure` entry's `manifest_sha256`).
@Suite struct DisclosureManifestTests {
    static let origin = "aidledger.example/430626"
    static let root = Digest32(bytes: [UInt8](repeating: 0xab, count: 32))!

    static func manifest(suite: Suite = .ed25519SHA256) throws -> DisclosureManifest {
        let request = DisclosureRequest(units: ["430626", "430611", "430626"], programs: ["国家助学金", "寄宿生生活补助"], periods: ["2025-autumn"],
                                        title: "示范县2025年秋季学期学生资助公示", publicityStart: "2026-09-07", publicityEnd: "2026-09-11",
                                        contact: "示范县学生资助管理中心 0730-1234567")
        let files = try DisclosureManifest.fileNames.reversed().map { try DisclosureManifest.File(name: $0, contents: Array($0.utf8)) }
        return DisclosureManifest(origin: origin, suite: suite, checkpointSize: 42, checkpointRoot: root, request: request, workingDays: 5, threshold: 5,
                                  summary: .init(payments: 3, paid: 2, reversed: 1, paidFen: 125_000), files: files)
    }

    @Test func theNoteTextIsTheHeaderAndOneLineOfCanonicalJSON() throws {
        let m = try Self.manifest()
        let lines = m.noteText.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[0] == "aidledger/v1/disclosure-manifest" && lines[2].isEmpty)
        let json = Array(lines[1].utf8)
        #expect(try CanonicalJSON.encode(JSONParser.parse(json, mode: .canonical)) == json)
        let o = try JSONParser.parse(json, mode: .canonical).objectValue!
        #expect(o.keys == ["checkpoint", "contact", "files", "origin", "publicity", "request", "suite", "summary", "threshold"])
        #expect(o["checkpoint"] == .object(["root": .string(Self.root.hex), "size": 42]))
        #expect(o["publicity"] == .object(["end": "2026-09-11", "start": "2026-09-07", "working_days": 5]))
        #expect(o["summary"] == .object(["paid": 2, "paid_fen": 125_000, "payments": 3, "reversed": 1]))
        // Arrays sorted (Unicode scalars) and unique; files sorted by name, one member set each.
        let request = o["request"]!.objectValue!
        #expect(request["units"] == ["430611", "430626"] && request["schools"] == [] && request["periods"] == ["2025-autumn"])
        #expect(request["programs"] == ["国家助学金", "寄宿生生活补助"] || request["programs"] == ["寄宿生生活补助", "国家助学金"])
        #expect(request["programs"]!.arrayValue!.compactMap(\.stringValue) == ["国家助学金", "寄宿生生活补助"].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let files = o["files"]!.arrayValue!.map { $0.objectValue! }
        #expect(files.map { $0["name"]!.stringValue! } == DisclosureManifest.fileNames && files.allSatisfy { $0.keys == ["bytes", "name", "sha256"] })
        #expect(files[0]["bytes"] == .int(Int64("categories.csv".utf8.count)))
        #expect(try files[0]["sha256"] == .string(HashFunction(.sha256).hash(Array("categories.csv".utf8)).hex))
        #expect(try m.sha256 == HashFunction(.sha256).hash(Array(m.noteText.utf8)))
    }

    @Test(arguments: Suite.allCases)
    func signedByTheLedgerKeyParsesAndVerifies(_ suite: Suite) throws {
        let m = try Self.manifest(suite: suite)
        let key = try NamedSigningKey(name: Self.origin, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        let note = try m.signed(by: key)
        let (parsed, parsedNote) = try DisclosureManifest.parse(note: Array(note.serialized.utf8))
        #expect(parsed == m && parsedNote == note)
        #expect(parsed.isSigned(parsedNote, by: key.verifierKey))
        // Another key, even under the same name, does not verify; a key of another name may not sign.
        let other = try NamedSigningKey(name: Self.origin, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        #expect(!parsed.isSigned(parsedNote, by: other.verifierKey))
        let stranger = try NamedSigningKey(name: Self.origin + "/admin/1", key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        #expect(throws: FormatError.self) { _ = try m.signed(by: stranger) }
        // The signature is over the note text, as for checkpoints (FORMAT.md §11).
        #expect(key.verifierKey.publicKey.verify(signature: note.signatures[0].signature, message: Array(m.noteText.utf8)))
    }

    @Test func parsingIsStrict() throws {
        let m = try Self.manifest()
        let key = try NamedSigningKey(name: Self.origin, key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let json = String(m.noteText.split(separator: "\n")[1])
        func parse(_ text: String) -> DisclosureManifest.ParseError? {
            guard let note = try? SignedNote.sign(text: text, with: key) else { return nil }
            do { _ = try DisclosureManifest.parse(note: Array(note.serialized.utf8)); return nil } catch { return error }
        }
        #expect(parse(m.noteText) == nil)
        #expect(parse("aidledger/v1/disclosure-manifest-x\n" + json + "\n")?.line == 1)
        #expect(parse("aidledger/v1/disclosure-manifest\n" + json + "\nmore\n") != nil)
        #expect(parse("aidledger/v1/disclosure-manifest\n" + json.replacingOccurrences(of: ",", with: ", ") + "\n")?.line == 2)
        func edited(_ edit: (inout JSONObject) -> Void) -> DisclosureManifest.ParseError? {
            var o = try! JSONParser.parse(Array(json.utf8), mode: .canonical).objectValue!
            edit(&o)
            return parse("aidledger/v1/disclosure-manifest\n" + String(decoding: CanonicalJSON.encode(.object(o)), as: UTF8.self) + "\n")
        }
        #expect(edited { _ in } == nil)
        #expect(edited { $0["extra"] = 1 } != nil)
        #expect(edited { $0["threshold"] = 0 } != nil)
        #expect(edited { $0["suite"] = "rot13" } != nil)
        #expect(edited { o in
            var r = o["request"]!.objectValue!
            r["units"] = ["430626", "430611"]
            o["request"] = .object(r)
        } != nil)
        #expect(edited { o in
            var r = o["request"]!.objectValue!
            r["periods"] = ["2025-13"]
            o["request"] = .object(r)
        } != nil)
        #expect(edited { o in
            var p = o["publicity"]!.objectValue!
            p["end"] = "2026-09-01"
            o["publicity"] = .object(p)
        } != nil)
        #expect(edited { o in o["files"] = .array(Array(o["files"]!.arrayValue!.dropLast())) } != nil)
        #expect(edited { o in o["files"] = .array(o["files"]!.arrayValue!.reversed()) } != nil)
        #expect(edited { o in
            var s = o["summary"]!.objectValue!
            s["paid_fen"] = -1
            o["summary"] = .object(s)
        } != nil)
        // Not UTF-8, not a signed note, no signature.
        #expect(throws: DisclosureManifest.ParseError.self) { _ = try DisclosureManifest.parse(note: [0xff, 0x0a]) }
        #expect(throws: DisclosureManifest.ParseError.self) { _ = try DisclosureManifest.parse(note: Array(m.noteText.utf8)) }
        #expect(throws: DisclosureManifest.ParseError.self) { _ = try DisclosureManifest.parse(note: []) }
    }
}

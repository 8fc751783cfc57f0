import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestVectors
import Testing
@testable import LedgerVerify
import TestSupport

/// The decisions of FORMAT.md §14 ("Decisions") that have no ledger vector of their own.
@Suite struct DecisionTests {
    static func valid() throws -> FuzzSubject { try FuzzSubject.load("valid-ed25519-sha256") }

    /// G1: structural findings are never consequences. Payment 6 altered in place and payment 10 deleted: the
    /// hash-chain at 6 and the seq-mismatch at 10 are both independent; batch A's total follows from the first.
    @Test func structuralFindingsAreNeverConsequences() throws {
        let subject = try Self.valid()
        var lines = BundleMutator.lines(subject.bundle)
        let payment6 = String(decoding: lines[2 + 5], as: UTF8.self)
        let amount = try #require(payment6.firstRange(of: #""amount_fen":"#)).upperBound
        lines[2 + 5] = Array((payment6[..<amount] + "1" + payment6[amount...]).utf8)  // one more digit
        lines.remove(at: 2 + 9)
        var fixed = Array(lines[1])
        fixed = Array(String(decoding: fixed, as: UTF8.self).replacingOccurrences(of: #""entries":18"#, with: #""entries":17"#).utf8)
        lines[1] = fixed
        let report = BundleMutator.join(lines).withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: subject.options) }
        let chain = try #require(report.findings.first { $0.code == .hashChain })
        let gap = try #require(report.findings.first { $0.code == .seqMismatch })
        #expect(chain.seq == 6 && chain.consequenceOf == nil)
        #expect(gap.seq == 10 && gap.consequenceOf == nil)
        #expect(report.findings.contains { $0.code == .batchTotal && $0.seq == 5 && $0.consequenceOf == 6 }, "\(report.findings)")
        #expect(report.firstBadSeq == 6)
    }

    /// G5: only bundle-malformed (unparseable bundle), checkpoint-malformed, external-checkpoint-signature and
    /// genesis for an empty bundle carry no seq; every committed vector's other findings have one.
    @Test func findingsWithoutASeq() throws {
        let seqless: Set<Finding.Code> = [.bundleMalformed, .checkpointMalformed, .externalCheckpointSignature, .genesis]
        let subject = try Self.valid()
        let empty = LedgerCore.Bundle.encode(header: .init(origin: "aidledger.example/430626", suite: .ed25519SHA256, entries: 0, checkpoints: 0), entries: [], checkpoints: [])
        let none = empty.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(none.findings.map(\.code) == [.genesis] && none.findings.first?.seq == nil && none.firstBadSeq == nil)

        var options = subject.options
        let stranger = try NamedSigningKey(name: "aidledger.example/430626", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let forged = try SignedCheckpoint(checkpoint: Checkpoint(origin: "aidledger.example/430626", size: 18, root: .zero), signedBy: stranger)
        options.expectedCheckpoints = ["not a note", forged.serialized]
        let report = subject.bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        #expect(report.findings.map(\.code) == [.externalCheckpointSignature, .externalCheckpointSignature] && report.findings.allSatisfy { $0.seq == nil },
                "\(report.findings)")
        #expect(report.json(source: "x", pinned: true).contains(#""first_bad_seq":null"#))

        for v in try CommittedVectorTests.manifest() {
            let bundle = try readBytes(CommittedVectorTests.directory.appendingPathComponent(v["bundle"]!.stringValue!))
            let r = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
            for f in r.findings where f.seq == nil { #expect(seqless.contains(f.code), "\(v["name"]!): \(f)") }
        }
    }

    /// G12: erasing a field that was already erased is allowed; the ledger stays intact.
    @Test func erasingTwiceIsAllowed() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 3)
        for reason in ["保存期满", "法院命令"] {
            let erase = try EraseBody.make(target: 7, fields: [.name, .idNumber], reason: reason, origin: s.ledger.origin, signedAt: s.ledger.now, admin: s.ledger.admin)
            try s.ledger.commit([(.erase, erase)])
        }
        var options = LedgerVerifier.Options()
        options.openings = try s.ledger.openingsFile().split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
            .filter { !($0.seq == 7 && ($0.field == "name" || $0.field == "id_number")) }
        let report = s.ledger.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        #expect(report.intact && report.erasures == 2, "\(report.findings)")
    }

    /// G13: an openings line that is not a valid opening is an error of the input (thrown by the decoder, so the
    /// verifier never runs), not a finding.
    @Test(arguments: [
        #"{"field":"name","salt":"00","seq":7,"value":"x"}"#,
        #"{"field":"nickname","salt":"000102030405060708090a0b0c0d0e0f","seq":7,"value":"x"}"#,
        #"{"field":"name","salt":"000102030405060708090a0b0c0d0e0f","seq":0,"value":"x"}"#,
        #"{"field":"name","salt":"000102030405060708090a0b0c0d0e0f","seq":7,"value":"x","extra":1}"#,
        #"{"field":"name","salt":"000102030405060708090A0B0C0D0E0F","seq":7,"value":"x"}"#,
        #"{"field":"name","salt":"000102030405060708090a0b0c0d0e0f","seq":7,"value":1.5}"#,
        #"not json"#,
    ])
    func invalidOpeningsAreInputErrors(_ line: String) {
        #expect(throws: FormatError.self) { try Opening(decoding: Array(line.utf8)) }
    }

    @Test func invalidUTF8InAnOpeningIsAnInputError() {
        let line = Array(#"{"field":"name","salt":"000102030405060708090a0b0c0d0e0f","seq":7,"value":""#.utf8) + [0xc0, 0xaf] + Array(#""}"#.utf8)
        #expect(throws: FormatError.self) { try Opening(decoding: line) }
    }

    /// G16: "Unicode whitespace" in key names is exactly the White_Space property.
    @Test func keyNameWhitespaceIsTheWhiteSpaceProperty() {
        for scalar: UInt32 in [0x09, 0x0a, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000] {
            let name = "aidledger.example/430626/officer" + String(Character(Unicode.Scalar(scalar)!)) + "1"
            #expect(!VerifierKey.isValidName(name), "U+\(String(scalar, radix: 16)) is White_Space")
        }
        for scalar: UInt32 in [0x200b, 0xfeff, 0x180e, 0x4e00] {
            let name = "aidledger.example/430626/officer" + String(Character(Unicode.Scalar(scalar)!)) + "1"
            #expect(VerifierKey.isValidName(name), "U+\(String(scalar, radix: 16)) is not White_Space")
        }
    }

    /// G17: the outermost value has depth 1; arrays and objects nest at most 64 deep.
    @Test func nestingDepth() {
        func nested(_ depth: Int, inner: String = "") -> [UInt8] { Array((String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)).utf8) }
        #expect((try? JSONParser.parse(nested(64), mode: .canonical)) != nil)
        #expect((try? JSONParser.parse(nested(64, inner: "7"), mode: .canonical)) != nil)
        #expect((try? JSONParser.parse(nested(65), mode: .canonical)) == nil)
        #expect((try? JSONParser.parse(Array((String(repeating: #"{"a":"#, count: 64) + "1" + String(repeating: "}", count: 64)).utf8), mode: .canonical)) != nil)
        #expect((try? JSONParser.parse(Array((String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)).utf8), mode: .canonical)) == nil)
    }
}

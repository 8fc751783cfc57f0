import Foundation
import LedgerCrypto
import Testing
@testable import LedgerCrypto
import TestSupport

@Suite struct HashTests {
    @Test func knownAnswers() throws {
        let sha = try HashFunction(.sha256)
        #expect(sha.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let sm3 = try HashFunction(.sm3)
        #expect(sm3.hash(Array("abc".utf8)).hex == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        // Reuse of the same context must not leak state between hashes.
        #expect(sha.hash(Array("abc".utf8)) == sha.hash(Array("abc".utf8)))
    }

    @Test func incrementalEqualsOneShot() throws {
        let h = try HashFunction(.sha256)
        let message = Array("the quick brown fox".utf8)
        h.begin()
        h.update(Array(message.prefix(5)))
        h.update(Array(message.dropFirst(5)))
        #expect(h.finalize() == h.hash(message))
        let node = h.node(h.hash([1]), h.hash([2]))
        #expect(node == h.hash([1] + h.hash([1]).bytes + h.hash([2]).bytes))
    }

    @Test func digestHexRoundTrip() {
        let hex = "00ff" + String(repeating: "a5", count: 30)
        #expect(Digest32(hex: hex)?.hex == hex)
        #expect(Digest32(hex: hex.uppercased()) == nil)
        #expect(Digest32(hex: "abc") == nil)
    }
}

@Suite struct SignatureTests {
    /// RFC 8032 §7.1 test 1, imported through a PKCS#8 PEM built around the raw secret key.
    @Test func ed25519RFC8032Vector() throws {
        let secret = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
        let der = Hex.decode("302e020100300506032b657004220420" + secret)!
        let pem = "-----BEGIN PRIVATE KEY-----\n\(Data(der).base64EncodedString())\n-----END PRIVATE KEY-----\n"
        let key = try SigningKey(pem: pem)
        #expect(Hex.encode(key.publicKey.rawBytes) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let sig = try key.sign([UInt8]())
        #expect(Hex.encode(sig) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(key.publicKey.verify(signature: sig, message: [UInt8]()))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func signVerifyRoundTrip(_ algorithm: SignatureAlgorithm) throws {
        let key = try SigningKey.generate(algorithm)
        let message = Array("checkpoint text\n".utf8)
        let sig = try key.sign(message)
        #expect(key.publicKey.verify(signature: sig, message: message))
        #expect(!key.publicKey.verify(signature: sig, message: message + [0]))
        var bad = sig
        bad[bad.count / 2] ^= 1
        #expect(!key.publicKey.verify(signature: bad, message: message))
        let other = try SigningKey.generate(algorithm)
        #expect(!other.publicKey.verify(signature: sig, message: message))
        // Raw and PEM round trips give the same key.
        let raw = try PublicKey(raw: key.publicKey.rawBytes, algorithm: algorithm)
        #expect(raw.verify(signature: sig, message: message))
        let reloaded = try SigningKey(pem: try key.pem())
        #expect(reloaded.publicKey == key.publicKey)
        #expect(try PublicKey(pem: try key.publicKey.pem()) == key.publicKey)
    }

    /// Alternating keys in one process: a signature is always made with the key asked for (the
    /// EVP_MD_CTX reuse trap of NOTES-interop).
    @Test func alternatingKeysSignWithTheRightKey() throws {
        let a = try SigningKey.generate(.ed25519), b = try SigningKey.generate(.ed25519)
        for i in 0..<20 {
            let m = [UInt8(i)]
            #expect(a.publicKey.verify(signature: try a.sign(m), message: m))
            #expect(b.publicKey.verify(signature: try b.sign(m), message: m))
            #expect(!a.publicKey.verify(signature: try b.sign(m), message: m))
        }
    }

    @Test func sm2SignaturesAreDERAndRandomized() throws {
        let key = try SigningKey.generate(.sm2)
        let m = Array("x".utf8)
        let s1 = try key.sign(m), s2 = try key.sign(m)
        #expect(s1 != s2)
        #expect((68...72).contains(s1.count))
        #expect(s1.first == 0x30)
    }

    @Test func errorsCarryOpenSSLQueue() throws {
        #expect(throws: OpenSSLError.self) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n") }
        #expect(throws: OpenSSLError.self) { try PublicKey(raw: [1, 2, 3], algorithm: .ed25519) }
        do {
            _ = try PublicKey(raw: [UInt8](repeating: 7, count: 65), algorithm: .sm2)
            Issue.record("a 65-byte string that is not a curve point must be rejected")
        } catch let error as OpenSSLError {
            #expect(!error.description.isEmpty)
        }
    }

    @Test func randomBytes() throws {
        let a = try secureRandomBytes(32), b = try secureRandomBytes(32)
        #expect(a.count == 32 && a != b)
    }
}

/// Interoperability with an independent implementation: the `openssl` command line.
@Suite struct OpenSSLCommandLineTests {
    @Test func openSSLVerifiesOurEd25519Signature() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try SigningKey.generate(.ed25519)
        let message = Array("example.org/log\n3\nAAAA\n".utf8)
        try Data(message).write(to: dir.appendingPathComponent("msg"))
        try Data(try key.sign(message)).write(to: dir.appendingPathComponent("sig"))
        try Data(try key.publicKey.pem().utf8).write(to: dir.appendingPathComponent("pub.pem"))
        let r = try run(try which("openssl"), ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg", "-sigfile", "sig"], cwd: dir)
        #expect(r.status == 0, "openssl said: \(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("Signature Verified Successfully"))
    }

    @Test func openSSLVerifiesOurSM2SignatureWithTheDefaultUserID() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try SigningKey.generate(.sm2)
        let message = Array("example.org/log\n3\nAAAA\n".utf8)
        try Data(message).write(to: dir.appendingPathComponent("msg"))
        try Data(try key.sign(message)).write(to: dir.appendingPathComponent("sig"))
        try Data(try key.publicKey.pem().utf8).write(to: dir.appendingPathComponent("pub.pem"))
        let openssl = try which("openssl")
        let ok = try run(openssl, ["dgst", "-sm3", "-verify", "pub.pem", "-sigopt", "distid:1234567812345678", "-signature", "sig", "msg"], cwd: dir)
        #expect(ok.status == 0 && ok.stdout.contains("Verified OK"), "openssl said: \(ok.stdout) \(ok.stderr)")
        // With another user ID the signature must not verify: the ID really is part of what was signed.
        let wrongID = try run(openssl, ["dgst", "-sm3", "-verify", "pub.pem", "-sigopt", "distid:0000000000000000", "-signature", "sig", "msg"], cwd: dir)
        #expect(wrongID.status != 0)
    }

    @Test func weVerifyOpenSSLsSM2Signature() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let openssl = try which("openssl")
        #expect(try run(openssl, ["genpkey", "-algorithm", "SM2", "-out", "k.pem"], cwd: dir).status == 0)
        #expect(try run(openssl, ["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"], cwd: dir).status == 0)
        try Data("hello".utf8).write(to: dir.appendingPathComponent("msg"))
        #expect(try run(openssl, ["dgst", "-sm3", "-sign", "k.pem", "-sigopt", "distid:1234567812345678", "-out", "sig", "msg"], cwd: dir).status == 0)
        let pub = try PublicKey(pem: String(decoding: try readBytes(dir.appendingPathComponent("pub.pem")), as: UTF8.self))
        let sig = try readBytes(dir.appendingPathComponent("sig"))
        #expect(pub.algorithm == .sm2)
        #expect(pub.verify(signature: sig, message: Array("hello".utf8)))
    }
}

/// FORMAT.md §8.1: an Ed25519 key must decode as a point (RFC 8032 §5.1.3) and must not be of small order.
@Suite struct Ed25519KeyAcceptanceTests {
    static func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex)! }
    static let zeros = String(repeating: "00", count: 31)

    @Test func validKeysAreAccepted() throws {
        // RFC 8032 §7.1, test 1.
        _ = try PublicKey(raw: Self.bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), algorithm: .ed25519)
        for _ in 0..<50 {
            let key = try SigningKey.generate(.ed25519)
            #expect(Ed25519PointCheck.problem(key.publicKey.rawBytes) == nil)
            _ = try PublicKey(raw: key.publicKey.rawBytes, algorithm: .ed25519)
        }
    }

    @Test(arguments: [
        "02" + zeros,                                                            // y = 2: x² is not a square
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",      // y = p: not below p
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",      // y = p + 1 (non-canonical 1)
        "01" + String(repeating: "00", count: 30) + "80",                        // y = 1 with the sign bit: x = 0 cannot be negative
    ])
    func pointsThatDoNotDecodeAreRefused(_ hex: String) {
        #expect(Ed25519PointCheck.problem(Self.bytes(hex)) == .notOnCurve)
        #expect(throws: OpenSSLError.self) { try PublicKey(raw: Self.bytes(hex), algorithm: .ed25519) }
    }

    @Test(arguments: [
        "01" + zeros,                                                            // the identity (order 1)
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",      // y = −1 (order 2)
        "00" + zeros,                                                            // y = 0 (order 4)
        String(repeating: "00", count: 31) + "80",                               // y = 0, the other x (order 4)
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",      // order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",      // order 8
    ])
    func smallOrderPointsAreRefused(_ hex: String) {
        #expect(Ed25519PointCheck.problem(Self.bytes(hex)) == .smallOrder)
        #expect(throws: OpenSSLError.self) { try PublicKey(raw: Self.bytes(hex), algorithm: .ed25519) }
    }
}

import LedgerCore
import LedgerCrypto
import Testing

/// Person keys and claims: known answers computed with Python's hmac and hashlib, so that anyone holding the
/// secret can recompute them (docs/DESIGN.md, "Person keys and double payments").
@Suite struct PersonKeyTests {
    static let secret = PersonKeySecret(bytes: Array(repeating: 0x5a, count: 32))!

    @Test func hmacMatchesRFC4231() throws {
        // RFC 4231 test case 2, directly and through a fixed prefix.
        let mac = try HMACSHA256(key: Array("Jefe".utf8))
        #expect(mac.authenticate(Array("what do ya want for nothing?".utf8)).hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let prefixed = try mac.prefixed(Array("what do ya ".utf8))
        let rest = Array("want for nothing?".utf8)
        #expect(rest.withUnsafeBytes { prefixed.authenticate($0) }.hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // The prefixed state is reused, never consumed.
        #expect(rest.withUnsafeBytes { prefixed.authenticate($0) }.hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func knownAnswers() throws {
        let keys = try PersonKeys(Self.secret)
        #expect(Hex.encode(keys.personKey(idNumber: "11010519491231002X")) == "6f308bf77e554922b7423421edd9756e")
        #expect(try keys.claim(idNumber: "11010519491231002X", program: "寄宿生生活补助", period: "2025-autumn").hex == "f61e09432143a38ff8e2df18e9af5d16")
        // Another period, another programme, another person: other claims; the secret decides everything.
        let base = try keys.claim(idNumber: "11010519491231002X", program: "寄宿生生活补助", period: "2025-autumn")
        #expect(try keys.claim(idNumber: "11010519491231002X", program: "寄宿生生活补助", period: "2026-spring") != base)
        #expect(try keys.claim(idNumber: "440524188001010014", program: "寄宿生生活补助", period: "2025-autumn") != base)
        let other = try PersonKeys(PersonKeySecret(bytes: Array(repeating: 0x5b, count: 32))!)
        #expect(try other.claim(idNumber: "11010519491231002X", program: "寄宿生生活补助", period: "2025-autumn") != base)
    }

    @Test func secretFileForm() throws {
        let s = try PersonKeySecret.generate()
        #expect(PersonKeySecret(fileText: s.fileText) == s && s.fileText.count == 65)
        #expect(PersonKeySecret(fileText: "abc\n") == nil && PersonKeySecret(fileText: String(repeating: "zz", count: 32)) == nil)
        #expect(PaymentClaim(bytes: PaymentClaim(high: 1, low: 2).bytes) == PaymentClaim(high: 1, low: 2))
    }
}

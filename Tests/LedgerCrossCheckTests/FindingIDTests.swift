import LedgerCore
import LedgerCrossCheck
import Testing

@Suite struct FindingIDTests {
    @Test func stableAndDistinct() throws {
        let a = try FindingID.make(rule: .personNoCert, subject: "00ff", program: "寄宿生生活补助", period: "2025-autumn")
        #expect(a == (try FindingID.make(rule: .personNoCert, subject: "00ff", program: "寄宿生生活补助", period: "2025-autumn")))
        #expect(a.count == 32)
        #expect(a != (try FindingID.make(rule: .certNoPerson, subject: "00ff", program: "寄宿生生活补助", period: "2025-autumn")))
        #expect(a != (try FindingID.make(rule: .personNoCert, subject: "00ff", program: "寄宿生生活补助", period: "2025-spring")))
        // The separators keep parts from running into each other.
        #expect((try FindingID.make(rule: .payee, subject: "ab", program: "c", period: "2025")) != (try FindingID.make(rule: .payee, subject: "a", program: "bc", period: "2025")))
    }

    @Test func nameMask() {
        #expect(NameMask.mask("张明") == "张*")
        #expect(NameMask.mask("张小明") == "张*明")
        #expect(NameMask.mask("欧阳小明") == "欧**明")
        #expect(NameMask.mask("王") == "*")
    }
}

import LedgerDisclosure
import Testing

@Suite struct DisclosureRequestTests {
    @Test func anEmptyListCoversEveryValue() {
        let all = DisclosureRequest(title: "t", publicityStart: "2025-10-08", publicityEnd: "2025-10-16", contact: "c")
        #expect(all.covers(unit: "430626", schoolCode: "S1", program: "p", period: "2025-autumn"))
        let one = DisclosureRequest(units: ["430626"], programs: ["p"], title: "t", publicityStart: "2025-10-08", publicityEnd: "2025-10-16", contact: "c")
        #expect(one.covers(unit: "430626", schoolCode: "S1", program: "p", period: "2025-autumn"))
        #expect(!one.covers(unit: "430621", schoolCode: "S1", program: "p", period: "2025-autumn"))
        #expect(!one.covers(unit: "430626", schoolCode: "S1", program: "q", period: "2025-autumn"))
    }
}

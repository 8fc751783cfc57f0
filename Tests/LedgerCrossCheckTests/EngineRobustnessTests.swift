import LedgerCore
import LedgerCrossCheck
import LedgerSamples
import Testing

/// The engine over awkward and shuffled input: nothing traps, and the findings never depend on the order of the
/// payments, the registry rows or the units.
@Suite struct EngineRobustnessTests {
    @Test func hostileValuesNeverTrap() throws {
        var s = Scenario()
        let odd = [Person(idNumber: "", name: ""), Person(idNumber: "   ", name: " "), Person(idNumber: String(repeating: "9", count: 1000), name: "甲"),
                   Person(idNumber: "43062620120304001x", name: "乙"), Person(idNumber: "４３０６２６２０１２０３０４００１Ｘ", name: "丙")]
        for p in odd {
            s.register(p, alive: false, deathDate: nil)
            s.enroll(p, unit: "", status: .deceased, statusDate: nil, studentNumber: "G")
            s.certify(p, type: "残疾人证", number: "", issuer: "", validFrom: "", validTo: "")
            s.pay(p, unit: "", program: "", stage: .preschool, amountFen: Int64.max, paidDate: "not a date", category: "未知",
                  certType: "残疾人证", certNumber: String(repeating: "x", count: 20), account: "")
            s.pay(p, unit: "", program: "", stage: .higher, amountFen: Int64.min, paidDate: "", category: "", account: " ")
        }
        let alice = Fixture.person(1)
        s.known(alice)
        s.pay(alice, amountFen: Int64.max)
        s.pay(alice, unit: "430602", amountFen: Int64.max, paidDate: "2025-10-01")
        var thresholds = Thresholds()
        thresholds.maxPersonsPerAccount = -5
        thresholds.amountToleranceFen = Int64.max
        s.configuration.thresholds = thresholds
        let findings = try s.run()
        let duplicate = try #require(findings.first { $0.rule == .duplicateProgram && $0.idNumber == alice.idNumber })
        #expect(duplicate.amountFen == Int64.max)
        // The empty ID numbers match nobody; the others are people with findings of their own.
        #expect(!findings.contains { $0.idNumber == "" })
        #expect(findings.contains { $0.rule == .idValid && $0.idNumber == odd[2].idNumber })
        // A lowercase x is the same person as X: one person key for both spellings.
        let lower = findings.filter { $0.idNumber == "43062620120304001X" }
        #expect(!lower.isEmpty)
    }

    @Test func findingsDoNotDependOnInputOrder() throws {
        var rng = SplitMix64(seed: 2025)
        var s = Scenario()
        s.units = ["430626", "430602", "430681", "430621"]
        let units = s.units
        let people = (1...120).map { Fixture.person($0, address: ["430626", "430602", "430681", "430621"][$0 % 4]) }
        for (n, p) in people.enumerated() {
            let unit = units[n % units.count]
            if n % 11 != 3 { s.register(p, name: n % 13 == 5 ? "别" + p.name : nil) }
            if n % 9 != 4 { s.enroll(p, unit: unit, boarding: n % 7 != 2, status: n % 17 == 6 ? .graduated : .enrolled, statusDate: n % 17 == 6 ? "2025-07-01" : nil) }
            if n % 5 != 1 { s.certify(p, issuer: units[(n + 1) % units.count], validTo: n % 19 == 7 ? "2025-08-31" : "2025-12-31") }
            if n % 8 == 0 { continue }  // enrolled, maybe certified, unpaid
            s.pay(p, unit: unit, boarding: n % 7 != 2, amountFen: n % 10 == 0 ? 70_000 : 75_000, paidDate: "2025-09-\(10 + n % 15)",
                  account: n % 15 < 3 ? "6222333344445555" : nil)
            if n % 14 == 1 { s.pay(p, unit: units[(n + 2) % units.count], paidDate: "2025-10-01", reversed: n % 28 == 1) }
        }
        let findings = try s.run()
        #expect(Set(findings.rules).count >= 8)
        for _ in 0..<3 {
            var shuffled = s
            shuffled.payments.shuffle(using: &rng)
            shuffled.enrollment.shuffle(using: &rng)
            shuffled.certificates.shuffle(using: &rng)
            shuffled.identity.shuffle(using: &rng)
            shuffled.units.shuffle(using: &rng)
            #expect(try shuffled.run() == findings)
        }
        // Every id is unique within a run.
        #expect(Set(findings.map(\.id)).count == findings.count)
    }
}

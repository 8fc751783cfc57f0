import LedgerCore
@testable import LedgerCrossCheck
import Testing

/// The engine's building blocks: integer ID keys agree with `IDNumber.validate`, the person index and key table
/// group exactly, standards and periods resolve as the seed configuration says, amounts never trap.
@Suite struct EngineBuildingBlockTests {
    @Test func packedIDValidityAgreesWithIDNumberValidate() {
        var ids = (1...300).map { Fixture.idNumber(address: ["110105", "440524", "430626", "990101", "000000", "710000"][$0 % 6],
                                                   birth: ["20120304", "18000101", "21001231", "17991231", "20230229", "20240229", "20121301"][$0 % 7],
                                                   sequence: $0) }
        ids += ids.map(Fixture.badChecksum)
        ids += ["11010519491231002X", "440524188001010014", "11010519491231002x", "1101051949123100", "11010519491231002Y", "1101051949123100 2X", ""]
        for id in ids {
            let expected = IDNumber.isValid(id) && IDNumberKey.provinceCodes.contains(Int(id.prefix(2)) ?? -1)
            let parsed = IDNumberKey.parse(id)
            let packedValid = parsed.map(IDNumberKey.isValid) ?? false
            // A lowercase x is not valid to IDNumber.validate (it is normalised first): compare on the normalised form.
            let normalizedExpected = IDNumber.isValid(IDNumber.normalize(id)) && IDNumberKey.provinceCodes.contains(Int(id.prefix(2)) ?? -1)
            #expect(packedValid == (id.hasSuffix("x") ? normalizedExpected : expected), "id #\(ids.firstIndex(of: id) ?? -1)")
            #expect((IDValidRule.problem(IDNumber.normalize(id)) == nil) == normalizedExpected)
        }
        // x and X are one person; other characters are not packed.
        #expect(IDNumberKey.parse("11010519491231002x")?.packed == IDNumberKey.parse("11010519491231002X")?.packed)
        #expect(IDNumberKey.parse("11010519491231002Y") == nil)
        var encoder = IDNumberKey.Encoder()
        let odd = encoder.key(" 1234 ")
        #expect(encoder.key("1234") == odd && odd >> 63 == 1)
        #expect(encoder.existingKey("5678") == nil)
        #expect(encoder.key("11010519491231002X") == encoder.key(" 11010519491231002x "))
    }

    @Test func personIndexGroupsEverySourceByPerson() {
        // payments: A B A; enrollment: C A; certificates: none; identity: B, bad
        let keys: [[UInt64?]] = [[1, 2, 1], [3, 1], [], [2, nil]]
        let index = PersonIndex(payments: 3, enrollment: 2, certificates: 0, identity: 2) { keys[$0][$1] }
        #expect(index.paidCount == 2 && index.personCount == 3 && index.keys == [1, 2, 3])
        #expect(Array(index.payments.of(0)) == [0, 2] && Array(index.payments.of(1)) == [1] && index.payments.of(2).isEmpty)
        #expect(Array(index.enrollment.of(0)) == [1] && Array(index.enrollment.of(2)) == [0])
        #expect(index.certificates.of(0).isEmpty && Array(index.identity.of(1)) == [0])
        #expect(index.person(of: 3) == 2 && index.person(of: 4) == nil)
        #expect(index.payments.of(7).isEmpty && index.payments.of(-1).isEmpty)
    }

    @Test func keyTableAndKeyedGroupsHoldManyKeysWithoutMixingThem() {
        // Keys that share their low bits, and 20,000 of them (tables grow past one probe).
        let keys: [UInt64] = (0..<20_000).map { UInt64($0) << 40 | 7 }
        let groups = KeyedGroups(rowCount: keys.count * 2) { keys[$0 % keys.count] }
        #expect(groups.groupCount == keys.count)
        for k in [0, 1, 9_999, 19_999] {
            #expect(Array(groups.rows(of: keys[k])) == [k, k + keys.count])
        }
        #expect(groups.rows(of: 12345).isEmpty && groups.group(of: UInt64.max - 1) == nil)
        #expect(PayeeRule.hash("") == nil && PayeeRule.hash("6222") != PayeeRule.hash("6223"))
    }

    @Test func standardsResolveByProgrammeStageBoardingRegionAndDate() {
        let table = StandardsTable(Fixture.standards, catalog: ProgramCatalog(Fixture.programs))
        func fen(_ program: String, _ stage: Stage, _ boarding: Bool, _ unit: String, _ date: String) -> ClosedRange<Int64>? {
            table.standard(program: program, stage: stage, boarding: boarding, unit: unit, on: date)?.paymentRangeFen
        }
        #expect(fen(Fixture.boarding, .junior, true, "430626", "2025-09-01") == 75_000...75_000)
        #expect(fen(Fixture.boarding, .junior, true, "430626", "2023-09-01") == 62_500...62_500)
        #expect(fen(Fixture.boarding, .primary, true, "430626", "2024-01-01") == 62_500...62_500)
        #expect(fen(Fixture.boarding, .junior, false, "430626", "2025-09-01") == nil)
        #expect(fen(Fixture.nonBoarding, .junior, false, "430626", "2025-09-01") == 37_500...37_500)
        #expect(fen(Fixture.seniorGrant, .senior, true, "430626", "2024-09-01") == 50_000...150_000)
        #expect(fen(Fixture.seniorGrant, .senior, false, "430626", "2025-03-01") == 75_000...175_000)
        #expect(fen("中职国家助学金", .vocational, false, "430626", "2025-03-01") == 23_000...23_000)
        #expect(fen("本专科国家助学金", .higher, false, "430626", "2024-09-01") == 25_000...50_000)
        #expect(fen(Fixture.nationalScholarship, .higher, false, "430626", "2024-01-01") == 800_000...800_000)
        #expect(fen(Fixture.preschool, .preschool, false, "430626", "2025-09-01") == 37_500...37_500)
        #expect(fen(Fixture.preschool, .preschool, false, "110105", "2025-09-01") == 30_000...30_000)
        #expect(fen(Fixture.preschool, .preschool, false, "430626", "2019-09-01") == nil)
        // A table row may name its programme by an alias.
        let aliasRow = StandardRow(program: "寄宿生补助", stage: .junior, boarding: true, region: "430626", effectiveFrom: "2025-01-01", effectiveTo: nil,
                                   yearlyMinFen: 160_000, yearlyMaxFen: 160_000, shareNumerator: 1, shareDenominator: 2, source: "local.csv line 2")
        let local = StandardsTable(Fixture.standards + [aliasRow], catalog: ProgramCatalog(Fixture.programs))
        #expect(local.standard(program: Fixture.boarding, stage: .junior, boarding: true, unit: "430626", on: "2025-09-01")?.source == "local.csv line 2")
    }

    @Test func absurdStandardsAndAmountsNeverTrap() {
        let huge = StandardRow(program: "x", stage: .junior, boarding: nil, region: "*", effectiveFrom: "2020-01-01", effectiveTo: nil,
                               yearlyMinFen: Int64.max, yearlyMaxFen: Int64.max, shareNumerator: 3, shareDenominator: 2, source: "s")
        #expect(huge.paymentBoundsFen == nil && huge.paymentRangeFen == 0...0)
        let zero = StandardRow(program: "x", stage: .junior, boarding: nil, region: "*", effectiveFrom: "2020-01-01", effectiveTo: nil,
                               yearlyMinFen: 100, yearlyMaxFen: 50, shareNumerator: 1, shareDenominator: 0, source: "s")
        #expect(zero.paymentBoundsFen == nil)
        let inverted = StandardRow(program: "x", stage: .junior, boarding: nil, region: "*", effectiveFrom: "2020-01-01", effectiveTo: nil,
                                   yearlyMinFen: 100, yearlyMaxFen: 50, shareNumerator: 1, shareDenominator: 1, source: "s")
        #expect(inverted.paymentRangeFen == 50...100)
        #expect(Money.sum([Int64.max, 1, 5]) == Int64.max && Money.sum([Int64.min, -1]) == Int64.min)
        #expect(Money.yuan(75_000) == "750.00" && Money.yuan(-5) == "-0.05" && Money.yuan(Int64.min) == "-92233720368547758.08")
        #expect(Money.subtract(Int64.min, 1) == Int64.min && Money.add(Int64.max, 1) == Int64.max)
    }

    @Test func periodsStartWhereTheThresholdsSay() {
        let t = Thresholds()
        #expect(PeriodCalendar.startDate(of: "2025-autumn", thresholds: t) == "2025-09-01")
        #expect(PeriodCalendar.startDate(of: "2025-spring", thresholds: t) == "2025-03-01")
        #expect(PeriodCalendar.startDate(of: "2025-07", thresholds: t) == "2025-07-01")
        #expect(PeriodCalendar.startDate(of: "2025", thresholds: t) == "2025-01-01")
        #expect(PeriodCalendar.startDate(of: "2025-13", thresholds: t) == nil)
        #expect(PeriodCalendar.startDate(of: "2025年秋季", thresholds: t) == nil)
        var late = Thresholds()
        late.autumnTermStart = "08-25"
        #expect(PeriodCalendar.startDate(of: "2025-autumn", thresholds: late) == "2025-08-25")
        #expect(PeriodCalendar.schedule(of: "2025-autumn") == .term && PeriodCalendar.schedule(of: "2025-09") == .monthly)
        #expect(PeriodCalendar.schedule(of: "2025") == .yearly && PeriodCalendar.schedule(of: "25") == nil)
    }

    @Test func programmeCatalogueFindsAliases() {
        let catalog = ProgramCatalog(Fixture.programs)
        #expect(catalog.canonicalName(of: " 家庭经济困难寄宿生生活补助 ") == Fixture.boarding)
        #expect(catalog.canonicalName(of: "普高国家助学金") == Fixture.seniorGrant)
        #expect(catalog.canonicalName(of: "营养餐") == "营养餐" && catalog.definition(of: "营养餐") == nil)
        #expect(catalog.definition(of: "中等职业教育国家助学金")?.schedule == .monthly)
    }
}

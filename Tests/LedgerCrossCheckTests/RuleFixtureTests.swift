import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import Testing

/// One fixture per rule, positive and negative, on a clean baseline: each scenario adds exactly the irregularity
/// it tests and asserts every finding of the run (rule, unit, entries, amount), so a rule that fires where it
/// should not fails the test too. `Scenario.run` also checks that the same findings (ids included) come out
/// when every input is given in reverse order.
@Suite struct RuleFixtureTests {
    let alice = Fixture.person(1, name: "李小红")
    let bob = Fixture.person(2, name: "王小明")
    let carol = Fixture.person(3, name: "赵小丽")

    // MARK: baseline

    @Test func cleanPaymentsGiveNoFinding() throws {
        var s = Scenario()
        for p in [alice, bob, carol] {
            s.known(p)
            s.pay(p)
        }
        #expect(try s.run().isEmpty)
    }

    // MARK: XC-01 ID_VALID

    @Test func xc01BadChecksumProvinceAndBirthDate() throws {
        var s = Scenario()
        let bad = Person(idNumber: Fixture.badChecksum(alice.idNumber), name: alice.name)
        let noProvince = Person(idNumber: Fixture.idNumber(address: "991234", sequence: 5), name: "钱小华")
        let bornLate = Person(idNumber: Fixture.idNumber(birth: "20251001", sequence: 6), name: "孙小军")
        for p in [bad, noProvince, bornLate] {
            s.register(p)
            s.enroll(p, unit: "430621")  // a unit not inspected in this run: its rows are not checked
            s.certify(p, issuer: "430681")
        }
        let p1 = s.pay(bad)
        let p2 = s.pay(noProvince, unit: "430602")
        let p3 = s.pay(bornLate, paidDate: "2025-09-20")
        let findings = try s.run()
        // The certificate rows were issued by an inspected unit (430681): each invalid ID is also reported there.
        let fromPayments = findings.of(.idValid).filter { !$0.entries.isEmpty }
        #expect(fromPayments.count == 3)
        for (payment, expectedUnit) in [(p1, "430626"), (p2, "430602"), (p3, "430626")] {
            let f = try #require(fromPayments.first { $0.entries == [payment.entry] })
            #expect(f.unit == expectedUnit)
            #expect(f.program == Fixture.boarding)
            #expect(f.amountFen == 75000)
            #expect(f.severity == .medium)
        }
        let fromRows = findings.of(.idValid).filter { $0.entries.isEmpty }
        #expect(Set(fromRows.map(\.idNumber)) == [bad.idNumber, noProvince.idNumber])
        #expect(fromRows.allSatisfy { $0.unit == "430681" && $0.program == nil })
        #expect(findings.count == 5)
    }

    @Test func xc01ValidIDAndRegistryRowsOfOtherUnitsAreNoFinding() throws {
        var s = Scenario()
        s.known(alice)
        s.pay(alice)
        let outsider = Person(idNumber: Fixture.badChecksum(bob.idNumber), name: bob.name)
        s.enroll(outsider, unit: "430621")  // not inspected in this run
        #expect(try s.run().isEmpty)
        // Once its unit is inspected, the row is reported there, with no entries.
        s.units.append("430621")
        let findings = try s.run()
        let f = try #require(findings.only)
        #expect(f.rule == .idValid && f.unit == "430621" && f.entries.isEmpty && f.idNumber == outsider.idNumber)
    }

    // MARK: XC-02 PERSON_NO_CERT

    @Test func xc02CertificateMustBeValidOnTheFirstDayOfTheTerm() throws {
        // Valid until the day before the term starts: finding.
        var s = Scenario()
        s.register(alice)
        s.enroll(alice)
        s.certify(alice, validFrom: "2025-01-01", validTo: "2025-08-31")
        let payment = s.pay(alice)
        let f = try #require(try s.run().only)
        #expect(f.rule == .personNoCert && f.unit == "430626" && f.entries == [payment.entry] && f.severity == .high)
        #expect(f.program == Fixture.boarding && f.amountFen == 75000)
        #expect(f.evidence.contains { $0.source == "certificates" && $0.field == "why" && $0.value.contains("2025-08-31") })
        #expect(f.evidence.contains { $0.field == "category" && $0.value == "低保" && $0.personal })

        // Valid on the start day: none.
        var t = Scenario()
        t.register(alice)
        t.enroll(alice)
        t.certify(alice, validFrom: "2025-01-01", validTo: "2025-09-01")
        t.pay(alice)
        #expect(try t.run().isEmpty)
    }

    @Test func xc02CancelledNotYetValidWrongTypeAndNoCategory() throws {
        var s = Scenario()
        for p in [alice, bob, carol] {
            s.register(p)
            s.enroll(p)
        }
        s.certify(alice, status: .cancelled)
        s.certify(bob, validFrom: "2025-09-02", validTo: nil)
        s.certify(carol, type: "孤儿证")
        let a = s.pay(alice), b = s.pay(bob), c = s.pay(carol)
        let dave = Fixture.person(4)
        s.register(dave)
        s.enroll(dave)
        let d = s.pay(dave, category: nil)
        let findings = try s.run()
        #expect(findings.rules == [.personNoCert, .personNoCert, .personNoCert, .personNoCert])
        #expect(Set(findings.map(\.entries)) == [[a.entry], [b.entry], [c.entry], [d.entry]])
        let noCategory = try #require(findings.first { $0.entries == [d.entry] })
        #expect(noCategory.summary.contains("未填写困难类型"))
        let wrongType = try #require(findings.first { $0.entries == [c.entry] })
        #expect(wrongType.evidence.contains { $0.value == "证件类型不能证明所报困难类型" })
    }

    @Test func xc02CertificateOfAnotherUnitCountsAndOtherCategoryIsNotChecked() throws {
        var s = Scenario()
        s.register(alice)
        s.enroll(alice)
        s.certify(alice, issuer: "430681")  // issued elsewhere: still evidence
        s.pay(alice)
        s.register(bob)
        s.enroll(bob)
        s.pay(bob, program: Fixture.seniorGrant, stage: .senior, boarding: false, amountFen: 100000, category: "其他")  // no registry proves 其他
        s.register(carol)
        s.enroll(carol)
        s.pay(carol, program: Fixture.nationalScholarship, period: "2025", stage: .higher, amountFen: 1_000_000, category: nil)  // no category needed
        s.units = ["430626"]
        #expect(try s.run().isEmpty)
    }

    // MARK: XC-03 CERT_NO_PERSON

    @Test func xc03NoIdentityOrNoEnrollment() throws {
        var s = Scenario()
        s.enroll(alice)
        s.certify(alice)
        let a = s.pay(alice)  // no identity row
        s.register(bob)
        s.certify(bob)
        let b = s.pay(bob, unit: "430602")  // no enrollment row
        s.known(carol)
        s.pay(carol)
        let findings = try s.run()
        #expect(findings.rules == [.certNoPerson, .certNoPerson])
        let fa = try #require(findings.first { $0.entries == [a.entry] })
        #expect(fa.unit == "430626" && fa.program == nil && fa.evidence.contains { $0.source == "identity" && $0.value == "无记录" })
        let fb = try #require(findings.first { $0.entries == [b.entry] })
        #expect(fb.unit == "430602" && fb.evidence.contains { $0.source == "enrollment" && $0.value == "无记录" })
    }

    @Test func xc03AnExitRowIsStillAnEnrollmentRow() throws {
        var s = Scenario()
        s.register(alice)
        s.enroll(alice, status: .graduated, statusDate: "2025-10-01")
        s.certify(alice)
        s.pay(alice, paidDate: "2025-09-20")  // before graduating: no XC-07 either
        #expect(try s.run().isEmpty)
    }

    // MARK: XC-04 NAME_ID_MISMATCH

    @Test func xc04SameIDDifferentName() throws {
        var s = Scenario()
        s.known(alice)
        let a = s.pay(alice, name: "李晓红")
        let f = try #require(try s.run().only)
        #expect(f.rule == .nameIDMismatch && f.unit == "430626" && f.entries == [a.entry] && f.program == nil)
        #expect(f.name == alice.name)  // the identity registry's name is the reference
        #expect(f.evidence.contains { $0.source == "identity" && $0.value == alice.name && $0.personal })
        #expect(f.evidence.contains { $0.source == "payment" && $0.value == "李晓红" && $0.personal })
        #expect(!f.summary.contains("李"))

        // Without an identity row the names still disagree (and XC-03 reports the missing row).
        var t = Scenario()
        t.enroll(alice, name: "李晓红")
        t.certify(alice)
        t.pay(alice)
        #expect(try t.run().rules == [.certNoPerson, .nameIDMismatch])
    }

    @Test func xc04SameNameDifferentIDIsNoFinding() throws {
        var s = Scenario()
        let twin = Fixture.person(7, name: alice.name)
        for p in [alice, twin] {
            s.known(p)
            s.pay(p)
        }
        s.pay(alice, unit: "430602", reversed: true)  // reversed payments are not looked at
        #expect(try s.run().isEmpty)
    }

    // MARK: XC-05 DUP_PROGRAM

    @Test func xc05UnreversedDuplicateAcrossTwoLedgers() throws {
        var s = Scenario()
        s.known(alice)
        let first = s.pay(alice, unit: "430626", paidDate: "2025-09-20")
        let second = s.pay(alice, unit: "430602", paidDate: "2025-09-25")
        let f = try #require(try s.run().only)
        #expect(f.rule == .duplicateProgram && f.unit == "430602" && f.entries == [first.entry, second.entry].sorted())
        #expect(f.amountFen == 75000 && f.program == Fixture.boarding && f.severity == .high)
    }

    @Test func xc05ReversedDuplicateAndSupplementaryInTheSameUnitAreNoFinding() throws {
        var s = Scenario()
        s.known(alice)
        s.pay(alice, unit: "430626")
        s.pay(alice, unit: "430602", reversed: true)
        s.known(bob)
        s.pay(bob, amountFen: 50000, paidDate: "2025-09-20")
        s.pay(bob, amountFen: 25000, paidDate: "2025-10-20", supplementary: "少发补足")
        // Bob's two payments are each off the standard (XC-08), but not a duplicate.
        #expect(try s.run().rules == [.amountStandard])

        // A supplementary payment by another unit is a duplicate.
        var t = Scenario()
        t.known(bob)
        t.pay(bob, unit: "430626", paidDate: "2025-09-20")
        let other = t.pay(bob, unit: "430681", paidDate: "2025-10-20", supplementary: "补发")
        let f = try #require(try t.run().only)
        #expect(f.rule == .duplicateProgram && f.unit == "430681" && f.amountFen == other.amountFen && f.entries.count == 2)
    }

    @Test func xc05AliasNamesAreOneProgramme() throws {
        var s = Scenario()
        s.known(alice)
        s.pay(alice, program: "寄宿生补助")  // alias alone: clean
        #expect(try s.run().isEmpty)
        s.pay(alice, unit: "430602", program: " 义务教育寄宿生生活补助 ", paidDate: "2025-09-21")
        let f = try #require(try s.run().only)
        #expect(f.rule == .duplicateProgram && f.program == Fixture.boarding && f.unit == "430602")
    }

    // MARK: XC-06 MUTEX

    @Test func xc06BoardingAndNonBoardingInOneTerm() throws {
        var s = Scenario()
        s.known(alice)
        let a = s.pay(alice, paidDate: "2025-09-20")
        let b = s.pay(alice, unit: "430602", program: Fixture.nonBoarding, boarding: false, amountFen: 37500, paidDate: "2025-09-22")
        let f = try #require(try s.run().only)
        #expect(f.rule == .mutex && f.unit == "430602" && f.entries == [a.entry, b.entry].sorted() && f.program == nil)
        #expect(f.amountFen == 112_500)
        #expect(f.id == (try FindingID.make(rule: .mutex, subject: f.personKey ?? "", program: "\(Fixture.boarding)×\(Fixture.nonBoarding)", period: "2025-autumn")))
    }

    @Test func xc06ScholarshipsOfOneYearAndTwoStages() throws {
        var s = Scenario()
        s.period = "2025"
        s.register(alice)
        s.enroll(alice, stage: .higher, boarding: false)
        s.certify(alice)
        s.pay(alice, program: Fixture.nationalScholarship, period: "2025", stage: .higher, amountFen: 1_000_000, paidDate: "2025-11-01", category: nil)
        s.pay(alice, program: Fixture.inspirationScholarship, period: "2025", stage: .higher, amountFen: 600_000, paidDate: "2025-11-02")
        // Bob: 国家奖学金 in 2024, 国家励志奖学金 in 2025: different years, no finding.
        s.register(bob)
        s.enroll(bob, stage: .higher, boarding: false)
        s.certify(bob)
        s.pay(bob, program: Fixture.nationalScholarship, period: "2024", stage: .higher, amountFen: 1_000_000, paidDate: "2024-11-01", category: nil)
        s.pay(bob, program: Fixture.inspirationScholarship, period: "2025", stage: .higher, amountFen: 600_000, paidDate: "2025-11-02")
        let f = try #require(try s.run().only)
        #expect(f.rule == .mutex && f.idNumber == alice.idNumber && f.entries.count == 2)

        var t = Scenario()
        t.known(carol)
        t.pay(carol)
        let senior = t.pay(carol, program: Fixture.seniorGrant, stage: .senior, boarding: false, amountFen: 100_000, paidDate: "2025-09-30")
        let g = try #require(try t.run().only)
        #expect(g.rule == .mutex && g.unit == senior.unit && g.entries.count == 2 && g.summary.contains("学段"))
    }

    // MARK: XC-07 STATUS_AFTER_EXIT

    @Test func xc07TransferBetweenTwoUnits() throws {
        var s = Scenario()
        s.register(alice)
        s.enroll(alice, unit: "430626", status: .transferredOut, statusDate: "2025-03-15")
        s.enroll(alice, unit: "430602")
        s.certify(alice)
        s.pay(alice, unit: "430602", paidDate: "2025-09-20")  // paid by the new unit: fine
        #expect(try s.run().isEmpty)

        var t = Scenario()
        t.register(alice)
        t.enroll(alice, unit: "430626", status: .transferredOut, statusDate: "2025-03-15")
        t.enroll(alice, unit: "430602")
        t.certify(alice)
        let old = t.pay(alice, unit: "430626", paidDate: "2025-09-20")  // paid by the old unit after the transfer
        let f = try #require(try t.run().only)
        #expect(f.rule == .statusAfterExit && f.unit == "430626" && f.entries == [old.entry] && f.severity == .high)
        #expect(f.evidence.contains { $0.source == "enrollment" && $0.field == "status" && $0.value == "转出" })

        // Paid by the old unit on the day of the transfer: not after it.
        var u = Scenario()
        u.period = "2025-spring"
        u.register(alice)
        u.enroll(alice, unit: "430626", status: .transferredOut, statusDate: "2025-03-15")
        u.enroll(alice, unit: "430602")
        u.certify(alice)
        u.pay(alice, unit: "430626", paidDate: "2025-03-15")
        #expect(try u.run().isEmpty)
    }

    @Test func xc07DeceasedStudentPaidBeforeAndAfterDeath() throws {
        var s = Scenario()
        s.register(alice, alive: false, deathDate: "2025-10-01")
        s.enroll(alice)
        s.certify(alice)
        s.pay(alice, paidDate: "2025-09-20")
        #expect(try s.run().isEmpty)

        var t = Scenario()
        t.register(alice, alive: false, deathDate: "2025-10-01")
        t.enroll(alice)
        t.certify(alice)
        let late = t.pay(alice, paidDate: "2025-10-15")
        let f = try #require(try t.run().only)
        #expect(f.rule == .statusAfterExit && f.entries == [late.entry] && f.summary.contains("死亡日期"))
    }

    @Test func xc07SuspendedThenReenrolledAtTheSameSchool() throws {
        var s = Scenario()
        s.register(alice)
        s.enroll(alice, status: .suspended, statusDate: "2025-03-01")
        s.enroll(alice)
        s.certify(alice)
        s.pay(alice)
        #expect(try s.run().isEmpty)

        var t = Scenario()
        t.register(alice)
        t.enroll(alice, status: .droppedOut, statusDate: "2025-06-30")
        t.certify(alice)
        t.pay(alice)
        #expect(try t.run().rules == [.statusAfterExit])
    }

    // MARK: XC-08 AMOUNT_STD

    @Test func xc08StandardIncreaseOf2024() throws {
        var s = Scenario()
        s.period = "2023-autumn"
        s.register(alice)
        s.enroll(alice)
        s.certify(alice, validFrom: "2020-01-01", validTo: nil)
        s.pay(alice, period: "2023-autumn", amountFen: 62_500, paidDate: "2023-09-20")  // 1250/2: the old rate, fine in 2023
        #expect(try s.run().isEmpty)

        var t = Scenario()
        t.period = "2024-autumn"
        t.register(alice)
        t.enroll(alice)
        t.certify(alice, validFrom: "2020-01-01", validTo: nil)
        let p = t.pay(alice, period: "2024-autumn", amountFen: 62_500, paidDate: "2024-09-20")  // the old rate after the increase
        let f = try #require(try t.run().only)
        #expect(f.rule == .amountStandard && f.entries == [p.entry] && f.amountFen == 62_500)
        #expect(f.evidence.contains { $0.source == "standards" && $0.locator == "standards.csv line 5" && $0.value == "750.00" })
    }

    @Test func xc08RangesIncreaseOf2025AndToleranceAndRegion() throws {
        var s = Scenario()
        s.known(alice, stage: .senior, boarding: false)
        s.known(bob, stage: .senior, boarding: false)
        s.pay(alice, program: Fixture.seniorGrant, stage: .senior, boarding: false, amountFen: 175_000)  // top of 1500–3500/2
        let over = s.pay(bob, program: Fixture.seniorGrant, stage: .senior, boarding: false, amountFen: 175_001)
        let f = try #require(try s.run().only)
        #expect(f.rule == .amountStandard && f.entries == [over.entry])
        s.configuration.thresholds.amountToleranceFen = 1
        #expect(try s.run().isEmpty)

        // 学前资助: Yueyang's own standard (region 4306) beats the general one.
        var t = Scenario()
        t.known(alice, stage: .preschool, boarding: false)
        t.pay(alice, program: Fixture.preschool, stage: .preschool, boarding: false, amountFen: 37_500)
        #expect(try t.run().isEmpty)
        t.payments.removeAll()
        t.pay(alice, program: Fixture.preschool, stage: .preschool, boarding: false, amountFen: 30_000)
        #expect(try t.run().rules == [.amountStandard])
    }

    @Test func xc08UnknownProgrammeOrStageHasNoStandard() throws {
        var s = Scenario()
        s.known(alice, stage: .senior, boarding: false)
        let p = s.pay(alice, program: "营养餐补助", amountFen: 50_000)
        s.known(bob)
        let q = s.pay(bob, stage: .senior)  // boarding subsidy has no senior standard
        let findings = try s.run()
        #expect(findings.rules == [.amountStandard, .amountStandard])
        let unknown = try #require(findings.first { $0.entries == [p.entry] })
        #expect(unknown.program == "营养餐补助" && unknown.summary.contains("没有适用的资助标准"))
        #expect(findings.contains { $0.entries == [q.entry] })
    }

    // MARK: XC-10 PAYEE

    @Test func xc10AccountSharedByTwoIsFineByThreeIsAFinding() throws {
        var s = Scenario()
        for p in [alice, bob] {
            s.known(p)
            s.pay(p, account: "6222000011112222")
        }
        #expect(try s.run().isEmpty)

        s.known(carol, unit: "430602")
        let c = s.pay(carol, unit: "430602", account: "6222000011112222")
        let f = try #require(try s.run().only)
        #expect(f.rule == .payee && f.unit == "430626" && f.entries.count == 3 && f.entries.contains(c.entry))
        #expect(f.personKey == nil && f.amountFen == 225_000)
        let keys = try Fixture.personKeys()
        let subject = "account:" + Hex.encode(keys.personKey(idNumber: "account:6222000011112222"))
        #expect(f.id == (try FindingID.make(rule: .payee, subject: subject, program: "", period: "2025-autumn")))
        #expect(f.evidence.filter { $0.value.contains("6222000011112222") }.allSatisfy { $0.personal })
    }

    // MARK: XC-11 METHOD

    @Test func xc11MealCardOnlyWhereAllowed() throws {
        var s = Scenario()
        s.known(alice)
        s.pay(alice, accountType: .mealCard)  // allowed for the boarding subsidy
        #expect(try s.run().isEmpty)
        s.known(bob, stage: .senior, boarding: false)
        let p = s.pay(bob, program: Fixture.seniorGrant, stage: .senior, boarding: false, amountFen: 100_000, accountType: .mealCard)
        let f = try #require(try s.run().only)
        #expect(f.rule == .method && f.entries == [p.entry] && f.severity == .low && f.summary.contains("餐卡"))
    }

    // MARK: XC-16 DISAB_CERT

    @Test func xc16DisabilityCertificateNumber() throws {
        var s = Scenario()
        s.register(alice)
        s.enroll(alice)
        s.certify(alice, type: "残疾人证", number: alice.idNumber + "42")
        s.pay(alice, category: "残疾", certType: "残疾人证", certNumber: alice.idNumber + "42")
        #expect(try s.run().isEmpty)

        // A bad type digit (8) in the payment: reported once, from the payment, though the registry row has it too.
        var t = Scenario()
        t.register(alice)
        t.enroll(alice)
        t.certify(alice, type: "残疾人证", number: alice.idNumber + "82")
        let p = t.pay(alice, category: "残疾", certType: "残疾人证", certNumber: alice.idNumber + "82")
        let f = try #require(try t.run().only)
        #expect(f.rule == .disabilityCertificate && f.entries == [p.entry] && f.unit == "430626")
        #expect(f.evidence.contains { $0.field == "why" && $0.value.contains("第19位") })
        #expect(!f.summary.contains(alice.idNumber))

        // Only in the registry (another holder's ID in the number), issued by 430681: the issuer is responsible.
        var u = Scenario()
        u.register(bob)
        u.enroll(bob)
        u.certify(bob, type: "残疾人证", number: alice.idNumber + "21", issuer: "430681")
        u.pay(bob, category: "残疾")
        let g = try #require(try u.run().only)
        #expect(g.rule == .disabilityCertificate && g.unit == "430681" && g.entries.isEmpty && g.idNumber == bob.idNumber)
        let keys = try Fixture.personKeys()
        let subject = "cert:" + Hex.encode(keys.personKey(idNumber: "cert:" + alice.idNumber + "21"))
        #expect(g.id == (try FindingID.make(rule: .disabilityCertificate, subject: subject, program: "", period: "2025-autumn")))
    }

    // MARK: XC-17 XJH_MATCH

    @Test func xc17StudentNumber() throws {
        var s = Scenario()
        s.register(alice)
        s.enroll(alice, studentNumber: "L2025000001")  // a temporary number: not checked
        s.certify(alice)
        s.pay(alice)
        let endsInX = try #require((1...999).lazy.map { Fixture.person($0, name: "周小伟") }.first { $0.idNumber.hasSuffix("X") })
        s.register(endsInX)
        s.enroll(endsInX, studentNumber: "G" + endsInX.idNumber.dropLast() + "x")  // a lowercase x is the same number
        s.certify(endsInX)
        s.pay(endsInX)
        #expect(try s.run().isEmpty)

        var t = Scenario()
        t.register(carol)
        t.enroll(carol, unit: "430602", studentNumber: "G" + alice.idNumber)
        t.certify(carol)
        t.pay(carol, unit: "430602")
        let f = try #require(try t.run().only)
        #expect(f.rule == .studentNumberMatch && f.unit == "430602" && f.entries.isEmpty && f.idNumber == carol.idNumber)
    }

    // MARK: XC-18 UNIT_MAP

    @Test func xc18UnknownUnitCodes() throws {
        var s = Scenario()
        s.units.append("YY-JK")
        s.known(alice, unit: "YY-JK")  // a local code in the table
        s.pay(alice, unit: "YY-JK")
        #expect(try s.run().isEmpty)

        s.known(bob)
        let p = s.pay(bob, unit: "430699")
        s.register(carol)
        s.enroll(carol, unit: "430698")
        s.certify(carol)
        s.pay(carol)
        let findings = try s.run()
        // 430699 paid Bob (who is enrolled in 430626: no enrollment row there, so no XC-20); 430698 enrolled Carol.
        #expect(findings.rules == [.unitMap, .unitMap])
        let paying = try #require(findings.first { $0.unit == "430699" })
        #expect(paying.entries == [p.entry] && paying.amountFen == 75000 && paying.personKey == nil)
        #expect(paying.id == (try FindingID.make(rule: .unitMap, subject: "unit:430699", program: "", period: "2025-autumn")))
        let enrolling = try #require(findings.first { $0.unit == "430698" })
        #expect(enrolling.entries.isEmpty && enrolling.evidence.contains { $0.source == "enrollment" })
    }

    // MARK: XC-20 ELIGIBLE_UNPAID

    @Test func xc20EnrolledCertifiedAndUnpaid() throws {
        var s = Scenario()
        s.known(alice)
        let f = try #require(try s.run().only)
        #expect(f.rule == .eligibleUnpaid && f.unit == "430626" && f.schoolCode == "S430626-01" && f.program == Fixture.boarding)
        #expect(f.entries.isEmpty && f.amountFen == 75000 && f.idNumber == alice.idNumber)
        s.pay(alice)
        #expect(try s.run().isEmpty)
        // A reversed payment does not count as paid.
        s.payments.removeAll()
        s.pay(alice, reversed: true)
        #expect(try s.run().rules == [.eligibleUnpaid])
    }

    @Test func xc20NotForOtherUnitsTheDeadExpiredCertificatesOrTheWrongSchedule() throws {
        var s = Scenario()
        s.known(alice, unit: "430621")  // not an inspected unit
        s.register(bob, alive: false, deathDate: "2025-06-01")
        s.enroll(bob)
        s.certify(bob)
        s.register(carol)
        s.enroll(carol)
        s.certify(carol, validTo: "2025-08-31")
        let dave = Fixture.person(4)
        s.register(dave)
        s.enroll(dave, status: .graduated, statusDate: "2025-07-01")
        s.certify(dave)
        #expect(try s.run().isEmpty)

        // A non-boarder qualifies for the non-boarding subsidy only, in terms, not in a month.
        var t = Scenario()
        t.register(alice)
        t.enroll(alice, boarding: false)
        t.certify(alice)
        let f = try #require(try t.run().only)
        #expect(f.program == Fixture.nonBoarding && f.amountFen == 37_500)
        t.period = "2025-09"
        #expect(try t.run().isEmpty)
    }

    // MARK: engine

    @Test func findingIDsAreStableAcrossRunsAndInputOrder() throws {
        var s = Scenario()
        s.known(alice)
        s.pay(alice, unit: "430626", paidDate: "2025-09-20")
        s.pay(alice, unit: "430602", paidDate: "2025-09-25")
        s.register(bob)
        s.enroll(bob)
        s.pay(bob, name: "王晓明")
        let first = try s.run()
        var shuffled = s
        shuffled.payments.reverse()
        shuffled.enrollment.reverse()
        shuffled.certificates.reverse()
        shuffled.identity.reverse()
        let second = try shuffled.run()
        #expect(first.map(\.id) == second.map(\.id))
        #expect(first == second)
        #expect(first.rules.sorted() == [.personNoCert, .nameIDMismatch, .duplicateProgram])
        let keys = try Fixture.personKeys()
        let dup = try #require(first.of(.duplicateProgram).only)
        #expect(dup.id == (try FindingID.make(rule: .duplicateProgram, subject: Hex.encode(keys.personKey(idNumber: alice.idNumber)),
                                               program: Fixture.boarding, period: "2025-autumn")))
    }

    @Test func findingsAreSortedByUnitRulePersonAndID() throws {
        var s = Scenario()
        s.enroll(alice, unit: "430602")
        s.pay(alice, unit: "430602", program: Fixture.seniorGrant, stage: .senior, boarding: false, amountFen: 100_000, accountType: .mealCard)
        s.pay(bob)
        s.pay(carol)
        let findings = try s.run()
        let keys = findings.map { [$0.unit, $0.rule.rawValue, $0.personKey ?? "", $0.id] }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(findings.first?.unit == "430602")
    }

    @Test func onlyEnabledRulesRunWithTheirSeverityAndAction() throws {
        var s = Scenario()
        s.pay(alice)  // no registry row at all: XC-02, XC-03
        #expect(try s.run().rules == [.personNoCert, .certNoPerson])
        s.configuration = Fixture.configuration(rules: [RuleSetting(rule: .certNoPerson, enabled: true, severity: .low, action: "核实"),
                                                       RuleSetting(rule: .personNoCert, enabled: false, severity: .high, action: "x")])
        let f = try #require(try s.run().only)
        #expect(f.rule == .certNoPerson && f.severity == .low && f.action == "核实")
    }

    @Test func erasedIDOpeningsAndOtherPeriodsAreNotMatched() throws {
        var s = Scenario()
        var erased = s.pay(alice)
        s.payments.removeAll()
        erased = PaidItem(entry: erased.entry, batchID: erased.batchID, unit: erased.unit, schoolCode: erased.schoolCode, schoolName: erased.schoolName,
                          program: erased.program, period: erased.period, stage: erased.stage, grade: erased.grade, boarding: erased.boarding,
                          amountFen: erased.amountFen, accountType: erased.accountType, paidDate: erased.paidDate, personal: [:])
        s.payments.append(erased)
        s.pay(bob, period: "2025-spring", paidDate: "2025-03-20")  // another period: context only
        #expect(try s.run().isEmpty)
    }

    @Test func malformedPeriodOrTermStartIsRefused() throws {
        var s = Scenario()
        s.period = "2025-fall"
        #expect(throws: CrossCheckRunError.malformedPeriod) { try s.run() }
        s.period = "2025-autumn"
        s.configuration.thresholds.autumnTermStart = "09-31"
        #expect(throws: CrossCheckRunError.malformedTermStart("autumnTermStart")) { try s.run() }
    }

    @Test func summariesAndPlainEvidenceHoldNoPersonalValue() throws {
        var s = Scenario()
        let people = (1...8).map { Fixture.person($0) }
        for p in people { s.register(p) }
        s.enroll(people[0], status: .transferredOut, statusDate: "2025-03-01")
        s.certify(people[0], type: "残疾人证", number: people[0].idNumber + "92")
        s.pay(people[0], category: "残疾", certType: "残疾人证", certNumber: people[0].idNumber + "92", account: "6222999988887777")
        s.pay(people[1], unit: "430699", category: "孤儿", account: "6222999988887777", name: "别名")
        s.pay(people[2], program: Fixture.seniorGrant, stage: .senior, boarding: false, amountFen: 100_000, accountType: .mealCard, account: "6222999988887777")
        s.pay(Person(idNumber: Fixture.badChecksum(people[3].idNumber), name: people[3].name), category: "特困")
        s.enroll(people[4], studentNumber: "G" + people[5].idNumber)
        s.pay(people[4], category: "监测")
        s.known(people[6])
        let findings = try s.run()
        #expect(Set(findings.rules).count >= 8)
        let secrets = people.flatMap { [$0.idNumber, $0.name, String($0.idNumber.prefix(17))] }
            + ["6222999988887777", "别名", "残疾", "孤儿", "特困", "监测", "低保"]
        for f in findings {
            for value in secrets {
                #expect(!f.summary.contains(value), "summary of \(f.rule.rawValue) holds a personal value")
                for e in f.evidence where !e.personal {
                    #expect(!e.value.contains(value), "plain evidence of \(f.rule.rawValue) holds a personal value")
                }
            }
        }
    }
}

extension Array {
    /// The one element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}

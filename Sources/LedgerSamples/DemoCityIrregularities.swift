import LedgerCore

/// The demo city's injected irregularities and edge cases (the answer key at the top of DemoCity.swift), each
/// recording the findings a correct engine must produce for it. Every injected student is clean except for the
/// one thing the injection changes, so that it produces exactly the findings listed.
extension DemoCityBuilder {
    mutating func injectIrregularities() {
        invalidIDNumbers()
        personsWithoutCertificate()
        certificatesWithoutPerson()
        nameMismatches()
        duplicatePayments()
        mutuallyExclusivePayments()
        paymentsAfterExit()
        offStandardAmounts()
        sharedAccounts()
        disallowedMethods()
        badDisabilityCertificates()
        wrongStudentNumbers()
        unknownUnitCodes()
        eligibleButUnpaid()
        edgeCasesWithoutFinding()
    }

    // MARK: - helpers

    /// `id` with its check character replaced by another one (a typing error the checksum catches).
    static func wrongCheckCharacter(_ id: String) -> String {
        let characters = Array("10X98765432")
        let last = id.last ?? "0"
        let index = characters.firstIndex(of: last) ?? 0
        return String(id.dropLast()) + String(characters[(index + 1) % characters.count])
    }

    /// `id` with the province code replaced and the check character recomputed: well-formed, but no province.
    static func withProvince(_ province: String, _ id: String) -> String {
        let first17 = province + String(id.dropFirst(2).prefix(15))
        return first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8)))
    }

    /// A different name with the same surname (a misspelling or a former name).
    mutating func otherName(than name: String) -> String {
        let surname = String(name.prefix(1))
        var other = personName(surname: surname)
        while other == name { other = personName(surname: surname) }
        return other
    }

    /// An adult of `unit` (not a student): a certificate holder or a parent.
    mutating func newAdult(unit: String, birthYear: Int) -> DemoPerson {
        DemoPerson(id: newID(address: addressCode(unit), birthYear: birthYear), name: personName(), unit: unit, school: schools(unit, .senior)[0],
                   stage: .senior, grade: 12, boarding: false, account: newAccount())
    }

    // MARK: - XC-01 ID_VALID

    mutating func invalidIDNumbers() {
        // A fabricated student: province code 99, found in no registry.
        var phantom = newStudent(unit: "430603", stage: .primary, boarding: true)
        phantom.id = Self.withProvince("99", phantom.id)
        certificatesIssued += 1
        phantom.category = "低保"
        phantom.certType = "低保证"
        phantom.certNumber = "DB430603-" + zeroPadded(certificatesIssued, 7)
        pay(phantom, .boarding, by: "430603")
        expect("XC-01", "430603", phantom.id, .boarding, "paid an ID number whose province code does not exist")
        expect("XC-02", "430603", phantom.id, .boarding, "the fabricated student holds no certificate")
        expect("XC-03", "430603", phantom.id, .boarding, "the fabricated student is in no identity or enrollment row")

        // An enrollment row with a wrong check character (the student is in the identity register correctly).
        var student = newStudent(unit: "430621", stage: .junior, boarding: false)
        register(student)
        student.id = Self.wrongCheckCharacter(student.id)
        enroll(student)
        expect("XC-01", "430621", student.id, nil, "an enrollment row whose ID number has a wrong check character")

        // A 低保证 whose holder's ID number has a wrong check character.
        var adult = newAdult(unit: "430682", birthYear: 1980)
        register(adult)
        adult.id = Self.wrongCheckCharacter(adult.id)
        certify(&adult, category: "低保", issuer: "430682", validTo: .some(nil))
        expect("XC-01", "430682", adult.id, nil, "a certificate row whose holder's ID number has a wrong check character")
    }

    // MARK: - XC-02 PERSON_NO_CERT

    mutating func personsWithoutCertificate() {
        var expired = newStudent(unit: "430611", stage: .primary, boarding: true)
        register(expired)
        enroll(expired)
        certify(&expired, category: "低保", issuer: "430611", validFrom: term.date(-366), validTo: term.date(-1))
        pay(expired, .boarding, by: "430611")
        expect("XC-02", "430611", expired.id, .boarding, "the certificate was valid until the day before the term started")

        var cancelled = newStudent(unit: "430624", stage: .junior, boarding: true)
        register(cancelled)
        enroll(cancelled)
        certify(&cancelled, category: "特困", issuer: "430624", status: .cancelled)
        pay(cancelled, .boarding, by: "430624")
        expect("XC-02", "430624", cancelled.id, .boarding, "the certificate is cancelled")

        // Claims 低保 (and a 低保证 number no registry has); holds only a valid 残疾人证.
        var wrongType = eligibleStudent(unit: "YY-NH", stage: .primary, boarding: true, category: "残疾")
        certificatesIssued += 1
        wrongType.category = "低保"
        wrongType.certType = "低保证"
        wrongType.certNumber = "DBYY-NH-" + zeroPadded(certificatesIssued, 7)
        pay(wrongType, .boarding, by: "YY-NH")
        expect("XC-02", "YY-NH", wrongType.id, .boarding, "claims a category the student's only certificate does not prove")
    }

    // MARK: - XC-03 CERT_NO_PERSON

    mutating func certificatesWithoutPerson() {
        var notEnrolled = newStudent(unit: "430626", stage: .junior, boarding: true)
        register(notEnrolled)
        certify(&notEnrolled, category: "脱贫", issuer: "430626")
        pay(notEnrolled, .boarding, by: "430626")
        expect("XC-03", "430626", notEnrolled.id, .boarding, "paid, but in no enrollment row")

        var noIdentity = newStudent(unit: "430681", stage: .primary, boarding: true)
        enroll(noIdentity)
        certify(&noIdentity, category: "特困", issuer: "430681")
        pay(noIdentity, .boarding, by: "430681")
        expect("XC-03", "430681", noIdentity.id, .boarding, "paid, enrolled, but not in the identity register")
    }

    // MARK: - XC-04 NAME_ID_MISMATCH

    mutating func nameMismatches() {
        let misspelt = eligibleStudent(unit: "430602", stage: .primary, boarding: true, category: "低保")
        pay(misspelt, .boarding, by: "430602", name: otherName(than: misspelt.name))
        expect("XC-04", "430602", misspelt.id, nil, "the payment's name differs from identity, enrollment and certificate")

        var renamed = newStudent(unit: "430623", stage: .junior, boarding: true)
        let former = otherName(than: renamed.name)
        register(renamed)
        enroll(renamed, name: former)
        certify(&renamed, category: "建档立卡", issuer: "430623")
        pay(renamed, .boarding, by: "430623", name: former)
        expect("XC-04", "430623", renamed.id, nil, "enrollment and payment carry a former name; identity and certificate the current one")
    }

    // MARK: - XC-05 DUP_PROGRAM

    mutating func duplicatePayments() {
        // 华容县 pays later (its batch day is later) and under its alias name.
        let first = eligibleStudent(unit: "430611", stage: .junior, boarding: true, category: "特困")
        pay(first, .boarding, by: "430611")
        pay(first, .boarding, by: "430623")
        expect("XC-05", "430623", first.id, .boarding, "paid by the student's unit and again, later, by another unit under an alias name")

        let second = eligibleStudent(unit: "YY-JK", stage: .primary, boarding: true, category: "脱贫")
        pay(second, .boarding, by: "YY-JK")
        pay(second, .boarding, by: "430624")
        expect("XC-05", "430624", second.id, .boarding, "paid by the student's unit and again, later, by another unit")
    }

    // MARK: - XC-06 MUTEX

    mutating func mutuallyExclusivePayments() {
        let sameUnit = eligibleStudent(unit: "430602", stage: .primary, boarding: true, category: "低保")
        pay(sameUnit, .boarding, by: "430602")
        pay(sameUnit, .nonBoarding, by: "430602")
        expect("XC-06", "430602", sameUnit.id, nil, "paid the boarding and the non-boarding subsidy by the same unit")

        let twoUnits = eligibleStudent(unit: "430621", stage: .junior, boarding: true, category: "建档立卡")
        pay(twoUnits, .boarding, by: "430621")
        pay(twoUnits, .nonBoarding, by: "430626")
        expect("XC-06", "430626", twoUnits.id, nil, "paid the boarding subsidy by the student's unit and the non-boarding subsidy, later, by another")

        let twoStages = eligibleStudent(unit: "430603", stage: .junior, boarding: true, category: "低保", grade: 9)
        pay(twoStages, .boarding, by: "430603")
        pay(twoStages, .seniorGrant, by: "430682", stage: .senior, grade: 10)
        expect("XC-06", "430682", twoStages.id, nil, "paid as a junior student by one unit and, later, as a senior student by another")
    }

    // MARK: - XC-07 STATUS_AFTER_EXIT

    mutating func paymentsAfterExit() {
        var transferred = newStudent(unit: "430623", stage: .primary, boarding: true)
        register(transferred)
        enroll(transferred, status: .transferredOut, statusDate: term.date(14))
        enroll(transferred, unit: "430611", school: schools("430611", .primary)[0])
        certify(&transferred, category: "低保", issuer: "430623")
        pay(transferred, .boarding, by: "430623")
        expect("XC-07", "430623", transferred.id, .boarding, "paid by the unit the student transferred out of, after the transfer")

        var graduated = newStudent(unit: "430671", stage: .junior, boarding: true, grade: 9)
        register(graduated)
        enroll(graduated, status: .graduated, statusDate: term.date(-62))
        certify(&graduated, category: "孤儿", issuer: "430671")
        pay(graduated, .boarding, by: "430671")
        expect("XC-07", "430671", graduated.id, .boarding, "paid after graduating")

        var deceased = newStudent(unit: "YY-JK", stage: .primary, boarding: true)
        register(deceased, deathDate: term.date(19))
        enroll(deceased)
        certify(&deceased, category: "特困", issuer: "YY-JK")
        pay(deceased, .boarding, by: "YY-JK")
        expect("XC-07", "YY-JK", deceased.id, .boarding, "paid after the death the identity register records")
    }

    // MARK: - XC-08 AMOUNT_STD

    mutating func offStandardAmounts() {
        let junior = eligibleStudent(unit: "430624", stage: .junior, boarding: true, category: "孤儿")
        pay(junior, .boarding, by: "430624", amount: 62_500)
        expect("XC-08", "430624", junior.id, .boarding, "a junior boarder paid the pre-2024 rate")

        let primary = eligibleStudent(unit: "430681", stage: .primary, boarding: false, category: "残疾")
        pay(primary, .nonBoarding, by: "430681", amount: 25_000)
        expect("XC-08", "430681", primary.id, .nonBoarding, "a primary non-boarder paid the pre-2024 rate")

        let senior = eligibleStudent(unit: "430611", stage: .senior, boarding: false, category: "脱贫")
        pay(senior, .seniorGrant, by: "430611", amount: 200_000)
        expect("XC-08", "430611", senior.id, .seniorGrant, "a senior grant above the highest tier")
    }

    // MARK: - XC-10 PAYEE

    mutating func sharedAccounts() {
        let one = newAccount()
        for surname in DemoData.surnames.prefix(3) {
            let p = eligibleStudent(unit: "430626", stage: .primary, boarding: true, category: "低保", surname: surname, account: one)
            pay(p, .boarding, by: "430626", accountType: .bankCard)
        }
        expect("XC-10", "430626", nil, nil, "one account receives the payments of three unrelated students")

        let another = newAccount()
        for (i, surname) in DemoData.surnames.dropFirst(3).prefix(4).enumerated() {
            let unit = i < 3 ? "430621" : "430623"
            let p = eligibleStudent(unit: unit, stage: .junior, boarding: true, category: "脱贫", surname: surname, account: another)
            pay(p, .boarding, by: unit, accountType: .bankCard)
        }
        expect("XC-10", "430621", nil, nil, "one account receives the payments of four unrelated students in two units")
    }

    // MARK: - XC-11 METHOD

    mutating func disallowedMethods() {
        for unit in ["430603", "430671"] {
            let p = eligibleStudent(unit: unit, stage: .senior, boarding: true, category: "特困")
            pay(p, .seniorGrant, by: unit, accountType: .mealCard)
            expect("XC-11", unit, p.id, .seniorGrant, "the senior grant paid by meal card")
        }
    }

    // MARK: - XC-16 DISAB_CERT

    mutating func badDisabilityCertificates() {
        var typeEight = newStudent(unit: "430621", stage: .junior, boarding: true)
        register(typeEight)
        enroll(typeEight)
        certify(&typeEight, category: "残疾", type: "残疾人证", issuer: "430621", number: typeEight.id + "82")
        pay(typeEight, .boarding, by: "430621")
        expect("XC-16", "430621", typeEight.id, nil, "a 残疾人证 number with type digit 8")

        var otherPrefix = newStudent(unit: "430682", stage: .primary, boarding: false)
        let parent = newAdult(unit: "430682", birthYear: 1986)
        register(otherPrefix)
        enroll(otherPrefix)
        certify(&otherPrefix, category: "残疾", type: "残疾人证", issuer: "430682", number: parent.id + "32")
        pay(otherPrefix, .nonBoarding, by: "430682")
        expect("XC-16", "430682", otherPrefix.id, nil, "a 残疾人证 number that starts with another person's ID number")
    }

    // MARK: - XC-17 XJH_MATCH

    mutating func wrongStudentNumbers() {
        for (unit, boarding) in [("YY-NH", true), ("430681", false)] {
            let classmate = eligibleStudent(unit: unit, stage: .primary, boarding: boarding, category: "低保")
            pay(classmate, boarding ? .boarding : .nonBoarding, by: unit)
            var p = newStudent(unit: unit, stage: .primary, boarding: boarding)
            register(p)
            enroll(p, studentNumber: "G" + classmate.id)
            certify(&p, category: "脱贫", issuer: unit)
            pay(p, boarding ? .boarding : .nonBoarding, by: unit)
            expect("XC-17", unit, p.id, nil, "the 学籍号 is G + a classmate's ID number")
        }
    }

    // MARK: - XC-18 UNIT_MAP

    mutating func unknownUnitCodes() {
        for (ledger, code, stage) in [("430626", "430699", Stage.primary), ("430621", "430620", Stage.junior)] {
            let p = eligibleStudent(unit: ledger, stage: stage, boarding: true, category: "低保")
            pay(p, .boarding, by: code, ledger: ledger)
            expect("XC-18", code, nil, nil, "a batch keyed with a unit code the unit table does not have")
        }
    }

    // MARK: - XC-20 ELIGIBLE_UNPAID

    mutating func eligibleButUnpaid() {
        let boarder = eligibleStudent(unit: "YY-JK", stage: .junior, boarding: true, category: "低保")
        expect("XC-20", "YY-JK", boarder.id, .boarding, "an enrolled boarder with a valid certificate, not paid")
        let nonBoarder = eligibleStudent(unit: "430671", stage: .primary, boarding: false, category: "脱贫")
        expect("XC-20", "430671", nonBoarder.id, .nonBoarding, "an enrolled non-boarder with a valid certificate, not paid")
        let orphan = eligibleStudent(unit: "430682", stage: .primary, boarding: true, category: "孤儿")
        expect("XC-20", "430682", orphan.id, .boarding, "an enrolled boarder with a valid 孤儿证, not paid")
    }

    // MARK: - edge cases: no finding

    mutating func edgeCasesWithoutFinding() {
        // A duplicate the paying unit reversed.
        let duplicate = eligibleStudent(unit: "430681", stage: .junior, boarding: true, category: "低保")
        pay(duplicate, .boarding, by: "430681")
        let batch = pay(duplicate, .boarding, by: "430682")
        reversalsPending.append((ledgerUnit: "430682", batchID: batch, idNumber: duplicate.id, reason: "重复发放：该生由汨罗市发放，本笔冲正"))

        // Transferred before the term from 湘阴县 to 平江县, paid by 平江县.
        var moved = newStudent(unit: "430626", stage: .primary, boarding: true)
        register(moved)
        enroll(moved, unit: "430624", school: schools("430624", .primary)[0], status: .transferredOut, statusDate: term.date(-170))
        enroll(moved)
        certify(&moved, category: "低保", issuer: "430624")
        pay(moved, .boarding, by: "430626")

        // Died after the payment.
        var diedLater = newStudent(unit: "430603", stage: .junior, boarding: true)
        register(diedLater, deathDate: term.date(65))
        enroll(diedLater)
        certify(&diedLater, category: "特困", issuer: "430603")
        pay(diedLater, .boarding, by: "430603")

        // The same name, different ID numbers.
        let namesake = eligibleStudent(unit: "430602", stage: .primary, boarding: true, category: "脱贫")
        pay(namesake, .boarding, by: "430602")
        var other = newStudent(unit: "430626", stage: .primary, boarding: true)
        other.name = namesake.name
        register(other)
        enroll(other)
        certify(&other, category: "脱贫", issuer: "430626")
        pay(other, .boarding, by: "430626")

        // A certificate issued by another unit.
        var elsewhere = newStudent(unit: "430603", stage: .junior, boarding: false)
        register(elsewhere)
        enroll(elsewhere)
        certify(&elsewhere, category: "低保", issuer: "430621")
        pay(elsewhere, .nonBoarding, by: "430603")

        // Certificates valid until, or from, the term's first day.
        var untilStart = newStudent(unit: "430681", stage: .primary, boarding: true)
        register(untilStart)
        enroll(untilStart)
        certify(&untilStart, category: "特困", issuer: "430681", validFrom: term.date(-365), validTo: term.start)
        pay(untilStart, .boarding, by: "430681")
        var fromStart = newStudent(unit: "430624", stage: .primary, boarding: true)
        register(fromStart)
        enroll(fromStart)
        certify(&fromStart, category: "低保", issuer: "430624", validFrom: term.start, validTo: .some(nil))
        pay(fromStart, .boarding, by: "430624")

        // Two siblings sharing one account.
        let elder = eligibleStudent(unit: "430623", stage: .junior, boarding: true, category: "脱贫")
        pay(elder, .boarding, by: "430623")
        let younger = eligibleStudent(unit: "430623", stage: .primary, boarding: true, category: "脱贫", surname: String(elder.name.prefix(1)), account: elder.account)
        pay(younger, .boarding, by: "430623")

        // Unpaid, but no programme that looks for unpaid students covers them.
        _ = eligibleStudent(unit: "430602", stage: .senior, boarding: true, category: "低保")
        _ = eligibleStudent(unit: "430611", stage: .primary, boarding: false, category: "监测")
        var lapsed = newStudent(unit: "430624", stage: .junior, boarding: true)
        register(lapsed)
        enroll(lapsed)
        certify(&lapsed, category: "低保", issuer: "430624", validFrom: term.date(-500), validTo: term.date(-120))

        // A senior student of category 其他, which no certificate proves.
        let unproven = eligibleStudent(unit: "430626", stage: .senior, boarding: false, category: "其他")
        pay(unproven, .seniorGrant, by: "430626")
    }
}

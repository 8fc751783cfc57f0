import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerImport
import LedgerSamples
import Testing

/// The demo city (LedgerSamples): well-formed data, every rule injected, deterministic, importable; and the
/// recall test — the engine finds exactly the expected findings (recall 100 %, no false positive).
@Suite struct DemoCityTests {
    static let seed: UInt64 = 2026
    static let size = 40
    static let ruleCodes = ["XC-01", "XC-02", "XC-03", "XC-04", "XC-05", "XC-06", "XC-07", "XC-08", "XC-10", "XC-11", "XC-16", "XC-17", "XC-18", "XC-20"]

    static func city(seed: UInt64 = seed, size: Int = size, period: String = "2025-autumn") throws -> DemoCity {
        try DemoCity.generate(seed: seed, studentsPerUnit: size, period: period)
    }

    /// The ID numbers the answer key makes invalid on purpose (XC-01).
    static func deliberatelyInvalid(_ city: DemoCity) -> Set<String> {
        Set(city.expected.filter { $0.rule == "XC-01" }.compactMap(\.idNumber))
    }

    // MARK: - structure

    @Test func twelveUnitsOneLedgerEach() throws {
        let city = try Self.city()
        #expect(city.units.map(\.code) == ["430602", "430603", "430611", "YY-JK", "YY-NH", "430671", "430621", "430623", "430624", "430626", "430681", "430682"])
        #expect(city.ledgers.map(\.unit) == city.units.map(\.code))
        for ledger in city.ledgers {
            #expect(ledger.officerUnits.first == ledger.unit)
            #expect(!ledger.batches.isEmpty)
            #expect(Set(ledger.batches.map(\.batchID)).count == ledger.batches.count, "batch ids are unique in a ledger")
            for batch in ledger.batches {
                #expect(batch.ledgerUnit == ledger.unit)
                #expect(ledger.officerUnits.contains(batch.unit), "the officer may sign every batch of the ledger")
                #expect(batch.items.allSatisfy { $0.unit == batch.unit })
            }
        }
        // The XC-18 batches: an unknown code inside a known unit's ledger, whose officer is enrolled for it.
        #expect(city.ledgers.first { $0.unit == "430626" }?.officerUnits == ["430626", "430699"])
        #expect(city.ledgers.first { $0.unit == "430621" }?.officerUnits == ["430621", "430620"])
        #expect(city.ledgers.filter { $0.officerUnits.count > 1 }.count == 2)
    }

    @Test func paymentsAreWellFormed() throws {
        let city = try Self.city()
        let invalid = Self.deliberatelyInvalid(city)
        let programs = SeedConfiguration.programs
        for ledger in city.ledgers {
            var claims = Set<String>()
            for batch in ledger.batches {
                #expect(FieldSyntax.isToken(batch.batchID))
                #expect(batch.period == "2025-autumn")
                #expect(programs.contains { $0.name == batch.program || $0.aliases.contains(batch.program) })
                for item in batch.items {
                    let id = try #require(item.value(.idNumber))
                    if invalid.contains(id) {
                        // Province 99: the check character is right, so the importer accepts it.
                        #expect(IDNumber.isValid(id) && id.hasPrefix("99"))
                    } else {
                        #expect(IDNumber.isValid(id) && id.hasPrefix("43"))
                    }
                    #expect(item.value(.name).map { !$0.isEmpty } == true)
                    #expect(item.amountFen > 0)
                    #expect(item.paidDate.hasPrefix("2025-10-") && FieldSyntax.isDate(item.paidDate))
                    #expect(item.value(.accountNumber)?.count == 19)
                    if let category = item.value(.category) { #expect(PaymentCSV.categories.contains(category)) }
                    #expect((item.value(.certType) == nil) == (item.value(.certNumber) == nil))
                    // The ledger refuses a second payment to one person under one programme name and period.
                    #expect(claims.insert(batch.program + " " + id).inserted, "no person twice under one programme in one ledger")
                }
            }
        }
    }

    @Test func registryRowsAreWellFormed() throws {
        let city = try Self.city()
        let invalid = Self.deliberatelyInvalid(city)
        let r = city.registries
        #expect(r.enrollment.count > 12 * Self.size / 2)
        for (i, row) in r.enrollment.enumerated() {
            #expect(row.line == i + 2)
            #expect(IDNumber.isValid(row.idNumber) || invalid.contains(row.idNumber))
            #expect(row.status == .enrolled ? row.statusDate == nil : row.statusDate.map(FieldSyntax.isDate) == true)
            if let number = row.studentNumber { #expect(number.hasPrefix("G")) }
            #expect(FieldSyntax.isToken(row.schoolCode))
        }
        for (i, row) in r.certificates.enumerated() {
            #expect(row.line == i + 2)
            #expect(IDNumber.isValid(row.idNumber) || invalid.contains(row.idNumber))
            #expect(FieldSyntax.isDate(row.validFrom))
            if let to = row.validTo { #expect(FieldSyntax.isDate(to) && row.validFrom <= to) }
            #expect(SeedConfiguration.categories.contains { $0.certTypes.contains(row.certType) })
            #expect(SeedConfiguration.units.contains { $0.code == row.issuerUnit })
        }
        for (i, row) in r.identity.enumerated() {
            #expect(row.line == i + 2)
            #expect(IDNumber.isValid(row.idNumber))
            #expect(row.alive == (row.deathDate == nil))
        }
        #expect(Set(r.identity.map(\.idNumber)).count == r.identity.count, "one identity row per person")
        // Invalid numbers appear only where the answer key puts them.
        #expect(invalid.count == 3)
    }

    @Test func everyRuleInjectedAtLeastTwice() throws {
        let city = try Self.city()
        for rule in Self.ruleCodes {
            #expect(city.expected.filter { $0.rule == rule }.count >= 2, "\(rule)")
        }
        #expect(Set(city.expected.map(\.rule)).isSubset(of: Set(RuleCode.allCases.map(\.rawValue))))
        #expect(city.expected.allSatisfy { !$0.note.isEmpty })
        // Findings about accounts and units name no person; all others do.
        #expect(city.expected.allSatisfy { ($0.idNumber == nil) == ($0.rule == "XC-10" || $0.rule == "XC-18") })
        #expect(city.reversals.count == 1)
    }

    @Test func deterministicForASeed() throws {
        let a = try Self.city(), b = try Self.city()
        #expect(a.ledgers == b.ledgers)
        #expect(a.registries.enrollment == b.registries.enrollment)
        #expect(a.registries.certificates == b.registries.certificates)
        #expect(a.registries.identity == b.registries.identity)
        #expect(a.expected == b.expected)
        #expect(a.reversals == b.reversals)
        let c = try Self.city(seed: Self.seed + 1)
        #expect(c.ledgers != a.ledgers)
        #expect(Set(c.expected.map(\.rule)) == Set(a.expected.map(\.rule)), "another seed injects the same irregularities")
    }

    @Test func sizesAndPeriods() throws {
        #expect(throws: DemoCityError.period) { try DemoCity.generate(seed: 1, studentsPerUnit: 1, period: "2025-09") }
        #expect(throws: DemoCityError.period) { try DemoCity.generate(seed: 1, studentsPerUnit: 1, period: "2023-autumn") }
        #expect(throws: DemoCityError.period) { try DemoCity.generate(seed: 1, studentsPerUnit: 1, period: "autumn") }
        #expect(throws: DemoCityError.studentsPerUnit) { try DemoCity.generate(seed: 1, studentsPerUnit: -1) }
        #expect(throws: DemoCityError.studentsPerUnit) { try DemoCity.generate(seed: 1, studentsPerUnit: DemoCity.maxStudentsPerUnit + 1) }
        // No clean students: the injections alone, still a batch in every ledger.
        let empty = try DemoCity.generate(seed: 1, studentsPerUnit: 0)
        #expect(empty.ledgers.allSatisfy { !$0.batches.isEmpty })
        #expect(empty.expected.count == (try Self.city()).expected.count)
        let spring = try DemoCity.generate(seed: 1, studentsPerUnit: 5, period: "2026-spring")
        #expect(spring.batches.allSatisfy { $0.period == "2026-spring" && $0.items.allSatisfy { $0.paidDate.hasPrefix("2026-04-") } })
    }

    /// A large city still gives every person a different ID number.
    @Test func idNumbersAreUniqueAtScale() throws {
        let city = try Self.city(size: 2_000)
        let identities = city.registries.identity.map(\.idNumber)
        #expect(Set(identities).count == identities.count)
        #expect(identities.count > 12 * 2_000)
    }

    // MARK: - files

    @Test func batchFilesImport() throws {
        let city = try Self.city()
        let far = try #require(DateLimits.dayNumber("2999-12-31"))
        for batch in city.batches {
            let text = DemoCity.csv(batch)
            let file = try Array(text.utf8).withUnsafeBytes { bytes in
                try PaymentCSV.read(bytes, file: batch.batchID, dateLimits: DateLimits(latestBirthDay: far, latestPaidDay: far))
            }
            #expect(file.unit == batch.unit && file.program == batch.program && file.period == batch.period)
            #expect(file.items == batch.items)
        }
    }

    @Test func registryFiles() throws {
        let city = try Self.city()
        for kind in RegistryKind.allCases {
            let lines = city.csv(for: kind).split(separator: "\n", omittingEmptySubsequences: false)
            let header = DemoCity.registryHeader(kind)
            #expect(lines.first.map(String.init) == header.joined(separator: ","))
            let rows = kind == .enrollment ? city.registries.enrollment.count : kind == .certificates ? city.registries.certificates.count : city.registries.identity.count
            #expect(lines.count == rows + 2, "header, one line a row, and the final newline")
            #expect(lines.dropFirst().dropLast().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == header.count })
        }
        let identity = city.csv(for: .identity)
        #expect(identity.contains(",否,2025-09-20\n"), "the deceased student of XC-07")
    }

    // MARK: - the answer key against the rules

    /// The rules of rules.md written out plainly over the demo city: checks the answer key itself, whatever state
    /// the engine is in.
    @Test func answerKeyFollowsTheRules() throws {
        for (seed, period) in [(Self.seed, "2025-autumn"), (7, "2026-spring")] {
            let city = try Self.city(seed: seed, size: 300, period: period)
            let found = ReferenceRules(configuration: SeedConfiguration.make(), input: Self.input(city)).findings()
            #expect(Self.diff(expected: city, found: found) == "", "seed \(seed), \(period)")
        }
    }

    /// The reversed duplicate is what keeps 临湘市 out of the findings: without the reversal it is an XC-05.
    @Test func reversalRemovesTheDuplicate() throws {
        let city = try Self.city()
        let reversal = try #require(city.reversals.first)
        #expect(reversal.ledgerUnit == "430682")
        let full = Self.input(city)
        let unreversed = CrossCheckInput(period: full.period, payments: full.payments.map { var p = $0; p.reversedBy = nil; return p },
                                         registries: full.registries, units: full.units)
        let with = ReferenceRules(configuration: SeedConfiguration.make(), input: full).findings()
        let without = ReferenceRules(configuration: SeedConfiguration.make(), input: unreversed).findings()
        let batch = try #require(city.batches.first { $0.ledgerUnit == reversal.ledgerUnit && $0.batchID == reversal.batchID })
        let id = try #require(batch.items[reversal.index].value(.idNumber))
        #expect(without.subtracting(with) == [Self.key("XC-05", "430682", id)])
        #expect(full.payments.filter { $0.reversedBy != nil }.count == 1)
    }

    // MARK: - recall: the engine over the demo city

    /// The engine, with the rules and standards shipped in `Config/crosscheck/`, finds exactly the expected findings:
    /// recall 100 %, no false positive. (`SeedConfiguration`, the same figures written in code, serves the plain
    /// reference rules above, an independent reading of the rules.)
    @Test(arguments: [UInt64(2026), 7])
    func engineFindsExactlyTheInjectedIrregularities(seed: UInt64) throws {
        let city = try DemoCity.generate(seed: seed, studentsPerUnit: 120)
        let secret = try #require(PersonKeySecret(bytes: [UInt8](repeating: 0x5a, count: PersonKeySecret.length)))
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config/crosscheck").path
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { (name: $0, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)))) }
        let configuration = try CrossCheckConfiguration.load(files: files)
        let findings = try CrossCheckEngine.run(Self.input(city), configuration: configuration, personKeys: try PersonKeys(secret))
        let found = Set(findings.map { Self.key($0.rule.rawValue, $0.unit, $0.idNumber) })
        let report = Self.diff(expected: city, found: found, summaries: Dictionary(findings.map { (Self.key($0.rule.rawValue, $0.unit, $0.idNumber), $0.summary) },
                                                                                      uniquingKeysWith: { a, _ in a }))
        #expect(report == "", "\(findings.count) findings; expected \(city.expected.count)")
    }

    // MARK: - helpers

    static func key(_ rule: String, _ unit: String, _ idNumber: String?) -> String { "\(rule) \(unit) \(idNumber ?? "-")" }

    /// Missing and unexpected findings, one per line ("" when the sets are equal).
    static func diff(expected city: DemoCity, found: Set<String>, summaries: [String: String] = [:]) -> String {
        var notes: [String: String] = [:]
        for e in city.expected { notes[key(e.rule, e.unit, e.idNumber), default: ""] += (notes[key(e.rule, e.unit, e.idNumber)] == nil ? "" : "; ") + e.note }
        let expected = Set(notes.keys)
        let missing = expected.subtracting(found).sorted().map { "  missing    \($0) — \(notes[$0] ?? "")" }
        let unexpected = found.subtracting(expected).sorted().map { "  unexpected \($0) — \(summaries[$0] ?? "")" }
        guard !missing.isEmpty || !unexpected.isEmpty else { return "" }
        return "\n\(missing.count) missing (injected, not found), \(unexpected.count) unexpected (found, not injected):\n"
            + (missing + unexpected).joined(separator: "\n")
    }

    /// The city as the engine's input: each ledger's batches at seqs counting up (header, then its payments), then
    /// the reversals.
    static func input(_ city: DemoCity) -> CrossCheckInput {
        var payments: [PaidItem] = []
        var position: [String: Int] = [:]
        func reference(_ origin: String, _ seq: UInt64) -> EntryReference {
            let bytes = [UInt8](repeating: 0, count: 24) + (0..<8).map { UInt8(truncatingIfNeeded: seq >> (56 - 8 * $0)) }
            return EntryReference(origin: origin, seq: seq, hash: Digest32(bytes: bytes) ?? .zero)
        }
        for ledger in city.ledgers {
            let origin = "demo.example/\(ledger.unit)"
            var seq: UInt64 = 1
            for batch in ledger.batches {
                seq += 1
                for (index, p) in batch.items.enumerated() {
                    seq += 1
                    position["\(ledger.unit) \(batch.batchID) \(index)"] = payments.count
                    payments.append(PaidItem(entry: reference(origin, seq), batchID: batch.batchID, unit: p.unit, schoolCode: p.schoolCode, schoolName: p.schoolName,
                                             program: batch.program, period: batch.period, stage: p.stage, grade: p.grade, boarding: p.boarding,
                                             amountFen: p.amountFen, accountType: p.accountType, paidDate: p.paidDate, supplementary: p.supplementaryReason,
                                             personal: p.personal))
                }
            }
            for r in city.reversals where r.ledgerUnit == ledger.unit {
                seq += 1
                if let i = position["\(r.ledgerUnit) \(r.batchID) \(r.index)"] { payments[i].reversedBy = reference(origin, seq) }
            }
        }
        return CrossCheckInput(period: city.period, payments: payments, registries: city.registries, units: city.units.map(\.code))
    }
}

/// The rules of rules.md, written out directly and slowly (no keys, no evidence) to check the demo's answer key:
/// the set of (rule, unit, ID number) they give. Not the engine.
struct ReferenceRules {
    let configuration: CrossCheckConfiguration
    let input: CrossCheckInput

    static let provinces: Set<String> = Set(["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
                                             "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"])

    func canonical(_ name: String) -> ProgramDefinition? { configuration.programs.first { $0.name == name || $0.aliases.contains(name) } }

    var periodStart: String {
        let year = String(input.period.prefix(4))
        if input.period.hasSuffix("-autumn") { return year + "-" + configuration.thresholds.autumnTermStart }
        if input.period.hasSuffix("-spring") { return year + "-" + configuration.thresholds.springTermStart }
        return input.period.count == 7 ? input.period + "-01" : year + "-01-01"
    }

    static func invalid(_ id: String) -> Bool { !IDNumber.isValid(id) || !provinces.contains(String(id.prefix(2))) }

    func proves(_ certType: String) -> [String] { configuration.categories.filter { $0.certTypes.contains(certType) }.map(\.category) }

    func validCertificates(_ id: String, _ certificatesByID: [String: [CertificateRecord]]) -> [CertificateRecord] {
        (certificatesByID[id] ?? []).filter {
            $0.status == .valid && $0.validFrom <= periodStart && ($0.validTo.map { periodStart <= $0 } ?? true)
        }
    }

    static func disabilityNumberValid(_ number: String, holder: String) -> Bool {
        let c = Array(number)
        return c.count == 20 && String(c[0..<18]) == holder && ("1"..."7").contains(c[18]) && ("1"..."4").contains(c[19])
    }

    func findings() -> Set<String> {
        var out = Set<String>()
        func add(_ rule: String, _ unit: String, _ id: String?) { out.insert(DemoCityTests.key(rule, unit, id)) }
        let start = periodStart
        let paid = input.payments.filter { $0.period == input.period && $0.reversedBy == nil }
        let byPerson = Dictionary(grouping: paid) { $0.idNumber ?? "" }
        let registries = input.registries
        let identityByID = Dictionary(grouping: registries.identity, by: \.idNumber)
        let enrollmentByID = Dictionary(grouping: registries.enrollment, by: \.idNumber)
        let certificatesByID = Dictionary(grouping: registries.certificates, by: \.idNumber)
        let unitCodes = Set(configuration.units.map(\.code))
        func order(_ a: PaidItem, _ b: PaidItem) -> Bool { (a.paidDate, a.entry.origin, a.entry.seq) < (b.paidDate, b.entry.origin, b.entry.seq) }

        for p in paid {
            guard let id = p.idNumber, let program = canonical(p.program) else { continue }
            // XC-01
            let birth = String(id.dropFirst(6).prefix(8))
            if Self.invalid(id) || birth > p.paidDate.filter({ $0 != "-" }) { add("XC-01", p.unit, id) }
            // XC-02
            if !program.categories.isEmpty {
                if let category = p.personal[.category] {
                    let types = configuration.categories.first { $0.category == category }?.certTypes ?? []
                    if !types.isEmpty, !validCertificates(id, certificatesByID).contains(where: { types.contains($0.certType) }) { add("XC-02", p.unit, id) }
                } else {
                    add("XC-02", p.unit, id)
                }
            }
            // XC-03
            if identityByID[id] == nil || enrollmentByID[id] == nil {
                add("XC-03", p.unit, id)
            }
            // XC-07
            let exited = (enrollmentByID[id] ?? []).contains {
                $0.unit == p.unit && $0.status.isExit && ($0.statusDate.map { $0 < p.paidDate } ?? false)
            }
            let reEnrolled = (enrollmentByID[id] ?? []).contains { $0.status == .enrolled && $0.schoolCode == p.schoolCode }
            let died = (identityByID[id] ?? []).contains { !$0.alive && ($0.deathDate.map { $0 < p.paidDate } ?? false) }
            if (exited && !reEnrolled) || died { add("XC-07", p.unit, id) }
            // XC-08
            let standards = configuration.standards.filter {
                $0.program == program.name && $0.stage == p.stage && ($0.boarding == nil || $0.boarding == p.boarding)
                    && ($0.region == "*" || p.unit.hasPrefix($0.region)) && $0.effectiveFrom <= start && ($0.effectiveTo.map { start <= $0 } ?? true)
            }
            let best = standards.max { ($0.region == "*" ? 0 : $0.region.count) < ($1.region == "*" ? 0 : $1.region.count) }
            let tolerance = configuration.thresholds.amountToleranceFen
            if let best {
                let range = best.paymentRangeFen
                if p.amountFen < range.lowerBound - tolerance || p.amountFen > range.upperBound + tolerance { add("XC-08", p.unit, id) }
            } else {
                add("XC-08", p.unit, id)
            }
            // XC-11
            if !program.accountTypes.contains(p.accountType) { add("XC-11", p.unit, id) }
            // XC-16 (the payment's certificate)
            if p.personal[.certType] == "残疾人证", let number = p.personal[.certNumber], !Self.disabilityNumberValid(number, holder: id) {
                add("XC-16", p.unit, id)
            }
            // XC-18 (the payment's unit)
            if !unitCodes.contains(p.unit) { add("XC-18", p.unit, nil) }
        }

        for (id, payments) in byPerson where !id.isEmpty {
            let sorted = payments.sorted(by: order)
            let unit = sorted[0].unit
            // XC-04
            var names = Set(payments.compactMap(\.name))
            names.formUnion((identityByID[id] ?? []).map(\.name))
            names.formUnion((enrollmentByID[id] ?? []).map(\.name))
            names.formUnion((certificatesByID[id] ?? []).map(\.name))
            if names.count > 1 { add("XC-04", unit, id) }
            // XC-05
            let byProgram = Dictionary(grouping: sorted) { canonical($0.program)?.name ?? $0.program }
            for group in byProgram.values where group.count > 1 {
                let duplicates = group.dropFirst().filter { later in !(later.supplementary != nil && group.contains { $0.unit == later.unit && order($0, later) }) }
                if let last = duplicates.last { add("XC-05", last.unit, id) }
            }
            // XC-06
            for pair in configuration.mutexes {
                if let a = byProgram[pair.first], let b = byProgram[pair.second] { add("XC-06", (a + b).sorted(by: order)[1].unit, id) }
            }
            if Set(sorted.map(\.stage)).count > 1, let second = sorted.first(where: { $0.stage != sorted[0].stage }) { add("XC-06", second.unit, id) }
            // XC-16 (registry rows held by paid persons), XC-17, XC-18 (registry rows of paid persons)
            for c in certificatesByID[id] ?? [] {
                if c.certType == "残疾人证", !Self.disabilityNumberValid(c.certNumber, holder: id) { add("XC-16", unit, id) }
                if !unitCodes.contains(c.issuerUnit) { add("XC-18", c.issuerUnit, nil) }
            }
            for e in enrollmentByID[id] ?? [] {
                if let number = e.studentNumber, number.hasPrefix("G"), number != "G" + id { add("XC-17", e.unit, id) }
                if !unitCodes.contains(e.unit) { add("XC-18", e.unit, nil) }
            }
        }

        // XC-01 (registry rows of the inspected units)
        for e in registries.enrollment where input.units.contains(e.unit) && Self.invalid(e.idNumber) { add("XC-01", e.unit, e.idNumber) }
        for c in registries.certificates where input.units.contains(c.issuerUnit) && Self.invalid(c.idNumber) { add("XC-01", c.issuerUnit, c.idNumber) }

        // XC-10
        let byAccount = Dictionary(grouping: paid.filter { $0.personal[.accountNumber] != nil }) { $0.personal[.accountNumber] ?? "" }
        for group in byAccount.values where Set(group.compactMap(\.idNumber)).count > configuration.thresholds.maxPersonsPerAccount {
            let counts = Dictionary(grouping: group, by: \.unit).mapValues(\.count)
            if let top = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) { add("XC-10", top.key, nil) }
        }

        // XC-20
        let term = input.period.hasSuffix("-autumn") || input.period.hasSuffix("-spring")
        for e in registries.enrollment where e.status == .enrolled && input.units.contains(e.unit) {
            guard !(identityByID[e.idNumber] ?? []).contains(where: { !$0.alive }) else { continue }
            let proven = Set(validCertificates(e.idNumber, certificatesByID).flatMap { proves($0.certType) })
            for program in configuration.programs where program.checkUnpaid && program.schedule == .term && term {
                guard program.stages.contains(e.stage), program.boarding.map({ $0 == e.boarding }) ?? true,
                      !proven.isDisjoint(with: program.categories) else { continue }
                let paidIt = (byPerson[e.idNumber] ?? []).contains { canonical($0.program)?.name == program.name }
                if !paidIt { add("XC-20", e.unit, e.idNumber) }
            }
        }
        return out
    }
}

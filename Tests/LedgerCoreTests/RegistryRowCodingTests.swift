import LedgerCore
import Testing

/// Registry rows to their stored bytes and back: canonical JSON, strict decoding.
@Suite struct RegistryRowCodingTests {
    static let id = "11010519491231002X"
    static let other = "440524188001010014"

    static let enrollment = [
        EnrollmentRecord(line: 2, idNumber: id, name: "张小明", unit: "430626", schoolCode: "4306261", schoolName: "示范县\"第1\"小学\\分校", stage: .primary,
                         grade: "3", boarding: true, status: .enrolled, statusDate: nil, studentNumber: nil),
        EnrollmentRecord(line: 1_000_001, idNumber: other, name: "Wang, Wu", unit: "430611", schoolCode: "4306111", schoolName: "岳阳楼区第2中学", stage: .junior,
                         grade: "初二", boarding: false, status: .transferredOut, statusDate: "2025-09-01", studentNumber: "G" + other),
    ]
    static let certificates = [
        CertificateRecord(line: 2, certType: "低保证", certNumber: "DB430626001", idNumber: id, name: "张小明", issuerUnit: "430626", validFrom: "2025-01-01",
                          validTo: "2025-12-31", status: .valid),
        CertificateRecord(line: 3, certType: "残疾人证", certNumber: other + "21", idNumber: other, name: "李小红", issuerUnit: "430611", validFrom: "2024-03-01",
                          validTo: nil, status: .cancelled),
    ]
    static let identity = [
        IdentityRecord(line: 2, idNumber: id, name: "张小明", alive: true, deathDate: nil),
        IdentityRecord(line: 3, idNumber: other, name: "赵老", alive: false, deathDate: "2025-10-01"),
        IdentityRecord(line: 4, idNumber: other, name: "赵老", alive: false, deathDate: nil),
    ]

    /// The bytes are canonical: parsed in canonical mode and re-serialized, they are the same.
    static func expectCanonical(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let value = try JSONParser.parse(bytes, mode: .canonical)
        #expect(CanonicalJSON.encode(value) == bytes, sourceLocation: sourceLocation)
    }

    @Test func enrollmentRoundTrips() throws {
        for row in Self.enrollment {
            let bytes = RegistryRowCoding.encode(row)
            try Self.expectCanonical(bytes)
            #expect(try bytes.withUnsafeBytes { try RegistryRowCoding.enrollment($0) } == row)
        }
        #expect(String(decoding: RegistryRowCoding.encode(Self.enrollment[0]), as: UTF8.self) ==
                #"{"boarding":true,"grade":"3","id_number":"11010519491231002X","line":2,"name":"张小明","school_code":"4306261","school_name":"示范县\"第1\"小学\\分校","stage":"primary","status":"enrolled","unit":"430626"}"#)
    }

    @Test func certificatesRoundTrip() throws {
        for row in Self.certificates {
            let bytes = RegistryRowCoding.encode(row)
            try Self.expectCanonical(bytes)
            #expect(try bytes.withUnsafeBytes { try RegistryRowCoding.certificate($0) } == row)
        }
        #expect(String(decoding: RegistryRowCoding.encode(Self.certificates[1]), as: UTF8.self) ==
                #"{"cert_number":"44052418800101001421","cert_type":"残疾人证","id_number":"440524188001010014","issuer_unit":"430611","line":3,"name":"李小红","status":"cancelled","valid_from":"2024-03-01"}"#)
    }

    @Test func identityRoundTrips() throws {
        for row in Self.identity {
            let bytes = RegistryRowCoding.encode(row)
            try Self.expectCanonical(bytes)
            #expect(try bytes.withUnsafeBytes { try RegistryRowCoding.identity($0) } == row)
        }
        var data = RegistryData()
        for row in Self.identity { try RegistryRowCoding.encode(row).withUnsafeBytes { try RegistryRowCoding.decode($0, kind: .identity, into: &data) } }
        try RegistryRowCoding.encode(Self.enrollment[1]).withUnsafeBytes { try RegistryRowCoding.decode($0, kind: .enrollment, into: &data) }
        try RegistryRowCoding.encode(Self.certificates[0]).withUnsafeBytes { try RegistryRowCoding.decode($0, kind: .certificates, into: &data) }
        #expect(data.identity == Self.identity && data.enrollment == [Self.enrollment[1]] && data.certificates == [Self.certificates[0]])
    }

    /// Each altered row is refused with the field named, never its value.
    @Test(arguments: [
        (#"{"alive":true,"id_number":"11010519491231002X","line":2,"name":"张小明","x":1}"#, "unknown field \"x\""),
        (#"{"alive":true,"id_number":"11010519491231002X","line":2}"#, "identity row.name: missing"),
        // A wrong check character is kept (the cross-check's XC-01 finds it); only the shape is required.
        (#"{"alive":true,"id_number":"1101051949123100","line":2,"name":"张小明"}"#, "identity row.id_number: must be an ID number of 17 digits"),
        (#"{"alive":true,"id_number":"11010519491231002x","line":2,"name":"张小明"}"#, "identity row.id_number: must be an ID number of 17 digits"),
        (#"{"alive":true,"id_number":"11010519491231002X","line":0,"name":"张小明"}"#, "identity row.line: must be at least 1"),
        (#"{"alive":"yes","id_number":"11010519491231002X","line":2,"name":"张小明"}"#, "identity row.alive: must be a boolean"),
        (#"{"alive":true,"death_date":"2025-01-01","id_number":"11010519491231002X","line":2,"name":"张小明"}"#, "identity row.death_date: given for someone alive"),
        (#"{"alive":false,"death_date":"2025-02-30","id_number":"11010519491231002X","line":2,"name":"张小明"}"#, "identity row.death_date: must be a date"),
        (#"{"alive":true,"line":2,"id_number":"11010519491231002X","name":"张小明"}"#, "not canonical JSON"),
        (#"{"alive":true, "id_number":"11010519491231002X","line":2,"name":"张小明"}"#, "not canonical JSON"),
        (#"["11010519491231002X"]"#, "identity row must be an object"),
        (#"{"alive":true,"id_number":"11010519491231002X","line":2,"name":""}"#, "identity row.name: must be 1–50 characters"),
    ] as [(String, String)])
    func badIdentityRowsAreRefused(_ text: String, _ expected: String) {
        do {
            let row = try Array(text.utf8).withUnsafeBytes { try RegistryRowCoding.identity($0) }
            Issue.record("accepted: \(row.line)")
        } catch let error as FormatError {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("11010519491231002") && !error.message.contains("张小明") && !error.message.contains("2025-"), "\(error.message)")
        } catch {
            Issue.record("not a FormatError: \(error)")
        }
    }

    @Test func crossFieldRulesOfTheOtherKinds() {
        var exit = Self.enrollment[1]
        exit.statusDate = nil
        var backwards = Self.certificates[0]
        backwards.validTo = "2024-12-31"
        #expect(throws: FormatError.self) { try RegistryRowCoding.encode(exit).withUnsafeBytes { try RegistryRowCoding.enrollment($0) } }
        #expect(throws: FormatError.self) { try RegistryRowCoding.encode(backwards).withUnsafeBytes { try RegistryRowCoding.certificate($0) } }
        // A row of one kind is not a row of another.
        #expect(throws: FormatError.self) { try RegistryRowCoding.encode(Self.identity[0]).withUnsafeBytes { try RegistryRowCoding.enrollment($0) } }
        #expect(throws: FormatError.self) { try RegistryRowCoding.encode(Self.enrollment[0]).withUnsafeBytes { try RegistryRowCoding.certificate($0) } }
    }

    /// Random byte changes of stored rows: each is decoded to a row that encodes back to the same bytes, or refused;
    /// none traps.
    @Test func alteredBytesNeverTrap() {
        let rows = Self.enrollment.map(RegistryRowCoding.encode) + Self.certificates.map(RegistryRowCoding.encode) + Self.identity.map(RegistryRowCoding.encode)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        var accepted = 0
        for i in 0..<3000 {
            var bytes = rows[i % rows.count]
            let at = Int(next() % UInt64(bytes.count))
            if next() % 2 == 0 { bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (next() % 8)) } else { bytes[at] = UInt8(truncatingIfNeeded: next()) }
            bytes.withUnsafeBytes { raw in
                if let r = try? RegistryRowCoding.enrollment(raw) { accepted += 1; #expect(RegistryRowCoding.encode(r) == bytes) }
                if let r = try? RegistryRowCoding.certificate(raw) { accepted += 1; #expect(RegistryRowCoding.encode(r) == bytes) }
                if let r = try? RegistryRowCoding.identity(raw) { accepted += 1; #expect(RegistryRowCoding.encode(r) == bytes) }
            }
        }
        #expect(accepted > 0)
    }
}

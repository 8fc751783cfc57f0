import LedgerCore
import Testing

/// The bulk decoder of stored registry rows accepts and refuses exactly what `RegistryRowCoding` does, with the
/// same values and the same messages.
@Suite struct RegistryRowDecoderTests {
    /// Decodes `bytes` as `kind` both ways: the rows appended, or the error's message.
    static func both(_ bytes: [UInt8], _ kind: RegistryKind, _ decoder: inout RegistryRowDecoder) -> (fast: Result<RegistryData, FormatError>,
                                                                                                   plain: Result<RegistryData, FormatError>) {
        var fast = RegistryData(), plain = RegistryData()
        let f = bytes.withUnsafeBytes { raw in Result { () throws(FormatError) in try decoder.decode(raw, kind: kind, into: &fast) } }
        let p = bytes.withUnsafeBytes { raw in Result { () throws(FormatError) in try RegistryRowCoding.decode(raw, kind: kind, into: &plain) } }
        return (f.map { fast }, p.map { plain })
    }

    static func same(_ a: Result<RegistryData, FormatError>, _ b: Result<RegistryData, FormatError>) -> Bool {
        switch (a, b) {
        case let (.success(x), .success(y)): x.enrollment == y.enrollment && x.certificates == y.certificates && x.identity == y.identity
        case let (.failure(x), .failure(y)): x.message == y.message
        default: false
        }
    }

    static var rows: [(RegistryKind, [UInt8])] {
        RegistryRowCodingTests.enrollment.map { (.enrollment, RegistryRowCoding.encode($0)) }
            + RegistryRowCodingTests.certificates.map { (.certificates, RegistryRowCoding.encode($0)) }
            + RegistryRowCodingTests.identity.map { (.identity, RegistryRowCoding.encode($0)) }
    }

    @Test func storedRowsDecodeToTheSameRecords() {
        var decoder = RegistryRowDecoder()
        var data = RegistryData()
        for (kind, bytes) in Self.rows {
            let accepted = bytes.withUnsafeBytes { raw in (try? decoder.decode(raw, kind: kind, into: &data)) != nil }
            #expect(accepted, "\(kind.rawValue)")
        }
        // Escaped strings (the first enrollment row's school name) take the general path and come out the same.
        #expect(data.enrollment == RegistryRowCodingTests.enrollment)
        #expect(data.certificates == RegistryRowCodingTests.certificates)
        #expect(data.identity == RegistryRowCodingTests.identity)
    }

    /// Rows the store should never hold: refused with the general decoder's message, the value never named.
    @Test(arguments: [
        (#"{"alive":true,"id_number":"11010519491231002X","line":2,"name":"张小明","x":1}"#, "unknown field \"x\""),
        (#"{"alive":true,"id_number":"11010519491231002X","line":2}"#, "identity row.name: missing"),
        (#"{"alive":true,"id_number":"11010519491231002x","line":2,"name":"张小明"}"#, "identity row.id_number: must be an ID number"),
        (#"{"alive":true,"id_number":"11010519491231002X","line":0,"name":"张小明"}"#, "identity row.line: must be at least 1"),
        (#"{"alive":"yes","id_number":"11010519491231002X","line":2,"name":"张小明"}"#, "identity row.alive: must be a boolean"),
        (#"{"alive":true,"death_date":"2025-01-01","id_number":"11010519491231002X","line":2,"name":"张小明"}"#, "given for someone alive"),
        (#"{"alive":true, "id_number":"11010519491231002X","line":2,"name":"张小明"}"#, "not canonical JSON"),
        (#"{"alive":true,"id_number":"11010519491231002X","line":2,"name":""}"#, "identity row.name: must be 1–50 characters"),
    ] as [(String, String)])
    func badRowsAreRefusedAlike(_ text: String, _ expected: String) {
        var decoder = RegistryRowDecoder()
        let (fast, plain) = Self.both(Array(text.utf8), .identity, &decoder)
        #expect(Self.same(fast, plain))
        guard case .failure(let error) = fast else {
            Issue.record("accepted")
            return
        }
        #expect(error.message.contains(expected), "\(error.message)")
        #expect(!error.message.contains("11010519491231002") && !error.message.contains("张小明"), "\(error.message)")
    }

    @Test func crossFieldRulesAndOptionalMembers() {
        var decoder = RegistryRowDecoder()
        var exit = RegistryRowCodingTests.enrollment[1]
        exit.statusDate = nil
        var backwards = RegistryRowCodingTests.certificates[0]
        backwards.validTo = "2024-12-31"
        var noNumber = RegistryRowCodingTests.enrollment[1]
        noNumber.status = .enrolled
        noNumber.statusDate = nil
        noNumber.studentNumber = nil
        for (kind, bytes) in [(RegistryKind.enrollment, RegistryRowCoding.encode(exit)), (.certificates, RegistryRowCoding.encode(backwards)),
                              (.enrollment, RegistryRowCoding.encode(noNumber)), (.enrollment, RegistryRowCoding.encode(RegistryRowCodingTests.identity[0])),
                              (.identity, RegistryRowCoding.encode(RegistryRowCodingTests.certificates[1]))] {
            let (fast, plain) = Self.both(bytes, kind, &decoder)
            #expect(Self.same(fast, plain))
        }
        // The row without optional members decodes, the others are refused.
        var data = RegistryData()
        let accepted = RegistryRowCoding.encode(noNumber).withUnsafeBytes { raw in (try? decoder.decode(raw, kind: .enrollment, into: &data)) != nil }
        let refused = RegistryRowCoding.encode(exit).withUnsafeBytes { raw in (try? decoder.decode(raw, kind: .enrollment, into: &data)) == nil }
        #expect(accepted && refused && data.enrollment == [noNumber])
    }

    /// Random byte changes of stored rows, decoded as every kind: the decoder and `RegistryRowCoding` agree on every
    /// one (same rows or same message); none traps.
    @Test func alteredBytesAreDecodedAlike() {
        let rows = Self.rows.map(\.1)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        var decoder = RegistryRowDecoder()
        var accepted = 0, refused = 0
        for i in 0..<3000 {
            var bytes = rows[i % rows.count]
            let at = Int(next() % UInt64(bytes.count))
            if next() % 2 == 0 { bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (next() % 8)) } else { bytes[at] = UInt8(truncatingIfNeeded: next()) }
            for kind in RegistryKind.allCases {
                let (fast, plain) = Self.both(bytes, kind, &decoder)
                #expect(Self.same(fast, plain), "row \(i % rows.count), byte \(at), as \(kind.rawValue)")
                if case .success = fast { accepted += 1 } else { refused += 1 }
            }
        }
        #expect(accepted > 0 && refused > 0)
    }
}

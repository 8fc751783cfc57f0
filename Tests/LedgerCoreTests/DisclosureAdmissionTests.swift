import LedgerCore
import LedgerCrypto
import Testing

/// The `disclosure` entry (FORMAT.md §6.10): a strict body, appended by the ledger itself, and admitted only when
/// its derived tree is a tree of the ledger before it (`disclosure-derived`), known as for `crosscheck-checked`.
@Suite struct DisclosureAdmissionTests {
    static let root = Digest32(bytes: [UInt8](repeating: 0x21, count: 32))!
    static let manifest = Digest32(bytes: [UInt8](repeating: 0x4d, count: 32))!

    func body(size: UInt64 = 10, root: Digest32 = root, units: [String] = ["430611", "430626"]) throws -> DisclosureBody {
        try DisclosureBody(manifestSHA256: Self.manifest, derivedSize: size, derivedRoot: root, publicityStart: "2026-09-07", publicityEnd: "2026-09-11",
                           units: units, requestedBy: "local:zhangsan")
    }

    func decide(_ subs: [Submission], at seq: UInt64, facts: AdmissionFacts) throws -> [String?] {
        let k = try AdmissionTests.Keys()
        var a = Admission(origin: AdmissionTests.origin, registry: k.registry, time: AdmissionTests.time, plausibility: PlausibilityPolicy())
        var seq = seq
        return subs.enumerated().map { i, s in
            let v = a.decide(s, index: i, at: seq, facts: facts)
            seq += 1
            if case .refuse(let r) = v { return r.code }
            return nil
        }
    }

    @Test func admittedOnlyForATreeOfTheLedgerBeforeIt() throws {
        var facts = AdmissionFacts()
        facts.checkedRoots[10] = Self.root
        #expect(try decide([.disclosure(try body())], at: 11, facts: facts) == [nil])
        // Two in one group, both derived from the same tree.
        #expect(try decide([.disclosure(try body()), .disclosure(try body(units: []))], at: 11, facts: facts) == [nil, nil])
        // The wrong root; a size with no signed checkpoint; a size not before the entry.
        #expect(try decide([.disclosure(try body(root: Self.manifest))], at: 11, facts: facts) == ["disclosure-derived"])
        #expect(try decide([.disclosure(try body(size: 9))], at: 11, facts: facts) == ["disclosure-derived"])
        #expect(try decide([.disclosure(try body())], at: 10, facts: facts) == ["disclosure-derived"])
        #expect(AdmissionRefusal.codes.contains("disclosure-derived"))
        let b = try body()
        let s = Submission.disclosure(b)
        #expect(s.kind == .disclosure && s.entryCount == 1 && s.body == b.json)
    }

    @Test func theBodyIsStrict() throws {
        let good = try body().json
        let decoded = try DisclosureBody(decoding: good)
        #expect(decoded == (try body()))
        #expect(good.keys.sorted() == ["derived_root", "derived_size", "manifest_sha256", "publicity_end", "publicity_start", "requested_by", "units"])
        func refused(_ edit: (inout JSONObject) -> Void) -> Bool {
            var b = good
            edit(&b)
            return (try? DisclosureBody(decoding: b)) == nil
        }
        #expect(refused { $0["extra"] = 1 })
        #expect(refused { $0["signer"] = "x" })
        #expect(refused { $0["derived_size"] = 0 })
        #expect(refused { $0["derived_size"] = .int(JSONValue.maxSafeInteger + 1) })
        #expect(refused { $0["derived_root"] = .string(String(repeating: "A", count: 64)) })
        #expect(refused { $0["manifest_sha256"] = "00" })
        #expect(refused { $0["publicity_start"] = "2026-09-31" })
        #expect(refused { $0["publicity_end"] = "2026-09-06" })
        #expect(refused { $0["units"] = ["430626", "430611"] })
        #expect(refused { $0["units"] = ["430626", "430626"] })
        #expect(refused { $0["units"] = ["4306 26"] })
        #expect(refused { $0["units"] = "430626" })
        #expect(refused { $0["requested_by"] = "张 三" })
        #expect(refused { $0["requested_by"] = "" })
        #expect(refused { $0["requested_by"] = nil })
        #expect(!refused { $0["units"] = [] })
    }
}

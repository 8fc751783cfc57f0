import Foundation
import Testing
@testable import LedgerCore
import TestSupport

@Suite struct CanonicalJSONTests {
    /// RFC 8785 vectors (cyberphone/json-canonicalization): inputs without floats canonicalize to the exact
    /// expected bytes; inputs with floats are rejected with a precise reason (the format has integers only).
    @Test func rfc8785Vectors() throws {
        let inputs = try listFiles(TestPaths.sharedVectors.appendingPathComponent("jcs/input"))
        #expect(inputs.count >= 6)
        var canonicalized = 0, rejected = 0
        for input in inputs {
            let expected = try readBytes(TestPaths.sharedVectors.appendingPathComponent("jcs/output/" + input.lastPathComponent))
            let bytes = try readBytes(input)
            let hasFloat = String(decoding: expected, as: UTF8.self).range(of: #"[0-9][.eE]|e[+-]?[0-9]"#, options: .regularExpression) != nil
                || String(decoding: bytes, as: UTF8.self).range(of: #"[0-9]\.[0-9]|[0-9][eE][+-]?[0-9]"#, options: .regularExpression) != nil
            do {
                let value = try JSONParser.parse(bytes, mode: .lenient)
                let canonical = CanonicalJSON.encode(value)
                #expect(canonical == expected, "\(input.lastPathComponent): got \(String(decoding: canonical, as: UTF8.self))")
                #expect(try JSONParser.parse(expected, mode: .canonical) == value)
                canonicalized += 1
            } catch {
                #expect(hasFloat, "\(input.lastPathComponent) rejected: \(error)")
                #expect(error.reason.contains("fraction or exponent") || error.reason.contains("safe range"), "\(error)")
                rejected += 1
            }
        }
        #expect(canonicalized >= 4)
        #expect(rejected >= 1)
    }

    @Test(arguments: [
        (#"{"b":1,"a":2}"#, "not in canonical order"),
        (#"{"a":1,"a":2}"#, "duplicate key"),
        (#"{"a": 1}"#, "whitespace"),
        (#" {"a":1}"#, "whitespace"),
        (#"{"a":1} "#, "unexpected bytes"),
        (#"{"a":1.5}"#, "fraction or exponent"),
        (#"{"a":1e3}"#, "fraction or exponent"),
        (#"{"a":01}"#, "leading zeros"),
        (#"{"a":-0}"#, "-0"),
        (#"{"a":9007199254740992}"#, "safe range"),
        (#"{"a":"\u0041"}"#, "not canonical"),
        (#"{"a":"\u001F"}"#, "not canonical"),
        (#"{"a":"\/"}"#, "not canonical"),
        (#"{"a":"\u000a"}"#, "not canonical"),
        (#"{"a":"\ud800"}"#, "not canonical"),
        (#"{"a":"x"#, "unterminated"),
        (#"{"a":tru}"#, "invalid literal"),
        (#"["#, "unexpected end"),
    ])
    func canonicalParserRejects(_ text: String, _ reason: String) {
        do {
            _ = try JSONParser.parse(Array(text.utf8), mode: .canonical)
            Issue.record("accepted non-canonical \(text)")
        } catch {
            #expect(error.reason.contains(reason), "\(text): \(error)")
        }
    }

    @Test func rejectsRawControlCharactersAndInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array("\"a\u{01}\"".utf8), mode: .lenient) }
        for bad: [UInt8] in [[0x22, 0xff, 0x22], [0x22, 0xc0, 0xaf, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xe4, 0xb8, 0x22], [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]] {
            do {
                _ = try JSONParser.parse(bad, mode: .lenient)
                Issue.record("accepted invalid UTF-8 \(bad)")
            } catch {
                #expect(error.reason.contains("UTF-8"), "\(error)")
            }
            #expect(!bad.withUnsafeBytes { isValidUTF8($0) })
        }
        #expect(Array("张三\u{1F600}".utf8).withUnsafeBytes { isValidUTF8($0) })
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8), mode: .lenient) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(throws: Never.self) { try JSONParser.parse(Array(ok.utf8), mode: .canonical) }
    }

    @Test func lenientAcceptsEscapesAndCanonicalizesThem() throws {
        let v = try JSONParser.parse(Array(#"{ "z" : "\u00e9\/\ud83d\ude00\u0007" , "a" : [ 1 , -2 ] }"#.utf8), mode: .lenient)
        #expect(String(decoding: CanonicalJSON.encode(v), as: UTF8.self) == "{\"a\":[1,-2],\"z\":\"é/😀\\u0007\"}")
    }

    /// JCS orders keys by UTF-16 code units, which differs from code point order above U+FFFF.
    @Test func keyOrderIsUTF16() {
        let v: JSONValue = .object(["\u{FF61}": 1, "\u{1F600}": 2, "a": 3])
        #expect(String(decoding: CanonicalJSON.encode(v), as: UTF8.self) == "{\"a\":3,\"😀\":2,\"｡\":1}")
        #expect(throws: Never.self) { try JSONParser.parse(CanonicalJSON.encode(v), mode: .canonical) }
    }

    /// Random values: encode → canonical parse → same value and same bytes.
    @Test func randomRoundTrips() throws {
        var rng = LCG(seed: 42)
        for _ in 0..<500 {
            let v = randomValue(&rng, depth: 0)
            let bytes = CanonicalJSON.encode(v)
            let parsed = try JSONParser.parse(bytes, mode: .canonical)
            #expect(parsed == v)
            #expect(CanonicalJSON.encode(parsed) == bytes)
        }
    }

    /// Mutated canonical entries never crash the parser: each either parses or throws a JSONParseError.
    @Test func mutationFuzzNeverCrashes() {
        var rng = LCG(seed: 7)
        let seed = Array(#"{"body":{"amount_fen":62500,"name":"张三","list":[1,true,null,"\n"]},"kind":"payment","seq":12,"v":1}"#.utf8)
        var accepted = 0
        for _ in 0..<5000 {
            var m = seed
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(m.count))
                switch rng.next() % 3 {
                case 0: m[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: m.remove(at: i)
                default: m.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
            }
            if (try? JSONParser.parse(m, mode: .canonical)) != nil { accepted += 1 }
            _ = try? JSONParser.parse(m, mode: .lenient)
        }
        #expect(accepted < 5000)
    }

    func randomValue(_ rng: inout LCG, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: rng.next()) % JSONValue.maxSafeInteger)
        case 3:
            let alphabet: [String] = ["a", "Z", "\"", "\\", "\n", "\u{01}", "\u{7f}", "张", "😀", "/", " ", "é"]
            return .string((0..<Int(rng.next() % 8)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined())
        case 4: return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o = JSONObject()
            for i in 0..<Int(rng.next() % 5) {
                let key = ["k", "K", "é", "😀", "a\(i)", ""][Int(rng.next() % 6)] + String(i)
                o[key] = randomValue(&rng, depth: depth + 1)
            }
            return .object(o)
        }
    }
}

struct LCG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
}

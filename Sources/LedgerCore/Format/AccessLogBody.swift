import LedgerCrypto

/// Body of an `access` entry (FORMAT.md §6.7): the head of the ledger's access log — the hash chain over the
/// records of personal reads — after `size` records. The ledger appends one in an append's transaction when reads
/// were recorded since the last one, so the signed chain commits every read recorded before it: an access-log
/// record altered or deleted afterwards no longer hashes to a committed head.
public struct AccessLogBody: Sendable, Equatable {
    /// Records in the access log so far (≥ 1).
    public let size: UInt64
    /// The chain hash of record `size` (`AccessLogChain`).
    public let head: Digest32

    /// `size` must be within the format's integers (1 … 2^53 − 1); the store checks it before.
    public init(size: UInt64, head: Digest32) {
        self.size = min(size, UInt64(JSONValue.maxSafeInteger))
        self.head = head
    }

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "access")
        head = try r.digest("access_log_head")
        size = UInt64(try r.int("access_log_size", min: 1))
        try r.finish()
    }

    public var json: JSONObject {
        ["access_log_head": .string(head.hex), "access_log_size": .int(Int64(size))]
    }
}

/// The access log's hash chain (FORMAT.md §6.7). Record n (from 1) is the canonical JSON object
/// `{"at":…,"fields":[…],"n":n,"principal":…,"purpose":…,"seq":…}`; its hash is
/// H("aidledger/v1/access" || 0x00 || hash(n−1) || record), with hash(0) = 32 zero bytes and H the ledger's hash
/// function.
public enum AccessLogChain {
    public static let domain: [UInt8] = Array("aidledger/v1/access".utf8)

    public struct Record: Sendable, Equatable {
        public let n: UInt64
        /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
        public let at: String
        public let principal: String
        public let seq: UInt64
        public let fields: [String]
        public let purpose: String

        public init(n: UInt64, at: String, principal: String, seq: UInt64, fields: [String], purpose: String) {
            self.n = n
            self.at = at
            self.principal = principal
            self.seq = seq
            self.fields = fields
            self.purpose = purpose
        }

        /// Numbers beyond the format's integers (possible only in a tampered store) are written as the largest
        /// one: such a record cannot match a hash made for a real one.
        public var canonicalBytes: [UInt8] {
            let maxSafe = UInt64(JSONValue.maxSafeInteger)
            return CanonicalJSON.encode(.object(["at": .string(at), "fields": .array(fields.map { .string($0) }), "n": .int(Int64(min(n, maxSafe))),
                                                 "principal": .string(principal), "purpose": .string(purpose), "seq": .int(Int64(min(seq, maxSafe)))]))
        }
    }

    public static func hash(previous: Digest32, _ record: Record, hash: HashFunction) -> Digest32 {
        hash.begin()
        domain.withUnsafeBytes { hash.update($0) }
        hash.update(byte: 0)
        hash.update(previous)
        hash.update(record.canonicalBytes)
        return hash.finalize()
    }
}

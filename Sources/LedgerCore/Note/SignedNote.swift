import LedgerCrypto
/// A C2SP signed note: text ending in a newline, a blank line, then signature lines `— <name> <base64(keyID || sig)>`.
public struct SignedNote: Sendable, Equatable {
    public struct Signature: Sendable, Equatable {
        public let name: String
        public let keyID: UInt32
        public let signature: [UInt8]

        public init(name: String, keyID: UInt32, signature: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.signature = signature
        }
    }

    /// The signed text, including its final newline.
    public let text: String
    public let signatures: [Signature]

    /// Verifiers must accept at least 16 signatures; more than this many is rejected.
    public static let maxSignatures = 100

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Signs `text` with `key`.
    public static func sign(text: String, with key: NamedSigningKey) throws -> SignedNote {
        let signature = try key.sign(Array(text.utf8))
        return SignedNote(text: text, signatures: [Signature(name: key.name, keyID: key.verifierKey.keyID, signature: signature)])
    }

    /// The serialized note.
    public var serialized: String {
        var out = text + "\n"
        for s in signatures {
            let id: [UInt8] = [UInt8(s.keyID >> 24), UInt8(s.keyID >> 16 & 0xff), UInt8(s.keyID >> 8 & 0xff), UInt8(s.keyID & 0xff)]
            let blob: [UInt8] = id + s.signature
            out += "\u{2014} " + s.name + " " + Base64.encode(blob) + "\n"
        }
        return out
    }

    /// Parses a signed note. Does not verify signatures.
    public init(parsing note: String) throws(FormatError) {
        let bytes = Array(note.utf8)
        for b in bytes where b < 0x20 && b != 0x0a { throw FormatError(.badNote, "note contains a control character") }
        guard note.hasSuffix("\n") else { throw FormatError(.badNote, "note does not end with a newline") }
        // The text is separated from the signatures by the last blank line.
        var separator = -1
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0a && bytes[i + 1] == 0x0a { separator = i; break }
            i -= 1
        }
        guard separator >= 0 else { throw FormatError(.badNote, "note has no blank line before its signatures") }
        let text = String(decoding: bytes[0...separator], as: UTF8.self)
        let signatureLines = bytes[(separator + 2)...].split(separator: 0x0a, omittingEmptySubsequences: false).dropLast()
        let emDashSpace: [UInt8] = [0xe2, 0x80, 0x94, 0x20]
        var signatures: [Signature] = []
        for line in signatureLines {
            guard line.count > 4, Array(line.prefix(4)) == emDashSpace else {
                throw FormatError(.badNote, "signature line does not start with an em dash and a space")
            }
            let fields = line.dropFirst(4).split(separator: 0x20, omittingEmptySubsequences: false)
            guard fields.count == 2 else { throw FormatError(.badNote, "malformed signature line") }
            let name = String(decoding: fields[0], as: UTF8.self)
            guard VerifierKey.isValidName(name) else { throw FormatError(.badNote, "malformed key name in signature line") }
            guard let blob = Base64.decode(String(decoding: fields[1], as: UTF8.self)), blob.count > 4 else {
                throw FormatError(.badNote, "signature is not valid base64 of at least 5 bytes")
            }
            let id = UInt32(blob[0]) << 24 | UInt32(blob[1]) << 16 | UInt32(blob[2]) << 8 | UInt32(blob[3])
            signatures.append(Signature(name: name, keyID: id, signature: Array(blob.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw FormatError(.badNote, "note has no signatures") }
        guard signatures.count <= Self.maxSignatures else { throw FormatError(.badNote, "note has more than \(Self.maxSignatures) signatures") }
        self.init(text: text, signatures: signatures)
    }

    /// Verifies the note with `key`: a signature line with the key's name and ID must exist and verify.
    /// Signatures by other keys are ignored, as the signed-note spec requires.
    public func verify(with key: VerifierKey) -> Bool {
        let matching = signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
        guard !matching.isEmpty else { return false }
        let message = Array(text.utf8)
        return matching.allSatisfy { key.publicKey.verify(signature: $0.signature, message: message) }
    }
}

/// A C2SP tlog-checkpoint: origin, tree size and root hash of the ledger's RFC 6962 tree. No extension lines.
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: UInt64
    public let root: Digest32

    public init(origin: String, size: UInt64, root: Digest32) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n`.
    public var noteText: String { "\(origin)\n\(size)\n\(Base64.encode(root.bytes))\n" }

    /// Parses a checkpoint note text. Rejects extension lines (the format defines none).
    public init(parsingText text: String) throws(FormatError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 4, lines[3].isEmpty else { throw FormatError(.badCheckpoint, "checkpoint text must be exactly three lines (origin, size, root)") }
        guard !lines[0].isEmpty else { throw FormatError(.badCheckpoint, "checkpoint origin is empty") }
        let sizeText = String(lines[1])
        guard let size = UInt64(sizeText), String(size) == sizeText else { throw FormatError(.badCheckpoint, "checkpoint size \"\(sizeText)\" is not a decimal number without leading zeros") }
        guard let rootBytes = Base64.decode(String(lines[2])), let root = Digest32(bytes: rootBytes) else {
            throw FormatError(.badCheckpoint, "checkpoint root is not the base64 of 32 bytes")
        }
        self.init(origin: String(lines[0]), size: size, root: root)
    }
}

/// A checkpoint together with the signed note that carries it.
public struct SignedCheckpoint: Sendable, Equatable {
    public let checkpoint: Checkpoint
    public let note: SignedNote

    public init(parsing text: String) throws(FormatError) {
        let note = try SignedNote(parsing: text)
        self.checkpoint = try Checkpoint(parsingText: note.text)
        self.note = note
    }

    public init(checkpoint: Checkpoint, signedBy key: NamedSigningKey) throws {
        self.checkpoint = checkpoint
        self.note = try SignedNote.sign(text: checkpoint.noteText, with: key)
    }

    init(checkpoint: Checkpoint, note: SignedNote) {
        self.checkpoint = checkpoint
        self.note = note
    }

    public var serialized: String { note.serialized }
}

internal import COpenSSL

/// Whether 32 bytes are an acceptable Ed25519 public key (FORMAT.md §8.1): they decode to a point of the curve
/// as RFC 8032 §5.1.3 says (y below p, x recoverable, no "negative zero"), and the point is not of small order
/// (8·P is not the identity). OpenSSL imports any 32 bytes as a key and fails only when verifying, so a ledger
/// could otherwise enrol a key that no signature will ever verify under, or one of the eight small-order points,
/// under which a signature can verify for more than one message.
///
/// Public keys are public, so the arithmetic need not be constant-time: OpenSSL's BIGNUM modular arithmetic.
enum Ed25519PointCheck {
    enum Problem: Equatable {
        /// Not the encoding of a curve point (RFC 8032 §5.1.3 decoding fails).
        case notOnCurve
        /// A point whose order divides 8.
        case smallOrder
    }

    static func problem(_ raw: [UInt8]) -> Problem? {
        guard raw.count == 32 else { return .notOnCurve }
        let f = Ed25519Field()
        // y is the little-endian number with the top bit cleared; the top bit is the sign of x.
        var yBytes = raw
        yBytes[31] &= 0x7f
        let y = BigNumber(littleEndian: yBytes)
        guard f.isReduced(y) else { return .notOnCurve }
        let xSign = raw[31] >> 7
        // x² = (y² − 1) / (d·y² + 1); the denominator is never zero, as d is not a square.
        let y2 = f.square(y)
        let x2 = f.multiply(f.subtract(y2, f.one), f.inverse(f.add(f.multiply(f.d, y2), f.one)))
        var x: BigNumber
        if x2.isZero {
            guard xSign == 0 else { return .notOnCurve }
            x = x2
        } else {
            // p ≡ 5 (mod 8): a candidate root is x2^((p+3)/8), times √−1 if it squares to −x2.
            x = f.power(x2, f.pPlus3Over8)
            if !f.square(x).equals(x2) { x = f.multiply(x, f.squareRootOfMinusOne) }
            guard f.square(x).equals(x2) else { return .notOnCurve }
        }
        // 8·P by three doublings: 2(x, y) = (2xy / (1 + d·x²·y²), (y² + x²) / (1 − d·x²·y²)). The formulas are
        // complete on this curve (d is not a square), so no denominator is zero.
        var (px, py) = (x, y)
        for _ in 0..<3 {
            let xx = f.square(px), yy = f.square(py), xy = f.multiply(px, py)
            let dxxyy = f.multiply(f.d, f.multiply(xx, yy))
            (px, py) = (f.multiply(f.add(xy, xy), f.inverse(f.add(f.one, dxxyy))), f.multiply(f.add(yy, xx), f.inverse(f.subtract(f.one, dxxyy))))
        }
        return px.isZero && py.equals(f.one) ? .smallOrder : nil
    }
}

/// One OpenSSL `BIGNUM`, freed with this object. Its pointer is used only inside methods that take the objects
/// as arguments, which keeps them alive for the C call (a temporary's pointer read in an argument list is not).
final class BigNumber {
    let pointer: OpaquePointer

    init() {
        guard let pointer = BN_new() else { preconditionFailure("BN_new: out of memory") }
        self.pointer = pointer
    }

    convenience init(word: UInt) {
        self.init()
        Ed25519Field.require(BN_set_word(pointer, word) == 1)
    }

    convenience init(littleEndian bytes: [UInt8]) {
        self.init()
        Ed25519Field.require(bytes.withUnsafeBufferPointer { BN_lebin2bn($0.baseAddress, Int32($0.count), pointer) } != nil)
    }

    deinit { BN_free(pointer) }

    /// Makes this number a copy of `other`.
    func assign(_ other: BigNumber) { Ed25519Field.require(BN_copy(pointer, other.pointer) != nil) }

    var isZero: Bool { BN_is_zero(pointer) == 1 }
    func equals(_ other: BigNumber) -> Bool { BN_cmp(pointer, other.pointer) == 0 }
}

/// Arithmetic modulo p = 2^255 − 19 with the constants of edwards25519 (RFC 8032 §5.1). Owns its `BN_CTX`.
/// A failing BIGNUM call can only mean memory exhaustion (the inputs are reduced and the modulus is odd
/// and prime), which is a precondition failure, not a verdict on the key.
final class Ed25519Field {
    let context: OpaquePointer
    let p = BigNumber(), one = BigNumber(word: 1), d: BigNumber, squareRootOfMinusOne: BigNumber
    let pMinus2 = BigNumber(), pPlus3Over8 = BigNumber()

    init() {
        guard let context = BN_CTX_new() else { preconditionFailure("BN_CTX_new: out of memory") }
        self.context = context
        Self.require(BN_set_bit(p.pointer, 255) == 1 && BN_sub_word(p.pointer, 19) == 1)
        pMinus2.assign(p)
        Self.require(BN_sub_word(pMinus2.pointer, 2) == 1)
        Self.require(BN_rshift(pPlus3Over8.pointer, p.pointer, 3) == 1 && BN_add_word(pPlus3Over8.pointer, 1) == 1) // (p + 3) / 8 = ⌊p / 8⌋ + 1, as p ≡ 5 (mod 8)
        d = BigNumber()
        squareRootOfMinusOne = BigNumber()
        // d = −121665 / 121666.
        d.assign(subtract(BigNumber(), multiply(BigNumber(word: 121_665), inverse(BigNumber(word: 121_666)))))
        // √−1 = 2^((p−1)/4) = 2^(⌊p / 4⌋), as p ≡ 1 (mod 4).
        let exponent = BigNumber()
        Self.require(BN_rshift(exponent.pointer, p.pointer, 2) == 1)
        squareRootOfMinusOne.assign(power(BigNumber(word: 2), exponent))
    }

    deinit { BN_CTX_free(context) }

    static func require(_ ok: Bool) {
        precondition(ok, "OpenSSL BIGNUM arithmetic failed (out of memory)")
    }

    func isReduced(_ a: BigNumber) -> Bool { BN_cmp(a.pointer, p.pointer) < 0 }

    func add(_ a: BigNumber, _ b: BigNumber) -> BigNumber {
        let r = BigNumber()
        Self.require(BN_mod_add(r.pointer, a.pointer, b.pointer, p.pointer, context) == 1)
        return r
    }

    func subtract(_ a: BigNumber, _ b: BigNumber) -> BigNumber {
        let r = BigNumber()
        Self.require(BN_mod_sub(r.pointer, a.pointer, b.pointer, p.pointer, context) == 1)
        return r
    }

    func multiply(_ a: BigNumber, _ b: BigNumber) -> BigNumber {
        let r = BigNumber()
        Self.require(BN_mod_mul(r.pointer, a.pointer, b.pointer, p.pointer, context) == 1)
        return r
    }

    func square(_ a: BigNumber) -> BigNumber { multiply(a, a) }

    func power(_ a: BigNumber, _ e: BigNumber) -> BigNumber {
        let r = BigNumber()
        Self.require(BN_mod_exp(r.pointer, a.pointer, e.pointer, p.pointer, context) == 1)
        return r
    }

    /// a^(p−2) = 1/a for a ≠ 0 (Fermat); 0 for a = 0, which the callers never pass.
    func inverse(_ a: BigNumber) -> BigNumber { power(a, pMinus2) }
}

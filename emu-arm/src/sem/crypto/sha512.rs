//! SHA-512 (FEAT_SHA512) and SHA-3 (FEAT_SHA3) instructions on 128-bit values, as the
//! Arm ARM's pseudocode defines them: each SHA512H/SHA512H2 does two rounds of the
//! FIPS 180-4 compression on 64-bit lanes, SHA512SU0/SU1 the message schedule, and the
//! SHA-3 ones are the bitwise steps of Keccak.

use crate::decode::fp_simd::crypto::{FourReg, Sha512Three};

fn halves(v: u128) -> (u64, u64) {
    (v as u64, (v >> 64) as u64)
}

fn join(lo: u64, hi: u64) -> u128 {
    u128::from(lo) | (u128::from(hi) << 64)
}

fn big_sigma1(x: u64) -> u64 {
    x.rotate_right(14) ^ x.rotate_right(18) ^ x.rotate_right(41)
}

fn big_sigma0(x: u64) -> u64 {
    x.rotate_right(28) ^ x.rotate_right(34) ^ x.rotate_right(39)
}

fn small_sigma0(x: u64) -> u64 {
    x.rotate_right(1) ^ x.rotate_right(8) ^ (x >> 7)
}

fn small_sigma1(x: u64) -> u64 {
    x.rotate_right(19) ^ x.rotate_right(61) ^ (x >> 6)
}

/// SHA512H, SHA512H2, SHA512SU1 and RAX1: `d` is the destination's old value.
pub fn three_reg(op: Sha512Three, d: u128, n: u128, m: u128) -> u128 {
    let (x_lo, x_hi) = halves(n);
    let (y_lo, y_hi) = halves(m);
    let (w_lo, w_hi) = halves(d);
    match op {
        Sha512Three::Sha512H => {
            let choose = (y_hi & x_lo) ^ (!y_hi & x_hi);
            let hi = choose.wrapping_add(big_sigma1(y_hi)).wrapping_add(w_hi);
            let tmp = hi.wrapping_add(y_lo);
            let choose = (tmp & y_hi) ^ (!tmp & x_lo);
            let lo = choose.wrapping_add(big_sigma1(tmp)).wrapping_add(w_lo);
            join(lo, hi)
        }
        Sha512Three::Sha512H2 => {
            let majority = (x_lo & y_hi) ^ (x_lo & y_lo) ^ (y_hi & y_lo);
            let hi = majority.wrapping_add(big_sigma0(y_lo)).wrapping_add(w_hi);
            let majority = (hi & y_lo) ^ (hi & y_hi) ^ (y_hi & y_lo);
            let lo = majority.wrapping_add(big_sigma0(hi)).wrapping_add(w_lo);
            join(lo, hi)
        }
        Sha512Three::Sha512Su1 => {
            let hi = w_hi.wrapping_add(small_sigma1(x_hi)).wrapping_add(y_hi);
            let lo = w_lo.wrapping_add(small_sigma1(x_lo)).wrapping_add(y_lo);
            join(lo, hi)
        }
        Sha512Three::Rax1 => join(x_lo ^ y_lo.rotate_left(1), x_hi ^ y_hi.rotate_left(1)),
    }
}

/// SHA512SU0: `d` is the destination's old value, `n` the other operand.
pub fn su0(d: u128, n: u128) -> u128 {
    let (x_lo, _) = halves(n);
    let (w_lo, w_hi) = halves(d);
    join(
        w_lo.wrapping_add(small_sigma0(w_hi)),
        w_hi.wrapping_add(small_sigma0(x_lo)),
    )
}

/// EOR3 and BCAX.
pub fn four_reg(op: FourReg, n: u128, m: u128, a: u128) -> u128 {
    match op {
        FourReg::Eor3 => n ^ m ^ a,
        FourReg::Bcax => n ^ (m & !a),
    }
}

/// XAR: each 64-bit lane of `n EOR m` rotated right by `amount`.
pub fn xar(n: u128, m: u128, amount: u32) -> u128 {
    let (lo, hi) = halves(n ^ m);
    join(lo.rotate_right(amount), hi.rotate_right(amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha3_bitwise_steps() {
        let (n, m, a) = (0xf0u128, 0xccu128, 0xaau128);
        assert_eq!(four_reg(FourReg::Eor3, n, m, a), 0xf0 ^ 0xcc ^ 0xaa);
        assert_eq!(four_reg(FourReg::Bcax, n, m, a), 0xf0 ^ (0xcc & !0xaa));
        let v = join(0x8000_0000_0000_0001, 0x1);
        assert_eq!(three_reg(Sha512Three::Rax1, 0, 0, v), join(0x3, 0x2));
        assert_eq!(xar(join(0x10, 0x1), 0, 4), join(0x1, 0x1000_0000_0000_0000));
    }

    /// The message schedule halves are FIPS 180-4's W[t] = s1(W[t-2]) + W[t-7] +
    /// s0(W[t-15]) + W[t-16], split as SHA512SU0 (the s0 part) and SHA512SU1.
    #[test]
    fn message_schedule_matches_fips_180_4() {
        let w: Vec<u64> = (0..16u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x0123_4567_89ab_cdef)
            .collect();
        let s0 = |x: u64| x.rotate_right(1) ^ x.rotate_right(8) ^ (x >> 7);
        let s1 = |x: u64| x.rotate_right(19) ^ x.rotate_right(61) ^ (x >> 6);
        let expect = |t: usize| {
            s1(w[t - 2])
                .wrapping_add(w[t - 7])
                .wrapping_add(s0(w[t - 15]))
                .wrapping_add(w[t - 16])
        };
        // W[16], W[17] from (W0,W1), (W2,..), W[9],W[10] and (W14,W15).
        let part = su0(join(w[0], w[1]), join(w[2], w[3]));
        let got = three_reg(
            Sha512Three::Sha512Su1,
            part,
            join(w[14], w[15]),
            join(w[9], w[10]),
        );
        assert_eq!(got, join(expect(16), expect(17)));
    }
}

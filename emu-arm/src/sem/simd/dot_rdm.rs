//! Beyond Armv8.0: SQRDMLAH/SQRDMLSH (FEAT_RDM, Armv8.1) and SDOT/UDOT (FEAT_DotProd,
//! Armv8.2), in their vector, scalar and by-element forms. Advertised through
//! `features` (ID_AA64ISAR0_EL1.RDM/DP, HWCAP_ASIMDRDM/ASIMDDP).

use super::int::{elem_index, set_qc};
use super::lanes::*;
use crate::decode::fp_simd::simd::{esize, ThreeSameExtra};
use crate::decode::{bit, bits, rd, rm, rn};
use crate::state::CpuState;

/// SQRDMLAH/SQRDMLSH on one element: `acc + 2*a*b` (or `acc - 2*a*b`), rounded to the
/// top half of the doubled width and saturated (the Arm ARM's `SignedSatQ`), so a
/// product is never rounded before it meets the accumulator.
pub fn qrdmlah(acc: u64, a: u64, b: u64, es: u32, sub: bool, qc: &mut bool) -> u64 {
    let product = 2 * sx(a, es) * sx(b, es);
    let product = if sub { -product } else { product };
    let sum = (sx(acc, es) << es) + product + (1i128 << (es - 1));
    sat(sum >> es, es, true, qc)
}

/// SDOT/UDOT on one 32-bit lane: the four byte products of `a` and `b` added to `acc`
/// (modulo 2^32).
pub fn dot_lane(acc: u64, a: u64, b: u64, unsigned: bool) -> u64 {
    let sum: i128 = (0..4)
        .map(|k| ext(a >> (8 * k), 8, !unsigned) * ext(b >> (8 * k), 8, !unsigned))
        .sum();
    (acc as i128).wrapping_add(sum) as u64 & ones(32)
}

/// The vector and scalar "three same extra" class.
pub fn three_same_extra(st: &mut CpuState, w: u32, op: ThreeSameExtra, scalar: bool) {
    let q = bit(w, 30) && !scalar;
    let a = vget(st, rn(w));
    let b = vget(st, rm(w));
    let d = vget(st, rd(w));
    let mut r = 0u128;
    match op {
        ThreeSameExtra::QRDMlah { sub } => {
            let es = esize(bits(w, 23, 22));
            let lanes = if scalar { 1 } else { count(q, es) };
            let mut qc = false;
            for i in 0..lanes {
                let v = qrdmlah(
                    lane(d, es, i),
                    lane(a, es, i),
                    lane(b, es, i),
                    es,
                    sub,
                    &mut qc,
                );
                set_lane(&mut r, es, i, v);
            }
            set_qc(st, qc);
        }
        ThreeSameExtra::Dot { unsigned } => {
            for i in 0..count(q, 32) {
                let v = dot_lane(lane(d, 32, i), lane(a, 32, i), lane(b, 32, i), unsigned);
                set_lane(&mut r, 32, i, v);
            }
        }
    }
    vset(st, rd(w), r, q);
}

/// SQRDMLAH/SQRDMLSH (by element), vector or scalar.
pub fn qrdmlah_by_elem(st: &mut CpuState, w: u32, sub: bool, scalar: bool) {
    let q = bit(w, 30) && !scalar;
    let es = esize(bits(w, 23, 22));
    let (index, m) = elem_index(w, es);
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let element = lane(vget(st, m), es, index);
    let lanes = if scalar { 1 } else { count(q, es) };
    let mut r = 0u128;
    let mut qc = false;
    for i in 0..lanes {
        let v = qrdmlah(lane(d, es, i), lane(a, es, i), element, es, sub, &mut qc);
        set_lane(&mut r, es, i, v);
    }
    set_qc(st, qc);
    vset(st, rd(w), r, q);
}

/// SDOT/UDOT (by element): every lane uses the same group of four bytes of Vm.
pub fn dot_by_elem(st: &mut CpuState, w: u32, unsigned: bool) {
    let q = bit(w, 30);
    let (index, m) = elem_index(w, 32);
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let group = lane(vget(st, m), 32, index);
    let mut r = 0u128;
    for i in 0..count(q, 32) {
        set_lane(
            &mut r,
            32,
            i,
            dot_lane(lane(d, 32, i), lane(a, 32, i), group, unsigned),
        );
    }
    vset(st, rd(w), r, q);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qrdmlah_rounds_once_and_saturates() {
        let mut qc = false;
        // 0x4000 * 0x4000 * 2 = 0x2000_0000, >> 16 = 0x2000; plus the accumulator.
        assert_eq!(qrdmlah(0x0001, 0x4000, 0x4000, 16, false, &mut qc), 0x2001);
        assert!(!qc);
        // -32768 * -32768 * 2 overflows the 16-bit result: saturates to 0x7fff.
        assert_eq!(qrdmlah(0, 0x8000, 0x8000, 16, false, &mut qc), 0x7fff);
        assert!(qc);
        qc = false;
        // Subtracting from the most negative value saturates low.
        assert_eq!(
            qrdmlah(0x8000_0000, 0x4000_0000, 0x4000_0000, 32, true, &mut qc),
            0x8000_0000
        );
        assert!(qc);
    }

    #[test]
    fn dot_lane_sums_four_signed_or_unsigned_products() {
        // bytes (1, 2, 3, 0xff) . (4, 5, 6, 0xff)
        let (a, b) = (0xff03_0201, 0xff06_0504);
        assert_eq!(dot_lane(10, a, b, false), 10 + 4 + 10 + 18 + 1);
        assert_eq!(dot_lane(10, a, b, true), 10 + 4 + 10 + 18 + 255 * 255);
        // The sum wraps at 32 bits.
        assert_eq!(dot_lane(0xffff_ffff, 0x01, 0x01, true), 0);
    }
}

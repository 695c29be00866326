//! Advanced SIMD integer helpers: three-same, three-different, two-register misc,
//! across-lanes, shift by immediate and by-element, vector and scalar forms.

use super::lanes::*;
use crate::decode::fp_simd::simd::{
    esize, ByElem, CmpZero, ShiftImm, ThreeDiff, ThreeSame, TwoReg,
};
use crate::decode::{bit, bits, rd, rm, rn};
use crate::sem::fp_simd::fp::arm_float::fpsr;
use crate::state::CpuState;

/// Records saturation in FPSR.QC.
pub fn set_qc(st: &mut CpuState, qc: bool) {
    if qc {
        st.fpsr |= fpsr::QC as u64;
    }
}

/// One element of an integer three-same operation; `d` is the destination's old element.
pub fn three_same_lane(op: ThreeSame, es: u32, a: u64, b: u64, d: u64, qc: &mut bool) -> u64 {
    use ThreeSame::*;
    let m = ones(es);
    match op {
        HAdd { unsigned } => {
            let s = !unsigned;
            ((ext(a, es, s) + ext(b, es, s)) >> 1) as u64 & m
        }
        RHAdd { unsigned } => {
            let s = !unsigned;
            ((ext(a, es, s) + ext(b, es, s) + 1) >> 1) as u64 & m
        }
        HSub { unsigned } => {
            let s = !unsigned;
            ((ext(a, es, s) - ext(b, es, s)) >> 1) as u64 & m
        }
        QAdd { unsigned } => sat(
            ext(a, es, !unsigned) + ext(b, es, !unsigned),
            es,
            !unsigned,
            qc,
        ),
        QSub { unsigned } => sat(
            ext(a, es, !unsigned) - ext(b, es, !unsigned),
            es,
            !unsigned,
            qc,
        ),
        CmGt { unsigned } => mask_if(ext(a, es, !unsigned) > ext(b, es, !unsigned), es),
        CmGe { unsigned } => mask_if(ext(a, es, !unsigned) >= ext(b, es, !unsigned), es),
        Shl { unsigned } => shl_reg(a, b, es, !unsigned, false),
        RShl { unsigned } => shl_reg(a, b, es, !unsigned, true),
        QShl { unsigned } => qshl_reg(a, b, es, !unsigned, false, qc),
        QRShl { unsigned } => qshl_reg(a, b, es, !unsigned, true, qc),
        QDMulH { round } => qdmulh(a, b, es, round, qc),
        Pmul => pmul8(a, b) & 0xff,
        Max { unsigned } | MaxP { unsigned } => {
            if ext(a, es, !unsigned) >= ext(b, es, !unsigned) {
                a
            } else {
                b
            }
        }
        Min { unsigned } | MinP { unsigned } => {
            if ext(a, es, !unsigned) <= ext(b, es, !unsigned) {
                a
            } else {
                b
            }
        }
        Abd { unsigned } => {
            (ext(a, es, !unsigned) - ext(b, es, !unsigned)).unsigned_abs() as u64 & m
        }
        Aba { unsigned } => {
            let diff = (ext(a, es, !unsigned) - ext(b, es, !unsigned)).unsigned_abs() as u64;
            d.wrapping_add(diff) & m
        }
        Add | AddP => a.wrapping_add(b) & m,
        Sub => a.wrapping_sub(b) & m,
        CmTst => mask_if(a & b & m != 0, es),
        CmEq => mask_if(a & m == b & m, es),
        Mla => d.wrapping_add(a.wrapping_mul(b)) & m,
        Mls => d.wrapping_sub(a.wrapping_mul(b)) & m,
        Mul => a.wrapping_mul(b) & m,
        // Bitwise and FP operations are handled on whole vectors elsewhere.
        And | Bic | Orr | Orn | Eor | Bsl | Bit | Bif | Fp { .. } => 0,
    }
}

/// The bitwise three-same operations on whole vectors.
pub fn logic(op: ThreeSame, a: u128, b: u128, d: u128) -> u128 {
    use ThreeSame::*;
    match op {
        And => a & b,
        Bic => a & !b,
        Orr => a | b,
        Orn => a | !b,
        Eor => a ^ b,
        Bsl => (d & a) | (!d & b),
        Bit => (a & b) | (d & !b),
        Bif => (a & !b) | (d & b),
        _ => 0,
    }
}

fn is_pairwise(op: ThreeSame) -> bool {
    matches!(
        op,
        ThreeSame::MaxP { .. } | ThreeSame::MinP { .. } | ThreeSame::AddP
    )
}

/// Vector integer three-same (including the pairwise and bitwise forms).
pub fn three_same(st: &mut CpuState, w: u32, op: ThreeSame) {
    let q = bit(w, 30);
    let es = esize(bits(w, 23, 22));
    let (a, b, d) = (vget(st, rn(w)), vget(st, rm(w)), vget(st, rd(w)));
    if let Some(r) = logic_result(op, a, b, d) {
        vset(st, rd(w), r, q);
        return;
    }
    let n = count(q, es);
    let mut r = 0u128;
    let mut qc = false;
    if is_pairwise(op) {
        // Pairs of Vm:Vn concatenated: the low half of the result from Vn, the high from Vm.
        for i in 0..n {
            let src = if i < n / 2 { a } else { b };
            let j = (i % (n / 2)) * 2;
            let x = three_same_lane(op, es, lane(src, es, j), lane(src, es, j + 1), 0, &mut qc);
            set_lane(&mut r, es, i, x);
        }
    } else {
        for i in 0..n {
            let x = three_same_lane(
                op,
                es,
                lane(a, es, i),
                lane(b, es, i),
                lane(d, es, i),
                &mut qc,
            );
            set_lane(&mut r, es, i, x);
        }
    }
    set_qc(st, qc);
    vset(st, rd(w), r, q);
}

fn logic_result(op: ThreeSame, a: u128, b: u128, d: u128) -> Option<u128> {
    use ThreeSame::*;
    matches!(op, And | Bic | Orr | Orn | Eor | Bsl | Bit | Bif).then(|| logic(op, a, b, d))
}

/// Scalar integer three-same and ADDP (scalar): one element, the rest zeroed.
pub fn scalar_three_same(st: &mut CpuState, w: u32, op: ThreeSame) {
    let es = esize(bits(w, 23, 22));
    let mut qc = false;
    let r = if op == ThreeSame::AddP {
        let a = vget(st, rn(w));
        lane(a, 64, 0).wrapping_add(lane(a, 64, 1))
    } else {
        let a = lane(vget(st, rn(w)), es, 0);
        let b = lane(vget(st, rm(w)), es, 0);
        three_same_lane(op, es, a, b, 0, &mut qc)
    };
    set_qc(st, qc);
    vset(st, rd(w), r as u128, false);
}

/// Three registers of different widths (long, wide and narrowing-high forms).
pub fn three_diff(st: &mut CpuState, w: u32, op: ThreeDiff, unsigned: bool) {
    use ThreeDiff::*;
    let q = bit(w, 30);
    let es = esize(bits(w, 23, 22));
    let wide = es * 2;
    let signed = !unsigned;
    let (a, b, d) = (vget(st, rn(w)), vget(st, rm(w)), vget(st, rd(w)));
    // "2" forms read the narrow operands from the upper halves.
    let half = if q { 64 / es } else { 0 };
    let n = 64 / es;
    let mut r = 0u128;
    let mut qc = false;
    match op {
        AddHn { round } | SubHn { round } => {
            for i in 0..n {
                let (x, y) = (lane(a, wide, i), lane(b, wide, i));
                let s = if matches!(op, AddHn { .. }) {
                    x.wrapping_add(y)
                } else {
                    x.wrapping_sub(y)
                } & ones(wide);
                let s = s as u128 + if round { 1u128 << (es - 1) } else { 0 };
                set_lane(&mut r, es, i, (s >> es) as u64);
            }
            // ADDHN2 writes the upper half and keeps the lower.
            let r = if q {
                (d & u64::MAX as u128) | (r << 64)
            } else {
                r
            };
            vset(st, rd(w), r, q);
            return;
        }
        _ => {}
    }
    for i in 0..n {
        let y = ext(lane(b, es, i + half), es, signed);
        let x_narrow = ext(lane(a, es, i + half), es, signed);
        let x_wide = ext(lane(a, wide, i), wide, signed);
        let acc = lane(d, wide, i) as i128;
        let v = match op {
            AddL => x_narrow + y,
            AddW => x_wide + y,
            SubL => x_narrow - y,
            SubW => x_wide - y,
            AbdL => (x_narrow - y).abs(),
            AbaL => acc + (x_narrow - y).abs(),
            MulL => x_narrow * y,
            MlaL => acc + x_narrow * y,
            MlsL => acc - x_narrow * y,
            PMulL => pmul8(lane(a, es, i + half), lane(b, es, i + half)) as i128,
            QDMulL | QDMlaL | QDMlsL => {
                let (xa, yb) = (lane(a, es, i + half), lane(b, es, i + half));
                doubling_long(op, xa, yb, lane(d, wide, i), es, &mut qc) as i128
            }
            AddHn { .. } | SubHn { .. } => 0,
        };
        set_lane(&mut r, wide, i, v as u64);
    }
    set_qc(st, qc);
    vset(st, rd(w), r, true);
}

/// SQDMULL, SQDMLAL, SQDMLSL on one element pair: the doubled product saturates, then
/// the accumulation saturates again. Returns the 2*es-bit result.
fn doubling_long(op: ThreeDiff, a: u64, b: u64, acc: u64, es: u32, qc: &mut bool) -> u64 {
    let wide = 2 * es;
    let p = qdmull(a, b, es, qc);
    let acc = sx(acc, wide);
    match op {
        ThreeDiff::QDMlaL => sat(acc + p, wide, true, qc),
        ThreeDiff::QDMlsL => sat(acc - p, wide, true, qc),
        _ => p as u64 & ones(wide),
    }
}

/// Scalar SQDMULL/SQDMLAL/SQDMLSL.
pub fn scalar_three_diff(st: &mut CpuState, w: u32, op: ThreeDiff) {
    let es = esize(bits(w, 23, 22));
    let a = lane(vget(st, rn(w)), es, 0);
    let b = lane(vget(st, rm(w)), es, 0);
    let acc = lane(vget(st, rd(w)), 2 * es, 0);
    let mut qc = false;
    let r = doubling_long(op, a, b, acc, es, &mut qc);
    set_qc(st, qc);
    vset(st, rd(w), r as u128, false);
}

/// Integer two-register misc operations (vector, and scalar when `scalar`).
pub fn two_reg(st: &mut CpuState, w: u32, op: TwoReg, scalar: bool) {
    use TwoReg::*;
    let q = bit(w, 30) && !scalar;
    let size = bits(w, 23, 22);
    // NOT and RBIT (size 00 and 01) both work on bytes.
    let es = if matches!(op, Not | Rbit) {
        8
    } else {
        esize(size)
    };
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let n = if scalar { 1 } else { count(q, es) };
    let mut r = 0u128;
    let mut qc = false;
    match op {
        Xtn | QXtn { .. } => {
            // Narrow 2*es-bit elements to es bits; "2" forms fill the upper half.
            let wide = es * 2;
            let n = if scalar { 1 } else { 64 / es };
            for i in 0..n {
                let x = lane(a, wide, i);
                let v = match op {
                    QXtn {
                        src_signed,
                        dst_signed,
                    } => sat(ext(x, wide, src_signed), es, dst_signed, &mut qc),
                    _ => x & ones(es),
                };
                set_lane(&mut r, es, i, v);
            }
            set_qc(st, qc);
            let r = if q {
                (d & u64::MAX as u128) | (r << 64)
            } else {
                r
            };
            vset(st, rd(w), r, q);
            return;
        }
        Shll => {
            let half = if q { 64 / es } else { 0 };
            for i in 0..64 / es {
                set_lane(&mut r, es * 2, i, lane(a, es, i + half) << es);
            }
            vset(st, rd(w), r, true);
            return;
        }
        AddLp {
            unsigned,
            accumulate,
        } => {
            let wide = es * 2;
            for i in 0..count(q, wide) {
                let s = ext(lane(a, es, 2 * i), es, !unsigned)
                    + ext(lane(a, es, 2 * i + 1), es, !unsigned);
                let acc = if accumulate {
                    lane(d, wide, i) as i128
                } else {
                    0
                };
                set_lane(&mut r, wide, i, (s + acc) as u64);
            }
            vset(st, rd(w), r, q);
            return;
        }
        Rev { container } => {
            let per = container / es;
            for i in 0..n {
                let j = (i / per) * per + (per - 1 - i % per);
                set_lane(&mut r, es, i, lane(a, es, j));
            }
            vset(st, rd(w), r, q);
            return;
        }
        _ => {}
    }
    for i in 0..n {
        let x = lane(a, es, i);
        let s = sx(x, es);
        let v = match op {
            Cls => {
                // Leading bits equal to the sign bit, not counting the sign bit itself.
                let y = if s < 0 { !x & ones(es) } else { x };
                (y.leading_zeros() - (64 - es)) as u64 - 1
            }
            Clz => (x.leading_zeros() - (64 - es)) as u64,
            Cnt => x.count_ones() as u64,
            Not => !x & ones(es),
            Rbit => (x as u8).reverse_bits() as u64,
            CmZero(c) => mask_if(
                match c {
                    CmpZero::Gt => s > 0,
                    CmpZero::Ge => s >= 0,
                    CmpZero::Eq => s == 0,
                    CmpZero::Le => s <= 0,
                    CmpZero::Lt => s < 0,
                },
                es,
            ),
            Abs => s.unsigned_abs() as u64 & ones(es),
            Neg => (-s) as u64 & ones(es),
            QAbs => sat(s.abs(), es, true, &mut qc),
            QNeg => sat(-s, es, true, &mut qc),
            SatAccumulate { unsigned } => {
                // The accumulator (Vd) has the named signedness, the addend the other.
                let old = lane(d, es, i);
                sat(
                    ext(old, es, !unsigned) + ext(x, es, unsigned),
                    es,
                    !unsigned,
                    &mut qc,
                )
            }
            _ => 0,
        };
        set_lane(&mut r, es, i, v);
    }
    set_qc(st, qc);
    vset(st, rd(w), r, q);
}

/// Across-lanes integer reductions.
pub fn across(st: &mut CpuState, w: u32, op: crate::decode::fp_simd::simd::Across) {
    use crate::decode::fp_simd::simd::Across::*;
    let q = bit(w, 30);
    let es = esize(bits(w, 23, 22));
    let a = vget(st, rn(w));
    let n = count(q, es);
    let r: u64 = match op {
        AddLv { unsigned } => {
            let s: i128 = (0..n).map(|i| ext(lane(a, es, i), es, !unsigned)).sum();
            s as u64 & ones(es * 2)
        }
        MaxV { unsigned } => (0..n)
            .map(|i| lane(a, es, i))
            .max_by_key(|&x| ext(x, es, !unsigned))
            .unwrap_or(0),
        MinV { unsigned } => (0..n)
            .map(|i| lane(a, es, i))
            .min_by_key(|&x| ext(x, es, !unsigned))
            .unwrap_or(0),
        AddV => (0..n).fold(0u64, |acc, i| acc.wrapping_add(lane(a, es, i))) & ones(es),
        _ => 0,
    };
    vset(st, rd(w), r as u128, false);
}

/// Shift by immediate, integer forms (the FP conversions are in `fpvec.rs`).
pub fn shift_imm(st: &mut CpuState, w: u32, op: ShiftImm, scalar: bool) {
    use ShiftImm::*;
    let q = bit(w, 30) && !scalar;
    let immh = bits(w, 22, 19);
    let immhb = bits(w, 22, 16);
    // Element size from the highest set bit of immh.
    let es = 8 << (31 - immh.leading_zeros());
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let n = if scalar { 1 } else { count(q, es) };
    let right = 2 * es - immhb;
    let left = immhb - es;
    let mut r = 0u128;
    let mut qc = false;
    match op {
        Shrn {
            round,
            sat: saturate,
        } => {
            // Source elements are 2*es wide; shift right by `right` (1..=es).
            let wide = es * 2;
            let n = if scalar { 1 } else { 64 / es };
            let src_signed = saturate.is_some_and(|(s, _)| s);
            for i in 0..n {
                let mut v = ext(lane(a, wide, i), wide, src_signed);
                if round {
                    v += 1i128 << (right - 1);
                }
                v >>= right;
                let x = match saturate {
                    Some((_, dst_signed)) => sat(v, es, dst_signed, &mut qc),
                    None => v as u64 & ones(es),
                };
                set_lane(&mut r, es, i, x);
            }
            set_qc(st, qc);
            let r = if q {
                (d & u64::MAX as u128) | (r << 64)
            } else {
                r
            };
            vset(st, rd(w), r, q);
            return;
        }
        Shll { unsigned } => {
            let half = if q { 64 / es } else { 0 };
            for i in 0..64 / es {
                let v = ext(lane(a, es, i + half), es, !unsigned) << left;
                set_lane(&mut r, es * 2, i, v as u64);
            }
            vset(st, rd(w), r, true);
            return;
        }
        _ => {}
    }
    for i in 0..n {
        let x = lane(a, es, i);
        let old = lane(d, es, i);
        let v = match op {
            ShrR {
                unsigned,
                round,
                accumulate,
            } => {
                let s = shr(x, right, es, !unsigned, round);
                if accumulate {
                    old.wrapping_add(s) & ones(es)
                } else {
                    s
                }
            }
            Shl => (x << left) & ones(es),
            QShl {
                src_signed,
                dst_signed,
            } => left_sat(ext(x, es, src_signed), left, es, dst_signed, &mut qc),
            Sri => {
                let m = if right >= es { 0 } else { ones(es) >> right };
                let ins = if right >= es { 0 } else { x >> right };
                (old & !m) | ins
            }
            Sli => {
                let m = (ones(es) << left) & ones(es);
                (old & !m) | ((x << left) & ones(es))
            }
            _ => 0,
        };
        set_lane(&mut r, es, i, v);
    }
    set_qc(st, qc);
    vset(st, rd(w), r, q);
}

/// The element index and register of a by-element operand of `es` bits.
pub fn elem_index(w: u32, es: u32) -> (u32, u32) {
    let (h, l, m) = (bit(w, 11) as u32, bit(w, 21) as u32, bit(w, 20) as u32);
    match es {
        16 => ((h << 2) | (l << 1) | m, bits(w, 19, 16)),
        32 => ((h << 1) | l, bits(w, 20, 16)),
        _ => (h, bits(w, 20, 16)),
    }
}

/// Integer multiplies by element (vector; and scalar for the doubling forms).
pub fn by_elem(st: &mut CpuState, w: u32, op: ByElem, scalar: bool) {
    use ByElem::*;
    let q = bit(w, 30) && !scalar;
    let es = esize(bits(w, 23, 22));
    let (idx, m) = elem_index(w, es);
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let e = lane(vget(st, m), es, idx);
    let mut r = 0u128;
    match op {
        Mul | Mla | Mls => {
            for i in 0..count(q, es) {
                let p = lane(a, es, i).wrapping_mul(e);
                let old = lane(d, es, i);
                let v = match op {
                    Mla => old.wrapping_add(p),
                    Mls => old.wrapping_sub(p),
                    _ => p,
                };
                set_lane(&mut r, es, i, v);
            }
            vset(st, rd(w), r, q);
        }
        MulL { unsigned } | MlaL { unsigned } | MlsL { unsigned } => {
            let half = if q { 64 / es } else { 0 };
            let y = ext(e, es, !unsigned);
            for i in 0..64 / es {
                let p = ext(lane(a, es, i + half), es, !unsigned) * y;
                let old = lane(d, es * 2, i) as i128;
                let v = match op {
                    MlaL { .. } => old + p,
                    MlsL { .. } => old - p,
                    _ => p,
                };
                set_lane(&mut r, es * 2, i, v as u64);
            }
            vset(st, rd(w), r, true);
        }
        QDMulH { round } => {
            let mut qc = false;
            let n = if scalar { 1 } else { count(q, es) };
            for i in 0..n {
                set_lane(&mut r, es, i, qdmulh(lane(a, es, i), e, es, round, &mut qc));
            }
            set_qc(st, qc);
            vset(st, rd(w), r, q);
        }
        QDMulL | QDMlaL | QDMlsL => {
            let mut qc = false;
            let half = if q { 64 / es } else { 0 };
            let n = if scalar { 1 } else { 64 / es };
            let op3 = match op {
                QDMlaL => ThreeDiff::QDMlaL,
                QDMlsL => ThreeDiff::QDMlsL,
                _ => ThreeDiff::QDMulL,
            };
            for i in 0..n {
                let x = lane(a, es, i + half);
                let v = doubling_long(op3, x, e, lane(d, 2 * es, i), es, &mut qc);
                set_lane(&mut r, 2 * es, i, v);
            }
            set_qc(st, qc);
            vset(st, rd(w), r, !scalar);
        }
        QRDMlah { sub } => super::dot_rdm::qrdmlah_by_elem(st, w, sub, scalar),
        Dot { unsigned } => super::dot_rdm::dot_by_elem(st, w, unsigned),
        FMul { .. } | FMla { .. } | FMls { .. } | FMulX { .. } => {}
    }
}

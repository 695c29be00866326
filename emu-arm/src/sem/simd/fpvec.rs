//! Advanced SIMD floating point: per-element application of the scalar Arm FP
//! operations (`fp::arith`), vector and scalar forms, with one FP environment per
//! instruction so the FPSR flags of all elements accumulate.

use super::int::elem_index;
use super::lanes::*;
use crate::decode::fp_simd::simd::{Across, ByElem, CmpZero, FpThree, FpTwo, RintMode};
use crate::decode::{bit, bits, rd, rm, rn};
use crate::sem::fp_simd::fp::arith::{self, BinOp, CmpKind};
use crate::sem::fp_simd::fp::arm_float::{convert, fpsr, Env, Fmt, Rounding, D, H, S};
use crate::sem::fp_simd::fp::with_env;
use crate::state::CpuState;

fn fmt(double: bool) -> (Fmt, u32) {
    if double {
        (D, 64)
    } else {
        (S, 32)
    }
}

/// One element of a three-same FP operation (`d` is the old destination element).
fn three_lane(op: FpThree, f: Fmt, a: u64, b: u64, d: u64, env: &mut Env) -> u64 {
    use FpThree::*;
    let es = f.width();
    let cmp = |c: bool| mask_if(c, es);
    match op {
        MaxNm | MaxNmP => arith::max_min(f, a, b, true, true, env),
        MinNm | MinNmP => arith::max_min(f, a, b, false, true, env),
        Max | MaxP => arith::max_min(f, a, b, true, false, env),
        Min | MinP => arith::max_min(f, a, b, false, false, env),
        Add | AddP => arith::binop(f, BinOp::Add, a, b, env),
        Sub => arith::binop(f, BinOp::Sub, a, b, env),
        Mul => arith::binop(f, BinOp::Mul, a, b, env),
        Div => arith::binop(f, BinOp::Div, a, b, env),
        Abd => f.abs(arith::binop(f, BinOp::Sub, a, b, env)),
        Mla => arith::mul_add(f, d, a, b, env),
        Mls => arith::mul_add(f, d, f.neg(a), b, env),
        CmEq => cmp(arith::compare_cond(f, a, b, CmpKind::Eq, env)),
        CmGe => cmp(arith::compare_cond(f, a, b, CmpKind::Ge, env)),
        CmGt => cmp(arith::compare_cond(f, a, b, CmpKind::Gt, env)),
        AcGe => cmp(arith::compare_cond(f, f.abs(a), f.abs(b), CmpKind::Ge, env)),
        AcGt => cmp(arith::compare_cond(f, f.abs(a), f.abs(b), CmpKind::Gt, env)),
        MulX => arith::mulx(f, a, b, env),
        RecpS => arith::step_fused(f, a, b, false, env),
        RsqrtS => arith::step_fused(f, a, b, true, env),
    }
}

fn is_pairwise(op: FpThree) -> bool {
    use FpThree::*;
    matches!(op, MaxNmP | MinNmP | AddP | MaxP | MinP)
}

/// Vector FP three-same.
pub fn three_same(st: &mut CpuState, w: u32, op: FpThree, double: bool) {
    let q = bit(w, 30);
    let (f, es) = fmt(double);
    let (a, b, d) = (vget(st, rn(w)), vget(st, rm(w)), vget(st, rd(w)));
    let n = count(q, es);
    let r = with_env(st, |_, env| {
        let mut r = 0u128;
        for i in 0..n {
            let (x, y) = if is_pairwise(op) {
                let src = if i < n / 2 { a } else { b };
                let j = (i % (n / 2)) * 2;
                (lane(src, es, j), lane(src, es, j + 1))
            } else {
                (lane(a, es, i), lane(b, es, i))
            };
            set_lane(&mut r, es, i, three_lane(op, f, x, y, lane(d, es, i), env));
        }
        r
    });
    vset(st, rd(w), r, q);
}

/// Scalar FP three-same (compares, FABD) and the scalar pairwise reductions.
pub fn scalar_three_same(st: &mut CpuState, w: u32, op: FpThree, double: bool, pairwise: bool) {
    let (f, es) = fmt(double);
    let a = vget(st, rn(w));
    let (x, y) = if pairwise {
        (lane(a, es, 0), lane(a, es, 1))
    } else {
        (lane(a, es, 0), lane(vget(st, rm(w)), es, 0))
    };
    let r = with_env(st, |_, env| three_lane(op, f, x, y, 0, env));
    vset(st, rd(w), r as u128, false);
}

fn rint_rounding(mode: RintMode, env: &Env) -> Rounding {
    match mode {
        RintMode::N => Rounding::TieEven,
        RintMode::P => Rounding::PosInf,
        RintMode::M => Rounding::NegInf,
        RintMode::Z => Rounding::Zero,
        RintMode::A => Rounding::TieAway,
        RintMode::X | RintMode::I => env.rounding(),
    }
}

fn two_lane(op: FpTwo, f: Fmt, a: u64, env: &mut Env) -> u64 {
    use FpTwo::*;
    let es = f.width();
    match op {
        Rint(mode) => {
            let r = rint_rounding(mode, env);
            arith::round_int(f, a, r, mode == RintMode::X, env)
        }
        RintInt {
            int_bits,
            fpcr_rounding,
        } => {
            let mode = if fpcr_rounding {
                env.rounding()
            } else {
                Rounding::Zero
            };
            crate::sem::fp_simd::fp::frintts::round_to_int_range(f, a, mode, int_bits, env)
        }
        ToInt { mode, unsigned } => {
            let r = rint_rounding(mode, env);
            arith::to_fixed(f, a, 0, unsigned, es, r, env)
        }
        FromInt { unsigned } => arith::from_fixed(f, a, 0, !unsigned, es, env),
        CmZero(c) => {
            let z = 0;
            let t = match c {
                CmpZero::Gt => arith::compare_cond(f, a, z, CmpKind::Gt, env),
                CmpZero::Ge => arith::compare_cond(f, a, z, CmpKind::Ge, env),
                CmpZero::Eq => arith::compare_cond(f, a, z, CmpKind::Eq, env),
                CmpZero::Le => arith::compare_cond(f, z, a, CmpKind::Ge, env),
                CmpZero::Lt => arith::compare_cond(f, z, a, CmpKind::Gt, env),
            };
            mask_if(t, es)
        }
        Abs => f.abs(a),
        Neg => f.neg(a),
        Sqrt => arith::sqrt(f, a, env),
        RecpE => arith::recip_est(f, a, env),
        RsqrtE => arith::rsqrt_est(f, a, env),
        RecpX => arith::recpx(f, a, env),
        URecpE => arith::urecpe(a),
        URsqrtE => arith::ursqrte(a),
    }
}

/// FP two-register misc, vector (`scalar` false) or scalar.
pub fn two_reg(st: &mut CpuState, w: u32, op: FpTwo, double: bool, scalar: bool) {
    let q = bit(w, 30) && !scalar;
    let (f, es) = fmt(double);
    let a = vget(st, rn(w));
    let n = if scalar { 1 } else { count(q, es) };
    let r = with_env(st, |_, env| {
        let mut r = 0u128;
        for i in 0..n {
            set_lane(&mut r, es, i, two_lane(op, f, lane(a, es, i), env));
        }
        r
    });
    vset(st, rd(w), r, q);
}

/// `FPConvert` of a double to single with `FPRounding_ODD` (FCVTXN): round toward zero,
/// then set the lowest bit if the result is inexact. Overflow, underflow and flushing
/// behave exactly as for round-toward-zero.
fn convert_odd(b: u64, env: &mut Env) -> u64 {
    let mut rz = Env::new(env.fpcr | (3 << 22));
    let r = convert(D, S, b, &mut rz);
    env.raise(rz.flags);
    if rz.flags & fpsr::IXC != 0 && !S.is_nan(r) {
        r | 1
    } else {
        r
    }
}

/// FCVTXN/FCVTXN2 (vector) and FCVTXN (scalar).
pub fn fcvtxn(st: &mut CpuState, w: u32, scalar: bool) {
    let q = bit(w, 30) && !scalar;
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let n = if scalar { 1 } else { 2 };
    let r = with_env(st, |_, env| {
        let mut r = 0u128;
        for i in 0..n {
            set_lane(&mut r, 32, i, convert_odd(lane(a, 64, i), env));
        }
        if q {
            r = (d & u64::MAX as u128) | (r << 64);
        }
        r
    });
    vset(st, rd(w), r, q);
}

/// FCVTN/FCVTN2 (narrow: double -> single, single -> half) and FCVTL/FCVTL2 (widen).
pub fn fcvt_vector(st: &mut CpuState, w: u32, narrow: bool) {
    let q = bit(w, 30);
    let double = bit(w, 22);
    let (wide, narrow_f) = if double { (D, S) } else { (S, H) };
    let (wes, nes) = (wide.width(), narrow_f.width());
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let n = 64 / nes;
    let r = with_env(st, |_, env| {
        let mut r = 0u128;
        if narrow {
            for i in 0..n {
                set_lane(
                    &mut r,
                    nes,
                    i,
                    convert(wide, narrow_f, lane(a, wes, i), env),
                );
            }
            if q {
                r = (d & u64::MAX as u128) | (r << 64);
            }
        } else {
            let half = if q { n } else { 0 };
            for i in 0..n {
                set_lane(
                    &mut r,
                    wes,
                    i,
                    convert(narrow_f, wide, lane(a, nes, i + half), env),
                );
            }
        }
        r
    });
    vset(st, rd(w), r, q || !narrow);
}

/// FMAXNMV, FMINNMV, FMAXV, FMINV (4S): Arm reduces pairwise as a tree,
/// op(op(e0, e1), op(e2, e3)), which fixes the NaN propagation order.
pub fn across(st: &mut CpuState, w: u32, op: Across) {
    let a = vget(st, rn(w));
    let (is_max, nm) = match op {
        Across::FMaxNmV => (true, true),
        Across::FMinNmV => (false, true),
        Across::FMaxV => (true, false),
        _ => (false, false),
    };
    let r = with_env(st, |_, env| {
        let e = |i| lane(a, 32, i);
        let lo = arith::max_min(S, e(0), e(1), is_max, nm, env);
        let hi = arith::max_min(S, e(2), e(3), is_max, nm, env);
        arith::max_min(S, lo, hi, is_max, nm, env)
    });
    vset(st, rd(w), r as u128, false);
}

/// SCVTF/UCVTF/FCVTZS/FCVTZU with fraction bits (shift-immediate class).
pub fn fixed_conv(st: &mut CpuState, w: u32, to_float: bool, unsigned: bool, scalar: bool) {
    let q = bit(w, 30) && !scalar;
    let immh = bits(w, 22, 19);
    let double = immh >> 3 == 1;
    let (f, es) = fmt(double);
    let fbits = 2 * es - bits(w, 22, 16);
    let a = vget(st, rn(w));
    let n = if scalar { 1 } else { count(q, es) };
    let r = with_env(st, |_, env| {
        let mut r = 0u128;
        for i in 0..n {
            let x = lane(a, es, i);
            let v = if to_float {
                arith::from_fixed(f, x, fbits, !unsigned, es, env)
            } else {
                arith::to_fixed(f, x, fbits, unsigned, es, Rounding::Zero, env)
            };
            set_lane(&mut r, es, i, v);
        }
        r
    });
    vset(st, rd(w), r, q);
}

/// FMUL/FMLA/FMLS by element, vector or scalar.
pub fn by_elem(st: &mut CpuState, w: u32, op: ByElem, scalar: bool) {
    let q = bit(w, 30) && !scalar;
    let double = matches!(
        op,
        ByElem::FMul { double: true }
            | ByElem::FMla { double: true }
            | ByElem::FMls { double: true }
            | ByElem::FMulX { double: true }
    );
    let (f, es) = fmt(double);
    let (idx, m) = elem_index(w, es);
    let e = lane(vget(st, m), es, idx);
    let a = vget(st, rn(w));
    let d = vget(st, rd(w));
    let n = if scalar { 1 } else { count(q, es) };
    let r = with_env(st, |_, env| {
        let mut r = 0u128;
        for i in 0..n {
            let (x, old) = (lane(a, es, i), lane(d, es, i));
            let v = match op {
                ByElem::FMla { .. } => arith::mul_add(f, old, x, e, env),
                ByElem::FMls { .. } => arith::mul_add(f, old, f.neg(x), e, env),
                ByElem::FMulX { .. } => arith::mulx(f, x, e, env),
                _ => arith::binop(f, BinOp::Mul, x, e, env),
            };
            set_lane(&mut r, es, i, v);
        }
        r
    });
    vset(st, rd(w), r, q);
}

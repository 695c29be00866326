//! The FP instructions that compiled code computes inline ([`Emitter::fp_fast`]), on
//! single and double precision: scalar FADD FSUB FMUL FDIV FNMUL FMAX FMIN FMAXNM FMINNM
//! FSQRT FMADD FMSUB FNMADD FNMSUB FCMP FCMPE FCVT (S<->D) FCVTZS FCVTZU SCVTF UCVTF
//! (general register); vector FADD FSUB FMUL FDIV FMAX FMIN
//! FMAXNM FMINNM FMLA FMLS; FMUL/FMLA/FMLS by element (vector and scalar). Each keeps its
//! helper as the fallback, which the interpreter always runs; the JIT runs the host
//! instruction when the guard and the per-lane result checks prove it gives Arm's result
//! and flags (see `emu-core/src/jit/emitter/fp.rs`).
//!
//! The guard: FPCR.RMode = round to nearest, FZ = 0, DN = 0 (bits 25:22 clear; FZ16 and
//! AHP only matter for half precision, which never comes here), and FPSR.IXC already
//! set — the same conditions as the helpers' own fast path (`arith::fast_env`). The
//! operations that never round (max/min, compares) need only FZ = 0.

use super::arm_float::{fpcr, fpsr};
use crate::decode::fp_simd::simd::{ByElem, FpThree};
use crate::decode::{bit, bits, ra, rd, rm, rn};
use crate::state::{slot_v, slot_x, SLOT_C, SLOT_FPCR, SLOT_FPSR, SLOT_N, SLOT_V, SLOT_Z};
use emu_core::emit::{Emitter, Exit, FpFast, FpKind, Slot, StateHelper};

/// FPCR bits that must be clear: RMode (23:22), FZ (24), DN (25).
const FPCR_NOT_NEAREST_FZ_DN: u64 = 0xf << 22;

fn reg(n: u32) -> [Slot; 2] {
    [slot_v(n & 31, false), slot_v(n & 31, true)]
}

fn op(kind: FpKind, double: bool, lanes: u8, d: u32, n: u32, m: u32, a: u32) -> FpFast {
    FpFast {
        kind,
        double,
        lanes,
        d: reg(d),
        n: reg(n),
        m: reg(m),
        a: reg(a),
        m_elem: None,
        m_zero: false,
        flags: [SLOT_N, SLOT_Z, SLOT_C, SLOT_V],
        ctrl: SLOT_FPCR,
        ctrl_zero: FPCR_NOT_NEAREST_FZ_DN,
        status: SLOT_FPSR,
        status_set: fpsr::IXC as u64,
    }
}

/// The guard of the operations that never round (FMAX/FMIN, compares): their results
/// on non-NaN operands are exact and raise nothing unless FZ flushes a denormal.
fn exact_op(mut o: FpFast) -> FpFast {
    o.ctrl_zero = fpcr::FZ;
    o.status_set = 0;
    o
}

fn emit<E: Emitter>(e: &mut E, op: FpFast, helper: StateHelper, raw: u32) -> Result<(), Exit> {
    e.fp_fast(&op, helper, [raw as u64, 0, 0])
}

/// Single (ftype 00) or double (01); `None` for half precision.
fn scalar_double(raw: u32) -> Option<bool> {
    match bits(raw, 23, 22) {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// Scalar FP data-processing (2 source): `None` if not accelerated.
pub fn dp2<E: Emitter>(e: &mut E, raw: u32, helper: StateHelper) -> Option<Result<(), Exit>> {
    let double = scalar_double(raw)?;
    let kind = match bits(raw, 15, 12) {
        0b0000 => FpKind::Mul,
        0b0001 => FpKind::Div,
        0b0010 => FpKind::Add,
        0b0011 => FpKind::Sub,
        // FMAX/FMAXNM (and the MIN forms) agree on non-NaN operands.
        0b0100 | 0b0110 => FpKind::Max,
        0b0101 | 0b0111 => FpKind::Min,
        0b1000 => FpKind::NMul,
        _ => return None,
    };
    let mut o = op(kind, double, 1, rd(raw), rn(raw), rm(raw), 0);
    if matches!(kind, FpKind::Max | FpKind::Min) {
        o = exact_op(o);
    }
    Some(emit(e, o, helper, raw))
}

/// FCMP, FCMPE (register or #0.0): ordered operands set NZCV without any exception
/// (FCMPE signals only for NaNs, which take the helper).
pub fn compare<E: Emitter>(e: &mut E, raw: u32, helper: StateHelper) -> Option<Result<(), Exit>> {
    let double = scalar_double(raw)?;
    let mut o = exact_op(op(FpKind::Compare, double, 1, 0, rn(raw), rm(raw), 0));
    o.m_zero = bit(raw, 3);
    Some(emit(e, o, helper, raw))
}

/// FMADD FMSUB FNMADD FNMSUB: `(o1 ? -a : a) + (o1 != o0 ? -n : n) * m`.
pub fn dp3<E: Emitter>(e: &mut E, raw: u32, helper: StateHelper) -> Option<Result<(), Exit>> {
    let double = scalar_double(raw)?;
    let (o1, o0) = (bit(raw, 21), bit(raw, 15));
    let kind = FpKind::MulAdd {
        neg_n: o1 != o0,
        neg_a: o1,
    };
    let o = op(kind, double, 1, rd(raw), rn(raw), rm(raw), ra(raw));
    Some(emit(e, o, helper, raw))
}

/// FSQRT, and FCVT between single and double (scalar data-processing, 1 source).
pub fn dp1<E: Emitter>(e: &mut E, raw: u32, helper: StateHelper) -> Option<Result<(), Exit>> {
    let double = scalar_double(raw)?;
    let o = match (bits(raw, 20, 15), double) {
        (0b000011, _) => op(FpKind::Sqrt, double, 1, rd(raw), rn(raw), 0, 0),
        // Double to single rounds: the full guard and the result check.
        (0b000100, true) => op(FpKind::Convert, true, 1, rd(raw), rn(raw), 0, 0),
        // Single to double is exact for every non-NaN operand.
        (0b000101, false) => exact_op(op(FpKind::Convert, false, 1, rd(raw), rn(raw), 0, 0)),
        _ => return None,
    };
    Some(emit(e, o, helper, raw))
}

/// FCVTZS/FCVTZU to a general register and SCVTF/UCVTF from one (not XZR: the slot of
/// register 31 is SP).
pub fn int_conv<E: Emitter>(e: &mut E, raw: u32, helper: StateHelper) -> Option<Result<(), Exit>> {
    let double = scalar_double(raw)?;
    let wide = bit(raw, 31);
    let (d, n) = (rd(raw), rn(raw));
    let mut o = match (bits(raw, 20, 19), bits(raw, 18, 16)) {
        (0b11, op_ @ (0b000 | 0b001)) if d != 31 => {
            let kind = FpKind::ToInt {
                signed: op_ == 0b000,
                wide,
            };
            let mut o = op(kind, double, 1, 0, n, 0, 0);
            // Toward zero whatever FPCR.RMode says; FZ still flushes denormal inputs.
            o.ctrl_zero = fpcr::FZ;
            o
        }
        (0b00, op_ @ (0b010 | 0b011)) if n != 31 => {
            let kind = FpKind::FromInt {
                signed: op_ == 0b010,
                wide,
            };
            op(kind, double, 1, d, 0, 0, 0)
        }
        _ => return None,
    };
    match o.kind {
        FpKind::ToInt { .. } => o.d = [slot_x(d), slot_x(d)],
        _ => o.n = [slot_x(n), slot_x(n)],
    }
    Some(emit(e, o, helper, raw))
}

/// Vector three-same FP (non-pairwise arithmetic).
pub fn three_same<E: Emitter>(
    e: &mut E,
    raw: u32,
    fop: FpThree,
    double: bool,
    helper: StateHelper,
) -> Option<Result<(), Exit>> {
    let kind = match fop {
        FpThree::Add => FpKind::Add,
        FpThree::Sub => FpKind::Sub,
        FpThree::Mul => FpKind::Mul,
        FpThree::Div => FpKind::Div,
        FpThree::Max | FpThree::MaxNm => FpKind::Max,
        FpThree::Min | FpThree::MinNm => FpKind::Min,
        FpThree::Mla => FpKind::MulAdd {
            neg_n: false,
            neg_a: false,
        },
        FpThree::Mls => FpKind::MulAdd {
            neg_n: true,
            neg_a: false,
        },
        _ => return None,
    };
    let lanes = vector_lanes(raw, double)?;
    let mut o = op(kind, double, lanes, rd(raw), rn(raw), rm(raw), rd(raw));
    if matches!(kind, FpKind::Max | FpKind::Min) {
        o = exact_op(o);
    }
    Some(emit(e, o, helper, raw))
}

/// Lanes of a vector form: `None` for the reserved 1D.
fn vector_lanes(raw: u32, double: bool) -> Option<u8> {
    let q = bit(raw, 30);
    match (double, q) {
        (false, false) => Some(2),
        (false, true) => Some(4),
        (true, true) => Some(2),
        (true, false) => None,
    }
}

/// FMUL/FMLA/FMLS by element, vector or scalar.
pub fn by_elem<E: Emitter>(
    e: &mut E,
    raw: u32,
    bop: ByElem,
    scalar: bool,
    helper: StateHelper,
) -> Option<Result<(), Exit>> {
    let (kind, double) = match bop {
        ByElem::FMul { double } => (FpKind::Mul, double),
        ByElem::FMla { double } => (
            FpKind::MulAdd {
                neg_n: false,
                neg_a: false,
            },
            double,
        ),
        ByElem::FMls { double } => (
            FpKind::MulAdd {
                neg_n: true,
                neg_a: false,
            },
            double,
        ),
        _ => return None,
    };
    let lanes = if scalar {
        1
    } else {
        vector_lanes(raw, double)?
    };
    let (idx, m) = crate::sem::fp_simd::simd::int::elem_index(raw, if double { 64 } else { 32 });
    let mut o = op(kind, double, lanes, rd(raw), rn(raw), m, rd(raw));
    o.m_elem = Some(idx as u8);
    Some(emit(e, o, helper, raw))
}

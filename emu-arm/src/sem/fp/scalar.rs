//! State helpers for the scalar floating-point instructions. Each decodes its fields from
//! the raw instruction word (the decoder has already rejected unallocated encodings).

use super::arith::{self, BinOp};
use super::arm_float::{convert, Fmt, Rounding, D, H, S};
use super::{cond_holds, cpu, scalar, set_scalar, set_xreg, undef, with_env, xreg};
use crate::decode::{bit, bits, ra, rd, rm, rn};

fn ftype_fmt(raw: u32) -> Fmt {
    match bits(raw, 23, 22) {
        0 => S,
        1 => D,
        _ => H,
    }
}

/// FSQRT, FCVT, FRINT* (FMOV/FABS/FNEG are emitted inline).
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn dp1(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let f = ftype_fmt(w);
    let a = scalar(st, rn(w)) & f.mask();
    let opcode = bits(w, 20, 15);
    let r = with_env(st, |_, env| {
        let mode = match opcode {
            0b000011 => return Some(arith::sqrt(f, a, env)),
            0b000100 => return Some(convert(f, S, a, env)),
            0b000101 => return Some(convert(f, D, a, env)),
            0b000111 => return Some(convert(f, H, a, env)),
            0b001000 => Rounding::TieEven,
            0b001001 => Rounding::PosInf,
            0b001010 => Rounding::NegInf,
            0b001011 => Rounding::Zero,
            0b001100 => Rounding::TieAway,
            0b001110 | 0b001111 => env.rounding(),
            // FRINT32Z, FRINT32X, FRINT64Z, FRINT64X.
            0b010000..=0b010011 => {
                let mode = if opcode & 1 == 0 {
                    Rounding::Zero
                } else {
                    env.rounding()
                };
                let int_bits = if opcode & 2 == 0 { 32 } else { 64 };
                let r = super::frintts::round_to_int_range(f, a, mode, int_bits, env);
                return Some(r);
            }
            _ => return None,
        };
        Some(arith::round_int(f, a, mode, opcode == 0b001110, env))
    });
    match r {
        Some(v) => {
            set_scalar(st, rd(w), v);
            0
        }
        None => undef(st, raw),
    }
}

/// FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL.
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn dp2(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let f = ftype_fmt(w);
    let a = scalar(st, rn(w)) & f.mask();
    let b = scalar(st, rm(w)) & f.mask();
    let r = with_env(st, |_, env| binary(bits(w, 15, 12), f, a, b, env));
    match r {
        Some(v) => {
            set_scalar(st, rd(w), v);
            0
        }
        None => undef(st, raw),
    }
}

/// The scalar FP data-processing (2 source) operations by opcode; shared with the
/// vector forms that use the same operation numbering.
pub fn binary(opcode: u32, f: Fmt, a: u64, b: u64, env: &mut super::Env) -> Option<u64> {
    Some(match opcode {
        0b0000 => arith::binop(f, BinOp::Mul, a, b, env),
        0b0001 => arith::binop(f, BinOp::Div, a, b, env),
        0b0010 => arith::binop(f, BinOp::Add, a, b, env),
        0b0011 => arith::binop(f, BinOp::Sub, a, b, env),
        0b0100 => arith::max_min(f, a, b, true, false, env),
        0b0101 => arith::max_min(f, a, b, false, false, env),
        0b0110 => arith::max_min(f, a, b, true, true, env),
        0b0111 => arith::max_min(f, a, b, false, true, env),
        // FNMUL negates the product, including a NaN result (as FPNeg does).
        0b1000 => f.neg(arith::binop(f, BinOp::Mul, a, b, env)),
        _ => return None,
    })
}

/// FMADD FMSUB FNMADD FNMSUB.
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn dp3(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let f = ftype_fmt(w);
    let n = scalar(st, rn(w)) & f.mask();
    let m = scalar(st, rm(w)) & f.mask();
    let a = scalar(st, ra(w)) & f.mask();
    // o1 negates the addend, o1 != o0 negates the product (via operand n); the negation
    // happens before NaN propagation, so a NaN operand comes out with its sign flipped.
    let (o1, o0) = (bit(w, 21), bit(w, 15));
    let a = if o1 { f.neg(a) } else { a };
    let n = if o1 != o0 { f.neg(n) } else { n };
    let r = with_env(st, |_, env| arith::mul_add(f, a, n, m, env));
    set_scalar(st, rd(w), r);
    0
}

/// FCMP, FCMPE (register or #0.0).
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn compare(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let f = ftype_fmt(w);
    let a = scalar(st, rn(w)) & f.mask();
    let b = if bit(w, 3) {
        0
    } else {
        scalar(st, rm(w)) & f.mask()
    };
    let nzcv = with_env(st, |_, env| arith::compare(f, a, b, bit(w, 4), env));
    st.set_nzcv(nzcv);
    0
}

/// FCCMP, FCCMPE.
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn cond_compare(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let nzcv = if cond_holds(st, bits(w, 15, 12)) {
        let f = ftype_fmt(w);
        let a = scalar(st, rn(w)) & f.mask();
        let b = scalar(st, rm(w)) & f.mask();
        with_env(st, |_, env| arith::compare(f, a, b, bit(w, 4), env))
    } else {
        (bits(w, 3, 0) as u64) << 28
    };
    st.set_nzcv(nzcv);
    0
}

/// The rounding of FCVT{N,P,M,Z,A}{S,U}: FCVTA* by opcode, the others by rmode.
fn int_rounding(w: u32) -> Rounding {
    if bits(w, 18, 17) == 0b10 {
        // FCVTAS/FCVTAU
        return Rounding::TieAway;
    }
    match bits(w, 20, 19) {
        0 => Rounding::TieEven,
        1 => Rounding::PosInf,
        2 => Rounding::NegInf,
        _ => Rounding::Zero,
    }
}

/// FCVT{N,P,M,Z,A}{S,U} to a general register, SCVTF/UCVTF from one (FMOV general is
/// emitted inline).
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn int_conv(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let f = ftype_fmt(w);
    let sf = bit(w, 31);
    let width = if sf { 64 } else { 32 };
    let opcode = bits(w, 18, 16);
    match opcode {
        0b000 | 0b001 | 0b100 | 0b101 => {
            let a = scalar(st, rn(w)) & f.mask();
            let unsigned = opcode & 1 == 1;
            let r = with_env(st, |_, env| {
                let mode = int_rounding(w);
                arith::to_fixed(f, a, 0, unsigned, width, mode, env)
            });
            set_xreg(st, rd(w), r, sf);
        }
        0b010 | 0b011 => {
            let v = xreg(st, rn(w));
            let signed = opcode == 0b010;
            let r = with_env(st, |_, env| arith::from_fixed(f, v, 0, signed, width, env));
            set_scalar(st, rd(w), r);
        }
        _ => return undef(st, raw),
    }
    0
}

/// FJCVTZS: JavaScript's ToInt32 of a double; NZCV = 0Z00 (Z: exact and in range).
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn fjcvtzs(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let a = scalar(st, rn(w));
    let (r, exact) = with_env(st, |_, env| super::jscvt::fjcvtzs(a, env));
    set_xreg(st, rd(w), r, false);
    st.set_nzcv(u64::from(exact) << 30);
    0
}

/// FCVTZS/FCVTZU/SCVTF/UCVTF with fraction bits (scale = 64 - fbits).
///
/// # Safety
/// `state` must point to the running `CpuState`.
pub unsafe extern "C" fn fixed_conv(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    let st = cpu(state);
    let w = raw as u32;
    let f = ftype_fmt(w);
    let sf = bit(w, 31);
    let width = if sf { 64 } else { 32 };
    let fbits = 64 - bits(w, 15, 10);
    match bits(w, 18, 16) {
        op @ (0b000 | 0b001) => {
            let a = scalar(st, rn(w)) & f.mask();
            let r = with_env(st, |_, env| {
                arith::to_fixed(f, a, fbits, op == 1, width, Rounding::Zero, env)
            });
            set_xreg(st, rd(w), r, sf);
        }
        op @ (0b010 | 0b011) => {
            let v = xreg(st, rn(w));
            let r = with_env(st, |_, env| {
                arith::from_fixed(f, v, fbits, op == 0b010, width, env)
            });
            set_scalar(st, rd(w), r);
        }
        _ => return undef(st, raw),
    }
    0
}

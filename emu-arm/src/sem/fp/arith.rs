//! Arm FP operations on raw bit patterns (`FPAdd`, `FPMulAdd`, `FPMax`, `FPCompare`,
//! `FPRoundInt`, `FPToFixed`, `FixedToFP`...), shared by the scalar and vector forms.
//! Every function takes the format, the operands' bits and the [`Env`]; it returns the
//! result's bits (zero-extended) and records exceptions in `env.flags`.

use super::arm_float::{
    fpsr, process_nan, process_nans2, process_nans3, round, unpack, Env, Fmt, Rounding, Val, D, S,
};
use super::sse;
use std::cmp::Ordering;

/// The value of a single or double operand as an f64 (exact).
pub fn to_f64(f: Fmt, b: u64) -> f64 {
    if f == D {
        f64::from_bits(b)
    } else {
        f32::from_bits(b as u32) as f64
    }
}

/// The bits of `v` in format `f` (v must be exactly representable).
fn from_f64(f: Fmt, v: f64) -> u64 {
    if f == D {
        v.to_bits()
    } else {
        (v as f32).to_bits() as u64
    }
}

fn hw(f: Fmt, op: sse::Op, a: u64, b: u64, c: u64, mode: Rounding) -> (u64, u32) {
    if f == D {
        sse::op64(op, a, b, c, mode)
    } else {
        sse::op32(op, a, b, c, mode)
    }
}

/// Runs `op` on the host (operands already NaN-free and flushed) and converts the outcome
/// to Arm's: default NaN for invalid operations, tininess detected before rounding (x86
/// detects it after), and flush-to-zero of tiny results with only UFC raised.
fn host_op(f: Fmt, op: sse::Op, a: u64, b: u64, c: u64, env: &mut Env) -> u64 {
    let mode = env.rounding();
    let (r, fl) = hw(f, op, a, b, c, mode);
    if fl & sse::IE != 0 {
        env.raise(fpsr::IOC);
        return f.default_nan();
    }
    if fl & sse::ZE != 0 {
        env.raise(fpsr::DZC);
    }
    let inexact = fl & sse::PE != 0;
    let mag = f.abs(r);
    let min_normal = f.min_normal(false);
    // x86 says "tiny" only when the result rounded with an unbounded exponent is below the
    // smallest normal. Arm asks whether the exact result is; the two differ only when the
    // result rounded up to exactly the smallest normal, and rounding toward zero then
    // tells which side the exact value lies on.
    let tiny = fl & sse::UE != 0
        || (mag != 0 && mag < min_normal)
        || (mag == min_normal && inexact && {
            let (rz, _) = hw(f, op, a, b, c, Rounding::Zero);
            f.abs(rz) < min_normal
        });
    if tiny && env.fz(f) {
        env.raise(fpsr::UFC);
        return f.zero(f.sign(r));
    }
    if fl & sse::OE != 0 {
        env.raise(fpsr::OFC);
    }
    if inexact {
        env.raise(fpsr::IXC);
        if tiny {
            env.raise(fpsr::UFC);
        }
    }
    r
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// FADD, FSUB, FMUL, FDIV.
pub fn binop(f: Fmt, op: BinOp, a: u64, b: u64, env: &mut Env) -> u64 {
    let va = unpack(f, a, env);
    let vb = unpack(f, b, env);
    if let Some(n) = process_nans2(f, a, b, env) {
        return n;
    }
    let (a, b) = (flushed(f, va, a), flushed(f, vb, b));
    let op = match op {
        BinOp::Add => sse::Op::Add,
        BinOp::Sub => sse::Op::Sub,
        BinOp::Mul => sse::Op::Mul,
        BinOp::Div => sse::Op::Div,
    };
    host_op(f, op, a, b, 0, env)
}

/// The operand's bits with a flushed denormal replaced by its signed zero.
fn flushed(f: Fmt, v: Val, b: u64) -> u64 {
    match v {
        Val::Zero(s) => f.zero(s),
        _ => b,
    }
}

/// FSQRT.
pub fn sqrt(f: Fmt, a: u64, env: &mut Env) -> u64 {
    let va = unpack(f, a, env);
    if va.is_nan() {
        return process_nan(f, a, env);
    }
    host_op(f, sse::Op::Sqrt, flushed(f, va, a), 0, 0, env)
}

/// `FPMulAdd(addend, op1, op2)`: addend + op1 * op2 with one rounding. Callers negate
/// operands (with `Fmt::neg`, which flips NaN signs too) for FMSUB/FNMADD/FNMSUB/FMLS.
pub fn mul_add(f: Fmt, addend: u64, op1: u64, op2: u64, env: &mut Env) -> u64 {
    let va = unpack(f, addend, env);
    let v1 = unpack(f, op1, env);
    let v2 = unpack(f, op2, env);
    let nan = process_nans3(f, addend, op1, op2, env);
    let inf_times_zero = matches!(
        (v1, v2),
        (Val::Inf(_), Val::Zero(_)) | (Val::Zero(_), Val::Inf(_))
    );
    // Arm: a quiet-NaN addend does not hide the Invalid Operation of inf * 0.
    if va == Val::QNaN && inf_times_zero {
        env.raise(fpsr::IOC);
        return f.default_nan();
    }
    if let Some(n) = nan {
        return n;
    }
    let (a, x, y) = (
        flushed(f, va, addend),
        flushed(f, v1, op1),
        flushed(f, v2, op2),
    );
    host_op(f, sse::Op::MulAdd, x, y, a, env)
}

/// FMAX/FMIN (`nm` false) and FMAXNM/FMINNM (`nm` true).
pub fn max_min(f: Fmt, a: u64, b: u64, is_max: bool, nm: bool, env: &mut Env) -> u64 {
    let (mut a, mut b) = (a, b);
    if nm {
        // A single quiet NaN is treated as the infinity that loses the comparison.
        let qa = unpack(f, a, env) == Val::QNaN;
        let qb = unpack(f, b, env) == Val::QNaN;
        if qa && !qb {
            a = f.inf(is_max);
        } else if qb && !qa {
            b = f.inf(is_max);
        }
    }
    let va = unpack(f, a, env);
    let vb = unpack(f, b, env);
    if let Some(n) = process_nans2(f, a, b, env) {
        return n;
    }
    let (a, b) = (flushed(f, va, a), flushed(f, vb, b));
    let (x, y) = (to_f64(f, a), to_f64(f, b));
    if x == 0.0 && y == 0.0 {
        // max(+0, -0) = +0, min(+0, -0) = -0.
        let sign = if is_max {
            f.sign(a) && f.sign(b)
        } else {
            f.sign(a) || f.sign(b)
        };
        return f.zero(sign);
    }
    let pick_a = if is_max { x > y } else { x < y };
    if pick_a {
        a
    } else {
        b
    }
}

/// FCMP/FCMPE: NZCV in bits 31..28. `signal_all` (FCMPE) raises IOC for quiet NaNs too.
pub fn compare(f: Fmt, a: u64, b: u64, signal_all: bool, env: &mut Env) -> u64 {
    let va = unpack(f, a, env);
    let vb = unpack(f, b, env);
    if va.is_nan() || vb.is_nan() {
        if signal_all || va == Val::SNaN || vb == Val::SNaN {
            env.raise(fpsr::IOC);
        }
        return 0b0011 << 28;
    }
    let (x, y) = (to_f64(f, flushed(f, va, a)), to_f64(f, flushed(f, vb, b)));
    match x.partial_cmp(&y) {
        Some(Ordering::Equal) => 0b0110 << 28,
        Some(Ordering::Less) => 0b1000 << 28,
        _ => 0b0010 << 28,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpKind {
    Eq,
    Ge,
    Gt,
}

/// FCMEQ/FCMGE/FCMGT element compares: true or false. Equality signals only on
/// signalling NaNs; the ordered compares signal on any NaN.
pub fn compare_cond(f: Fmt, a: u64, b: u64, kind: CmpKind, env: &mut Env) -> bool {
    let va = unpack(f, a, env);
    let vb = unpack(f, b, env);
    if va.is_nan() || vb.is_nan() {
        if kind != CmpKind::Eq || va == Val::SNaN || vb == Val::SNaN {
            env.raise(fpsr::IOC);
        }
        return false;
    }
    let (x, y) = (to_f64(f, flushed(f, va, a)), to_f64(f, flushed(f, vb, b)));
    match kind {
        CmpKind::Eq => x == y,
        CmpKind::Ge => x >= y,
        CmpKind::Gt => x > y,
    }
}

/// `FPRoundInt` (FRINT*): `exact` (FRINTX) raises IXC when the value changes.
pub fn round_int(f: Fmt, a: u64, mode: Rounding, exact: bool, env: &mut Env) -> u64 {
    match unpack(f, a, env) {
        Val::QNaN | Val::SNaN => process_nan(f, a, env),
        Val::Inf(s) => f.inf(s),
        Val::Zero(s) => f.zero(s),
        Val::Finite(..) => {
            let x = to_f64(f, a);
            let r = match mode {
                Rounding::TieEven => x.round_ties_even(),
                Rounding::TieAway => x.round(),
                Rounding::PosInf => x.ceil(),
                Rounding::NegInf => x.floor(),
                Rounding::Zero => x.trunc(),
            };
            if exact && r != x {
                env.raise(fpsr::IXC);
            }
            from_f64(f, r)
        }
    }
}

/// `FPToFixed`: converts to a `width`-bit (32 or 64) signed or unsigned integer with
/// `fbits` fraction bits, saturating (IOC on overflow or NaN, which gives 0; IXC when
/// inexact). Returns the integer zero-extended from `width` bits.
pub fn to_fixed(
    f: Fmt,
    a: u64,
    fbits: u32,
    unsigned: bool,
    width: u32,
    mode: Rounding,
    env: &mut Env,
) -> u64 {
    let (max, min): (i128, i128) = if unsigned {
        ((1i128 << width) - 1, 0)
    } else {
        ((1i128 << (width - 1)) - 1, -(1i128 << (width - 1)))
    };
    let mask = if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    let (sign, mant, exp) = match unpack(f, a, env) {
        Val::QNaN | Val::SNaN => {
            env.raise(fpsr::IOC);
            return 0;
        }
        Val::Inf(s) => {
            env.raise(fpsr::IOC);
            return (if s { min } else { max }) as u64 & mask;
        }
        Val::Zero(_) => return 0,
        Val::Finite(s, m, e) => (s, m as u128, e + fbits as i32),
    };
    // Magnitude as integer part and the discarded fraction compared with one half.
    let (int, half, inexact) = if exp >= 0 {
        if exp > 70 {
            env.raise(fpsr::IOC);
            return (if sign { min } else { max }) as u64 & mask;
        }
        (mant << exp as u32, Ordering::Less, false)
    } else {
        let sh = (-exp) as u32;
        if sh >= 100 {
            (0, Ordering::Less, true)
        } else {
            let rem = mant & ((1u128 << sh) - 1);
            (mant >> sh, rem.cmp(&(1u128 << (sh - 1))), rem != 0)
        }
    };
    let up = inexact
        && match mode {
            Rounding::TieEven => {
                half == Ordering::Greater || (half == Ordering::Equal && int & 1 == 1)
            }
            Rounding::TieAway => half != Ordering::Less,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero => false,
        };
    let mag = (int + up as u128) as i128;
    let v = if sign { -mag } else { mag };
    if v > max || v < min {
        env.raise(fpsr::IOC);
        return (if v > max { max } else { min }) as u64 & mask;
    }
    if inexact {
        env.raise(fpsr::IXC);
    }
    v as u64 & mask
}

/// `FixedToFP`: a `width`-bit integer (signed or not) with `fbits` fraction bits, rounded
/// to format `f` with the FPCR rounding mode.
pub fn from_fixed(f: Fmt, v: u64, fbits: u32, signed: bool, width: u32, env: &mut Env) -> u64 {
    let v = if width == 64 {
        v
    } else {
        v & ((1u64 << width) - 1)
    };
    let (sign, mag) = if signed && (v >> (width - 1)) & 1 == 1 {
        let full = if width == 64 {
            v
        } else {
            v | !((1u64 << width) - 1)
        };
        (true, (full as i64).unsigned_abs())
    } else {
        (false, v)
    };
    let mode = env.rounding();
    let fz = env.fz(f);
    round(f, sign, mag as u128, -(fbits as i32), mode, fz, env)
}

/// Single precision: is the format's 32-bit pattern used?
pub fn fmt_for_sz(double: bool) -> Fmt {
    if double {
        D
    } else {
        S
    }
}

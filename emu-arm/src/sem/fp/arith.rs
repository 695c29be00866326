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
pub fn from_f64(f: Fmt, v: f64) -> u64 {
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

/// Whether the fast path may run: round to nearest, no flush-to-zero, no default NaN, and
/// Inexact already recorded in FPSR (it is sticky, so an inexact result changes nothing).
#[inline(always)]
fn fast_env(env: &Env) -> bool {
    env.fpcr & (0xf << 22) == 0 && (env.sticky | env.flags) & fpsr::IXC != 0
}

/// Finite (not infinity or NaN).
#[inline(always)]
fn finite(f: Fmt, x: u64) -> bool {
    f.exp_field(x) != f.exp_max()
}

/// A result the fast path may return as is: finite and above the smallest normal, so
/// there was no overflow, no invalid operation, no division by zero and (since the exact
/// value was not below the smallest normal either) no underflow.
#[inline(always)]
fn quiet_result(f: Fmt, r: u64) -> bool {
    finite(f, r) && f.abs(r) > f.min_normal(false)
}

/// The host's own round-to-nearest arithmetic (Rust leaves MXCSR at its default), used
/// when [`fast_env`] holds and the operands and result are ordinary numbers: then it
/// produces exactly Arm's result and raises no flag that is not already set.
fn fast_binop(f: Fmt, op: BinOp, a: u64, b: u64) -> u64 {
    if f == D {
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
        }
        .to_bits()
    } else {
        let (x, y) = (f32::from_bits(a as u32), f32::from_bits(b as u32));
        match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
        }
        .to_bits() as u64
    }
}

/// FADD, FSUB, FMUL, FDIV.
pub fn binop(f: Fmt, op: BinOp, a: u64, b: u64, env: &mut Env) -> u64 {
    if fast_env(env) && finite(f, a) && finite(f, b) {
        let r = fast_binop(f, op, a, b);
        if quiet_result(f, r) {
            return r;
        }
    }
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
#[inline(always)]
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
    if fast_env(env) && finite(f, addend) && finite(f, op1) && finite(f, op2) {
        if let Some(r) = sse::fma_nearest(f == D, op1, op2, addend) {
            if quiet_result(f, r) {
                return r;
            }
        }
    }
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
    fused(f, x, y, a, env)
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

/// 2.0 in format `f` with the given sign.
fn two(f: Fmt, sign: bool) -> u64 {
    f.zero(sign) | ((f.bias() as u64 + 1) << f.fbits)
}

/// FMULX: FMUL, except that infinity times zero is 2.0 with the product's sign (no
/// Invalid Operation).
pub fn mulx(f: Fmt, a: u64, b: u64, env: &mut Env) -> u64 {
    let va = unpack(f, a, env);
    let vb = unpack(f, b, env);
    if let Some(n) = process_nans2(f, a, b, env) {
        return n;
    }
    if is_inf_times_zero(va, vb) {
        return two(f, f.sign(a) != f.sign(b));
    }
    host_op(
        f,
        sse::Op::Mul,
        flushed(f, va, a),
        flushed(f, vb, b),
        0,
        env,
    )
}

fn is_inf_times_zero(a: Val, b: Val) -> bool {
    matches!(
        (a, b),
        (Val::Inf(_), Val::Zero(_)) | (Val::Zero(_), Val::Inf(_))
    )
}

/// FRECPS (`FPRecipStepFused`): 2 - a*b with one rounding; inf * 0 gives 2.0.
/// FRSQRTS (`FPRSqrtStepFused`, `rsqrt`): (3 - a*b) / 2; inf * 0 gives 1.5.
pub fn step_fused(f: Fmt, a: u64, b: u64, rsqrt: bool, env: &mut Env) -> u64 {
    // The first operand is negated before anything else, NaNs included.
    let a = f.neg(a);
    let va = unpack(f, a, env);
    let vb = unpack(f, b, env);
    if let Some(n) = process_nans2(f, a, b, env) {
        return n;
    }
    if is_inf_times_zero(va, vb) {
        return if rsqrt {
            (f.bias() as u64) << f.fbits | f.quiet_bit()
        } else {
            two(f, false)
        };
    }
    if matches!(va, Val::Inf(_)) || matches!(vb, Val::Inf(_)) {
        return f.inf(f.sign(a) != f.sign(b));
    }
    let (a, b) = (flushed(f, va, a), flushed(f, vb, b));
    if !rsqrt {
        return fused(f, a, b, two(f, false), env);
    }
    // (3 + a*b) / 2 = 1.5 + (a/2)*b with a single rounding: halve an operand whose halving
    // is exact (biased exponent >= 2). When both are tiny the product is far below half
    // an ulp of 1.5 and halving it changes neither the result nor the flags.
    let one_half = (f.bias() as u64) << f.fbits | f.quiet_bit();
    let halve = |x: u64| x - (1 << f.fbits);
    let (a, b) = if f.exp_field(a) >= 2 {
        (halve(a), b)
    } else if f.exp_field(b) >= 2 {
        (a, halve(b))
    } else {
        (a, b)
    };
    fused(f, a, b, one_half, env)
}

/// Arm's `RecipEstimate`: `a` in 256..512 (0.5 <= x < 1 in units of 1/512).
fn recip_estimate(a: u64) -> u64 {
    let a = a * 2 + 1;
    let b = (1 << 19) / a;
    b.div_ceil(2)
}

/// Arm's `RecipSqrtEstimate`: `a` in 128..512 (0.25 <= x < 1).
fn recip_sqrt_estimate(a: u64) -> u64 {
    let a = if a < 256 {
        a * 2 + 1
    } else {
        ((a >> 1) << 1) * 2 + 2
    };
    let mut b = 512u64;
    while a * (b + 1) * (b + 1) < 1 << 28 {
        b += 1;
    }
    b.div_ceil(2)
}

/// FRECPE (`FPRecipEstimate`) for single and double precision.
pub fn recip_est(f: Fmt, x: u64, env: &mut Env) -> u64 {
    let v = unpack(f, x, env);
    let sign = f.sign(x);
    match v {
        Val::QNaN | Val::SNaN => return process_nan(f, x, env),
        Val::Inf(s) => return f.zero(s),
        Val::Zero(s) => {
            env.raise(fpsr::DZC);
            return f.inf(s);
        }
        Val::Finite(..) => {}
    }
    let exp = f.exp_field(x) as i64;
    let frac = x & f.frac_mask();
    // |x| < 2^-(bias+1): the reciprocal overflows.
    if exp == 0 && frac >> (f.fbits - 2) == 0 {
        let to_inf = match env.rounding() {
            Rounding::TieEven | Rounding::TieAway => true,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero => false,
        };
        env.raise(fpsr::OFC | fpsr::IXC);
        return if to_inf {
            f.inf(sign)
        } else {
            f.max_normal(sign)
        };
    }
    // |x| >= 2^(bias-1): the reciprocal is tiny, flushed under FZ.
    if env.fz(f) && exp >= f.bias() as i64 * 2 - 1 {
        env.raise(fpsr::UFC);
        return f.zero(sign);
    }
    // The fraction as 52 bits, normalised for denormals.
    let mut fraction = frac << (52 - f.fbits);
    let mut exp = exp;
    if exp == 0 {
        if fraction >> 51 & 1 == 0 {
            exp = -1;
            fraction = (fraction << 2) & ((1 << 52) - 1);
        } else {
            fraction = (fraction << 1) & ((1 << 52) - 1);
        }
    }
    let scaled = (1 << 8) | (fraction >> 44);
    let mut result_exp = 2 * f.bias() as i64 - 1 - exp;
    let est = recip_estimate(scaled);
    let mut fraction = (est & 0xff) << 44;
    if result_exp == 0 {
        fraction = (1 << 51) | (fraction >> 1);
    } else if result_exp == -1 {
        fraction = (1 << 50) | (fraction >> 2);
        result_exp = 0;
    }
    f.zero(sign) | (result_exp as u64) << f.fbits | fraction >> (52 - f.fbits)
}

/// FRSQRTE (`FPRSqrtEstimate`) for single and double precision.
pub fn rsqrt_est(f: Fmt, x: u64, env: &mut Env) -> u64 {
    let v = unpack(f, x, env);
    match v {
        Val::QNaN | Val::SNaN => return process_nan(f, x, env),
        Val::Zero(s) => {
            env.raise(fpsr::DZC);
            return f.inf(s);
        }
        _ if f.sign(x) => {
            env.raise(fpsr::IOC);
            return f.default_nan();
        }
        Val::Inf(_) => return f.zero(false),
        Val::Finite(..) => {}
    }
    let mut exp = f.exp_field(x) as i64;
    let mut fraction = (x & f.frac_mask()) << (52 - f.fbits);
    if exp == 0 {
        while fraction >> 51 & 1 == 0 {
            fraction <<= 1;
            exp -= 1;
        }
        fraction = (fraction << 1) & ((1 << 52) - 1);
    }
    let scaled = if exp & 1 == 0 {
        (1 << 8) | (fraction >> 44)
    } else {
        (1 << 7) | (fraction >> 45)
    };
    let result_exp = (3 * f.bias() as i64 - 1 - exp).div_euclid(2);
    let est = recip_sqrt_estimate(scaled);
    (result_exp as u64) << f.fbits | ((est & 0xff) << 44) >> (52 - f.fbits)
}

/// FRECPX (`FPRecpX`): the exponent inverted, fraction cleared.
pub fn recpx(f: Fmt, x: u64, env: &mut Env) -> u64 {
    if unpack(f, x, env).is_nan() {
        return process_nan(f, x, env);
    }
    let exp = f.exp_field(x);
    let new_exp = if exp == 0 {
        f.exp_max() - 1
    } else {
        !exp & f.exp_max()
    };
    f.zero(f.sign(x)) | new_exp << f.fbits
}

/// URECPE on one 32-bit element.
pub fn urecpe(x: u64) -> u64 {
    if x >> 31 & 1 == 0 {
        0xffff_ffff
    } else {
        recip_estimate((x >> 23) & 0x1ff) << 23
    }
}

/// URSQRTE on one 32-bit element.
pub fn ursqrte(x: u64) -> u64 {
    if x >> 30 & 3 == 0 {
        0xffff_ffff
    } else {
        recip_sqrt_estimate((x >> 23) & 0x1ff) << 23
    }
}

/// `x * y + a` with one rounding, for NaN-free, already flushed operands: on the host's
/// FMA unit, or in software on hosts without FMA3.
fn fused(f: Fmt, x: u64, y: u64, a: u64, env: &mut Env) -> u64 {
    if sse::has_fma() {
        host_op(f, sse::Op::MulAdd, x, y, a, env)
    } else {
        soft_fma(f, x, y, a, env)
    }
}

/// A value as (sign, mantissa, exponent), or None for zero; infinities are not accepted.
fn parts(f: Fmt, b: u64) -> Option<(bool, u128, i32)> {
    let e = f.exp_field(b) as i32;
    let frac = (b & f.frac_mask()) as u128;
    if e == 0 && frac == 0 {
        return None;
    }
    let (m, e) = if e == 0 {
        (frac, 1)
    } else {
        (frac | 1 << f.fbits, e)
    };
    Some((f.sign(b), m, e - f.bias() - f.fbits as i32))
}

/// Exact software fused multiply-add (`x * y + a`, NaN-free, flushed operands): the
/// product is exact in 128 bits, the addend is aligned with the far-away bits folded into
/// a sticky bit, and `round` applies Arm's rounding, tininess and flush rules.
pub fn soft_fma(f: Fmt, x: u64, y: u64, a: u64, env: &mut Env) -> u64 {
    let mode = env.rounding();
    let (sx, sy, sa) = (f.sign(x), f.sign(y), f.sign(a));
    let sp = sx != sy;
    let (ix, iy, ia) = (f.is_inf(x), f.is_inf(y), f.is_inf(a));
    let (zx, zy) = (f.abs(x) == 0, f.abs(y) == 0);
    if ((ix || iy) && (zx || zy)) || ((ix || iy) && ia && sp != sa) {
        env.raise(fpsr::IOC);
        return f.default_nan();
    }
    if ix || iy {
        return f.inf(sp);
    }
    if ia {
        return f.inf(sa);
    }
    // An exact zero sum of non-zero terms is -0 only when rounding toward minus infinity.
    let exact_zero = f.zero(mode == Rounding::NegInf);
    let product = match (parts(f, x), parts(f, y)) {
        (Some((_, mx, ex)), Some((_, my, ey))) => Some((mx * my, ex + ey)),
        _ => None,
    };
    let addend = parts(f, a);
    let Some((pm, pe)) = product else {
        // A zero product: the addend alone, or a sum of zeros.
        return match addend {
            Some(_) => a,
            None if sa == sp => f.zero(sa),
            None => exact_zero,
        };
    };
    let Some((_, am, ae)) = addend else {
        return round(f, sp, pm, pe, mode, env.fz(f), env);
    };
    // Both non-zero: put each mantissa's top bit at bit 125 and align the smaller one,
    // folding anything shifted out into a sticky bit 0 (the rounding position stays more
    // than two bits above it, so rounding sees the right side of every half-way point).
    const TOP: i32 = 125;
    let norm = |m: u128, e: i32| {
        let sh = TOP - (127 - m.leading_zeros() as i32);
        (m << sh, e - sh)
    };
    let (pm, pe) = norm(pm, pe);
    let (am, ae) = norm(am, ae);
    let align = |m: u128, by: i32| -> u128 {
        if by <= 0 {
            m
        } else if by >= 127 {
            (m != 0) as u128
        } else {
            (m >> by) | ((m & ((1u128 << by) - 1)) != 0) as u128
        }
    };
    let e = pe.max(ae);
    let (pm, am) = (align(pm, e - pe), align(am, e - ae));
    let (sign, mant) = if sp == sa {
        (sp, pm + am)
    } else if pm >= am {
        (sp, pm - am)
    } else {
        (sa, am - pm)
    };
    if mant == 0 {
        return exact_zero;
    }
    round(f, sign, mant, e, mode, env.fz(f), env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sem::fp_simd::fp::arm_float::{flush_input, S};

    /// The software FMA (used on hosts without FMA3) against the host's FMA unit: same
    /// result bits and flags for random operands (close exponents for cancellation, short
    /// mantissas for exact results and ties, tiny, huge, zero, infinite), in every
    /// rounding mode with and without FZ.
    #[test]
    fn soft_fma_matches_host_fma() {
        if !sse::has_fma() {
            return;
        }
        let mut seed: u64 = 0x853c_49e6_748f_ea9b;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for f in [S, D] {
            let one = (f.bias() as u64) << f.fbits;
            let special = [
                0,
                f.sign_mask(),
                f.inf(false),
                f.inf(true),
                1,
                f.min_normal(false),
                one,
                one | f.quiet_bit() | f.sign_mask(),
                f.max_normal(false),
            ];
            for i in 0..200_000u32 {
                let base_exp = next() % f.exp_max();
                let val = |next: &mut dyn FnMut() -> u64| {
                    let r = next();
                    let sign = (r >> 20 & 1) << (f.width() - 1);
                    match r % 8 {
                        0 => special[(r >> 8) as usize % special.len()],
                        // Exponents near a shared one: cancellation and close alignment.
                        1..=4 => {
                            let e = (base_exp + (r >> 8) % 5).min(f.exp_max() - 1);
                            (next() & f.frac_mask()) | e << f.fbits | sign
                        }
                        // Short mantissas: exact products and sums, ties.
                        5 => {
                            let e = (base_exp + (r >> 8) % 40).min(f.exp_max() - 1);
                            let short = f.frac_mask() & !(f.frac_mask() >> 6);
                            (next() & short) | e << f.fbits | sign
                        }
                        _ => next() & f.mask(),
                    }
                };
                let (x, y, a) = (val(&mut next), val(&mut next), val(&mut next));
                if f.is_nan(x) || f.is_nan(y) || f.is_nan(a) {
                    continue;
                }
                let fpcr = ((i as u64 % 4) << 22) | if i % 8 >= 4 { 1 << 24 } else { 0 };
                let mut e0 = Env::new(fpcr);
                let (x, y, a) = (
                    flush_input(f, x, &mut e0),
                    flush_input(f, y, &mut e0),
                    flush_input(f, a, &mut e0),
                );
                let (mut eh, mut es) = (Env::new(fpcr), Env::new(fpcr));
                let h = host_op(f, sse::Op::MulAdd, x, y, a, &mut eh);
                let s = soft_fma(f, x, y, a, &mut es);
                assert_eq!(
                    (h, eh.flags),
                    (s, es.flags),
                    "{x:#x} * {y:#x} + {a:#x}, fpcr {fpcr:#x}"
                );
            }
        }
    }
}

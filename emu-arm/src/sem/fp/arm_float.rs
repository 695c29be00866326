//! The Arm floating-point rules (Arm ARM, shared/functions/float): unpacking with
//! flush-to-zero, NaN propagation, rounding (`FPRound`) with every FPCR rounding mode,
//! and the cumulative exception flags.
//!
//! Values are carried as raw bit patterns in a `u64` together with their [`Fmt`]. The
//! arithmetic that needs an exact wide intermediate (add, multiply, divide, square root,
//! fused multiply-add) runs on the host's SSE unit in `sse.rs`; everything else
//! (conversions, rounding to integral, min/max, compares) is done here in software.

/// An IEEE binary format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fmt {
    pub ebits: u32,
    pub fbits: u32,
}

pub const H: Fmt = Fmt {
    ebits: 5,
    fbits: 10,
};
pub const S: Fmt = Fmt {
    ebits: 8,
    fbits: 23,
};
pub const D: Fmt = Fmt {
    ebits: 11,
    fbits: 52,
};

/// FPSR cumulative exception bits.
pub mod fpsr {
    pub const IOC: u32 = 1 << 0;
    pub const DZC: u32 = 1 << 1;
    pub const OFC: u32 = 1 << 2;
    pub const UFC: u32 = 1 << 3;
    pub const IXC: u32 = 1 << 4;
    pub const IDC: u32 = 1 << 7;
    /// Integer saturation (Advanced SIMD saturating arithmetic).
    pub const QC: u32 = 1 << 27;
}

/// FPCR control bits.
pub mod fpcr {
    pub const FZ: u64 = 1 << 24;
    pub const DN: u64 = 1 << 25;
    pub const AHP: u64 = 1 << 26;
}

/// Rounding modes, numbered as FPCR.RMode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    TieEven,
    PosInf,
    NegInf,
    Zero,
    /// Round to nearest, ties away from zero (FCVTA*, FRINTA only).
    TieAway,
}

impl Rounding {
    pub fn from_rmode(rmode: u64) -> Rounding {
        match rmode & 3 {
            0 => Rounding::TieEven,
            1 => Rounding::PosInf,
            2 => Rounding::NegInf,
            _ => Rounding::Zero,
        }
    }
}

/// The FP environment of one instruction: the control register it reads and the
/// exception flags it raises (OR'ed into FPSR by the caller).
#[derive(Clone, Copy, Debug)]
pub struct Env {
    pub fpcr: u64,
    pub flags: u32,
    /// The FPSR exception flags already set before this instruction (they are sticky, so
    /// an operation that could only raise those need not compute them).
    pub sticky: u32,
}

impl Env {
    pub fn new(fpcr: u64) -> Env {
        Env {
            fpcr,
            flags: 0,
            sticky: 0,
        }
    }
    pub fn rounding(&self) -> Rounding {
        Rounding::from_rmode(self.fpcr >> 22)
    }
    pub fn dn(&self) -> bool {
        self.fpcr & fpcr::DN != 0
    }
    /// FZ applies to single and double precision; half precision has its own FZ16 (we
    /// implement no half-precision arithmetic, and conversions never flush halves).
    pub fn fz(&self, f: Fmt) -> bool {
        self.fpcr & fpcr::FZ != 0 && f != H
    }
    pub fn raise(&mut self, flags: u32) {
        self.flags |= flags;
    }
}

impl Fmt {
    #[inline(always)]
    pub const fn width(self) -> u32 {
        1 + self.ebits + self.fbits
    }
    #[inline(always)]
    pub const fn bias(self) -> i32 {
        (1 << (self.ebits - 1)) - 1
    }
    #[inline(always)]
    pub const fn sign_mask(self) -> u64 {
        1 << (self.ebits + self.fbits)
    }
    #[inline(always)]
    pub const fn frac_mask(self) -> u64 {
        (1 << self.fbits) - 1
    }
    #[inline(always)]
    pub const fn exp_max(self) -> u64 {
        (1 << self.ebits) - 1
    }
    #[inline(always)]
    pub const fn quiet_bit(self) -> u64 {
        1 << (self.fbits - 1)
    }
    #[inline(always)]
    pub const fn mask(self) -> u64 {
        if self.width() == 64 {
            u64::MAX
        } else {
            (1 << self.width()) - 1
        }
    }
    #[inline(always)]
    pub fn exp_field(self, b: u64) -> u64 {
        (b >> self.fbits) & self.exp_max()
    }
    #[inline(always)]
    pub fn sign(self, b: u64) -> bool {
        b & self.sign_mask() != 0
    }
    #[inline(always)]
    pub fn is_nan(self, b: u64) -> bool {
        self.exp_field(b) == self.exp_max() && b & self.frac_mask() != 0
    }
    #[inline(always)]
    pub fn is_snan(self, b: u64) -> bool {
        self.is_nan(b) && b & self.quiet_bit() == 0
    }
    #[inline(always)]
    pub fn is_inf(self, b: u64) -> bool {
        self.exp_field(b) == self.exp_max() && b & self.frac_mask() == 0
    }
    /// Zero or (not flushed) denormal: biased exponent 0.
    #[inline(always)]
    pub fn is_zero_or_denormal(self, b: u64) -> bool {
        self.exp_field(b) == 0
    }
    #[inline(always)]
    pub fn default_nan(self) -> u64 {
        (self.exp_max() << self.fbits) | self.quiet_bit()
    }
    #[inline(always)]
    pub fn inf(self, sign: bool) -> u64 {
        (self.exp_max() << self.fbits) | if sign { self.sign_mask() } else { 0 }
    }
    #[inline(always)]
    pub fn zero(self, sign: bool) -> u64 {
        if sign {
            self.sign_mask()
        } else {
            0
        }
    }
    #[inline(always)]
    pub fn max_normal(self, sign: bool) -> u64 {
        ((self.exp_max() - 1) << self.fbits) | self.frac_mask() | self.zero(sign)
    }
    #[inline(always)]
    pub fn min_normal(self, sign: bool) -> u64 {
        (1 << self.fbits) | self.zero(sign)
    }
    #[inline(always)]
    pub fn abs(self, b: u64) -> u64 {
        b & !self.sign_mask() & self.mask()
    }
    #[inline(always)]
    pub fn neg(self, b: u64) -> u64 {
        (b ^ self.sign_mask()) & self.mask()
    }
}

/// An unpacked operand (`FPUnpack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    Zero(bool),
    Inf(bool),
    QNaN,
    SNaN,
    /// sign, mantissa, exponent: value = (-1)^sign * mant * 2^exp, mant != 0.
    Finite(bool, u64, i32),
}

/// `FPUnpack`: classifies `b`, flushing a denormal to zero (raising IDC) under FZ.
pub fn unpack(f: Fmt, b: u64, env: &mut Env) -> Val {
    let sign = f.sign(b);
    let e = f.exp_field(b);
    let frac = b & f.frac_mask();
    if e == 0 {
        if frac == 0 {
            Val::Zero(sign)
        } else if env.fz(f) {
            env.raise(fpsr::IDC);
            Val::Zero(sign)
        } else {
            Val::Finite(sign, frac, 1 - f.bias() - f.fbits as i32)
        }
    } else if e == f.exp_max() {
        if frac == 0 {
            Val::Inf(sign)
        } else if frac & f.quiet_bit() != 0 {
            Val::QNaN
        } else {
            Val::SNaN
        }
    } else {
        Val::Finite(
            sign,
            frac | (1 << f.fbits),
            e as i32 - f.bias() - f.fbits as i32,
        )
    }
}

/// The bits of `b` after input flushing: a denormal becomes a signed zero under FZ.
pub fn flush_input(f: Fmt, b: u64, env: &mut Env) -> u64 {
    match unpack(f, b, env) {
        Val::Zero(s) => f.zero(s),
        _ => b,
    }
}

impl Val {
    pub fn is_nan(self) -> bool {
        matches!(self, Val::QNaN | Val::SNaN)
    }
}

/// `FPProcessNaN`: quietens a NaN (IOC if it was signalling), or the default NaN under DN.
pub fn process_nan(f: Fmt, b: u64, env: &mut Env) -> u64 {
    if f.is_snan(b) {
        env.raise(fpsr::IOC);
    }
    if env.dn() {
        f.default_nan()
    } else {
        (b | f.quiet_bit()) & f.mask()
    }
}

/// `FPProcessNaNs`: signalling NaNs first, in operand order, then quiet NaNs.
pub fn process_nans2(f: Fmt, a: u64, b: u64, env: &mut Env) -> Option<u64> {
    for x in [a, b] {
        if f.is_snan(x) {
            return Some(process_nan(f, x, env));
        }
    }
    for x in [a, b] {
        if f.is_nan(x) {
            return Some(process_nan(f, x, env));
        }
    }
    None
}

/// `FPProcessNaNs3`, same order over three operands.
pub fn process_nans3(f: Fmt, a: u64, b: u64, c: u64, env: &mut Env) -> Option<u64> {
    for x in [a, b, c] {
        if f.is_snan(x) {
            return Some(process_nan(f, x, env));
        }
    }
    for x in [a, b, c] {
        if f.is_nan(x) {
            return Some(process_nan(f, x, env));
        }
    }
    None
}

/// `FPRound`: rounds `(-1)^sign * mant * 2^exp` to format `f`. Tininess is detected before
/// rounding, as Arm does (FPCR.AH = 0); under FZ a tiny result becomes a signed zero with
/// only UFC raised. `fz` says whether flush-to-zero applies to this output.
pub fn round(
    f: Fmt,
    sign: bool,
    mant: u128,
    exp: i32,
    mode: Rounding,
    fz: bool,
    env: &mut Env,
) -> u64 {
    if mant == 0 {
        return f.zero(sign);
    }
    let msb = 127 - mant.leading_zeros() as i32;
    let e_val = msb + exp; // value in [2^e_val, 2^(e_val+1))
    let min_exp = 1 - f.bias();
    let tiny = e_val < min_exp;
    if tiny && fz {
        env.raise(fpsr::UFC);
        return f.zero(sign);
    }
    let mut lsb_exp = e_val.max(min_exp) - f.fbits as i32;
    let shift = lsb_exp - exp;
    // Integer mantissa, and the discarded part classified against half an ulp.
    let (mut int_mant, half_cmp, inexact) = if shift <= 0 {
        // Exact: at most fbits+1 significant bits remain after the shift.
        (mant << (-shift) as u32, std::cmp::Ordering::Less, false)
    } else if shift >= 128 {
        // Everything is below half an ulp: mant < 2^128 <= 2^(shift-1)... unless shift is
        // exactly 128 and mant >= 2^127; treat generically by comparing with the top bit.
        let half_or_more = shift == 128 && mant >> 127 != 0;
        let ord = if half_or_more {
            if mant == 1 << 127 {
                std::cmp::Ordering::Equal
            } else {
                std::cmp::Ordering::Greater
            }
        } else {
            std::cmp::Ordering::Less
        };
        (0, ord, true)
    } else {
        let s = shift as u32;
        let rem = mant & ((1u128 << s) - 1);
        let half = 1u128 << (s - 1);
        (mant >> s, rem.cmp(&half), rem != 0)
    };
    if tiny && inexact {
        env.raise(fpsr::UFC);
    }
    let round_up = inexact
        && match mode {
            Rounding::TieEven => {
                half_cmp == std::cmp::Ordering::Greater
                    || (half_cmp == std::cmp::Ordering::Equal && int_mant & 1 == 1)
            }
            Rounding::TieAway => half_cmp != std::cmp::Ordering::Less,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero => false,
        };
    if round_up {
        int_mant += 1;
        if int_mant == 1u128 << (f.fbits + 1) {
            int_mant >>= 1;
            lsb_exp += 1;
        }
    }
    let biased = if int_mant >= 1u128 << f.fbits {
        (lsb_exp + f.fbits as i32 + f.bias()) as i64
    } else {
        0
    };
    if biased >= f.exp_max() as i64 {
        env.raise(fpsr::OFC | fpsr::IXC);
        let to_inf = match mode {
            Rounding::TieEven | Rounding::TieAway => true,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero => false,
        };
        return if to_inf {
            f.inf(sign)
        } else {
            f.max_normal(sign)
        };
    }
    if inexact {
        env.raise(fpsr::IXC);
    }
    f.zero(sign) | ((biased as u64) << f.fbits) | (int_mant as u64 & f.frac_mask())
}

/// Rounds with the FPCR rounding mode and flushing rules for format `f`.
pub fn round_env(f: Fmt, sign: bool, mant: u128, exp: i32, env: &mut Env) -> u64 {
    let mode = env.rounding();
    let fz = env.fz(f);
    round(f, sign, mant, exp, mode, fz, env)
}

/// `FPConvert` between formats (FCVT, FCVTL, FCVTN). Half precision uses the
/// alternative format (no infinities or NaNs) when FPCR.AHP is set.
pub fn convert(from: Fmt, to: Fmt, b: u64, env: &mut Env) -> u64 {
    // Single to double without flush-to-zero is exact and raises nothing for any finite
    // input (denormals included).
    if from == S && to == D && env.fpcr & fpcr::FZ == 0 && from.exp_field(b) != from.exp_max() {
        return (f32::from_bits(b as u32) as f64).to_bits();
    }
    let ahp = env.fpcr & fpcr::AHP != 0;
    let sign = from.sign(b);
    // Alternative half precision input: exponent 31 is an ordinary normal number.
    let v = if from == H && ahp && from.exp_field(b) == from.exp_max() {
        Val::Finite(
            sign,
            (b & from.frac_mask()) | (1 << from.fbits),
            from.exp_max() as i32 - from.bias() - from.fbits as i32,
        )
    } else {
        unpack(from, b, env)
    };
    let to_ahp = to == H && ahp;
    match v {
        Val::QNaN | Val::SNaN => {
            if to_ahp {
                env.raise(fpsr::IOC);
                return to.zero(sign);
            }
            if from.is_snan(b) {
                env.raise(fpsr::IOC);
            }
            if env.dn() {
                return to.default_nan();
            }
            // Keep the sign and the top bits of the payload, quietened.
            let frac = b & from.frac_mask();
            let frac = if to.fbits >= from.fbits {
                frac << (to.fbits - from.fbits)
            } else {
                frac >> (from.fbits - to.fbits)
            };
            to.zero(sign) | (to.exp_max() << to.fbits) | frac | to.quiet_bit()
        }
        Val::Inf(s) => {
            if to_ahp {
                env.raise(fpsr::IOC);
                return to.zero(s) | 0x7fff;
            }
            to.inf(s)
        }
        Val::Zero(s) => to.zero(s),
        Val::Finite(s, m, e) => {
            let mode = env.rounding();
            let fz = env.fz(to);
            if to_ahp {
                round_ahp(s, m as u128, e, mode, env)
            } else {
                round(to, s, m as u128, e, mode, fz, env)
            }
        }
    }
}

/// Rounding to alternative half precision: exponent 31 is an ordinary normal exponent and
/// overflow saturates to the largest magnitude with Invalid Operation (and no Inexact),
/// since the format has no infinities.
fn round_ahp(sign: bool, mant: u128, exp: i32, mode: Rounding, env: &mut Env) -> u64 {
    // Round in a format with the same precision and minimum exponent but a larger range
    // (any wider exponent field with the same bias works): IEEE half with 6 exponent bits
    // would change the bias, so round in H and redo only the overflowing cases.
    let mut scratch = Env::new(env.fpcr);
    let r = round(H, sign, mant, exp, mode, false, &mut scratch);
    if scratch.flags & fpsr::OFC == 0 && !H.is_inf(r) {
        env.raise(scratch.flags);
        return r;
    }
    // The value needs exponent field 31 or more: compute the rounded mantissa by hand.
    // Here the value is >= 2^16, far above the subnormal range, so shift directly.
    let msb = 127 - mant.leading_zeros() as i32;
    let e_val = msb + exp;
    let shift = e_val - 10 - exp; // keep 11 significant bits
    let (mut m, rem_half, inexact) = if shift <= 0 {
        (mant << (-shift) as u32, std::cmp::Ordering::Less, false)
    } else {
        let s = shift as u32;
        let rem = mant & ((1u128 << s) - 1);
        (mant >> s, rem.cmp(&(1u128 << (s - 1))), rem != 0)
    };
    let up = inexact
        && match mode {
            Rounding::TieEven => {
                rem_half == std::cmp::Ordering::Greater
                    || (rem_half == std::cmp::Ordering::Equal && m & 1 == 1)
            }
            Rounding::TieAway => rem_half != std::cmp::Ordering::Less,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero => false,
        };
    let mut e_res = e_val;
    if up {
        m += 1;
        if m == 1 << 11 {
            m >>= 1;
            e_res += 1;
        }
    }
    let biased = e_res + H.bias();
    let sign_bit = if sign { 0x8000 } else { 0 };
    if biased > 31 {
        env.raise(fpsr::IOC);
        return sign_bit | 0x7fff;
    }
    if inexact {
        env.raise(fpsr::IXC);
    }
    sign_bit | ((biased as u64) << 10) | (m as u64 & 0x3ff)
}

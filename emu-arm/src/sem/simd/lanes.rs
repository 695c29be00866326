//! Lane access on 128-bit vector values (`u128`, lane 0 in the low bits) and the integer
//! element arithmetic shared by the Advanced SIMD helpers.

use crate::state::CpuState;

/// V`n` as one 128-bit value.
pub fn vget(st: &CpuState, n: u32) -> u128 {
    let [lo, hi] = st.vreg[(n & 31) as usize];
    lo as u128 | (hi as u128) << 64
}

/// Writes V`n`; a 64-bit result (`full` false) zeroes the high half.
pub fn vset(st: &mut CpuState, n: u32, v: u128, full: bool) {
    let v = if full { v } else { v & u64::MAX as u128 };
    st.vreg[(n & 31) as usize] = [v as u64, (v >> 64) as u64];
}

/// All-ones in the low `es` bits.
#[inline(always)]
pub fn ones(es: u32) -> u64 {
    if es >= 64 {
        u64::MAX
    } else {
        (1u64 << es) - 1
    }
}

/// Element `i` of `es` bits (zero-extended). Out-of-range lanes read as 0.
#[inline(always)]
pub fn lane(v: u128, es: u32, i: u32) -> u64 {
    let sh = i * es;
    if sh >= 128 {
        return 0;
    }
    (v >> sh) as u64 & ones(es)
}

/// Replaces element `i` of `es` bits; out-of-range lanes are ignored.
#[inline(always)]
pub fn set_lane(v: &mut u128, es: u32, i: u32, x: u64) {
    let sh = i * es;
    if sh >= 128 {
        return;
    }
    let m = (ones(es) as u128) << sh;
    *v = (*v & !m) | (((x & ones(es)) as u128) << sh);
}

/// Number of `es`-bit lanes in a 64-bit (`q` false) or 128-bit vector.
#[inline(always)]
pub fn count(q: bool, es: u32) -> u32 {
    (if q { 128 } else { 64 }) / es
}

/// Sign-extends an `es`-bit element.
#[inline(always)]
pub fn sx(x: u64, es: u32) -> i128 {
    (((x << (64 - es)) as i64) >> (64 - es)) as i128
}

/// Extends an `es`-bit element, signed or not.
#[inline(always)]
pub fn ext(x: u64, es: u32, signed: bool) -> i128 {
    if signed {
        sx(x, es)
    } else {
        (x & ones(es)) as i128
    }
}

/// Saturates `v` to an `es`-bit signed or unsigned range; sets `*qc` when it clips.
pub fn sat(v: i128, es: u32, signed: bool, qc: &mut bool) -> u64 {
    let (min, max) = if signed {
        (-(1i128 << (es - 1)), (1i128 << (es - 1)) - 1)
    } else {
        (0, (1i128 << es) - 1)
    };
    if v < min {
        *qc = true;
        min as u64 & ones(es)
    } else if v > max {
        *qc = true;
        max as u64 & ones(es)
    } else {
        v as u64 & ones(es)
    }
}

/// All ones (true) or zero, as a compare result element.
pub fn mask_if(c: bool, es: u32) -> u64 {
    if c {
        ones(es)
    } else {
        0
    }
}

/// Shift by a signed register amount (SSHL/USHL): the low byte of `amount` is a signed
/// shift count, positive to the left; `round` adds the rounding bit on right shifts.
pub fn shl_reg(x: u64, amount: u64, es: u32, signed: bool, round: bool) -> u64 {
    let sh = amount as u8 as i8 as i32;
    let v = ext(x, es, signed);
    let r = if sh >= 0 {
        if sh >= es as i32 {
            0
        } else {
            v << sh
        }
    } else {
        let n = (-sh).min(es as i32 + 1) as u32;
        let v = if round { v + (1i128 << (n - 1)) } else { v };
        v >> n
    };
    r as u64 & ones(es)
}

/// Arithmetic or logical right shift of an element by `n` (1..=es), optionally rounding.
pub fn shr(x: u64, n: u32, es: u32, signed: bool, round: bool) -> u64 {
    let v = ext(x, es, signed);
    let v = if round { v + (1i128 << (n - 1)) } else { v };
    (v >> n) as u64 & ones(es)
}

/// Saturating shift by a signed register amount (SQSHL/UQSHL/SQRSHL/UQRSHL): left shifts
/// saturate, right shifts (negative amounts) optionally round.
pub fn qshl_reg(x: u64, amount: u64, es: u32, signed: bool, round: bool, qc: &mut bool) -> u64 {
    let sh = amount as u8 as i8 as i32;
    let v = ext(x, es, signed);
    if sh >= 0 {
        left_sat(v, sh as u32, es, signed, qc)
    } else {
        // Shifting right by more than es+1 gives the same result as es+1.
        let n = (-sh).min(es as i32 + 1) as u32;
        let v = if round { v + (1i128 << (n - 1)) } else { v };
        sat(v >> n, es, signed, qc)
    }
}

/// `v << n` saturated to `es` bits (signed or unsigned destination).
pub fn left_sat(v: i128, n: u32, es: u32, dst_signed: bool, qc: &mut bool) -> u64 {
    if v == 0 {
        return 0;
    }
    if n >= es {
        // Any non-zero value shifted by the element size or more is out of range.
        return sat(v.signum() << 100, es, dst_signed, qc);
    }
    sat(v << n, es, dst_signed, qc)
}

/// Carry-less (polynomial) product of two 8-bit elements, 16 bits wide.
pub fn pmul8(a: u64, b: u64) -> u64 {
    (0..8).fold(0u64, |acc, i| {
        if (b >> i) & 1 == 1 {
            acc ^ ((a & 0xff) << i)
        } else {
            acc
        }
    })
}

/// SQDMULH/SQRDMULH on one pair of `es`-bit signed elements.
pub fn qdmulh(a: u64, b: u64, es: u32, round: bool, qc: &mut bool) -> u64 {
    let p = 2 * sx(a, es) * sx(b, es) + if round { 1i128 << (es - 1) } else { 0 };
    sat(p >> es, es, true, qc)
}

/// SQDMULL: 2 * a * b saturated to 2*es bits.
pub fn qdmull(a: u64, b: u64, es: u32, qc: &mut bool) -> i128 {
    let v = sat(2 * sx(a, es) * sx(b, es), 2 * es, true, qc);
    sx(v, 2 * es)
}

//! Common integer vector operations emitted inline on the two 64-bit halves (SWAR), so the
//! JIT does not pay a helper call (which spills and reloads every cached guest register)
//! for the instructions that dominate vectorised loops and the string functions of libc.

use super::lanes::ones;
use crate::sem::*;

/// The top bit of every `es`-bit lane of a 64-bit half.
fn high_bits(es: u32) -> u64 {
    (u64::MAX / ones(es)) << (es - 1)
}

/// `v` with every `es`-bit lane replaced by all-ones if its top bit is set, else zero.
fn spread_high<E: Emitter>(e: &mut E, hi_bits: E::V, es: u32) -> E::V {
    if es == 64 {
        let k = e.imm(63);
        let t = e.bin(BinOp::Ashr, hi_bits, k);
        return t;
    }
    // Each lane's top bit moved to its bottom, times the lane mask.
    let k = e.imm((es - 1) as u64);
    let low = e.bin(BinOp::Lshr, hi_bits, k);
    let m = e.imm(ones(es));
    e.bin(BinOp::Mul, low, m)
}

/// Lane-wise `a + b` or `a - b` without carries crossing lanes.
pub fn add_sub<E: Emitter>(e: &mut E, a: E::V, b: E::V, es: u32, sub: bool) -> E::V {
    if es == 64 {
        return e.bin(if sub { BinOp::Sub } else { BinOp::Add }, a, b);
    }
    let h = high_bits(es);
    let hv = e.imm(h);
    let lv = e.imm(!h);
    if sub {
        // ((a | H) - (b & ~H)) ^ ((a ^ ~b) & H)
        let a1 = e.bin(BinOp::Or, a, hv);
        let b1 = e.bin(BinOp::And, b, lv);
        let d = e.bin(BinOp::Sub, a1, b1);
        let x = e.bin(BinOp::XorNot, a, b);
        let x = e.bin(BinOp::And, x, hv);
        e.bin(BinOp::Xor, d, x)
    } else {
        // ((a & ~H) + (b & ~H)) ^ ((a ^ b) & H)
        let a1 = e.bin(BinOp::And, a, lv);
        let b1 = e.bin(BinOp::And, b, lv);
        let s = e.bin(BinOp::Add, a1, b1);
        let x = e.bin(BinOp::Xor, a, b);
        let x = e.bin(BinOp::And, x, hv);
        e.bin(BinOp::Xor, s, x)
    }
}

/// Lane-wise "is zero" as all-ones/zero lanes.
pub fn eq_zero<E: Emitter>(e: &mut E, x: E::V, es: u32) -> E::V {
    if es == 64 {
        let z = e.imm(0);
        let c = e.cmp(Cmp::Eq, x, z);
        let zero = e.imm(0);
        return e.bin(BinOp::Sub, zero, c);
    }
    let h = high_bits(es);
    let lv = e.imm(!h);
    // Top bit of ((x & ~H) + ~H) | x is set exactly when the lane is non-zero.
    let t = e.bin(BinOp::And, x, lv);
    let t = e.bin(BinOp::Add, t, lv);
    let t = e.bin(BinOp::Or, t, x);
    let hv = e.imm(h);
    let z = e.bin(BinOp::AndNot, hv, t);
    spread_high(e, z, es)
}

/// Logical shift of every lane by `n` (left or right), bits not crossing lanes.
pub fn shift_lanes<E: Emitter>(e: &mut E, x: E::V, es: u32, n: u32, left: bool) -> E::V {
    if n >= es {
        return e.imm(0);
    }
    let k = e.imm(n as u64);
    let s = e.bin(if left { BinOp::Shl } else { BinOp::Lshr }, x, k);
    if es == 64 {
        return s;
    }
    let lane = if left {
        (ones(es) << n) & ones(es)
    } else {
        ones(es) >> n
    };
    let m = e.imm(lane * (u64::MAX / ones(es)));
    e.bin(BinOp::And, s, m)
}

/// Arithmetic right shift of every lane by `n` (1..=es).
pub fn sshr_lanes<E: Emitter>(e: &mut E, x: E::V, es: u32, n: u32) -> E::V {
    if es == 64 {
        let k = e.imm(n.min(63) as u64);
        return e.bin(BinOp::Ashr, x, k);
    }
    if n >= es {
        // Every lane becomes its sign.
        let h = e.imm(high_bits(es));
        let s = e.bin(BinOp::And, x, h);
        return spread_high(e, s, es);
    }
    // Logical shift, then sign-extend each lane from bit es-1-n: (t ^ m) - m with m the
    // moved sign bit, subtracted lane-wise.
    let t = shift_lanes(e, x, es, n, false);
    let m = e.imm(high_bits(es) >> n);
    let m = e.bin(BinOp::And, t, m);
    let t = e.bin(BinOp::Xor, t, m);
    add_sub(e, t, m, es, true)
}

/// Lane-wise `a < b` (unsigned, or signed with `signed`) as all-ones/zero lanes.
pub fn less_than<E: Emitter>(e: &mut E, a: E::V, b: E::V, es: u32, signed: bool) -> E::V {
    if es == 64 {
        let c = e.cmp(if signed { Cmp::Slt } else { Cmp::Ult }, a, b);
        let zero = e.imm(0);
        return e.bin(BinOp::Sub, zero, c);
    }
    let hv = e.imm(high_bits(es));
    // Signed order is unsigned order with the sign bits flipped.
    let (a, b) = if signed {
        (e.bin(BinOp::Xor, a, hv), e.bin(BinOp::Xor, b, hv))
    } else {
        (a, b)
    };
    // The borrow out of each lane's a - b: (~a & b) | (~(a ^ b) & (a - b)), at the top bit.
    let r = add_sub(e, a, b, es, true);
    let t1 = e.bin(BinOp::AndNot, b, a);
    let x = e.bin(BinOp::XorNot, a, b);
    let t2 = e.bin(BinOp::And, x, r);
    let borrow = e.bin(BinOp::Or, t1, t2);
    let borrow = e.bin(BinOp::And, borrow, hv);
    spread_high(e, borrow, es)
}

/// Lane-wise sign (`x < 0`) as all-ones/zero lanes.
pub fn negative<E: Emitter>(e: &mut E, x: E::V, es: u32) -> E::V {
    let hv = e.imm(high_bits(es));
    let s = e.bin(BinOp::And, x, hv);
    spread_high(e, s, es)
}

/// Bitwise select: `mask ? a : b`.
pub fn select_bits<E: Emitter>(e: &mut E, mask: E::V, a: E::V, b: E::V) -> E::V {
    let t = e.bin(BinOp::Xor, a, b);
    let t = e.bin(BinOp::And, t, mask);
    e.bin(BinOp::Xor, b, t)
}

/// Narrows the four (or two, one) `2*es`-bit lanes of a 64-bit half to `es` bits each,
/// after a logical right shift by `n`, packed into the low 32 bits (SHRN, XTN).
pub fn narrow_half<E: Emitter>(e: &mut E, x: E::V, es: u32, n: u32) -> E::V {
    let wide = 2 * es;
    let x = if n == 0 {
        x
    } else {
        let k = e.imm(n as u64);
        e.bin(BinOp::Lshr, x, k)
    };
    // Keep the low `es` bits of each wide lane, then close the gaps pairwise.
    let m = e.imm(ones(es) * (u64::MAX / ones(wide)));
    let mut t = e.bin(BinOp::And, x, m);
    let mut width = es;
    while width < 32 {
        let k = e.imm(width as u64);
        let s = e.bin(BinOp::Lshr, t, k);
        let o = e.bin(BinOp::Or, t, s);
        width *= 2;
        let m = e.imm(ones(width) * (u64::MAX / ones(2 * width)));
        t = e.bin(BinOp::And, o, m);
    }
    t
}

/// Pairwise UMAXP/UMINP/ADDP within one 64-bit half (`es` < 64): the results of its
/// adjacent pairs, packed into the low 32 bits.
pub fn pairwise_half<E: Emitter>(e: &mut E, x: E::V, es: u32, op: PairOp) -> E::V {
    let wide = 2 * es;
    // Even and odd lanes as zero-extended 2*es-bit lanes.
    let m = e.imm(ones(es) * (u64::MAX / ones(wide)));
    let even = e.bin(BinOp::And, x, m);
    let k = e.imm(es as u64);
    let odd = e.bin(BinOp::Lshr, x, k);
    let odd = e.bin(BinOp::And, odd, m);
    let r = match op {
        PairOp::Add => add_sub(e, even, odd, wide, false),
        PairOp::UMax | PairOp::UMin => {
            let lt = less_than(e, even, odd, wide, false);
            if op == PairOp::UMax {
                select_bits(e, lt, odd, even)
            } else {
                select_bits(e, lt, even, odd)
            }
        }
    };
    narrow_half(e, r, es, 0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairOp {
    Add,
    UMax,
    UMin,
}

/// Swaps adjacent `width`-bit fields of `x` (every pair inside each `2 * width`-bit unit).
fn swap_fields<E: Emitter>(e: &mut E, x: E::V, width: u32) -> E::V {
    if width == 32 {
        let k = e.imm(32);
        return e.bin(BinOp::Rotr, x, k);
    }
    // The low field of each pair: `width` ones repeated every 2 * width bits.
    let unit = ones(width);
    let mut low = 0u64;
    let mut i = 0;
    while i < 64 {
        low |= unit << i;
        i += 2 * width;
    }
    let k = e.imm(width as u64);
    let lo_mask = e.imm(low);
    let hi_mask = e.imm(!low);
    let down = e.bin(BinOp::Lshr, x, k);
    let down = e.bin(BinOp::And, down, lo_mask);
    let up = e.bin(BinOp::Shl, x, k);
    let up = e.bin(BinOp::And, up, hi_mask);
    e.bin(BinOp::Or, down, up)
}

/// Reverses the order of the `es`-bit elements inside every `container`-bit container of
/// a 64-bit half (REV16/REV32/REV64; `es < container <= 64`): swapping ever smaller
/// field pairs from the container size down to the element size reverses them.
pub fn reverse_elements<E: Emitter>(e: &mut E, x: E::V, es: u32, container: u32) -> E::V {
    if es == 8 && container >= 32 {
        // A byte swap of the half, then (REV32) the two words back in place.
        let b = e.un(UnOp::Bswap, x);
        return if container == 64 {
            b
        } else {
            swap_fields(e, b, 32)
        };
    }
    let mut v = x;
    let mut width = container / 2;
    while width >= es {
        v = swap_fields(e, v, width);
        width /= 2;
    }
    v
}

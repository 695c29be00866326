//! Operand values for the per-encoding differential suite, weighted toward the values
//! where floating-point implementations differ: signed zeros, infinities, quiet and
//! signalling NaNs with payloads, denormals, the smallest and largest normals, values a
//! rounding step away from the limits of narrower formats and of integer ranges, and
//! exact ties at every rounding position. Integer edges (0, 1, -1, MIN, MAX) are mixed in
//! for the integer SIMD instructions that share the registers.

use emu_tests::a64gen::Rng;

/// Exponent and fraction widths of an IEEE format with `bits` total bits.
fn format(bits: u32) -> (u32, u32) {
    match bits {
        16 => (5, 10),
        32 => (8, 23),
        _ => (11, 52),
    }
}

fn ones(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// An exponent field value (biased) that sits at an interesting boundary for `bits`:
/// around 1.0, the format's own limits, the limits of the narrower formats (so that
/// FCVT/FCVTN overflow, underflow and produce denormals) and of the integer widths (so
/// that FCVTZS/FCVTZU/FRINT saturate or become exact).
fn boundary_exponent(rng: &mut Rng, bits: u32) -> u64 {
    let (e, f) = format(bits);
    let bias = ones(e - 1) as i64;
    let max = ones(e) as i64 - 1; // largest finite exponent field
    let unbiased: [i64; 20] = [
        0, -1, 1, 7, 8, 15, 16, 31, 32, 63, 64, f as i64, -14,   // half's smallest normal
        -24,   // half's smallest denormal
        15,    // half's largest exponent
        -126,  // single's smallest normal
        -149,  // single's smallest denormal
        127,   // single's largest exponent
        -1022, // double's smallest normal
        1023,
    ];
    let centre = bias + unbiased[rng.below(unbiased.len() as u32) as usize];
    let wobble = rng.below(3) as i64 - 1;
    (centre + wobble).clamp(1, max) as u64
}

/// A fraction that makes the value land exactly on, or one unit either side of, a
/// rounding tie at a random bit position (and in particular at the positions where a
/// conversion to a narrower format rounds).
fn tie_fraction(rng: &mut Rng, bits: u32) -> u64 {
    let (_, f) = format(bits);
    let narrower: &[u32] = match bits {
        64 => &[52 - 23, 52 - 10],
        32 => &[23 - 10],
        _ => &[],
    };
    let position = if !narrower.is_empty() && rng.bit() == 0 {
        narrower[rng.below(narrower.len() as u32) as usize] - 1
    } else {
        rng.below(f)
    };
    let above = rng.next_u64() & ones(f) & !ones(position + 1);
    let tie = (above | (1u64 << position)) & ones(f);
    match rng.below(3) {
        0 => tie,
        1 => tie.wrapping_sub(1) & ones(f),
        _ => (tie + 1) & ones(f),
    }
}

/// One floating-point lane of `bits` (16, 32 or 64) bits.
pub fn float_lane(rng: &mut Rng, bits: u32) -> u64 {
    let (e, f) = format(bits);
    let sign = u64::from(rng.bit()) << (e + f);
    let exp_all = ones(e) << f;
    let quiet_bit = 1u64 << (f - 1);
    let magnitude = match rng.below(16) {
        0 => 0,
        1 => exp_all, // infinity
        2 => exp_all | quiet_bit | ((rng.next_u64() >> rng.below(64)) & ones(f - 1)), // qNaN
        3 => {
            // sNaN: quiet bit clear, payload non-zero (a zero payload is infinity).
            let payload = (rng.next_u64() >> rng.below(64)) & ones(f - 1);
            exp_all | payload.max(1)
        }
        4 => [1, ones(f), rng.next_u64() & ones(f) | 1][rng.below(3) as usize], // denormals
        5 => {
            // Smallest and largest normals, and their neighbours.
            let min_normal = 1u64 << f;
            let max_normal = exp_all - 1;
            [min_normal, min_normal + 1, max_normal, max_normal - 1][rng.below(4) as usize]
        }
        6..=8 => (boundary_exponent(rng, bits) << f) | tie_fraction(rng, bits),
        9 => {
            // Small integers and halves: FRINT*, FCVT* and compares of equal values.
            let value = f64::from(rng.below(33)) * 0.5;
            to_format(value, bits)
        }
        10 | 11 => {
            // Ordinary values near 1.0 with random fractions: arithmetic that rounds.
            let exponent = ones(e - 1) - 4 + u64::from(rng.below(9));
            (exponent << f) | (rng.next_u64() & ones(f))
        }
        _ => rng.next_u64() & ones(e + f),
    };
    sign | magnitude
}

/// `value` (exactly representable) encoded in a `bits`-bit format.
fn to_format(value: f64, bits: u32) -> u64 {
    match bits {
        64 => value.to_bits(),
        32 => u64::from((value as f32).to_bits()),
        _ => {
            // Exact small halves only: build the half encoding from the single one.
            let single = (value as f32).to_bits();
            let sign = (single >> 16) & 0x8000;
            if single & 0x7fff_ffff == 0 {
                return u64::from(sign);
            }
            let exponent = ((single >> 23) & 0xff) as i32 - 127 + 15;
            let fraction = (single >> 13) & 0x3ff;
            u64::from(sign | ((exponent as u32) << 10) | fraction)
        }
    }
}

/// An integer lane of `bits` bits: edges or random.
pub fn integer_lane(rng: &mut Rng, bits: u32) -> u64 {
    let mask = ones(bits);
    let top = 1u64 << (bits - 1);
    match rng.below(4) {
        0 => [0, 1, mask, top, top - 1, top + 1, mask - 1][rng.below(7) as usize] & mask,
        1 => (rng.next_u64() >> rng.below(64)) & mask, // random bit length
        _ => rng.next_u64() & mask,
    }
}

/// One lane of `bits` bits: mostly floating point, some integer edges.
pub fn lane(rng: &mut Rng, bits: u32) -> u64 {
    if bits == 8 || rng.below(4) == 0 {
        integer_lane(rng, bits)
    } else {
        float_lane(rng, bits)
    }
}

/// A 128-bit V register value: lanes of `bits`, filled independently.
pub fn vector(rng: &mut Rng, bits: u32) -> [u64; 2] {
    let bits = bits.clamp(8, 64);
    let mut halves = [0u64; 2];
    for half in halves.iter_mut() {
        for lane_index in 0..64 / bits {
            *half |= lane(rng, bits) << (lane_index * bits);
        }
    }
    halves
}

/// A general register value for conversions and moves: integers of every bit length
/// (SCVTF/UCVTF round those longer than the format's precision), integers a unit away
/// from the precision limits, or FP bit patterns (FMOV to an FP register).
pub fn general(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0 => rng.value(),
        1 => rng.next_u64() >> rng.below(64),
        2 => {
            // 2^k +- 1 around the 11/24/53-bit precisions and the integer limits.
            let k = [11u32, 12, 24, 25, 31, 32, 53, 54, 63][rng.below(9) as usize];
            let base = 1u64 << k;
            let value = [base - 1, base, base + 1][rng.below(3) as usize];
            if rng.bit() == 0 {
                value
            } else {
                value.wrapping_neg()
            }
        }
        3 => float_lane(rng, 64),
        4 => {
            // A single in the low half, the high half zero or random (W and X forms).
            let high = if rng.bit() == 0 {
                0
            } else {
                rng.next_u64() << 32
            };
            float_lane(rng, 32) | high
        }
        _ => rng.next_u64(),
    }
}

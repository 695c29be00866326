//! CRC32B/H/W/X and CRC32CB/H/W/X: a `call_pure` helper with a table-driven CRC.
//!
//! Arm's CRC instructions use the bit-reflected polynomials and, unlike zlib's `crc32()`,
//! do not invert the accumulator before or after: software does that itself.
//!
//! Speed matters here: zlib and friends built for ARMv8 feed whole buffers through
//! CRC32X. The word and doubleword forms use slicing-by-4/8 tables (one lookup per byte,
//! no serial dependency between them), and CRC32C uses the host's SSE4.2 `crc32`
//! instruction when present, which computes exactly Arm's CRC32C (same reflected
//! Castagnoli polynomial, no inversion).

use super::*;
use emu_core::emit::PureHelper;

/// Reflected CRC-32 (IEEE 802.3) polynomial.
const POLY_CRC32: u32 = 0xEDB8_8320;
/// Reflected CRC-32C (Castagnoli) polynomial.
const POLY_CRC32C: u32 = 0x82F6_3B78;

/// `TABLES[k][b]`: the CRC of byte `b` followed by `k` zero bytes.
type Tables = [[u32; 256]; 8];

static TABLES_CRC32: Tables = make_tables(POLY_CRC32);
static TABLES_CRC32C: Tables = make_tables(POLY_CRC32C);

/// The slicing-by-8 tables for a reflected polynomial.
const fn make_tables(poly: u32) -> Tables {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// Feeds the low `bytes` bytes (1, 2, 4 or 8) of `value`, least significant first, into
/// the 32-bit accumulator `acc`.
fn crc_update(t: &Tables, acc: u64, value: u64, bytes: u64) -> u64 {
    let crc = acc as u32;
    // Byte `i` of `x` as a table index.
    let b = |x: u64, i: u32| ((x >> (8 * i)) & 0xff) as usize;
    let r = match bytes {
        8 => {
            let x = value ^ crc as u64;
            t[7][b(x, 0)]
                ^ t[6][b(x, 1)]
                ^ t[5][b(x, 2)]
                ^ t[4][b(x, 3)]
                ^ t[3][b(x, 4)]
                ^ t[2][b(x, 5)]
                ^ t[1][b(x, 6)]
                ^ t[0][b(x, 7)]
        }
        4 => {
            let x = (value as u32 ^ crc) as u64;
            t[3][b(x, 0)] ^ t[2][b(x, 1)] ^ t[1][b(x, 2)] ^ t[0][b(x, 3)]
        }
        _ => {
            let mut crc = crc;
            for i in 0..bytes.min(2) as u32 {
                crc = t[0][b(value, i) ^ (crc & 0xff) as usize] ^ (crc >> 8);
            }
            crc
        }
    };
    r as u64
}

extern "C" fn crc32_helper(acc: u64, value: u64, bytes: u64) -> u64 {
    crc_update(&TABLES_CRC32, acc, value, bytes)
}

extern "C" fn crc32c_helper(acc: u64, value: u64, bytes: u64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("sse4.2") {
        // SAFETY: the CPU supports SSE4.2 (checked just above).
        return unsafe { crc32c_sse42(acc, value, bytes) };
    }
    crc_update(&TABLES_CRC32C, acc, value, bytes)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn crc32c_sse42(acc: u64, value: u64, bytes: u64) -> u64 {
    use std::arch::x86_64::{_mm_crc32_u16, _mm_crc32_u32, _mm_crc32_u64, _mm_crc32_u8};
    let acc32 = acc as u32;
    match bytes {
        8 => _mm_crc32_u64(acc32 as u64, value),
        4 => _mm_crc32_u32(acc32, value as u32) as u64,
        2 => _mm_crc32_u16(acc32, value as u16) as u64,
        _ => _mm_crc32_u8(acc32, value as u8) as u64,
    }
}

/// `Wd = CRC(Wn, low 2^sz bytes of Rm)`.
pub(super) fn crc<E: Emitter>(e: &mut E, raw: u32, castagnoli: bool) {
    let bytes = 1u64 << bits(raw, 11, 10);
    let acc = x(e, rn(raw));
    let value = x(e, rm(raw));
    let size = e.imm(bytes);
    let helper: PureHelper = if castagnoli {
        crc32c_helper
    } else {
        crc32_helper
    };
    let r = e.call_pure(helper, [acc, value, size]);
    set_x(e, rd(raw), r);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte-at-a-time CRC, bit by bit: the definition, independent of the tables.
    fn bitwise(poly: u32, mut crc: u32, value: u64, bytes: u64) -> u64 {
        for i in 0..bytes * 8 {
            let bit = (crc ^ (value >> i) as u32) & 1;
            crc = (crc >> 1) ^ if bit == 1 { poly } else { 0 };
        }
        crc as u64
    }

    #[test]
    fn crc_of_known_strings() {
        // The standard check values ("123456789") include zlib's pre/post inversion.
        let check = |tables: &Tables| {
            let mut acc = 0xffff_ffffu64;
            for b in b"123456789" {
                acc = crc_update(tables, acc, *b as u64, 1);
            }
            acc ^ 0xffff_ffff
        };
        assert_eq!(check(&TABLES_CRC32), 0xcbf4_3926);
        assert_eq!(check(&TABLES_CRC32C), 0xe306_9283);
    }

    #[test]
    fn every_size_and_path_matches_the_bitwise_definition() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (acc, value) = (x >> 17, x.rotate_left(29));
            for bytes in [1, 2, 4, 8] {
                let ieee = bitwise(POLY_CRC32, acc as u32, value, bytes);
                let castagnoli = bitwise(POLY_CRC32C, acc as u32, value, bytes);
                assert_eq!(crc32_helper(acc, value, bytes), ieee, "crc32 {bytes} bytes");
                // The host-instruction path (when available) and the table path.
                assert_eq!(crc32c_helper(acc, value, bytes), castagnoli);
                assert_eq!(crc_update(&TABLES_CRC32C, acc, value, bytes), castagnoli);
            }
        }
    }
}

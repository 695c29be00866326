//! CRC32B/H/W/X and CRC32CB/H/W/X: a `call_pure` helper with a table-driven CRC.
//!
//! Arm's CRC instructions use the bit-reflected polynomials and, unlike zlib's `crc32()`,
//! do not invert the accumulator before or after: software does that itself.

use super::*;
use emu_core::emit::PureHelper;

/// Reflected CRC-32 (IEEE 802.3) polynomial.
const POLY_CRC32: u32 = 0xEDB8_8320;
/// Reflected CRC-32C (Castagnoli) polynomial.
const POLY_CRC32C: u32 = 0x82F6_3B78;

static TABLE_CRC32: [u32; 256] = make_table(POLY_CRC32);
static TABLE_CRC32C: [u32; 256] = make_table(POLY_CRC32C);

/// The byte-at-a-time table for a reflected polynomial.
const fn make_table(poly: u32) -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// Feeds the low `bytes` bytes of `value` (least significant first) into `acc`.
fn crc_update(table: &[u32; 256], acc: u64, value: u64, bytes: u64) -> u64 {
    let mut crc = acc as u32;
    for i in 0..bytes.min(8) {
        let byte = (value >> (8 * i)) as u8;
        crc = table[usize::from(crc as u8 ^ byte)] ^ (crc >> 8);
    }
    crc as u64
}

extern "C" fn crc32_helper(acc: u64, value: u64, bytes: u64) -> u64 {
    crc_update(&TABLE_CRC32, acc, value, bytes)
}

extern "C" fn crc32c_helper(acc: u64, value: u64, bytes: u64) -> u64 {
    crc_update(&TABLE_CRC32C, acc, value, bytes)
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

    #[test]
    fn crc_of_known_strings() {
        // The standard check values ("123456789") include zlib's pre/post inversion.
        let check = |table: &[u32; 256]| {
            let mut acc = 0xffff_ffffu64;
            for b in b"123456789" {
                acc = crc_update(table, acc, *b as u64, 1);
            }
            acc ^ 0xffff_ffff
        };
        assert_eq!(check(&TABLE_CRC32), 0xcbf4_3926);
        assert_eq!(check(&TABLE_CRC32C), 0xe306_9283);
        // Feeding 4 bytes at once equals feeding them one by one, low byte first.
        let word = u32::from_le_bytes(*b"1234") as u64;
        let mut bytewise = 7u64;
        for b in b"1234" {
            bytewise = crc_update(&TABLE_CRC32, bytewise, *b as u64, 1);
        }
        assert_eq!(crc_update(&TABLE_CRC32, 7, word, 4), bytewise);
    }
}

//! AESE, AESD, AESMC, AESIMC on a 128-bit value.
//!
//! The Arm and x86 AES instructions lay the state out the same way (byte `i` of the
//! register is row `i % 4`, column `i / 4`), but split the rounds differently:
//! AESE = ShiftRows(SubBytes(state ^ key)) while x86 AESENCLAST = SubBytes(ShiftRows(state))
//! ^ key. SubBytes and ShiftRows commute, so AESE(s, k) = AESENCLAST(s ^ k, 0), and the same
//! holds for AESD with AESDECLAST. MixColumns alone is AESENC(AESDECLAST(s, 0), 0): the
//! inverse byte substitution and row shift undo the forward ones inside AESENC.
//! AESIMC is exactly x86 AESIMC. Without AES-NI the portable software below is used; the
//! tests check both paths against each other and against FIPS-197.

use crate::decode::fp_simd::crypto::Aes;

/// Multiplication by x in GF(2^8) modulo the AES polynomial x^8 + x^4 + x^3 + x + 1.
const fn xtime(b: u8) -> u8 {
    (b << 1) ^ if b & 0x80 != 0 { 0x1b } else { 0 }
}

const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        a = xtime(a);
        b >>= 1;
    }
    p
}

/// The forward S-box, built from its definition (multiplicative inverse, then the affine
/// transform) rather than typed in, so no table entry can be mistyped.
const fn make_sbox() -> [u8; 256] {
    let mut sbox = [0u8; 256];
    let mut x = 0usize;
    while x < 256 {
        // x^254 is the inverse of x in GF(2^8) (and maps 0 to 0).
        let mut inv = 1u8;
        let mut i = 0;
        while i < 254 {
            inv = gf_mul(inv, x as u8);
            i += 1;
        }
        let b = inv;
        sbox[x] =
            b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63;
        x += 1;
    }
    sbox
}

const fn invert(table: &[u8; 256]) -> [u8; 256] {
    let mut inv = [0u8; 256];
    let mut x = 0usize;
    while x < 256 {
        inv[table[x] as usize] = x as u8;
        x += 1;
    }
    inv
}

pub static SBOX: [u8; 256] = make_sbox();
pub static INV_SBOX: [u8; 256] = invert(&SBOX);

/// One instruction on the register values `d` = Vd and `n` = Vn, picking AES-NI when the
/// host has it. AESE/AESD combine both (Vd is the state, Vn the round key); AESMC and
/// AESIMC transform Vn alone.
pub fn run(op: Aes, d: u128, n: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("aes") {
        // SAFETY: the host supports AES-NI (checked just above).
        return unsafe { aesni::run(op, d, n) };
    }
    software(op, d, n)
}

/// The Arm ARM pseudocode, byte by byte.
pub fn software(op: Aes, d: u128, n: u128) -> u128 {
    let b = match op {
        Aes::Encrypt | Aes::Decrypt => d ^ n,
        Aes::MixColumns | Aes::InvMixColumns => n,
    }
    .to_le_bytes();
    let out = match op {
        Aes::Encrypt => shift_rows(b.map(|x| SBOX[x as usize])),
        Aes::Decrypt => inv_shift_rows(b).map(|x| INV_SBOX[x as usize]),
        Aes::MixColumns => mix_columns(b, [2, 3, 1, 1]),
        Aes::InvMixColumns => mix_columns(b, [14, 11, 13, 9]),
    };
    u128::from_le_bytes(out)
}

/// Row `r` moves left by `r` columns: out[r][c] = in[r][(c + r) % 4].
fn shift_rows(b: [u8; 16]) -> [u8; 16] {
    std::array::from_fn(|i| {
        let (r, c) = (i % 4, i / 4);
        b[r + 4 * ((c + r) % 4)]
    })
}

/// Row `r` moves right by `r` columns: out[r][c] = in[r][(c + 4 - r) % 4].
fn inv_shift_rows(b: [u8; 16]) -> [u8; 16] {
    std::array::from_fn(|i| {
        let (r, c) = (i % 4, i / 4);
        b[r + 4 * ((c + 4 - r) % 4)]
    })
}

/// Multiplies every column by the circulant matrix whose first row is `m`.
fn mix_columns(b: [u8; 16], m: [u8; 4]) -> [u8; 16] {
    std::array::from_fn(|i| {
        let (r, c) = (i % 4, i / 4);
        (0..4).fold(0, |acc, k| acc ^ gf_mul(m[(k + 4 - r) % 4], b[k + 4 * c]))
    })
}

#[cfg(target_arch = "x86_64")]
mod aesni {
    use super::super::host_vec::{from_vec, to_vec};
    use super::Aes;
    use std::arch::x86_64::*;

    /// # Safety
    /// The host must support AES-NI (and SSE2, which every x86-64 has).
    #[target_feature(enable = "aes")]
    pub unsafe fn run(op: Aes, d: u128, n: u128) -> u128 {
        let (d, n) = (to_vec(d), to_vec(n));
        let zero = _mm_setzero_si128();
        let r = match op {
            Aes::Encrypt => _mm_aesenclast_si128(_mm_xor_si128(d, n), zero),
            Aes::Decrypt => _mm_aesdeclast_si128(_mm_xor_si128(d, n), zero),
            Aes::MixColumns => _mm_aesenc_si128(_mm_aesdeclast_si128(n, zero), zero),
            Aes::InvMixColumns => _mm_aesimc_si128(n),
        };
        from_vec(r)
    }
}

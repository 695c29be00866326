//! The SHA-1 and SHA-256 round instructions on the host's SHA extensions (SHA-NI).
//!
//! x86 keeps the state in the opposite lane order and splits it differently: SHA1RNDS4
//! wants ABCD with A in the top lane and adds E to the top schedule word; SHA256RNDS2
//! does two rounds on ABEF/CDGH halves (A in the top lane). Both also add the round
//! constant themselves, which the Arm instructions leave to the program (it is already in
//! the W operand), so the SHA-1 path subtracts it first. The lanes are rearranged here in
//! plain Rust; the tests compare every result with the software transcription.

use crate::decode::fp_simd::crypto::Sha3Reg;
use std::arch::x86_64::*;

fn elems(v: u128) -> [u32; 4] {
    std::array::from_fn(|e| (v >> (32 * e)) as u32)
}

fn from_elems(e: [u32; 4]) -> u128 {
    e.iter()
        .rev()
        .fold(0u128, |acc, &x| (acc << 32) | x as u128)
}

/// # Safety
/// SSE2 only (always present on x86-64).
unsafe fn load(v: u128) -> __m128i {
    _mm_loadu_si128(&v as *const u128 as *const __m128i)
}

/// # Safety
/// SSE2 only (always present on x86-64).
unsafe fn store(v: __m128i) -> u128 {
    let mut out = 0u128;
    _mm_storeu_si128(&mut out as *mut u128 as *mut __m128i, v);
    out
}

/// The SHA-1 round constants in the order of SHA1RNDS4's function selector.
const SHA1_K: [u32; 4] = [0x5a82_7999, 0x6ed9_eba1, 0x8f1b_bcdc, 0xca62_c1d6];

/// SHA1C/SHA1P/SHA1M (`d` = ABCD, `e` = E, `w` = W + K) and SHA256H/SHA256H2 (`d`, `n`
/// the registers, `w` = W + K); `None` for the other operations.
///
/// # Safety
/// The host must support the SHA extensions and SSE4.1.
#[target_feature(enable = "sha,sse4.1")]
pub unsafe fn rounds(op: Sha3Reg, d: u128, n: u128, w: u128) -> Option<u128> {
    Some(match op {
        Sha3Reg::Sha1C => sha1::<0>(d, n as u32, w),
        // SHA1P: the parity function; selector 1 (K = 0x6ed9eba1, subtracted again below).
        Sha3Reg::Sha1P => sha1::<1>(d, n as u32, w),
        Sha3Reg::Sha1M => sha1::<2>(d, n as u32, w),
        Sha3Reg::Sha256H => sha256(d, n, w, true),
        Sha3Reg::Sha256H2 => sha256(n, d, w, false),
        _ => return None,
    })
}

#[target_feature(enable = "sha,sse4.1")]
unsafe fn sha1<const FUNC: i32>(abcd: u128, e: u32, w: u128) -> u128 {
    let [a, b, c, d] = elems(abcd);
    let k = SHA1_K[FUNC as usize];
    let [w0, w1, w2, w3] = elems(w).map(|x| x.wrapping_sub(k));
    let msg = from_elems([w3, w2, w1, w0.wrapping_add(e)]);
    let r = elems(store(_mm_sha1rnds4_epu32::<FUNC>(
        load(from_elems([d, c, b, a])),
        load(msg),
    )));
    from_elems([r[3], r[2], r[1], r[0]])
}

/// `SHA256hash(x = ABCD, y = EFGH, w, part1)`: four rounds as two SHA256RNDS2.
#[target_feature(enable = "sha,sse4.1")]
unsafe fn sha256(x: u128, y: u128, w: u128, part1: bool) -> u128 {
    let [a, b, c, d] = elems(x);
    let [e, f, g, h] = elems(y);
    let abef = load(from_elems([f, e, b, a]));
    let cdgh = load(from_elems([h, g, d, c]));
    let wk = load(w);
    // Rounds 0-1 leave the new ABEF; the old ABEF is then the state's CDGH half.
    let abef2 = _mm_sha256rnds2_epu32(cdgh, abef, wk);
    let abef4 = _mm_sha256rnds2_epu32(abef, abef2, _mm_shuffle_epi32::<0x0e>(wk));
    let (s0, s1) = (elems(store(abef4)), elems(store(abef2)));
    if part1 {
        from_elems([s0[3], s0[2], s1[3], s1[2]])
    } else {
        from_elems([s0[1], s0[0], s1[1], s1[0]])
    }
}

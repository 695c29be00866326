//! The SHA-1 and SHA-256 round instructions on the host's SHA extensions (SHA-NI).
//!
//! x86 keeps the state in the opposite lane order and splits it differently: SHA1RNDS4
//! wants ABCD with A in the top lane and adds E to the top schedule word; SHA256RNDS2
//! does two rounds on ABEF/CDGH halves (A in the top lane). Both also add the round
//! constant themselves, which the Arm instructions leave to the program (it is already in
//! the W operand), so the SHA-1 path subtracts it first. The lanes are rearranged here in
//! plain Rust; the tests compare every result with the software transcription.

use super::host_vec::{from_vec, to_vec};
use crate::decode::fp_simd::crypto::Sha3Reg;
use std::arch::x86_64::*;

/// `_mm_shuffle_epi32` selector reversing the four lanes.
const REVERSE: i32 = 0x1b;
/// `_mm_shuffle_epi32` selector swapping the lanes within each 64-bit half.
const SWAP_PAIRS: i32 = 0xb1;

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
fn sha1<const FUNC: i32>(abcd: u128, e: u32, w: u128) -> u128 {
    let k = _mm_set1_epi32(SHA1_K[FUNC as usize] as i32);
    let w = _mm_shuffle_epi32::<REVERSE>(_mm_sub_epi32(to_vec(w), k));
    let msg = _mm_add_epi32(w, _mm_set_epi32(e as i32, 0, 0, 0));
    let abcd = _mm_shuffle_epi32::<REVERSE>(to_vec(abcd));
    from_vec(_mm_shuffle_epi32::<REVERSE>(_mm_sha1rnds4_epu32::<FUNC>(
        abcd, msg,
    )))
}

/// `SHA256hash(x = ABCD, y = EFGH, w, part1)`: four rounds as two SHA256RNDS2.
#[target_feature(enable = "sha,sse4.1")]
fn sha256(x: u128, y: u128, w: u128, part1: bool) -> u128 {
    let (x, y, wk) = (to_vec(x), to_vec(y), to_vec(w));
    // Lanes (low first) [e f a b] -> [f e b a] = ABEF; [g h c d] -> [h g d c] = CDGH.
    let abef = _mm_shuffle_epi32::<SWAP_PAIRS>(_mm_unpacklo_epi64(y, x));
    let cdgh = _mm_shuffle_epi32::<SWAP_PAIRS>(_mm_unpackhi_epi64(y, x));
    // Rounds 0-1 leave the new ABEF; the old ABEF is then the state's CDGH half.
    let abef2 = _mm_sha256rnds2_epu32(cdgh, abef, wk);
    let abef4 = _mm_sha256rnds2_epu32(abef, abef2, _mm_shuffle_epi32::<0x0e>(wk));
    // ABEF after four rounds = [f e b a], CDGH = ABEF after two = [h g d c].
    from_vec(_mm_shuffle_epi32::<SWAP_PAIRS>(if part1 {
        _mm_unpackhi_epi64(abef4, abef2)
    } else {
        _mm_unpacklo_epi64(abef4, abef2)
    }))
}

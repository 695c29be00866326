//! Moving 128-bit guest values in and out of host vector registers for the AES-NI,
//! PCLMULQDQ and SHA-NI paths.
//!
//! Built from the two 64-bit halves in registers rather than by a 128-bit load of a value
//! just stored as two 64-bit halves: that load would stall on store forwarding, which
//! costs more than the crypto instruction itself.

use std::arch::x86_64::*;

pub fn to_vec(v: u128) -> __m128i {
    // SAFETY: SSE2 is part of the x86-64 baseline.
    unsafe { _mm_set_epi64x((v >> 64) as i64, v as i64) }
}

pub fn from_vec(v: __m128i) -> u128 {
    // SAFETY: SSE2 is part of the x86-64 baseline.
    unsafe {
        let lo = _mm_cvtsi128_si64(v) as u64 as u128;
        let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64 as u128;
        hi << 64 | lo
    }
}

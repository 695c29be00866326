//! PMULL/PMULL2 with the 1Q arrangement: the 128-bit carry-less product of two 64-bit
//! polynomials over GF(2) (the GHASH and CRC folding primitive).

/// Uses PCLMULQDQ when the host has it.
pub fn clmul(a: u64, b: u64) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("pclmulqdq") {
        // SAFETY: the host supports PCLMULQDQ (checked just above).
        return unsafe { clmul_host(a, b) };
    }
    clmul_software(a, b)
}

/// `PolynomialMult`: XOR of `a` shifted by every set bit of `b`.
pub fn clmul_software(a: u64, b: u64) -> u128 {
    (0..64)
        .filter(|i| b >> i & 1 != 0)
        .fold(0u128, |acc, i| acc ^ ((a as u128) << i))
}

/// # Safety
/// The host must support PCLMULQDQ.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq")]
unsafe fn clmul_host(a: u64, b: u64) -> u128 {
    use super::host_vec::{from_vec, to_vec};
    use std::arch::x86_64::*;
    from_vec(_mm_clmulepi64_si128(
        to_vec(a as u128),
        to_vec(b as u128),
        0,
    ))
}

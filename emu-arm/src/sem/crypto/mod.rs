//! Semantics of the ARMv8.0 Cryptographic Extension: AES, SHA-1, SHA-256 and the 1Q
//! form of PMULL; and of the Armv8.2 SHA-512 and SHA-3 instructions.
//!
//! Every instruction is one state helper on whole 128-bit registers (shared by both
//! tiers, like most of Advanced SIMD): the rounds are far too many operations to emit
//! inline, and the host's AES-NI and PCLMULQDQ make the helpers cheap.

pub mod aes;
#[cfg(target_arch = "x86_64")]
mod host_vec;
pub mod pmull;
pub mod sha;
pub mod sha512;
#[cfg(target_arch = "x86_64")]
mod sha_host;
#[cfg(test)]
mod tests;

use crate::decode::fp_simd::crypto as id;
use crate::decode::fp_simd::Op;
use crate::decode::{bits, rd, rm, rn};
use crate::sem::fp_simd::fp::{cpu, undef as helper_undef};
use crate::sem::fp_simd::helper;
use crate::sem::fp_simd::simd::lanes::{vget, vset};
use crate::state::CpuState;
use emu_core::emit::{Emitter, Exit};

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32) -> Result<(), Exit> {
    match op {
        Op::CryptoAes => helper(e, aes_helper, raw),
        Op::CryptoShaThree => helper(e, sha_three_reg_helper, raw),
        Op::CryptoShaTwo => helper(e, sha_two_reg_helper, raw),
        Op::CryptoSha512Three => helper(e, sha512_three_reg_helper, raw),
        Op::CryptoSha512Two => helper(e, sha512_two_reg_helper, raw),
        Op::CryptoFourReg => helper(e, four_reg_helper, raw),
        Op::CryptoXar => helper(e, xar_helper, raw),
        _ => helper(e, pmull_q_helper, raw),
    }
}

/// Runs `body` on the CPU state; an encoding it does not recognise (`None`, which the
/// decoder has already excluded) raises UNDEF rather than doing something arbitrary.
///
/// # Safety
/// `state` must point to the running `CpuState`.
unsafe fn run(
    state: *mut u8,
    raw: u64,
    body: impl FnOnce(&mut CpuState, u32) -> Option<()>,
) -> u64 {
    let st = cpu(state);
    match body(st, raw as u32) {
        Some(()) => 0,
        None => helper_undef(st, raw),
    }
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn aes_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        let op = id::aes_op(w)?;
        let r = aes::run(op, vget(st, rd(w)), vget(st, rn(w)));
        vset(st, rd(w), r, true);
        Some(())
    })
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn sha_three_reg_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        let op = id::sha_three_reg_op(w)?;
        let r = sha::three_reg(op, vget(st, rd(w)), vget(st, rn(w)), vget(st, rm(w)));
        vset(st, rd(w), r, true);
        Some(())
    })
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn sha_two_reg_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        let op = id::sha_two_reg_op(w)?;
        let r = sha::two_reg(op, vget(st, rd(w)), vget(st, rn(w)));
        vset(st, rd(w), r, true);
        Some(())
    })
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn sha512_three_reg_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        let op = id::sha512_three_reg_op(w)?;
        let r = sha512::three_reg(op, vget(st, rd(w)), vget(st, rn(w)), vget(st, rm(w)));
        vset(st, rd(w), r, true);
        Some(())
    })
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn sha512_two_reg_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        if !id::sha512_two_reg(w) {
            return None;
        }
        let r = sha512::su0(vget(st, rd(w)), vget(st, rn(w)));
        vset(st, rd(w), r, true);
        Some(())
    })
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn four_reg_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        let op = id::four_reg_op(w)?;
        let a = vget(st, bits(w, 14, 10));
        let r = sha512::four_reg(op, vget(st, rn(w)), vget(st, rm(w)), a);
        vset(st, rd(w), r, true);
        Some(())
    })
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn xar_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        let r = sha512::xar(vget(st, rn(w)), vget(st, rm(w)), bits(w, 15, 10));
        vset(st, rd(w), r, true);
        Some(())
    })
}

/// # Safety
/// `state` must point to the running `CpuState`.
unsafe extern "C" fn pmull_q_helper(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
    run(state, raw, |st, w| {
        let shift = if id::pmull_upper_half(w) { 64 } else { 0 };
        let a = (vget(st, rn(w)) >> shift) as u64;
        let b = (vget(st, rm(w)) >> shift) as u64;
        vset(st, rd(w), pmull::clmul(a, b), true);
        Some(())
    })
}

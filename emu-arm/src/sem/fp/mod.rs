//! Scalar floating point: the Arm FP rules (`arm_float`), the host arithmetic core
//! (`sse`), the shared operations (`arith`) and the scalar instruction helpers
//! (`scalar`).

pub mod arith;
pub mod arm_float;
pub mod fast;
pub mod frintts;
pub mod jscvt;
pub mod scalar;
pub mod sse;

#[cfg(test)]
mod fast_tests;
#[cfg(test)]
pub(crate) mod tests;

use crate::state::CpuState;
use arm_float::Env;

/// The CPU state behind a state-helper pointer.
///
/// # Safety
/// `state` must point to a live, exclusively accessible `CpuState` (what both tiers pass).
pub unsafe fn cpu<'a>(state: *mut u8) -> &'a mut CpuState {
    &mut *(state as *mut CpuState)
}

/// Runs `f` with the FP environment of `st` and ORs the raised flags into FPSR.
pub fn with_env<R>(st: &mut CpuState, f: impl FnOnce(&mut CpuState, &mut Env) -> R) -> R {
    let mut env = Env::new(st.fpcr);
    env.sticky = st.fpsr as u32;
    let r = f(st, &mut env);
    st.fpsr |= env.flags as u64;
    r
}

/// Writes a scalar result: the rest of the 128-bit register is zeroed.
pub fn set_scalar(st: &mut CpuState, n: u32, bits: u64) {
    st.vreg[(n & 31) as usize] = [bits, 0];
}

/// The low 64 bits of V`n`.
pub fn scalar(st: &CpuState, n: u32) -> u64 {
    st.vreg[(n & 31) as usize][0]
}

/// Reads X`n` with 31 as XZR (the state array keeps SP at index 31).
pub fn xreg(st: &CpuState, n: u32) -> u64 {
    if n & 31 == 31 {
        0
    } else {
        st.x[(n & 31) as usize]
    }
}

/// Writes X`n` (or W`n` zero-extended when `!sf`); 31 is XZR.
pub fn set_xreg(st: &mut CpuState, n: u32, v: u64, sf: bool) {
    if n & 31 != 31 {
        st.x[(n & 31) as usize] = if sf { v } else { v & 0xffff_ffff };
    }
}

/// Whether condition `cond` holds on the flags in `st` (helpers' version of
/// `sem::cond_holds`).
pub fn cond_holds(st: &CpuState, cond: u32) -> bool {
    let nzcv = st.nzcv() >> 28;
    let (n, z, c, v) = (nzcv >> 3, (nzcv >> 2) & 1, (nzcv >> 1) & 1, nzcv & 1);
    let r = match (cond >> 1) & 7 {
        0 => z == 1,
        1 => c == 1,
        2 => n == 1,
        3 => v == 1,
        4 => c == 1 && z == 0,
        5 => n == v,
        6 => n == v && z == 0,
        _ => true,
    };
    if cond & 1 == 1 && cond & 0xf != 0xf {
        !r
    } else {
        r
    }
}

/// Returned by a helper for an encoding it cannot execute (the decoder should have
/// rejected it); records the raw word as the UNDEF exit argument.
pub fn undef(st: &mut CpuState, raw: u64) -> u64 {
    st.core.exit_arg = raw;
    crate::exits::UNDEF.0
}

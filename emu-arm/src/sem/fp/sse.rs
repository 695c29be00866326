//! IEEE arithmetic on the host's SSE/FMA unit with an explicit rounding mode, returning
//! the exception flags it raised. Each operation is one `asm!` block that saves MXCSR,
//! loads the wanted rounding mode (all exceptions masked, no FTZ/DAZ), computes, reads
//! the flags back and restores the host MXCSR — so the compiler can neither reorder FP
//! code across the MXCSR change nor see a changed environment afterwards.
//!
//! Only the numeric core runs here. NaN operands, denormal flushing and Arm's tininess
//! rule are handled by the callers (`arith.rs`), because x86 differs from Arm on all three.

use super::arm_float::Rounding;
use std::arch::asm;

/// MXCSR exception flag bits.
pub const IE: u32 = 1 << 0;
pub const ZE: u32 = 1 << 2;
pub const OE: u32 = 1 << 3;
pub const UE: u32 = 1 << 4;
pub const PE: u32 = 1 << 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    /// Square root of the first operand.
    Sqrt,
    /// a * b + c with a single rounding.
    MulAdd,
}

fn mxcsr_for(mode: Rounding) -> u32 {
    // All exceptions masked (bits 7..12), rounding control in bits 13..14.
    let rc = match mode {
        Rounding::TieEven | Rounding::TieAway => 0,
        Rounding::NegInf => 1,
        Rounding::PosInf => 2,
        Rounding::Zero => 3,
    };
    0x1f80 | (rc << 13)
}

macro_rules! sse_op {
    ($insn:literal, $ty:ty, $a:expr, $b:expr, $csr:expr) => {{
        let mut x: $ty = $a;
        let y: $ty = $b;
        let new: u32 = $csr;
        let mut saved: u32 = 0;
        let mut flags: u32 = 0;
        // SAFETY: touches only the named registers and the three local u32s; MXCSR is
        // restored before the block ends.
        unsafe {
            asm!(
                "stmxcsr [{saved}]",
                "ldmxcsr [{new}]",
                concat!($insn, " {x}, {y}"),
                "stmxcsr [{flags}]",
                "ldmxcsr [{saved}]",
                x = inout(xmm_reg) x,
                y = in(xmm_reg) y,
                saved = in(reg) &mut saved,
                new = in(reg) &new,
                flags = in(reg) &mut flags,
                options(nostack),
            );
        }
        (x, flags & 0x3f)
    }};
}

macro_rules! fma_op {
    ($insn:literal, $ty:ty, $a:expr, $b:expr, $c:expr, $csr:expr) => {{
        // vfmadd213: x = y * x + z, i.e. a * b + c with x = a.
        let mut x: $ty = $a;
        let y: $ty = $b;
        let z: $ty = $c;
        let new: u32 = $csr;
        let mut saved: u32 = 0;
        let mut flags: u32 = 0;
        // SAFETY: as for `sse_op`; only called after checking the FMA feature.
        unsafe {
            asm!(
                "stmxcsr [{saved}]",
                "ldmxcsr [{new}]",
                concat!($insn, " {x}, {y}, {z}"),
                "stmxcsr [{flags}]",
                "ldmxcsr [{saved}]",
                x = inout(xmm_reg) x,
                y = in(xmm_reg) y,
                z = in(xmm_reg) z,
                saved = in(reg) &mut saved,
                new = in(reg) &new,
                flags = in(reg) &mut flags,
                options(nostack),
            );
        }
        (x, flags & 0x3f)
    }};
}

/// `a * b + c` rounded to nearest under the host's default MXCSR (which Rust code runs
/// with), raising nothing we look at: the fast path of `arith::mul_add`. `None` without
/// FMA3.
pub fn fma_nearest(double: bool, a: u64, b: u64, c: u64) -> Option<u64> {
    if !has_fma() {
        return None;
    }
    macro_rules! fma_default {
        ($insn:literal, $ty:ty, $a:expr, $b:expr, $c:expr) => {{
            let mut x: $ty = $a;
            // SAFETY: register-only arithmetic; the FMA feature was checked above.
            unsafe {
                asm!(
                    concat!($insn, " {x}, {y}, {z}"),
                    x = inout(xmm_reg) x,
                    y = in(xmm_reg) $b,
                    z = in(xmm_reg) $c,
                    options(pure, nomem, nostack),
                );
            }
            x
        }};
    }
    Some(if double {
        let (a, b, c) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
        fma_default!("vfmadd213sd", f64, a, b, c).to_bits()
    } else {
        let (a, b, c) = (
            f32::from_bits(a as u32),
            f32::from_bits(b as u32),
            f32::from_bits(c as u32),
        );
        fma_default!("vfmadd213ss", f32, a, b, c).to_bits() as u64
    })
}

/// Whether the host has FMA3 (checked once; every x86-64 CPU since 2013 does).
pub fn has_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma")
}

/// Double precision: returns (result bits, MXCSR flags).
pub fn op64(op: Op, a: u64, b: u64, c: u64, mode: Rounding) -> (u64, u32) {
    let (a, b, c) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
    let csr = mxcsr_for(mode);
    let (r, fl) = match op {
        Op::Add => sse_op!("addsd", f64, a, b, csr),
        Op::Sub => sse_op!("subsd", f64, a, b, csr),
        Op::Mul => sse_op!("mulsd", f64, a, b, csr),
        Op::Div => sse_op!("divsd", f64, a, b, csr),
        Op::Sqrt => sse_op!("sqrtsd", f64, a, a, csr),
        Op::MulAdd => {
            if has_fma() {
                fma_op!("vfmadd213sd", f64, a, b, c, csr)
            } else {
                soft_fma64(a, b, c, mode)
            }
        }
    };
    (r.to_bits(), fl)
}

/// Single precision: returns (result bits, MXCSR flags).
pub fn op32(op: Op, a: u64, b: u64, c: u64, mode: Rounding) -> (u64, u32) {
    let (a, b, c) = (
        f32::from_bits(a as u32),
        f32::from_bits(b as u32),
        f32::from_bits(c as u32),
    );
    let csr = mxcsr_for(mode);
    let (r, fl) = match op {
        Op::Add => sse_op!("addss", f32, a, b, csr),
        Op::Sub => sse_op!("subss", f32, a, b, csr),
        Op::Mul => sse_op!("mulss", f32, a, b, csr),
        Op::Div => sse_op!("divss", f32, a, b, csr),
        Op::Sqrt => sse_op!("sqrtss", f32, a, a, csr),
        Op::MulAdd => {
            if has_fma() {
                fma_op!("vfmadd213ss", f32, a, b, c, csr)
            } else {
                soft_fma32(a, b, c, mode)
            }
        }
    };
    (r.to_bits() as u64, fl)
}

/// Defensive fallback for hosts without FMA3 (`arith::fused` uses the exact software FMA
/// there and never calls `Op::MulAdd`): correctly rounded to nearest only.
fn soft_fma64(a: f64, b: f64, c: f64, _mode: Rounding) -> (f64, u32) {
    let r = a.mul_add(b, c);
    (r, if r.is_nan() { IE } else { 0 })
}

fn soft_fma32(a: f32, b: f32, c: f32, _mode: Rounding) -> (f32, u32) {
    let r = a.mul_add(b, c);
    (r, if r.is_nan() { IE } else { 0 })
}

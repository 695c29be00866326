//! Single-register loads and stores: literal, unsigned offset, unscaled (and the
//! unprivileged forms, identical at EL0), pre/post-index and register offset.

use super::*;
use crate::decode::ldst::{literal_xfer, reg_xfer};
use crate::decode::{bit, bits, rd, rm, rn, sext};

/// How the address is formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `[Xn|SP, #imm12 << scale]`
    UnsignedImm,
    /// `[Xn|SP, #simm9]`
    Unscaled,
    /// `[Xn|SP], #simm9`: access at the base, then write back base + simm9.
    PostIndex,
    /// `[Xn|SP, #simm9]!`: access at base + simm9 and write it back.
    PreIndex,
    /// `[Xn|SP, Rm, extend #amount]`
    RegOffset,
}

/// LDR (literal): PC-relative, ±1 MiB.
pub fn load_literal<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let Some(xfer) = literal_xfer(raw) else {
        return undef(e, raw, pc);
    };
    let off = sext(bits(raw, 23, 5) as u64, 19) << 2;
    let addr = e.imm(pc.wrapping_add(off));
    if let Some(v) = load(e, xfer, addr)? {
        write_reg(e, rd(raw), v);
    }
    Ok(())
}

/// The register offset of the register-offset form: Rm (31 = XZR) extended by `option`
/// and shifted by the access scale when S is set.
fn reg_offset<E: Emitter>(e: &mut E, raw: u32, scale: u32) -> E::V {
    let m = x(e, rm(raw));
    let ext = match bits(raw, 15, 13) {
        0b010 => e.un(UnOp::Zext32, m), // UXTW
        0b110 => e.un(UnOp::Sext32, m), // SXTW
        _ => m,                         // LSL (UXTX) / SXTX
    };
    let amount = if bit(raw, 12) { scale } else { 0 };
    if amount == 0 {
        return ext;
    }
    let k = e.imm(amount as u64);
    e.bin(BinOp::Shl, ext, k)
}

pub fn exec<E: Emitter>(e: &mut E, raw: u32, pc: u64, mode: Mode) -> Result<(), Exit> {
    let Some(xfer) = reg_xfer(raw) else {
        return undef(e, raw, pc);
    };
    exec_xfer(e, raw, mode, xfer)
}

/// [`exec`] once the transfer is known (`reg_xfer(raw)`): the interpreter's handlers
/// (`sem::interp`) pass it as a constant, which leaves only that transfer's code.
#[inline(always)]
pub fn exec_xfer<E: Emitter>(e: &mut E, raw: u32, mode: Mode, xfer: Xfer) -> Result<(), Exit> {
    if xfer == Xfer::Prefetch {
        // PRFM/PRFUM: no access, no fault, no writeback (they have no writeback forms).
        return Ok(());
    }
    let (n, t) = (rn(raw), rd(raw));
    let base = x_sp(e, n);
    let simm9 = sext(bits(raw, 20, 12) as u64, 9);
    let (addr, writeback) = match mode {
        Mode::UnsignedImm => {
            let off = (bits(raw, 21, 10) as u64) << xfer.scale();
            (offset(e, base, off), None)
        }
        Mode::Unscaled => (offset(e, base, simm9), None),
        Mode::PostIndex => {
            let wb = offset(e, base, simm9);
            (base, Some(wb))
        }
        Mode::PreIndex => {
            let a = offset(e, base, simm9);
            (a, Some(a))
        }
        Mode::RegOffset => {
            let off = reg_offset(e, raw, xfer.scale());
            (e.bin(BinOp::Add, base, off), None)
        }
    };
    match load(e, xfer, addr)? {
        Some(v) => write_reg(e, t, v),
        None => store(e, xfer, t, addr)?,
    }
    if let Some(wb) = writeback {
        set_x_sp(e, n, wb);
    }
    Ok(())
}

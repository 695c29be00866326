//! Register pairs: LDP/STP/LDPSW/LDNP/STNP of W/X/S/D/Q registers, every addressing form.

use super::*;
use crate::decode::ldst::pair_xfer;
use crate::decode::{bits, ra, rd, rn, sext};

pub fn exec<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let Some(xfer) = pair_xfer(raw) else {
        return undef(e, raw, pc);
    };
    exec_xfer(e, raw, xfer, bits(raw, 24, 23))
}

/// [`exec`] once the transfer (`pair_xfer(raw)`) and the addressing type (bits 24:23)
/// are known: the interpreter's handlers (`sem::interp`) pass both as constants.
#[inline(always)]
pub fn exec_xfer<E: Emitter>(e: &mut E, raw: u32, xfer: Xfer, kind: u32) -> Result<(), Exit> {
    let (n, t, t2) = (rn(raw), rd(raw), ra(raw));
    let bytes = xfer.bytes() as u64;
    let off = sext(bits(raw, 21, 15) as u64, 7) << xfer.scale();
    let base = x_sp(e, n);
    // type (bits 24:23): 00 no-allocate offset, 01 post-index, 10 offset, 11 pre-index.
    let (addr, writeback) = match kind {
        0b01 => {
            let wb = offset(e, base, off);
            (base, Some(wb))
        }
        0b11 => {
            let a = offset(e, base, off);
            (a, Some(a))
        }
        _ => (offset(e, base, off), None),
    };
    let addr2 = offset(e, addr, bytes);
    // Both reads happen before either register is written (precise faults). With
    // Rt == Rt2 (CONSTRAINED UNPREDICTABLE) QEMU keeps the first value for general
    // registers and the second for SIMD&FP registers; the write order reproduces that.
    match (load(e, xfer, addr)?, load(e, xfer, addr2)?) {
        (Some(v1), Some(v2)) => {
            if matches!(xfer, Xfer::LoadV { .. }) {
                write_reg(e, t, v1);
                write_reg(e, t2, v2);
            } else {
                write_reg(e, t2, v2);
                write_reg(e, t, v1);
            }
        }
        _ => {
            store(e, xfer, t, addr)?;
            store(e, xfer, t2, addr2)?;
        }
    }
    if let Some(wb) = writeback {
        set_x_sp(e, n, wb);
    }
    Ok(())
}

//! `AT S1E1R`, `AT S1E1W`, `AT S1E0R`, `AT S1E0W`: a stage-1 translation whose result is
//! written to PAR_EL1 instead of raising an exception.

use super::fault::Fault;
use super::walk::{translate, Translation};
use super::{Access, AccessKind, ExceptionLevel, PhysMemory, TranslationRegs};

/// PAR_EL1 fields (64-bit format, Arm ARM D17).
mod field {
    /// F: the translation failed.
    pub const FAULT: u64 = 1 << 0;
    pub const FST_SHIFT: u32 = 1;
    pub const SH_SHIFT: u32 = 7;
    /// Bit 11 is RES1 in the fault encoding and IMPLEMENTATION DEFINED on success; it reads
    /// 1 in both, as in QEMU (so the two oracles agree).
    pub const BIT11: u64 = 1 << 11;
    /// NS on success: the output address is Non-secure (this CPU has no EL3 and runs in
    /// Non-secure state, like QEMU's `virt` without `secure=on`).
    pub const NS: u64 = 1 << 9;
    pub const PA_MASK: u64 = 0x0000_ffff_ffff_f000;
    pub const ATTR_SHIFT: u32 = 56;
    /// SH reported for Device and Normal Non-cacheable memory: Outer Shareable.
    pub const SH_OUTER_SHAREABLE: u64 = 0b10;
}

/// Performs `AT S1E<el><R|W>` on `va` and returns the new PAR_EL1 value.
pub fn at_s1e(
    regs: &TranslationRegs,
    mem: &impl PhysMemory,
    va: u64,
    el: ExceptionLevel,
    write: bool,
) -> u64 {
    let kind = if write {
        AccessKind::Write
    } else {
        AccessKind::Read
    };
    par_el1_for(&translate(regs, mem, va, Access::new(kind, el)))
}

/// Encodes a translation result in PAR_EL1 format.
/// Success: PA[47:12], ATTR = the MAIR byte, SH (Outer Shareable for Device and Normal
/// Non-cacheable memory, whatever the descriptor said: pseudocode PAREncodeShareability),
/// NS = 1, bit 11 = 1, F = 0.
/// Fault: F = 1, FST = the fault status code, PTW = 0 and S = 0 (stage 1; no EL2), bit 11 = 1.
pub fn par_el1_for(result: &Result<Translation, Fault>) -> u64 {
    match result {
        Ok(t) => {
            let attr = u64::from(t.mair_attr);
            let device = attr & 0xf0 == 0;
            // Inner and Outer Non-cacheable (0x40 is the FEAT_XS form).
            let normal_non_cacheable = attr == 0x44 || attr == 0x40;
            let sh = if device || normal_non_cacheable {
                field::SH_OUTER_SHAREABLE
            } else {
                u64::from(t.shareability)
            };
            (t.pa & field::PA_MASK)
                | sh << field::SH_SHIFT
                | attr << field::ATTR_SHIFT
                | field::NS
                | field::BIT11
        }
        Err(fault) => {
            field::FAULT | u64::from(fault.status_code()) << field::FST_SHIFT | field::BIT11
        }
    }
}

//! Operands of the TLB maintenance instructions, decoded into the softmmu's terms.

use emu_core::softmmu::AsidMatch;

use super::{ExceptionLevel, TranslationRegs};

/// Number of softmmu translation contexts the EL1&0 regime needs: one per exception level,
/// because EL0 and EL1 see different permissions for the same VA.
pub const EL1_AND_0_TLB_CONTEXTS: usize = 2;

impl ExceptionLevel {
    /// The index of this EL's TLB in a `TlbSet` of [`EL1_AND_0_TLB_CONTEXTS`].
    pub const fn tlb_context(self) -> usize {
        match self {
            ExceptionLevel::El0 => 0,
            ExceptionLevel::El1 => 1,
        }
    }
}

/// The address of a by-VA TLBI (`VAE1`, `VALE1`, `VAAE1`, `VAALE1` and their IS forms):
/// Xt[43:0] holds VA[55:12]; the result is sign-extended from bit 55, the form TLB keys
/// use (see [`TranslationRegs::untagged`]), so upper-range addresses match.
pub fn tlbi_va(xt: u64) -> u64 {
    let va = (xt & ((1 << 44) - 1)) << 12;
    (((va << 8) as i64) >> 8) as u64
}

/// The ASID named by a TLBI operand (Xt[63:48]); only its low 8 bits with 8-bit ASIDs
/// (TCR_EL1.AS = 0), where the upper bits are ignored.
pub fn tlbi_asid(xt: u64, regs: &TranslationRegs) -> u16 {
    let asid = (xt >> 48) as u16;
    if regs.tcr_el1 & super::regs::tcr::AS != 0 {
        asid
    } else {
        asid & 0xff
    }
}

/// The ASID filter for `TLBI VAE1`/`VALE1` (this ASID and global entries).
pub fn tlbi_va_asids(xt: u64, regs: &TranslationRegs) -> AsidMatch {
    AsidMatch::Asid(tlbi_asid(xt, regs))
}

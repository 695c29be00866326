//! The softmmu slow path's Arm half: on a TLB miss, walk the guest tables and cache the
//! result in the (guest-agnostic) TLB of the access's exception level.

use emu_core::softmmu::{Backing, Tlb};

use super::fault::Fault;
use super::walk::{translate, Translation};
use super::{Access, PhysMemory, TranslationRegs};

/// The board's view of physical addresses, as the TLB fill needs it.
pub trait PhysMap {
    /// The host address of the start of the 4 KiB RAM page containing `pa`, or `None` when
    /// `pa` is not RAM (a device, or nothing: the access path reports that).
    fn ram_host_page(&self, pa: u64) -> Option<usize>;
    /// Whether the physical page containing `pa` holds translated code.
    fn page_holds_code(&self, pa: u64) -> bool;
}

/// Translates `va` for `access` and, on success, fills `tlb` (which must be the TLB of
/// `access.el`) with the 4 KiB page containing it, with the permissions of that EL.
/// `va` must already have its tag removed (see [`TranslationRegs::untagged`]); on a fault
/// the caller reports its own original VA in FAR_EL1.
pub fn fill_tlb_on_miss(
    tlb: &mut Tlb,
    regs: &TranslationRegs,
    tables: &impl PhysMemory,
    map: &impl PhysMap,
    va: u64,
    access: Access,
) -> Result<Translation, Fault> {
    let translation = translate(regs, tables, va, access)?;
    let backing = match map.ram_host_page(translation.pa) {
        Some(host_page) => Backing::Ram { host_page },
        None => Backing::Mmio,
    };
    let holds_code = map.page_holds_code(translation.pa);
    tlb.fill(&translation.tlb_fill(va, access.el, backing, holds_code));
    Ok(translation)
}

impl TranslationRegs {
    /// `va` with its address tag removed when TBI applies to its range: bits [63:56] become
    /// copies of bit 55, which selects the range. This is the VA the TLB is indexed and
    /// tagged with, so that differently tagged pointers share entries.
    pub fn untagged(&self, va: u64) -> u64 {
        if self.top_byte_ignored(va) {
            (((va << 8) as i64) >> 8) as u64
        } else {
            va
        }
    }
}

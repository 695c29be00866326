//! VMSAv8-64 stage-1 address translation for the EL1&0 regime (Arm ARM D8, "The AArch64
//! Virtual Memory System Architecture"), as standalone code: the table walk, the faults it
//! reports (with the ESR/FAR information the exception entry needs), and the `AT S1E*`
//! result format in PAR_EL1.
//!
//! What is modelled follows what `features.rs` advertises: 48-bit PA (PARange = 5), 16-bit
//! ASIDs, the 4 KiB, 16 KiB and 64 KiB granules, no hardware Access flag or dirty-state
//! management (ID_AA64MMFR1 = 0, so TCR.HA/HD are ignored and AF = 0 is an Access flag
//! fault), no PAN, no hierarchical-permission disable (FEAT_HPDS), no 52-bit addresses.
//! The Contiguous bit is a TLB hint and is ignored (allowed: it never changes a result).
//! SCTLR_EL1 bits that gate instructions rather than translations (UCI, UCT, DZE...) are
//! the business of the instructions' semantics, not of the walk.
//!
//! Descriptors are read through [`PhysMemory`], so the walk runs against a fake memory in
//! tests and against the board's RAM in system mode. The walk caches nothing: the softmmu
//! TLB (`emu_core::softmmu`) caches its results.
//!
//! Wiring into system mode:
//! - Each vCPU owns a `TlbSet::new(EL1_AND_0_TLB_CONTEXTS)`; an access at `el` uses TLB
//!   `el.tlb_context()` (LDTR/STTR at EL1 use EL0's). Keys are untagged VAs
//!   ([`TranslationRegs::untagged`]).
//! - On a fast-path miss, [`fill_tlb_on_miss`]; a `Fault` becomes a Data or Instruction
//!   Abort with ESR from [`Fault::esr_el1`] and FAR = the access's original VA.
//! - `MSR` to SCTLR_EL1 or TCR_EL1: `flush_all` (changing them without TLBI may keep stale
//!   entries architecturally, so flushing is always allowed and is simplest). `MSR` to
//!   TTBR0/TTBR1_EL1: `flush_non_global` when the active ASID
//!   ([`TranslationRegs::current_asid`]) changes, because the fast path does not compare
//!   ASIDs; a base-address change alone needs nothing (the guest must TLBI).
//! - TLBI: `VMALLE1(IS)` → `flush_all`; `VAE1`/`VALE1(IS)` Xt →
//!   `flush_page(tlbi_va(xt), tlbi_va_asids(xt, regs))`; `VAAE1`/`VAALE1(IS)` →
//!   `flush_page(tlbi_va(xt), AsidMatch::Any)`; `ASIDE1(IS)` → `flush_asid(tlbi_asid(..))`.
//!   The IS forms must reach every vCPU's set.
//! - `AT S1E{0,1}{R,W}` → [`at_s1e`] → PAR_EL1.

mod fault;
mod maintenance;
mod par;
mod regs;
mod tlb_miss;
mod walk;

#[cfg(test)]
mod tests;

pub use fault::{Fault, FaultKind};
pub use maintenance::{tlbi_asid, tlbi_va, tlbi_va_asids, EL1_AND_0_TLB_CONTEXTS};
pub use par::{at_s1e, par_el1_for};
pub use regs::{Granule, TranslationRegs};
pub use tlb_miss::{fill_tlb_on_miss, PhysMap};
pub use walk::{translate, Permissions, Translation};

/// Physical memory as the table walker sees it: one aligned 64-bit little-endian load.
/// `None` means nothing answers at that address (reported as a synchronous External abort
/// on the translation table walk).
pub trait PhysMemory {
    fn read_phys_u64(&self, pa: u64) -> Option<u64>;
}

/// The exception level an access is checked against. `LDTR`/`STTR` at EL1 and `AT S1E0*`
/// pass `El0`: they are checked with EL0 permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionLevel {
    El0,
    El1,
}

/// What the access wants to do with the location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    Read,
    Write,
    /// Instruction fetch: faults become Instruction Aborts.
    Fetch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub kind: AccessKind,
    pub el: ExceptionLevel,
}

impl Access {
    pub const fn new(kind: AccessKind, el: ExceptionLevel) -> Self {
        Access { kind, el }
    }
}

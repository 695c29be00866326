//! How translated code and the interpreter reach guest memory: the two memory models.
//!
//! - **User mode** ([`MemModel::User`]): guest VA `a` lives at host `base + a` in one
//!   reservation, checked against a permission byte per page ([`crate::mem`]).
//! - **System mode** ([`MemModel::System`]): every access goes through the vCPU's software
//!   TLB ([`crate::softmmu`]). The fast path (inline in compiled code, a few lines in the
//!   interpreter) indexes the TLB of the current translation context — whose entry array
//!   the architecture keeps at [`SystemMemory::tlb_slot`] of the CPU state, so one compiled
//!   block serves every exception level — and on a miss calls the architecture's
//!   [`SlowAccessFn`], which walks the guest's page tables, fills the TLB, performs device
//!   (MMIO) and page-crossing accesses itself, and records faults.
//!
//! Code in system mode is found through [`SystemMemory::fetch`] (VA → PA of the block's
//! page); blocks are keyed by (VA, PA) so that one VA mapped differently in two address
//! spaces never runs the wrong code.

use crate::emit::Slot;
use crate::mem::MemView;

/// The slow path of a system-mode data access, supplied by the architecture.
///
/// `op` = size in bytes (1, 2, 4, 8 or 16) | [`slow_op`] kind bits. Returns:
/// - [`SLOW_FAULT`] (0): the access faults; the architecture has recorded the syndrome in its
///   own state, and the caller exits with `FAULT_READ`/`FAULT_WRITE`/`ALIGNMENT`
///   (`fault_addr` = `va`) as the kind says;
/// - [`SLOW_DONE`] (1): the slow path performed the access itself (device, page-crossing);
///   for a load, the value (zero-extended) is in [`SystemMemory::value_slot`];
/// - anything else: the host address at which the caller performs the access itself (RAM;
///   the only possible answer for [`slow_op::ATOMIC`], which must be aligned and on RAM).
///
/// # Safety
/// `state` is the vCPU's state struct.
pub type SlowAccessFn = unsafe extern "C" fn(state: *mut u8, va: u64, value: u64, op: u64) -> u64;

pub const SLOW_FAULT: u64 = 0;
pub const SLOW_DONE: u64 = 1;

/// Kind bits of the `op` argument of [`SlowAccessFn`].
pub mod slow_op {
    pub const READ: u64 = 0;
    pub const WRITE: u64 = 1 << 8;
    /// A read-modify-write (atomics, exclusives' store): needs read and write permission,
    /// and a host address.
    pub const ATOMIC: u64 = 2 << 8;
    pub const KIND_MASK: u64 = 3 << 8;
    pub const SIZE_MASK: u64 = 0xff;
}

/// Where the code of a block lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodePage {
    /// The physical address `va` translates to.
    pub pa: u64,
    /// The host address of the instruction at `va` (RAM only: code is never fetched from
    /// a device by the runtime).
    pub host: usize,
}

/// Translates an instruction fetch at `va` for the current translation context. `Err`:
/// the fetch faults; the architecture has recorded the syndrome and the runtime exits with
/// `FAULT_EXEC` (`fault_addr` = `va`). Called once per dispatcher lookup, so it must be
/// quick on a TLB hit.
///
/// # Safety
/// `state` is the vCPU's state struct.
pub type FetchFn = unsafe fn(state: *mut u8, va: u64) -> Result<CodePage, FetchFault>;

/// An instruction fetch faulted (the architecture recorded the details).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchFault;

/// Tells the architecture that physical page `pa` now holds translated code (so stores to
/// it must take the slow path).
///
/// # Safety
/// `state` is the vCPU's state struct.
pub type MarkCodeFn = unsafe fn(state: *mut u8, pa: u64);

/// Tells the architecture that every translation was dropped (no page holds code now).
///
/// # Safety
/// `state` is the vCPU's state struct.
pub type CodeFlushedFn = unsafe fn(state: *mut u8);

/// Moves the physical pages whose translations must be dropped (stores hit them since the
/// last call) into `out`. The architecture also sets the CPU's `interrupt` word when it
/// records one, so the runtime returns at the next block boundary and drops them before
/// running anything else (see `Runtime::run`).
///
/// # Safety
/// `state` is the vCPU's state struct.
pub type TakeInvalidatedFn = unsafe fn(state: *mut u8, out: &mut Vec<u64>);

/// The system-mode memory model: what the architecture supplies.
#[derive(Clone, Copy, Debug)]
pub struct SystemMemory {
    /// Slot holding `*const TlbEntry`: the entry array of the current translation
    /// context's TLB (the architecture updates it when the exception level changes).
    pub tlb_slot: Slot,
    /// Slot where [`SlowAccessFn`] leaves a loaded value.
    pub value_slot: Slot,
    pub slow_access: SlowAccessFn,
    pub fetch: FetchFn,
    pub mark_code: MarkCodeFn,
    pub code_flushed: CodeFlushedFn,
    pub take_invalidated: TakeInvalidatedFn,
}

/// Which memory model a runtime (and its two tiers) uses.
#[derive(Clone, Copy, Debug)]
pub enum MemModel {
    User(MemView),
    System(SystemMemory),
}

impl MemModel {
    pub fn is_system(&self) -> bool {
        matches!(self, MemModel::System(_))
    }
}

impl From<MemView> for MemModel {
    fn from(v: MemView) -> Self {
        MemModel::User(v)
    }
}

//! The A64 CPU state. `#[repr(C)]` because translated code addresses fields by byte
//! offset ([`Slot`]s); the guest-agnostic [`CoreState`] header must come first.

use emu_core::emit::{CoreState, Slot};
use std::mem::offset_of;

#[repr(C, align(16))]
#[derive(Clone, Debug)]
pub struct CpuState {
    pub core: CoreState,
    /// X0–X30, and index 31 = SP (XZR is never stored: reads of it are 0).
    pub x: [u64; 32],
    /// Condition flags, each in the form its most frequent writers (flag-setting
    /// arithmetic) make most cheaply, as QEMU keeps them: N is bit 63 of `n` (a result,
    /// sign-extended for 32 bits), Z is set when `z` is 0 (the result itself), C is `c`
    /// (0 or 1), V is bit 63 of `v`. Architectural NZCV: [`Self::nzcv`],
    /// [`Self::set_nzcv`]; in semantics, `sem::flags`.
    pub n: u64,
    pub z: u64,
    pub c: u64,
    pub v: u64,
    pub fpcr: u64,
    pub fpsr: u64,
    pub tpidr_el0: u64,
    pub tpidrro_el0: u64,
    /// The exclusive monitor: address of the last LDXR/LDAXR (u64::MAX: open), the value(s)
    /// it read and its size in bytes (16 for a 64-bit pair).
    pub excl_addr: u64,
    pub excl_val: u64,
    pub excl_val2: u64,
    pub excl_size: u64,
    /// V0–V31 as (low 64 bits, high 64 bits).
    pub vreg: [[u64; 2]; 32],
    /// Non-zero after `IC IVAU` until the next context synchronisation (ISB, SVC), which
    /// is when translated code must be dropped: one flush per cache-maintenance sequence
    /// instead of one per cache line.
    pub code_dirty: u64,
    /// System mode only (0 in user mode): the address of this vCPU's [`crate::sys::SysCpu`]
    /// (exception level, system registers, TLBs, the board). Helpers reach it through
    /// [`crate::sys::sys_cpu`].
    pub sys: u64,
    /// System mode only: `*const TlbEntry`, the entry array of the TLB of the current
    /// translation context, which compiled code indexes inline (see
    /// `emu_core::memmodel`). Updated whenever the exception level changes.
    pub tlb: u64,
    /// System mode only: where the softmmu slow path leaves a loaded value.
    pub slow_value: u64,
    /// System mode only: 1 while at EL0 with SCTLR_EL1.DZE clear, so that `DC ZVA` (hot in
    /// `memset`) checks its EL0 trap inline instead of calling a helper. Kept up to date
    /// by `sys::pstate`; always 0 in user mode.
    pub dc_zva_trap: u64,
}

impl Default for CpuState {
    fn default() -> Self {
        CpuState {
            core: CoreState::default(),
            x: [0; 32],
            n: 0,
            // Z clear.
            z: 1,
            c: 0,
            v: 0,
            fpcr: 0,
            fpsr: 0,
            tpidr_el0: 0,
            tpidrro_el0: 0,
            excl_addr: u64::MAX,
            excl_val: 0,
            excl_val2: 0,
            excl_size: 0,
            vreg: [[0; 2]; 32],
            code_dirty: 0,
            sys: 0,
            tlb: 0,
            slow_value: 0,
            dc_zva_trap: 0,
        }
    }
}

impl CpuState {
    pub fn pc(&self) -> u64 {
        self.core.pc
    }
    pub fn sp(&self) -> u64 {
        self.x[31]
    }
    /// NZCV in the architectural layout (bits 31..28).
    pub fn nzcv(&self) -> u64 {
        ((self.n >> 63) << 31)
            | (u64::from(self.z == 0) << 30)
            | ((self.c & 1) << 29)
            | ((self.v >> 63) << 28)
    }
    pub fn set_nzcv(&mut self, v: u64) {
        self.n = ((v >> 31) & 1) << 63;
        self.z = ((v >> 30) & 1) ^ 1;
        self.c = (v >> 29) & 1;
        self.v = ((v >> 28) & 1) << 63;
    }
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self as *mut CpuState as *mut u8
    }
}

const fn slot(off: usize) -> Slot {
    Slot(off as u32)
}

/// Slot of X`n` (n = 31 is SP).
pub const fn slot_x(n: u32) -> Slot {
    slot(offset_of!(CpuState, x) + 8 * n as usize)
}
pub const SLOT_SP: Slot = slot_x(31);
pub const SLOT_N: Slot = slot(offset_of!(CpuState, n));
pub const SLOT_Z: Slot = slot(offset_of!(CpuState, z));
pub const SLOT_C: Slot = slot(offset_of!(CpuState, c));
pub const SLOT_V: Slot = slot(offset_of!(CpuState, v));
pub const SLOT_FPCR: Slot = slot(offset_of!(CpuState, fpcr));
pub const SLOT_FPSR: Slot = slot(offset_of!(CpuState, fpsr));
pub const SLOT_TPIDR_EL0: Slot = slot(offset_of!(CpuState, tpidr_el0));
pub const SLOT_TPIDRRO_EL0: Slot = slot(offset_of!(CpuState, tpidrro_el0));
pub const SLOT_EXCL_ADDR: Slot = slot(offset_of!(CpuState, excl_addr));
pub const SLOT_EXCL_VAL: Slot = slot(offset_of!(CpuState, excl_val));
pub const SLOT_EXCL_VAL2: Slot = slot(offset_of!(CpuState, excl_val2));
pub const SLOT_EXCL_SIZE: Slot = slot(offset_of!(CpuState, excl_size));
pub const SLOT_CODE_DIRTY: Slot = slot(offset_of!(CpuState, code_dirty));
pub const SLOT_SYS: Slot = slot(offset_of!(CpuState, sys));
pub const SLOT_TLB: Slot = slot(offset_of!(CpuState, tlb));
pub const SLOT_SLOW_VALUE: Slot = slot(offset_of!(CpuState, slow_value));
pub const SLOT_DC_ZVA_TRAP: Slot = slot(offset_of!(CpuState, dc_zva_trap));
/// Slot of the low (`hi = false`) or high 64 bits of V`n`.
pub const fn slot_v(n: u32, hi: bool) -> Slot {
    slot(offset_of!(CpuState, vreg) + 16 * n as usize + if hi { 8 } else { 0 })
}

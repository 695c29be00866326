//! The softmmu's Arm half: the system-mode memory model handed to the runtime
//! (`emu_core::memmodel`), the slow path of data accesses, instruction-fetch translation,
//! TLB context selection and TLB maintenance.
//!
//! A data access whose inline TLB lookup misses lands in [`slow_access`]: it removes the
//! address tag (TBI), probes the TLB of the current EL and, on a true miss, walks the
//! guest's tables and fills the TLB; then RAM accesses get their host address back
//! (the caller performs them), device accesses are performed here through the
//! [`Platform`](super::Platform), stores to pages holding translated code invalidate the
//! translations first, and accesses that cross a page boundary are split here. A fault is
//! recorded in [`SysCpu::fault`] for the exception entry.

use super::{sys_cpu, SysCpu};
use crate::mmu::{
    fill_tlb_on_miss, tlbi_asid, tlbi_va, tlbi_va_asids, Access, AccessKind, ExceptionLevel, Fault,
    FaultKind, PhysMap, PhysMemory,
};
use crate::state::{CpuState, SLOT_SLOW_VALUE, SLOT_TLB};
use emu_core::memmodel::{
    slow_op, CodePage, FetchFault, MemModel, SystemMemory, SLOW_DONE, SLOW_FAULT,
};
use emu_core::phys::PhysRam;
use emu_core::softmmu::{AsidMatch, TlbProbe, PAGE_MASK, PAGE_SIZE};

/// The memory model of a system-mode vCPU runtime.
pub fn memory_model() -> MemModel {
    MemModel::System(SystemMemory {
        tlb_slot: SLOT_TLB,
        value_slot: SLOT_SLOW_VALUE,
        slow_access,
        fetch,
        mark_code,
        code_flushed,
        take_invalidated,
    })
}

impl SysCpu {
    pub fn exception_level(&self) -> ExceptionLevel {
        if self.el == 0 {
            ExceptionLevel::El0
        } else {
            ExceptionLevel::El1
        }
    }
}

/// Points `cpu.tlb` at the TLB of its current exception level. Call after every change of
/// `SysCpu::el` (exception entry, ERET).
pub fn select_tlb(cpu: &mut CpuState) {
    // SAFETY: `cpu` is a live state; `sys`, when set, points to its live SysCpu.
    let Some(sys) = (unsafe { sys_cpu(cpu as *mut CpuState as *mut u8) }) else {
        return;
    };
    let ctx = sys.exception_level().tlb_context();
    if let Some(tlb) = sys.tlbs.tlb(ctx) {
        cpu.tlb = tlb.entries_ptr() as u64;
    }
}

/// Which translation register an MSR wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TranslationReg {
    Sctlr,
    Tcr,
    Ttbr0,
    Ttbr1,
    Mair,
}

/// Writes a register the stage-1 walk depends on, and keeps the TLBs consistent with it:
/// SCTLR/TCR changes flush everything (allowed, and simplest); a TTBR write that changes
/// the active ASID drops non-global entries (the fast path does not compare ASIDs); MAIR
/// changes flush (memory types are cached in entries). A TTBR base change alone needs
/// nothing: the guest must TLBI, as on hardware.
pub fn translation_regs_written(sys: &mut SysCpu, reg: TranslationReg, value: u64) {
    let old_asid = sys.mmu.current_asid();
    let old = sys.mmu;
    match reg {
        TranslationReg::Sctlr => sys.mmu.sctlr_el1 = value,
        TranslationReg::Tcr => sys.mmu.tcr_el1 = value,
        TranslationReg::Ttbr0 => sys.mmu.ttbr0_el1 = value,
        TranslationReg::Ttbr1 => sys.mmu.ttbr1_el1 = value,
        TranslationReg::Mair => sys.mmu.mair_el1 = value,
    }
    match reg {
        TranslationReg::Sctlr | TranslationReg::Tcr | TranslationReg::Mair => {
            if old != sys.mmu {
                sys.tlbs.flush_all();
            }
        }
        TranslationReg::Ttbr0 | TranslationReg::Ttbr1 => {
            if sys.mmu.current_asid() != old_asid {
                sys.tlbs.flush_non_global();
            }
        }
    }
}

/// The TLB maintenance operations of the EL1&0 regime (TLBI `op` with operand `xt`).
/// The Inner Shareable forms are the same on one vCPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tlbi {
    /// VMALLE1(IS): everything.
    All,
    /// VAE1/VALE1(IS): one VA, global entries and the ASID in Xt.
    Va,
    /// VAAE1/VAALE1(IS): one VA, every ASID.
    VaAllAsids,
    /// ASIDE1(IS): every non-global entry of the ASID in Xt.
    Asid,
}

pub fn tlbi(sys: &mut SysCpu, op: Tlbi, xt: u64) {
    match op {
        Tlbi::All => sys.tlbs.flush_all(),
        Tlbi::Va => {
            let asids = tlbi_va_asids(xt, &sys.mmu);
            sys.tlbs.flush_page(tlbi_va(xt), asids);
        }
        Tlbi::VaAllAsids => sys.tlbs.flush_page(tlbi_va(xt), AsidMatch::Any),
        Tlbi::Asid => {
            let asid = tlbi_asid(xt, &sys.mmu);
            sys.tlbs.flush_asid(asid);
        }
    }
}

/// The walk reads descriptors from RAM only.
struct Board<'a>(&'a PhysRam);

impl PhysMemory for Board<'_> {
    fn read_phys_u64(&self, pa: u64) -> Option<u64> {
        let mut b = [0; 8];
        self.0.read(pa, &mut b).ok()?;
        Some(u64::from_le_bytes(b))
    }
}

impl PhysMap for Board<'_> {
    fn ram_host_page(&self, pa: u64) -> Option<usize> {
        self.0.host_page(pa)
    }
    fn page_holds_code(&self, pa: u64) -> bool {
        self.0.holds_code(pa)
    }
}

/// Where one (page-contained) access goes.
enum Target {
    Ram(usize),
    Mmio(u64),
}

/// TLB misses filled by a page-table walk (or the flat map with the MMU off), for
/// `--stats`: one relaxed add per miss, process-wide.
static TLB_FILLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many TLB fills all vCPUs have done.
pub fn tlb_fills() -> u64 {
    TLB_FILLS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Resolves an access of `size` bytes at `va` that lies within one page, for the current
/// EL, filling the TLB on a miss. Stores to code pages invalidate translations here.
fn resolve(sys: &mut SysCpu, va: u64, size: u64, kind: AccessKind) -> Result<Target, Fault> {
    let el = sys.exception_level();
    let access = Access::new(kind, el);
    let key = sys.mmu.untagged(va);
    let ctx = el.tlb_context();
    let tlb_access = match kind {
        AccessKind::Read => emu_core::softmmu::TlbAccess::Read,
        AccessKind::Write => emu_core::softmmu::TlbAccess::Write,
        AccessKind::Fetch => emu_core::softmmu::TlbAccess::Execute,
    };
    let mut filled = false;
    loop {
        let Some(tlb) = sys.tlbs.tlb_mut(ctx) else {
            return Err(Fault::alignment(va, access));
        };
        let probe = tlb.probe(key, tlb_access);
        let (host, check_alignment) = match probe {
            TlbProbe::Miss => {
                if filled {
                    // The walk succeeded but the entry does not permit the access: the
                    // walk's own permission check reports it; this is only reachable if
                    // the TLB and the walk disagree, so report a permission fault.
                    return Err(Fault {
                        kind: FaultKind::Permission,
                        level: 3,
                        va,
                        access,
                    });
                }
                let platform = sys.platform.clone();
                let ram = platform.ram();
                let board = Board(ram);
                let regs = sys.mmu;
                let Some(tlb) = sys.tlbs.tlb_mut(ctx) else {
                    return Err(Fault::alignment(va, access));
                };
                TLB_FILLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                fill_tlb_on_miss(tlb, &regs, &board, &board, key, access).map_err(|mut f| {
                    f.va = va;
                    tracing::debug!(target: "mmu", "fault: {:?} level {} at va {va:#x} ({kind:?} at {el:?})",
                        f.kind, f.level);
                    f
                })?;
                tracing::trace!(target: "mmu", "tlb fill: va {va:#x} ({kind:?} at {el:?})");
                filled = true;
                continue;
            }
            TlbProbe::Mmio { pa } => return Ok(Target::Mmio(pa)),
            TlbProbe::Ram {
                host,
                check_alignment,
            } => (host, check_alignment),
            TlbProbe::WriteToCode {
                host,
                phys_page,
                check_alignment,
            } => {
                if check_alignment && kind != AccessKind::Fetch && !va.is_multiple_of(size) {
                    return Err(Fault::alignment(va, access));
                }
                invalidate_code_page(sys, phys_page);
                (host, false)
            }
        };
        if check_alignment && kind != AccessKind::Fetch && !va.is_multiple_of(size) {
            return Err(Fault::alignment(va, access));
        }
        return Ok(Target::Ram(host));
    }
}

/// A store is about to change physical page `phys_page`, which holds translated code:
/// record it, so the runtime drops the page's translations before it runs another block
/// (`slow_access` makes it return at the next block boundary), and let stores to the
/// page take the fast path again.
fn invalidate_code_page(sys: &mut SysCpu, phys_page: u64) {
    let ram = sys.platform.ram();
    if ram.clear_code(phys_page) {
        sys.invalidated_pages.push(phys_page & PAGE_MASK);
    }
    sys.tlbs.unmark_code_page(phys_page);
}

/// See `emu_core::memmodel::TakeInvalidatedFn`.
///
/// # Safety
/// `state` is a live system-mode `CpuState`.
pub unsafe fn take_invalidated(state: *mut u8, out: &mut Vec<u64>) {
    // SAFETY: caller's contract.
    if let Some(sys) = unsafe { sys_cpu(state) } {
        out.append(&mut sys.invalidated_pages);
    }
}

fn mmio_read(sys: &SysCpu, pa: u64, size: u64) -> Option<u64> {
    sys.platform.mmio_read(sys.index, pa, size as u8)
}

/// A synchronous External abort on a device access nothing answered. The stage-1 fault
/// kinds have no such status; report it as a level-0 Translation fault on the VA (a guest
/// exception either way — never a host crash).
fn external_abort(va: u64, kind: AccessKind, sys: &SysCpu) -> Fault {
    Fault {
        kind: FaultKind::Translation,
        level: 0,
        va,
        access: Access::new(kind, sys.exception_level()),
    }
}

/// Reads `size` bytes within one page.
fn read_in_page(sys: &mut SysCpu, va: u64, size: u64) -> Result<u64, Fault> {
    match resolve(sys, va, size, AccessKind::Read)? {
        Target::Ram(host) => {
            let mut b = [0u8; 8];
            // SAFETY: `host` is the host address of `va` in guest RAM and the access stays
            // within its page.
            unsafe {
                std::ptr::copy_nonoverlapping(host as *const u8, b.as_mut_ptr(), size as usize)
            };
            Ok(u64::from_le_bytes(b))
        }
        Target::Mmio(pa) => {
            mmio_read(sys, pa, size).ok_or_else(|| external_abort(va, AccessKind::Read, sys))
        }
    }
}

fn write_in_page(sys: &mut SysCpu, va: u64, size: u64, value: u64) -> Result<(), Fault> {
    match resolve(sys, va, size, AccessKind::Write)? {
        Target::Ram(host) => {
            let b = value.to_le_bytes();
            // SAFETY: as in `read_in_page`.
            unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), host as *mut u8, size as usize) };
            Ok(())
        }
        Target::Mmio(pa) => {
            let value = if size >= 8 {
                value
            } else {
                value & ((1u64 << (8 * size)) - 1)
            };
            if sys.platform.mmio_write(sys.index, pa, size as u8, value) {
                Ok(())
            } else {
                Err(external_abort(va, AccessKind::Write, sys))
            }
        }
    }
}

/// The bytes of an access that fall in the first page, and the rest.
fn split(va: u64, size: u64) -> (u64, u64) {
    let first = (PAGE_SIZE - (va & !PAGE_MASK)).min(size);
    (first, size - first)
}

/// Performs a data read of `size` (≤ 8) bytes at `va`, crossing pages if needed. Both
/// pages are translated before anything is read, so a fault on the second is precise.
pub fn read(sys: &mut SysCpu, va: u64, size: u64) -> Result<u64, Fault> {
    let (first, rest) = split(va, size);
    if rest == 0 {
        return read_in_page(sys, va, size);
    }
    let hi_va = va.wrapping_add(first);
    // Probe the second page first: fault before any side effect.
    resolve(sys, hi_va, rest, AccessKind::Read)?;
    let lo = read_bytewise(sys, va, first)?;
    let hi = read_bytewise(sys, hi_va, rest)?;
    Ok(lo | hi << (8 * first))
}

fn read_bytewise(sys: &mut SysCpu, va: u64, n: u64) -> Result<u64, Fault> {
    let mut v = 0;
    for i in 0..n {
        v |= read_in_page(sys, va.wrapping_add(i), 1)? << (8 * i);
    }
    Ok(v)
}

/// Performs a data write of `size` (≤ 8) bytes at `va`, crossing pages if needed.
pub fn write(sys: &mut SysCpu, va: u64, size: u64, value: u64) -> Result<(), Fault> {
    let (first, rest) = split(va, size);
    if rest == 0 {
        return write_in_page(sys, va, size, value);
    }
    let hi_va = va.wrapping_add(first);
    resolve(sys, hi_va, rest, AccessKind::Write)?;
    resolve(sys, va, first, AccessKind::Write)?;
    for i in 0..size {
        write_in_page(sys, va.wrapping_add(i), 1, value >> (8 * i) & 0xff)?;
    }
    Ok(())
}

/// See `emu_core::memmodel::SlowAccessFn`.
///
/// # Safety
/// `state` is a live system-mode `CpuState`.
pub unsafe extern "C" fn slow_access(state: *mut u8, va: u64, value: u64, op: u64) -> u64 {
    // SAFETY: caller's contract.
    let Some(sys) = (unsafe { sys_cpu(state) }) else {
        return SLOW_FAULT;
    };
    let size = op & slow_op::SIZE_MASK;
    let result = match op & slow_op::KIND_MASK {
        slow_op::READ => read(sys, va, size).map(|v| {
            // SAFETY: caller's contract.
            unsafe { (*(state as *mut CpuState)).slow_value = v };
            SLOW_DONE
        }),
        slow_op::WRITE => write(sys, va, size, value).map(|()| SLOW_DONE),
        _ => atomic_host_address(sys, va, size),
    };
    if !sys.invalidated_pages.is_empty() {
        // Stop at the next block boundary: the runtime drops the stale translations
        // before running anything else.
        // SAFETY: caller's contract.
        unsafe { (*(state as *mut CpuState)).core.interrupt = 1 };
    }
    match result {
        Ok(r) => r,
        Err(f) => {
            sys.fault = Some(f);
            SLOW_FAULT
        }
    }
}

/// A read-modify-write needs a host address: aligned (the caller checked), on RAM,
/// readable and writable.
fn atomic_host_address(sys: &mut SysCpu, va: u64, size: u64) -> Result<u64, Fault> {
    resolve(sys, va, size, AccessKind::Read)?;
    match resolve(sys, va, size, AccessKind::Write)? {
        Target::Ram(host) => Ok(host as u64),
        // Atomics to devices: the architecture makes them IMPLEMENTATION DEFINED; we
        // report an external abort.
        Target::Mmio(_) => Err(external_abort(va, AccessKind::Write, sys)),
    }
}

/// See `emu_core::memmodel::FetchFn`.
///
/// # Safety
/// `state` is a live system-mode `CpuState`.
pub unsafe fn fetch(state: *mut u8, va: u64) -> Result<CodePage, FetchFault> {
    // SAFETY: caller's contract.
    let Some(sys) = (unsafe { sys_cpu(state) }) else {
        return Err(FetchFault);
    };
    match fetch_page(sys, va) {
        Ok(page) => Ok(page),
        Err(f) => {
            sys.fault = Some(f);
            Err(FetchFault)
        }
    }
}

fn fetch_page(sys: &mut SysCpu, va: u64) -> Result<CodePage, Fault> {
    // The run loop asks on every block dispatch: try the TLB's fast path first.
    let ctx = sys.exception_level().tlb_context();
    let key = sys.mmu.untagged(va);
    let hit = sys
        .tlbs
        .tlb(ctx)
        .and_then(|t| t.lookup(key, 4, emu_core::softmmu::TlbAccess::Execute));
    let host = match hit {
        Some(host) => host,
        None => match resolve(sys, va, 4, AccessKind::Fetch)? {
            Target::Ram(host) => host,
            // Executing from a device region is not supported: an instruction abort.
            Target::Mmio(_) => return Err(external_abort(va, AccessKind::Fetch, sys)),
        },
    };
    // Code only ever comes from RAM, so the host address maps straight back.
    let ram = sys.platform.ram();
    let pa = ram.base() + (host - ram.host_base() as usize) as u64;
    Ok(CodePage { pa, host })
}

/// See `emu_core::memmodel::MarkCodeFn`.
///
/// # Safety
/// `state` is a live system-mode `CpuState`.
pub unsafe fn mark_code(state: *mut u8, pa: u64) {
    // SAFETY: caller's contract.
    let Some(sys) = (unsafe { sys_cpu(state) }) else {
        return;
    };
    if sys.platform.ram().mark_code(pa) {
        sys.tlbs.mark_code_page(pa & PAGE_MASK);
    }
}

/// Reads guest virtual memory for a debugger or a semihosting call: translated with the
/// current EL's permissions but without filling the TLB or touching devices, so the guest
/// cannot observe it. `None` if any byte is unmapped or not RAM.
pub fn peek_virtual(sys: &SysCpu, va: u64, out: &mut [u8]) -> Option<()> {
    let access = Access::new(AccessKind::Read, sys.exception_level());
    let ram = sys.platform.ram();
    let board = Board(ram);
    let mut done = 0usize;
    while done < out.len() {
        let a = va.wrapping_add(done as u64);
        let t = crate::mmu::translate(&sys.mmu, &board, sys.mmu.untagged(a), access).ok()?;
        let n = ((PAGE_SIZE - (a & !PAGE_MASK)) as usize).min(out.len() - done);
        ram.read(t.pa, &mut out[done..done + n]).ok()?;
        done += n;
    }
    Some(())
}

/// See `emu_core::memmodel::CodeFlushedFn`: no RAM page holds translated code any more.
/// TLB entries keep their `CODE` write flags; the next store through one takes the slow
/// path once, finds the page unmarked and clears the flag.
///
/// # Safety
/// `state` is a live system-mode `CpuState`.
pub unsafe fn code_flushed(state: *mut u8) {
    // SAFETY: caller's contract.
    if let Some(sys) = unsafe { sys_cpu(state) } {
        sys.platform.ram().clear_all_code();
    }
}

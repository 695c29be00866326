//! User mode: guest memory faults caught as host signals (QEMU's linux-user way), so
//! compiled loads and stores need no permission check of their own.
//!
//! The guest address space is one host reservation whose host protection mirrors the
//! guest's page permissions (`mem.rs`). A compiled access then only checks that the
//! address lies below the space's limit and touches `base + addr`; an access the guest
//! may not make raises SIGSEGV in the host instead of branching to a slow path (about
//! 14 host instructions per access saved: xz -9 spends a fifth of its time there).
//!
//! Precise guest faults without the check: compiled code cannot tell us where guest
//! registers live at an arbitrary host instruction, so it keeps the state struct at a
//! *restart point* instead. Every guest access that may fault in the host carries a trap
//! code naming its restart point, an earlier instruction boundary such that the state
//! struct holds exactly the guest state at that boundary and nothing the guest can see
//! has happened since (no guest store of an earlier instruction, no helper call; stores
//! of the faulting instruction itself are re-done with the same values). The emitter
//! makes restart points where needed: at the start of a load/store instruction that
//! follows a store, it writes the dirty registers back (`emitter/mod.rs`, `restart`).
//!
//! On a host fault at such an access, [`handle_host_fault`] sets the guest pc to the
//! restart point and makes the run loop's call into compiled code return
//! [`Exit::HOST_FAULT`] (it rewinds the host stack to [`enter`]'s frame, which restores
//! the callee-saved registers); the run loop then interprets from the restart point, and
//! the interpreter raises the exact guest fault (or, if another thread mapped the page
//! meanwhile, simply goes on).
//!
//! The range check itself is per base register: a 64 KiB inaccessible guard follows the
//! guest space (`mem::GUARD_BYTES`), so for `[root, #offset]` accesses the emitter checks
//! `root < limit` once and later accesses off the same root run unchecked into host
//! protection. An address that fails the check returns [`Exit::RESTART`] at the restart
//! point, with the same outcome as a host fault but no signal.
//!
//! Faults anywhere else (emulator code, addresses outside guest memory) are not ours:
//! the caller falls back to the default action, as without this module.

use crate::emit::{CoreState, Exit};
use cranelift_codegen::ir::TrapCode;
use std::cell::Cell;

/// Most restart points one compiled function can name (trap codes are one byte; the
/// rest are Cranelift's). Accesses past that take the software check.
pub const MAX_RESTARTS: usize = 200;

/// The trap code of an access whose restart point is `restarts[index]`.
pub fn trap_code(index: usize) -> TrapCode {
    debug_assert!(index < MAX_RESTARTS);
    TrapCode::unwrap_user(index as u8 + 1)
}

/// The restart index a trap code names, if it is one of ours.
fn restart_index(code: TrapCode) -> Option<usize> {
    let raw = code.as_raw().get() as usize;
    (1..=MAX_RESTARTS).contains(&raw).then(|| raw - 1)
}

/// A guest access in one compiled function that may fault in the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSite {
    /// Offset of the faulting host instruction from the function's start.
    pub offset: u32,
    /// Guest pc to resume at (in the interpreter) if it faults.
    pub restart_pc: u64,
}

/// The fault sites of a freshly compiled function, from Cranelift's trap records and the
/// emitter's restart points. `None` if a guest trap names no restart point (a bug: the
/// function must not run).
pub fn collect_sites(
    traps: impl Iterator<Item = (u32, TrapCode)>,
    restarts: &[u64],
) -> Option<Vec<FaultSite>> {
    let mut sites = Vec::new();
    for (offset, code) in traps {
        if let Some(i) = restart_index(code) {
            sites.push(FaultSite {
                offset,
                restart_pc: *restarts.get(i)?,
            });
        }
    }
    sites.sort_by_key(|s| s.offset);
    Some(sites)
}

/// Every installed function's fault sites, by host address. Only the vCPU thread that
/// owns the Jit changes it, never while its compiled code runs, so the signal handler
/// (which runs on that thread, in compiled code) can read it.
#[derive(Default)]
pub struct SiteTable {
    /// (start, end, first site, site count), sorted by start.
    funcs: Vec<(usize, usize, u32, u32)>,
    sites: Vec<FaultSite>,
}

impl SiteTable {
    pub fn add(&mut self, start: usize, len: usize, sites: &[FaultSite]) {
        if sites.is_empty() {
            return;
        }
        let entry = (
            start,
            start + len,
            self.sites.len() as u32,
            sites.len() as u32,
        );
        self.sites.extend_from_slice(sites);
        // The code cache allocates upwards, so this is almost always a push.
        let at = self.funcs.partition_point(|f| f.0 < start);
        self.funcs.insert(at, entry);
    }

    pub fn clear(&mut self) {
        self.funcs.clear();
        self.sites.clear();
    }

    /// The restart pc of the fault site at host address `pc`, if there is one.
    pub fn lookup(&self, pc: usize) -> Option<u64> {
        let i = self.funcs.partition_point(|f| f.0 <= pc).checked_sub(1)?;
        let (start, end, first, count) = *self.funcs.get(i)?;
        if pc >= end {
            return None;
        }
        let offset = (pc - start) as u32;
        let sites = self
            .sites
            .get(first as usize..first as usize + count as usize)?;
        let j = sites.binary_search_by_key(&offset, |s| s.offset).ok()?;
        Some(sites[j].restart_pc)
    }
}

/// What the handler needs about the compiled code running on this thread.
pub struct RunContext {
    /// The host stack pointer inside [`enter`]'s frame (written by `enter`).
    saved_sp: Cell<u64>,
    table: Cell<*const SiteTable>,
    state: Cell<*mut u8>,
    /// Host address range of guest memory ([`crate::mem::MemView::host_range`]): a
    /// fault elsewhere is not the guest's.
    guest: std::ops::Range<usize>,
}

impl RunContext {
    pub fn new(guest: std::ops::Range<usize>) -> RunContext {
        RunContext {
            saved_sp: Cell::new(0),
            table: Cell::new(std::ptr::null()),
            state: Cell::new(std::ptr::null_mut()),
            guest,
        }
    }
}

/// Host range of the process's guest space (user mode), for fault handlers that want to
/// tell a fault on guest memory in emulator code from any other crash.
static GUEST_SPACE: [std::sync::atomic::AtomicUsize; 2] = [
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
];

/// Records the process's guest space ([`crate::mem::MemView::host_range`]), for
/// [`in_guest_space`].
pub fn note_guest_space(range: std::ops::Range<usize>) {
    use std::sync::atomic::Ordering::Relaxed;
    GUEST_SPACE[0].store(range.start, Relaxed);
    GUEST_SPACE[1].store(range.end, Relaxed);
}

/// Whether host address `addr` lies in the guest space noted by [`note_guest_space`].
/// Async-signal-safe.
pub fn in_guest_space(addr: usize) -> bool {
    use std::sync::atomic::Ordering::Relaxed;
    (GUEST_SPACE[0].load(Relaxed)..GUEST_SPACE[1].load(Relaxed)).contains(&addr)
}

thread_local! {
    static CURRENT: Cell<*const RunContext> = const { Cell::new(std::ptr::null()) };
}

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    // fn emu_jit_enter(state, entry, trampoline, saved_sp: *mut u64) -> u64 (SysV):
    // saves every callee-saved register, records the stack pointer, and calls
    // `trampoline(state, entry)`. A host fault in compiled code resumes at
    // `emu_jit_resume` with that stack pointer and the exit code in rax, as if the
    // trampoline had returned it.
    ".globl emu_jit_enter",
    ".type emu_jit_enter,@function",
    ".p2align 4",
    "emu_jit_enter:",
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "mov [rcx], rsp",
    "call rdx",
    ".globl emu_jit_resume",
    "emu_jit_resume:",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size emu_jit_enter, . - emu_jit_enter",
);

#[cfg(target_arch = "x86_64")]
unsafe extern "C" {
    fn emu_jit_enter(state: *mut u8, entry: *const u8, tramp: *const u8, sp: *mut u64) -> u64;
    fn emu_jit_resume();
}

/// Whether this host supports [`enter`] and [`handle_host_fault`].
pub const SUPPORTED: bool = cfg!(all(target_arch = "x86_64", target_os = "linux"));

/// Calls `trampoline(state, entry)` so that a guest fault inside makes it return
/// [`Exit::HOST_FAULT`] (with `state.pc` at the restart point).
///
/// # Safety
/// `trampoline` must be the Jit's host-convention entry and `entry` compiled code of the
/// Jit whose fault sites `table` holds; `state` as for the run loop.
#[cfg(target_arch = "x86_64")]
pub unsafe fn enter(
    ctx: &RunContext,
    table: &SiteTable,
    trampoline: *const u8,
    entry: *const u8,
    state: *mut u8,
) -> u64 {
    ctx.table.set(table);
    ctx.state.set(state);
    let prev = CURRENT.with(|c| c.replace(ctx));
    // SAFETY: caller's contract; `saved_sp` lives in `ctx`, which outlives the call.
    let r = unsafe { emu_jit_enter(state, entry, trampoline, ctx.saved_sp.as_ptr()) };
    CURRENT.with(|c| c.set(prev));
    r
}

#[cfg(not(target_arch = "x86_64"))]
pub unsafe fn enter(
    _ctx: &RunContext,
    _table: &SiteTable,
    _trampoline: *const u8,
    _entry: *const u8,
    _state: *mut u8,
) -> u64 {
    unreachable!("host faults are only enabled where SUPPORTED")
}

/// Call from a SIGSEGV handler first. `true`: the fault was a guest access in compiled
/// code running on this thread; the signal context now resumes in [`enter`]'s caller
/// with [`Exit::HOST_FAULT`], so the handler just returns. `false`: not ours.
///
/// Async-signal-safe: reads this thread's context and its site table (which its owner
/// only changes outside compiled code), writes the guest pc and the signal context.
///
/// # Safety
/// `info` and `uc` must be the handler's arguments.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub unsafe fn handle_host_fault(info: *const libc::siginfo_t, uc: *mut libc::c_void) -> bool {
    if info.is_null() || uc.is_null() {
        return false;
    }
    let ctx = CURRENT.with(|c| c.get());
    if ctx.is_null() {
        return false;
    }
    // SAFETY: CURRENT points at the RunContext of the `enter` call running on this thread.
    let ctx = unsafe { &*ctx };
    // SAFETY: the kernel's siginfo for a fault carries the address.
    let addr = unsafe { (*info).si_addr() } as usize;
    if !ctx.guest.contains(&addr) {
        return false;
    }
    let uc = uc as *mut libc::ucontext_t;
    // SAFETY: uc is the handler's ucontext.
    let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
    let pc = gregs[libc::REG_RIP as usize] as usize;
    // SAFETY: set by `enter` to the owner's table, which does not change while its code runs.
    let Some(restart) = (unsafe { &*ctx.table.get() }).lookup(pc) else {
        return false;
    };
    let state = ctx.state.get() as *mut CoreState;
    // SAFETY: the state struct of the running guest (enter's contract).
    unsafe { (*state).pc = restart };
    gregs[libc::REG_RSP as usize] = ctx.saved_sp.get() as i64;
    gregs[libc::REG_RIP as usize] = emu_jit_resume as *const () as usize as i64;
    gregs[libc::REG_RAX as usize] = Exit::HOST_FAULT.0 as i64;
    true
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
pub unsafe fn handle_host_fault(_info: *const libc::siginfo_t, _uc: *mut libc::c_void) -> bool {
    false
}

/// For programs that have no SIGSEGV handler of their own (tests, embedders): installs
/// one (once per process) that calls [`handle_host_fault`] and otherwise hands the fault
/// to the handler that was there before (Rust's stack-overflow reporter) or the default
/// action. emu's user mode calls [`handle_host_fault`] from its own handler instead.
pub fn install_standalone_handler() -> bool {
    use std::sync::OnceLock;
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        if !SUPPORTED {
            return false;
        }
        // SAFETY: sigaction with a valid handler; OLD is written once, before the
        // handler can run.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = standalone_handler as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut sa.sa_mask);
            let old = &raw mut OLD_SEGV;
            libc::sigaction(libc::SIGSEGV, &sa, old) == 0
        }
    })
}

static mut OLD_SEGV: libc::sigaction = unsafe { std::mem::zeroed() };

extern "C" fn standalone_handler(
    _sig: libc::c_int,
    info: *mut libc::siginfo_t,
    uc: *mut libc::c_void,
) {
    // SAFETY: the handler's own arguments.
    if unsafe { handle_host_fault(info, uc) } {
        return;
    }
    // Not ours: put the previous action back; returning re-executes the faulting
    // instruction, which then meets it.
    // SAFETY: OLD_SEGV was filled by install_standalone_handler before this could run.
    unsafe { libc::sigaction(libc::SIGSEGV, &raw const OLD_SEGV, std::ptr::null_mut()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_finds_exact_sites_only() {
        let mut t = SiteTable::default();
        let s = |offset, restart_pc| FaultSite { offset, restart_pc };
        t.add(0x2000, 0x100, &[s(0x10, 0xa0), s(0x40, 0xb0)]);
        t.add(0x1000, 0x80, &[s(0x7c, 0xc0)]);
        t.add(0x3000, 0x10, &[]);
        assert_eq!(t.lookup(0x2010), Some(0xa0));
        assert_eq!(t.lookup(0x2040), Some(0xb0));
        assert_eq!(t.lookup(0x107c), Some(0xc0));
        for miss in [0x2011, 0x2100, 0x1080, 0x0fff, 0x3000, 0x2140, 0] {
            assert_eq!(t.lookup(miss), None, "{miss:#x}");
        }
        t.clear();
        assert_eq!(t.lookup(0x2010), None);
    }

    #[test]
    fn sites_come_from_our_trap_codes_only() {
        let traps = [
            (8, trap_code(1)),
            (4, trap_code(0)),
            (12, TrapCode::HEAP_OUT_OF_BOUNDS),
        ];
        let sites = collect_sites(traps.into_iter(), &[0x100, 0x200]).expect("sites");
        assert_eq!(
            sites,
            vec![
                FaultSite {
                    offset: 4,
                    restart_pc: 0x100
                },
                FaultSite {
                    offset: 8,
                    restart_pc: 0x200
                }
            ]
        );
        // A code naming a restart point that does not exist: refuse the function.
        assert!(collect_sites([(0, trap_code(5))].into_iter(), &[0x100]).is_none());
    }
}

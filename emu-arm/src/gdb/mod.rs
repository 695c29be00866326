//! The GDB remote stub (`emu run --gdb HOST:PORT`), built on the `gdbstub` crate.
//!
//! Two layers:
//! - [`DebugTarget`]: what a debugger needs of one machine: registers, side-effect-free
//!   memory access at guest virtual addresses, running under [`DebugHooks`] (breakpoints,
//!   watchpoints, single-step) until a [`Stop`], and the machine-specific `monitor`
//!   commands. User mode implements it for the guest's main thread
//!   (`crate::linux::debug_target`); system mode implements it for its vCPU.
//! - [`stub`]: the `gdbstub` `Target` written once against [`DebugTarget`], the event loop
//!   that listens for Ctrl-C while the guest runs, and the generic monitor commands.
//!
//! Breakpoints and watchpoints never patch guest memory: the runtime honours them while
//! translating and running (see `emu_core::debug`).
//!
//! # Usage
//! `emu run --gdb 127.0.0.1:1234 PROGRAM` waits (like `qemu-aarch64 -g`) before the first
//! instruction for `gdb-multiarch -ex 'target remote 127.0.0.1:1234' PROGRAM`; port 0
//! picks a free port, printed on stderr. `--gdb-wait` is accepted and implied.
//!
//! # Supported
//! - Packets: `?`, `g`/`G`, `p`/`P` (X0–X30, SP, PC, CPSR, V0–V31, FPSR, FPCR; system
//!   registers the target lists, read-only), `m`/`M`/`X` (unmapped or unwritable memory
//!   gives an error reply), `c`/`s`/`C`/`S` and `vCont` (with signals), `Z0`/`z0`
//!   software and `Z1`/`z1` hardware breakpoints, `Z2`–`Z4` write/read/access
//!   watchpoints, Ctrl-C (0x03), `D` (detach: the guest runs on), `k`/`vKill` (the guest
//!   dies by SIGKILL), `qRcmd` (monitor), `qXfer:features:read` (target.xml),
//!   `qXfer:auxv:read`, `QStartNoAckMode`; the `W`/`X` exit replies, also when the guest
//!   exits inside a syscall or dies by a signal.
//! - Stop reasons: `swbreak`, `hwbreak`, `watch`/`rwatch`/`awatch` with the accessed
//!   address (reported before the access, as on Arm hardware: gdb steps over it), signals
//!   (user mode: faults, UNDEF and BRK stop with SIGSEGV/SIGBUS/SIGILL/SIGTRAP; gdb
//!   decides whether the guest gets them), exit code, death by signal.
//! - Monitor: `help`, `reset`, `quit`, `regs`, `translate ADDR`, `icount`.
//!
//! # Not supported
//! - More than one thread: gdb sees the main thread only; other guest threads run freely
//!   and ignore breakpoints (one GDB thread; no `qfThreadInfo`/`H` per thread).
//! - Non-stop mode, reverse execution, tracepoints, `catch syscall`, extended-remote
//!   (`run`/`attach`), file I/O (`vFile`), `qXfer:libraries-svr4` (not needed: with the
//!   auxv gdb finds the dynamic linker and reads its list of shared libraries itself).
//! - Ctrl-C while the guest is blocked in a host system call takes effect when the call
//!   returns. A guest `fork` child runs undebugged; `exec` ends debugging of the new
//!   image (the emulator re-executes itself without `--gdb`).
//! - Watchpoints see data accesses the interpreter makes through loads, stores and
//!   atomics; memory that a helper function touches directly (outside the emitter) is
//!   not checked.

mod arch;
#[cfg(test)]
mod runtime_tests;
pub mod stub;
mod tdesc;

use crate::state::CpuState;
use emu_core::debug::{DebugHooks, WatchKind};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

pub use stub::{serve, Outcome};

/// Why a [`DebugTarget::resume`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Stopped before the instruction at pc, which is a breakpoint address.
    Breakpoint,
    /// The single step is done.
    StepDone,
    /// The instruction at pc (not run yet) accesses `addr`, watched by a `kind` watchpoint.
    Watch { kind: WatchKind, addr: u64 },
    /// The guest got a synchronous signal (fault, undefined instruction, BRK): the
    /// debugger decides whether it is delivered when it resumes.
    Signal(u8),
    /// The guest exited with this status.
    Exited(i32),
    /// The guest was killed by this signal.
    Terminated(u8),
    /// [`Interrupter::interrupt`] was called (the debugger sent data, e.g. Ctrl-C).
    Interrupted,
}

/// Makes a running [`DebugTarget::resume`] return [`Stop::Interrupted`] at the next block
/// boundary. Cloned to the thread that watches the debugger's connection.
#[derive(Clone)]
pub struct Interrupter {
    requested: Arc<AtomicBool>,
    /// Address of the vCPU's `CoreState::interrupt` word.
    word: usize,
}

impl Interrupter {
    /// # Safety
    /// `word` must point to the `CoreState::interrupt` field of a CPU state that outlives
    /// every clone of this value; that field may be written from any thread.
    pub unsafe fn new(word: *mut u64) -> Interrupter {
        Interrupter {
            requested: Arc::new(AtomicBool::new(false)),
            word: word as usize,
        }
    }

    pub fn interrupt(&self) {
        // The flag first: the run loop checks it after it has cleared the word.
        self.requested.store(true, Ordering::SeqCst);
        // SAFETY: constructor contract; the run loop reads the word volatile.
        unsafe { std::ptr::write_volatile(self.word as *mut u64, 1) };
    }

    /// Whether an interrupt was requested since the last call (clears the request).
    pub fn take_request(&self) -> bool {
        self.requested.swap(false, Ordering::SeqCst)
    }
}

/// One debuggable machine (user mode: the guest's main thread; system mode: a vCPU).
pub trait DebugTarget {
    /// The vCPU's registers.
    fn cpu(&mut self) -> &mut CpuState;

    /// PSTATE as gdb's `cpsr` register (NZCV, and in system mode the EL/SP/DAIF bits).
    fn pstate(&mut self) -> u32;
    fn set_pstate(&mut self, value: u32);

    /// System registers the debugger may read, as (name, op0:op1:CRn:CRm:op2 encoding).
    fn system_registers(&self) -> &'static [(&'static str, u16)] {
        &[]
    }
    fn read_system_register(&mut self, _encoding: u16) -> Option<u64> {
        None
    }

    /// Reads guest virtual memory without side effects on the guest; returns how many
    /// bytes from `addr` on could be read (less than `buf.len()` at the first
    /// inaccessible byte).
    fn read_memory(&mut self, addr: u64, buf: &mut [u8]) -> usize;
    /// Writes guest virtual memory; `Err(address)` of the first byte that is not
    /// writable (then nothing is written).
    fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<(), u64>;

    /// Runs the guest under `hooks` until it stops. `signal`: deliver this signal (the
    /// one the last [`Stop::Signal`] reported, or another) before running; `None`
    /// discards a signal the last stop reported.
    fn resume(&mut self, hooks: DebugHooks, signal: Option<u8>) -> Stop;

    /// Something that stops a running [`DebugTarget::resume`] from another thread.
    fn interrupter(&self) -> Interrupter;

    /// The debugger went away (detach or lost connection): drop all debug hooks.
    fn detach(&mut self);

    /// The debugger asked to kill the guest. Does not return.
    fn kill(&mut self) -> !;

    /// The auxiliary vector (user mode), for gdb to find the program's load address.
    fn auxv(&self) -> Option<&[u8]> {
        None
    }

    /// `monitor reset`.
    fn reset(&mut self) -> Result<(), String>;
    /// `monitor regs`: the EL1 system state, as text.
    fn el1_state(&mut self) -> Result<String, String>;
    /// `monitor translate ADDR`: how a virtual address maps, as text.
    fn translate(&mut self, addr: u64) -> String;
    /// `monitor icount`: guest instructions executed so far, if the machine counts them.
    fn instructions_executed(&mut self) -> Option<u64>;
}

/// How the session ends the process from inside a syscall (`exit_group`, death by a
/// signal), where the stub's own loop is not running: the registered notifier sends gdb
/// the final `W`/`X` packet.
static PROCESS_END_NOTIFIER: std::sync::Mutex<Option<ProcessEndNotifier>> =
    std::sync::Mutex::new(None);

type ProcessEndNotifier = Box<dyn FnMut(Stop) + Send>;

pub(crate) fn set_process_end_notifier(f: Option<ProcessEndNotifier>) {
    *PROCESS_END_NOTIFIER
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = f;
}

/// The process that owns the debugger connection, and the connection's descriptor: a
/// guest `fork` copies both into the child, which must leave them to the parent.
static SESSION_OWNER: AtomicI32 = AtomicI32::new(0);
static SESSION_FD: AtomicI32 = AtomicI32::new(-1);

pub(crate) fn set_session(fd: Option<i32>) {
    // SAFETY: getpid cannot fail.
    SESSION_OWNER.store(unsafe { libc::getpid() }, Ordering::SeqCst);
    SESSION_FD.store(fd.unwrap_or(-1), Ordering::SeqCst);
}

/// In a process forked by the debugged guest (QEMU's user mode does the same): closes
/// this process's copy of the debugger connection and forgets the session, so the child
/// runs on undebugged and never talks to the parent's gdb. Returns whether it did.
pub fn leave_session_if_forked() -> bool {
    let owner = SESSION_OWNER.load(Ordering::SeqCst);
    // SAFETY: getpid cannot fail.
    if owner == 0 || owner == unsafe { libc::getpid() } {
        return false;
    }
    let fd = SESSION_FD.swap(-1, Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: our (inherited) copy of the connection; the parent keeps its own.
        unsafe { libc::close(fd) };
    }
    SESSION_OWNER.store(0, Ordering::SeqCst);
    set_process_end_notifier(None);
    true
}

/// Tells an attached debugger that the guest process ends (`Stop::Exited` or
/// `Stop::Terminated`). Does nothing without a debugger.
pub fn notify_process_end(how: Stop) {
    let mut slot = PROCESS_END_NOTIFIER
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(f) = slot.as_mut() {
        f(how);
    }
    *slot = None;
}

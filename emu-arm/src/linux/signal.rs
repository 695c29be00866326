//! Signals: guest dispositions, the host handler that turns host signals into pending
//! guest signals, the AArch64 signal frame (`struct rt_sigframe`) and `rt_sigreturn`,
//! and dying of a signal the way a native process would.
//!
//! Guest and host signal numbers are the same (both use the generic numbering), and the
//! guest's blocked mask is mirrored into the host thread's mask, so signals the guest
//! blocks wait in the host kernel and `rt_sigtimedwait`/`rt_sigpending` can ask it.

use super::process::{lock, print_stats, Process, Thread};
use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;

pub const NSIG: usize = 64;

pub const SIGHUP: usize = 1;
pub const SIGINT: usize = 2;
pub const SIGQUIT: usize = 3;
pub const SIGILL: usize = 4;
pub const SIGTRAP: usize = 5;
pub const SIGABRT: usize = 6;
pub const SIGBUS: usize = 7;
pub const SIGFPE: usize = 8;
pub const SIGKILL: usize = 9;
pub const SIGSEGV: usize = 11;
pub const SIGPIPE: usize = 13;
pub const SIGCHLD: usize = 17;
pub const SIGCONT: usize = 18;
pub const SIGSTOP: usize = 19;
pub const SIGTSTP: usize = 20;
pub const SIGTTIN: usize = 21;
pub const SIGTTOU: usize = 22;
pub const SIGURG: usize = 23;
pub const SIGWINCH: usize = 28;

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

pub const SA_SIGINFO: u64 = 0x4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

pub const ILL_ILLOPC: i32 = 1;
pub const TRAP_BRKPT: i32 = 1;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const BUS_ADRALN: i32 = 1;
pub const BUS_ADRERR: i32 = 2;
pub const SI_TKILL: i32 = -6;

pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
/// arm64's MINSIGSTKSZ (uapi/asm/signal.h); also what we report in AT_MINSIGSTKSZ, and
/// larger than our frame (FRAME_SIZE + the frame record).
pub const MINSIGSTKSZ: u64 = 5120;

pub const fn bit(sig: usize) -> u64 {
    1u64 << (sig - 1)
}

/// SIGKILL and SIGSTOP can be neither blocked nor caught.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);
/// Signals the host kernel raises for faults *of the emulator itself*: never blocked or
/// caught on the host (guest faults are detected in software, never by host signals).
pub const HOST_SYNCHRONOUS: u64 =
    bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGFPE) | bit(SIGTRAP);

/// A guest `struct sigaction` (arm64 kernel layout: handler, flags, restorer, mask).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// A `siginfo_t` (128 bytes; the same generic layout on arm64 and x86-64).
#[derive(Clone, Copy, Debug)]
pub struct SigInfo(pub [u8; 128]);

impl SigInfo {
    fn header(sig: usize, code: i32) -> SigInfo {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&(sig as i32).to_le_bytes());
        b[8..12].copy_from_slice(&code.to_le_bytes());
        SigInfo(b)
    }
    /// A fault signal: si_addr = `addr`.
    pub fn fault(sig: usize, code: i32, addr: u64) -> SigInfo {
        let mut i = Self::header(sig, code);
        i.0[16..24].copy_from_slice(&addr.to_le_bytes());
        i
    }
    /// A signal sent by a process (kill/tgkill): si_pid and si_uid.
    pub fn sent(sig: usize, code: i32) -> SigInfo {
        let mut i = Self::header(sig, code);
        // SAFETY: getpid/getuid cannot fail.
        let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
        i.0[16..20].copy_from_slice(&pid.to_le_bytes());
        i.0[20..24].copy_from_slice(&uid.to_le_bytes());
        i
    }
}

/// The alternate signal stack (`sigaltstack`).
#[derive(Clone, Copy, Debug, Default)]
pub struct AltStack {
    pub sp: u64,
    pub size: u64,
    /// SS_DISABLE when none is set.
    pub flags: i32,
}

impl AltStack {
    pub fn enabled(&self) -> bool {
        self.size != 0 && self.flags & SS_DISABLE == 0
    }
    pub fn contains(&self, sp: u64) -> bool {
        self.enabled() && sp > self.sp && sp - self.sp <= self.size
    }
}

/// Pending signals of one guest thread. Written by the host signal handler (on this
/// thread) and by other guest threads; read by the thread's run loop.
pub struct ThreadSignals {
    pending: AtomicU64,
    info: [UnsafeCell<[u8; 128]>; NSIG + 1],
    /// The thread's `CoreState::interrupt`, set to make its run loop stop.
    interrupt: AtomicPtr<u64>,
}

// SAFETY: `info` slots are written before the pending bit is published and read after it
// is taken; a concurrent second raise of the same signal only changes which info is seen,
// which is the coalescing Linux does for standard signals too.
unsafe impl Sync for ThreadSignals {}
unsafe impl Send for ThreadSignals {}

impl Default for ThreadSignals {
    fn default() -> Self {
        ThreadSignals {
            pending: AtomicU64::new(0),
            info: std::array::from_fn(|_| UnsafeCell::new([0; 128])),
            interrupt: AtomicPtr::new(std::ptr::null_mut()),
        }
    }
}

impl ThreadSignals {
    pub fn set_interrupt_target(&self, p: *mut u64) {
        self.interrupt.store(p, Ordering::SeqCst);
    }

    /// Marks `sig` pending with `info` and stops the thread's run loop. Async-signal-safe.
    pub fn raise(&self, sig: usize, info: &[u8; 128]) {
        if sig == 0 || sig > NSIG {
            return;
        }
        // SAFETY: see the Sync impl.
        unsafe { *self.info[sig].get() = *info };
        self.pending.fetch_or(bit(sig), Ordering::SeqCst);
        let p = self.interrupt.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: points at the thread's boxed CPU state, alive while registered.
            unsafe { std::ptr::write_volatile(p, 1) };
        }
    }

    pub fn peek(&self) -> u64 {
        self.pending.load(Ordering::SeqCst)
    }

    /// Takes `sig` off the pending set, returning its info if it was pending.
    pub fn take(&self, sig: usize) -> Option<SigInfo> {
        if sig == 0 || sig > NSIG {
            return None;
        }
        let old = self.pending.fetch_and(!bit(sig), Ordering::SeqCst);
        // SAFETY: see the Sync impl.
        (old & bit(sig) != 0).then(|| SigInfo(unsafe { *self.info[sig].get() }))
    }

    pub fn clear_interrupt(&self) {
        let p = self.interrupt.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: as in raise.
            unsafe { std::ptr::write_volatile(p, 0) };
        }
    }
}

thread_local! {
    /// The signal state of the guest thread running on this host thread.
    static CURRENT: Cell<*const ThreadSignals> = const { Cell::new(std::ptr::null()) };
}

pub fn set_current(s: &Arc<ThreadSignals>) {
    CURRENT.with(|c| c.set(Arc::as_ptr(s)));
}

/// The interrupt flag of the guest thread running on this host thread, if any.
pub fn current_interrupt_flag() -> Option<*const u64> {
    CURRENT.with(|c| {
        let t = c.get();
        if t.is_null() {
            return None;
        }
        // SAFETY: CURRENT is cleared before its ThreadSignals can be dropped.
        let p = unsafe { (*t).interrupt.load(Ordering::SeqCst) };
        (!p.is_null()).then_some(p as *const u64)
    })
}

pub fn clear_current() {
    CURRENT.with(|c| c.set(std::ptr::null()));
}

/// The host handler for every signal the guest catches: queue it for the guest.
extern "C" fn host_handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    CURRENT.with(|c| {
        let t = c.get();
        if t.is_null() || info.is_null() {
            return;
        }
        let mut raw = [0u8; 128];
        // SAFETY: the kernel passes a full siginfo_t (128 bytes).
        unsafe { std::ptr::copy_nonoverlapping(info as *const u8, raw.as_mut_ptr(), 128) };
        // SAFETY: CURRENT is cleared before the ThreadSignals can be dropped.
        unsafe { (*t).raise(sig as usize, &raw) };
        // SAFETY: ctx is the handler's ucontext.
        unsafe { super::safe_syscall::rewind_if_before_syscall(ctx) };
    });
}

/// The host handler for fault-type signals the guest catches. Sent ones (kill, tgkill:
/// si_code <= 0) are queued for the guest like any other signal; one the host kernel
/// raised for a fault is an emulator bug: fall back to the default action, so returning
/// re-executes the faulting host instruction and the process dies as it would have.
extern "C" fn host_sync_handler(
    sig: libc::c_int,
    info: *mut libc::siginfo_t,
    ctx: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo_t.
    let sent = !info.is_null() && unsafe { (*info).si_code } <= 0;
    if sent {
        host_handler(sig, info, ctx);
        return;
    }
    let memory_fault = sig == libc::SIGSEGV || sig == libc::SIGBUS;
    // The interpreter's guest load or store, allowed by the guest's permissions but
    // refused by the host (past the end of a mapped file, or unmapped by another thread
    // since the check): it returns the signal, and the guest gets its SIGBUS or SIGSEGV.
    // SAFETY: the handler's own context.
    if memory_fault && unsafe { emu_core::guarded::fixup(sig, ctx) } {
        return;
    }
    // A guest load or store in compiled code that the guest's page permissions (or the
    // host) refuse: the runtime re-runs it in the interpreter, which raises the guest's
    // fault.
    // SAFETY: the handler's own arguments.
    if memory_fault && unsafe { emu_core::jit::hostfault::handle_host_fault(info, ctx) } {
        return;
    }
    // Other emulator code checks guest permissions before it touches guest memory, so a
    // fault there on guest memory means another guest thread unmapped or protected the
    // pages in between (a race the guest loses on Linux too), or a system call touched a
    // mapped file past its end. The process ends by that signal, as a guest crash does,
    // with one line saying why.
    // SAFETY: the kernel's siginfo for a fault carries the address.
    if memory_fault
        && !info.is_null()
        && emu_core::jit::hostfault::in_guest_space(unsafe { (*info).si_addr() } as usize)
    {
        const MSG: &[u8] = b"emu: guest memory refused the emulator (unmapped or protected by \
            another guest thread, or a mapped file's end); ending the process by that signal\n";
        // SAFETY: write(2) is async-signal-safe.
        unsafe { libc::write(2, MSG.as_ptr().cast(), MSG.len()) };
    }
    let dfl = KernelSigaction {
        handler: libc::SIG_DFL,
        flags: HOST_SA_RESTORER,
        restorer: host_restorer as *const () as usize,
        mask: 0,
    };
    // SAFETY: restoring the default action from a signal handler is async-signal-safe.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            &dfl as *const KernelSigaction,
            std::ptr::null_mut::<KernelSigaction>(),
            8usize,
        );
    }
}

/// x86-64 `rt_sigreturn` trampoline for the host handler (the raw `rt_sigaction` we use
/// needs SA_RESTORER, which glibc normally supplies).
#[unsafe(naked)]
unsafe extern "C" fn host_restorer() {
    core::arch::naked_asm!("mov eax, 15", "syscall", "ud2")
}

/// The kernel's x86-64 `struct sigaction` for the raw syscall.
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

const HOST_SA_RESTORER: u64 = 0x0400_0000;

/// Installs the host disposition that implements guest action `act` for `sig`. Uses the
/// raw syscall so real-time signals 32 and 33, which glibc keeps for itself, work too.
pub fn install_host(sig: usize, act: &SigAction) {
    if sig == 0 || sig > NSIG || bit(sig) & UNBLOCKABLE != 0 {
        return;
    }
    // Fault-type signals always go through the handler that tells a sent signal (for
    // the guest, whatever its disposition) from a host fault (fatal, as without us).
    let synchronous = bit(sig) & HOST_SYNCHRONOUS != 0;
    let ksa = match act.handler {
        SIG_DFL | SIG_IGN if !synchronous => KernelSigaction {
            handler: act.handler as usize,
            flags: HOST_SA_RESTORER,
            restorer: host_restorer as *const () as usize,
            mask: 0,
        },
        _ => KernelSigaction {
            // SIG_DFL/SIG_IGN only reach here for fault-type signals.
            handler: if synchronous {
                host_sync_handler as *const () as usize
            } else {
                host_handler as *const () as usize
            },
            // No SA_RESTART: a blocking host syscall must return EINTR so that the guest's
            // handler runs; the run loop restarts the guest syscall if the guest asked.
            flags: libc::SA_SIGINFO as u64 | HOST_SA_RESTORER,
            restorer: host_restorer as *const () as usize,
            mask: !0,
        },
    };
    // SAFETY: a valid kernel sigaction; the handler is async-signal-safe.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig as libc::c_int,
            &ksa as *const KernelSigaction,
            std::ptr::null_mut::<KernelSigaction>(),
            8usize,
        );
    }
}

/// Reads the host's disposition handler for `sig` (SIG_DFL, SIG_IGN or a handler).
fn host_handler_of(sig: usize) -> usize {
    let mut old = KernelSigaction {
        handler: 0,
        flags: 0,
        restorer: 0,
        mask: 0,
    };
    // SAFETY: querying only.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig as libc::c_int,
            std::ptr::null::<KernelSigaction>(),
            &mut old as *mut KernelSigaction,
            8usize,
        );
    }
    old.handler
}

/// Process start-up: no core dumps (a guest crash is not an emulator crash, as in QEMU)
/// and signals ignored by our parent stay ignored in the guest, as across execve.
pub fn init_process(proc: &Process) {
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain setrlimit.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
    let mut acts = lock(&proc.actions);
    for (sig, act) in acts.iter_mut().enumerate().skip(1) {
        if sig == SIGPIPE {
            // The Rust runtime ignores SIGPIPE before main, so the host disposition says
            // nothing about what we inherited; the command line does (execve passes it on).
            continue;
        }
        if host_handler_of(sig) == libc::SIG_IGN {
            act.handler = SIG_IGN;
        }
    }
    for sig in 1..=NSIG {
        if bit(sig) & HOST_SYNCHRONOUS != 0 {
            install_host(sig, &acts[sig]);
        }
    }
    let pipe = SigAction {
        handler: if proc.opts.sigpipe_ignored {
            SIG_IGN
        } else {
            SIG_DFL
        },
        ..SigAction::default()
    };
    acts[SIGPIPE] = pipe;
    install_host(SIGPIPE, &pipe);
}

/// The host thread's blocked mask.
pub fn host_mask() -> u64 {
    let mut old = 0u64;
    // SAFETY: raw rt_sigprocmask with an 8-byte set.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_BLOCK,
            std::ptr::null::<u64>(),
            &mut old as *mut u64,
            8usize,
        );
    }
    old
}

/// Mirrors the guest mask into the host thread's mask (minus fault signals).
pub fn set_host_mask(mask: u64) {
    let m = mask & !HOST_SYNCHRONOUS & !UNBLOCKABLE;
    // SAFETY: raw rt_sigprocmask with an 8-byte set.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &m as *const u64,
            std::ptr::null_mut::<u64>(),
            8usize,
        );
    }
}

/// The mask to pass to a host call that atomically swaps masks (ppoll, sigsuspend).
pub fn host_view_of_mask(mask: u64) -> u64 {
    mask & !HOST_SYNCHRONOUS & !UNBLOCKABLE
}

/// Ends the process as if killed by `sig`, so the parent sees the same wait status as for
/// a native program (and the shell prints e.g. "Illegal instruction").
pub fn die_by_signal(t: &Thread, sig: usize) -> ! {
    crate::gdb::notify_process_end(crate::gdb::Stop::Terminated(
        super::debug_target::linux_to_gdb_signal(sig),
    ));
    print_stats(t.proc, Some(t));
    let dfl = KernelSigaction {
        handler: libc::SIG_DFL,
        flags: HOST_SA_RESTORER,
        restorer: host_restorer as *const () as usize,
        mask: 0,
    };
    let unblock = bit(sig);
    // SAFETY: restoring the default action and raising the signal on ourselves.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig as libc::c_int,
            &dfl as *const KernelSigaction,
            std::ptr::null_mut::<KernelSigaction>(),
            8usize,
        );
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_UNBLOCK,
            &unblock as *const u64,
            std::ptr::null_mut::<u64>(),
            8usize,
        );
        libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), sig as i32);
        // Still alive (a signal whose default is to stop, then continued): exit as the
        // shell would report a signal death.
        libc::_exit(128 + sig as i32)
    }
}

/// The default action of a signal nobody handles.
fn default_action(t: &Thread, sig: usize) {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH | SIGCONT => {}
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => {
            // SAFETY: stopping ourselves; the shell's SIGCONT resumes us.
            unsafe { libc::kill(libc::getpid(), libc::SIGSTOP) };
        }
        _ => die_by_signal(t, sig),
    }
}

// Layout of the arm64 `struct rt_sigframe` (arch/arm64/kernel/signal.c, uapi sigcontext.h).
const UC: u64 = 128;
const UC_STACK: u64 = UC + 16;
const UC_SIGMASK: u64 = UC + 40;
const MC: u64 = UC + 176;
const MC_FAULT_ADDRESS: u64 = MC;
const MC_REGS: u64 = MC + 8;
const MC_SP: u64 = MC + 256;
const MC_PC: u64 = MC + 264;
const MC_PSTATE: u64 = MC + 272;
const MC_RESERVED: u64 = MC + 288;
const RESERVED_SIZE: u64 = 4096;
/// sizeof(struct rt_sigframe).
pub const FRAME_SIZE: u64 = MC_RESERVED + RESERVED_SIZE;
// A frame and its frame record always fit in a minimal alternate stack.
const _: () = assert!(FRAME_SIZE + 16 <= MINSIGSTKSZ);
const FPSIMD_MAGIC: u32 = 0x4650_8001;
const FPSIMD_SIZE: u32 = 528;

fn put(buf: &mut [u8], off: u64, bytes: &[u8]) {
    let o = off as usize;
    buf[o..o + bytes.len()].copy_from_slice(bytes);
}

fn get_u64(buf: &[u8], off: u64) -> u64 {
    let o = off as usize;
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[o..o + 8]);
    u64::from_le_bytes(b)
}

fn get_u32(buf: &[u8], off: u64) -> u32 {
    let o = off as usize;
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[o..o + 4]);
    u32::from_le_bytes(b)
}

/// Delivers `sig` to the guest: runs its handler, or its default action. A `forced`
/// (synchronous) signal that is blocked or ignored kills the process, as in Linux.
pub fn deliver(t: &mut Thread, sig: usize, info: &SigInfo, forced: bool) {
    let mut act = t.proc.action(sig);
    if forced && (act.handler == SIG_IGN || t.mask & bit(sig) != 0) {
        act.handler = SIG_DFL;
    }
    tracing::debug!(target: "int", "tid {}: signal {sig}{} at pc {:#x}: {}", t.tid,
        if forced { " (raised by the instruction)" } else { "" }, t.cpu.core.pc,
        match act.handler { SIG_IGN => "ignored".to_string(), SIG_DFL => "default action".to_string(),
            h => format!("handler {h:#x}") });
    match act.handler {
        SIG_IGN => {}
        SIG_DFL => default_action(t, sig),
        _ => {
            if setup_frame(t, sig, info, &act).is_err() {
                // The handler's stack is unusable: the kernel kills with SIGSEGV.
                die_by_signal(t, SIGSEGV);
            }
        }
    }
}

/// Builds the signal frame on the guest stack and points the CPU at the handler.
fn setup_frame(t: &mut Thread, sig: usize, info: &SigInfo, act: &SigAction) -> Result<(), u64> {
    let mem = t.mem();
    let cpu = &mut t.cpu;
    let mut sp = cpu.x[31];
    let on_alt = t.altstack.contains(sp);
    if act.flags & SA_ONSTACK != 0 && t.altstack.enabled() && !on_alt {
        sp = t.altstack.sp.wrapping_add(t.altstack.size);
    }
    let record = sp.wrapping_sub(16) & !15;
    let frame = record.wrapping_sub(FRAME_SIZE) & !15;
    let old_mask = t.saved_mask.take().unwrap_or(t.mask);

    let mut buf = vec![0u8; FRAME_SIZE as usize];
    put(&mut buf, 0, &info.0);
    let ss_flags = if !t.altstack.enabled() {
        SS_DISABLE
    } else if t.altstack.contains(sp) {
        SS_ONSTACK
    } else {
        0
    };
    put(&mut buf, UC_STACK, &t.altstack.sp.to_le_bytes());
    put(&mut buf, UC_STACK + 8, &ss_flags.to_le_bytes());
    put(&mut buf, UC_STACK + 16, &t.altstack.size.to_le_bytes());
    put(&mut buf, UC_SIGMASK, &old_mask.to_le_bytes());
    put(
        &mut buf,
        MC_FAULT_ADDRESS,
        &cpu.core.fault_addr.to_le_bytes(),
    );
    for i in 0..31 {
        put(&mut buf, MC_REGS + 8 * i as u64, &cpu.x[i].to_le_bytes());
    }
    put(&mut buf, MC_SP, &cpu.x[31].to_le_bytes());
    put(&mut buf, MC_PC, &cpu.core.pc.to_le_bytes());
    put(&mut buf, MC_PSTATE, &cpu.nzcv().to_le_bytes());
    put(&mut buf, MC_RESERVED, &FPSIMD_MAGIC.to_le_bytes());
    put(&mut buf, MC_RESERVED + 4, &FPSIMD_SIZE.to_le_bytes());
    put(&mut buf, MC_RESERVED + 8, &(cpu.fpsr as u32).to_le_bytes());
    put(&mut buf, MC_RESERVED + 12, &(cpu.fpcr as u32).to_le_bytes());
    for (i, v) in cpu.vreg.iter().enumerate() {
        let off = MC_RESERVED + 16 + 16 * i as u64;
        put(&mut buf, off, &v[0].to_le_bytes());
        put(&mut buf, off + 8, &v[1].to_le_bytes());
    }
    // The record after fpsimd_context stays zero: the terminating null record.
    mem.write_bytes(frame, &buf)?;
    let mut rec = [0u8; 16];
    rec[..8].copy_from_slice(&cpu.x[29].to_le_bytes());
    rec[8..].copy_from_slice(&cpu.x[30].to_le_bytes());
    mem.write_bytes(record, &rec)?;

    cpu.x[0] = sig as u64;
    if act.flags & SA_SIGINFO != 0 {
        cpu.x[1] = frame;
        cpu.x[2] = frame + UC;
    }
    cpu.x[29] = record;
    cpu.x[30] = if act.flags & SA_RESTORER != 0 && act.restorer != 0 {
        act.restorer
    } else {
        t.proc.sigreturn_trampoline
    };
    cpu.x[31] = frame;
    cpu.core.pc = act.handler;
    cpu.excl_addr = u64::MAX;

    let mut mask = old_mask | act.mask;
    if act.flags & SA_NODEFER == 0 {
        mask |= bit(sig);
    }
    if act.flags & SA_RESETHAND != 0 {
        let dfl = SigAction::default();
        if let Some(a) = lock(&t.proc.actions).get_mut(sig) {
            *a = dfl;
        }
        install_host(sig, &dfl);
    }
    t.set_mask(mask);
    Ok(())
}

/// `rt_sigreturn`: restores everything the frame at SP saved. `Err` = unreadable or
/// corrupt frame (the kernel answers with SIGSEGV).
pub fn sigreturn(t: &mut Thread) -> Result<(), u64> {
    let mem = t.mem();
    let frame = t.cpu.x[31];
    let mut buf = vec![0u8; FRAME_SIZE as usize];
    mem.read_bytes(frame, &mut buf)?;
    let mut fp: Option<(u32, u32, [[u64; 2]; 32])> = None;
    let mut off = 0u64;
    while off + 8 <= RESERVED_SIZE {
        let magic = get_u32(&buf, MC_RESERVED + off);
        let size = get_u32(&buf, MC_RESERVED + off + 4) as u64;
        if magic == 0 {
            break;
        }
        if size < 8 || off + size > RESERVED_SIZE {
            return Err(frame);
        }
        if magic == FPSIMD_MAGIC && size >= FPSIMD_SIZE as u64 {
            let base = MC_RESERVED + off;
            let mut v = [[0u64; 2]; 32];
            for (i, r) in v.iter_mut().enumerate() {
                let o = base + 16 + 16 * i as u64;
                *r = [get_u64(&buf, o), get_u64(&buf, o + 8)];
            }
            fp = Some((get_u32(&buf, base + 8), get_u32(&buf, base + 12), v));
        }
        off += size;
    }
    let cpu = &mut t.cpu;
    for i in 0..31 {
        cpu.x[i] = get_u64(&buf, MC_REGS + 8 * i as u64);
    }
    cpu.x[31] = get_u64(&buf, MC_SP);
    cpu.core.pc = get_u64(&buf, MC_PC);
    cpu.set_nzcv(get_u64(&buf, MC_PSTATE));
    if let Some((fpsr, fpcr, v)) = fp {
        cpu.fpsr = fpsr as u64;
        cpu.fpcr = fpcr as u64;
        cpu.vreg = v;
    }
    cpu.excl_addr = u64::MAX;
    let mask = get_u64(&buf, UC_SIGMASK);
    t.set_mask(mask);
    // The kernel's restore_altstack: the saved alternate stack comes back, unless the
    // handler is running on the current one (then sigaltstack would fail with EPERM).
    if !t.altstack.contains(frame) {
        let flags = get_u32(&buf, UC_STACK + 8) as i32;
        t.altstack = if flags & SS_DISABLE != 0 {
            AltStack {
                sp: 0,
                size: 0,
                flags: SS_DISABLE,
            }
        } else {
            AltStack {
                sp: get_u64(&buf, UC_STACK),
                size: get_u64(&buf, UC_STACK + 16),
                flags: 0,
            }
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_layout_matches_the_arm64_kernel() {
        // sizeof(struct rt_sigframe) on arm64: siginfo (128) + ucontext (4560).
        assert_eq!(FRAME_SIZE, 4688);
        assert_eq!(MC % 16, 0);
        assert_eq!(MC_RESERVED % 16, 0);
    }

    #[test]
    fn pending_take_and_interrupt() {
        let s = ThreadSignals::default();
        let mut flag = 0u64;
        s.set_interrupt_target(&mut flag);
        let info = SigInfo::sent(10, SI_TKILL);
        s.raise(10, &info.0);
        assert_eq!(flag, 1);
        assert_eq!(s.peek(), bit(10));
        assert!(s.take(12).is_none());
        let got = s.take(10).unwrap();
        assert_eq!(&got.0[..4], &10i32.to_le_bytes());
        assert_eq!(s.peek(), 0);
        s.clear_interrupt();
        assert_eq!(flag, 0);
        s.raise(0, &info.0); // out of range: ignored
        s.raise(65, &info.0);
        assert_eq!(s.peek(), 0);
    }
}

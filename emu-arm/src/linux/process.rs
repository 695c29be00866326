//! A guest process and its threads: program start-up (address space, ELF images, initial
//! stack) and the run loop of one guest thread, which turns every exit of the runtime into
//! what the Linux kernel would do (a syscall, a signal, ...).

use super::elf::{self, LoadError, LoadedElf, Placement};
use super::mm::MemMap;
use super::signal::{self, SigAction, ThreadSignals};
use super::stack::{self, AuxInfo};
use super::syscall;
use crate::exits;
use crate::guest::A64;
use crate::state::CpuState;
use emu_core::emit::{perm, Exit};
use emu_core::mem::{GuestSpace, MemView, PAGE_SIZE};
use emu_core::runtime::{Runtime, Stats, TierConfig};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// How the emulator was asked to run the program (from the command line).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `-L`/`--sysroot`: where the guest's absolute paths are looked up first.
    pub sysroot: Option<PathBuf>,
    pub tier: TierConfig,
    /// Print runtime counters to stderr when the guest exits.
    pub stats: bool,
    pub trace_in_asm: bool,
    pub trace_exec: bool,
    /// The emulator binary and the options that `execve` passes on when it re-executes the
    /// emulator for the new guest program (sysroot, tier, ...).
    pub emulator: PathBuf,
    pub reexec_options: Vec<OsString>,
    /// The guest starts with SIGPIPE ignored (it was ignored across the guest's execve).
    pub sigpipe_ignored: bool,
    /// `--semihosting`: `HLT #0xF000` is a semihosting call, with host files confined to
    /// this directory (else `HLT` raises SIGILL, as on Linux).
    pub semihosting_root: Option<PathBuf>,
    /// `--trace-range`: only blocks starting in this range are traced (in_asm, exec).
    pub trace_range: Option<std::ops::Range<u64>>,
    /// `--gdb HOST:PORT`: wait there for gdb before the first instruction, then run
    /// under its control (not passed on to programs the guest executes).
    pub gdb: Option<String>,
    /// `--timeout`: when the guest must be done (guest processes forked later stop at
    /// the same time; see [`start_timeout`]).
    pub deadline: Option<std::time::SystemTime>,
}

/// Why the program could not be started: printed as `emu: <what>: <why>`.
#[derive(Debug, Clone)]
pub struct StartError {
    pub what: String,
    pub why: String,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.why)
    }
}

/// Bytes of the main thread's stack: RLIMIT_STACK as Linux lets the stack grow to, within
/// [8 MiB, 1 GiB] (mapped up front; host pages are allocated only when touched).
fn stack_size() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit into a local.
    let cur = if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut r) } == 0 {
        r.rlim_cur
    } else {
        0
    };
    (cur & !(PAGE_SIZE - 1)).clamp(8 << 20, 1 << 30)
}
/// Gap between the stack and the top of the mmap area, as Linux leaves room for growth.
const STACK_GAP: u64 = 256 << 20;
/// Nothing is mapped below this (Linux's default vm.mmap_min_addr).
const MMAP_MIN: u64 = 0x1_0000;

/// State shared by all threads of the guest process. Lives for the rest of the process.
pub struct Process {
    pub space: GuestSpace,
    pub mm: Mutex<MemMap>,
    pub opts: Options,
    /// The host path of the running guest program (what /proc/self/exe shows).
    pub exe_path: PathBuf,
    /// The initial auxiliary vector (for /proc/self/auxv).
    pub auxv: Vec<(u64, u64)>,
    /// argv joined with NULs (for /proc/self/cmdline).
    pub cmdline: Vec<u8>,
    /// The main thread's stack range (shown as [stack] in /proc/self/maps).
    pub stack_range: (u64, u64),
    /// The guest's signal dispositions, index = signal number (0 unused).
    pub actions: Mutex<[SigAction; signal::NSIG + 1]>,
    /// Guest address of the `rt_sigreturn` trampoline handlers return to.
    pub sigreturn_trampoline: u64,
    /// Live threads by tid, for signals sent between them and for the thread count.
    pub threads: Mutex<HashMap<i32, Arc<ThreadSignals>>>,
    /// Runtime counters of exited threads (for `--stats`).
    pub finished_stats: Mutex<Stats>,
    /// Exits of exited threads' run loops, by reason (for `--stats`).
    pub finished_exits: Mutex<ExitCounts>,
    /// Guest instructions executed by exited threads (for `--stats`).
    pub finished_insns: AtomicU64,
    /// The main thread's initial stack pointer.
    pub initial_sp: u64,
    /// Semihosting state, with `--semihosting`.
    pub semihosting: Option<Mutex<super::semihosting::UserSemihosting>>,
}

/// How often the run loop came back with each exit reason (`--stats`).
#[derive(Clone, Debug, Default)]
pub struct ExitCounts {
    counts: HashMap<Exit, u64>,
}

impl ExitCounts {
    pub fn count(&mut self, e: Exit) {
        *self.counts.entry(e).or_default() += 1;
    }

    pub fn add(&mut self, other: &ExitCounts) {
        for (e, n) in &other.counts {
            *self.counts.entry(*e).or_default() += n;
        }
    }

    /// "svc 120, read fault 1, ...", most frequent first.
    pub fn summary(&self) -> String {
        let mut v: Vec<(Exit, u64)> = self.counts.iter().map(|(e, n)| (*e, *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0 .0.cmp(&b.0 .0)));
        let parts: Vec<String> = v
            .iter()
            .map(|(e, n)| format!("{} {n}", exits::name(*e)))
            .collect();
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Locks a mutex, ignoring poisoning: a panicking guest thread must not wedge the others.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Process {
    pub fn mem(&self) -> MemView {
        self.space.view()
    }

    pub fn action(&self, sig: usize) -> SigAction {
        lock(&self.actions).get(sig).copied().unwrap_or_default()
    }

    pub fn thread_count(&self) -> usize {
        lock(&self.threads).len()
    }
}

/// One guest thread: its CPU state, its own runtime (block cache, compiled code), and the
/// per-thread parts of the Linux ABI.
pub struct Thread {
    pub proc: &'static Process,
    pub cpu: Box<CpuState>,
    pub rt: Runtime<A64>,
    pub tid: i32,
    pub sig: Arc<ThreadSignals>,
    /// The guest's blocked-signal mask (bit n-1 = signal n).
    pub mask: u64,
    /// A mask to restore once a signal has been delivered (rt_sigsuspend, ppoll, ...).
    pub saved_mask: Option<u64>,
    /// A synchronous signal raised by this thread's own execution (fault, UNDEF, BRK),
    /// delivered before anything else.
    pub forced: Option<(usize, signal::SigInfo)>,
    pub altstack: signal::AltStack,
    /// CLONE_CHILD_CLEARTID / set_tid_address: zeroed and woken when the thread exits.
    pub clear_child_tid: u64,
    pub robust_list: (u64, u64),
    /// This thread's run-loop exits by reason (counted only with `--stats`).
    pub exits: ExitCounts,
}

/// What the run loop does after a syscall.
pub enum Flow {
    Continue,
    /// `exit`: end this thread.
    ExitThread(i32),
}

pub fn gettid() -> i32 {
    // SAFETY: gettid cannot fail.
    unsafe { libc::gettid() }
}

impl Thread {
    pub fn new(proc: &'static Process, cpu: Box<CpuState>) -> Result<Thread, String> {
        let mut tier = proc.opts.tier;
        // --stats reports guest instructions executed (counted per block by both tiers).
        tier.count_insns |= proc.opts.stats;
        // The process's SIGSEGV handler (signal::init_process) passes compiled code's
        // guest faults to the runtime, and the guest space's host protection mirrors the
        // guest's: compiled loads and stores need no permission check.
        tier.jit_settings.host_faults = true;
        let mut rt = Runtime::new(proc.mem(), tier)?;
        rt.trace_in_asm = proc.opts.trace_in_asm;
        rt.trace_exec = proc.opts.trace_exec;
        if let Some(r) = &proc.opts.trace_range {
            rt.trace_range = r.clone();
        }
        let tid = gettid();
        let mut t = Thread {
            proc,
            cpu,
            rt,
            tid,
            sig: Arc::new(ThreadSignals::default()),
            mask: 0,
            saved_mask: None,
            forced: None,
            altstack: signal::AltStack::default(),
            clear_child_tid: 0,
            robust_list: (0, 0),
            exits: ExitCounts::default(),
        };
        t.register();
        Ok(t)
    }

    /// Makes this thread reachable by signals: from host signal handlers (through the
    /// thread-local pointer) and from other guest threads (through the registry).
    pub fn register(&mut self) {
        self.tid = gettid();
        self.sig.set_interrupt_target(&mut self.cpu.core.interrupt);
        signal::set_current(&self.sig);
        lock(&self.proc.threads).insert(self.tid, self.sig.clone());
    }

    pub fn mem(&self) -> MemView {
        self.proc.mem()
    }

    /// Runs guest code until the thread exits; returns its exit code.
    pub fn run(&mut self) -> i32 {
        loop {
            let state = self.cpu.as_mut_ptr();
            // SAFETY: the CPU state is boxed, owned by this thread and outlives the call.
            let exit = unsafe { self.rt.run(state) };
            if let Flow::ExitThread(code) = self.handle_exit(exit) {
                return code;
            }
            self.deliver_signals();
        }
    }

    pub(crate) fn handle_exit(&mut self, exit: Exit) -> Flow {
        let pc = self.cpu.core.pc;
        if self.proc.opts.stats {
            self.exits.count(exit);
        }
        match exit {
            exits::SVC => return self.svc(),
            exits::HLT if self.cpu.core.exit_arg == crate::semihosting::HLT_IMM => {
                if let Some(state) = &self.proc.semihosting {
                    return super::semihosting::call(self, state);
                }
                self.force(signal::SIGILL, signal::ILL_ILLOPC, pc);
            }
            exits::UNDEF => {
                let word = self.cpu.core.exit_arg as u32;
                tracing::debug!(target: "unimp", "undefined or unimplemented instruction {word:#010x} at {pc:#x}: {}",
                    crate::disas::disassemble(&crate::decode::decode(word), pc));
                self.force(signal::SIGILL, signal::ILL_ILLOPC, pc);
            }
            exits::HLT | exits::HVC | exits::SMC => {
                self.force(signal::SIGILL, signal::ILL_ILLOPC, pc);
            }
            exits::BRK => self.force(signal::SIGTRAP, signal::TRAP_BRKPT, pc),
            Exit::FAULT_EXEC if !self.cpu.core.fault_addr.is_multiple_of(4) => {
                // A misaligned pc is an alignment fault on arm64 Linux, not a SEGV.
                let addr = self.cpu.core.fault_addr;
                self.force(signal::SIGBUS, signal::BUS_ADRALN, addr);
            }
            Exit::FAULT_READ | Exit::FAULT_WRITE | Exit::FAULT_EXEC => {
                let addr = self.cpu.core.fault_addr;
                let page = addr & !(PAGE_SIZE - 1);
                let mapped = lock(&self.proc.mm).is_mapped(page, page.saturating_add(PAGE_SIZE));
                let code = if mapped {
                    signal::SEGV_ACCERR
                } else {
                    signal::SEGV_MAPERR
                };
                self.force(signal::SIGSEGV, code, addr);
            }
            Exit::ALIGNMENT => {
                let addr = self.cpu.core.fault_addr;
                self.force(signal::SIGBUS, signal::BUS_ADRALN, addr);
            }
            Exit::FAULT_BUS => {
                let addr = self.cpu.core.fault_addr;
                self.force(signal::SIGBUS, signal::BUS_ADRERR, addr);
            }
            exits::YIELD | exits::WFI => {
                std::thread::yield_now();
            }
            // INTERRUPT: pending signals are looked at by the caller; JUMP and FLUSH_CODE
            // are handled inside the runtime and do not normally come out here.
            _ => {}
        }
        Flow::Continue
    }

    /// Records a synchronous signal caused by the current instruction.
    pub fn force(&mut self, sig: usize, code: i32, addr: u64) {
        self.forced = Some((sig, signal::SigInfo::fault(sig, code, addr)));
    }

    fn svc(&mut self) -> Flow {
        // A signal that arrived while guest code ran is delivered before the syscall runs,
        // so a blocking syscall cannot sleep on it: rewind to the SVC, which runs again
        // when the handler returns.
        if self.has_deliverable_signal() {
            self.cpu.core.pc -= 4;
            return Flow::Continue;
        }
        let nr = self.cpu.x[8];
        let args = [
            self.cpu.x[0],
            self.cpu.x[1],
            self.cpu.x[2],
            self.cpu.x[3],
            self.cpu.x[4],
            self.cpu.x[5],
        ];
        match syscall::dispatch(self, nr, args) {
            syscall::Outcome::Return(Err(super::safe_syscall::ERESTARTSYS)) => {
                // A signal arrived before the host call started: deliver it, then run
                // the SVC again (arguments are still in X0-X5).
                self.cpu.core.pc -= 4;
                Flow::Continue
            }
            syscall::Outcome::Return(r) => {
                if r == Err(super::errno::EINTR) && syscall::restartable(nr) {
                    // The host call was interrupted by a signal for the guest. With
                    // SA_RESTART on that signal's handler the kernel restarts the call
                    // after the handler: rewind to the SVC with the arguments intact.
                    if let Some(sig) = self.next_deliverable_signal() {
                        if self.proc.action(sig).flags & signal::SA_RESTART != 0 {
                            self.cpu.core.pc -= 4;
                            return Flow::Continue;
                        }
                    }
                }
                self.cpu.x[0] = super::errno::to_x0(r);
                Flow::Continue
            }
            syscall::Outcome::NoReturnValue => Flow::Continue,
            syscall::Outcome::ExitThread(code) => Flow::ExitThread(code),
        }
    }

    /// The lowest-numbered pending signal that is not blocked, if any.
    pub fn next_deliverable_signal(&self) -> Option<usize> {
        let pending = self.sig.peek() & !self.mask;
        (pending != 0).then(|| pending.trailing_zeros() as usize + 1)
    }

    pub fn has_deliverable_signal(&self) -> bool {
        self.forced.is_some() || self.next_deliverable_signal().is_some()
    }

    /// Delivers the forced signal and every pending unblocked signal (each handler's frame
    /// nests on the previous one, as Linux does).
    pub fn deliver_signals(&mut self) {
        self.sig.clear_interrupt();
        if let Some((sig, info)) = self.forced.take() {
            signal::deliver(self, sig, &info, true);
        }
        while let Some(sig) = self.next_deliverable_signal() {
            let Some(info) = self.sig.take(sig) else {
                break;
            };
            signal::deliver(self, sig, &info, false);
        }
        if let Some(m) = self.saved_mask.take() {
            self.set_mask(m);
        }
    }

    /// Changes the guest signal mask, and the host thread's mask with it, so that signals
    /// the guest blocks stay pending in the host kernel (where rt_sigpending and
    /// rt_sigtimedwait find them).
    pub fn set_mask(&mut self, mask: u64) {
        self.mask = mask & !signal::UNBLOCKABLE;
        signal::set_host_mask(self.mask);
    }

    /// Ends this thread as the kernel does: clear the tid word and wake its futex, then
    /// leave the registry.
    pub fn finish(&mut self) {
        if self.clear_child_tid != 0 {
            let mem = self.mem();
            if mem
                .write_bytes(self.clear_child_tid, &0u32.to_le_bytes())
                .is_ok()
            {
                // SAFETY: the address was just written, so it is mapped guest memory.
                unsafe {
                    libc::syscall(
                        libc::SYS_futex,
                        mem.host(self.clear_child_tid),
                        libc::FUTEX_WAKE,
                        i32::MAX,
                        0,
                        0,
                        0,
                    );
                }
            }
        }
        signal::clear_current();
        {
            // Under the threads lock (which raise_internal holds while it raises), so no
            // other thread can write through the interrupt pointer after our CPU state,
            // which it points into, is freed.
            let mut threads = lock(&self.proc.threads);
            threads.remove(&self.tid);
            self.sig.set_interrupt_target(std::ptr::null_mut());
        }
        add_stats(&mut lock(&self.proc.finished_stats), &self.rt.stats);
        lock(&self.proc.finished_exits).add(&self.exits);
        self.proc
            .finished_insns
            .fetch_add(self.cpu.core.icount, Ordering::Relaxed);
    }
}

fn add_stats(into: &mut Stats, s: &Stats) {
    into.blocks_translated += s.blocks_translated;
    into.blocks_compiled += s.blocks_compiled;
    into.compile_failures += s.compile_failures;
    into.compile_time += s.compile_time;
    into.interp_block_runs += s.interp_block_runs;
    into.jit_block_runs += s.jit_block_runs;
    into.flushes += s.flushes;
    into.compiles_queued += s.compiles_queued;
    into.compiles_discarded += s.compiles_discarded;
    into.queue_full += s.queue_full;
    into.compiles_hurried += s.compiles_hurried;
    into.compiles_inline += s.compiles_inline;
    into.host_faults += s.host_faults;
    into.restarts += s.restarts;
}

/// Prints `--stats` counters for the whole process: exited threads plus `current` (the
/// thread that is ending the process, if it has not finished yet).
/// A copy of emu's own stderr taken at startup (`keep_stderr`), so `--stats` reach the
/// user even when the guest has closed or reused fd 2 (xz and sha256sum close it before
/// exiting; a guest may even have opened a file there, which must not receive our
/// report). -1: not taken, use fd 2.
static EMU_STDERR: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// Duplicates fd 2 to a high, close-on-exec descriptor for emu's own reports.
pub fn keep_stderr() {
    // SAFETY: F_DUPFD_CLOEXEC only creates a new descriptor.
    let fd = unsafe { libc::fcntl(2, libc::F_DUPFD_CLOEXEC, 900) };
    if fd >= 0 {
        EMU_STDERR.store(fd, Ordering::Relaxed);
    }
}

/// Writes a report line to emu's own stderr (see `keep_stderr`).
fn report(text: &str) {
    let fd = match EMU_STDERR.load(Ordering::Relaxed) {
        -1 => 2,
        fd => fd,
    };
    let bytes = text.as_bytes();
    let mut done = 0;
    while done < bytes.len() {
        // SAFETY: writing from a live buffer.
        let n = unsafe {
            libc::write(
                fd,
                bytes[done..].as_ptr() as *const libc::c_void,
                bytes.len() - done,
            )
        };
        if n <= 0 {
            return;
        }
        done += n as usize;
    }
}

pub fn print_stats(proc: &Process, current: Option<&Thread>) {
    if !proc.opts.stats {
        return;
    }
    let mut s = *lock(&proc.finished_stats);
    let mut exits = lock(&proc.finished_exits).clone();
    let mut insns = proc.finished_insns.load(Ordering::Relaxed);
    if let Some(t) = current {
        add_stats(&mut s, &t.rt.stats);
        exits.add(&t.exits);
        insns += t.cpu.core.icount;
    }
    report(&format!(
        "emu: stats: blocks translated {}, compiled {} (failed {}), compile time {:.3} ms, \
         background compiles queued {} (discarded {}, queue full {}, moved ahead {}, compiled in line {})\n\
         emu: stats: guest instructions executed {insns}, block runs: interpreter {} jit {} \
         (entries from the run loop), code flushes {}, guest faults caught by the host {} \
         (out of range {})\n\
         emu: stats: exits to the run loop: {}\n",
        s.blocks_translated,
        s.blocks_compiled,
        s.compile_failures,
        s.compile_time.as_secs_f64() * 1e3,
        s.compiles_queued,
        s.compiles_discarded,
        s.queue_full,
        s.compiles_hurried,
        s.compiles_inline,
        s.interp_block_runs,
        s.jit_block_runs,
        s.flushes,
        s.host_faults,
        s.restarts,
        exits.summary()
    ));
}

/// Ends the whole process with `code` (exit_group), after `--stats`.
pub fn exit_group(t: &Thread, code: i32) -> ! {
    crate::gdb::notify_process_end(crate::gdb::Stop::Exited(code));
    print_stats(t.proc, Some(t));
    // SAFETY: _exit ends the process; nothing needs unwinding.
    unsafe { libc::_exit(code) }
}

/// `--timeout`: at `deadline` this process ends with status 124 (TIMEOUT_STATUS), every
/// guest thread with it, running or blocked in a host syscall, after printing `why`.
/// Called at start-up, and again in each guest process the guest forks (a fork keeps
/// only the calling thread, so the child needs a timer of its own): nothing the guest
/// started outlives the deadline.
pub fn start_timeout(deadline: std::time::SystemTime, why: String) -> std::io::Result<()> {
    emu_core::timeout::Timeout::start(deadline, move || {
        // One write, so lines of processes stopping together do not interleave.
        let line = format!("emu: --timeout: {why}; stopped\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        // SAFETY: ends the process at once; no guest thread needs unwinding.
        unsafe { libc::_exit(emu_core::timeout::TIMEOUT_STATUS) }
    })
    .map(|_| ())
}

/// Reserves the largest guest address space the host allows, up to the 48-bit user
/// space an AArch64 Linux process has.
fn reserve_space() -> Result<GuestSpace, String> {
    let mut last = String::new();
    for bits in [47u32, 46, 44, 42, 40, 38, 36] {
        // 1 << 47 is the whole host user space, so reserve one page less than that.
        let size = (1u64 << bits) - if bits == 47 { 1 << 32 } else { 0 };
        match GuestSpace::new(size) {
            Ok(s) => {
                emu_core::jit::hostfault::note_guest_space(s.view().host_range());
                return Ok(s);
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("cannot reserve a guest address space: {last}"))
}

/// An I/O error's text without the "(os error N)" suffix, for one-line messages.
fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A program found on disk: its host path, contents and the argv it runs with (a #!
/// script becomes its interpreter, with the script path as an argument).
struct Program {
    path: PathBuf,
    data: Vec<u8>,
    args: Vec<Vec<u8>>,
}

/// Finds a path inside the sysroot (following symlinks within it), else on the host.
pub fn find_in_sysroot(sysroot: Option<&Path>, guest: &Path) -> PathBuf {
    if let Some(root) = sysroot {
        if guest.is_absolute() {
            if let Some(p) = super::paths::resolve_in_root(root, guest) {
                return p;
            }
        }
    }
    guest.to_path_buf()
}

/// Reads a program or interpreter file. Like the kernel's execve, only a regular file will
/// do (`/dev/zero` or a FIFO would otherwise be read without end), and a size cap keeps a
/// huge file from exhausting host memory.
fn read_executable(path: &Path) -> std::io::Result<Vec<u8>> {
    const MAX_PROGRAM_SIZE: u64 = 1 << 30;
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::from_raw_os_error(libc::EISDIR));
    }
    if !meta.is_file() {
        return Err(std::io::Error::from_raw_os_error(libc::EACCES));
    }
    if meta.len() > MAX_PROGRAM_SIZE {
        return Err(std::io::Error::from_raw_os_error(libc::EFBIG));
    }
    std::fs::read(path)
}

/// Reads a program, following `#!` lines the way the kernel's binfmt_script does.
fn read_program(opts: &Options, path: &Path, args: Vec<Vec<u8>>) -> Result<Program, StartError> {
    let what = path.display().to_string();
    let mut path = path.to_path_buf();
    let mut args = args;
    for _ in 0..5 {
        let data = read_executable(&path).map_err(|e| StartError {
            what: path.display().to_string(),
            why: io_message(&e),
        })?;
        if !data.starts_with(b"#!") {
            return Ok(Program { path, data, args });
        }
        let line_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let line = &data[2..line_end.min(256)];
        let line = String::from_utf8_lossy(line);
        let mut parts = line.trim().splitn(2, [' ', '\t']);
        let interp = parts.next().unwrap_or("").to_string();
        if interp.is_empty() {
            return Err(StartError {
                what,
                why: "#! line names no interpreter".into(),
            });
        }
        let opt_arg = parts.next().map(|s| s.trim().to_string());
        let mut new_args = vec![interp.clone().into_bytes()];
        if let Some(a) = opt_arg.filter(|a| !a.is_empty()) {
            new_args.push(a.into_bytes());
        }
        new_args.push(path.as_os_str().as_encoded_bytes().to_vec());
        new_args.extend(args.into_iter().skip(1));
        args = new_args;
        path = find_in_sysroot(opts.sysroot.as_deref(), Path::new(&interp));
    }
    Err(StartError {
        what,
        why: "too many levels of #! interpreters".into(),
    })
}

/// Loads `program` with `args` and `env` into a fresh process and runs its main thread.
/// Returns the exit status if the main thread exits (exit_group does not return).
pub fn start(
    opts: Options,
    program: &Path,
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
) -> Result<i32, StartError> {
    let mut opts = opts;
    if opts.gdb.is_some() {
        // `monitor icount` reports the guest's instruction count.
        opts.tier.count_insns = true;
    }
    let prog = read_program(&opts, program, args)?;
    let what = prog.path.display().to_string();
    let fail = |why: String| StartError {
        what: what.clone(),
        why,
    };
    elf::check_header(&prog.data).map_err(|e| fail(e.0))?;

    let space = reserve_space().map_err(fail)?;
    let limit = space.view().limit;
    let stack_top = limit;
    let stack_len = stack_size();
    let stack_bottom = stack_top - stack_len;
    let mut mm = MemMap::new(MMAP_MIN, stack_bottom - STACK_GAP);

    let main = elf::load(
        &space,
        &mut mm,
        &prog.path,
        &prog.data,
        Placement::Preferred(elf::PIE_BASE),
    )
    .map_err(|e: LoadError| fail(e.0))?;

    let interp: Option<LoadedElf> = match &main.interp {
        Some(name) => {
            let host = find_in_sysroot(opts.sysroot.as_deref(), Path::new(name));
            let data = read_executable(&host).map_err(|e| {
                let root = opts
                    .sysroot
                    .as_ref()
                    .map_or("none (use --sysroot)".to_string(), |r| {
                        r.display().to_string()
                    });
                fail(format!(
                    "cannot load the ELF interpreter {name} (sysroot: {root}): {}",
                    io_message(&e)
                ))
            })?;
            let img = elf::load(&space, &mut mm, &host, &data, Placement::Anywhere)
                .map_err(|e| fail(format!("ELF interpreter {name}: {e}")))?;
            Some(img)
        }
        None => None,
    };

    // The break starts at the page after the main program's highest segment.
    let brk = emu_core::mem::page_ceil(main.end).unwrap_or(main.end);
    mm.brk_start = brk;
    mm.brk = brk;

    let stack_perms = perm::READ | perm::WRITE | if main.exec_stack { perm::EXEC } else { 0 };
    space
        .map_anon(stack_bottom, stack_len, stack_perms)
        .map_err(|e| fail(format!("cannot map the stack: {e}")))?;
    mm.insert(stack_bottom, stack_top);

    // The signal return trampoline: `mov x8, #139 (rt_sigreturn); svc #0`.
    let tramp = mm
        .find_free(PAGE_SIZE)
        .ok_or_else(|| fail("no room for the signal trampoline".into()))?;
    space
        .map_anon(tramp, PAGE_SIZE, perm::READ | perm::WRITE)
        .map_err(|e| fail(format!("cannot map the signal trampoline: {e}")))?;
    let code: Vec<u8> = [0xd280_1168u32, 0xd400_0001]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let _ = space.view().write_bytes(tramp, &code);
    let _ = space.protect(tramp, PAGE_SIZE, perm::READ | perm::EXEC);
    mm.insert(tramp, tramp + PAGE_SIZE);

    let execfn = program.as_os_str().as_encoded_bytes().to_vec();
    let aux = AuxInfo {
        phdr: main.phdr,
        phent: main.phent,
        phnum: main.phnum,
        base: interp.as_ref().map_or(0, |i| i.bias),
        entry: main.entry,
        minsigstksz: signal::MINSIGSTKSZ,
    };
    let st = stack::build(&space.view(), stack_top, &prog.args, &env, &execfn, &aux)
        .map_err(|a| fail(format!("arguments do not fit on the stack (at {a:#x})")))?;

    let exe_path = std::fs::canonicalize(&prog.path).unwrap_or(prog.path.clone());
    let semihosting = match &opts.semihosting_root {
        Some(root) => {
            // SYS_GET_CMDLINE: the arguments joined by spaces, the program first (QEMU).
            let cmdline = prog.args.join(&b' ');
            let state =
                crate::semihosting::Semihosting::new(root, cmdline).map_err(|e| StartError {
                    what: root.display().to_string(),
                    why: format!("--semihosting-root: {}", io_message(&e)),
                })?;
            Some(super::semihosting::UserSemihosting::new(state))
        }
        None => None,
    };
    let proc: &'static Process = Box::leak(Box::new(Process {
        space,
        mm: Mutex::new(mm),
        opts,
        exe_path,
        auxv: st.auxv.clone(),
        cmdline: prog
            .args
            .iter()
            .flat_map(|a| a.iter().copied().chain([0]))
            .collect(),
        stack_range: (stack_bottom, stack_top),
        actions: Mutex::new([SigAction::default(); signal::NSIG + 1]),
        sigreturn_trampoline: tramp,
        threads: Mutex::new(HashMap::new()),
        finished_stats: Mutex::new(Stats::default()),
        finished_exits: Mutex::new(ExitCounts::default()),
        finished_insns: AtomicU64::new(0),
        initial_sp: st.sp,
        semihosting,
    }));

    let mut cpu = Box::new(CpuState::default());
    cpu.core.pc = interp.as_ref().map_or(main.entry, |i| i.entry);
    cpu.x[31] = st.sp;
    let gdb_listener = match &proc.opts.gdb {
        Some(addr) => {
            let l = std::net::TcpListener::bind(addr.as_str())
                .map_err(|e| fail(format!("--gdb {addr}: {}", io_message(&e))))?;
            let shown = l.local_addr().map_or(addr.clone(), |a| a.to_string());
            eprintln!("emu: gdb: waiting for a connection on {shown}");
            Some(l)
        }
        None => None,
    };
    let mut thread = Thread::new(proc, cpu).map_err(fail)?;
    // Like execve, keep the blocked mask and the ignored signals we inherited.
    thread.set_mask(signal::host_mask());
    signal::init_process(proc);
    let code = match gdb_listener {
        Some(l) => super::debug_target::run_under_gdb(&mut thread, l),
        None => thread.run(),
    };
    thread.finish();
    if proc.thread_count() > 0 {
        // The main thread called `exit` while others run: like Linux, end only this
        // thread (returning from main would end the whole process); the last thread's
        // exit ends the process.
        // SAFETY: ends the calling host thread only; nothing of it is used afterwards.
        unsafe { libc::syscall(libc::SYS_exit, code) };
    }
    print_stats(proc, None);
    Ok(code)
}

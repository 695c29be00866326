//! `emu boot --gdb HOST:PORT [--gdb-wait]`: the machine's vCPU debugged through gdb's
//! remote protocol, as QEMU's `-gdb tcp::PORT` (`-s`) and `-S` do.
//!
//! The protocol, the breakpoint/watchpoint bookkeeping and the generic monitor commands are
//! emu-arm's `gdb::stub`, shared with user mode; this file is the system-mode
//! [`DebugTarget`]: it runs the vCPU the way `vcpu.rs` does (interrupts, exceptions, WFI,
//! PSCI power requests) but under the debugger's hooks, stopping for breakpoints, steps,
//! watchpoints and Ctrl-C.
//!
//! - Registers: X0–X30, SP, PC, PSTATE as `cpsr` (NZCV, DAIF, EL, SPSel; writable: a
//!   written mode switches the banked SP as an exception would), V0–V31, FPSR, FPCR; the
//!   EL1 system registers of `emu_arm::sys::debug` read-only (gdb's `info registers
//!   system`, or `p $ESR_EL1`).
//! - Memory is guest *virtual*, translated through the current tables without filling
//!   the TLB or touching devices; unmapped addresses are an error reply.
//! - A single step runs exactly one instruction; an instruction that raises an exception
//!   ends its step at the vector. Pending interrupts are not taken while stepping (QEMU's
//!   default, `SSTEP_NOIRQ`), so `stepi` stays in the code being debugged.
//! - Without `--gdb-wait` the machine runs at once and gdb may attach at any time; after a
//!   detach it runs on and another gdb may attach.
//! - `monitor reset` (and a guest PSCI SYSTEM_RESET while debugged) resets the CPU to
//!   its boot state and RAM to its contents at boot (the loaded images); devices keep their
//!   state (they have no reset yet). Restarting the process, as `vcpu.rs` does, would
//!   drop the debugger's connection.
//! - While a debugger is attached the guest's time keeps running (the timer thread goes
//!   on), as with QEMU's default clock.
//! - `--gdb` turns instruction counting on (`monitor icount`; counted per block, so a
//!   block that faults part-way counts whole). Without breakpoints or watchpoints the
//!   machine otherwise runs as without `--gdb` (compiled code, chaining).
//!
//! Not supported: writing system registers (read-only, as QEMU's are except a few);
//! physical-memory access mode (QEMU's `maintenance packet Qqemu.PhyMemMode:1`); more
//! than one vCPU (`--smp 1` only, so there is one GDB thread); non-stop mode, tracepoints
//! and reverse execution; a reset of the devices by `monitor reset`.

use super::console;
use super::machine::Board;
use crate::EMULATOR_ERROR;
use emu_arm::gdb::{self, DebugTarget, Interrupter, Outcome, Stop};
use emu_arm::guest::A64;
use emu_arm::state::CpuState;
use emu_arm::sys::exception::{self, Outcome as CpuOutcome};
use emu_arm::sys::{self, debug, Platform, SysCpu};
use emu_core::debug::{self as hooks, DebugHooks, WatchKind};
use emu_core::emit::Exit;
use emu_core::runtime::Runtime;
use std::net::{TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// `--gdb` and `--gdb-wait`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GdbOptions {
    /// Where to listen, `HOST:PORT` (port 0: any free port; the chosen one is printed).
    pub address: String,
    /// Do not run the guest before a debugger has attached and resumed it.
    pub wait: bool,
}

/// What the debugged machine is made of (owned by `vcpu.rs`).
pub struct Machine<'a> {
    pub cpu: &'a mut CpuState,
    pub rt: &'a mut Runtime<A64>,
    pub board: &'a Arc<Board>,
    /// The boot state `monitor reset` returns to.
    pub entry: u64,
    pub x0: u64,
    /// `--no-reboot`: a guest reset request ends the emulator.
    pub no_reboot: bool,
}

/// How long WFI sleeps at most while debugged before it looks for a debugger request
/// (the Ctrl-C watcher interrupts translated code, but cannot wake the WFI sleep).
/// A longer WFI completes spuriously, which the architecture allows.
const WFI_POLL: Duration = Duration::from_millis(20);

/// gdb's number for SIGABRT: how an emulator failure is reported.
const GDB_SIGABRT: u8 = 6;

/// RAM pages that were not zero when the machine was loaded: what `monitor reset`
/// restores (the kernel, initrd and device tree).
struct RamSnapshot {
    pages: Vec<(u64, Box<[u8]>)>,
}

const PAGE: usize = 4096;

/// The guest-physical addresses of the RAM pages the host has backed with memory: the
/// only ones that can hold anything but zeros (guest RAM is anonymous memory, untouched
/// until the loader or the guest writes it). One `mincore` call instead of reading
/// hundreds of MiB.
fn resident_pages(board: &Board) -> Vec<u64> {
    let ram = &board.ram;
    let pages = (ram.size() as usize).div_ceil(PAGE);
    let mut residency = vec![0u8; pages];
    // SAFETY: the range is guest RAM's host mapping (page-aligned, `size` bytes long) and
    // `residency` has one byte per page of it.
    let r = unsafe {
        libc::mincore(
            ram.host_base().cast(),
            ram.size() as usize,
            residency.as_mut_ptr().cast(),
        )
    };
    if r != 0 {
        // Cannot tell: treat every page as possibly non-zero.
        residency.fill(1);
    }
    residency
        .iter()
        .enumerate()
        .filter(|(_, &flags)| flags & 1 != 0)
        .map(|(i, _)| ram.base() + (i * PAGE) as u64)
        .collect()
}

impl RamSnapshot {
    /// Copies every non-zero page of RAM.
    fn take(board: &Board) -> RamSnapshot {
        let ram = &board.ram;
        let mut pages = Vec::new();
        let mut buf = vec![0u8; PAGE];
        for pa in resident_pages(board) {
            if ram.read(pa, &mut buf).is_ok() && buf.iter().any(|&b| b != 0) {
                pages.push((pa, buf.clone().into_boxed_slice()));
            }
        }
        RamSnapshot { pages }
    }

    /// Puts RAM back as it was: every page that is not zero now is zeroed, then the
    /// snapshot's pages are written back.
    fn restore(&self, board: &Board) {
        let ram = &board.ram;
        let zero = vec![0u8; PAGE];
        let mut buf = vec![0u8; PAGE];
        for pa in resident_pages(board) {
            if ram.read(pa, &mut buf).is_ok() && buf.iter().any(|&b| b != 0) {
                let _ = ram.write(pa, &zero);
            }
        }
        for (pa, data) in &self.pages {
            let _ = ram.write(*pa, data);
        }
    }
}

/// The system-mode [`DebugTarget`]: the machine's one vCPU.
pub struct SysDebugTarget<'a> {
    m: Machine<'a>,
    interrupter: Interrupter,
    snapshot: RamSnapshot,
}

impl<'a> SysDebugTarget<'a> {
    pub fn new(m: Machine<'a>) -> SysDebugTarget<'a> {
        // SAFETY: vcpu.rs leaks the CPU state, so its interrupt word outlives every clone.
        let interrupter = unsafe { Interrupter::new(&mut m.cpu.core.interrupt) };
        let snapshot = RamSnapshot::take(m.board);
        SysDebugTarget {
            m,
            interrupter,
            snapshot,
        }
    }

    /// The CPU's system half, beside `&mut self.m.cpu`.
    fn sys<'s>(&mut self) -> &'s mut SysCpu {
        let state = self.m.cpu.as_mut_ptr();
        // SAFETY: vcpu.rs attached a leaked SysCpu to this leaked state, and only this
        // (the vCPU) thread uses it; callers never hold two of these at once.
        match unsafe { sys::sys_cpu(state) } {
            Some(s) => s,
            None => console::exit_with_error("gdb", "the vCPU has no system state"),
        }
    }

    /// Why the runtime returned [`Exit::DEBUG`].
    fn debug_stop(&self) -> Stop {
        let core = &self.m.cpu.core;
        match core.exit_arg {
            hooks::reason::BREAKPOINT => Stop::Breakpoint,
            hooks::reason::STEP => Stop::StepDone,
            arg => match WatchKind::from_exit_arg(arg) {
                Some(kind) => Stop::Watch {
                    kind,
                    addr: core.fault_addr,
                },
                None => Stop::StepDone,
            },
        }
    }

    /// Resets the CPU and RAM to the boot state (see the module notes).
    fn reset_machine(&mut self) {
        let (entry, x0) = (self.m.entry, self.m.x0);
        sys::reset(self.m.cpu, entry, x0);
        self.snapshot.restore(self.m.board);
        self.m.board.ram.clear_all_code();
        self.m.rt.flush();
    }

    fn cpu_index(&mut self) -> usize {
        self.sys().index
    }
}

impl DebugTarget for SysDebugTarget<'_> {
    fn cpu(&mut self) -> &mut CpuState {
        self.m.cpu
    }

    fn pstate(&mut self) -> u32 {
        let sys = self.sys();
        debug::pstate(self.m.cpu, sys)
    }

    fn set_pstate(&mut self, value: u32) {
        let sys = self.sys();
        debug::set_pstate(self.m.cpu, sys, value);
    }

    fn system_registers(&self) -> &'static [(&'static str, u16)] {
        debug::DEBUGGER_SYSTEM_REGISTERS
    }

    fn read_system_register(&mut self, encoding: u16) -> Option<u64> {
        let sys = self.sys();
        debug::read_system_register(self.m.cpu, sys, encoding)
    }

    fn read_memory(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        debug::read_virtual(self.sys(), addr, buf)
    }

    fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<(), u64> {
        debug::poke_virtual(self.sys(), addr, data)
    }

    fn resume(&mut self, debug_hooks: DebugHooks, _signal: Option<u8>) -> Stop {
        // There are no signals in system mode: the guest takes its exceptions itself, so
        // a signal gdb passes on has nothing to be delivered to.
        let step = debug_hooks.single_step;
        self.m.rt.set_debug_hooks(debug_hooks);
        let board = self.m.board.clone();
        let events = board.events.clone();
        loop {
            // Clear kicks first: a Ctrl-C arriving after the check below sets the word
            // again and stops the run.
            events.take_kick();
            if self.interrupter.take_request() {
                return Stop::Interrupted;
            }
            if !step {
                exception::take_pending_interrupt(self.m.cpu);
            }
            // SAFETY: the state is leaked (valid forever) and only this thread runs it.
            let exit = unsafe { self.m.rt.run(self.m.cpu.as_mut_ptr()) };
            if exit == Exit::DEBUG {
                return self.debug_stop();
            }
            match exception::handle_exit(self.m.cpu, exit) {
                CpuOutcome::Continue => {}
                // A stepped WFI is done; otherwise sleep a while (see WFI_POLL).
                CpuOutcome::WaitForInterrupt if step => {}
                CpuOutcome::WaitForInterrupt => {
                    let cpu = self.cpu_index();
                    events.wait_for_kick(
                        || board.irq_pending(cpu) || board.fiq_pending(cpu),
                        Some(WFI_POLL),
                    );
                }
                CpuOutcome::PowerOff => return Stop::Exited(0),
                CpuOutcome::Reset if self.m.no_reboot => return Stop::Exited(0),
                CpuOutcome::Reset => {
                    eprintln!("emu: gdb: the guest asked for a reset: CPU and RAM reset");
                    self.reset_machine();
                }
                CpuOutcome::CpuOff => {
                    eprintln!("emu: the only CPU turned itself off (PSCI CPU_OFF): halted");
                    return Stop::Exited(0);
                }
                CpuOutcome::Semihosting => {
                    eprintln!("emu: boot: semihosting call, but it is not enabled");
                    return Stop::Terminated(GDB_SIGABRT);
                }
                CpuOutcome::Fatal(why) => {
                    eprintln!("emu: boot: {why} (pc {:#x})", self.m.cpu.core.pc);
                    return Stop::Terminated(GDB_SIGABRT);
                }
            }
            // A step whose instruction left the runtime (exception, HVC, WFI...) is done
            // once the exit is handled; an interrupt exit came before it ran.
            if step && exit != Exit::INTERRUPT {
                return Stop::StepDone;
            }
        }
    }

    fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    fn detach(&mut self) {
        self.m.rt.set_debug_hooks(DebugHooks::default());
    }

    fn kill(&mut self) -> ! {
        // As QEMU does on gdb's `kill`.
        eprintln!("emu: terminated by the debugger");
        console::exit(0)
    }

    fn reset(&mut self) -> Result<(), String> {
        self.reset_machine();
        Ok(())
    }

    fn el1_state(&mut self) -> Result<String, String> {
        let sys = self.sys();
        Ok(debug::el1_state_text(self.m.cpu, sys))
    }

    fn translate(&mut self, addr: u64) -> String {
        debug::translation_text(self.sys(), addr)
    }

    fn instructions_executed(&mut self) -> Option<u64> {
        // `--gdb` turns counting on (boot/mod.rs).
        self.m
            .rt
            .config()
            .count_insns
            .then_some(self.m.cpu.core.icount)
    }
}

/// Waits for gdb on a helper thread while the machine runs; the connection arrives on the
/// returned channel, and the vCPU is interrupted to pick it up.
fn accept_in_background(
    listener: &TcpListener,
    interrupter: Interrupter,
) -> Result<mpsc::Receiver<TcpStream>, String> {
    let listener = listener.try_clone().map_err(|e| format!("listener: {e}"))?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("gdb-accept".into())
        .spawn(move || {
            if let Ok((conn, _)) = listener.accept() {
                // The connection first: the vCPU looks for it once interrupted.
                if tx.send(conn).is_ok() {
                    interrupter.interrupt();
                }
            }
        })
        .map_err(|e| format!("cannot start the gdb listener thread: {e}"))?;
    Ok(rx)
}

/// Runs the machine with a gdb server on `opts.address` until it powers off (or `monitor
/// quit`, or gdb kills it); returns the emulator's exit status.
pub fn run(m: Machine<'_>, opts: &GdbOptions) -> i32 {
    let listener = match TcpListener::bind(opts.address.as_str()) {
        Ok(l) => l,
        Err(e) => console::exit_with_error(&format!("--gdb {}", opts.address), &e.to_string()),
    };
    let shown = listener
        .local_addr()
        .map_or(opts.address.clone(), |a| a.to_string());
    eprintln!("emu: gdb: waiting for a connection on {shown}");
    let mut target = SysDebugTarget::new(m);
    let mut next = if opts.wait {
        match listener.accept() {
            Ok((c, _)) => Some(c),
            Err(e) => console::exit_with_error("gdb", &format!("accept: {e}")),
        }
    } else {
        None
    };
    loop {
        let conn = match next.take() {
            Some(c) => c,
            None => match run_until_attached(&mut target, &listener) {
                Ok(c) => c,
                Err(code) => return code,
            },
        };
        match gdb::serve(&mut target, conn) {
            Ok(Outcome::Exited(code)) => return code,
            Ok(Outcome::Quit) => return 0,
            Ok(Outcome::Terminated(_)) => return EMULATOR_ERROR,
            Ok(Outcome::Detached) => {
                eprintln!("emu: gdb: detached; the machine runs on");
            }
            Err(e) => eprintln!("emu: gdb: {e}; the machine runs on"),
        }
    }
}

/// Runs the machine without debug hooks until a debugger connects (`Ok`) or the machine
/// ends (`Err(status)`).
fn run_until_attached(
    target: &mut SysDebugTarget<'_>,
    listener: &TcpListener,
) -> Result<TcpStream, i32> {
    let incoming = match accept_in_background(listener, target.interrupter()) {
        Ok(rx) => rx,
        Err(e) => console::exit_with_error("gdb", &e),
    };
    loop {
        match target.resume(DebugHooks::default(), None) {
            Stop::Interrupted => {
                if let Ok(conn) = incoming.try_recv() {
                    return Ok(conn);
                }
            }
            Stop::Exited(code) => return Err(code),
            Stop::Terminated(_) => return Err(EMULATOR_ERROR),
            // Without hooks nothing else stops the machine.
            _ => {}
        }
    }
}

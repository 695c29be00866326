//! The `gdbstub` target, written once against [`DebugTarget`], and the session loop.
//!
//! Supported: registers (`g`/`G`/`p`/`P`: X0–X30, SP, PC, CPSR, V0–V31, FPSR, FPCR, and
//! the target's system registers read-only), memory (`m`/`M`/`X`), `c`/`s`/`vCont` with
//! signals, software and hardware breakpoints (`Z0`/`Z1`), write/read/access watchpoints
//! (`Z2`/`Z3`/`Z4`), Ctrl-C, `D` (detach), `k`/`vKill`, `qRcmd` (monitor commands),
//! `qXfer:features:read` (target.xml) and `qXfer:auxv:read`. One thread only.

use super::arch::{CoreRegs, EmuAArch64, RegId};
use super::{tdesc, DebugTarget, Interrupter, Stop};
use emu_core::debug::{DebugHooks, WatchKind, Watchpoint};
use gdbstub::common::Signal;
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub, SingleThreadStopReason};
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::singlethread::{
    SingleThreadBase, SingleThreadResume, SingleThreadResumeOps, SingleThreadSingleStep,
    SingleThreadSingleStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps,
};
use gdbstub::target::ext::monitor_cmd::{outputln, ConsoleOutput, MonitorCmd, MonitorCmdOps};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::aarch64::reg::id::AArch64RegId;
use gdbstub_arch::aarch64::reg::AArch64CoreRegs;
use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpStream;
use std::os::fd::AsRawFd;

/// How a debugging session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// gdb detached or went away: the guest runs on without a debugger.
    Detached,
    /// The guest exited with this status while debugged.
    Exited(i32),
    /// The guest was killed by this (gdb-numbered) signal.
    Terminated(u8),
    /// `monitor quit`: end the emulator.
    Quit,
}

/// What gdb asked the target to do when it next runs.
#[derive(Clone, Copy, Debug)]
struct Action {
    step: bool,
    /// Delivered on the first run only (a run interrupted by incoming data resumes
    /// without it).
    signal: Option<u8>,
}

/// The `gdbstub` target: a [`DebugTarget`] plus the debugger's breakpoint and watchpoint
/// sets, which are handed to the runtime whenever the guest runs.
struct Session<'t, T: DebugTarget> {
    target: &'t mut T,
    sw_breakpoints: BTreeSet<u64>,
    hw_breakpoints: BTreeSet<u64>,
    watchpoints: Vec<Watchpoint>,
    action: Option<Action>,
    interrupter: Interrupter,
    /// Instructions run by single steps in this session (`monitor icount`).
    stepped_insns: u64,
    target_xml: String,
    quit: bool,
}

impl<T: DebugTarget> Session<'_, T> {
    fn hooks(&self, single_step: bool) -> DebugHooks {
        DebugHooks {
            breakpoints: self
                .sw_breakpoints
                .union(&self.hw_breakpoints)
                .copied()
                .collect(),
            watchpoints: self.watchpoints.clone(),
            single_step,
        }
    }

    /// Runs the guest for the pending action until it stops or gdb sends data.
    fn run(&mut self, conn: &mut TcpStream) -> Result<RunEvent, String> {
        let Some(action) = self.action else {
            // gdb resumed nothing (cannot happen in the Running state): report a stop.
            return Ok(RunEvent::Stopped(Stop::StepDone));
        };
        let hooks = self.hooks(action.step);
        // The signal is delivered once, even if this run is interrupted by a packet.
        if let Some(a) = self.action.as_mut() {
            a.signal = None;
        }
        let stop = {
            let watcher = ConnectionWatcher::start(conn, self.interrupter.clone())?;
            let stop = self.target.resume(hooks, action.signal);
            watcher.stop();
            stop
        };
        if stop == Stop::Interrupted {
            let byte = conn.read().map_err(|e| format!("reading from gdb: {e}"))?;
            return Ok(RunEvent::Data(byte));
        }
        // A request that raced with a stop for another reason is stale (the data it saw
        // stays buffered and is read once the stop is reported).
        self.interrupter.take_request();
        if stop == Stop::StepDone {
            self.stepped_insns += 1;
        }
        self.action = None;
        Ok(RunEvent::Stopped(stop))
    }

    fn stop_reason(&mut self, stop: Stop) -> SingleThreadStopReason<u64> {
        match stop {
            Stop::Breakpoint => {
                let pc = self.target.cpu().pc();
                if self.hw_breakpoints.contains(&pc) && !self.sw_breakpoints.contains(&pc) {
                    SingleThreadStopReason::HwBreak(())
                } else {
                    SingleThreadStopReason::SwBreak(())
                }
            }
            Stop::StepDone => SingleThreadStopReason::DoneStep,
            Stop::Watch { kind, addr } => SingleThreadStopReason::Watch {
                tid: (),
                kind: match kind {
                    WatchKind::Write => gdbstub::target::ext::breakpoints::WatchKind::Write,
                    WatchKind::Read => gdbstub::target::ext::breakpoints::WatchKind::Read,
                    WatchKind::Access => gdbstub::target::ext::breakpoints::WatchKind::ReadWrite,
                },
                addr,
            },
            Stop::Signal(sig) => SingleThreadStopReason::Signal(Signal(sig)),
            Stop::Exited(code) => SingleThreadStopReason::Exited(code as u8),
            Stop::Terminated(sig) => SingleThreadStopReason::Terminated(Signal(sig)),
            Stop::Interrupted => SingleThreadStopReason::Signal(Signal::SIGINT),
        }
    }
}

enum RunEvent {
    Stopped(Stop),
    Data(u8),
}

/// While the guest runs, a helper thread waits for gdb to send something (Ctrl-C, or a
/// packet) and then interrupts the guest, so the session loop can read it.
struct ConnectionWatcher {
    /// Written to stop the helper (an eventfd).
    wake: i32,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl ConnectionWatcher {
    fn start(conn: &TcpStream, interrupter: Interrupter) -> Result<ConnectionWatcher, String> {
        // SAFETY: creates a new file descriptor that this value owns.
        let wake = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        if wake < 0 {
            return Err(format!("eventfd: {}", std::io::Error::last_os_error()));
        }
        let sock = conn.as_raw_fd();
        let handle = std::thread::Builder::new()
            .name("gdb-watch".into())
            .spawn(move || {
                let mut fds = [
                    libc::pollfd {
                        fd: sock,
                        events: libc::POLLIN,
                        revents: 0,
                    },
                    libc::pollfd {
                        fd: wake,
                        events: libc::POLLIN,
                        revents: 0,
                    },
                ];
                loop {
                    // SAFETY: fds is a valid array of two pollfds; both descriptors stay
                    // open until this thread is joined.
                    let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
                    if n < 0
                        && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
                    {
                        continue;
                    }
                    if n > 0 && fds[1].revents == 0 && fds[0].revents != 0 {
                        // Data, or the connection closed (the read reports that).
                        interrupter.interrupt();
                    }
                    return;
                }
            })
            .map_err(|e| format!("cannot start the gdb connection watcher: {e}"))?;
        Ok(ConnectionWatcher {
            wake,
            handle: Some(handle),
        })
    }

    fn stop(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes 8 bytes to our eventfd.
        unsafe { libc::write(self.wake, one.as_ptr() as *const _, 8) };
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for ConnectionWatcher {
    fn drop(&mut self) {
        self.finish();
        // SAFETY: our descriptor, closed once.
        unsafe { libc::close(self.wake) };
    }
}

/// Runs a gdb session on `conn` for `target` until gdb detaches, the guest exits, or
/// `monitor quit`. The guest does not run until gdb resumes it.
pub fn serve<T: DebugTarget>(target: &mut T, conn: TcpStream) -> Result<Outcome, String> {
    let _ = conn.set_nodelay(true);
    // The process may end inside a syscall (exit_group) or by a fatal signal while gdb
    // waits for a stop reply: a clone of the connection sends the final packet then.
    if let Ok(notify_conn) = conn.try_clone() {
        let mut notify_conn = Some(notify_conn);
        super::set_process_end_notifier(Some(Box::new(move |how| {
            if let Some(c) = notify_conn.take() {
                send_final_packet(c, how);
            }
        })));
    }
    super::set_session(Some(conn.as_raw_fd()));
    let xml = tdesc::target_xml(target.system_registers());
    let interrupter = target.interrupter();
    let mut session = Session {
        target,
        sw_breakpoints: BTreeSet::new(),
        hw_breakpoints: BTreeSet::new(),
        watchpoints: Vec::new(),
        action: None,
        interrupter,
        stepped_insns: 0,
        target_xml: xml,
        quit: false,
    };
    let result = session_loop(&mut session, conn);
    super::set_process_end_notifier(None);
    super::set_session(None);
    match result {
        Ok(Outcome::Detached) | Err(_) => session.target.detach(),
        _ => {}
    }
    result
}

fn session_loop<T: DebugTarget>(
    session: &mut Session<'_, T>,
    conn: TcpStream,
) -> Result<Outcome, String> {
    let err = |e: gdbstub::stub::GdbStubError<String, std::io::Error>| e.to_string();
    let mut gdb = GdbStub::new(conn).run_state_machine(session).map_err(err)?;
    loop {
        if session.quit {
            return Ok(Outcome::Quit);
        }
        gdb = match gdb {
            GdbStubStateMachine::Idle(mut g) => {
                let byte = match g.borrow_conn().read() {
                    Ok(b) => b,
                    // gdb went away without detaching: let the guest run on.
                    Err(_) => return Ok(Outcome::Detached),
                };
                g.incoming_data(session, byte).map_err(err)?
            }
            GdbStubStateMachine::Running(mut g) => match session.run(g.borrow_conn()) {
                Ok(RunEvent::Data(byte)) => g.incoming_data(session, byte).map_err(err)?,
                Ok(RunEvent::Stopped(stop)) => {
                    let reason = session.stop_reason(stop);
                    g.report_stop(session, reason).map_err(err)?
                }
                Err(_) => return Ok(Outcome::Detached),
            },
            GdbStubStateMachine::CtrlCInterrupt(g) => {
                session.action = None;
                g.interrupt_handled(
                    session,
                    Some(SingleThreadStopReason::Signal(Signal::SIGINT)),
                )
                .map_err(err)?
            }
            GdbStubStateMachine::Disconnected(g) => {
                return Ok(match g.get_reason() {
                    DisconnectReason::TargetExited(code) => Outcome::Exited(code as i32),
                    DisconnectReason::TargetTerminated(sig) => Outcome::Terminated(sig.0),
                    DisconnectReason::Disconnect => Outcome::Detached,
                    DisconnectReason::Kill => {
                        // gdbstub leaves `vKill` unanswered outside extended mode, but
                        // gdb waits for its OK (a `k` gets none; the extra packet is
                        // harmless as the connection closes).
                        let mut g = g;
                        let conn = g.borrow_conn();
                        let _ = Write::write_all(conn, b"$OK#9a");
                        let _ = Write::flush(conn);
                        let _ = conn.set_read_timeout(Some(std::time::Duration::from_millis(500)));
                        let _ = ConnectionExt::read(conn);
                        super::set_process_end_notifier(None);
                        session.target.kill()
                    }
                });
            }
        };
    }
}

/// Sends `W`/`X` for a process that ends outside the session loop, and waits briefly for
/// gdb's acknowledgement so the packet is not lost when the process closes the socket.
fn send_final_packet(mut conn: TcpStream, how: Stop) {
    let body = match how {
        Stop::Exited(code) => format!("W{:02x}", code as u8),
        Stop::Terminated(sig) => format!("X{sig:02x}"),
        _ => return,
    };
    let sum = body.bytes().fold(0u8, |s, b| s.wrapping_add(b));
    let _ = Write::write_all(&mut conn, format!("${body}#{sum:02x}").as_bytes());
    let _ = Write::flush(&mut conn);
    let _ = conn.set_read_timeout(Some(std::time::Duration::from_millis(500)));
    let mut ack = [0u8; 1];
    let _ = std::io::Read::read(&mut conn, &mut ack);
}

fn core_regs<T: DebugTarget>(t: &mut T, regs: &mut AArch64CoreRegs) {
    let pstate = t.pstate();
    let cpu = t.cpu();
    regs.x.copy_from_slice(&cpu.x[..31]);
    regs.sp = cpu.x[31];
    regs.pc = cpu.pc();
    regs.cpsr = pstate;
    for (dst, [lo, hi]) in regs.v.iter_mut().zip(cpu.vreg.iter()) {
        *dst = (*lo as u128) | ((*hi as u128) << 64);
    }
    regs.fpcr = cpu.fpcr as u32;
    regs.fpsr = cpu.fpsr as u32;
}

impl<T: DebugTarget> Target for Session<'_, T> {
    type Arch = EmuAArch64;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::SingleThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(&mut self) -> Option<MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    fn support_target_description_xml_override(
        &mut self,
    ) -> Option<
        gdbstub::target::ext::target_description_xml_override::TargetDescriptionXmlOverrideOps<
            '_,
            Self,
        >,
    > {
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<gdbstub::target::ext::auxv::AuxvOps<'_, Self>> {
        if self.target.auxv().is_some() {
            Some(self)
        } else {
            None
        }
    }
}

/// Copies a register's bytes into gdbstub's buffer; returns how many.
fn copy_value(bytes: &[u8], buf: &mut [u8]) -> usize {
    let n = bytes.len().min(buf.len());
    buf[..n].copy_from_slice(&bytes[..n]);
    n
}

/// Copies `data[offset..]` into `buf` (the `qXfer` convention).
fn copy_window(data: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(offset) else {
        return 0;
    };
    let Some(rest) = data.get(start..) else {
        return 0;
    };
    let n = rest.len().min(buf.len());
    buf[..n].copy_from_slice(&rest[..n]);
    n
}

impl<T: DebugTarget>
    gdbstub::target::ext::target_description_xml_override::TargetDescriptionXmlOverride
    for Session<'_, T>
{
    fn target_description_xml(
        &self,
        annex: &[u8],
        offset: u64,
        _length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        if annex != b"target.xml" {
            return Err(TargetError::NonFatal);
        }
        Ok(copy_window(self.target_xml.as_bytes(), offset, buf))
    }
}

impl<T: DebugTarget> gdbstub::target::ext::auxv::Auxv for Session<'_, T> {
    fn get_auxv(&self, offset: u64, _length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        Ok(copy_window(self.target.auxv().unwrap_or(&[]), offset, buf))
    }
}

impl<T: DebugTarget> SingleThreadBase for Session<'_, T> {
    fn read_registers(&mut self, regs: &mut CoreRegs) -> TargetResult<(), Self> {
        core_regs(self.target, &mut regs.0);
        Ok(())
    }

    fn write_registers(&mut self, regs: &CoreRegs) -> TargetResult<(), Self> {
        let regs = &regs.0;
        self.target.set_pstate(regs.cpsr);
        let cpu = self.target.cpu();
        cpu.x[..31].copy_from_slice(&regs.x);
        cpu.x[31] = regs.sp;
        cpu.core.pc = regs.pc;
        for (dst, v) in cpu.vreg.iter_mut().zip(regs.v.iter()) {
            *dst = [*v as u64, (*v >> 64) as u64];
        }
        cpu.fpcr = regs.fpcr as u64;
        cpu.fpsr = regs.fpsr as u64;
        Ok(())
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, (), Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start_addr: u64, data: &mut [u8]) -> TargetResult<usize, Self> {
        let n = self.target.read_memory(start_addr, data);
        if n == 0 && !data.is_empty() {
            return Err(TargetError::Errno(14)); // EFAULT, as gdbserver answers
        }
        Ok(n)
    }

    fn write_addrs(&mut self, start_addr: u64, data: &[u8]) -> TargetResult<(), Self> {
        self.target
            .write_memory(start_addr, data)
            .map_err(|_| TargetError::Errno(14))
    }

    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl<T: DebugTarget> SingleRegisterAccess<()> for Session<'_, T> {
    fn read_register(
        &mut self,
        _tid: (),
        reg_id: RegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let mut regs = AArch64CoreRegs::default();
        core_regs(self.target, &mut regs);
        let reg_id = match reg_id {
            RegId::Fpsr => return Ok(copy_value(&regs.fpsr.to_le_bytes(), buf)),
            RegId::Fpcr => return Ok(copy_value(&regs.fpcr.to_le_bytes(), buf)),
            RegId::Other(r) => r,
        };
        let bytes: Vec<u8> = match reg_id {
            AArch64RegId::X(n) => regs
                .x
                .get(n as usize)
                .ok_or(TargetError::NonFatal)?
                .to_le_bytes()
                .to_vec(),
            AArch64RegId::Sp => regs.sp.to_le_bytes().to_vec(),
            AArch64RegId::Pc => regs.pc.to_le_bytes().to_vec(),
            AArch64RegId::Pstate => regs.cpsr.to_le_bytes().to_vec(),
            AArch64RegId::V(n) => regs
                .v
                .get(n as usize)
                .ok_or(TargetError::NonFatal)?
                .to_le_bytes()
                .to_vec(),
            AArch64RegId::System(enc) => match self.target.read_system_register(enc) {
                Some(v) => v.to_le_bytes().to_vec(),
                None => return Ok(0), // "unavailable"
            },
            _ => return Err(TargetError::NonFatal),
        };
        Ok(copy_value(&bytes, buf))
    }
    fn write_register(&mut self, _tid: (), reg_id: RegId, val: &[u8]) -> TargetResult<(), Self> {
        let u64_of = |v: &[u8]| -> Result<u64, TargetError<String>> {
            Ok(u64::from_le_bytes(
                v.try_into().map_err(|_| TargetError::NonFatal)?,
            ))
        };
        let u32_of = |v: &[u8]| -> Result<u32, TargetError<String>> {
            Ok(u32::from_le_bytes(
                v.try_into().map_err(|_| TargetError::NonFatal)?,
            ))
        };
        let reg_id = match reg_id {
            RegId::Fpsr => {
                self.target.cpu().fpsr = u32_of(val)? as u64;
                return Ok(());
            }
            RegId::Fpcr => {
                self.target.cpu().fpcr = u32_of(val)? as u64;
                return Ok(());
            }
            RegId::Other(r) => r,
        };
        match reg_id {
            AArch64RegId::Pstate => {
                let v = u32_of(val)?;
                self.target.set_pstate(v);
            }
            AArch64RegId::X(n) if n < 31 => self.target.cpu().x[n as usize] = u64_of(val)?,
            AArch64RegId::Sp => self.target.cpu().x[31] = u64_of(val)?,
            AArch64RegId::Pc => self.target.cpu().core.pc = u64_of(val)?,
            AArch64RegId::V(n) if n < 32 => {
                let v = u128::from_le_bytes(val.try_into().map_err(|_| TargetError::NonFatal)?);
                self.target.cpu().vreg[n as usize] = [v as u64, (v >> 64) as u64];
            }
            // System registers are read-only through the debugger.
            _ => return Err(TargetError::NonFatal),
        }
        Ok(())
    }
}

impl<T: DebugTarget> SingleThreadResume for Session<'_, T> {
    fn resume(&mut self, signal: Option<Signal>) -> Result<(), Self::Error> {
        self.action = Some(Action {
            step: false,
            signal: signal.map(|s| s.0),
        });
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<SingleThreadSingleStepOps<'_, Self>> {
        Some(self)
    }
}

impl<T: DebugTarget> SingleThreadSingleStep for Session<'_, T> {
    fn step(&mut self, signal: Option<Signal>) -> Result<(), Self::Error> {
        self.action = Some(Action {
            step: true,
            signal: signal.map(|s| s.0),
        });
        Ok(())
    }
}

impl<T: DebugTarget> Breakpoints for Session<'_, T> {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }
    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }
    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl<T: DebugTarget> SwBreakpoint for Session<'_, T> {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.sw_breakpoints.insert(addr);
        Ok(true)
    }
    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.sw_breakpoints.remove(&addr))
    }
}

impl<T: DebugTarget> HwBreakpoint for Session<'_, T> {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.hw_breakpoints.insert(addr);
        Ok(true)
    }
    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.hw_breakpoints.remove(&addr))
    }
}

fn watch_kind(kind: gdbstub::target::ext::breakpoints::WatchKind) -> WatchKind {
    use gdbstub::target::ext::breakpoints::WatchKind as G;
    match kind {
        G::Write => WatchKind::Write,
        G::Read => WatchKind::Read,
        G::ReadWrite => WatchKind::Access,
    }
}

impl<T: DebugTarget> HwWatchpoint for Session<'_, T> {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: gdbstub::target::ext::breakpoints::WatchKind,
    ) -> TargetResult<bool, Self> {
        if len == 0 {
            return Ok(false);
        }
        self.watchpoints.push(Watchpoint {
            addr,
            len,
            kind: watch_kind(kind),
        });
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: gdbstub::target::ext::breakpoints::WatchKind,
    ) -> TargetResult<bool, Self> {
        let w = Watchpoint {
            addr,
            len,
            kind: watch_kind(kind),
        };
        match self.watchpoints.iter().position(|x| *x == w) {
            Some(i) => {
                self.watchpoints.remove(i);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

const MONITOR_HELP: &str = "\
monitor commands:
  help             this list
  reset            reset the machine (system mode only)
  quit             end the emulator now
  regs             EL1 system registers (system mode only)
  translate ADDR   how virtual address ADDR maps (user mode: the page's mapping)
  icount           instructions executed, and single-stepped in this session";

/// Parses a number as gdb users write it: `0x` hex or decimal.
fn parse_address(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

impl<T: DebugTarget> MonitorCmd for Session<'_, T> {
    fn handle_monitor_cmd(
        &mut self,
        cmd: &[u8],
        mut out: ConsoleOutput<'_>,
    ) -> Result<(), Self::Error> {
        let cmd = String::from_utf8_lossy(cmd);
        let mut words = cmd.split_whitespace();
        let verb = words.next().unwrap_or("help");
        let rest: Vec<&str> = words.collect();
        match verb {
            "help" => outputln!(out, "{MONITOR_HELP}"),
            "reset" => match self.target.reset() {
                Ok(()) => outputln!(out, "reset"),
                Err(why) => outputln!(out, "{why}"),
            },
            "quit" => {
                outputln!(out, "emu: quitting");
                self.quit = true;
            }
            "regs" | "el1" => match self.target.el1_state() {
                Ok(text) | Err(text) => outputln!(out, "{text}"),
            },
            "translate" => match rest.first().and_then(|a| parse_address(a)) {
                Some(addr) => {
                    let text = self.target.translate(addr);
                    outputln!(out, "{text}");
                }
                None => outputln!(out, "usage: monitor translate ADDR"),
            },
            "icount" => {
                match self.target.instructions_executed() {
                    Some(n) => outputln!(out, "{n} instructions executed"),
                    None => outputln!(out, "this machine does not count instructions"),
                }
                outputln!(
                    out,
                    "{} instructions single-stepped in this session",
                    self.stepped_insns
                );
            }
            other => outputln!(out, "unknown monitor command '{other}'; try 'monitor help'"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_as_hex_or_decimal() {
        assert_eq!(parse_address("0x4000f0"), Some(0x4000f0));
        assert_eq!(parse_address(" 4096 "), Some(4096));
        assert_eq!(parse_address("0xZZ"), None);
        assert_eq!(parse_address(""), None);
    }

    #[test]
    fn qxfer_windows() {
        let mut buf = [0u8; 4];
        assert_eq!(copy_window(b"abcdef", 0, &mut buf), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(copy_window(b"abcdef", 4, &mut buf), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(copy_window(b"abcdef", 6, &mut buf), 0);
        assert_eq!(copy_window(b"abcdef", u64::MAX, &mut buf), 0);
    }
}

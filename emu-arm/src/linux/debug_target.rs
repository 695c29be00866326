//! The user-mode [`DebugTarget`]: gdb debugs the guest's main thread.
//!
//! - Memory is the guest's virtual address space as the process sees it; reads need a
//!   readable (or executable) page, writes a writable one, so gdb can never make the host
//!   fault. Writes to executable pages drop all translations.
//! - Synchronous signals (faults, UNDEF, BRK) stop the thread and are reported to gdb,
//!   which decides whether they are delivered (as under ptrace); asynchronous signals are
//!   delivered as usual without a stop.
//! - Other guest threads run on freely and are not visible to gdb (one GDB thread).

use super::process::{exit_group, Flow, Thread};
use super::procfs;
use super::signal;
use crate::exits;
use crate::gdb::{DebugTarget, Interrupter, Stop};
use crate::state::CpuState;
use emu_core::debug::{self, DebugHooks, WatchKind};
use emu_core::emit::{perm, Exit};
use emu_core::mem::{page_floor, PAGE_SIZE};
use emu_core::runtime::invalidate_all_code;

/// Linux signal numbers as GDB numbers them in the remote protocol (`gdb/signals.def`),
/// index = Linux number.
const LINUX_TO_GDB_SIGNAL: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15, // 0..=15 (7 BUS, 10 USR1, 12 USR2)
    143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12, // 16..=31
];

/// `si_code` of a signal sent by a user (gdb's `signal N`).
const SI_USER: i32 = 0;

pub fn linux_to_gdb_signal(sig: usize) -> u8 {
    LINUX_TO_GDB_SIGNAL.get(sig).copied().unwrap_or(143) // GDB_SIGNAL_UNKNOWN
}

pub fn gdb_to_linux_signal(sig: u8) -> Option<usize> {
    (1..LINUX_TO_GDB_SIGNAL.len()).find(|&l| LINUX_TO_GDB_SIGNAL[l] == sig && sig != 143)
}

pub struct UserDebugTarget<'a> {
    thread: &'a mut Thread,
    /// The synchronous signal the last stop reported, delivered if gdb resumes with it.
    held_signal: Option<(usize, signal::SigInfo)>,
    interrupter: Interrupter,
    auxv: Vec<u8>,
}

impl<'a> UserDebugTarget<'a> {
    pub fn new(thread: &'a mut Thread) -> UserDebugTarget<'a> {
        // SAFETY: the interrupt word lives in the thread's boxed CPU state, which outlives
        // the debugging session (the thread ends only after the session).
        let interrupter = unsafe { Interrupter::new(&mut thread.cpu.core.interrupt) };
        let auxv = thread
            .proc
            .auxv
            .iter()
            .flat_map(|&(k, v)| k.to_le_bytes().into_iter().chain(v.to_le_bytes()))
            .collect();
        UserDebugTarget {
            thread,
            held_signal: None,
            interrupter,
            auxv,
        }
    }

    /// Why the runtime returned [`Exit::DEBUG`].
    fn debug_stop(&self) -> Stop {
        let core = &self.thread.cpu.core;
        match core.exit_arg {
            debug::reason::BREAKPOINT => Stop::Breakpoint,
            debug::reason::STEP => Stop::StepDone,
            arg => match WatchKind::from_exit_arg(arg) {
                Some(kind) => Stop::Watch {
                    kind,
                    addr: core.fault_addr,
                },
                None => Stop::StepDone,
            },
        }
    }
}

impl DebugTarget for UserDebugTarget<'_> {
    fn cpu(&mut self) -> &mut CpuState {
        &mut self.thread.cpu
    }

    fn pstate(&mut self) -> u32 {
        // EL0t: only NZCV is meaningful in user mode.
        self.thread.cpu.nzcv() as u32
    }

    fn set_pstate(&mut self, value: u32) {
        self.thread.cpu.set_nzcv(value as u64);
    }

    fn read_memory(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        let mem = self.thread.mem();
        let mut done = 0;
        while done < buf.len() {
            let Some(a) = addr.checked_add(done as u64) else {
                break;
            };
            // Code pages may be execute-only for the guest; the debugger still reads them
            // (the host maps every executable page readable).
            if mem.page_perms(a) & (perm::READ | perm::EXEC) == 0 {
                break;
            }
            let page_left = (page_floor(a) + PAGE_SIZE - a) as usize;
            let n = page_left.min(buf.len() - done);
            // SAFETY: the page is mapped readable on the host (checked above) and the
            // chunk stays inside it.
            unsafe { std::ptr::copy_nonoverlapping(mem.host(a), buf[done..].as_mut_ptr(), n) };
            done += n;
        }
        done
    }

    fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<(), u64> {
        let mem = self.thread.mem();
        let len = data.len() as u64;
        // Checked whole first, so a partly writable range is not written at all.
        mem.write_bytes(addr, data)?;
        let mut touches_code = false;
        let mut page = page_floor(addr);
        while page < addr.saturating_add(len) {
            touches_code |= mem.page_perms(page) & perm::EXEC != 0;
            page = page.saturating_add(PAGE_SIZE);
            if page == 0 {
                break;
            }
        }
        if touches_code {
            invalidate_all_code();
        }
        Ok(())
    }

    fn resume(&mut self, hooks: DebugHooks, signal: Option<u8>) -> Stop {
        let step = hooks.single_step;
        self.thread.rt.set_debug_hooks(hooks);
        let held = self.held_signal.take();
        if let Some(gdb_sig) = signal {
            match (held, gdb_to_linux_signal(gdb_sig)) {
                (Some((sig, info)), Some(want)) if sig == want => {
                    self.thread.forced = Some((sig, info));
                }
                (_, Some(want)) => {
                    self.thread.forced = Some((want, signal::SigInfo::sent(want, SI_USER)));
                }
                _ => {}
            }
            self.thread.deliver_signals();
        }
        loop {
            if self.interrupter.take_request() {
                return Stop::Interrupted;
            }
            let state = self.thread.cpu.as_mut_ptr();
            // SAFETY: the CPU state is boxed, owned by this thread and outlives the call.
            let exit = unsafe { self.thread.rt.run(state) };
            if exit == Exit::DEBUG {
                return self.debug_stop();
            }
            let flow = self.thread.handle_exit(exit);
            if exit == exits::SVC && crate::gdb::leave_session_if_forked() {
                // This is the child of a guest fork: it runs on without the debugger,
                // which stays with the parent.
                self.thread.rt.set_debug_hooks(DebugHooks::default());
                let code = match flow {
                    Flow::ExitThread(code) => code,
                    Flow::Continue => self.thread.run(),
                };
                self.thread.finish();
                exit_group(self.thread, code)
            }
            if let Flow::ExitThread(code) = flow {
                return Stop::Exited(code);
            }
            if let Some((sig, info)) = self.thread.forced.take() {
                self.held_signal = Some((sig, info));
                return Stop::Signal(linux_to_gdb_signal(sig));
            }
            self.thread.deliver_signals();
            // A step whose instruction left the runtime (SVC, WFI...) is done once the
            // exit is handled; an interrupt came before the instruction ran.
            if step && exit != Exit::INTERRUPT {
                return Stop::StepDone;
            }
        }
    }

    fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    fn detach(&mut self) {
        self.thread.rt.set_debug_hooks(DebugHooks::default());
        // A signal gdb saw but did not pass on is delivered, as after PTRACE_DETACH.
        if let Some(f) = self.held_signal.take() {
            self.thread.forced = Some(f);
            self.thread.deliver_signals();
        }
    }

    fn kill(&mut self) -> ! {
        // As `kill` under ptrace: the process dies by SIGKILL.
        signal::die_by_signal(self.thread, 9)
    }

    fn auxv(&self) -> Option<&[u8]> {
        Some(&self.auxv)
    }

    fn reset(&mut self) -> Result<(), String> {
        Err("reset is not supported in user mode (restart the program instead)".into())
    }

    fn el1_state(&mut self) -> Result<String, String> {
        Err(
            "not applicable in user mode: the guest runs at EL0 only, and its EL1 is the \
             host kernel (TPIDR_EL0 and TPIDRRO_EL0 are in 'info registers' as usual)"
                .into(),
        )
    }

    fn instructions_executed(&mut self) -> Option<u64> {
        // Counted by the runtime when TierConfig::count_insns is on (process::start turns
        // it on for --gdb).
        self.thread
            .rt
            .config()
            .count_insns
            .then_some(self.thread.cpu.core.icount)
    }

    fn translate(&mut self, addr: u64) -> String {
        let mem = self.thread.mem();
        let p = mem.page_perms(addr);
        if p == 0 {
            return format!("{addr:#x}: not mapped");
        }
        let maps = String::from_utf8_lossy(&procfs::maps(self.thread)).into_owned();
        let line = maps
            .lines()
            .find(|l| {
                let range = l.split_whitespace().next().unwrap_or("");
                let mut ends = range.split('-').map(|x| u64::from_str_radix(x, 16).ok());
                matches!((ends.next(), ends.next()), (Some(Some(lo)), Some(Some(hi))) if lo <= addr && addr < hi)
            })
            .unwrap_or("(no /proc/self/maps line)")
            .trim_end()
            .to_string();
        let flag = |bit: u8, c: char| if p & bit != 0 { c } else { '-' };
        format!(
            "{addr:#x}: user mode, no page tables: guest VA = host {:#x} (reservation base \
             + VA), page {:#x} {}{}{}\nmapping: {line}",
            mem.host(addr) as usize,
            page_floor(addr),
            flag(perm::READ, 'r'),
            flag(perm::WRITE, 'w'),
            flag(perm::EXEC, 'x'),
        )
    }
}

/// Runs the main thread under gdb: waits for gdb on `listener`, then serves it. Returns
/// the thread's exit code, once the guest exits (or runs on after gdb detaches).
pub fn run_under_gdb(thread: &mut Thread, listener: std::net::TcpListener) -> i32 {
    let conn = match listener.accept() {
        Ok((c, _)) => c,
        Err(e) => {
            eprintln!("emu: gdb: accept: {e}");
            return thread.run();
        }
    };
    drop(listener);
    let outcome = {
        let mut target = UserDebugTarget::new(thread);
        crate::gdb::serve(&mut target, conn)
    };
    match outcome {
        Ok(crate::gdb::Outcome::Exited(code)) => code,
        Ok(crate::gdb::Outcome::Terminated(sig)) => {
            let sig = gdb_to_linux_signal(sig).unwrap_or(9);
            signal::die_by_signal(thread, sig)
        }
        Ok(crate::gdb::Outcome::Quit) => exit_group(thread, 0),
        Ok(crate::gdb::Outcome::Detached) => thread.run(),
        Err(e) => {
            eprintln!("emu: gdb: {e}; running on without the debugger");
            thread.run()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_numbers_map_both_ways() {
        // Same number in both: SIGSEGV, SIGILL, SIGTRAP, SIGKILL.
        for s in [4usize, 5, 9, 11] {
            assert_eq!(linux_to_gdb_signal(s) as usize, s);
            assert_eq!(gdb_to_linux_signal(s as u8), Some(s));
        }
        assert_eq!(linux_to_gdb_signal(7), 10); // SIGBUS
        assert_eq!(linux_to_gdb_signal(10), 30); // SIGUSR1
        assert_eq!(linux_to_gdb_signal(17), 20); // SIGCHLD
        assert_eq!(gdb_to_linux_signal(10), Some(7));
        assert_eq!(gdb_to_linux_signal(143), None);
        assert_eq!(linux_to_gdb_signal(64), 143);
    }
}

//! `--deterministic`: a run that depends only on the image, the options and the serial
//! input bytes, never on the host's speed or scheduling (DESIGN §7).
//!
//! - **Time** is retired guest instructions: virtual ns = icount × `--icount-ns` (plus
//!   the idle time WFI skips, below). [`InstructionClock`] reads the vCPU's
//!   `core.icount` itself, so a timer read inside a long run of chained blocks sees time
//!   move, exactly as far as the blocks before it went. The runtime counts per block, when
//!   a block starts (no per-instruction cost).
//! - **Timers** fire at exact instruction counts: before each run the loop brings the
//!   devices up to date and sets `core.icount_limit` to the count at which the earliest
//!   device deadline falls, so translated code stops there (`Exit::INTERRUPT`) and the
//!   devices tick. A guest write that moves a deadline stops the run at the next block
//!   boundary (the board's `deadlines_changed`), so the new limit is computed at once.
//!   There is no timer thread.
//! - **WFI** does not sleep: virtual time jumps to the next device deadline.
//! - **The RTC** starts at `--rtc-epoch`; the device tree gets no random seeds.
//! - **Serial input** reaches the UART only at deterministic points. The rule: when the
//!   CPU waits in WFI with no interrupt pending, the UART's receive FIFO is empty and a
//!   driver listens (a receive or receive-timeout interrupt is enabled in UARTIMSC), the
//!   next input byte is handed to the UART; if it has not arrived yet the machine waits
//!   for it (or for end of input, after which the guest just gets no more). Stdin is read
//!   ahead on a thread, but what the guest sees depends only on the bytes, not on when
//!   they arrived.

use super::console::{self, Key, Mux};
use super::events::Events;
use super::expect::StopRequest;
use super::machine::Board;
use emu_arm::semihosting::system::MachineTime;
use emu_arm::state::CpuState;
use emu_arm::sys::Platform;
use emu_core::clock::Clock;
use emu_core::mmio::MmioDevice;
use emu_devices::pl011::{INT_RT, INT_RX};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// `--rtc-epoch` default: 2025-01-01 00:00:00 UTC.
pub const DEFAULT_RTC_EPOCH: u64 = 1_735_689_600;

/// UARTFR (flags) and UARTIMSC offsets, and UARTFR's receive-FIFO-empty bit.
const UART_FR: u64 = 0x18;
const UART_IMSC: u64 = 0x38;
const FR_RXFE: u64 = 1 << 4;
/// PL031 load register: writing it sets the counter.
const RTC_LR: u64 = 0x08;

/// Sets the RTC's counter to `epoch` (seconds since 1970) through its load register, as
/// firmware would.
pub fn set_rtc(board: &Board, epoch: u64) {
    board
        .devices
        .rtc
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .write(0, RTC_LR, 4, epoch & 0xffff_ffff);
}

/// Virtual time derived from the vCPU's retired-instruction count.
pub struct InstructionClock {
    /// Address of the vCPU's `core.icount` (0 until attached: time 0).
    icount: AtomicUsize,
    ns_per_insn: u64,
    /// Idle time skipped by WFI.
    skipped_ns: AtomicU64,
}

impl InstructionClock {
    pub fn new(ns_per_insn: u64) -> Self {
        InstructionClock {
            icount: AtomicUsize::new(0),
            ns_per_insn,
            skipped_ns: AtomicU64::new(0),
        }
    }

    /// Makes the clock follow `icount`.
    ///
    /// # Safety
    /// `icount` must be the vCPU's 8-byte aligned `core.icount`, valid for the rest of the
    /// process, and the clock must be read only on the vCPU's thread (which writes it).
    pub unsafe fn attach(&self, icount: *const u64) {
        self.icount.store(icount as usize, Ordering::Release);
    }

    fn icount(&self) -> u64 {
        let p = self.icount.load(Ordering::Acquire);
        if p == 0 {
            return 0;
        }
        // SAFETY: `attach`'s contract: valid, aligned, and written only by this thread.
        unsafe { std::ptr::read_volatile(p as *const u64) }
    }

    /// Moves time forward to `ns` (idle time: no instructions retire meanwhile).
    fn skip_to(&self, ns: u64) {
        let now = self.now_ns();
        if ns > now {
            self.skipped_ns.fetch_add(ns - now, Ordering::AcqRel);
        }
    }

    /// The instruction count at which virtual time reaches `ns` (rounded up), given the
    /// current count `icount`.
    fn icount_at(&self, icount: u64, ns: u64) -> u64 {
        let now = self.now_ns();
        let insns = ns.saturating_sub(now).div_ceil(self.ns_per_insn.max(1));
        icount.saturating_add(insns.max(1))
    }
}

impl Clock for InstructionClock {
    fn now_ns(&self) -> u64 {
        self.icount()
            .saturating_mul(self.ns_per_insn)
            .saturating_add(self.skipped_ns.load(Ordering::Acquire))
    }
}

/// Stdin, read ahead on a thread, handed out a byte at a time.
struct Input {
    chunks: Receiver<Vec<u8>>,
    buffered: std::collections::VecDeque<u8>,
    ended: bool,
}

impl Input {
    /// Starts reading stdin (`terminal`: raw mode is on and `Ctrl-A` commands apply).
    fn start(terminal: bool) -> Input {
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let spawned = std::thread::Builder::new()
            .name("console-input".into())
            .spawn(move || {
                let mut mux = Mux::default();
                let mut buf = [0u8; 4096];
                loop {
                    // SAFETY: reads into our own buffer of the given length.
                    let n = unsafe {
                        libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len())
                    };
                    if n < 0
                        && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
                    {
                        continue;
                    }
                    if n <= 0 {
                        return; // EOF: dropping `tx` tells the vCPU.
                    }
                    let chunk = &buf[..n as usize];
                    let bytes: Vec<u8> = if terminal {
                        let mut out = Vec::with_capacity(chunk.len());
                        for &b in chunk {
                            match mux.key(b) {
                                Key::Guest(g) => out.push(g),
                                Key::Quit => console::exit(0),
                                Key::Help | Key::Nothing => {}
                            }
                        }
                        out
                    } else {
                        chunk.to_vec()
                    };
                    if tx.send(bytes).is_err() {
                        return;
                    }
                }
            });
        Input {
            chunks: rx,
            buffered: Default::default(),
            // Without a reader thread there is no input.
            ended: spawned.is_err(),
        }
    }

    /// The next byte, waiting for it; `None` at end of input or when a stop is requested.
    fn next_byte(&mut self, stop: &StopRequest) -> Option<u8> {
        loop {
            if let Some(b) = self.buffered.pop_front() {
                return Some(b);
            }
            if self.ended || stop.pending().is_some() {
                return None;
            }
            match self.chunks.recv_timeout(Duration::from_millis(50)) {
                Ok(chunk) => self.buffered.extend(chunk),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.ended = true,
            }
        }
    }
}

/// The deterministic mode's part of the vCPU loop.
pub struct Deterministic {
    clock: std::sync::Arc<InstructionClock>,
    input: Option<Input>,
    /// The RTC's start (seconds since 1970).
    epoch: u64,
}

impl Deterministic {
    /// `with_input`: the serial backend reads stdin.
    pub fn new(clock: std::sync::Arc<InstructionClock>, with_input: bool) -> Self {
        let input = with_input.then(|| Input::start(console::enter_raw_mode()));
        Deterministic {
            clock,
            input,
            epoch: DEFAULT_RTC_EPOCH,
        }
    }

    /// Board set-up before the CPU runs: the RTC counter starts at `epoch`, and deadline
    /// changes stop the vCPU's run (see the module comment).
    pub fn prepare(&mut self, cpu: &mut CpuState, board: &Board, epoch: u64) {
        self.epoch = epoch;
        // SAFETY: the CPU state is leaked by the caller (valid for the process), and only
        // the vCPU thread reads this clock in deterministic mode (no timer thread, input
        // goes to the UART from the vCPU thread).
        unsafe { self.clock.attach(&cpu.core.icount) };
        set_rtc(board, epoch);
        board.events.set_stop_cpu_on_deadline_change(true);
    }

    /// Virtual time for semihosting's time calls.
    pub fn machine_time(&self) -> MachineTime {
        let elapsed_ns = self.clock.now_ns();
        MachineTime {
            elapsed_ns,
            epoch_seconds: self.epoch + elapsed_ns / 1_000_000_000,
        }
    }

    /// Before each run: devices catch up with virtual time, and the run stops when the
    /// next deadline falls.
    pub fn before_run(&self, cpu: &mut CpuState, board: &Board) {
        board.devices.tick();
        cpu.core.icount_limit = match board.devices.next_deadline_ns() {
            Some(at) => self.clock.icount_at(cpu.core.icount, at),
            None => u64::MAX,
        };
    }

    /// WFI with nothing pending: hand the UART the next input byte if the rule allows,
    /// else skip virtual time to the next deadline. With neither, nothing can ever wake
    /// the machine: wait for a stop request (`--timeout`, `Ctrl-A x`).
    pub fn wait_for_interrupt(
        &mut self,
        board: &Board,
        cpu_index: usize,
        stop: &StopRequest,
        events: &Events,
    ) {
        if board.irq_pending(cpu_index) || board.fiq_pending(cpu_index) {
            return;
        }
        if self.uart_waits_for_input(board) {
            if let Some(input) = &mut self.input {
                if let Some(byte) = input.next_byte(stop) {
                    let mut uart = board.devices.uart.lock().unwrap_or_else(|e| e.into_inner());
                    uart.push_input(&[byte]);
                    return;
                }
            }
        }
        if let Some(at) = board.devices.next_deadline_ns() {
            self.clock.skip_to(at);
            return;
        }
        if stop.pending().is_none() {
            events.wait_for_kick(|| stop.pending().is_some(), None);
        }
    }

    /// The receive FIFO is empty and its driver has a receive interrupt enabled.
    fn uart_waits_for_input(&self, board: &Board) -> bool {
        let mut uart = board.devices.uart.lock().unwrap_or_else(|e| e.into_inner());
        let empty = uart.read(0, UART_FR, 4) & FR_RXFE != 0;
        let listening = uart.read(0, UART_IMSC, 4) & u64::from(INT_RX | INT_RT) != 0;
        empty && listening
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_follows_the_instruction_count_and_skips_forward() {
        let clock = InstructionClock::new(3);
        assert_eq!(clock.now_ns(), 0);
        let icount = Box::leak(Box::new(10u64));
        // SAFETY: leaked; this test's thread is the only one.
        unsafe { clock.attach(icount) };
        assert_eq!(clock.now_ns(), 30);
        clock.skip_to(100);
        assert_eq!(clock.now_ns(), 100);
        clock.skip_to(50); // never backwards
        assert_eq!(clock.now_ns(), 100);
        // 100 ns now; 110 ns is 10 ns = 4 instructions (rounded up) away.
        assert_eq!(clock.icount_at(10, 110), 14);
        // A deadline already passed still lets one more block run.
        assert_eq!(clock.icount_at(10, 0), 11);
    }
}

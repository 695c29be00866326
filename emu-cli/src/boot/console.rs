//! The serial console on the host side: our stdin feeds the PL011's receive FIFO, paced so
//! that no byte overruns it; on a terminal, stdin is switched to raw mode (restored on
//! every way out: normal exit, panic, fatal signal) and `Ctrl-A` starts a command as in
//! QEMU's mux (`Ctrl-A x` quits, `Ctrl-A h` lists the commands, `Ctrl-A Ctrl-A` sends a
//! `Ctrl-A`). When stdin is not a terminal (a pipe in CI) its bytes go to the guest as-is.

use super::events::Events;
use emu_devices::pl011::Pl011;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const CTRL_A: u8 = 0x01;

/// The terminal settings before raw mode, for every exit path to restore.
static SAVED_TERMIOS: OnceLock<libc::termios> = OnceLock::new();

/// Puts the terminal back as it was (if we changed it). Async-signal-safe: one
/// `tcsetattr` on data set before any handler was installed.
pub fn restore_terminal() {
    if let Some(t) = SAVED_TERMIOS.get() {
        // SAFETY: `t` is a valid termios read from this terminal.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t) };
    }
}

/// Restores the terminal, then ends the process with `code` (use this instead of
/// `std::process::exit` once the machine runs).
pub fn exit(code: i32) -> ! {
    restore_terminal();
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

/// Restores the terminal, prints `emu: WHAT: WHY` and exits with the emulator-error
/// status (125).
pub fn exit_with_error(what: &str, why: &str) -> ! {
    restore_terminal();
    eprintln!("emu: {what}: {why}");
    exit(crate::EMULATOR_ERROR)
}

extern "C" fn restore_and_die(sig: libc::c_int) {
    restore_terminal();
    // SAFETY: resetting the disposition and re-raising are async-signal-safe; the default
    // action then ends the process with this signal, as if we had not caught it.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Switches stdin to raw mode (no echo, no line editing, no signals from keys; output
/// processing stays on, as QEMU keeps it, so "\n" still returns the carriage) and arranges
/// for it to be restored. Returns false when stdin is not a terminal.
pub fn enter_raw_mode() -> bool {
    // SAFETY: isatty/tcgetattr only read; `t` is fully written by tcgetattr on success.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    let is_tty = unsafe { libc::isatty(libc::STDIN_FILENO) } == 1
        && unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut t) } == 0;
    if !is_tty {
        return false;
    }
    let _ = SAVED_TERMIOS.set(t);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT] {
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe { libc::signal(sig, restore_and_die as *const () as libc::sighandler_t) };
    }
    let mut raw = t;
    raw.c_iflag &= !(libc::IGNBRK
        | libc::BRKINT
        | libc::PARMRK
        | libc::ISTRIP
        | libc::INLCR
        | libc::IGNCR
        | libc::ICRNL
        | libc::IXON);
    raw.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::ISIG | libc::IEXTEN);
    raw.c_cflag = (raw.c_cflag & !(libc::CSIZE | libc::PARENB)) | libc::CS8;
    raw.c_cc[libc::VMIN] = 1;
    raw.c_cc[libc::VTIME] = 0;
    // SAFETY: `raw` is a valid termios derived from the current one.
    unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) };
    true
}

const HELP: &str =
    "\r\nC-a h    print this help\r\nC-a x    exit emulator\r\nC-a C-a  sends C-a\r\n";

/// What a key typed on the terminal means.
#[derive(Debug, PartialEq, Eq)]
pub enum Key {
    /// Bytes for the guest.
    Guest(u8),
    Help,
    Quit,
    /// Swallowed (the escape itself, or an unknown command).
    Nothing,
}

/// The `Ctrl-A` escape state machine.
#[derive(Default)]
pub struct Mux {
    escaped: bool,
}

impl Mux {
    pub fn key(&mut self, byte: u8) -> Key {
        if !self.escaped {
            if byte == CTRL_A {
                self.escaped = true;
                return Key::Nothing;
            }
            return Key::Guest(byte);
        }
        self.escaped = false;
        match byte {
            b'x' | b'X' => Key::Quit,
            b'h' | b'H' | b'?' => Key::Help,
            CTRL_A => Key::Guest(CTRL_A),
            _ => Key::Nothing,
        }
    }
}

/// Host input waiting for room in the UART's receive FIFO.
pub struct InputQueue {
    pending: Mutex<VecDeque<u8>>,
    uart: Arc<Mutex<Pl011>>,
    events: Arc<Events>,
}

impl InputQueue {
    pub fn new(uart: Arc<Mutex<Pl011>>, events: Arc<Events>) -> Self {
        InputQueue {
            pending: Mutex::new(VecDeque::new()),
            uart,
            events,
        }
    }

    pub fn push(&self, bytes: &[u8]) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(bytes);
        self.feed();
    }

    /// Moves as much pending input into the FIFO as fits; true if some remains.
    pub fn feed(&self) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.is_empty() {
            return false;
        }
        let taken = {
            let mut uart = self.uart.lock().unwrap_or_else(|e| e.into_inner());
            let (a, b) = pending.as_slices();
            let first = uart.push_input(a);
            if first == a.len() {
                first + uart.push_input(b)
            } else {
                first
            }
        };
        pending.drain(..taken);
        if taken > 0 {
            // The receive timeout restarted.
            self.events.deadlines_changed();
        }
        !pending.is_empty()
    }
}

/// How often input that did not fit is offered again: the guest drains the FIFO within an
/// interrupt or a poll, so this only bounds the added latency of pasted text.
const RETRY: Duration = Duration::from_millis(1);

/// Reads stdin on a thread of its own until EOF, forwarding it through `queue`, and
/// offers input that did not fit again (on a second thread) until the guest takes it.
/// `terminal`: interpret `Ctrl-A` commands.
pub fn spawn_input(queue: Arc<InputQueue>, terminal: bool) -> std::io::Result<()> {
    let retry = queue.clone();
    let feeder = std::thread::Builder::new()
        .name("console-feed".into())
        .spawn(move || loop {
            if retry.feed() {
                std::thread::sleep(RETRY);
            } else {
                // Nothing waits: sleep until the reader has more (it unparks us).
                std::thread::park();
            }
        })?;
    let feeder = feeder.thread().clone();
    std::thread::Builder::new()
        .name("console-input".into())
        .spawn(move || read_stdin(&queue, terminal, &feeder))?;
    Ok(())
}

fn read_stdin(queue: &InputQueue, terminal: bool, feeder: &std::thread::Thread) {
    let mut mux = Mux::default();
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: reads into our own buffer of the given length.
        let n = unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            return; // EOF or error: the guest just gets no more input.
        }
        let chunk = &buf[..n as usize];
        if !terminal {
            queue.push(chunk);
        } else {
            let mut bytes = Vec::with_capacity(chunk.len());
            for &b in chunk {
                match mux.key(b) {
                    Key::Guest(g) => bytes.push(g),
                    Key::Help => {
                        let mut out = std::io::stdout();
                        let _ = out.write_all(HELP.as_bytes()).and_then(|_| out.flush());
                    }
                    Key::Quit => {
                        let _ = std::io::stdout().write_all(b"\r\nemu: terminated\r\n");
                        exit(0);
                    }
                    Key::Nothing => {}
                }
            }
            queue.push(&bytes);
        }
        feeder.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emu_core::clock::ManualClock;
    use emu_core::irq::IrqLine;

    #[test]
    fn ctrl_a_commands() {
        let mut m = Mux::default();
        assert_eq!(m.key(b'a'), Key::Guest(b'a'));
        assert_eq!(m.key(CTRL_A), Key::Nothing);
        assert_eq!(m.key(b'h'), Key::Help);
        assert_eq!(m.key(CTRL_A), Key::Nothing);
        assert_eq!(m.key(CTRL_A), Key::Guest(CTRL_A));
        assert_eq!(m.key(b'x'), Key::Guest(b'x'));
        assert_eq!(m.key(CTRL_A), Key::Nothing);
        assert_eq!(m.key(b'q'), Key::Nothing);
        assert_eq!(m.key(CTRL_A), Key::Nothing);
        assert_eq!(m.key(b'x'), Key::Quit);
    }

    #[test]
    fn input_waits_for_room_in_the_fifo() {
        let uart = Arc::new(Mutex::new(Pl011::new(
            IrqLine::disconnected(),
            Arc::new(ManualClock::new(0)),
            Box::new(std::io::sink()),
        )));
        let q = InputQueue::new(uart.clone(), Arc::new(Events::new()));
        // Out of reset the FIFO is off: one byte at a time.
        q.push(b"abc");
        assert!(q.feed(), "two bytes must still be waiting");
        use emu_core::mmio::MmioDevice;
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(uart.lock().unwrap().read(0, 0, 4) as u8);
            q.feed();
        }
        assert_eq!(got, b"abc");
        assert!(!q.feed());
    }
}

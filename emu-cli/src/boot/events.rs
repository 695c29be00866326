//! How the machine's threads tell each other that something happened, without anyone
//! spinning (DESIGN §7):
//!
//! - the vCPU thread sleeps in WFI on `cpu_wake` until it is kicked: by the GIC when an
//!   IRQ/FIQ starts being signalled to it, or by a request to stop;
//! - the timer thread sleeps on `timer_wake` until the earliest device deadline or until a
//!   guest write may have moved one (timer registers, UART/RTC accesses, console input);
//! - a running vCPU is stopped at its next block boundary through its `core.interrupt` word,
//!   which translated code and the interpreter test at every block entry.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

#[derive(Default)]
struct Flags {
    /// The vCPU should look at interrupts (set by kicks, cleared when the vCPU looks).
    cpu_kicked: bool,
    /// A device deadline may have changed since the timer thread last computed it.
    deadlines_changed: bool,
}

#[derive(Default)]
pub struct Events {
    flags: Mutex<Flags>,
    cpu_wake: Condvar,
    timer_wake: Condvar,
    /// Address of the vCPU's `core.interrupt` word (0: none registered yet).
    interrupt_word: AtomicUsize,
    /// `--deterministic`: a deadline change also stops the running vCPU at its next block
    /// boundary, so that its instruction limit is recomputed at once.
    stop_cpu_on_deadline_change: AtomicBool,
}

impl Events {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers the vCPU's `core.interrupt` word.
    ///
    /// # Safety
    /// `word` must stay valid (and 8-byte aligned) for the rest of the process: the timer,
    /// console and GIC threads write it at any time.
    pub unsafe fn set_interrupt_word(&self, word: *mut u64) {
        self.interrupt_word.store(word as usize, Ordering::Release);
    }

    /// Makes the vCPU leave translated code at its next block boundary and wake from WFI.
    /// Safe to call with the GIC locked (it touches only this struct and the word).
    pub fn kick_cpu(&self) {
        let word = self.interrupt_word.load(Ordering::Acquire);
        if word != 0 {
            // SAFETY: registered through `set_interrupt_word`, whose contract keeps it valid;
            // the runtime reads it with a volatile load, so an atomic store is seen.
            unsafe { AtomicU64::from_ptr(word as *mut u64) }.store(1, Ordering::Release);
        }
        self.lock().cpu_kicked = true;
        self.cpu_wake.notify_all();
    }

    /// Clears the vCPU's interrupt request before it looks at what is pending (a kick
    /// arriving after this is seen on the next check).
    pub fn take_kick(&self) {
        let word = self.interrupt_word.load(Ordering::Acquire);
        if word != 0 {
            // SAFETY: as in `kick_cpu`.
            unsafe { AtomicU64::from_ptr(word as *mut u64) }.store(0, Ordering::Release);
        }
        self.lock().cpu_kicked = false;
    }

    /// Sleeps the vCPU until a kick or until `should_wake` holds (checked first, with the
    /// flags locked so that a kick between the check and the sleep is not lost). `limit`
    /// bounds the sleep (None: until kicked).
    pub fn wait_for_kick(&self, should_wake: impl Fn() -> bool, limit: Option<Duration>) {
        let mut flags = self.lock();
        if flags.cpu_kicked || should_wake() {
            return;
        }
        match limit {
            Some(d) => {
                flags = self
                    .cpu_wake
                    .wait_timeout_while(flags, d, |f| !f.cpu_kicked)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            None => {
                flags = self
                    .cpu_wake
                    .wait_while(flags, |f| !f.cpu_kicked)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
        drop(flags);
    }

    /// See `stop_cpu_on_deadline_change`.
    pub fn set_stop_cpu_on_deadline_change(&self, on: bool) {
        self.stop_cpu_on_deadline_change
            .store(on, Ordering::Release);
    }

    /// A device deadline may have moved: the timer thread recomputes it.
    pub fn deadlines_changed(&self) {
        if self.stop_cpu_on_deadline_change.load(Ordering::Acquire) {
            let word = self.interrupt_word.load(Ordering::Acquire);
            if word != 0 {
                // SAFETY: as in `kick_cpu`.
                unsafe { AtomicU64::from_ptr(word as *mut u64) }.store(1, Ordering::Release);
            }
        }
        self.lock().deadlines_changed = true;
        self.timer_wake.notify_all();
    }

    /// The timer thread's sleep: until `timeout` passes (None: indefinitely) or a deadline
    /// changes.
    pub fn wait_for_deadline_change(&self, timeout: Option<Duration>) {
        let mut flags = self.lock();
        if !flags.deadlines_changed {
            flags = match timeout {
                Some(d) => self
                    .timer_wake
                    .wait_timeout_while(flags, d, |f| !f.deadlines_changed)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0),
                None => self
                    .timer_wake
                    .wait_while(flags, |f| !f.deadlines_changed)
                    .unwrap_or_else(|e| e.into_inner()),
            };
        }
        flags.deadlines_changed = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    #[test]
    fn kick_sets_the_interrupt_word_and_wakes_a_waiting_cpu() {
        let events = Arc::new(Events::new());
        let word = Box::leak(Box::new(0u64));
        // SAFETY: leaked, so valid forever.
        unsafe { events.set_interrupt_word(word) };
        let e2 = events.clone();
        let kicker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            e2.kick_cpu();
        });
        let start = Instant::now();
        events.wait_for_kick(|| false, Some(Duration::from_secs(10)));
        assert!(start.elapsed() < Duration::from_secs(5));
        kicker.join().unwrap();
        // SAFETY: plain read of the leaked word after the kicker finished.
        assert_eq!(unsafe { std::ptr::read_volatile(word) }, 1);
        events.take_kick();
        // SAFETY: as above.
        assert_eq!(unsafe { std::ptr::read_volatile(word) }, 0);
    }

    #[test]
    fn wait_returns_at_once_when_already_pending_and_times_out_otherwise() {
        let events = Events::new();
        let start = Instant::now();
        events.wait_for_kick(|| true, None);
        events.wait_for_kick(|| false, Some(Duration::from_millis(10)));
        assert!(start.elapsed() >= Duration::from_millis(10));
        events.kick_cpu();
        events.wait_for_kick(|| false, None); // the earlier kick is not lost
    }

    #[test]
    fn in_deterministic_mode_a_deadline_change_stops_the_running_cpu() {
        let events = Events::new();
        let word = Box::leak(Box::new(0u64));
        // SAFETY: leaked, so valid forever.
        unsafe { events.set_interrupt_word(word) };
        events.deadlines_changed();
        // SAFETY: plain read of the leaked word on this thread.
        assert_eq!(
            unsafe { std::ptr::read_volatile(word) },
            0,
            "host time: no stop"
        );
        events.set_stop_cpu_on_deadline_change(true);
        events.deadlines_changed();
        // SAFETY: as above.
        assert_eq!(unsafe { std::ptr::read_volatile(word) }, 1);
    }

    #[test]
    fn deadline_change_wakes_the_timer_thread() {
        let events = Arc::new(Events::new());
        let e2 = events.clone();
        let t = std::thread::spawn(move || e2.wait_for_deadline_change(None));
        std::thread::sleep(Duration::from_millis(10));
        events.deadlines_changed();
        t.join().unwrap();
    }
}

//! Wall-clock limits on a run (`--timeout SECS`): a timer thread that, at the deadline,
//! sets a flag and performs an action chosen by the front end.
//!
//! User mode ends the whole process from the timer thread (the guest may be blocked in a
//! host syscall, where no run-loop check would see a flag). A system-mode loop instead
//! passes an action that raises its vCPUs' `interrupt` words ([`InterruptHandle`]), so
//! every run loop returns `Exit::INTERRUPT` at the next block boundary and can see
//! [`Timeout::expired`] and shut the machine down in order (flushing serial capture).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The exit status for a run stopped by `--timeout`, as `timeout(1)` uses.
pub const TIMEOUT_STATUS: i32 = 124;

/// A running timer. Dropping it does not stop the timer thread (the run is expected to
/// end first; if not, the action still runs).
pub struct Timeout {
    expired: Arc<AtomicBool>,
    deadline: SystemTime,
}

impl Timeout {
    /// Starts a thread that waits until `deadline` (wall clock, so a deadline can be
    /// handed on to a re-executed emulator as an absolute time), then sets the flag and
    /// runs `on_expiry` on that thread.
    pub fn start(
        deadline: SystemTime,
        on_expiry: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<Timeout> {
        let expired = Arc::new(AtomicBool::new(false));
        let flag = expired.clone();
        std::thread::Builder::new()
            .name("emu-timeout".into())
            .spawn(move || {
                // sleep may return early (or the clock may be stepped): check again.
                loop {
                    match deadline.duration_since(SystemTime::now()) {
                        Ok(left) if !left.is_zero() => std::thread::sleep(left),
                        _ => break,
                    }
                }
                flag.store(true, Ordering::SeqCst);
                on_expiry();
            })?;
        Ok(Timeout { expired, deadline })
    }

    /// Starts a timer for `after` from now.
    pub fn after(
        after: Duration,
        on_expiry: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<Timeout> {
        Self::start(SystemTime::now() + after, on_expiry)
    }

    /// Whether the deadline has passed (the action has been started).
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
    }

    pub fn deadline(&self) -> SystemTime {
        self.deadline
    }
}

/// A vCPU's `CoreState::interrupt` word, to be raised from another thread.
#[derive(Clone, Copy, Debug)]
pub struct InterruptHandle(*const AtomicU64);

// SAFETY: the word is only accessed atomically, and `new`'s contract keeps it alive.
unsafe impl Send for InterruptHandle {}
unsafe impl Sync for InterruptHandle {}

impl InterruptHandle {
    /// # Safety
    /// `word` must point to a vCPU's `interrupt` word (8-byte aligned) that stays alive as
    /// long as this handle may be used.
    pub unsafe fn new(word: *mut u64) -> InterruptHandle {
        InterruptHandle(word as *const AtomicU64)
    }

    /// Makes the vCPU's run loop return `Exit::INTERRUPT` at the next block boundary.
    pub fn raise(&self) {
        // SAFETY: `new`'s contract; AtomicU64 has the layout of u64.
        unsafe { (*self.0).store(1, Ordering::SeqCst) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Instant;

    #[test]
    fn fires_once_at_the_deadline() {
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        let t = Timeout::after(Duration::from_millis(50), move || {
            let _ = tx.send(Instant::now());
        })
        .unwrap();
        assert!(!t.expired());
        let fired = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(fired.duration_since(start) >= Duration::from_millis(50));
        assert!(t.expired());
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    }

    #[test]
    fn a_past_deadline_fires_at_once_and_raises_the_interrupt_word() {
        let word = Box::leak(Box::new(0u64));
        // SAFETY: leaked, so alive forever.
        let handle = unsafe { InterruptHandle::new(word) };
        let (tx, rx) = mpsc::channel();
        let past = SystemTime::now() - Duration::from_secs(5);
        let t = Timeout::start(past, move || {
            handle.raise();
            let _ = tx.send(());
        })
        .unwrap();
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(t.expired());
        // SAFETY: the timer thread has finished writing (it sent afterwards).
        assert_eq!(unsafe { std::ptr::read_volatile(word) }, 1);
    }
}

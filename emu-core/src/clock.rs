//! The virtual clock: the one source of time for the generic timer, the RTC and device
//! delays (DESIGN §7). Host time by default; `ManualClock` is the deterministic mode's
//! building block (time set by whoever counts retired instructions, or by a test).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub trait Clock: Send + Sync {
    /// Nanoseconds since the machine started. Monotonic.
    fn now_ns(&self) -> u64;
}

/// Host monotonic time since creation.
pub struct HostClock {
    start: Instant,
}

impl HostClock {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Default for HostClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for HostClock {
    fn now_ns(&self) -> u64 {
        // u64 nanoseconds last 584 years; saturate rather than wrap past that.
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that only moves when told to.
#[derive(Default)]
pub struct ManualClock {
    ns: AtomicU64,
}

impl ManualClock {
    pub fn new(start_ns: u64) -> Self {
        Self {
            ns: AtomicU64::new(start_ns),
        }
    }
    pub fn advance(&self, delta_ns: u64) {
        let _ = self
            .ns
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(delta_ns))
            });
    }
    /// Move to `ns`; never backwards (the clock is monotonic).
    pub fn set(&self, ns: u64) {
        self.ns.fetch_max(ns, Ordering::AcqRel);
    }
}

impl Clock for ManualClock {
    fn now_ns(&self) -> u64 {
        self.ns.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_clock_is_monotonic_and_moves() {
        let c = HostClock::new();
        let a = c.now_ns();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = c.now_ns();
        assert!(b >= a + 1_000_000, "{a} -> {b}");
    }

    #[test]
    fn manual_clock_never_goes_back() {
        let c = ManualClock::new(10);
        c.advance(5);
        assert_eq!(c.now_ns(), 15);
        c.set(12);
        assert_eq!(c.now_ns(), 15);
        c.set(100);
        assert_eq!(c.now_ns(), 100);
        c.advance(u64::MAX);
        assert_eq!(c.now_ns(), u64::MAX);
    }
}

//! Interrupt lines. A device owns an `IrqLine` and drives it high or low; the line forwards
//! level changes to the interrupt controller through the narrow `InterruptSink` trait, so a
//! device never sees the controller (and the controller can be swapped: GICv2 or GICv3).
//!
//! The line only carries a level. Whether the controller latches the rising edge or follows
//! the level is the controller's configuration (GICD_ICFGR), as on real hardware; an edge
//! device signals an event with `pulse()`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Which controller input a line is wired to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IrqSource {
    /// Shared peripheral interrupt `n` (GIC INTID 32 + n), the numbering of the device tree.
    Spi(u32),
    /// Private peripheral interrupt `n` (GIC INTID 16 + n) of one CPU.
    Ppi { cpu: usize, ppi: u32 },
}

/// The controller side of interrupt lines.
pub trait InterruptSink: Send + Sync {
    fn set_level(&self, source: IrqSource, level: bool);
}

/// What a CPU needs from its interrupt controller, and nothing more: whether an IRQ or FIQ
/// is being signalled to it (checked at block entry and after WFI wakes), and the system
/// registers the controller implements (the GICv3 CPU interface, ICC_*_EL1). `encoding` is
/// op0:op1:CRn:CRm:op2 as in bits \[20:5\] of MRS/MSR.
pub trait CpuInterruptInterface: Send + Sync {
    fn irq_pending(&self, cpu: usize) -> bool;
    fn fiq_pending(&self, cpu: usize) -> bool;
    /// `None`: not a register of this controller (the CPU raises UNDEF).
    fn read_sysreg(&self, cpu: usize, encoding: u32) -> Option<u64>;
    /// `false`: not a writable register of this controller (the CPU raises UNDEF).
    fn write_sysreg(&self, cpu: usize, encoding: u32, value: u64) -> bool;
}

/// One interrupt output of a device.
pub struct IrqLine {
    sink: Arc<dyn InterruptSink>,
    source: IrqSource,
    level: AtomicBool,
}

impl IrqLine {
    pub fn new(sink: Arc<dyn InterruptSink>, source: IrqSource) -> Self {
        Self {
            sink,
            source,
            level: AtomicBool::new(false),
        }
    }

    /// A line wired to nothing, for devices built before the board connects them.
    pub fn disconnected() -> Self {
        Self::new(Arc::new(NullSink), IrqSource::Spi(0))
    }

    pub fn source(&self) -> IrqSource {
        self.source
    }

    pub fn level(&self) -> bool {
        self.level.load(Ordering::Acquire)
    }

    /// Drive the line; the controller hears only changes, as a wire would carry them.
    pub fn set(&self, level: bool) {
        if self.level.swap(level, Ordering::AcqRel) != level {
            self.sink.set_level(self.source, level);
        }
    }

    pub fn raise(&self) {
        self.set(true)
    }

    pub fn lower(&self) {
        self.set(false)
    }

    /// One edge: a rising then a falling transition (for edge-triggered inputs).
    pub fn pulse(&self) {
        self.sink.set_level(self.source, true);
        self.sink.set_level(self.source, false);
        self.level.store(false, Ordering::Release);
    }
}

struct NullSink;
impl InterruptSink for NullSink {
    fn set_level(&self, _: IrqSource, _: bool) {}
}

/// A sink that remembers the current level of every source and counts rising edges: lets
/// device models be tested (and traced) without an interrupt controller.
#[derive(Default)]
pub struct LevelRecorder {
    inner: Mutex<HashMap<IrqSource, (bool, u64)>>,
}

impl LevelRecorder {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
    pub fn level(&self, source: IrqSource) -> bool {
        self.lock().get(&source).is_some_and(|s| s.0)
    }
    pub fn rising_edges(&self, source: IrqSource) -> u64 {
        self.lock().get(&source).map_or(0, |s| s.1)
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IrqSource, (bool, u64)>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl InterruptSink for LevelRecorder {
    fn set_level(&self, source: IrqSource, level: bool) {
        let mut map = self.lock();
        let entry = map.entry(source).or_insert((false, 0));
        if level && !entry.0 {
            entry.1 += 1;
        }
        entry.0 = level;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_forwards_only_changes() {
        let rec = LevelRecorder::new();
        let line = IrqLine::new(rec.clone(), IrqSource::Spi(1));
        assert!(!rec.level(IrqSource::Spi(1)));
        line.raise();
        line.raise();
        assert!(rec.level(IrqSource::Spi(1)));
        assert!(line.level());
        line.lower();
        assert!(!rec.level(IrqSource::Spi(1)));
        line.raise();
        assert_eq!(rec.rising_edges(IrqSource::Spi(1)), 2);
        assert!(!rec.level(IrqSource::Spi(2)));
    }

    #[test]
    fn pulse_is_one_edge_and_leaves_the_line_low() {
        let rec = LevelRecorder::new();
        let src = IrqSource::Ppi { cpu: 1, ppi: 14 };
        let line = IrqLine::new(rec.clone(), src);
        line.pulse();
        line.pulse();
        assert_eq!(rec.rising_edges(src), 2);
        assert!(!rec.level(src));
        assert!(!line.level());
    }
}

//! The Generic Interrupt Controller: GICv3 (distributor, one redistributor per CPU, and the
//! CPU interface as ICC_* system registers) and GICv2 (distributor and the memory-mapped
//! CPU interface), for a single security state (GICD_CTLR.DS = 1) as QEMU's virt board
//! without secure mode.
//!
//! One `Gic` holds the state; the MMIO views (`GicDistributor`, `GicRedistributors`,
//! `GicV2CpuInterface`) and the CPU-side `CpuInterruptInterface` all lock it. After every
//! change the per-CPU IRQ/FIQ outputs are recomputed into atomics, so the CPU's "is an
//! interrupt pending" check at block entry is one load, and a CPU asleep in WFI is woken
//! through the hook set with `set_wakeup`.

mod cpu_sysregs;
mod distributor;
mod redistributor;
mod regfile;
pub mod state;
mod v2_cpu;

pub use cpu_sysregs::regs as icc;
pub use distributor::GicDistributor;
pub use redistributor::{GicRedistributors, REDIST_STRIDE};
pub use state::Version;
pub use v2_cpu::GicV2CpuInterface;

use emu_core::irq::{CpuInterruptInterface, InterruptSink, IrqSource};
use state::{GicState, SPI_BASE};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Size of the distributor window (GICv2 and GICv3).
pub const DIST_SIZE: u64 = 0x1_0000;
/// Size of the GICv2 CPU interface window on the virt board.
pub const V2_CPU_SIZE: u64 = 0x1_0000;
/// SPIs the virt board's GIC implements (QEMU's NUM_IRQS).
pub const VIRT_NUM_SPIS: usize = 256;

type WakeHook = Box<dyn Fn(usize) + Send + Sync>;

pub struct Gic {
    state: Mutex<GicState>,
    irq_out: Vec<AtomicBool>,
    fiq_out: Vec<AtomicBool>,
    wake: Mutex<Option<WakeHook>>,
}

impl Gic {
    pub fn new(version: Version, num_cpus: usize, num_spis: usize) -> Arc<Self> {
        // Whole groups of 32 (GICD_TYPER.ITLinesNumber counts them), below INTID 1020.
        let state = GicState::new(version, num_cpus, num_spis.min(988) / 32 * 32);
        let n = state.num_cpus;
        Arc::new(Self {
            state: Mutex::new(state),
            irq_out: (0..n).map(|_| AtomicBool::new(false)).collect(),
            fiq_out: (0..n).map(|_| AtomicBool::new(false)).collect(),
            wake: Mutex::new(None),
        })
    }

    pub fn version(&self) -> Version {
        self.lock().version
    }

    pub fn num_cpus(&self) -> usize {
        self.irq_out.len()
    }

    /// Called with a CPU index when an IRQ or FIQ starts being signalled to it. Runs with
    /// the GIC locked: it should only wake the CPU's thread (unpark, notify a condvar).
    pub fn set_wakeup(&self, hook: impl Fn(usize) + Send + Sync + 'static) {
        *self.wake.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(hook));
    }

    /// The flag behind `irq_pending(cpu)`, for translated code to test at block entry with
    /// one load (it lives as long as the GIC).
    pub fn irq_flag(&self, cpu: usize) -> Option<&AtomicBool> {
        self.irq_out.get(cpu)
    }

    fn lock(&self) -> MutexGuard<'_, GicState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` on the state, then recompute the CPU outputs.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut GicState) -> R) -> R {
        let mut st = self.lock();
        let result = f(&mut st);
        self.update_outputs(&st);
        result
    }

    fn update_outputs(&self, st: &GicState) {
        for cpu in 0..self.irq_out.len() {
            let (irq, fiq) = st.signals(cpu);
            let was_irq = self.irq_out[cpu].swap(irq, Ordering::AcqRel);
            let was_fiq = self.fiq_out[cpu].swap(fiq, Ordering::AcqRel);
            let rose_irq = irq && !was_irq;
            let rose_fiq = fiq && !was_fiq;
            if rose_irq || rose_fiq {
                if let Some(wake) = &*self.wake.lock().unwrap_or_else(|e| e.into_inner()) {
                    wake(cpu);
                }
            }
        }
    }
}

impl InterruptSink for Gic {
    fn set_level(&self, source: IrqSource, level: bool) {
        self.with_state(|st| match source {
            IrqSource::Spi(n) => st.set_input(0, SPI_BASE.saturating_add(n), level),
            IrqSource::Ppi { cpu, ppi } if ppi < 16 => st.set_input(cpu, 16 + ppi, level),
            IrqSource::Ppi { .. } => tracing::debug!("gic: no such PPI {source:?}"),
        })
    }
}

impl CpuInterruptInterface for Gic {
    fn irq_pending(&self, cpu: usize) -> bool {
        self.irq_out
            .get(cpu)
            .is_some_and(|b| b.load(Ordering::Acquire))
    }

    fn fiq_pending(&self, cpu: usize) -> bool {
        self.fiq_out
            .get(cpu)
            .is_some_and(|b| b.load(Ordering::Acquire))
    }

    // GICv2 has no system register interface: its ICC_* encodings are UNDEFINED.
    fn read_sysreg(&self, cpu: usize, encoding: u32) -> Option<u64> {
        if cpu >= self.num_cpus() || self.version() == Version::V2 {
            return None;
        }
        self.with_state(|st| cpu_sysregs::read(st, cpu, encoding))
    }

    fn write_sysreg(&self, cpu: usize, encoding: u32, value: u64) -> bool {
        if cpu >= self.num_cpus() || self.version() == Version::V2 {
            return false;
        }
        self.with_state(|st| cpu_sysregs::write(st, cpu, encoding, value))
    }
}

#[cfg(test)]
mod tests;

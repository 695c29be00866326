//! GICv3 redistributors: one pair of 64 KiB frames per CPU, contiguous from the board's
//! redistributor base (RD_base for control, SGI_base for the CPU's SGIs and PPIs). No LPIs.

use super::distributor::{id_register, IIDR_ARM};
use super::regfile::{self, View};
use super::state::affinity;
use super::Gic;
use emu_core::mmio::MmioDevice;
use std::sync::Arc;

/// Bytes of address space per CPU (RD_base + SGI_base).
pub const REDIST_STRIDE: u64 = 0x2_0000;
const SGI_FRAME: u64 = 0x1_0000;

const CTLR: u64 = 0x0000;
const IIDR: u64 = 0x0004;
const TYPER: u64 = 0x0008;
const WAKER: u64 = 0x0014;

const TYPER_LAST: u64 = 1 << 4;
const WAKER_PROCESSOR_SLEEP: u32 = 1 << 1;
const WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;

const REDIST_IDS: [u8; 12] = [0x44, 0, 0, 0, 0x93, 0xB4, 0x3B, 0, 0x0D, 0xF0, 0x05, 0xB1];

/// All CPUs' redistributors as one MMIO region of `num_cpus * REDIST_STRIDE` bytes.
pub struct GicRedistributors {
    gic: Arc<Gic>,
}

impl GicRedistributors {
    pub fn new(gic: Arc<Gic>) -> Self {
        Self { gic }
    }

    pub fn region_size(&self) -> u64 {
        self.gic.num_cpus() as u64 * REDIST_STRIDE
    }
}

fn typer(version: super::Version, cpu: usize, last: bool) -> u64 {
    let last = if last { TYPER_LAST } else { 0 };
    // Affinity_Value [63:32], Processor_Number [23:8], Last [4].
    affinity(version, cpu) << 32 | ((cpu as u64 & 0xFFFF) << 8) | last
}

impl MmioDevice for GicRedistributors {
    fn read(&mut self, _cpu: usize, offset: u64, size: u8) -> u64 {
        let target = (offset / REDIST_STRIDE) as usize;
        let frame_offset = offset % REDIST_STRIDE;
        self.gic.with_state(|st| {
            if target >= st.num_cpus {
                return 0;
            }
            if frame_offset >= SGI_FRAME {
                let reg = frame_offset - SGI_FRAME;
                if regfile::covers(reg) {
                    let v = View {
                        cpu: target,
                        intids: 0..32,
                    };
                    return regfile::read(st, &v, reg, size);
                }
                tracing::debug!("gicr{target}: read of unknown SGI register {reg:#x}");
                return 0;
            }
            let last = target + 1 == st.num_cpus;
            match (frame_offset, size) {
                (TYPER, 8) => typer(st.version, target, last),
                (TYPER, 4) => typer(st.version, target, last) & 0xFFFF_FFFF,
                (0xC, 4) => typer(st.version, target, last) >> 32,
                (CTLR, 4) => 0, // no LPIs: EnableLPIs RAZ/WI, RWP never set
                (IIDR, 4) => u64::from(IIDR_ARM),
                (WAKER, 4) => {
                    // The redistributor's children go to sleep as soon as asked.
                    let sleep = st.cpus.get(target).is_some_and(|p| p.processor_sleep);
                    let v = if sleep {
                        WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP
                    } else {
                        0
                    };
                    u64::from(v)
                }
                (off, 4) => id_register(&REDIST_IDS, 0xFFD0, off).map_or_else(
                    || {
                        tracing::debug!("gicr{target}: read of unknown register {off:#x}");
                        0
                    },
                    u64::from,
                ),
                (off, _) => {
                    tracing::debug!("gicr{target}: unsupported read at {off:#x} size {size}");
                    0
                }
            }
        })
    }

    fn write(&mut self, _cpu: usize, offset: u64, size: u8, value: u64) {
        let target = (offset / REDIST_STRIDE) as usize;
        let frame_offset = offset % REDIST_STRIDE;
        self.gic.with_state(|st| {
            if target >= st.num_cpus {
                return;
            }
            if frame_offset >= SGI_FRAME {
                let reg = frame_offset - SGI_FRAME;
                if regfile::covers(reg) {
                    let v = View {
                        cpu: target,
                        intids: 0..32,
                    };
                    return regfile::write(st, &v, reg, size, value);
                }
                tracing::debug!("gicr{target}: write to unknown SGI register {reg:#x}");
                return;
            }
            match (frame_offset, size) {
                (WAKER, 4) => {
                    if let Some(p) = st.cpus.get_mut(target) {
                        p.processor_sleep = value as u32 & WAKER_PROCESSOR_SLEEP != 0;
                    }
                }
                (off, _) => tracing::debug!("gicr{target}: ignored write at {off:#x} size {size}"),
            }
        })
    }
}

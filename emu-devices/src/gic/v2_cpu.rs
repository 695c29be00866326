//! The GICv2 memory-mapped CPU interface (GICC_*), banked per accessing CPU. Without the
//! security extensions there is one group and GICC_CTLR has Enable (bit 0) and EOImode
//! (bit 9).

use super::state::{GicState, BPR0_MIN, PRIORITY_MASK, SPURIOUS};
use super::Gic;
use emu_core::mmio::MmioDevice;
use std::sync::Arc;

const CTLR: u64 = 0x00;
const PMR: u64 = 0x04;
const BPR: u64 = 0x08;
const IAR: u64 = 0x0C;
const EOIR: u64 = 0x10;
const RPR: u64 = 0x14;
const HPPIR: u64 = 0x18;
const ABPR: u64 = 0x1C;
const APR0: u64 = 0xD0;
const IIDR: u64 = 0xFC;
const DIR: u64 = 0x1000;

const CTLR_ENABLE: u32 = 1 << 0;
const CTLR_EOIMODE: u32 = 1 << 9;
/// ProductID 0x020, architecture version 2, implementer ARM (as QEMU reports).
const IIDR_VALUE: u32 = 0x0202_043B;

pub struct GicV2CpuInterface {
    gic: Arc<Gic>,
}

impl GicV2CpuInterface {
    pub fn new(gic: Arc<Gic>) -> Self {
        Self { gic }
    }
}

fn read32(st: &mut GicState, cpu: usize, offset: u64) -> u32 {
    let Some(p) = st.cpus.get(cpu) else { return 0 };
    let iface = &p.iface;
    match offset {
        CTLR => {
            (u32::from(iface.igrpen0) * CTLR_ENABLE) | (u32::from(iface.eoi_mode) * CTLR_EOIMODE)
        }
        PMR => u32::from(iface.pmr),
        BPR => u32::from(iface.bpr0),
        RPR => u32::from(iface.running_priority()),
        APR0 => iface
            .active_priorities
            .iter()
            .fold(0, |acc, &(_, prio, _)| acc | 1 << (prio >> 3)),
        IIDR => IIDR_VALUE,
        IAR => st.acknowledge(cpu, None),
        HPPIR => match st.highest_pending(cpu, None) {
            // An SGI reports its lowest pending source CPU in [12:10].
            Some((intid, _, _)) if intid < 16 => {
                let sources = st
                    .cpus
                    .get(cpu)
                    .map_or(0, |p| p.sgi_sources[intid as usize]);
                intid | sources.trailing_zeros().min(7) << 10
            }
            Some((intid, _, _)) => intid,
            None => SPURIOUS,
        },
        ABPR => 0,
        _ => {
            tracing::debug!("gicc: read of unknown register {offset:#x}");
            0
        }
    }
}

fn write32(st: &mut GicState, cpu: usize, offset: u64, value: u32) {
    match offset {
        EOIR => return st.end_of_interrupt(cpu, value),
        DIR => return st.deactivate(cpu, value & 0x3FF),
        _ => {}
    }
    let Some(p) = st.cpus.get_mut(cpu) else {
        return;
    };
    let iface = &mut p.iface;
    match offset {
        CTLR => {
            iface.igrpen0 = value & CTLR_ENABLE != 0;
            iface.eoi_mode = value & CTLR_EOIMODE != 0;
        }
        PMR => iface.pmr = value as u8 & PRIORITY_MASK,
        BPR => iface.bpr0 = (value as u8 & 7).max(BPR0_MIN),
        APR0 if value == 0 => iface.active_priorities.clear(),
        _ => tracing::debug!("gicc: write to unknown or read-only register {offset:#x}"),
    }
}

impl MmioDevice for GicV2CpuInterface {
    fn read(&mut self, cpu: usize, offset: u64, size: u8) -> u64 {
        if !offset.is_multiple_of(4) || size != 4 {
            tracing::debug!("gicc: unsupported read at {offset:#x} size {size}");
            return 0;
        }
        u64::from(self.gic.with_state(|st| read32(st, cpu, offset)))
    }

    fn write(&mut self, cpu: usize, offset: u64, size: u8, value: u64) {
        if !offset.is_multiple_of(4) || size != 4 {
            tracing::debug!("gicc: unsupported write at {offset:#x} size {size}");
            return;
        }
        self.gic
            .with_state(|st| write32(st, cpu, offset, value as u32))
    }
}

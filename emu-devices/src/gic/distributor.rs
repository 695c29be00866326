//! The distributor's MMIO view (GICD_*), for GICv2 and GICv3.
//!
//! GICv3 runs with affinity routing always on (GICD_CTLR.ARE RAO/WI, as the architecture
//! allows for implementations without legacy support): the distributor's SGI/PPI registers
//! are then RAZ/WI, the redistributors own INTIDs 0..31, and SPIs are routed by IROUTER.
//! GICv2 banks INTIDs 0..31 per accessing CPU and routes SPIs by ITARGETSR.

use super::regfile::{self, View};
use super::state::{GicState, Version, SPI_BASE};
use super::Gic;
use emu_core::mmio::MmioDevice;
use std::sync::Arc;

const CTLR: u64 = 0x000;
const TYPER: u64 = 0x004;
const IIDR: u64 = 0x008;
const TYPER2: u64 = 0x00C;
const ITARGETSR: u64 = 0x800;
const ITARGETSR_END: u64 = 0xC00;
const SGIR: u64 = 0xF00;
const CPENDSGIR: u64 = 0xF10;
const SPENDSGIR: u64 = 0xF20;
const SPENDSGIR_END: u64 = 0xF30;
const IROUTER: u64 = 0x6000;
const IROUTER_END: u64 = 0x7FE0;
const IROUTER_MASK: u64 = 0xFF_80FF_FFFF;

const CTLR_ARE: u32 = 1 << 4;
const CTLR_DS: u32 = 1 << 6;

/// ARM's JEP106 code in GICD_IIDR/GICR_IIDR, as QEMU reports.
pub const IIDR_ARM: u32 = 0x43B;

/// PIDR4..7, PIDR0..3, CIDR0..3 starting at 0xFFD0 (GICv3: PIDR2 ArchRev = 3) or 0xFD0
/// (GICv2: ArchRev = 2), the values QEMU's models return.
const V3_DIST_IDS: [u8; 12] = [0x44, 0, 0, 0, 0x92, 0xB4, 0x3B, 0, 0x0D, 0xF0, 0x05, 0xB1];
const V2_DIST_IDS: [u8; 12] = [0x04, 0, 0, 0, 0x90, 0xB4, 0x2B, 0, 0x0D, 0xF0, 0x05, 0xB1];

/// ID register `offset` from a 12-word ID block starting at `base`.
pub(super) fn id_register(ids: &[u8; 12], base: u64, offset: u64) -> Option<u32> {
    if !offset.is_multiple_of(4) {
        return None;
    }
    let index = usize::try_from(offset.checked_sub(base)? / 4).ok()?;
    ids.get(index).map(|&b| u32::from(b))
}

pub struct GicDistributor {
    gic: Arc<Gic>,
}

impl GicDistributor {
    pub fn new(gic: Arc<Gic>) -> Self {
        Self { gic }
    }
}

fn view(st: &GicState, cpu: usize) -> View {
    let first = match st.version {
        Version::V2 => 0,
        Version::V3 => SPI_BASE,
    };
    View {
        cpu,
        intids: first..st.num_irqs(),
    }
}

fn read32(st: &GicState, cpu: usize, offset: u64) -> u32 {
    let v3 = st.version == Version::V3;
    match offset {
        CTLR if v3 => st.dist_ctlr & 3 | CTLR_ARE | CTLR_DS,
        CTLR => st.dist_ctlr & 1,
        TYPER => {
            let lines = st.num_irqs() / 32 - 1;
            let cpus = (st.num_cpus.min(8) as u32 - 1) << 5;
            // GICv3: IDbits = 9 (10-bit INTIDs), no LPIs, no security extension.
            let id_bits = if v3 { 9 << 19 } else { 0 };
            lines | cpus | id_bits
        }
        IIDR => IIDR_ARM,
        TYPER2 => 0,
        _ if !v3 && (CPENDSGIR..SPENDSGIR_END).contains(&offset) => {
            // One byte per SGI: the CPUs that have it pending at this CPU.
            let first = (offset & 0xF) as usize;
            st.cpus.get(cpu).map_or(0, |p| {
                (0..4).fold(0, |acc, i| {
                    acc | u32::from(p.sgi_sources[first + i]) << (8 * i)
                })
            })
        }
        _ => {
            let ids = if v3 {
                (&V3_DIST_IDS, 0xFFD0)
            } else {
                (&V2_DIST_IDS, 0xFD0)
            };
            id_register(ids.0, ids.1, offset).unwrap_or_else(|| {
                tracing::debug!("gicd: read of unknown register {offset:#x}");
                0
            })
        }
    }
}

fn write32(st: &mut GicState, cpu: usize, offset: u64, value: u32) {
    let v3 = st.version == Version::V3;
    match offset {
        // EnableGrp0 and EnableGrp1 (GICv2 without security: Enable only).
        CTLR => st.dist_ctlr = value & if v3 { 3 } else { 1 },
        SGIR if !v3 => {
            let sgi = value & 15;
            let list = (value >> 16) & 0xFF;
            let n = st.num_cpus;
            let targets: Vec<usize> = match (value >> 24) & 3 {
                0 => (0..n.min(8)).filter(|t| list & (1 << t) != 0).collect(),
                1 => (0..n.min(8)).filter(|&t| t != cpu).collect(),
                2 => vec![cpu],
                _ => Vec::new(), // reserved filter
            };
            st.send_sgi(cpu, sgi, targets.into_iter());
        }
        _ if !v3 && (CPENDSGIR..SPENDSGIR_END).contains(&offset) => {
            let set = offset >= SPENDSGIR;
            let first = (offset & 0xF) as usize;
            let Some(p) = st.cpus.get_mut(cpu) else {
                return;
            };
            for i in 0..4 {
                let bits = (value >> (8 * i)) as u8;
                let sources = &mut p.sgi_sources[first + i];
                if set {
                    *sources |= bits;
                } else {
                    *sources &= !bits;
                }
                p.banked[first + i].pending_latch = *sources != 0;
            }
        }
        _ => tracing::debug!("gicd: write to unknown or read-only register {offset:#x}"),
    }
}

/// ITARGETSR byte for `intid` (GICv2): SGIs/PPIs read as the accessing CPU.
fn read_target(st: &GicState, cpu: usize, intid: u32) -> u8 {
    if intid < SPI_BASE {
        if cpu < 8 {
            1 << cpu
        } else {
            0
        }
    } else {
        st.spi_targets
            .get((intid - SPI_BASE) as usize)
            .copied()
            .unwrap_or(0)
    }
}

impl MmioDevice for GicDistributor {
    fn read(&mut self, cpu: usize, offset: u64, size: u8) -> u64 {
        self.gic.with_state(|st| {
            let v3 = st.version == Version::V3;
            if regfile::covers(offset) {
                return regfile::read(st, &view(st, cpu), offset, size);
            }
            if (ITARGETSR..ITARGETSR_END).contains(&offset) {
                if v3 {
                    return 0; // ARE: RAZ/WI
                }
                return (0..u64::from(size)).fold(0, |acc, i| {
                    let intid = (offset + i - ITARGETSR) as u32;
                    acc | u64::from(read_target(st, cpu, intid)) << (8 * i)
                });
            }
            if v3 && (IROUTER..IROUTER_END).contains(&offset) {
                let intid = ((offset - IROUTER) / 8) as u32;
                let route = intid
                    .checked_sub(SPI_BASE)
                    .and_then(|n| st.spi_route.get(n as usize))
                    .copied()
                    .unwrap_or(0);
                // 8-byte access of the whole register, or 4-byte access of a half.
                return match (offset % 8, size) {
                    (0, 8) => route,
                    (0, 4) => route & 0xFFFF_FFFF,
                    (4, 4) => route >> 32,
                    _ => 0,
                };
            }
            if !offset.is_multiple_of(4) || size > 4 {
                tracing::debug!("gicd: unsupported read at {offset:#x} size {size}");
                return 0;
            }
            u64::from(read32(st, cpu, offset))
        })
    }

    fn write(&mut self, cpu: usize, offset: u64, size: u8, value: u64) {
        self.gic.with_state(|st| {
            let v3 = st.version == Version::V3;
            if regfile::covers(offset) {
                let v = view(st, cpu);
                return regfile::write(st, &v, offset, size, value);
            }
            if (ITARGETSR..ITARGETSR_END).contains(&offset) {
                if v3 {
                    return;
                }
                let cpu_mask = ((1u16 << st.num_cpus.min(8)) - 1) as u8;
                for i in 0..u64::from(size) {
                    let intid = (offset + i - ITARGETSR) as u32;
                    let byte = (value >> (8 * i)) as u8 & cpu_mask;
                    if let Some(t) = intid
                        .checked_sub(SPI_BASE)
                        .and_then(|n| st.spi_targets.get_mut(n as usize))
                    {
                        *t = byte;
                    }
                }
                return;
            }
            if v3 && (IROUTER..IROUTER_END).contains(&offset) {
                let intid = ((offset - IROUTER) / 8) as u32;
                let Some(route) = intid
                    .checked_sub(SPI_BASE)
                    .and_then(|n| st.spi_route.get_mut(n as usize))
                else {
                    return;
                };
                let new = match (offset % 8, size) {
                    (0, 8) => value,
                    (0, 4) => (*route & !0xFFFF_FFFF) | (value & 0xFFFF_FFFF),
                    (4, 4) => (*route & 0xFFFF_FFFF) | (value << 32),
                    _ => return,
                };
                *route = new & IROUTER_MASK;
                return;
            }
            if !offset.is_multiple_of(4) || size > 4 {
                tracing::debug!("gicd: unsupported write at {offset:#x} size {size}");
                return;
            }
            write32(st, cpu, offset, value as u32)
        })
    }
}

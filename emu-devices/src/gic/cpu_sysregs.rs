//! The GICv3 CPU interface: ICC_*_EL1 system registers, read and written by the CPU through
//! `CpuInterruptInterface`. Single security state, 5 priority bits, 16-bit INTID field.

use super::state::{GicState, BPR0_MIN, PRIORITY_MASK, SPURIOUS};
use crate::sysreg::encode;

pub mod regs {
    use super::encode;
    pub const ICC_PMR_EL1: u32 = encode(3, 0, 4, 6, 0);
    pub const ICC_IAR0_EL1: u32 = encode(3, 0, 12, 8, 0);
    pub const ICC_EOIR0_EL1: u32 = encode(3, 0, 12, 8, 1);
    pub const ICC_HPPIR0_EL1: u32 = encode(3, 0, 12, 8, 2);
    pub const ICC_BPR0_EL1: u32 = encode(3, 0, 12, 8, 3);
    pub const ICC_AP0R0_EL1: u32 = encode(3, 0, 12, 8, 4);
    pub const ICC_AP1R0_EL1: u32 = encode(3, 0, 12, 9, 0);
    pub const ICC_DIR_EL1: u32 = encode(3, 0, 12, 11, 1);
    pub const ICC_RPR_EL1: u32 = encode(3, 0, 12, 11, 3);
    pub const ICC_SGI1R_EL1: u32 = encode(3, 0, 12, 11, 5);
    pub const ICC_ASGI1R_EL1: u32 = encode(3, 0, 12, 11, 6);
    pub const ICC_SGI0R_EL1: u32 = encode(3, 0, 12, 11, 7);
    pub const ICC_IAR1_EL1: u32 = encode(3, 0, 12, 12, 0);
    pub const ICC_EOIR1_EL1: u32 = encode(3, 0, 12, 12, 1);
    pub const ICC_HPPIR1_EL1: u32 = encode(3, 0, 12, 12, 2);
    pub const ICC_BPR1_EL1: u32 = encode(3, 0, 12, 12, 3);
    pub const ICC_CTLR_EL1: u32 = encode(3, 0, 12, 12, 4);
    pub const ICC_SRE_EL1: u32 = encode(3, 0, 12, 12, 5);
    pub const ICC_IGRPEN0_EL1: u32 = encode(3, 0, 12, 12, 6);
    pub const ICC_IGRPEN1_EL1: u32 = encode(3, 0, 12, 12, 7);
}
use regs::*;

const CTLR_EOIMODE: u64 = 1 << 1;
/// PRIbits = implemented priority bits - 1 (5 bits), IDbits = 0 (16-bit INTIDs).
const CTLR_PRIBITS: u64 = 4 << 8;
/// SRE (system register interface on), DFB and DIB (FIQ/IRQ bypass disabled): RAO/WI.
const SRE_VALUE: u64 = 0b111;

/// ICC_AP{0,1}R0: one bit per active group priority (5 priority bits: priority >> 3).
fn active_priority_bits(st: &GicState, cpu: usize, group1: bool) -> u64 {
    st.cpus.get(cpu).map_or(0, |p| {
        p.iface
            .active_priorities
            .iter()
            .filter(|&&(_, _, g)| g == group1)
            .fold(0, |acc, &(_, prio, _)| acc | 1 << (prio >> 3))
    })
}

pub fn read(st: &mut GicState, cpu: usize, encoding: u32) -> Option<u64> {
    let p = st.cpus.get(cpu)?;
    let iface = &p.iface;
    Some(match encoding {
        ICC_PMR_EL1 => u64::from(iface.pmr),
        ICC_BPR0_EL1 => u64::from(iface.bpr0),
        ICC_BPR1_EL1 => u64::from(iface.bpr1),
        ICC_CTLR_EL1 => CTLR_PRIBITS | if iface.eoi_mode { CTLR_EOIMODE } else { 0 },
        ICC_SRE_EL1 => SRE_VALUE,
        ICC_IGRPEN0_EL1 => u64::from(iface.igrpen0),
        ICC_IGRPEN1_EL1 => u64::from(iface.igrpen1),
        ICC_RPR_EL1 => u64::from(iface.running_priority()),
        ICC_AP0R0_EL1 => active_priority_bits(st, cpu, false),
        ICC_AP1R0_EL1 => active_priority_bits(st, cpu, true),
        ICC_HPPIR0_EL1 => u64::from(
            st.highest_pending(cpu, Some(false))
                .map_or(SPURIOUS, |h| h.0),
        ),
        ICC_HPPIR1_EL1 => u64::from(
            st.highest_pending(cpu, Some(true))
                .map_or(SPURIOUS, |h| h.0),
        ),
        ICC_IAR0_EL1 => u64::from(st.acknowledge(cpu, Some(false))),
        ICC_IAR1_EL1 => u64::from(st.acknowledge(cpu, Some(true))),
        // Write-only registers (EOIR, DIR, SGI*R) and anything else: not readable here.
        _ => return None,
    })
}

/// The CPUs an ICC_SGI*R write targets: all but the sender (IRM), or the TargetList of
/// the cluster Aff3.Aff2.Aff1 (16 CPUs per cluster; RS selects Aff0 16*RS..16*RS+15).
fn sgi_targets(st: &GicState, sender: usize, value: u64) -> Vec<usize> {
    let n = st.num_cpus;
    if value & (1 << 40) != 0 {
        return (0..n).filter(|&c| c != sender).collect();
    }
    let target_list = value & 0xFFFF;
    let aff1 = (value >> 16) & 0xFF;
    let aff2 = (value >> 32) & 0xFF;
    let range_selector = (value >> 44) & 0xF;
    let aff3 = (value >> 48) & 0xFF;
    if aff2 != 0 || aff3 != 0 || range_selector != 0 {
        return Vec::new(); // no CPU has those affinities on this board
    }
    (0..16u64)
        .filter(|b| target_list & (1 << b) != 0)
        .map(|b| (aff1 * 16 + b) as usize)
        .filter(|&c| c < n)
        .collect()
}

pub fn write(st: &mut GicState, cpu: usize, encoding: u32, value: u64) -> bool {
    if cpu >= st.num_cpus {
        return false;
    }
    match encoding {
        ICC_SGI1R_EL1 | ICC_ASGI1R_EL1 | ICC_SGI0R_EL1 => {
            let targets = sgi_targets(st, cpu, value);
            st.send_sgi(cpu, ((value >> 24) & 0xF) as u32, targets.into_iter());
            return true;
        }
        ICC_EOIR0_EL1 | ICC_EOIR1_EL1 => {
            st.end_of_interrupt(cpu, (value & 0xFF_FFFF) as u32);
            return true;
        }
        ICC_DIR_EL1 => {
            let intid = (value & 0xFF_FFFF) as u32;
            if intid < 1020 {
                st.deactivate(cpu, intid);
            }
            return true;
        }
        _ => {}
    }
    let Some(p) = st.cpus.get_mut(cpu) else {
        return false;
    };
    let iface = &mut p.iface;
    match encoding {
        ICC_PMR_EL1 => iface.pmr = value as u8 & PRIORITY_MASK,
        ICC_BPR0_EL1 => iface.bpr0 = (value as u8 & 7).max(BPR0_MIN),
        ICC_BPR1_EL1 => iface.bpr1 = (value as u8 & 7).max(BPR0_MIN + 1),
        ICC_CTLR_EL1 => iface.eoi_mode = value & CTLR_EOIMODE != 0,
        ICC_SRE_EL1 => {}
        ICC_IGRPEN0_EL1 => iface.igrpen0 = value & 1 != 0,
        ICC_IGRPEN1_EL1 => iface.igrpen1 = value & 1 != 0,
        // Software may only write back a saved value or 0 (Linux zeroes them at boot);
        // zero means "no active priorities" for that group.
        ICC_AP0R0_EL1 | ICC_AP1R0_EL1 => {
            let group1 = encoding == ICC_AP1R0_EL1;
            if value == 0 {
                iface.active_priorities.retain(|&(_, _, g)| g != group1);
            } else {
                tracing::debug!(
                    "gic: cpu {cpu} restoring ICC_AP{}R0 is not modelled",
                    group1 as u8
                );
            }
        }
        _ => return false,
    }
    true
}

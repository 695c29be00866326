//! The per-interrupt register block that the distributor (0x080..0xD00) and the GICv3
//! redistributor's SGI frame share: one bit, two bits or one byte per INTID. Any access
//! size at any offset is handled by working out which INTIDs the accessed bytes cover, so
//! no guest access can index out of range; INTIDs outside the view's range read 0 and
//! ignore writes.

use super::state::{GicState, Version, PRIORITY_MASK};
use std::ops::Range;

pub const IGROUPR: u64 = 0x080;
pub const ISENABLER: u64 = 0x100;
pub const ICENABLER: u64 = 0x180;
pub const ISPENDR: u64 = 0x200;
pub const ICPENDR: u64 = 0x280;
pub const ISACTIVER: u64 = 0x300;
pub const ICACTIVER: u64 = 0x380;
pub const IPRIORITYR: u64 = 0x400;
pub const ICFGR: u64 = 0xC00;
const BLOCK_END: u64 = 0xD00;

/// A per-interrupt register view: which CPU's banked interrupts it sees and which INTIDs.
pub struct View {
    pub cpu: usize,
    pub intids: Range<u32>,
}

#[derive(Clone, Copy)]
enum Layout {
    Bit(u64),
    Byte(u64),
    TwoBit(u64),
}

fn layout(offset: u64) -> Option<Layout> {
    Some(match offset {
        IGROUPR..=0x0FF | ISENABLER..=0x3FF => Layout::Bit(offset & !0x7F),
        IPRIORITYR..=0x7FF => Layout::Byte(IPRIORITYR),
        ICFGR..=0xCFF => Layout::TwoBit(ICFGR),
        _ => return None,
    })
}

/// Is `offset` inside the shared block?
pub fn covers(offset: u64) -> bool {
    (IGROUPR..BLOCK_END).contains(&offset) && layout(offset).is_some()
}

fn bit_state(st: &GicState, v: &View, reg: u64, intid: u32) -> bool {
    let Some(irq) = st.irq(v.cpu, intid) else {
        return false;
    };
    match reg {
        IGROUPR => irq.group1,
        ISENABLER | ICENABLER => irq.enabled,
        ISPENDR | ICPENDR => irq.pending(),
        _ => irq.active,
    }
}

pub fn read(st: &GicState, v: &View, offset: u64, size: u8) -> u64 {
    if layout(offset).is_none() {
        return 0;
    }
    let mut value = 0u64;
    for byte in 0..u64::from(size) {
        let at = offset + byte;
        let b: u8 = match layout(at) {
            Some(Layout::Bit(reg)) => (0..8)
                .filter(|i| {
                    let intid = ((at - reg) * 8 + i) as u32;
                    v.intids.contains(&intid) && bit_state(st, v, reg, intid)
                })
                .fold(0, |acc, i| acc | 1 << i),
            Some(Layout::Byte(base)) => {
                let intid = (at - base) as u32;
                if v.intids.contains(&intid) {
                    st.irq(v.cpu, intid).map_or(0, |irq| irq.priority)
                } else {
                    0
                }
            }
            Some(Layout::TwoBit(base)) => (0..4)
                .filter(|i| {
                    let intid = ((at - base) * 4 + i) as u32;
                    v.intids.contains(&intid) && st.irq(v.cpu, intid).is_some_and(|irq| irq.edge)
                })
                .fold(0, |acc, i| acc | 2 << (2 * i)),
            None => 0,
        };
        value |= u64::from(b) << (8 * byte);
    }
    value
}

pub fn write(st: &mut GicState, v: &View, offset: u64, size: u8, value: u64) {
    if layout(offset).is_none() {
        return;
    }
    for byte in 0..u64::from(size) {
        let at = offset + byte;
        let b = (value >> (8 * byte)) as u8;
        match layout(at) {
            Some(Layout::Bit(reg)) => {
                for i in 0..8u64 {
                    let intid = ((at - reg) * 8 + i) as u32;
                    let set = b & (1 << i) != 0;
                    if v.intids.contains(&intid) {
                        write_bit(st, v.cpu, reg, intid, set);
                    }
                }
            }
            Some(Layout::Byte(base)) => {
                let intid = (at - base) as u32;
                if v.intids.contains(&intid) {
                    if let Some(irq) = st.irq_mut(v.cpu, intid) {
                        irq.priority = b & PRIORITY_MASK;
                    }
                }
            }
            Some(Layout::TwoBit(base)) => {
                for i in 0..4u64 {
                    let intid = ((at - base) * 4 + i) as u32;
                    // SGIs are always edge-triggered: their ICFGR0 is read-only.
                    if v.intids.contains(&intid) && intid >= 16 {
                        if let Some(irq) = st.irq_mut(v.cpu, intid) {
                            irq.edge = (b >> (2 * i)) & 2 != 0;
                        }
                    }
                }
            }
            None => {}
        }
    }
}

fn write_bit(st: &mut GicState, cpu: usize, reg: u64, intid: u32, set: bool) {
    let v2 = st.version == Version::V2;
    if reg == IGROUPR {
        // GICv2 without security extensions has no groups: IGROUPR is RAZ/WI.
        if !v2 {
            if let Some(irq) = st.irq_mut(cpu, intid) {
                irq.group1 = set;
            }
        }
        return;
    }
    if !set {
        return; // set/clear registers: writing 0 has no effect
    }
    // GICv2 SGIs are permanently enabled, and their per-source pending state is set and
    // cleared through GICD_SPENDSGIR/CPENDSGIR: the bits here ignore writes.
    if v2 && intid < 16 && matches!(reg, ISENABLER | ICENABLER | ISPENDR | ICPENDR) {
        return;
    }
    match reg {
        ICPENDR => st.clear_pending(cpu, intid),
        _ => {
            if let Some(irq) = st.irq_mut(cpu, intid) {
                match reg {
                    ISENABLER => irq.enabled = true,
                    ICENABLER => irq.enabled = false,
                    ISPENDR => irq.pending_latch = true,
                    ISACTIVER => irq.active = true,
                    ICACTIVER => irq.active = false,
                    _ => {}
                }
            }
        }
    }
}

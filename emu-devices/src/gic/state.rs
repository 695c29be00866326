//! The GIC's interrupt state and CPU interface logic, shared by the GICv2 and GICv3 register
//! views: per-interrupt enable/pending/active/priority/group/trigger state (SGIs and PPIs
//! banked per CPU, SPIs shared), routing, and per-CPU priority mask, binary point, running
//! priority and the stack of active priorities that acknowledge and EOI move.
//!
//! Single security state (GICD_CTLR.DS = 1), no LPIs: QEMU's virt board without secure mode.

/// INTIDs 1020..1023 are special; 1023 means "no pending interrupt".
pub const SPURIOUS: u32 = 1023;
/// First SPI INTID.
pub const SPI_BASE: u32 = 32;
/// Implemented priority bits: 5, as QEMU's GICs (the low 3 bits of a priority read 0).
pub const PRIORITY_MASK: u8 = 0xF8;
/// Smallest BPR for group 0 (7 - implemented bits); group 1's is one more.
pub const BPR0_MIN: u8 = 2;
/// Idle running priority.
pub const IDLE_PRIORITY: u8 = 0xFF;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V2,
    V3,
}

#[derive(Clone, Copy, Default, Debug)]
pub struct IrqState {
    pub enabled: bool,
    /// Set by an edge, by a write to ISPENDR; cleared by acknowledge or ICPENDR.
    pub pending_latch: bool,
    /// Input line level (a level-sensitive interrupt is pending while it is high).
    pub level: bool,
    pub active: bool,
    pub edge: bool,
    pub group1: bool,
    pub priority: u8,
}

impl IrqState {
    pub fn pending(&self) -> bool {
        self.pending_latch || (!self.edge && self.level)
    }
}

#[derive(Clone, Debug)]
pub struct CpuInterface {
    pub pmr: u8,
    pub bpr0: u8,
    pub bpr1: u8,
    pub igrpen0: bool,
    pub igrpen1: bool,
    /// EOImode: EOIR only drops priority; deactivation is a separate DIR write.
    pub eoi_mode: bool,
    /// Acknowledged and not yet priority-dropped: (INTID, group priority, group 1), in the
    /// order acknowledged. Preemption only lets a higher priority in, so the last entry
    /// is the running priority.
    pub active_priorities: Vec<(u32, u8, bool)>,
}

impl Default for CpuInterface {
    fn default() -> Self {
        Self {
            pmr: 0,
            bpr0: BPR0_MIN,
            bpr1: BPR0_MIN + 1,
            igrpen0: false,
            igrpen1: false,
            eoi_mode: false,
            active_priorities: Vec::new(),
        }
    }
}

impl CpuInterface {
    pub fn running_priority(&self) -> u8 {
        self.active_priorities
            .iter()
            .map(|&(_, p, _)| p)
            .min()
            .unwrap_or(IDLE_PRIORITY)
    }
}

pub struct CpuPrivate {
    /// SGIs 0..15 and PPIs 16..31 of this CPU.
    pub banked: [IrqState; 32],
    /// GICv2 only: for each SGI, a bitmask of the CPUs that sent it and are still pending.
    pub sgi_sources: [u8; 16],
    pub iface: CpuInterface,
    /// GICR_WAKER.ProcessorSleep (GICv3): the redistributor starts asleep.
    pub processor_sleep: bool,
}

pub struct GicState {
    pub version: Version,
    pub num_cpus: usize,
    /// GICD_CTLR: EnableGrp0 (bit 0) and EnableGrp1 (bit 1); GICv2 uses bit 0 as Enable.
    pub dist_ctlr: u32,
    pub cpus: Vec<CpuPrivate>,
    pub spis: Vec<IrqState>,
    /// GICv3 GICD_IROUTER<n>: Aff3.Aff2.Aff1.Aff0 and IRM (bit 31).
    pub spi_route: Vec<u64>,
    /// GICv2 GICD_ITARGETSR<n>: one bit per CPU.
    pub spi_targets: Vec<u8>,
}

pub const IROUTER_IRM: u64 = 1 << 31;

/// MPIDR affinity of CPU `n` on the virt board: 16 CPUs per cluster with GICv3 (Aff0 is
/// the TargetList bit of ICC_SGI1R), 8 with GICv2, as QEMU lays them out.
pub fn affinity(version: Version, cpu: usize) -> u64 {
    let cluster = match version {
        Version::V2 => 8,
        Version::V3 => 16,
    };
    ((cpu / cluster) as u64) << 8 | (cpu % cluster) as u64
}

impl GicState {
    pub fn new(version: Version, num_cpus: usize, num_spis: usize) -> Self {
        let num_cpus = num_cpus.max(1);
        let mut banked = [IrqState::default(); 32];
        for sgi in banked.iter_mut().take(16) {
            // SGIs are always edge-triggered and (GICv2, no security) always enabled.
            sgi.edge = true;
            sgi.enabled = version == Version::V2;
        }
        let cpus = (0..num_cpus)
            .map(|_| CpuPrivate {
                banked,
                sgi_sources: [0; 16],
                iface: CpuInterface::default(),
                processor_sleep: true,
            })
            .collect();
        Self {
            version,
            num_cpus,
            dist_ctlr: 0,
            cpus,
            spis: vec![IrqState::default(); num_spis],
            spi_route: vec![0; num_spis],
            spi_targets: vec![0; num_spis],
        }
    }

    /// Number of INTIDs the distributor implements (SGIs + PPIs + SPIs).
    pub fn num_irqs(&self) -> u32 {
        SPI_BASE + self.spis.len() as u32
    }

    pub fn irq(&self, cpu: usize, intid: u32) -> Option<&IrqState> {
        if intid < SPI_BASE {
            self.cpus.get(cpu)?.banked.get(intid as usize)
        } else {
            self.spis.get((intid - SPI_BASE) as usize)
        }
    }

    pub fn irq_mut(&mut self, cpu: usize, intid: u32) -> Option<&mut IrqState> {
        if intid < SPI_BASE {
            self.cpus.get_mut(cpu)?.banked.get_mut(intid as usize)
        } else {
            self.spis.get_mut((intid - SPI_BASE) as usize)
        }
    }

    /// An input line changed level: a rising edge latches an edge-triggered interrupt.
    pub fn set_input(&mut self, cpu: usize, intid: u32, level: bool) {
        if let Some(irq) = self.irq_mut(cpu, intid) {
            if irq.edge && level && !irq.level {
                irq.pending_latch = true;
            }
            irq.level = level;
        }
    }

    /// Does SPI `intid` go to `cpu`?
    fn spi_targets_cpu(&self, intid: u32, cpu: usize) -> bool {
        let n = (intid - SPI_BASE) as usize;
        match self.version {
            Version::V2 => self
                .spi_targets
                .get(n)
                .is_some_and(|&t| cpu < 8 && t & (1 << cpu) != 0),
            Version::V3 => self.spi_route.get(n).is_some_and(|&route| {
                // 1 of N: any CPU may take it; whichever acknowledges first wins.
                route & IROUTER_IRM != 0 || route & 0xFF_00FF_FFFF == affinity(self.version, cpu)
            }),
        }
    }

    fn group_enabled(&self, cpu: usize, group1: bool) -> bool {
        let Some(p) = self.cpus.get(cpu) else {
            return false;
        };
        match self.version {
            // No security extensions: one group, one enable bit in each of GICD and GICC.
            Version::V2 => self.dist_ctlr & 1 != 0 && p.iface.igrpen0,
            Version::V3 if group1 => self.dist_ctlr & 2 != 0 && p.iface.igrpen1,
            Version::V3 => self.dist_ctlr & 1 != 0 && p.iface.igrpen0,
        }
    }

    /// Highest-priority pending, enabled, inactive interrupt for `cpu` whose group is enabled,
    /// optionally restricted to one group: (INTID, priority, group 1). Ties go to the
    /// lowest INTID.
    pub fn highest_pending(&self, cpu: usize, group: Option<bool>) -> Option<(u32, u8, bool)> {
        let [g0, g1] = self.best_per_group(cpu);
        let g0 = g0.map(|(i, p)| (i, p, false));
        let g1 = g1.map(|(i, p)| (i, p, true));
        match group {
            Some(true) => g1,
            Some(false) => g0,
            None => match (g0, g1) {
                (Some(a), Some(b)) => Some(if (b.1, b.0) < (a.1, a.0) { b } else { a }),
                (a, b) => a.or(b),
            },
        }
    }

    /// One pass over the interrupts of `cpu`: the best candidate (INTID, priority) of
    /// group 0 and of group 1. This runs after every GIC access, so it touches each
    /// interrupt's state once and checks routing only for a better candidate.
    fn best_per_group(&self, cpu: usize) -> [Option<(u32, u8)>; 2] {
        let mut best: [Option<(u32, u8)>; 2] = [None, None];
        let Some(p) = self.cpus.get(cpu) else {
            return best;
        };
        let enabled = [
            self.group_enabled(cpu, false),
            self.group_enabled(cpu, true),
        ];
        if enabled == [false, false] {
            return best;
        }
        let private = p.banked.iter().zip(0u32..);
        let shared = self.spis.iter().zip(SPI_BASE..);
        for (irq, intid) in private.chain(shared) {
            if !(irq.enabled && irq.pending() && !irq.active) {
                continue;
            }
            let g = usize::from(irq.group1);
            if !enabled[g] || best[g].is_some_and(|(_, prio)| prio <= irq.priority) {
                continue;
            }
            if intid >= SPI_BASE && !self.spi_targets_cpu(intid, cpu) {
                continue;
            }
            best[g] = Some((intid, irq.priority));
        }
        best
    }

    /// The priority bits that decide preemption for a group on this CPU.
    fn group_priority(&self, cpu: usize, priority: u8, group1: bool) -> u8 {
        let Some(p) = self.cpus.get(cpu) else {
            return priority;
        };
        let mask = match (self.version, group1) {
            // BPR0 = n: group priority is bits [7:n+1]. BPR1 = n: bits [7:n].
            (Version::V2, _) | (Version::V3, false) => {
                0xFFu8.checked_shl(u32::from(p.iface.bpr0) + 1).unwrap_or(0)
            }
            (Version::V3, true) => 0xFFu8.checked_shl(u32::from(p.iface.bpr1)).unwrap_or(0),
        };
        priority & mask
    }

    /// Would the highest pending interrupt of `group` be taken now (passes the priority
    /// mask and preempts the running priority)?
    pub fn signalled(&self, cpu: usize, group: Option<bool>) -> Option<(u32, u8, bool)> {
        let (intid, prio, g1) = self.highest_pending(cpu, group)?;
        let iface = &self.cpus.get(cpu)?.iface;
        let preempts = self.group_priority(cpu, prio, g1) < iface.running_priority();
        (prio < iface.pmr && preempts).then_some((intid, prio, g1))
    }

    /// Is an IRQ (resp. FIQ) being signalled to `cpu`? GICv3 with a single security
    /// state signals group 1 as IRQ and group 0 as FIQ; GICv2 without security signals IRQ.
    pub fn irq_signal(&self, cpu: usize) -> bool {
        self.signals(cpu).0
    }

    pub fn fiq_signal(&self, cpu: usize) -> bool {
        self.signals(cpu).1
    }

    /// (IRQ, FIQ) signalled to `cpu`, from one pass over the interrupts.
    pub fn signals(&self, cpu: usize) -> (bool, bool) {
        let Some(p) = self.cpus.get(cpu) else {
            return (false, false);
        };
        let iface = &p.iface;
        let running = iface.running_priority();
        let taken = |best: Option<(u32, u8)>, group1: bool| {
            best.is_some_and(|(_, prio)| {
                prio < iface.pmr && self.group_priority(cpu, prio, group1) < running
            })
        };
        let [g0, g1] = self.best_per_group(cpu);
        match self.version {
            // One group (IGROUPR is RAZ/WI): everything is group 0, signalled as IRQ.
            Version::V2 => (taken(g0, false), false),
            Version::V3 => (taken(g1, true), taken(g0, false)),
        }
    }

    /// ICC_IAR / GICC_IAR: take the signalled interrupt of `group` (None: any) active.
    /// Returns the value the register reads: the INTID, with GICv2's source CPU in [12:10].
    pub fn acknowledge(&mut self, cpu: usize, group: Option<bool>) -> u32 {
        let Some((intid, prio, g1)) = self.signalled(cpu, group) else {
            return SPURIOUS;
        };
        let gprio = self.group_priority(cpu, prio, g1);
        let version = self.version;
        let Some(p) = self.cpus.get_mut(cpu) else {
            return SPURIOUS;
        };
        let mut value = intid;
        if version == Version::V2 && intid < 16 {
            // Per-source SGI pending state: take the lowest-numbered source first; the SGI
            // stays pending for the others.
            let sources = &mut p.sgi_sources[intid as usize];
            let source = sources.trailing_zeros().min(7);
            *sources &= !(1 << source);
            value |= source << 10;
            let still = *sources != 0;
            p.banked[intid as usize].pending_latch = still;
        } else if let Some(irq) = self.irq_mut(cpu, intid) {
            irq.pending_latch = false;
        }
        if let Some(irq) = self.irq_mut(cpu, intid) {
            irq.active = true;
        }
        if let Some(p) = self.cpus.get_mut(cpu) {
            p.iface.active_priorities.push((intid, gprio, g1));
        }
        value
    }

    /// ICC_EOIR / GICC_EOIR: drop the running priority; deactivate too unless EOImode.
    pub fn end_of_interrupt(&mut self, cpu: usize, value: u32) {
        let intid = value & 0x3FF;
        if intid >= 1020 {
            return;
        }
        let Some(p) = self.cpus.get_mut(cpu) else {
            return;
        };
        // The running priority is the most recently acknowledged one still active.
        if p.iface.active_priorities.pop().is_none() {
            tracing::debug!("gic: EOI of {intid} with no active priority on cpu {cpu}");
            return;
        }
        if !p.iface.eoi_mode {
            self.deactivate(cpu, intid);
        }
    }

    /// ICC_DIR / GICC_DIR, or the deactivation half of EOI.
    pub fn deactivate(&mut self, cpu: usize, intid: u32) {
        if let Some(irq) = self.irq_mut(cpu, intid & 0x3FF) {
            irq.active = false;
        }
    }

    /// Send SGI `sgi` from `source` to each CPU in `targets`.
    pub fn send_sgi(&mut self, source: usize, sgi: u32, targets: impl Iterator<Item = usize>) {
        let sgi = (sgi & 15) as usize;
        for t in targets {
            if let Some(p) = self.cpus.get_mut(t) {
                p.banked[sgi].pending_latch = true;
                if source < 8 {
                    p.sgi_sources[sgi] |= 1 << source;
                }
            }
        }
    }

    /// Writing ICPENDR for an SGI on GICv2 clears all its sources.
    pub fn clear_pending(&mut self, cpu: usize, intid: u32) {
        if let Some(irq) = self.irq_mut(cpu, intid) {
            irq.pending_latch = false;
        }
        if intid < 16 {
            if let Some(p) = self.cpus.get_mut(cpu) {
                p.sgi_sources[intid as usize] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(cpus: usize) -> GicState {
        let mut g = GicState::new(Version::V3, cpus, 64);
        g.dist_ctlr = 3;
        for p in &mut g.cpus {
            p.iface.igrpen1 = true;
            p.iface.igrpen0 = true;
            p.iface.pmr = 0xF0;
        }
        g
    }

    fn enable(g: &mut GicState, cpu: usize, intid: u32, prio: u8) {
        let irq = g.irq_mut(cpu, intid).unwrap();
        irq.enabled = true;
        irq.group1 = true;
        irq.priority = prio;
    }

    #[test]
    fn level_interrupt_follows_the_line_and_edge_latches() {
        let mut g = v3(1);
        enable(&mut g, 0, 33, 0x80);
        g.set_input(0, 33, true);
        assert!(g.irq_signal(0));
        g.set_input(0, 33, false);
        assert!(!g.irq_signal(0), "level: pending only while high");
        g.irq_mut(0, 34).unwrap().edge = true;
        enable(&mut g, 0, 34, 0x80);
        g.set_input(0, 34, true);
        g.set_input(0, 34, false);
        assert!(g.irq_signal(0), "edge: latched");
        assert_eq!(g.acknowledge(0, Some(true)), 34);
        assert!(!g.irq_signal(0));
    }

    #[test]
    fn priority_order_mask_and_preemption() {
        let mut g = v3(1);
        for (intid, prio) in [(40, 0x80), (41, 0x40), (42, 0x40), (43, 0x20)] {
            enable(&mut g, 0, intid, prio);
            g.irq_mut(0, intid).unwrap().pending_latch = true;
        }
        g.cpus[0].iface.pmr = 0x20; // masks 0x20 and lower priorities
        assert_eq!(g.highest_pending(0, Some(true)).map(|h| h.0), Some(43));
        assert_eq!(
            g.signalled(0, Some(true)),
            None,
            "0x20 is not below PMR 0x20"
        );
        g.cpus[0].iface.pmr = 0xF8;
        assert_eq!(g.acknowledge(0, Some(true)), 43);
        assert_eq!(g.cpus[0].iface.running_priority(), 0x20);
        // 0x40 cannot preempt 0x20.
        assert!(!g.irq_signal(0));
        assert_eq!(g.acknowledge(0, Some(true)), SPURIOUS);
        g.end_of_interrupt(0, 43);
        assert!(!g.irq(0, 43).unwrap().active);
        // Tie at 0x40: lowest INTID first.
        assert_eq!(g.acknowledge(0, Some(true)), 41);
        g.end_of_interrupt(0, 41);
        assert_eq!(g.acknowledge(0, Some(true)), 42);
        // An active interrupt is not signalled again while active.
        g.irq_mut(0, 42).unwrap().pending_latch = true;
        g.end_of_interrupt(0, 42);
        assert_eq!(g.acknowledge(0, Some(true)), 42);
    }

    #[test]
    fn binary_point_groups_priorities_for_preemption() {
        for (bpr1, preempts) in [(3, true), (5, false)] {
            let mut g = v3(1);
            g.cpus[0].iface.bpr1 = bpr1;
            enable(&mut g, 0, 40, 0x70);
            enable(&mut g, 0, 41, 0x60);
            g.irq_mut(0, 40).unwrap().pending_latch = true;
            assert_eq!(g.acknowledge(0, Some(true)), 40);
            g.irq_mut(0, 41).unwrap().pending_latch = true;
            // BPR1 = 3: group priority bits [7:3], 0x60 < 0x70 preempts.
            // BPR1 = 5: bits [7:5], both are group 0x60: no preemption.
            assert_eq!(g.irq_signal(0), preempts, "bpr1 {bpr1}");
            assert_eq!(
                g.cpus[0].iface.running_priority(),
                if preempts { 0x70 } else { 0x60 }
            );
        }
    }

    #[test]
    fn eoi_mode_splits_drop_and_deactivate() {
        let mut g = v3(1);
        enable(&mut g, 0, 50, 0x80);
        g.cpus[0].iface.eoi_mode = true;
        g.irq_mut(0, 50).unwrap().pending_latch = true;
        assert_eq!(g.acknowledge(0, Some(true)), 50);
        g.end_of_interrupt(0, 50);
        assert_eq!(g.cpus[0].iface.running_priority(), IDLE_PRIORITY);
        assert!(
            g.irq(0, 50).unwrap().active,
            "EOImode=1: still active until DIR"
        );
        g.deactivate(0, 50);
        assert!(!g.irq(0, 50).unwrap().active);
    }

    #[test]
    fn spi_routing_v3() {
        let mut g = v3(20);
        enable(&mut g, 0, 60, 0x80);
        g.irq_mut(0, 60).unwrap().pending_latch = true;
        // CPU 17 is Aff1 = 1, Aff0 = 1.
        g.spi_route[60 - 32] = 0x101;
        assert!(!g.irq_signal(0));
        assert!(g.irq_signal(17));
        g.spi_route[60 - 32] = IROUTER_IRM;
        assert!(g.irq_signal(0) && g.irq_signal(19));
        assert_eq!(g.acknowledge(5, Some(true)), 60);
        assert!(!g.irq_signal(0), "taken by CPU 5");
    }

    #[test]
    fn group_enables_and_fiq_for_group0() {
        let mut g = v3(1);
        enable(&mut g, 0, 40, 0x80);
        g.irq_mut(0, 40).unwrap().group1 = false;
        g.irq_mut(0, 40).unwrap().pending_latch = true;
        assert!(g.fiq_signal(0));
        assert!(!g.irq_signal(0));
        assert_eq!(
            g.acknowledge(0, Some(true)),
            SPURIOUS,
            "IAR1 does not take group 0"
        );
        g.dist_ctlr = 2;
        assert!(!g.fiq_signal(0));
    }

    #[test]
    fn out_of_range_is_harmless() {
        let mut g = v3(2);
        assert!(g.irq(5, 3).is_none());
        assert!(g.irq(0, 5000).is_none());
        g.set_input(9, 3, true);
        g.set_input(0, 9999, true);
        g.end_of_interrupt(7, 40);
        g.deactivate(0, 0xFFFF_FFFF);
        g.send_sgi(0, 99, [0, 1, 50].into_iter());
        assert_eq!(g.acknowledge(9, None), SPURIOUS);
        assert!(!g.irq_signal(9));
    }
}

//! The ARM generic timer of one CPU (Arm ARM D11): the system counter read through
//! CNTPCT/CNTVCT, and the EL1 physical and virtual timers (CNTP_* / CNTV_*), each a
//! comparator whose condition drives a GIC PPI: 14 for the physical timer, 11 for the
//! virtual one, as on QEMU's virt board.
//!
//! The counter is derived from the virtual clock at CNTFRQ, so nothing ticks: a timer's
//! state is recomputed on every access and `tick()`, and `next_deadline_ns` tells a CPU in
//! WFI how long it may sleep.

use crate::sysreg::encode;
use emu_core::clock::Clock;
use emu_core::irq::IrqLine;
use std::sync::Arc;

/// CNTFRQ QEMU gives its Cortex-A CPUs (a 16 ns tick).
pub const DEFAULT_FREQ_HZ: u64 = 62_500_000;

/// PPI numbers (GIC INTID - 16) of the timers on the virt board.
pub const PPI_SECURE_PHYS: u32 = 13;
pub const PPI_PHYS: u32 = 14;
pub const PPI_VIRT: u32 = 11;
pub const PPI_HYP: u32 = 10;

const CTL_ENABLE: u64 = 1 << 0;
const CTL_IMASK: u64 = 1 << 1;
const CTL_ISTATUS: u64 = 1 << 2;

const NS_PER_SEC: u128 = 1_000_000_000;

/// The timer system registers, keyed by their MRS/MSR encoding.
pub mod regs {
    use super::encode;
    pub const CNTFRQ_EL0: u32 = encode(3, 3, 14, 0, 0);
    pub const CNTPCT_EL0: u32 = encode(3, 3, 14, 0, 1);
    pub const CNTVCT_EL0: u32 = encode(3, 3, 14, 0, 2);
    pub const CNTKCTL_EL1: u32 = encode(3, 0, 14, 1, 0);
    pub const CNTP_TVAL_EL0: u32 = encode(3, 3, 14, 2, 0);
    pub const CNTP_CTL_EL0: u32 = encode(3, 3, 14, 2, 1);
    pub const CNTP_CVAL_EL0: u32 = encode(3, 3, 14, 2, 2);
    pub const CNTV_TVAL_EL0: u32 = encode(3, 3, 14, 3, 0);
    pub const CNTV_CTL_EL0: u32 = encode(3, 3, 14, 3, 1);
    pub const CNTV_CVAL_EL0: u32 = encode(3, 3, 14, 3, 2);
    pub const CNTVOFF_EL2: u32 = encode(3, 4, 14, 0, 3);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    Physical,
    Virtual,
}

#[derive(Default)]
struct Comparator {
    /// ENABLE and IMASK as written; ISTATUS is computed.
    ctl: u64,
    cval: u64,
}

pub struct GenericTimer {
    clock: Arc<dyn Clock>,
    freq_hz: u64,
    cntvoff: u64,
    cntkctl: u64,
    phys: Comparator,
    virt: Comparator,
    phys_irq: IrqLine,
    virt_irq: IrqLine,
}

impl GenericTimer {
    /// `phys_irq` should be wired to PPI 14 of this CPU and `virt_irq` to PPI 11.
    pub fn new(clock: Arc<dyn Clock>, freq_hz: u64, phys_irq: IrqLine, virt_irq: IrqLine) -> Self {
        Self {
            clock,
            freq_hz: freq_hz.max(1),
            cntvoff: 0,
            cntkctl: 0,
            phys: Comparator::default(),
            virt: Comparator::default(),
            phys_irq,
            virt_irq,
        }
    }

    pub fn frequency(&self) -> u64 {
        self.freq_hz
    }

    /// CNTPCT_EL0: the system counter.
    pub fn physical_count(&self) -> u64 {
        let ticks = u128::from(self.clock.now_ns()) * u128::from(self.freq_hz) / NS_PER_SEC;
        ticks as u64 // the counter wraps at 64 bits like the hardware one
    }

    /// CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2.
    pub fn virtual_count(&self) -> u64 {
        self.physical_count().wrapping_sub(self.cntvoff)
    }

    fn count(&self, kind: TimerKind) -> u64 {
        match kind {
            TimerKind::Physical => self.physical_count(),
            TimerKind::Virtual => self.virtual_count(),
        }
    }

    fn comparator(&self, kind: TimerKind) -> &Comparator {
        match kind {
            TimerKind::Physical => &self.phys,
            TimerKind::Virtual => &self.virt,
        }
    }

    fn comparator_mut(&mut self, kind: TimerKind) -> &mut Comparator {
        match kind {
            TimerKind::Physical => &mut self.phys,
            TimerKind::Virtual => &mut self.virt,
        }
    }

    /// ISTATUS: the timer condition (count >= CVAL) met while enabled. A disabled timer
    /// reports 0, as QEMU does (the architecture makes it UNKNOWN).
    fn istatus(&self, kind: TimerKind) -> bool {
        let c = self.comparator(kind);
        c.ctl & CTL_ENABLE != 0 && self.count(kind) >= c.cval
    }

    pub fn ctl(&self, kind: TimerKind) -> u64 {
        let status = if self.istatus(kind) { CTL_ISTATUS } else { 0 };
        self.comparator(kind).ctl | status
    }

    pub fn set_ctl(&mut self, kind: TimerKind, value: u64) {
        self.comparator_mut(kind).ctl = value & (CTL_ENABLE | CTL_IMASK);
        self.tick();
    }

    pub fn cval(&self, kind: TimerKind) -> u64 {
        self.comparator(kind).cval
    }

    pub fn set_cval(&mut self, kind: TimerKind, value: u64) {
        self.comparator_mut(kind).cval = value;
        self.tick();
    }

    /// TVAL reads the low 32 bits of CVAL - count (negative once the deadline passed).
    pub fn tval(&self, kind: TimerKind) -> u64 {
        u64::from(self.comparator(kind).cval.wrapping_sub(self.count(kind)) as u32)
    }

    /// Writing TVAL sets CVAL = count + sign-extended TVAL[31:0].
    pub fn set_tval(&mut self, kind: TimerKind, value: u64) {
        let delta = i64::from(value as u32 as i32) as u64;
        let cval = self.count(kind).wrapping_add(delta);
        self.set_cval(kind, cval);
    }

    pub fn set_cntvoff(&mut self, value: u64) {
        self.cntvoff = value;
        self.tick();
    }

    /// The interrupt output of a timer: condition met and not masked.
    pub fn output(&self, kind: TimerKind) -> bool {
        self.istatus(kind) && self.comparator(kind).ctl & CTL_IMASK == 0
    }

    /// Drive the PPIs from the current time. Run on every timer access and when a
    /// deadline from `next_deadline_ns` passes.
    pub fn tick(&mut self) {
        self.phys_irq.set(self.output(TimerKind::Physical));
        self.virt_irq.set(self.output(TimerKind::Virtual));
    }

    /// Virtual time at which an enabled, unmasked timer whose condition is not yet met
    /// will assert its interrupt: how long a CPU in WFI may sleep.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        [TimerKind::Physical, TimerKind::Virtual]
            .into_iter()
            .filter(|&k| {
                let c = self.comparator(k);
                c.ctl & (CTL_ENABLE | CTL_IMASK) == CTL_ENABLE && !self.istatus(k)
            })
            .filter_map(|k| {
                // The physical count at which the condition is met.
                let target = match k {
                    TimerKind::Physical => self.phys.cval,
                    TimerKind::Virtual => self.virt.cval.checked_add(self.cntvoff)?,
                };
                // First ns with floor(ns * f / 1e9) >= target.
                let ns = (u128::from(target) * NS_PER_SEC).div_ceil(u128::from(self.freq_hz));
                u64::try_from(ns).ok()
            })
            .min()
    }

    /// MRS of a timer register; `None` if `encoding` is not one (the CPU then UNDEFs).
    pub fn read_sysreg(&self, encoding: u32) -> Option<u64> {
        use TimerKind::*;
        Some(match encoding {
            regs::CNTFRQ_EL0 => self.freq_hz,
            regs::CNTPCT_EL0 => self.physical_count(),
            regs::CNTVCT_EL0 => self.virtual_count(),
            regs::CNTKCTL_EL1 => self.cntkctl,
            regs::CNTVOFF_EL2 => self.cntvoff,
            regs::CNTP_CTL_EL0 => self.ctl(Physical),
            regs::CNTP_CVAL_EL0 => self.cval(Physical),
            regs::CNTP_TVAL_EL0 => self.tval(Physical),
            regs::CNTV_CTL_EL0 => self.ctl(Virtual),
            regs::CNTV_CVAL_EL0 => self.cval(Virtual),
            regs::CNTV_TVAL_EL0 => self.tval(Virtual),
            _ => return None,
        })
    }

    /// MSR to a timer register; false if `encoding` is not a writable timer register.
    /// (CNTFRQ_EL0 is writable only at the highest EL, which the guest never runs at.)
    pub fn write_sysreg(&mut self, encoding: u32, value: u64) -> bool {
        use TimerKind::*;
        match encoding {
            // EL0 access controls: the CPU consults them; only bits [9:0] exist.
            regs::CNTKCTL_EL1 => self.cntkctl = value & 0x3FF,
            regs::CNTVOFF_EL2 => self.set_cntvoff(value),
            regs::CNTP_CTL_EL0 => self.set_ctl(Physical, value),
            regs::CNTP_CVAL_EL0 => self.set_cval(Physical, value),
            regs::CNTP_TVAL_EL0 => self.set_tval(Physical, value),
            regs::CNTV_CTL_EL0 => self.set_ctl(Virtual, value),
            regs::CNTV_CVAL_EL0 => self.set_cval(Virtual, value),
            regs::CNTV_TVAL_EL0 => self.set_tval(Virtual, value),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::regs::*;
    use super::*;
    use emu_core::clock::ManualClock;
    use emu_core::irq::{IrqSource, LevelRecorder};

    const PHYS: IrqSource = IrqSource::Ppi {
        cpu: 0,
        ppi: PPI_PHYS,
    };
    const VIRT: IrqSource = IrqSource::Ppi {
        cpu: 0,
        ppi: PPI_VIRT,
    };

    fn rig() -> (GenericTimer, Arc<ManualClock>, Arc<LevelRecorder>) {
        let clock = Arc::new(ManualClock::new(0));
        let irq = LevelRecorder::new();
        let t = GenericTimer::new(
            clock.clone(),
            DEFAULT_FREQ_HZ,
            IrqLine::new(irq.clone(), PHYS),
            IrqLine::new(irq.clone(), VIRT),
        );
        (t, clock, irq)
    }

    #[test]
    fn counter_runs_at_cntfrq() {
        let (mut t, clock, _) = rig();
        assert_eq!(t.read_sysreg(CNTFRQ_EL0), Some(62_500_000));
        clock.set(1_000_000_000);
        assert_eq!(t.read_sysreg(CNTPCT_EL0), Some(62_500_000));
        clock.set(1_000_000_016);
        assert_eq!(t.read_sysreg(CNTPCT_EL0), Some(62_500_001));
        assert!(t.write_sysreg(CNTVOFF_EL2, 1));
        assert_eq!(t.read_sysreg(CNTVCT_EL0), Some(62_500_000));
        assert!(!t.write_sysreg(CNTFRQ_EL0, 5));
        assert_eq!(t.read_sysreg(encode(3, 0, 1, 0, 0)), None);
    }

    #[test]
    fn compare_value_asserts_ppi_and_istatus() {
        let (mut t, clock, irq) = rig();
        t.write_sysreg(CNTP_CVAL_EL0, 1000);
        assert_eq!(t.read_sysreg(CNTP_CTL_EL0), Some(0));
        t.write_sysreg(CNTP_CTL_EL0, CTL_ENABLE | CTL_ISTATUS); // ISTATUS is read-only
        assert_eq!(t.read_sysreg(CNTP_CTL_EL0), Some(CTL_ENABLE));
        // 1000 ticks of 16 ns.
        assert_eq!(t.next_deadline_ns(), Some(16_000));
        clock.set(15_999);
        t.tick();
        assert!(!irq.level(PHYS));
        clock.set(16_000);
        t.tick();
        assert!(irq.level(PHYS));
        assert_eq!(t.read_sysreg(CNTP_CTL_EL0), Some(CTL_ENABLE | CTL_ISTATUS));
        assert_eq!(t.next_deadline_ns(), None, "already firing");
        // IMASK lowers the output but ISTATUS still shows the condition.
        t.write_sysreg(CNTP_CTL_EL0, CTL_ENABLE | CTL_IMASK);
        assert!(!irq.level(PHYS));
        assert_eq!(
            t.read_sysreg(CNTP_CTL_EL0),
            Some(CTL_ENABLE | CTL_IMASK | CTL_ISTATUS)
        );
        // Disabling clears ISTATUS.
        t.write_sysreg(CNTP_CTL_EL0, 0);
        assert_eq!(t.read_sysreg(CNTP_CTL_EL0), Some(0));
        // Moving the compare value into the future drops the line.
        t.write_sysreg(CNTP_CTL_EL0, CTL_ENABLE);
        assert!(irq.level(PHYS));
        t.write_sysreg(CNTP_CVAL_EL0, 2000);
        assert!(!irq.level(PHYS));
        assert!(!irq.level(VIRT), "the virtual timer is independent");
    }

    #[test]
    fn timer_value_is_a_signed_32_bit_view() {
        let (mut t, clock, irq) = rig();
        clock.set(1_600); // count = 100
        t.write_sysreg(CNTV_TVAL_EL0, 50);
        assert_eq!(t.read_sysreg(CNTV_CVAL_EL0), Some(150));
        assert_eq!(t.read_sysreg(CNTV_TVAL_EL0), Some(50));
        clock.set(1_600 + 16 * 60); // count = 160: 10 past the deadline
        assert_eq!(t.read_sysreg(CNTV_TVAL_EL0), Some(0xFFFF_FFF6));
        // Negative TVAL writes put CVAL in the past (upper bits of the value ignored).
        t.write_sysreg(CNTV_TVAL_EL0, 0xFFFF_FFFF_FFFF_FF9C | 0x1234_5678_0000_0000);
        assert_eq!(t.read_sysreg(CNTV_CVAL_EL0), Some(60));
        t.write_sysreg(CNTV_CTL_EL0, CTL_ENABLE);
        assert!(irq.level(VIRT));
        assert!(!irq.level(PHYS));
    }

    #[test]
    fn virtual_deadline_accounts_for_cntvoff() {
        let (mut t, clock, _) = rig();
        clock.set(16_000); // physical count 1000, virtual 0
        t.write_sysreg(CNTVOFF_EL2, 1000);
        t.write_sysreg(CNTV_CVAL_EL0, 500);
        t.write_sysreg(CNTV_CTL_EL0, CTL_ENABLE);
        // Virtual count 500 = physical 1500 = 24 us.
        assert_eq!(t.next_deadline_ns(), Some(24_000));
        t.write_sysreg(CNTP_CVAL_EL0, 1100);
        t.write_sysreg(CNTP_CTL_EL0, CTL_ENABLE);
        assert_eq!(t.next_deadline_ns(), Some(17_600));
        // A masked timer is not a reason to wake up.
        t.write_sysreg(CNTP_CTL_EL0, CTL_ENABLE | CTL_IMASK);
        assert_eq!(t.next_deadline_ns(), Some(24_000));
        // A compare value that can never be reached gives no deadline.
        t.write_sysreg(CNTV_CVAL_EL0, u64::MAX);
        assert_eq!(t.next_deadline_ns(), None);
    }

    #[test]
    fn any_register_value_is_handled() {
        let (mut t, clock, _) = rig();
        let mut rng = crate::testutil::Rng(7);
        let all = [
            CNTFRQ_EL0,
            CNTPCT_EL0,
            CNTVCT_EL0,
            CNTKCTL_EL1,
            CNTP_TVAL_EL0,
            CNTP_CTL_EL0,
            CNTP_CVAL_EL0,
            CNTV_TVAL_EL0,
            CNTV_CTL_EL0,
            CNTV_CVAL_EL0,
            CNTVOFF_EL2,
        ];
        for _ in 0..20_000 {
            let reg = all[(rng.next() % all.len() as u64) as usize];
            t.write_sysreg(reg, rng.next());
            let _ = t.read_sysreg(reg);
            clock.set(rng.next());
            let _ = t.next_deadline_ns();
            t.tick();
        }
    }
}

//! ARM PrimeCell real-time clock (PL031), after the PL031 TRM (DDI 0224).
//!
//! The counter is the virtual clock's seconds plus an offset; by default the offset makes
//! RTCDR read host UNIX time, and a write to RTCLR moves it. The match interrupt fires when
//! the counter reaches RTCMR; its time is known in advance (`next_deadline_ns`), so the
//! board wakes a sleeping CPU for it instead of polling.

use crate::primecell;
use emu_core::clock::Clock;
use emu_core::irq::IrqLine;
use emu_core::mmio::MmioDevice;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub const PL031_SIZE: u64 = 0x1000;

const PERIPH_ID: [u8; 4] = [0x31, 0x10, 0x14, 0x00];

const DR: u64 = 0x00;
const MR: u64 = 0x04;
const LR: u64 = 0x08;
const CR: u64 = 0x0C;
const IMSC: u64 = 0x10;
const RIS: u64 = 0x14;
const MIS: u64 = 0x18;
const ICR: u64 = 0x1C;

const NS_PER_SEC: u64 = 1_000_000_000;

pub struct Pl031 {
    irq: IrqLine,
    clock: Arc<dyn Clock>,
    /// RTCDR = offset + whole seconds of the virtual clock (mod 2^32, as the counter wraps).
    offset: u32,
    mr: u32,
    lr: u32,
    imsc: u32,
    ris: u32,
    /// Virtual time at which the counter next equals RTCMR.
    match_at: Option<u64>,
}

impl Pl031 {
    /// An RTC whose counter reads `unix_secs` now.
    pub fn new(irq: IrqLine, clock: Arc<dyn Clock>, unix_secs: u64) -> Self {
        let mut rtc = Self {
            irq,
            clock,
            offset: 0,
            mr: 0,
            lr: 0,
            imsc: 0,
            ris: 0,
            match_at: None,
        };
        rtc.load(unix_secs as u32);
        rtc
    }

    /// An RTC set to the host's wall-clock time.
    pub fn with_host_time(irq: IrqLine, clock: Arc<dyn Clock>) -> Self {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::new(irq, clock, unix)
    }

    fn clock_secs(&self) -> u64 {
        self.clock.now_ns() / NS_PER_SEC
    }

    fn count(&self) -> u32 {
        self.offset.wrapping_add(self.clock_secs() as u32)
    }

    fn load(&mut self, value: u32) {
        self.offset = value.wrapping_sub(self.clock_secs() as u32);
        self.arm_match();
    }

    /// Work out when the counter reaches RTCMR. A match equal to the current count fires
    /// at once (as QEMU does), otherwise at the start of the second it is reached.
    fn arm_match(&mut self) {
        let secs = self.clock_secs();
        let ahead = u64::from(self.mr.wrapping_sub(self.count()));
        self.match_at = Some(if ahead == 0 {
            self.clock.now_ns()
        } else {
            (secs + ahead).saturating_mul(NS_PER_SEC)
        });
        self.tick();
    }

    pub fn next_deadline_ns(&self) -> Option<u64> {
        self.match_at
    }

    /// Re-evaluate the match against the clock. Also run on every register access.
    pub fn tick(&mut self) {
        if let Some(at) = self.match_at {
            if self.clock.now_ns() >= at {
                self.match_at = None;
                self.ris |= 1;
            }
        }
        self.irq.set(self.ris & self.imsc != 0);
    }

    fn read_reg(&mut self, offset: u64) -> u32 {
        match offset {
            DR => self.count(),
            MR => self.mr,
            LR => self.lr,
            // RTCStart: the counter always runs (QEMU's virt firmware and Linux expect it).
            CR => 1,
            IMSC => self.imsc,
            RIS => self.ris,
            MIS => self.ris & self.imsc,
            _ => primecell::id_register(PERIPH_ID, offset).unwrap_or_else(|| {
                tracing::debug!("pl031: read of unknown register {offset:#x}");
                0
            }),
        }
    }

    fn write_reg(&mut self, offset: u64, value: u32) {
        match offset {
            MR => {
                self.mr = value;
                self.arm_match();
            }
            LR => {
                self.lr = value;
                self.load(value);
            }
            // Writing 0 cannot stop the counter; writing 1 starts an already running one.
            CR => {}
            IMSC => self.imsc = value & 1,
            ICR => self.ris &= !(value & 1),
            DR | RIS | MIS => tracing::debug!("pl031: write to read-only register {offset:#x}"),
            _ => tracing::debug!("pl031: write to unknown register {offset:#x}"),
        }
        self.tick();
    }
}

impl MmioDevice for Pl031 {
    fn read(&mut self, _cpu: usize, offset: u64, size: u8) -> u64 {
        self.tick();
        if !offset.is_multiple_of(4) {
            tracing::debug!("pl031: unaligned read at {offset:#x} size {size}");
            return 0;
        }
        u64::from(self.read_reg(offset))
    }

    fn write(&mut self, _cpu: usize, offset: u64, size: u8, value: u64) {
        self.tick();
        if !offset.is_multiple_of(4) {
            tracing::debug!("pl031: unaligned write at {offset:#x} size {size}");
            return;
        }
        self.write_reg(offset, value as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emu_core::clock::ManualClock;
    use emu_core::irq::{IrqSource, LevelRecorder};

    const SPI: IrqSource = IrqSource::Spi(2);

    fn rig(start_ns: u64, unix: u64) -> (Pl031, Arc<ManualClock>, Arc<LevelRecorder>) {
        let clock = Arc::new(ManualClock::new(start_ns));
        let irq = LevelRecorder::new();
        let rtc = Pl031::new(IrqLine::new(irq.clone(), SPI), clock.clone(), unix);
        (rtc, clock, irq)
    }

    #[test]
    fn counts_seconds_from_the_given_time() {
        let (mut rtc, clock, _) = rig(500_000_000, 1_700_000_000);
        assert_eq!(rtc.read(0, DR, 4), 1_700_000_000);
        clock.advance(499_999_999);
        assert_eq!(rtc.read(0, DR, 4), 1_700_000_000);
        clock.advance(1);
        assert_eq!(rtc.read(0, DR, 4), 1_700_000_001);
        clock.advance(60 * NS_PER_SEC);
        assert_eq!(rtc.read(0, DR, 4), 1_700_000_061);
        assert_eq!(rtc.read(0, CR, 4), 1);
        let ids: Vec<u64> = (0..8).map(|i| rtc.read(0, 0xFE0 + 4 * i, 4)).collect();
        assert_eq!(ids, [0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]);
    }

    #[test]
    fn host_time_by_default() {
        let clock = Arc::new(ManualClock::new(0));
        let mut rtc = Pl031::with_host_time(IrqLine::disconnected(), clock);
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let dr = rtc.read(0, DR, 4);
        assert!(dr.abs_diff(unix as u32 as u64) <= 1, "{dr} vs {unix}");
    }

    #[test]
    fn load_register_sets_the_counter_and_wraps() {
        let (mut rtc, clock, _) = rig(0, 0);
        rtc.write(0, LR, 4, 0xFFFF_FFFF);
        assert_eq!(rtc.read(0, LR, 4), 0xFFFF_FFFF);
        assert_eq!(rtc.read(0, DR, 4), 0xFFFF_FFFF);
        clock.advance(NS_PER_SEC);
        assert_eq!(rtc.read(0, DR, 4), 0);
        rtc.write(0, DR, 4, 5); // read-only
        assert_eq!(rtc.read(0, DR, 4), 0);
    }

    #[test]
    fn match_interrupt() {
        let (mut rtc, clock, irq) = rig(0, 1000);
        rtc.write(0, IMSC, 4, 1);
        rtc.write(0, MR, 4, 1003);
        assert_eq!(rtc.next_deadline_ns(), Some(3 * NS_PER_SEC));
        clock.set(3 * NS_PER_SEC - 1);
        rtc.tick();
        assert!(!irq.level(SPI));
        assert_eq!(rtc.read(0, RIS, 4), 0);
        clock.set(3 * NS_PER_SEC);
        rtc.tick();
        assert!(irq.level(SPI));
        assert_eq!(rtc.read(0, MIS, 4), 1);
        rtc.write(0, ICR, 4, 1);
        assert!(!irq.level(SPI));
        assert_eq!(rtc.read(0, RIS, 4), 0);
        // Masked: RIS still latches, the line stays low.
        rtc.write(0, IMSC, 4, 0);
        rtc.write(0, MR, 4, 1003); // equal to the count now: fires immediately
        assert_eq!(rtc.read(0, RIS, 4), 1);
        assert_eq!(rtc.read(0, MIS, 4), 0);
        assert!(!irq.level(SPI));
        rtc.write(0, IMSC, 4, 1);
        assert!(irq.level(SPI));
    }

    #[test]
    fn odd_accesses_do_not_panic() {
        let (mut rtc, _, _) = rig(u64::MAX - 10, u64::MAX);
        for off in [0u64, 1, 3, 0x20, 0xFFC, 0xFFF, u64::MAX] {
            for size in [1u8, 2, 4, 8] {
                rtc.write(0, off, size, u64::MAX);
                let _ = rtc.read(0, off, size);
            }
        }
        crate::testutil::hammer(&mut rtc, PL031_SIZE, 50_000);
    }
}

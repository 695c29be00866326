//! The `virt` board's devices wired together: the MMIO map (DESIGN §8), the interrupt lines
//! from each device to the GIC, one generic timer per CPU, and the system-register and
//! time-keeping entry points the CPU run loop will call. What remains for system mode is
//! the CPU side: route physical accesses that miss RAM to `bus`, call `read_sysreg` /
//! `write_sysreg` for timer and ICC_* registers, check `gic.irq_pending(cpu)` at block
//! entry, and sleep in WFI until `next_deadline_ns` or the GIC's wake hook.

use crate::board::*;
use crate::fdt::{self, FdtConfig, FdtError};
use crate::generic_timer::{GenericTimer, PPI_PHYS, PPI_VIRT};
use crate::gic::{self, Gic, GicDistributor, GicRedistributors, GicV2CpuInterface, Version};
use crate::pl011::{Pl011, PL011_SIZE};
use crate::pl031::{Pl031, PL031_SIZE};
use emu_core::clock::Clock;
use emu_core::irq::{CpuInterruptInterface, InterruptSink, IrqLine, IrqSource};
use emu_core::mmio::{MapError, MmioBus};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

pub struct VirtConfig {
    pub num_cpus: usize,
    pub ram_size: u64,
    pub gic: Version,
    pub timer_freq_hz: u64,
}

#[derive(Debug)]
pub enum BoardError {
    Map(MapError),
    CpuCount { num_cpus: usize, max: usize },
}

impl std::fmt::Display for BoardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BoardError::Map(e) => write!(f, "board memory map: {e}"),
            BoardError::CpuCount { num_cpus, max } => {
                write!(
                    f,
                    "{num_cpus} CPUs: this interrupt controller supports 1 to {max}"
                )
            }
        }
    }
}

impl std::error::Error for BoardError {}

impl From<MapError> for BoardError {
    fn from(e: MapError) -> Self {
        BoardError::Map(e)
    }
}

pub struct VirtDevices {
    pub bus: MmioBus,
    pub gic: Arc<Gic>,
    pub uart: Arc<Mutex<Pl011>>,
    pub rtc: Arc<Mutex<Pl031>>,
    /// One per CPU, indexed by CPU number.
    pub timers: Vec<Arc<Mutex<GenericTimer>>>,
    config: VirtConfig,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl VirtDevices {
    pub fn new(
        config: VirtConfig,
        clock: Arc<dyn Clock>,
        uart_out: Box<dyn Write + Send>,
    ) -> Result<Self, BoardError> {
        let max = match config.gic {
            Version::V2 => MAX_CPUS_GICV2,
            Version::V3 => MAX_CPUS_GICV3,
        };
        if config.num_cpus == 0 || config.num_cpus > max {
            return Err(BoardError::CpuCount {
                num_cpus: config.num_cpus,
                max,
            });
        }
        let gic = Gic::new(config.gic, config.num_cpus, gic::VIRT_NUM_SPIS);
        let sink: Arc<dyn InterruptSink> = gic.clone();
        let line = |source| IrqLine::new(sink.clone(), source);

        let uart = Arc::new(Mutex::new(Pl011::new(
            line(IrqSource::Spi(UART_SPI)),
            clock.clone(),
            uart_out,
        )));
        let rtc = Arc::new(Mutex::new(Pl031::with_host_time(
            line(IrqSource::Spi(RTC_SPI)),
            clock.clone(),
        )));
        let timers = (0..config.num_cpus)
            .map(|cpu| {
                Arc::new(Mutex::new(GenericTimer::new(
                    clock.clone(),
                    config.timer_freq_hz,
                    line(IrqSource::Ppi { cpu, ppi: PPI_PHYS }),
                    line(IrqSource::Ppi { cpu, ppi: PPI_VIRT }),
                )))
            })
            .collect();

        let mut bus = MmioBus::new();
        bus.register("pl011", UART_BASE, PL011_SIZE, uart.clone())?;
        bus.register("pl031", RTC_BASE, PL031_SIZE, rtc.clone())?;
        let dist = Arc::new(Mutex::new(GicDistributor::new(gic.clone())));
        bus.register("gic-distributor", GIC_DIST_BASE, gic::DIST_SIZE, dist)?;
        match config.gic {
            Version::V3 => {
                let redist = GicRedistributors::new(gic.clone());
                let size = redist.region_size();
                bus.register(
                    "gic-redistributors",
                    GIC_REDIST_BASE,
                    size,
                    Arc::new(Mutex::new(redist)),
                )?;
            }
            Version::V2 => {
                let cpuif = Arc::new(Mutex::new(GicV2CpuInterface::new(gic.clone())));
                bus.register(
                    "gic-cpu-interface",
                    GIC_V2_CPU_BASE,
                    gic::V2_CPU_SIZE,
                    cpuif,
                )?;
            }
        }
        Ok(Self {
            bus,
            gic,
            uart,
            rtc,
            timers,
            config,
        })
    }

    /// The device tree describing this board; `chosen` fills /chosen (bootargs, initrd,
    /// seeds) and the CPU compatible.
    pub fn fdt(&self, chosen: impl FnOnce(&mut FdtConfig)) -> Result<Vec<u8>, FdtError> {
        let mut cfg = FdtConfig::new(self.config.num_cpus, self.config.ram_size, self.config.gic);
        chosen(&mut cfg);
        fdt::build(&cfg)
    }

    /// MRS of a register the board implements (generic timer; GICv3 ICC_*), or `None`.
    pub fn read_sysreg(&self, cpu: usize, encoding: u32) -> Option<u64> {
        let timer = self.timers.get(cpu)?;
        if let Some(v) = lock(timer).read_sysreg(encoding) {
            return Some(v);
        }
        // ICC_* (GICv3 only; a GICv2 refuses them).
        self.gic.read_sysreg(cpu, encoding)
    }

    /// MSR to a register the board implements; false if it is not one.
    pub fn write_sysreg(&self, cpu: usize, encoding: u32, value: u64) -> bool {
        let Some(timer) = self.timers.get(cpu) else {
            return false;
        };
        if lock(timer).write_sysreg(encoding, value) {
            return true;
        }
        self.gic.write_sysreg(cpu, encoding, value)
    }

    /// Earliest virtual time at which a device's state changes on its own (timer compare,
    /// RTC match, UART receive timeout): how long an idle CPU may sleep.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        let timers = self
            .timers
            .iter()
            .filter_map(|t| lock(t).next_deadline_ns());
        timers
            .chain(lock(&self.uart).next_deadline_ns())
            .chain(lock(&self.rtc).next_deadline_ns())
            .min()
    }

    /// Bring time-driven device state up to the clock (after a deadline passed).
    pub fn tick(&self) {
        for t in &self.timers {
            lock(t).tick();
        }
        lock(&self.uart).tick();
        lock(&self.rtc).tick();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generic_timer::regs::*;
    use crate::gic::icc::*;
    use emu_core::clock::ManualClock;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn board(gic: Version) -> (VirtDevices, Arc<ManualClock>, Sink) {
        let clock = Arc::new(ManualClock::new(0));
        let out = Sink::default();
        let cfg = VirtConfig {
            num_cpus: 2,
            ram_size: 1 << 30,
            gic,
            timer_freq_hz: 62_500_000,
        };
        let b = VirtDevices::new(cfg, clock.clone(), Box::new(out.clone())).unwrap();
        (b, clock, out)
    }

    /// Linux-like GICv3 bring-up of CPU 0 through the bus and system registers.
    fn gicv3_up(b: &VirtDevices) {
        b.bus.write(0, GIC_REDIST_BASE + 0x14, 4, 0).unwrap();
        b.bus.write(0, GIC_DIST_BASE, 4, 0x13).unwrap();
        b.bus.write(0, GIC_DIST_BASE + 0x84, 4, u64::MAX).unwrap(); // SPIs 32..63 group 1
        b.bus
            .write(0, GIC_REDIST_BASE + 0x1_0080, 4, u64::MAX)
            .unwrap(); // SGI/PPI group 1
        for cpu_reg in [(ICC_PMR_EL1, 0xF0), (ICC_IGRPEN1_EL1, 1)] {
            assert!(b.write_sysreg(0, cpu_reg.0, cpu_reg.1));
        }
    }

    #[test]
    fn uart_interrupt_reaches_the_cpu_through_gicv3() {
        let (b, _, out) = board(Version::V3);
        gicv3_up(&b);
        // Print through the bus.
        for &c in b"ok\n" {
            b.bus.write(0, UART_BASE, 4, u64::from(c)).unwrap();
        }
        assert_eq!(&*out.0.lock().unwrap(), b"ok\n");
        // Enable the UART RX interrupt (UARTIMSC.RXIM) and SPI 1 in the distributor.
        b.bus.write(0, UART_BASE + 0x38, 4, 1 << 4).unwrap();
        b.bus.write(0, GIC_DIST_BASE + 0x104, 4, 1 << 1).unwrap();
        assert!(!b.gic.irq_pending(0));
        assert_eq!(b.uart.lock().unwrap().push_input(b"x"), 1);
        assert!(b.gic.irq_pending(0));
        assert_eq!(b.read_sysreg(0, ICC_IAR1_EL1), Some(33));
        assert_eq!(b.bus.read(0, UART_BASE, 4), Ok(u64::from(b'x')));
        assert!(b.write_sysreg(0, ICC_EOIR1_EL1, 33));
        assert!(!b.gic.irq_pending(0));
    }

    #[test]
    fn timer_ppi_and_deadline() {
        let (b, clock, _) = board(Version::V3);
        gicv3_up(&b);
        b.bus
            .write(0, GIC_REDIST_BASE + 0x1_0100, 4, 1 << 30)
            .unwrap(); // PPI 14
        assert!(b.write_sysreg(0, CNTP_TVAL_EL0, 625)); // 10 us
        assert!(b.write_sysreg(0, CNTP_CTL_EL0, 1));
        assert_eq!(b.next_deadline_ns(), Some(10_000));
        clock.set(10_000);
        assert!(
            !b.gic.irq_pending(0),
            "nothing moves until the deadline is processed"
        );
        b.tick();
        assert!(b.gic.irq_pending(0));
        assert_eq!(b.read_sysreg(0, ICC_IAR1_EL1), Some(30));
        assert_eq!(b.read_sysreg(0, CNTP_CTL_EL0), Some(0b101));
        // CPU 1's timer is its own.
        assert_eq!(b.read_sysreg(1, CNTP_CTL_EL0), Some(0));
        assert_eq!(b.read_sysreg(2, CNTP_CTL_EL0), None);
    }

    #[test]
    fn gicv2_board_maps_the_cpu_interface_and_has_no_icc_registers() {
        let (b, _, _) = board(Version::V2);
        assert_eq!(b.bus.name_at(GIC_V2_CPU_BASE), Some("gic-cpu-interface"));
        assert_eq!(b.bus.name_at(GIC_REDIST_BASE), None);
        assert_eq!(b.read_sysreg(0, ICC_PMR_EL1), None);
        assert!(!b.write_sysreg(0, ICC_PMR_EL1, 0xF0));
        assert_eq!(b.bus.read(0, GIC_V2_CPU_BASE + 0xFC, 4), Ok(0x0202_043B));
        // RTC reads host time through the bus.
        assert!(b.bus.read(0, RTC_BASE, 4).unwrap() > 1_700_000_000);
        let blob = b
            .fdt(|c| c.bootargs = Some("console=ttyAMA0".into()))
            .unwrap();
        assert_eq!(&blob[..4], &[0xD0, 0x0D, 0xFE, 0xED]);
        assert!(VirtDevices::new(
            VirtConfig {
                num_cpus: 9,
                ram_size: 1 << 30,
                gic: Version::V2,
                timer_freq_hz: 1
            },
            Arc::new(ManualClock::new(0)),
            Box::new(std::io::sink()),
        )
        .is_err());
    }
}

//! The `virt` machine: guest RAM at 0x4000_0000, emu-devices' `VirtDevices` (PL011, PL031,
//! generic timers, GICv2/v3) and the [`Platform`] the CPU reaches them through.

use super::events::Events;
use emu_arm::sys::Platform;
use emu_core::clock::Clock;
use emu_core::irq::CpuInterruptInterface;
use emu_core::phys::PhysRam;
use emu_devices::board::{RAM_BASE, RTC_BASE, UART_BASE};
use emu_devices::generic_timer::DEFAULT_FREQ_HZ;
use emu_devices::gic::Version;
use emu_devices::pl011::PL011_SIZE;
use emu_devices::pl031::PL031_SIZE;
use emu_devices::virt::{VirtConfig, VirtDevices};
use std::io::Write;
use std::sync::Arc;

pub struct Board {
    pub ram: PhysRam,
    pub devices: VirtDevices,
    pub events: Arc<Events>,
}

pub struct BoardConfig {
    pub ram_size: u64,
    pub gic: Version,
    pub num_cpus: usize,
}

impl Board {
    /// Builds the machine; the GIC kicks the vCPU (through `events`) when it starts
    /// signalling an interrupt.
    pub fn new(
        cfg: &BoardConfig,
        clock: Arc<dyn Clock>,
        uart_out: Box<dyn Write + Send>,
        events: Arc<Events>,
    ) -> Result<Board, String> {
        let ram = PhysRam::new(RAM_BASE, cfg.ram_size)
            .map_err(|e| format!("cannot allocate guest RAM: {e}"))?;
        let devices = VirtDevices::new(
            VirtConfig {
                num_cpus: cfg.num_cpus,
                ram_size: cfg.ram_size,
                gic: cfg.gic,
                timer_freq_hz: DEFAULT_FREQ_HZ,
            },
            clock,
            uart_out,
        )
        .map_err(|e| e.to_string())?;
        let kick = events.clone();
        devices.gic.set_wakeup(move |_cpu| kick.kick_cpu());
        Ok(Board {
            ram,
            devices,
            events,
        })
    }
}

/// Whether a guest access can move a device deadline, so the timer thread must look again:
/// reading the UART's data register restarts its receive timeout, its control writes
/// (FIFO on/off, reset) can drop it, and RTC writes set the match. Transmitting and status
/// polls, the bulk of UART traffic, cannot.
fn may_move_deadline(pa: u64, write: bool) -> bool {
    const UART_DR: u64 = UART_BASE;
    if (UART_BASE..UART_BASE + PL011_SIZE).contains(&pa) {
        (pa == UART_DR) != write
    } else {
        write && (RTC_BASE..RTC_BASE + PL031_SIZE).contains(&pa)
    }
}

/// The generic timer's registers (op0 = 3, CRn = 14): writes can move its deadline.
fn is_timer_register(encoding: u32) -> bool {
    encoding >> 14 == 3 && (encoding >> 7) & 0xF == 14
}

impl Platform for Board {
    fn ram(&self) -> &PhysRam {
        &self.ram
    }

    fn mmio_read(&self, cpu: usize, pa: u64, size: u8) -> Option<u64> {
        let value = self.devices.bus.read(cpu, pa, size);
        if may_move_deadline(pa, false) {
            self.events.deadlines_changed();
        }
        match value {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::debug!(target: "unimp", "mmio read of {size} bytes at {pa:#x}: {e}");
                None
            }
        }
    }

    fn mmio_write(&self, cpu: usize, pa: u64, size: u8, value: u64) -> bool {
        let result = self.devices.bus.write(cpu, pa, size, value);
        if may_move_deadline(pa, true) {
            self.events.deadlines_changed();
        }
        match result {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(target: "unimp", "mmio write of {size} bytes at {pa:#x}: {e}");
                false
            }
        }
    }

    fn read_sysreg(&self, cpu: usize, encoding: u32) -> Option<u64> {
        self.devices.read_sysreg(cpu, encoding)
    }

    fn write_sysreg(&self, cpu: usize, encoding: u32, value: u64) -> bool {
        let done = self.devices.write_sysreg(cpu, encoding, value);
        if done && is_timer_register(encoding) {
            self.events.deadlines_changed();
        }
        done
    }

    fn irq_pending(&self, cpu: usize) -> bool {
        self.devices.gic.irq_pending(cpu)
    }

    fn fiq_pending(&self, cpu: usize) -> bool {
        self.devices.gic.fiq_pending(cpu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emu_core::clock::ManualClock;
    use emu_devices::generic_timer::regs::{CNTP_CTL_EL0, CNTV_CVAL_EL0};
    use emu_devices::sysreg::encode;

    fn board(gic: Version) -> Board {
        Board::new(
            &BoardConfig {
                ram_size: 16 << 20,
                gic,
                num_cpus: 1,
            },
            Arc::new(ManualClock::new(0)),
            Box::new(std::io::sink()),
            Arc::new(Events::new()),
        )
        .unwrap()
    }

    #[test]
    fn platform_reaches_ram_devices_and_registers() {
        let b = board(Version::V3);
        assert_eq!(b.ram().base(), 0x4000_0000);
        assert_eq!(b.ram().size(), 16 << 20);
        // PL011 peripheral ID byte 0 (0x11) through the bus; nothing at 0x0500_0000.
        assert_eq!(b.mmio_read(0, UART_BASE + 0xFE0, 4), Some(0x11));
        assert_eq!(b.mmio_read(0, 0x0500_0000, 4), None);
        assert!(!b.mmio_write(0, 0x0500_0000, 4, 0));
        assert_eq!(b.read_sysreg(0, CNTP_CTL_EL0), Some(0));
        assert!(b.write_sysreg(0, CNTP_CTL_EL0, 1));
        assert_eq!(b.read_sysreg(0, CNTP_CTL_EL0).map(|v| v & 1), Some(1));
        assert!(!b.irq_pending(0));
        assert!(!b.fiq_pending(0));
        // ICC_PMR_EL1 exists with GICv3 only.
        let icc_pmr = encode(3, 0, 4, 6, 0);
        assert!(b.read_sysreg(0, icc_pmr).is_some());
        assert!(board(Version::V2).read_sysreg(0, icc_pmr).is_none());
    }

    #[test]
    fn timer_registers_are_recognised() {
        assert!(is_timer_register(CNTP_CTL_EL0));
        assert!(is_timer_register(CNTV_CVAL_EL0));
        assert!(!is_timer_register(encode(3, 0, 4, 6, 0)));
        assert!(may_move_deadline(UART_BASE, false), "UARTDR read");
        assert!(
            !may_move_deadline(UART_BASE, true),
            "UARTDR write (transmit)"
        );
        assert!(!may_move_deadline(UART_BASE + 0x18, false), "UARTFR poll");
        assert!(may_move_deadline(UART_BASE + 0x2c, true), "UARTLCR_H write");
        assert!(may_move_deadline(RTC_BASE + 4, true), "RTCMR write");
        assert!(!may_move_deadline(RTC_BASE, false), "RTCDR read");
        assert!(!may_move_deadline(0x0800_0000, true));
    }
}

//! ARM PrimeCell UART (PL011), after the PL011 Technical Reference Manual (DDI 0183).
//!
//! Transmission is instantaneous: a byte written to UARTDR goes straight to the host sink,
//! so the transmit FIFO is always empty (TXFE=1, TXFF=0, BUSY=0) and each write is one
//! pass of the FIFO above and back through the trigger level, which is what latches the TX
//! interrupt. Reception is real: the host pushes bytes into a 16-entry FIFO (or the 1-byte
//! holding register when UARTLCR_H.FEN=0), with the programmed trigger levels, overrun, and
//! the receive timeout (32 bit periods without new data while the FIFO is not empty) timed
//! by the virtual clock.
//!
//! Like QEMU (whose images we must run), data moves even when UARTCR.UARTEN is clear: bare
//! metal programs written against QEMU print without enabling the UART.

use crate::primecell;
use emu_core::clock::Clock;
use emu_core::irq::IrqLine;
use emu_core::mmio::MmioDevice;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::Arc;

/// Size of the 4 KiB register window.
pub const PL011_SIZE: u64 = 0x1000;

const PERIPH_ID: [u8; 4] = [0x11, 0x10, 0x14, 0x00];

/// Reference clock QEMU's virt board gives the UART (the `apb_pclk` fixed clock).
pub const UARTCLK_HZ: u64 = 24_000_000;

const FIFO_DEPTH: usize = 16;

// Register offsets.
const DR: u64 = 0x000;
const RSR_ECR: u64 = 0x004;
const FR: u64 = 0x018;
const ILPR: u64 = 0x020;
const IBRD: u64 = 0x024;
const FBRD: u64 = 0x028;
const LCR_H: u64 = 0x02C;
const CR: u64 = 0x030;
const IFLS: u64 = 0x034;
const IMSC: u64 = 0x038;
const RIS: u64 = 0x03C;
const MIS: u64 = 0x040;
const ICR: u64 = 0x044;
const DMACR: u64 = 0x048;

// UARTFR bits.
const FR_RXFE: u32 = 1 << 4;
const FR_RXFF: u32 = 1 << 6;
const FR_TXFE: u32 = 1 << 7;

// Interrupt bits (UARTIMSC/RIS/MIS/ICR share the layout).
pub const INT_RX: u32 = 1 << 4;
pub const INT_TX: u32 = 1 << 5;
pub const INT_RT: u32 = 1 << 6;
pub const INT_OE: u32 = 1 << 10;
const INT_ALL: u32 = 0x7FF;

// Error bits: in UARTDR (bits 8..11) beside each received byte, and in UARTRSR (bits 0..3).
const DR_OE: u16 = 1 << 11;
const RSR_SHIFT: u32 = 8;

const LCR_H_FEN: u32 = 1 << 4;
const CR_LBE: u32 = 1 << 7;
const CR_RESET: u32 = 0x300; // TXE | RXE
const IFLS_RESET: u32 = 0x12; // both trigger levels at 1/2

/// Baud rate assumed for the receive timeout while the divisor is still unprogrammed.
const DEFAULT_BAUD: u64 = 115_200;

pub struct Pl011 {
    irq: IrqLine,
    clock: Arc<dyn Clock>,
    out: Box<dyn Write + Send>,
    /// Received bytes with their error bits (UARTDR[11:8]).
    rx: VecDeque<u16>,
    /// When the receive timeout would fire (time of last receive or read + 32 bit periods).
    rx_timeout_at: Option<u64>,
    rsr: u32,
    ilpr: u32,
    ibrd: u32,
    fbrd: u32,
    lcr_h: u32,
    cr: u32,
    ifls: u32,
    imsc: u32,
    ris: u32,
    dmacr: u32,
}

impl Pl011 {
    pub fn new(irq: IrqLine, clock: Arc<dyn Clock>, out: Box<dyn Write + Send>) -> Self {
        Self {
            irq,
            clock,
            out,
            rx: VecDeque::with_capacity(FIFO_DEPTH),
            rx_timeout_at: None,
            rsr: 0,
            ilpr: 0,
            ibrd: 0,
            fbrd: 0,
            lcr_h: 0,
            cr: CR_RESET,
            ifls: IFLS_RESET,
            imsc: 0,
            ris: 0,
            dmacr: 0,
        }
    }

    fn fifo_enabled(&self) -> bool {
        self.lcr_h & LCR_H_FEN != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.fifo_enabled() {
            FIFO_DEPTH
        } else {
            1
        }
    }

    /// How many more bytes the receiver can take before it overruns: the host side pushes
    /// at most this many so that no input is lost.
    pub fn rx_space(&self) -> usize {
        self.rx_capacity().saturating_sub(self.rx.len())
    }

    /// FIFO fill level a trigger-select field (3 bits of UARTIFLS) stands for.
    fn trigger_level(select: u32) -> usize {
        match select {
            0 => FIFO_DEPTH / 8,
            1 => FIFO_DEPTH / 4,
            2 => FIFO_DEPTH / 2,
            3 => FIFO_DEPTH * 3 / 4,
            // 4 is 7/8; 5..7 are reserved, treated as the highest level.
            _ => FIFO_DEPTH * 7 / 8,
        }
    }

    fn rx_trigger(&self) -> usize {
        if self.fifo_enabled() {
            Self::trigger_level((self.ifls >> 3) & 7)
        } else {
            1
        }
    }

    fn bit_period_ns(&self) -> u64 {
        // Baud = UARTCLK / (16 * (IBRD + FBRD/64)) = UARTCLK * 4 / (64 * IBRD + FBRD).
        let divisor = 64 * u64::from(self.ibrd) + u64::from(self.fbrd);
        let baud = (UARTCLK_HZ * 4)
            .checked_div(divisor)
            .map_or(DEFAULT_BAUD, |b| b.max(1));
        (1_000_000_000 / baud).max(1)
    }

    fn restart_rx_timeout(&mut self) {
        self.rx_timeout_at = if self.rx.is_empty() {
            None
        } else {
            Some(
                self.clock
                    .now_ns()
                    .saturating_add(32 * self.bit_period_ns()),
            )
        };
    }

    /// When the receive timeout fires next, so a sleeping CPU can wake for it.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        self.rx_timeout_at
    }

    /// Re-evaluate time-driven state (the receive timeout). Also run on every access.
    pub fn tick(&mut self) {
        if let Some(at) = self.rx_timeout_at {
            if self.clock.now_ns() >= at {
                self.rx_timeout_at = None;
                self.ris |= INT_RT;
            }
        }
        self.update_irq();
    }

    fn update_irq(&mut self) {
        self.irq.set(self.ris & self.imsc != 0);
    }

    /// One byte arrives on the serial line.
    pub fn receive(&mut self, byte: u8) {
        if self.rx.len() >= self.rx_capacity() {
            // Overrun: the FIFO keeps its contents, the new byte is lost, and the error is
            // reported with the last byte stored (the one the lost byte should have followed).
            if let Some(last) = self.rx.back_mut() {
                *last |= DR_OE;
            }
            self.rsr |= u32::from(DR_OE) >> RSR_SHIFT;
            self.ris |= INT_OE;
        } else {
            self.rx.push_back(u16::from(byte));
            if self.rx.len() >= self.rx_trigger() {
                self.ris |= INT_RX;
            }
        }
        // New data restarts the timeout and clears a pending one (the TRM's RTINTR clears
        // when the FIFO is read or data arrives).
        self.ris &= !INT_RT;
        self.restart_rx_timeout();
        self.update_irq();
    }

    /// Push host input; returns how many bytes were taken (stops before overrunning).
    pub fn push_input(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.rx_space());
        for &b in &bytes[..n] {
            self.receive(b);
        }
        n
    }

    fn read_dr(&mut self) -> u32 {
        let Some(entry) = self.rx.pop_front() else {
            tracing::debug!("pl011: read of UARTDR with the receive FIFO empty");
            return 0;
        };
        // UARTRSR holds the error status of the byte last read from UARTDR.
        self.rsr = u32::from(entry) >> RSR_SHIFT;
        if self.rx.len() < self.rx_trigger() {
            self.ris &= !INT_RX;
        }
        self.ris &= !INT_RT;
        self.restart_rx_timeout();
        self.update_irq();
        u32::from(entry)
    }

    fn write_dr(&mut self, value: u32) {
        let byte = value as u8;
        if self.cr & CR_LBE != 0 {
            self.receive(byte);
        } else if let Err(e) = self.out.write_all(&[byte]).and_then(|_| self.out.flush()) {
            tracing::debug!("pl011: output sink failed: {e}");
        }
        // The byte passed through the TX FIFO and left at once: the FIFO crossed the
        // trigger level on its way back down, which latches the TX interrupt.
        self.ris |= INT_TX;
        self.update_irq();
    }

    /// UARTFR. The transmitter is never busy and its FIFO never fills (TXFF = BUSY = 0).
    fn flags(&self) -> u32 {
        let mut fr = FR_TXFE;
        if self.rx.is_empty() {
            fr |= FR_RXFE;
        }
        if self.rx.len() >= self.rx_capacity() {
            fr |= FR_RXFF;
        }
        fr
    }

    fn read_reg(&mut self, offset: u64) -> u32 {
        match offset {
            DR => self.read_dr(),
            RSR_ECR => self.rsr,
            FR => self.flags(),
            ILPR => self.ilpr,
            IBRD => self.ibrd,
            FBRD => self.fbrd,
            LCR_H => self.lcr_h,
            CR => self.cr,
            IFLS => self.ifls,
            IMSC => self.imsc,
            RIS => self.ris,
            MIS => self.ris & self.imsc,
            DMACR => self.dmacr,
            _ => primecell::id_register(PERIPH_ID, offset).unwrap_or_else(|| {
                tracing::debug!("pl011: read of unknown register {offset:#x}");
                0
            }),
        }
    }

    fn write_reg(&mut self, offset: u64, value: u32) {
        match offset {
            DR => self.write_dr(value),
            // Any write to UARTECR clears the framing, parity, break and overrun errors.
            RSR_ECR => self.rsr = 0,
            ILPR => self.ilpr = value & 0xFF,
            IBRD => self.ibrd = value & 0xFFFF,
            FBRD => self.fbrd = value & 0x3F,
            LCR_H => {
                // Switching between FIFO and holding register empties the receiver, as
                // QEMU does (the TRM leaves the contents undefined).
                if (self.lcr_h ^ value) & LCR_H_FEN != 0 {
                    self.rx.clear();
                    self.ris &= !(INT_RX | INT_RT);
                    self.rx_timeout_at = None;
                }
                self.lcr_h = value & 0xFF;
            }
            CR => self.cr = value & 0xFF87, // bits 3..6 are reserved
            IFLS => self.ifls = value & 0x3F,
            IMSC => self.imsc = value & INT_ALL,
            ICR => self.ris &= !value,
            DMACR => self.dmacr = value & 7,
            FR | RIS | MIS => tracing::debug!("pl011: write to read-only register {offset:#x}"),
            _ => tracing::debug!("pl011: write to unknown register {offset:#x}"),
        }
        self.update_irq();
    }
}

impl MmioDevice for Pl011 {
    fn read(&mut self, _cpu: usize, offset: u64, size: u8) -> u64 {
        self.tick();
        if !offset.is_multiple_of(4) {
            tracing::debug!("pl011: unaligned read at {offset:#x} size {size}");
            return 0;
        }
        u64::from(self.read_reg(offset))
    }

    fn write(&mut self, _cpu: usize, offset: u64, size: u8, value: u64) {
        self.tick();
        if !offset.is_multiple_of(4) {
            tracing::debug!("pl011: unaligned write at {offset:#x} size {size}");
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
    use std::sync::Mutex;

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

    struct Rig {
        uart: Pl011,
        out: Sink,
        irq: Arc<LevelRecorder>,
        clock: Arc<ManualClock>,
    }
    const SPI: IrqSource = IrqSource::Spi(1);

    fn rig() -> Rig {
        let irq = LevelRecorder::new();
        let clock = Arc::new(ManualClock::new(0));
        let out = Sink::default();
        let uart = Pl011::new(
            IrqLine::new(irq.clone(), SPI),
            clock.clone(),
            Box::new(out.clone()),
        );
        Rig {
            uart,
            out,
            irq,
            clock,
        }
    }

    impl Rig {
        fn r(&mut self, off: u64) -> u64 {
            self.uart.read(0, off, 4)
        }
        fn w(&mut self, off: u64, v: u64) {
            self.uart.write(0, off, 4, v)
        }
        fn line(&self) -> bool {
            self.irq.level(SPI)
        }
    }

    #[test]
    fn reset_values_and_ids() {
        let mut u = rig();
        assert_eq!(u.r(FR), u64::from(FR_TXFE | FR_RXFE));
        assert_eq!(u.r(CR), 0x300);
        assert_eq!(u.r(IFLS), 0x12);
        assert_eq!(u.r(IMSC), 0);
        assert_eq!(u.r(RIS), 0);
        let ids: Vec<u64> = (0..8).map(|i| u.r(0xFE0 + 4 * i)).collect();
        assert_eq!(ids, [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]);
        assert!(!u.line());
    }

    #[test]
    fn transmit_goes_to_the_sink_and_latches_tx_interrupt() {
        let mut u = rig();
        u.w(DR, 0x148); // bits above the byte are ignored
        u.uart.write(0, DR, 1, u64::from(b'i'));
        assert_eq!(&*u.out.0.lock().unwrap(), b"Hi");
        assert_eq!(u.r(RIS), u64::from(INT_TX));
        assert!(!u.line(), "masked");
        u.w(IMSC, u64::from(INT_TX));
        assert!(u.line());
        assert_eq!(u.r(MIS), u64::from(INT_TX));
        u.w(ICR, u64::from(INT_TX));
        assert!(!u.line());
        assert_eq!(u.r(MIS), 0);
        u.w(DR, u64::from(b'!'));
        assert!(u.line());
    }

    #[test]
    fn holding_register_without_fifo() {
        let mut u = rig();
        u.w(IMSC, u64::from(INT_RX | INT_OE));
        assert_eq!(u.uart.rx_space(), 1);
        assert_eq!(u.uart.push_input(b"ab"), 1);
        assert_eq!(u.r(FR) & u64::from(FR_RXFF | FR_RXFE), u64::from(FR_RXFF));
        assert!(u.line(), "one byte reaches the 1-char trigger");
        // A second byte overruns: it is lost and OE is flagged with the stored byte.
        u.uart.receive(b'b');
        assert_eq!(u.r(RIS) & u64::from(INT_OE), u64::from(INT_OE));
        assert_eq!(u.r(RSR_ECR), 0x8);
        assert_eq!(u.r(DR), u64::from(DR_OE) | u64::from(b'a'));
        assert_eq!(
            u.r(RSR_ECR),
            0x8,
            "RSR reports the error of the byte just read"
        );
        u.w(RSR_ECR, 0);
        assert_eq!(u.r(RSR_ECR), 0);
        assert_eq!(u.r(FR) & u64::from(FR_RXFE), u64::from(FR_RXFE));
        assert_eq!(u.r(RIS) & u64::from(INT_RX), 0);
        u.w(ICR, u64::from(INT_ALL));
        assert!(!u.line());
        assert_eq!(u.r(DR), 0, "empty FIFO reads 0");
    }

    #[test]
    fn fifo_trigger_levels() {
        let mut u = rig();
        u.w(LCR_H, u64::from(LCR_H_FEN | 0x60)); // 8 bits, FIFO on
        u.w(IMSC, u64::from(INT_RX));
        // Default IFLS: RX at 1/2 = 8 bytes.
        u.uart.push_input(b"1234567");
        assert!(!u.line());
        u.uart.push_input(b"8");
        assert!(u.line());
        // Reading back below the trigger level clears RXRIS.
        assert_eq!(u.r(DR), u64::from(b'1'));
        assert!(!u.line());
        // 1/8 = 2 bytes.
        u.w(IFLS, 0 << 3);
        u.uart.push_input(b"9");
        assert!(u.line());
        u.uart.push_input(&[b'x'; 20]);
        assert_eq!(u.uart.rx_space(), 0);
        assert_eq!(u.r(FR) & u64::from(FR_RXFF), u64::from(FR_RXFF));
        let got: Vec<u8> = (0..16).map(|_| u.r(DR) as u8).collect();
        assert_eq!(&got[..9], b"23456789x");
        assert_eq!(u.r(FR) & u64::from(FR_RXFE), u64::from(FR_RXFE));
        // Leaving FIFO mode flushes.
        u.uart.push_input(b"zz");
        u.w(LCR_H, 0x60);
        assert_eq!(u.r(FR) & u64::from(FR_RXFE), u64::from(FR_RXFE));
    }

    #[test]
    fn receive_timeout_after_32_bit_periods() {
        let mut u = rig();
        u.w(IBRD, 13); // 24 MHz / (16 * 13.02) = 115200 baud
        u.w(FBRD, 1);
        u.w(LCR_H, u64::from(LCR_H_FEN | 0x60));
        u.w(IMSC, u64::from(INT_RX | INT_RT));
        u.uart.push_input(b"ab");
        assert!(!u.line(), "below the trigger level");
        let deadline = u.uart.next_deadline_ns().unwrap();
        // 32 bits at ~115200 baud is ~278 us.
        assert!((270_000..290_000).contains(&deadline), "{deadline}");
        u.clock.set(deadline - 1);
        u.uart.tick();
        assert!(!u.line());
        u.clock.set(deadline);
        u.uart.tick();
        assert!(u.line());
        assert_eq!(u.r(MIS), u64::from(INT_RT));
        // Reading data clears the timeout and restarts it while data remains.
        assert_eq!(u.r(DR), u64::from(b'a'));
        assert!(!u.line());
        assert!(u.uart.next_deadline_ns().is_some());
        assert_eq!(u.r(DR), u64::from(b'b'));
        assert_eq!(u.uart.next_deadline_ns(), None);
    }

    #[test]
    fn loopback_feeds_the_receiver() {
        let mut u = rig();
        u.w(CR, u64::from(0x301 | CR_LBE));
        u.w(DR, u64::from(b'q'));
        assert!(u.out.0.lock().unwrap().is_empty());
        assert_eq!(u.r(DR), u64::from(b'q'));
    }

    #[test]
    fn odd_accesses_do_not_panic() {
        let mut u = rig();
        for off in [0u64, 1, 2, 3, 0x4c, 0xFDF, 0xFFF, 0xFFC, u64::MAX - 3] {
            for size in [1u8, 2, 4, 8] {
                u.uart.write(0, off, size, u64::MAX);
                let _ = u.uart.read(0, off, size);
            }
        }
        crate::testutil::hammer(&mut u.uart, PL011_SIZE, 50_000);
        // Reserved bits are not writable.
        for reg in [IMSC, FBRD, DMACR] {
            u.w(reg, u64::MAX);
        }
        assert_eq!(u.r(IMSC), u64::from(INT_ALL));
        assert_eq!(u.r(FBRD), 0x3F);
        assert_eq!(u.r(DMACR), 7);
    }
}

//! Test helpers shared by the device tests.

use emu_core::mmio::MmioDevice;

/// xorshift64: a reproducible stream of guest-chosen values.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Random reads and writes of every size at offsets across (and beyond) a device's
/// window, from CPUs that may not exist: a device model must survive all of them.
pub fn hammer(dev: &mut dyn MmioDevice, window: u64, iterations: usize) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..iterations {
        let offset = match rng.next() % 4 {
            0 => rng.next(),                 // anywhere at all
            1 => rng.next() % (window + 16), // around the window
            _ => (rng.next() % window) & !3, // aligned registers
        };
        let size = [1u8, 2, 4, 8][(rng.next() % 4) as usize];
        let cpu = (rng.next() % 8) as usize;
        if rng.next().is_multiple_of(2) {
            dev.write(cpu, offset, size, rng.next());
        } else {
            let _ = dev.read(cpu, offset, size);
        }
    }
}

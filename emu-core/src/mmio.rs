//! Memory-mapped I/O: the trait a device model implements and the physical address map
//! (`MmioBus`) that routes a guest access to the device that owns the address.
//!
//! Devices are shared between vCPU threads (and, for the GIC, with the CPU's system
//! register path), so the bus holds each one behind `Arc<Mutex<..>>`. A device sees only
//! offsets into its own window; it never learns where the board placed it.

use std::fmt;
use std::sync::{Arc, Mutex};

/// One MMIO device. `size` is always 1, 2, 4 or 8 (the bus rejects anything else) and
/// `offset + size` never leaves the window the device was registered with. Everything
/// else (unknown offsets, unaligned or odd-sized register accesses) the device must handle
/// itself without panicking: the guest chooses these values.
///
/// `cpu` is the index of the vCPU making the access (the bus master): a few devices bank
/// registers per CPU (the GICv2 distributor's SGI/PPI registers and its CPU interface);
/// the rest ignore it.
pub trait MmioDevice: Send {
    fn read(&mut self, cpu: usize, offset: u64, size: u8) -> u64;
    fn write(&mut self, cpu: usize, offset: u64, size: u8, value: u64);
}

pub type SharedDevice = Arc<Mutex<dyn MmioDevice>>;

/// Why the bus could not complete an access. The CPU turns these into an external abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmioError {
    /// No device covers the whole access.
    Unmapped { addr: u64 },
    /// Not 1, 2, 4 or 8 bytes.
    BadSize { size: u8 },
}

impl fmt::Display for MmioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MmioError::Unmapped { addr } => write!(f, "no device at physical address {addr:#x}"),
            MmioError::BadSize { size } => write!(f, "unsupported MMIO access size {size}"),
        }
    }
}

/// Registering a device failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    EmptyRegion {
        name: String,
    },
    /// The region wraps past the end of the 64-bit physical address space.
    Wraps {
        name: String,
    },
    Overlaps {
        name: String,
        existing: String,
    },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::EmptyRegion { name } => write!(f, "device {name}: empty MMIO region"),
            MapError::Wraps { name } => write!(f, "device {name}: region wraps the address space"),
            MapError::Overlaps { name, existing } => {
                write!(f, "device {name}: region overlaps {existing}")
            }
        }
    }
}

impl std::error::Error for MapError {}
impl std::error::Error for MmioError {}

struct Region {
    base: u64,
    /// Last byte of the region (inclusive), so a region may end at u64::MAX.
    last: u64,
    name: String,
    device: SharedDevice,
}

/// The physical address map: non-overlapping regions sorted by base address.
#[derive(Default)]
pub struct MmioBus {
    regions: Vec<Region>,
}

fn valid_size(size: u8) -> bool {
    matches!(size, 1 | 2 | 4 | 8)
}

impl MmioBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Map `device` at `[base, base + len)`.
    pub fn register(
        &mut self,
        name: &str,
        base: u64,
        len: u64,
        device: SharedDevice,
    ) -> Result<(), MapError> {
        if len == 0 {
            return Err(MapError::EmptyRegion { name: name.into() });
        }
        let last = base
            .checked_add(len - 1)
            .ok_or_else(|| MapError::Wraps { name: name.into() })?;
        if let Some(other) = self
            .regions
            .iter()
            .find(|r| base <= r.last && r.base <= last)
        {
            return Err(MapError::Overlaps {
                name: name.into(),
                existing: other.name.clone(),
            });
        }
        let at = self.regions.partition_point(|r| r.base < base);
        self.regions.insert(
            at,
            Region {
                base,
                last,
                name: name.into(),
                device,
            },
        );
        Ok(())
    }

    /// The device covering every byte of `[addr, addr + size)`, and `addr`'s offset in it.
    pub fn lookup(&self, addr: u64, size: u8) -> Result<(&SharedDevice, u64), MmioError> {
        if !valid_size(size) {
            return Err(MmioError::BadSize { size });
        }
        let idx = self.regions.partition_point(|r| r.base <= addr);
        let region = idx
            .checked_sub(1)
            .and_then(|i| self.regions.get(i))
            .ok_or(MmioError::Unmapped { addr })?;
        let end = addr
            .checked_add(u64::from(size) - 1)
            .ok_or(MmioError::Unmapped { addr })?;
        if end > region.last {
            return Err(MmioError::Unmapped { addr });
        }
        Ok((&region.device, addr - region.base))
    }

    /// Name of the device at `addr`, for diagnostics.
    pub fn name_at(&self, addr: u64) -> Option<&str> {
        self.regions
            .iter()
            .find(|r| r.base <= addr && addr <= r.last)
            .map(|r| r.name.as_str())
    }

    pub fn read(&self, cpu: usize, addr: u64, size: u8) -> Result<u64, MmioError> {
        let (device, offset) = self.lookup(addr, size)?;
        // A poisoned lock means another vCPU thread panicked inside the device; the
        // device state is still a plain register file, so keep going rather than cascade.
        let mut dev = device.lock().unwrap_or_else(|e| e.into_inner());
        Ok(dev.read(cpu, offset, size) & size_mask(size))
    }

    pub fn write(&self, cpu: usize, addr: u64, size: u8, value: u64) -> Result<(), MmioError> {
        let (device, offset) = self.lookup(addr, size)?;
        let mut dev = device.lock().unwrap_or_else(|e| e.into_inner());
        dev.write(cpu, offset, size, value & size_mask(size));
        Ok(())
    }
}

/// All-ones in the low `size` bytes.
pub fn size_mask(size: u8) -> u64 {
    match size {
        8.. => u64::MAX,
        n => (1u64 << (u32::from(n) * 8)) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the last access and reads back `offset + 0x100`.
    #[derive(Default)]
    struct Probe {
        last_write: Option<(u64, u8, u64)>,
    }
    impl MmioDevice for Probe {
        fn read(&mut self, cpu: usize, offset: u64, _size: u8) -> u64 {
            offset + 0x100 + ((cpu as u64) << 32)
        }
        fn write(&mut self, _cpu: usize, offset: u64, size: u8, value: u64) {
            self.last_write = Some((offset, size, value));
        }
    }

    fn probe() -> Arc<Mutex<Probe>> {
        Arc::new(Mutex::new(Probe::default()))
    }

    #[test]
    fn routes_by_address_and_passes_offsets() {
        let mut bus = MmioBus::new();
        let a = probe();
        let b = probe();
        bus.register("b", 0x0901_0000, 0x1000, b.clone()).unwrap();
        bus.register("a", 0x0900_0000, 0x1000, a.clone()).unwrap();
        assert_eq!(bus.read(0, 0x0900_0018, 4), Ok(0x118));
        assert_eq!(bus.read(0, 0x0901_0ffc, 4), Ok(0x100 + 0xffc));
        // The requesting CPU reaches the device; the bus truncates to the access size.
        assert_eq!(bus.read(3, 0x0900_0000, 8), Ok(0x3_0000_0100));
        assert_eq!(bus.read(3, 0x0900_0000, 4), Ok(0x100));
        bus.write(0, 0x0901_0004, 2, 0xdead_beef).unwrap();
        // The bus truncates the value to the access size.
        assert_eq!(b.lock().unwrap().last_write, Some((4, 2, 0xbeef)));
        assert_eq!(a.lock().unwrap().last_write, None);
        assert_eq!(bus.name_at(0x0900_0fff), Some("a"));
        assert_eq!(bus.name_at(0x0902_0000), None);
    }

    #[test]
    fn rejects_unmapped_straddling_and_bad_sizes() {
        let mut bus = MmioBus::new();
        bus.register("a", 0x1000, 0x1000, probe()).unwrap();
        assert_eq!(
            bus.read(0, 0xfff, 1),
            Err(MmioError::Unmapped { addr: 0xfff })
        );
        assert_eq!(
            bus.read(0, 0x2000, 1),
            Err(MmioError::Unmapped { addr: 0x2000 })
        );
        // Last four bytes are inside; an 8-byte access from there crosses the end.
        assert!(bus.read(0, 0x1ffc, 4).is_ok());
        assert_eq!(
            bus.read(0, 0x1ffc, 8),
            Err(MmioError::Unmapped { addr: 0x1ffc })
        );
        assert_eq!(bus.read(0, 0x1000, 3), Err(MmioError::BadSize { size: 3 }));
        assert_eq!(
            bus.write(0, 0x1000, 16, 0),
            Err(MmioError::BadSize { size: 16 })
        );
        assert_eq!(
            bus.read(0, u64::MAX, 8),
            Err(MmioError::Unmapped { addr: u64::MAX })
        );
    }

    #[test]
    fn enforces_non_overlap() {
        let mut bus = MmioBus::new();
        bus.register("a", 0x1000, 0x1000, probe()).unwrap();
        assert!(matches!(
            bus.register("b", 0x1fff, 1, probe()),
            Err(MapError::Overlaps { .. })
        ));
        assert!(matches!(
            bus.register("c", 0x800, 0x801, probe()),
            Err(MapError::Overlaps { .. })
        ));
        assert!(matches!(
            bus.register("d", 0x0, 0x10000, probe()),
            Err(MapError::Overlaps { .. })
        ));
        // Touching but not overlapping is fine on both sides.
        bus.register("e", 0x800, 0x800, probe()).unwrap();
        bus.register("f", 0x2000, 0x10, probe()).unwrap();
        assert!(matches!(
            bus.register("g", 5, 0, probe()),
            Err(MapError::EmptyRegion { .. })
        ));
        assert!(matches!(
            bus.register("h", u64::MAX, 2, probe()),
            Err(MapError::Wraps { .. })
        ));
        // A region ending exactly at the top of the address space is allowed.
        bus.register("top", u64::MAX - 0xfff, 0x1000, probe())
            .unwrap();
        assert!(bus.read(0, u64::MAX - 7, 8).is_ok());
    }

    #[test]
    fn size_masks() {
        assert_eq!(size_mask(1), 0xff);
        assert_eq!(size_mask(2), 0xffff);
        assert_eq!(size_mask(4), 0xffff_ffff);
        assert_eq!(size_mask(8), u64::MAX);
    }
}

//! Shared bits of ARM PrimeCell peripherals (PL011, PL031, PL061...): the identification
//! registers at the top of the 4 KiB window, which drivers (Linux's AMBA bus) read to
//! match a driver to the device.

/// First of the eight ID words: PeriphID0..3 at 0xFE0..0xFEC, PCellID0..3 at 0xFF0..0xFFC.
pub const ID_BASE: u64 = 0xFE0;

/// The PrimeCell component ID every cell reports (PCellID0..3).
pub const CELL_ID: [u8; 4] = [0x0D, 0xF0, 0x05, 0xB1];

/// ID word at `offset` (a multiple of 4 in 0xFE0..=0xFFC), given the part's PeriphID0..3.
pub fn id_register(periph_id: [u8; 4], offset: u64) -> Option<u32> {
    let index = usize::try_from(offset.checked_sub(ID_BASE)? / 4).ok()?;
    if !offset.is_multiple_of(4) {
        return None;
    }
    periph_id
        .iter()
        .chain(CELL_ID.iter())
        .nth(index)
        .map(|&b| u32::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_words() {
        let pid = [0x11, 0x10, 0x14, 0x00];
        let words: Vec<_> = (0..8).map(|i| id_register(pid, ID_BASE + 4 * i)).collect();
        let want = [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1].map(Some);
        assert_eq!(words, want);
        assert_eq!(id_register(pid, 0x1000), None);
        assert_eq!(id_register(pid, 0xFDC), None);
        assert_eq!(id_register(pid, 0xFE1), None);
    }
}

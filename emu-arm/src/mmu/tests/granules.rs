//! Successful walks for each granule, each start level and each block size.

use super::*;
use crate::mmu::{translate, FaultKind, Granule};

#[test]
fn start_levels_follow_txsz_and_granule() {
    // (granule, input bits, start level), from the Arm ARM tables of lookup levels.
    let cases = [
        (Granule::K4, 48, 0),
        (Granule::K4, 39, 1),
        (Granule::K4, 30, 2),
        (Granule::K4, 25, 2),
        (Granule::K16, 48, 0),
        (Granule::K16, 47, 1),
        (Granule::K16, 36, 2),
        (Granule::K16, 25, 3),
        (Granule::K64, 48, 1),
        (Granule::K64, 42, 2),
        (Granule::K64, 29, 3),
        (Granule::K64, 25, 3),
    ];
    for (granule, bits, level) in cases {
        assert_eq!(granule.start_level(bits), level, "{granule:?} {bits}");
    }
}

#[test]
fn tg0_and_tg1_use_different_encodings() {
    assert_eq!(Granule::from_tg0(0), Granule::K4);
    assert_eq!(Granule::from_tg0(1), Granule::K64);
    assert_eq!(Granule::from_tg0(2), Granule::K16);
    assert_eq!(Granule::from_tg1(1), Granule::K16);
    assert_eq!(Granule::from_tg1(2), Granule::K4);
    assert_eq!(Granule::from_tg1(3), Granule::K64);
}

#[test]
fn granule_4k_page_at_level_3() {
    let mem = tables_4k(page(0x8765_4000, AP_EL1_RW | (1 << 2)));
    let t = translate(&regs_4k(), &mem, VA_4K + 0x567, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x8765_4567);
    assert_eq!((t.size_shift, t.level), (12, 3));
    assert_eq!((t.attr_index, t.mair_attr), (1, 0xff));
    assert_eq!(t.asid, None);
    assert_eq!(mem.reads.get(), 4, "levels 0 to 3");
}

#[test]
fn granule_4k_2m_block_at_level_2() {
    let mem = tables_4k_with(table(L1_4K), table(L2_4K), block(0x4000_0000, AP_EL1_RW), 0);
    // VA bits [20:0] = 0x4000 + 0x12345.
    let t = translate(&regs_4k(), &mem, VA_4K + 0x1_2345, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x4001_6345);
    assert_eq!((t.size_shift, t.level), (21, 2));
}

#[test]
fn granule_4k_1g_block_at_level_1() {
    let mem = tables_4k_with(table(L1_4K), block(0xc000_0000, AP_EL1_RW), 0, 0);
    // VA bits [29:0] = 3 << 21 | 4 << 12 = 0x60_4000.
    let t = translate(&regs_4k(), &mem, VA_4K + 0x89, EL1_READ).unwrap();
    assert_eq!(t.pa, 0xc060_4089);
    assert_eq!((t.size_shift, t.level), (30, 1));
}

#[test]
fn granule_4k_block_at_level_0_is_a_translation_fault() {
    let mem = tables_4k_with(block(0x80_0000_0000, AP_EL1_RW), 0, 0, 0);
    let f = translate(&regs_4k(), &mem, VA_4K, EL1_READ).unwrap_err();
    assert_eq!((f.kind, f.level), (FaultKind::Translation, 0));
}

#[test]
fn granule_4k_39_bit_va_starts_at_level_1() {
    // T0SZ = 25: the TTBR points straight at the level-1 table.
    let mem = tables_4k(page(0x5000, AP_EL1_RW));
    let r = regs(25 | TCR_IPS_48, L1_4K, 0);
    let va = (2 << 30) | (3 << 21) | (4 << 12) | 0x10;
    let t = translate(&r, &mem, va, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x5010);
    assert_eq!(mem.reads.get(), 3);
    // Bit 39 is now outside the lower range.
    let f = translate(&r, &mem, va | (1 << 39), EL1_READ).unwrap_err();
    assert_eq!((f.kind, f.level), (FaultKind::Translation, 0));
}

#[test]
fn granule_4k_upper_range_through_ttbr1() {
    // VA 0xffff_ff80_0000_1000: L0 index 511, L1 0, L2 0, L3 1.
    let mut mem = FakeMemory::default();
    mem.set(0x20000, 511, table(0x21000));
    mem.set(0x21000, 0, table(0x22000));
    mem.set(0x22000, 0, table(0x23000));
    mem.set(0x23000, 1, page(0x7_0000_0000, AP_EL1_RW));
    let r = regs(TCR_LOW_4K_48 | TCR_HIGH_4K_48 | TCR_IPS_48, L0_4K, 0x20000);
    let t = translate(&r, &mem, 0xffff_ff80_0000_1abc, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x7_0000_0abc);
}

/// 16 KiB granule, 48-bit: L0 resolves bit 47 only (two entries), then 11 bits per level.
/// VA = 1 << 47 | 2 << 36 | 3 << 25 | 4 << 14 | 0x1567; tables 16 KiB aligned.
const VA_16K: u64 = (1 << 47) | (2 << 36) | (3 << 25) | (4 << 14) | 0x1567;

fn tables_16k(l1: u64, l2: u64, l3: u64) -> FakeMemory {
    let mut mem = FakeMemory::default();
    mem.set(0x20000, 1, table(0x24000));
    mem.set(0x24000, 2, l1);
    mem.set(0x28000, 3, l2);
    mem.set(0x2c000, 4, l3);
    mem
}

const TCR_LOW_16K_48: u64 = 16 | (2 << 14);

#[test]
fn granule_16k_page_and_32m_block() {
    let r = regs(TCR_LOW_16K_48 | TCR_IPS_48, 0x20000, 0);
    let mem = tables_16k(table(0x28000), table(0x2c000), page(0x1234_c000, AP_EL1_RW));
    let t = translate(&r, &mem, VA_16K, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x1234_d567);
    assert_eq!((t.size_shift, t.level), (14, 3));

    let mem = tables_16k(table(0x28000), block(0x6000_0000, AP_EL1_RW), 0);
    let t = translate(&r, &mem, VA_16K, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x6001_1567);
    assert_eq!((t.size_shift, t.level), (25, 2));
}

#[test]
fn granule_16k_has_no_level_1_blocks() {
    let r = regs(TCR_LOW_16K_48 | TCR_IPS_48, 0x20000, 0);
    let mem = tables_16k(block(0x10_0000_0000, AP_EL1_RW), 0, 0);
    let f = translate(&r, &mem, VA_16K, EL1_READ).unwrap_err();
    assert_eq!((f.kind, f.level), (FaultKind::Translation, 1));
}

#[test]
fn granule_16k_in_the_upper_range_uses_tg1_encoding_1() {
    let r = regs(TCR_IPS_48 | (16 << 16) | (1 << 30), 0, 0x20000);
    let mem = tables_16k(table(0x28000), table(0x2c000), page(0x1234_c000, AP_EL1_RW));
    let t = translate(&r, &mem, 0xffff_0000_0000_0000 | VA_16K, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x1234_d567);
}

/// 64 KiB granule, 48-bit: starts at level 1 (bits 47:42), 13 bits per level below.
/// VA = 5 << 42 | 6 << 29 | 7 << 16 | 0xabcd.
const VA_64K: u64 = (5 << 42) | (6 << 29) | (7 << 16) | 0xabcd;
const TCR_LOW_64K_48: u64 = 16 | (1 << 14);

fn tables_64k(l1: u64, l2: u64, l3: u64) -> FakeMemory {
    let mut mem = FakeMemory::default();
    mem.set(0x10_0000, 5, l1);
    mem.set(0x11_0000, 6, l2);
    mem.set(0x12_0000, 7, l3);
    mem
}

#[test]
fn granule_64k_page_and_512m_block() {
    let r = regs(TCR_LOW_64K_48 | TCR_IPS_48, 0x10_0000, 0);
    let mem = tables_64k(
        table(0x11_0000),
        table(0x12_0000),
        page(0x9_8765_0000, AP_EL1_RW),
    );
    let t = translate(&r, &mem, VA_64K, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x9_8765_abcd);
    assert_eq!((t.size_shift, t.level), (16, 3));
    assert_eq!(mem.reads.get(), 3);

    let mem = tables_64k(table(0x11_0000), block(0xa000_0000, AP_EL1_RW), 0);
    let t = translate(&r, &mem, VA_64K, EL1_READ).unwrap();
    assert_eq!(t.pa, 0xa007_abcd);
    assert_eq!((t.size_shift, t.level), (29, 2));
}

#[test]
fn granule_64k_has_no_level_1_blocks() {
    let r = regs(TCR_LOW_64K_48 | TCR_IPS_48, 0x10_0000, 0);
    let mem = tables_64k(block(0x400_0000_0000, AP_EL1_RW), 0, 0);
    let f = translate(&r, &mem, VA_64K, EL1_READ).unwrap_err();
    assert_eq!((f.kind, f.level), (FaultKind::Translation, 1));
}

#[test]
fn granule_64k_42_bit_va_starts_at_level_2() {
    let r = regs(22 | (1 << 14) | TCR_IPS_48, 0x11_0000, 0);
    let mem = tables_64k(0, table(0x12_0000), page(0x9_8765_0000, AP_EL1_RW));
    let t = translate(&r, &mem, VA_64K & ((1 << 42) - 1), EL1_READ).unwrap();
    assert_eq!(t.pa, 0x9_8765_abcd);
    assert_eq!(mem.reads.get(), 2);
}

#[test]
fn big_endian_walks_byte_swap_descriptors() {
    let leaf = page(0x8765_4000, AP_EL1_RW);
    let mem = tables_4k_with(
        table(L1_4K).swap_bytes(),
        table(L2_4K).swap_bytes(),
        table(L3_4K).swap_bytes(),
        leaf.swap_bytes(),
    );
    let mut r = regs_4k();
    r.sctlr_el1 |= SCTLR_EE;
    assert_eq!(
        translate(&r, &mem, VA_4K, EL1_READ).unwrap().pa,
        0x8765_4000
    );
}

#[test]
fn ttbr_base_low_bits_and_cnp_are_ignored() {
    let mem = tables_4k(page(0x8765_4000, AP_EL1_RW));
    // CnP (bit 0) and misaligned BADDR bits below the 4 KiB table size.
    let r = regs(TCR_LOW_4K_48 | TCR_IPS_48, L0_4K | 0x7f9, 0);
    assert_eq!(
        translate(&r, &mem, VA_4K, EL1_READ).unwrap().pa,
        0x8765_4000
    );
}

#[test]
fn mmu_off_is_flat_with_a_pa_size_check() {
    let mut r = regs_4k();
    r.sctlr_el1 = 0;
    let mem = FakeMemory::default();
    let t = translate(&r, &mem, 0x1234_5678_9abc, EL0_WRITE).unwrap();
    assert_eq!(t.pa, 0x1234_5678_9abc);
    assert_eq!(mem.reads.get(), 0);
    let f = translate(&r, &mem, 1 << 48, EL1_FETCH).unwrap_err();
    assert_eq!((f.kind, f.level), (FaultKind::AddressSize, 0));
    // With TBI0 the top byte is a tag, not part of the address.
    r.tcr_el1 |= TCR_TBI0;
    let t = translate(&r, &mem, 0x7700_0000_0000_1000, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x1000);
}

#[test]
fn start_level_saturates_outside_the_architected_sizes() {
    assert_eq!(Granule::K4.start_level(64), 0);
    assert_eq!(Granule::K64.start_level(0), 3);
    assert_eq!(Granule::K16.start_level(14), 3);
}

/// The kernel-half layouts of common Linux configurations, indices computed by hand.
#[test]
fn linux_16k_47_bit_kernel_half() {
    // T1SZ = 17, TG1 = 16K: starts at level 1 (bits 46:36), then 35:25, 24:14.
    // VA 0xffff_8000_1234_5678: L1 index 0, L2 index 9, L3 index 0xd1, offset 0x1678.
    let mut mem = FakeMemory::default();
    mem.set(0x40000, 0, table(0x44000));
    mem.set(0x44000, 9, table(0x48000));
    mem.set(0x48000, 0xd1, page(0x8_0000_4000, AP_EL1_RW | NG));
    let r = regs(TCR_IPS_48 | (17 << 16) | (1 << 30) | TCR_EPD0, 0, 0x40000);
    let t = translate(&r, &mem, 0xffff_8000_1234_5678, EL1_WRITE).unwrap();
    assert_eq!(t.pa, 0x8_0000_5678);
    assert_eq!(mem.reads.get(), 3);
}

#[test]
fn linux_4k_39_bit_kernel_half() {
    // T1SZ = 25, TG1 = 4K: starts at level 1 (bits 38:30).
    // VA 0xffff_ffc0_0800_1234: L1 index 0x100, L2 index 0x40, L3 index 1, offset 0x234.
    let mut mem = FakeMemory::default();
    mem.set(0x50000, 0x100, table(0x51000));
    mem.set(0x51000, 0x40, table(0x52000));
    mem.set(0x52000, 1, page(0x4123_4000, AP_EL1_RW));
    let r = regs(TCR_IPS_48 | (25 << 16) | (2 << 30), 0, 0x50000);
    let t = translate(&r, &mem, 0xffff_ffc0_0800_1234, EL1_READ).unwrap();
    assert_eq!(t.pa, 0x4123_4234);
    // One bit above the 39-bit range clear: in the gap.
    let f = translate(&r, &mem, 0xffff_ff40_0800_1234, EL1_READ).unwrap_err();
    assert_eq!((f.kind, f.level), (FaultKind::Translation, 0));
}

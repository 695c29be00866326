//! Every fault kind, with its level, DFSC/IFSC code and ESR fields.

use super::*;
use crate::mmu::{translate, Fault, FaultKind};

fn fault_4k(mem: &FakeMemory, r: &TranslationRegs, va: u64, access: Access) -> Fault {
    translate(r, mem, va, access).unwrap_err()
}

#[test]
fn invalid_descriptor_at_each_level() {
    let leaf = page(0x8000, AP_EL1_RW);
    let cases = [
        (tables_4k_with(0, table(L2_4K), table(L3_4K), leaf), 0, 0x04),
        (tables_4k_with(table(L1_4K), 0, table(L3_4K), leaf), 1, 0x05),
        (tables_4k_with(table(L1_4K), table(L2_4K), 0, leaf), 2, 0x06),
        (tables_4k(leaf & !VALID), 3, 0x07),
    ];
    for (mem, level, dfsc) in cases {
        let f = fault_4k(&mem, &regs_4k(), VA_4K + 8, EL1_READ);
        assert_eq!((f.kind, f.level), (FaultKind::Translation, level));
        assert_eq!(f.status_code(), dfsc);
        assert_eq!(f.va, VA_4K + 8, "FAR is the faulting VA");
    }
}

#[test]
fn reserved_level_3_descriptor_is_a_translation_fault() {
    // Bits [1:0] = 0b01 at level 3.
    let mem = tables_4k(0x8000 | 0b01 | AF);
    let f = fault_4k(&mem, &regs_4k(), VA_4K, EL1_READ);
    assert_eq!((f.kind, f.status_code()), (FaultKind::Translation, 0x07));
}

#[test]
fn access_flag_clear_faults_at_the_leaf_level() {
    let mem = tables_4k(page(0x8000, AP_ALL_RW) & !AF);
    let f = fault_4k(&mem, &regs_4k(), VA_4K, EL0_WRITE);
    assert_eq!(
        (f.kind, f.level, f.status_code()),
        (FaultKind::AccessFlag, 3, 0x0b)
    );
    // Access flag faults take priority over permission faults (here: EL0 has no access).
    let mem = tables_4k_with(
        table(L1_4K),
        table(L2_4K),
        block(0x20_0000, AP_EL1_RW) & !AF,
        0,
    );
    let f = fault_4k(&mem, &regs_4k(), VA_4K, EL0_READ);
    assert_eq!((f.kind, f.status_code()), (FaultKind::AccessFlag, 0x0a));
}

#[test]
fn output_address_above_ips_is_an_address_size_fault() {
    // IPS = 0: 32-bit output addresses.
    let r = regs(TCR_LOW_4K_48, L0_4K, 0);
    let mem = tables_4k(page(0x1_0000_0000, AP_EL1_RW));
    let f = fault_4k(&mem, &r, VA_4K, EL1_READ);
    assert_eq!(
        (f.kind, f.level, f.status_code()),
        (FaultKind::AddressSize, 3, 0x03)
    );
    // The same page is fine with IPS = 36 bits.
    let r = regs(TCR_LOW_4K_48 | (1 << 32), L0_4K, 0);
    assert_eq!(
        translate(&r, &mem, VA_4K, EL1_READ).unwrap().pa,
        0x1_0000_0000
    );
    // A block: the fault is at its level.
    let mem = tables_4k_with(table(L1_4K), block(0x1_4000_0000, AP_EL1_RW), 0, 0);
    let r = regs(TCR_LOW_4K_48, L0_4K, 0);
    let f = fault_4k(&mem, &r, VA_4K, EL1_READ);
    assert_eq!((f.kind, f.status_code()), (FaultKind::AddressSize, 0x01));
}

#[test]
fn next_table_above_ips_is_an_address_size_fault_at_the_table_level() {
    let r = regs(TCR_LOW_4K_48, L0_4K, 0);
    let mem = tables_4k_with(table(L1_4K), table(0x2_0000_0000), 0, 0);
    let f = fault_4k(&mem, &r, VA_4K, EL1_READ);
    assert_eq!((f.kind, f.level), (FaultKind::AddressSize, 1));
}

#[test]
fn ttbr_above_ips_is_an_address_size_fault_at_level_0() {
    let r = regs(TCR_LOW_4K_48, 0x1_0000_0000, 0);
    let f = fault_4k(&FakeMemory::default(), &r, VA_4K, EL1_READ);
    assert_eq!((f.kind, f.status_code()), (FaultKind::AddressSize, 0x00));
}

#[test]
fn unreadable_descriptor_is_an_external_abort_on_the_walk() {
    let mem = tables_4k_with(table(L1_4K), table(RAM_END), 0, 0);
    let f = fault_4k(&mem, &regs_4k(), VA_4K, EL1_READ);
    assert_eq!((f.kind, f.level), (FaultKind::ExternalAbortOnWalk, 2));
    assert_eq!(f.status_code(), 0x16);
    assert!(f.on_table_walk());
}

#[test]
fn gap_between_the_ranges_faults_at_level_0() {
    let mem = tables_4k(page(0x8000, AP_EL1_RW));
    let r = regs_4k();
    // Neither all zeros nor all ones above bit 47.
    for va in [
        1 << 48,
        0x0000_8000_0000_0000 | (1 << 55),
        0x00ff_0000_0000_0000,
    ] {
        let f = fault_4k(&mem, &r, va, EL1_READ);
        assert_eq!((f.kind, f.level), (FaultKind::Translation, 0), "{va:#x}");
        assert_eq!(mem.reads.get(), 0, "no table is read for {va:#x}");
    }
}

#[test]
fn tbi_makes_the_top_byte_a_tag() {
    let mem = tables_4k(page(0x8765_4000, AP_EL1_RW));
    let tagged = 0x5a00_0000_0000_0000 | VA_4K;
    let f = fault_4k(&mem, &regs_4k(), tagged, EL1_READ);
    assert_eq!((f.kind, f.level), (FaultKind::Translation, 0));
    let mut r = regs_4k();
    r.tcr_el1 |= TCR_TBI0;
    assert_eq!(
        translate(&r, &mem, tagged, EL1_READ).unwrap().pa,
        0x8765_4000
    );
    // TBI1 does not apply to the lower range.
    r.tcr_el1 ^= TCR_TBI0 | TCR_TBI1;
    assert!(translate(&r, &mem, tagged, EL1_READ).is_err());
}

#[test]
fn epd_disables_walks_of_one_range() {
    let mem = tables_4k(page(0x8000, AP_EL1_RW));
    let mut r = regs_4k();
    r.tcr_el1 |= TCR_EPD1;
    assert!(translate(&r, &mem, VA_4K, EL1_READ).is_ok());
    r.tcr_el1 |= TCR_EPD0;
    let f = fault_4k(&mem, &r, VA_4K, EL1_READ);
    assert_eq!((f.kind, f.level), (FaultKind::Translation, 0));
    assert_eq!(
        mem.reads.get(),
        4,
        "only the first, successful walk read tables"
    );
}

#[test]
fn txsz_out_of_range_faults() {
    let mem = tables_4k(page(0x8000, AP_EL1_RW));
    for t0sz in [0, 15, 40, 63] {
        let r = regs(t0sz | TCR_IPS_48, L0_4K, 0);
        let f = fault_4k(&mem, &r, 0x1000, EL1_READ);
        assert_eq!(
            (f.kind, f.level),
            (FaultKind::Translation, 0),
            "T0SZ {t0sz}"
        );
    }
}

#[test]
fn esr_encodes_class_wnr_and_status() {
    let mem = tables_4k(page(0x8000, AP_ALL_RO));
    let f = fault_4k(&mem, &regs_4k(), VA_4K, EL0_WRITE);
    assert_eq!((f.kind, f.level), (FaultKind::Permission, 3));
    // EC 0x24 (data abort from a lower EL), IL, WnR, DFSC 0x0f.
    assert_eq!(
        f.esr_el1(ExceptionLevel::El0, false),
        0x24 << 26 | 1 << 25 | 1 << 6 | 0x0f
    );
    // Cache maintenance: CM and WnR set.
    assert_eq!(f.iss(true), 1 << 8 | 1 << 6 | 0x0f);

    let mem = tables_4k(page(0x8000, AP_EL1_RW | PXN));
    let f = fault_4k(&mem, &regs_4k(), VA_4K, EL1_FETCH);
    // EC 0x21 (instruction abort from the same EL), IFSC 0x0f, no WnR.
    assert_eq!(
        f.esr_el1(ExceptionLevel::El1, false),
        0x21 << 26 | 1 << 25 | 0x0f
    );
}

#[test]
fn ng_tags_the_translation_with_the_current_asid() {
    let mem = tables_4k(page(0x8000, AP_EL1_RW | NG));
    let asid_ttbr0 = 0x1234u64 << 48;
    let asid_ttbr1 = 0x5678u64 << 48;
    let mut r = regs(TCR_LOW_4K_48 | TCR_IPS_48, L0_4K | asid_ttbr0, asid_ttbr1);
    // 8-bit ASIDs by default.
    assert_eq!(
        translate(&r, &mem, VA_4K, EL1_READ).unwrap().asid,
        Some(0x34)
    );
    r.tcr_el1 |= TCR_AS;
    assert_eq!(
        translate(&r, &mem, VA_4K, EL1_READ).unwrap().asid,
        Some(0x1234)
    );
    r.tcr_el1 |= TCR_A1;
    assert_eq!(
        translate(&r, &mem, VA_4K, EL1_READ).unwrap().asid,
        Some(0x5678)
    );
    // The TTBR0 ASID bits are not part of the table address.
    let global = tables_4k(page(0x8000, AP_EL1_RW));
    assert_eq!(translate(&r, &global, VA_4K, EL1_READ).unwrap().asid, None);
}

#[test]
fn tlbi_operands_decode_va_and_asid() {
    use crate::mmu::{tlbi_asid, tlbi_va, tlbi_va_asids, EL1_AND_0_TLB_CONTEXTS};
    use emu_core::softmmu::AsidMatch;
    // VA[55:12] in Xt[43:0]; bit 55 set sign-extends into the upper range.
    assert_eq!(tlbi_va(0x0000_0000_0401_2345), 0x0000_0401_2345_000);
    assert_eq!(tlbi_va(0x1234_0ff8_0000_0001), 0xffff_8000_0000_1000);
    let mut r = regs_4k();
    assert_eq!(tlbi_asid(0xabcd_0000_0000_0000, &r), 0xcd);
    r.tcr_el1 |= TCR_AS;
    assert_eq!(
        tlbi_va_asids(0xabcd_0000_0000_0000, &r),
        AsidMatch::Asid(0xabcd)
    );
    assert_eq!(ExceptionLevel::El0.tlb_context(), 0);
    assert_eq!(ExceptionLevel::El1.tlb_context(), 1);
    assert!(ExceptionLevel::El1.tlb_context() < EL1_AND_0_TLB_CONTEXTS);
}

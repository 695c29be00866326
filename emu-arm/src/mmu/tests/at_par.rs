//! `AT S1E*` results in PAR_EL1 format, and the walk → TLB fill conversion.

use super::*;
use crate::mmu::{at_s1e, translate};
use emu_core::softmmu::Backing;

const SH_INNER: u64 = 0b11 << 8;
/// AttrIndx 1: Normal write-back memory in the test MAIR.
const NORMAL: u64 = 1 << 2;
/// NS and bit 11, set in every successful result.
const PAR_OK: u64 = 1 << 9 | 1 << 11;

#[test]
fn success_reports_pa_attributes_and_shareability() {
    // AttrIndx 1: Normal write-back (0xff); SH from the descriptor.
    let mem = tables_4k(page(0x8765_4000, AP_ALL_RO | (1 << 2) | SH_INNER));
    let par = at_s1e(&regs_4k(), &mem, VA_4K + 0x321, ExceptionLevel::El0, false);
    assert_eq!(par, 0xff << 56 | 0x8765_4000 | 0b11 << 7 | PAR_OK);

    // AttrIndx 0: Device memory reports Outer Shareable whatever SH says.
    let mem = tables_4k(page(0x8765_4000, AP_ALL_RO | SH_INNER));
    let par = at_s1e(&regs_4k(), &mem, VA_4K, ExceptionLevel::El1, false);
    assert_eq!(par, 0x8765_4000 | 0b10 << 7 | PAR_OK);

    // AttrIndx 2: Normal Non-cacheable likewise.
    let mem = tables_4k(page(0x8765_4000, AP_ALL_RO | (2 << 2)));
    let par = at_s1e(&regs_4k(), &mem, VA_4K, ExceptionLevel::El1, false);
    assert_eq!(par, 0x44 << 56 | 0x8765_4000 | 0b10 << 7 | PAR_OK);
}

#[test]
fn faults_report_fst_and_res1_bit_11() {
    let mem = tables_4k(page(0x8765_4000, AP_ALL_RO));
    // S1E0W on a read-only page: permission fault level 3 (FST 0x0f).
    let par = at_s1e(&regs_4k(), &mem, VA_4K, ExceptionLevel::El0, true);
    assert_eq!(par, 1 | 0x0f << 1 | 1 << 11);
    // S1E1R in the gap: translation fault level 0 (FST 0x04).
    let par = at_s1e(&regs_4k(), &mem, 1 << 50, ExceptionLevel::El1, false);
    assert_eq!(par, 1 | 0x04 << 1 | 1 << 11);
    // S1E0R where EL0 has no access (AP = 0b00).
    let mem = tables_4k(page(0x8765_4000, AP_EL1_RW));
    assert_eq!(
        at_s1e(&regs_4k(), &mem, VA_4K, ExceptionLevel::El1, true),
        0x8765_4000 | 0b10 << 7 | PAR_OK
    );
    assert_eq!(
        at_s1e(&regs_4k(), &mem, VA_4K, ExceptionLevel::El0, false),
        1 | 0x0f << 1 | 1 << 11
    );
}

#[test]
fn translation_to_tlb_fill_uses_the_permissions_of_the_el() {
    let mem = tables_4k(page(0x8765_4000, AP_ALL_RO | NG));
    let mut r = regs_4k();
    r.ttbr0_el1 |= 7 << 48;
    let t = translate(&r, &mem, VA_4K + 0x10, EL0_READ).unwrap();
    let ram = Backing::Ram {
        host_page: 0x7000_0000,
    };
    let fill = t.tlb_fill(VA_4K + 0x10, ExceptionLevel::El0, ram, false);
    assert_eq!(
        (fill.readable, fill.writable, fill.executable),
        (true, false, true)
    );
    assert_eq!(
        (fill.pa, fill.size_shift, fill.asid),
        (0x8765_4010, 12, Some(7))
    );
    let fill = t.tlb_fill(VA_4K, ExceptionLevel::El1, ram, false);
    assert_eq!(
        (fill.readable, fill.writable, fill.executable),
        (true, false, true)
    );
}

#[test]
fn mmu_off_reports_the_flat_address_as_device_memory() {
    let mut r = regs_4k();
    r.sctlr_el1 = 0;
    let par = at_s1e(
        &r,
        &FakeMemory::default(),
        0x4000_1234,
        ExceptionLevel::El1,
        true,
    );
    assert_eq!(par, 0x4000_1000 | 0b10 << 7 | PAR_OK);
    // Beyond the 48-bit PA: address size fault, level 0 (FST 0x00).
    let par = at_s1e(
        &r,
        &FakeMemory::default(),
        1 << 52,
        ExceptionLevel::El1,
        false,
    );
    assert_eq!(par, 1 | 1 << 11);
}

/// RAM is PA [0, 1 GiB) at host address 0x7f00_0000_0000 + pa; page 0x8765_4000 is not RAM
/// (a device), page 0x3000_0000 holds translated code.
struct Board;

impl crate::mmu::PhysMap for Board {
    fn ram_host_page(&self, pa: u64) -> Option<usize> {
        (pa < 0x4000_0000).then_some(0x7f00_0000_0000 + (pa & !0xfff) as usize)
    }
    fn page_holds_code(&self, pa: u64) -> bool {
        pa & !0xfff == 0x3000_0000
    }
}

#[test]
fn tlb_miss_walks_and_fills_the_tlb() {
    use crate::mmu::fill_tlb_on_miss;
    use emu_core::softmmu::{Tlb, TlbAccess, TlbProbe};

    let mut tlb = Tlb::new();
    // AttrIndx 1: Normal memory (Device would send data accesses to the slow path).
    let mem = tables_4k(page(0x1234_5000, AP_ALL_RO | NORMAL));
    let r = regs_4k();
    assert_eq!(tlb.lookup(VA_4K + 0x10, 4, TlbAccess::Read), None);
    fill_tlb_on_miss(&mut tlb, &r, &mem, &Board, VA_4K + 0x10, EL0_READ).unwrap();
    assert_eq!(
        tlb.lookup(VA_4K + 0x10, 4, TlbAccess::Read),
        Some(0x7f00_1234_5010)
    );
    assert_eq!(tlb.lookup(VA_4K, 4, TlbAccess::Write), None, "read-only");
    assert!(tlb.lookup(VA_4K, 4, TlbAccess::Execute).is_some());

    // A device page: filled, but every access takes the slow path.
    let mem = tables_4k(page(0x8765_4000, AP_ALL_RW | UXN));
    let mut tlb = Tlb::new();
    fill_tlb_on_miss(&mut tlb, &r, &mem, &Board, VA_4K, EL1_WRITE).unwrap();
    assert_eq!(tlb.lookup(VA_4K + 8, 4, TlbAccess::Write), None);
    assert_eq!(
        tlb.probe(VA_4K + 8, TlbAccess::Write),
        TlbProbe::Mmio { pa: 0x8765_4008 }
    );

    // A code page: writes take the slow path.
    let mem = tables_4k(page(0x3000_0000, AP_EL1_RW | NORMAL));
    fill_tlb_on_miss(&mut tlb, &r, &mem, &Board, VA_4K, EL1_WRITE).unwrap();
    assert!(tlb.lookup(VA_4K, 4, TlbAccess::Read).is_some());
    assert_eq!(tlb.lookup(VA_4K, 4, TlbAccess::Write), None);

    // A fault fills nothing.
    let mut tlb = Tlb::new();
    let mem = tables_4k(page(0x1234_5000, AP_EL1_RW));
    assert!(fill_tlb_on_miss(&mut tlb, &r, &mem, &Board, VA_4K, EL0_READ).is_err());
    assert_eq!(tlb.probe(VA_4K, TlbAccess::Read), TlbProbe::Miss);
}

#[test]
fn untagging_sign_extends_bit_55_only_under_tbi() {
    let mut r = regs_4k();
    assert_eq!(r.untagged(0x5a00_0000_1234_5678), 0x5a00_0000_1234_5678);
    r.tcr_el1 |= TCR_TBI0;
    assert_eq!(r.untagged(0x5a00_0000_1234_5678), 0x0000_0000_1234_5678);
    assert_eq!(
        r.untagged(0x5aff_8000_0000_0000),
        0x5aff_8000_0000_0000,
        "TBI1 clear"
    );
    r.tcr_el1 |= TCR_TBI1;
    assert_eq!(r.untagged(0x5aff_8000_0000_0000), 0xffff_8000_0000_0000);
}

#[test]
fn device_mappings_fill_alignment_checked_entries() {
    use crate::mmu::{Fault, FaultKind};
    // AttrIndx 0 is Device-nGnRnE in the test MAIR; AttrIndx 1 is Normal.
    let device = translate(
        &regs_4k(),
        &tables_4k(page(0x5000, AP_EL1_RW)),
        VA_4K,
        EL1_READ,
    );
    let normal = translate(
        &regs_4k(),
        &tables_4k(page(0x5000, AP_EL1_RW | (1 << 2))),
        VA_4K,
        EL1_READ,
    );
    let ram = Backing::Ram {
        host_page: 0x7000_0000,
    };
    let fill = device
        .unwrap()
        .tlb_fill(VA_4K, ExceptionLevel::El1, ram, false);
    assert!(fill.check_alignment);
    let fill = normal
        .unwrap()
        .tlb_fill(VA_4K, ExceptionLevel::El1, ram, false);
    assert!(!fill.check_alignment);

    let fault = Fault::alignment(VA_4K + 1, EL0_WRITE);
    assert_eq!(
        (fault.kind, fault.status_code()),
        (FaultKind::Alignment, 0x21)
    );
    assert_eq!(
        fault.esr_el1(ExceptionLevel::El0, false),
        0x24 << 26 | 1 << 25 | 1 << 6 | 0x21
    );
}

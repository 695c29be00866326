//! Stage-1 walk tests: page tables built by hand in a fake physical memory. Table indices
//! and expected addresses are computed by hand in each test (not with the walker's
//! formulas), so a wrong shift or mask in the walker shows up.

mod at_par;
mod faults;
mod granules;
mod permissions;
mod random;

use std::collections::HashMap;

use super::{Access, AccessKind, ExceptionLevel, PhysMemory, TranslationRegs};

/// Physical memory answers below this address (unwritten words read as 0, an invalid
/// descriptor); above it a read finds nothing (External abort).
const RAM_END: u64 = 1 << 32;

#[derive(Default)]
struct FakeMemory {
    words: HashMap<u64, u64>,
    reads: std::cell::Cell<u32>,
}

impl PhysMemory for FakeMemory {
    fn read_phys_u64(&self, pa: u64) -> Option<u64> {
        assert_eq!(pa % 8, 0, "descriptor reads are 8-byte aligned");
        self.reads.set(self.reads.get() + 1);
        (pa < RAM_END).then(|| self.words.get(&pa).copied().unwrap_or(0))
    }
}

impl FakeMemory {
    /// Writes descriptor `index` of the table at `table`.
    fn set(&mut self, table: u64, index: u64, descriptor: u64) {
        self.words.insert(table + index * 8, descriptor);
    }
}

const VALID: u64 = 1;
const AF: u64 = 1 << 10;
const NG: u64 = 1 << 11;
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;
const PXN_TABLE: u64 = 1 << 59;
const UXN_TABLE: u64 = 1 << 60;
const AP_TABLE_NO_EL0: u64 = 1 << 61;
const AP_TABLE_READ_ONLY: u64 = 1 << 62;
/// AP[2:1] values.
const AP_EL1_RW: u64 = 0b00 << 6;
const AP_ALL_RW: u64 = 0b01 << 6;
const AP_EL1_RO: u64 = 0b10 << 6;
const AP_ALL_RO: u64 = 0b11 << 6;

fn table(next: u64) -> u64 {
    next | 0b11
}
fn page(pa: u64, attrs: u64) -> u64 {
    pa | 0b11 | AF | attrs
}
fn block(pa: u64, attrs: u64) -> u64 {
    pa | 0b01 | AF | attrs
}

const SCTLR_M: u64 = 1;
const SCTLR_WXN: u64 = 1 << 19;
const SCTLR_EE: u64 = 1 << 25;
/// IPS = 48 bits.
const TCR_IPS_48: u64 = 5 << 32;
/// T0SZ = 16, TG0 = 4K.
const TCR_LOW_4K_48: u64 = 16;
/// T1SZ = 16, TG1 = 4K (encoding 2).
const TCR_HIGH_4K_48: u64 = (16 << 16) | (2 << 30);
const TCR_EPD0: u64 = 1 << 7;
const TCR_EPD1: u64 = 1 << 23;
const TCR_TBI0: u64 = 1 << 37;
const TCR_TBI1: u64 = 1 << 38;
const TCR_A1: u64 = 1 << 22;
const TCR_AS: u64 = 1 << 36;

/// MAIR: attr0 Device-nGnRnE, attr1 Normal write-back, attr2 Normal non-cacheable.
const MAIR: u64 = (0xff << 8) | (0x44 << 16);

fn regs(tcr: u64, ttbr0: u64, ttbr1: u64) -> TranslationRegs {
    TranslationRegs {
        sctlr_el1: SCTLR_M,
        tcr_el1: tcr,
        ttbr0_el1: ttbr0,
        ttbr1_el1: ttbr1,
        mair_el1: MAIR,
    }
}

const EL1_READ: Access = Access::new(AccessKind::Read, ExceptionLevel::El1);
const EL1_WRITE: Access = Access::new(AccessKind::Write, ExceptionLevel::El1);
const EL1_FETCH: Access = Access::new(AccessKind::Fetch, ExceptionLevel::El1);
const EL0_READ: Access = Access::new(AccessKind::Read, ExceptionLevel::El0);
const EL0_WRITE: Access = Access::new(AccessKind::Write, ExceptionLevel::El0);
const EL0_FETCH: Access = Access::new(AccessKind::Fetch, ExceptionLevel::El0);

/// A 4 KiB-granule, 48-bit TTBR0 hierarchy for
/// VA = 1 << 39 | 2 << 30 | 3 << 21 | 4 << 12 (L0 index 1, L1 index 2, L2 index 3,
/// L3 index 4), tables at 0x10000 (L0), 0x11000 (L1), 0x12000 (L2), 0x13000 (L3), with the
/// page descriptor `leaf` at L3.
const VA_4K: u64 = (1 << 39) | (2 << 30) | (3 << 21) | (4 << 12);
const L0_4K: u64 = 0x10000;
const L1_4K: u64 = 0x11000;
const L2_4K: u64 = 0x12000;
const L3_4K: u64 = 0x13000;

fn tables_4k(leaf: u64) -> FakeMemory {
    tables_4k_with(table(L1_4K), table(L2_4K), table(L3_4K), leaf)
}

fn tables_4k_with(l0: u64, l1: u64, l2: u64, l3: u64) -> FakeMemory {
    let mut mem = FakeMemory::default();
    mem.set(L0_4K, 1, l0);
    mem.set(L1_4K, 2, l1);
    mem.set(L2_4K, 3, l2);
    mem.set(L3_4K, 4, l3);
    mem
}

fn regs_4k() -> TranslationRegs {
    regs(TCR_LOW_4K_48 | TCR_HIGH_4K_48 | TCR_IPS_48, L0_4K, 0)
}

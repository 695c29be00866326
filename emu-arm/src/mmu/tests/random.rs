//! Random register values and page tables (everything here is guest-controlled in system
//! mode): the walk must never panic, and every result must be self-consistent.

use super::*;
use crate::mmu::{par_el1_for, translate, FaultKind};
use crate::testkit::Rng;

/// Memory whose every word is a pseudo-random descriptor derived from its address, biased
/// so that walks often go deep: mostly valid, addresses mostly in the first 16 MiB, AF
/// mostly set. Addresses at or above 4 GiB do not answer (External abort).
struct RandomTables {
    seed: u64,
}

impl PhysMemory for RandomTables {
    fn read_phys_u64(&self, pa: u64) -> Option<u64> {
        if pa >= RAM_END {
            return None;
        }
        let mut rng = Rng(pa.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ self.seed | 1);
        let raw = rng.next_u64();
        let low_type = [0b11, 0b11, 0b01, 0b00][(rng.next_u64() % 4) as usize];
        let address = if rng.one_in(8) {
            raw & 0x0000_ffff_ffff_f000
        } else {
            raw & 0x00ff_f000
        };
        let af = if rng.one_in(8) { 0 } else { AF };
        Some((raw & 0xfff0_0000_0000_0ffc & !AF) | address | af | low_type)
    }
}

#[test]
fn random_configurations_never_panic_and_results_are_consistent() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let accesses = [
        EL0_READ, EL0_WRITE, EL0_FETCH, EL1_READ, EL1_WRITE, EL1_FETCH,
    ];
    let mut outcomes = [0u32; 6];
    for round in 0..20_000 {
        let mem = RandomTables {
            seed: rng.next_u64(),
        };
        // TxSZ mostly in range; the other TCR/SCTLR bits fully random.
        let txsz_low = 16 + rng.next_u64() % 30;
        let txsz_high = 16 + rng.next_u64() % 30;
        let mut tcr = (rng.next_u64() & !0x003f_003f) | txsz_low | txsz_high << 16;
        if !rng.one_in(8) {
            tcr &= !(TCR_EPD0 | TCR_EPD1);
        }
        let r = TranslationRegs {
            sctlr_el1: rng.next_u64() | if round % 16 == 0 { 0 } else { SCTLR_M },
            tcr_el1: tcr,
            ttbr0_el1: rng.next_u64() & 0xffff_0000_00ff_ffff,
            ttbr1_el1: rng.next_u64() & 0xffff_0000_00ff_ffff,
            mair_el1: rng.next_u64(),
        };
        // Mostly inside one of the two configured ranges, sometimes anywhere.
        let va = match rng.next_u64() % 4 {
            0 => rng.next_u64(),
            1 => rng.next_u64() & ((1 << (64 - txsz_low)) - 1),
            _ => rng.next_u64() | !((1 << (64 - txsz_high)) - 1),
        };
        let access = accesses[(rng.next_u64() % 6) as usize];
        let result = translate(&r, &mem, va, access);
        match &result {
            Ok(t) => {
                outcomes[0] += 1;
                assert!(t.pa < 1 << 48, "{t:?}");
                assert!((12..=30).contains(&t.size_shift), "{t:?}");
                let offset_mask = (1u64 << t.size_shift) - 1;
                assert_eq!(t.pa & offset_mask, va & offset_mask, "offset kept: {t:?}");
                assert!(t.permissions.allows(access));
                assert!(t.level <= 3);
            }
            Err(f) => {
                let slot = match f.kind {
                    FaultKind::Translation => 1,
                    FaultKind::AddressSize => 2,
                    FaultKind::AccessFlag => 3,
                    FaultKind::Permission => 4,
                    FaultKind::ExternalAbortOnWalk => 5,
                    FaultKind::Alignment => panic!("the walk never checks alignment"),
                };
                outcomes[slot] += 1;
                assert!(f.level <= 3);
                assert_eq!(f.va, va);
                assert_eq!(f.access, access);
                assert!(matches!(f.status_code(), 0x00..=0x0f | 0x14..=0x17));
            }
        }
        let par = par_el1_for(&result);
        assert_eq!(par & 1 != 0, result.is_err());
    }
    // The generator reaches every outcome, so the assertions above were all exercised.
    assert!(outcomes.iter().all(|&n| n > 50), "{outcomes:?}");
}

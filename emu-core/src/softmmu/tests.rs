//! Software TLB tests: fill/lookup/probe, flushes, code-page marking, and a randomized
//! comparison against a model.

use super::*;

const HOST: usize = 0x7f00_0000_0000;

fn ram_fill(va: u64, pa: u64, rwx: (bool, bool, bool)) -> TlbFill {
    TlbFill {
        va,
        pa,
        size_shift: PAGE_SHIFT,
        readable: rwx.0,
        writable: rwx.1,
        executable: rwx.2,
        asid: None,
        backing: Backing::Ram { host_page: HOST },
        holds_code: false,
        check_alignment: false,
    }
}

fn hits(tlb: &Tlb, va: u64) -> [bool; 3] {
    [TlbAccess::Read, TlbAccess::Write, TlbAccess::Execute].map(|a| tlb.lookup(va, 1, a).is_some())
}

#[test]
fn layout_matches_the_constants_the_jit_uses() {
    assert_eq!(core::mem::size_of::<TlbEntry>(), 1 << TLB_ENTRY_SHIFT);
    assert_eq!(
        [
            TLB_OFFSET_ADDR_READ,
            TLB_OFFSET_ADDR_WRITE,
            TLB_OFFSET_ADDR_CODE,
            TLB_OFFSET_ADDEND
        ],
        [0, 8, 16, 24]
    );
}

/// The inline sequence from the module documentation, performed on raw memory through
/// `entries_ptr` and the offset constants, agrees with `lookup`.
#[test]
fn raw_fast_path_sequence_agrees_with_lookup() {
    let mut tlb = Tlb::new();
    tlb.fill(&ram_fill(0x1234_5000, 0x8000_0000, (true, false, true)));
    for va in [
        0x1234_5000u64,
        0x1234_5ffc,
        0x1234_5ffe,
        0x1234_6000,
        0x5000,
        0xdead_beef,
    ] {
        for (offset, access) in [
            (TLB_OFFSET_ADDR_READ, TlbAccess::Read),
            (TLB_OFFSET_ADDR_WRITE, TlbAccess::Write),
            (TLB_OFFSET_ADDR_CODE, TlbAccess::Execute),
        ] {
            let size = 4u64;
            let index = (va >> PAGE_SHIFT) & (TLB_ENTRIES as u64 - 1);
            let entry = tlb.entries_ptr() as usize + ((index as usize) << TLB_ENTRY_SHIFT);
            // SAFETY: index < TLB_ENTRIES and the offsets are within a TlbEntry.
            let (tag, addend) = unsafe {
                (
                    *((entry + offset as usize) as *const u64),
                    *((entry + TLB_OFFSET_ADDEND as usize) as *const u64),
                )
            };
            let raw =
                (((va + size - 1) & PAGE_MASK) == tag).then(|| va.wrapping_add(addend) as usize);
            assert_eq!(raw, tlb.lookup(va, size, access), "{va:#x} {access:?}");
        }
    }
}

#[test]
fn empty_tlb_misses_everything() {
    let tlb = Tlb::new();
    for va in [0, 0x1000, PAGE_MASK, u64::MAX] {
        assert_eq!(hits(&tlb, va), [false; 3], "{va:#x}");
        assert_eq!(tlb.probe(va, TlbAccess::Read), TlbProbe::Miss);
    }
}

#[test]
fn fill_then_hit_with_the_permitted_accesses_only() {
    let mut tlb = Tlb::new();
    tlb.fill(&ram_fill(0x4000_1234, 0x9000_0000, (true, false, true)));
    assert_eq!(
        tlb.lookup(0x4000_1abc, 8, TlbAccess::Read),
        Some(HOST + 0xabc)
    );
    assert_eq!(hits(&tlb, 0x4000_1000), [true, false, true]);
    assert_eq!(tlb.probe(0x4000_1000, TlbAccess::Write), TlbProbe::Miss);
    assert_eq!(
        tlb.probe(0x4000_1008, TlbAccess::Read),
        TlbProbe::Ram {
            host: HOST + 8,
            check_alignment: false
        }
    );
    // Another page in the same slot does not hit.
    let alias = 0x4000_1000 + (TLB_ENTRIES as u64) * PAGE_SIZE;
    assert_eq!(hits(&tlb, alias), [false; 3]);
    // Filling it evicts the first.
    tlb.fill(&ram_fill(alias, 0xa000_0000, (true, true, true)));
    assert_eq!(hits(&tlb, alias), [true; 3]);
    assert_eq!(hits(&tlb, 0x4000_1000), [false; 3]);
}

#[test]
fn page_crossing_accesses_miss() {
    let mut tlb = Tlb::new();
    tlb.fill(&ram_fill(0x1000, 0x1000, (true, true, true)));
    tlb.fill(&ram_fill(0x2000, 0x2000, (true, true, true)));
    assert!(tlb.lookup(0x1ff8, 8, TlbAccess::Read).is_some());
    assert!(tlb.lookup(0x1ffc, 8, TlbAccess::Read).is_none());
    assert!(tlb.lookup(0x1fff, 2, TlbAccess::Write).is_none());
    // Wrapping at the top of the address space misses too.
    tlb.fill(&ram_fill(u64::MAX, 0x3000, (true, true, true)));
    assert!(tlb.lookup(u64::MAX - 7, 8, TlbAccess::Read).is_some());
    assert!(tlb.lookup(u64::MAX - 3, 8, TlbAccess::Read).is_none());
}

#[test]
fn mmio_pages_always_take_the_slow_path() {
    let mut tlb = Tlb::new();
    let mut fill = ram_fill(0xffff_0000_0900_0000, 0x0900_0000, (true, true, false));
    fill.backing = Backing::Mmio;
    tlb.fill(&fill);
    assert_eq!(hits(&tlb, 0xffff_0000_0900_0018), [false; 3]);
    assert_eq!(
        tlb.probe(0xffff_0000_0900_0018, TlbAccess::Write),
        TlbProbe::Mmio { pa: 0x0900_0018 }
    );
    assert_eq!(
        tlb.probe(0xffff_0000_0900_0018, TlbAccess::Execute),
        TlbProbe::Miss
    );
}

#[test]
fn writes_to_code_pages_take_the_slow_path() {
    let mut tlb = Tlb::new();
    let mut fill = ram_fill(0x40_0000, 0x8_0000, (true, true, true));
    fill.holds_code = true;
    tlb.fill(&fill);
    assert_eq!(hits(&tlb, 0x40_0010), [true, false, true]);
    assert_eq!(
        tlb.probe(0x40_0010, TlbAccess::Write),
        TlbProbe::WriteToCode {
            host: HOST + 0x10,
            phys_page: 0x8_0000,
            check_alignment: false
        }
    );
    tlb.unmark_code_page(0x8_0000);
    assert_eq!(hits(&tlb, 0x40_0010), [true; 3]);
    // Marking finds every VA alias of the physical page, and only those.
    tlb.fill(&ram_fill(0x50_0000, 0x8_0000, (true, true, false)));
    tlb.fill(&ram_fill(0x60_0000, 0x9_0000, (true, true, false)));
    tlb.mark_code_page(0x8_0abc);
    assert_eq!(hits(&tlb, 0x40_0000), [true, false, true]);
    assert_eq!(hits(&tlb, 0x50_0000), [true, false, false]);
    assert_eq!(hits(&tlb, 0x60_0000), [true, true, false]);
}

#[test]
fn flush_page_honours_asids() {
    let mut tlb = Tlb::new();
    let mut asid_5 = ram_fill(0x1000, 0x1000, (true, true, true));
    asid_5.asid = Some(5);
    tlb.fill(&asid_5);
    tlb.fill(&ram_fill(0x2000, 0x2000, (true, true, true)));
    // VAE1 for another ASID: the non-global entry stays, the global one goes.
    tlb.flush_page(0x1000, AsidMatch::Asid(6));
    tlb.flush_page(0x2abc, AsidMatch::Asid(6));
    assert_eq!(hits(&tlb, 0x1000), [true; 3]);
    assert_eq!(hits(&tlb, 0x2000), [false; 3]);
    // Flushing another page leaves it alone; VAE1 with its ASID removes it.
    tlb.flush_page(0x3000, AsidMatch::Any);
    assert_eq!(hits(&tlb, 0x1000), [true; 3]);
    tlb.flush_page(0x1fff, AsidMatch::Asid(5));
    assert_eq!(hits(&tlb, 0x1000), [false; 3]);
    // VAAE1 ignores ASIDs.
    tlb.fill(&asid_5);
    tlb.flush_page(0x1000, AsidMatch::Any);
    assert_eq!(hits(&tlb, 0x1000), [false; 3]);
}

#[test]
fn flush_page_inside_a_block_removes_every_piece_of_it() {
    let mut tlb = Tlb::new();
    // Two 4 KiB pieces of a 2 MiB block at VA 0x20_0000, in different slots.
    for offset in [0x1000, 0x5_3000] {
        let mut piece = ram_fill(0x20_0000 + offset, 0x4000_0000 + offset, (true, true, true));
        piece.size_shift = 21;
        tlb.fill(&piece);
    }
    tlb.fill(&ram_fill(0x60_0000, 0x60_0000, (true, true, true)));
    assert_eq!(hits(&tlb, 0x25_3000), [true; 3]);
    tlb.flush_page(0x3f_f000, AsidMatch::Any);
    assert_eq!(hits(&tlb, 0x20_1000), [false; 3]);
    assert_eq!(hits(&tlb, 0x25_3000), [false; 3]);
    assert_eq!(hits(&tlb, 0x60_0000), [true; 3], "outside the block");
}

#[test]
fn flush_page_finds_pieces_of_more_large_mappings_than_ranges() {
    // 3 × LARGE_RANGES blocks of 2 MiB, scattered over the VA space (in an order that
    // makes the ranges merge in several ways), one piece of each cached.
    let bases: Vec<u64> = (0..3 * LARGE_RANGES as u64)
        .map(|k| (((k * 7919) % 61) << 33) | ((k % 3) << 21))
        .collect();
    let mut tlb = Tlb::new();
    let piece_of = |k: usize, base: u64| base + (((k as u64 * 3) % 512) << 12);
    for (k, &base) in bases.iter().enumerate() {
        let va = piece_of(k, base);
        let mut piece = ram_fill(va, 0x4000_0000, (true, true, true));
        piece.size_shift = 21;
        tlb.fill(&piece);
    }
    for (k, &base) in bases.iter().enumerate() {
        let va = piece_of(k, base);
        if hits(&tlb, va) != [true; 3] {
            continue; // evicted by a later piece in the same slot
        }
        // A by-VA flush of another page of the block removes the cached piece.
        tlb.flush_page(base + 0x1f_f000 - (va - base), AsidMatch::Any);
        assert_eq!(hits(&tlb, va), [false; 3], "block {k} at {base:#x}");
    }
}

#[test]
fn flush_by_asid_non_global_and_all() {
    let mut tlb = Tlb::new();
    for (va, asid) in [(0x1000, Some(1)), (0x2000, Some(2)), (0x3000, None)] {
        let mut fill = ram_fill(va, va, (true, true, true));
        fill.asid = asid;
        tlb.fill(&fill);
    }
    tlb.flush_asid(1);
    assert_eq!(
        [0x1000, 0x2000, 0x3000].map(|va| hits(&tlb, va)[0]),
        [false, true, true]
    );
    tlb.flush_non_global();
    assert_eq!(
        [0x1000, 0x2000, 0x3000].map(|va| hits(&tlb, va)[0]),
        [false, false, true]
    );
    tlb.flush_all();
    assert_eq!(hits(&tlb, 0x3000), [false; 3]);
}
/// An ASID switch clears exactly the non-global entries, whether the TLB tracked the
/// slots they were filled into or had too many to track (and scans).
#[test]
fn flush_non_global_finds_every_non_global_entry() {
    for count in [3, NON_GLOBAL_SLOTS + 50] {
        let mut tlb = Tlb::new();
        let pages: Vec<u64> = (0..count as u64).map(|i| 0x40_0000 + i * 0x1000).collect();
        for &va in &pages {
            let mut fill = ram_fill(va, va, (true, true, true));
            fill.asid = Some(7);
            tlb.fill(&fill);
        }
        // A global entry in a slot that held a non-global one, and one elsewhere.
        let global = ram_fill(pages[0], pages[0], (true, true, true));
        tlb.fill(&global);
        let other = 0x7000_0000 + (TLB_ENTRIES as u64 / 2) * 0x1000;
        tlb.fill(&ram_fill(other, other, (true, true, true)));
        tlb.flush_non_global();
        for &va in &pages[1..] {
            if Tlb::index_of(va) != Tlb::index_of(other) {
                assert_eq!(hits(&tlb, va), [false; 3], "{count}: {va:#x}");
            }
        }
        assert!(hits(&tlb, pages[0])[0], "{count}: global survives");
        assert!(hits(&tlb, other)[0], "{count}: global survives");
        // And again after the flush (the tracking starts over).
        let mut fill = ram_fill(pages[1], pages[1], (true, true, true));
        fill.asid = Some(8);
        tlb.fill(&fill);
        tlb.flush_non_global();
        assert_eq!(hits(&tlb, pages[1]), [false; 3], "{count}");
    }
}

/// Random operation sequences against a simple model (a map of live pieces, with the
/// direct-mapped eviction and the flush rules written out plainly): every lookup and
/// probe must agree with the model exactly.
#[test]
fn random_operations_agree_with_a_model() {
    use std::collections::HashMap;

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tlb = Tlb::new();
    // va page -> (fill, holds code now)
    let mut model: HashMap<u64, (TlbFill, bool)> = HashMap::new();
    let stride = TLB_ENTRIES as u64 * PAGE_SIZE;
    // A few slots, each shared by several pages; some pages inside one 2 MiB block.
    let random_va = |rng: &mut Rng| {
        let base = [0x20_0000u64, 0x40_0000, 0xffff_0000_0000_0000][rng.below(3) as usize];
        base + rng.below(4) * stride + rng.below(8) * PAGE_SIZE + rng.below(PAGE_SIZE)
    };
    for _ in 0..20_000 {
        match rng.below(10) {
            0..=4 => {
                let va = random_va(&mut rng);
                let in_block = va & !0x1f_ffff == 0x40_0000;
                let fill = TlbFill {
                    va,
                    pa: 0x1000_0000 + (va & 0xff_ffff),
                    size_shift: if in_block { 21 } else { PAGE_SHIFT },
                    readable: rng.below(4) != 0,
                    writable: rng.below(2) != 0,
                    executable: rng.below(2) != 0,
                    asid: [None, Some(1), Some(2)][rng.below(3) as usize],
                    backing: if rng.below(5) == 0 {
                        Backing::Mmio
                    } else {
                        Backing::Ram {
                            host_page: 0x7000_0000_0000 + (va & PAGE_MASK) as usize,
                        }
                    },
                    holds_code: rng.below(6) == 0,
                    check_alignment: rng.below(4) == 0,
                };
                tlb.fill(&fill);
                model.retain(|&page, _| Tlb::index_of(page) != Tlb::index_of(va));
                model.insert(va & PAGE_MASK, (fill, fill.holds_code));
            }
            5 => {
                let va = random_va(&mut rng);
                let asids =
                    [AsidMatch::Any, AsidMatch::Asid(1), AsidMatch::Asid(2)][rng.below(3) as usize];
                tlb.flush_page(va, asids);
                model.retain(|&page, (fill, _)| {
                    let covers = (page ^ va) >> fill.size_shift == 0;
                    !(covers && asids.matches(fill.asid))
                });
            }
            6 => {
                let asid = 1 + rng.below(2) as u16;
                tlb.flush_asid(asid);
                model.retain(|_, (fill, _)| fill.asid != Some(asid));
            }
            7 => {
                if rng.below(4) == 0 {
                    tlb.flush_all();
                    model.clear();
                } else {
                    tlb.flush_non_global();
                    model.retain(|_, (fill, _)| fill.asid.is_none());
                }
            }
            _ => {
                let phys_page = (0x1000_0000 + (random_va(&mut rng) & 0xff_ffff)) & PAGE_MASK;
                let mark = rng.below(2) == 0;
                if mark {
                    tlb.mark_code_page(phys_page);
                } else {
                    tlb.unmark_code_page(phys_page);
                }
                for (fill, code) in model.values_mut() {
                    if fill.pa & PAGE_MASK == phys_page {
                        *code = mark;
                    }
                }
            }
        }
        // Check a few addresses after every operation.
        for _ in 0..4 {
            let va = random_va(&mut rng) & !7;
            for access in [TlbAccess::Read, TlbAccess::Write, TlbAccess::Execute] {
                let expected = match model.get(&(va & PAGE_MASK)) {
                    None => TlbProbe::Miss,
                    Some((fill, code)) => {
                        let allowed = match access {
                            TlbAccess::Read => fill.readable,
                            TlbAccess::Write => fill.writable,
                            TlbAccess::Execute => fill.executable,
                        };
                        match (allowed, fill.backing) {
                            (false, _) => TlbProbe::Miss,
                            (true, Backing::Mmio) => TlbProbe::Mmio {
                                pa: (fill.pa & PAGE_MASK) | (va & !PAGE_MASK),
                            },
                            (true, Backing::Ram { host_page }) => {
                                let host = host_page + (va & !PAGE_MASK) as usize;
                                // Instruction fetches never check data alignment.
                                let check_alignment =
                                    fill.check_alignment && access != TlbAccess::Execute;
                                if *code && access == TlbAccess::Write {
                                    TlbProbe::WriteToCode {
                                        host,
                                        phys_page: fill.pa & PAGE_MASK,
                                        check_alignment,
                                    }
                                } else {
                                    TlbProbe::Ram {
                                        host,
                                        check_alignment,
                                    }
                                }
                            }
                        }
                    }
                };
                assert_eq!(tlb.probe(va, access), expected, "{va:#x} {access:?}");
                let fast = match expected {
                    TlbProbe::Ram {
                        host,
                        check_alignment: false,
                    } => Some(host),
                    _ => None,
                };
                assert_eq!(tlb.lookup(va, 8, access), fast, "{va:#x} {access:?}");
            }
        }
    }
}
#[test]
fn tlb_set_flushes_every_context() {
    let mut set = TlbSet::new(2);
    assert!(set.tlb(2).is_none());
    for index in 0..2 {
        let tlb = set.tlb_mut(index).unwrap();
        tlb.fill(&ram_fill(0x1000, 0x1000, (true, true, true)));
        tlb.fill(&ram_fill(0x2000, 0x2000, (true, true, true)));
    }
    set.mark_code_page(0x2000);
    set.flush_page(0x1000, AsidMatch::Any);
    for index in 0..2 {
        let tlb = set.tlb(index).unwrap();
        assert_eq!(hits(tlb, 0x1000), [false; 3]);
        assert_eq!(hits(tlb, 0x2000), [true, false, true]);
    }
    set.flush_all();
    assert_eq!(hits(set.tlb(1).unwrap(), 0x2000), [false; 3]);
}

#[test]
fn device_memory_data_accesses_take_the_slow_path_for_alignment() {
    let mut tlb = Tlb::new();
    let mut fill = ram_fill(0x9000, 0x9000, (true, true, true));
    fill.check_alignment = true;
    tlb.fill(&fill);
    assert_eq!(hits(&tlb, 0x9010), [false, false, true]);
    assert_eq!(
        tlb.probe(0x9010, TlbAccess::Read),
        TlbProbe::Ram {
            host: HOST + 0x10,
            check_alignment: true
        }
    );
    assert_eq!(
        tlb.probe(0x9010, TlbAccess::Execute),
        TlbProbe::Ram {
            host: HOST + 0x10,
            check_alignment: false
        }
    );
}

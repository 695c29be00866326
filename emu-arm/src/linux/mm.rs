//! Bookkeeping of the guest address space: which ranges are mapped (including PROT_NONE
//! mappings, which the permission table cannot tell apart from holes), the program break,
//! and the top-down allocator for `mmap` without a fixed address (as Linux does it: below
//! the stack, growing down).

use emu_core::mem::{page_ceil, PAGE_SIZE};
use std::collections::BTreeMap;

/// Mapped ranges and the allocator's parameters. Guarded by the process's mutex.
#[derive(Debug, Default)]
pub struct MemMap {
    /// Disjoint, non-adjacent ranges `start → end` (page-aligned), merged on insert.
    ranges: BTreeMap<u64, u64>,
    /// Where the break area begins (the page after the program's highest segment).
    pub brk_start: u64,
    /// The current break (not page-aligned: what `brk` last returned).
    pub brk: u64,
    /// Allocations without a fixed address are placed below this, top-down.
    pub mmap_top: u64,
    /// ... and never below this.
    pub mmap_min: u64,
}

impl MemMap {
    pub fn new(mmap_min: u64, mmap_top: u64) -> MemMap {
        MemMap {
            mmap_min,
            mmap_top,
            ..MemMap::default()
        }
    }

    /// Whether no byte of `[start, end)` is mapped.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        if start >= end {
            return true;
        }
        // The last range starting before `end` is the only one that can overlap.
        match self.ranges.range(..end).next_back() {
            Some((_, &e)) => e <= start,
            None => true,
        }
    }

    /// Whether every byte of `[start, end)` is mapped.
    pub fn is_mapped(&self, start: u64, end: u64) -> bool {
        if start >= end {
            return true;
        }
        match self.ranges.range(..=start).next_back() {
            Some((_, &e)) => e >= end,
            None => false,
        }
    }

    /// Records `[start, end)` as mapped.
    pub fn insert(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let (mut s, mut e) = (start, end);
        // Absorb every range that overlaps or touches [s, e].
        let touching: Vec<(u64, u64)> = self
            .ranges
            .range(..=e)
            .rev()
            .take_while(|(_, &re)| re >= s)
            .map(|(&rs, &re)| (rs, re))
            .collect();
        for (rs, re) in touching {
            self.ranges.remove(&rs);
            s = s.min(rs);
            e = e.max(re);
        }
        self.ranges.insert(s, e);
    }

    /// Records `[start, end)` as unmapped.
    pub fn remove(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let overlapping: Vec<(u64, u64)> = self
            .ranges
            .range(..end)
            .rev()
            .take_while(|(_, &re)| re > start)
            .map(|(&rs, &re)| (rs, re))
            .collect();
        for (rs, re) in overlapping {
            self.ranges.remove(&rs);
            if rs < start {
                self.ranges.insert(rs, start);
            }
            if re > end {
                self.ranges.insert(end, re);
            }
        }
    }

    /// The mapped parts of `[start, end)`.
    pub fn overlapping(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        if start >= end {
            return Vec::new();
        }
        let mut v: Vec<(u64, u64)> = self
            .ranges
            .range(..end)
            .rev()
            .take_while(|(_, &re)| re > start)
            .map(|(&rs, &re)| (rs.max(start), re.min(end)))
            .collect();
        v.reverse();
        v
    }

    /// Finds a free page-aligned range of `len` bytes, as high as possible below
    /// `mmap_top`.
    pub fn find_free(&self, len: u64) -> Option<u64> {
        let len = page_ceil(len)?;
        let mut hole_end = self.mmap_top;
        for (&s, &e) in self.ranges.range(..self.mmap_top).rev() {
            let hole_start = e.min(hole_end);
            if hole_end - hole_start >= len {
                break;
            }
            hole_end = hole_end.min(s);
        }
        let start = hole_end.checked_sub(len)?;
        (start >= self.mmap_min && self.is_free(start, start + len)).then_some(start)
    }

    /// The address to map `len` bytes at, for a non-fixed `mmap` with address `hint`:
    /// the hint if it is page-aligned and free, else a top-down allocation.
    pub fn choose(&self, hint: u64, len: u64, limit: u64) -> Option<u64> {
        let len = page_ceil(len)?;
        if hint != 0 && hint.is_multiple_of(PAGE_SIZE) && hint >= self.mmap_min {
            if let Some(end) = hint.checked_add(len) {
                if end <= limit && self.is_free(hint, end) {
                    return Some(hint);
                }
            }
        }
        self.find_free(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_remove_splits() {
        let mut m = MemMap::new(0x1000, 0x100000);
        m.insert(0x10000, 0x20000);
        m.insert(0x20000, 0x30000); // adjacent: merged
        assert!(m.is_mapped(0x10000, 0x30000));
        m.remove(0x18000, 0x19000);
        assert!(!m.is_mapped(0x10000, 0x30000));
        assert!(m.is_free(0x18000, 0x19000));
        assert!(m.is_mapped(0x19000, 0x30000));
        assert!(!m.is_free(0x17000, 0x18001));
        assert_eq!(
            m.overlapping(0x17000, 0x1a000),
            vec![(0x17000, 0x18000), (0x19000, 0x1a000)]
        );
        m.insert(0x5000, 0x40000); // swallows everything
        assert!(m.is_mapped(0x5000, 0x40000));
        m.remove(0, u64::MAX);
        assert!(m.is_free(0, u64::MAX));
    }

    #[test]
    fn allocates_top_down_around_mappings() {
        let mut m = MemMap::new(0x10000, 0x100000);
        assert_eq!(m.find_free(0x1000), Some(0xff000));
        m.insert(0xf0000, 0x100000);
        assert_eq!(m.find_free(0x2000), Some(0xee000));
        m.insert(0xe0000, 0xef000); // leaves a 1-page hole at 0xef000
        assert_eq!(m.find_free(0x1000), Some(0xef000));
        assert_eq!(m.find_free(0x2000), Some(0xde000));
        assert_eq!(m.find_free(0x1_0000_0000), None);
        assert_eq!(m.choose(0x50000, 0x1000, 0x100000), Some(0x50000));
        assert_eq!(m.choose(0xe0000, 0x1000, 0x100000), Some(0xef000));
    }
}

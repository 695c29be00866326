//! The guest-agnostic software TLB of system mode: one direct-mapped table per vCPU and per
//! translation context ("MMU index", e.g. EL0 and EL1 of the same regime, which have
//! different permissions for the same VA), caching the results of the guest's page-table
//! walks so that most guest memory accesses cost a few host instructions.
//!
//! The fast path, which the JIT emits inline and [`Tlb::lookup`] implements for the
//! interpreter, is (QEMU's `prepare_host_addr`):
//! ```text
//!   index = (va >> PAGE_SHIFT) & (TLB_ENTRIES - 1)
//!   entry = entries + (index << TLB_ENTRY_SHIFT)
//!   tag   = load [entry + TLB_OFFSET_ADDR_{READ,WRITE,CODE}]
//!   if ((va + size - 1) & PAGE_MASK) != tag: goto slow path (cold block)
//!   host  = va + load [entry + TLB_OFFSET_ADDEND]
//! ```
//! Comparing the page of the *last* byte against the tag of the *first* byte's slot makes a
//! page-crossing access miss (the next page lives in the next slot), so the fast path never
//! needs a separate crossing check. A tag that must not match has a flag in its low 12 bits
//! (the compared value never does): no permission or empty ([`tag_flag::INVALID`]), MMIO
//! ([`tag_flag::MMIO`]: no host addend, the slow path calls the device) or a RAM page holding
//! translated code ([`tag_flag::CODE`], write tag only: the slow path invalidates the
//! translations before writing; self-modifying-code detection), or Device memory
//! ([`tag_flag::CHECK_ALIGNED`], data tags only: unaligned accesses fault). The slow path calls
//! [`Tlb::probe`] to tell these apart, and refills on a true miss.
//!
//! Callers pass the VA with any address tag removed (TBI): tags are part of the compared
//! value.
//!
//! ASIDs: entries record the ASID of non-global mappings, so TLBI by ASID and by VA+ASID are
//! exact; but the fast path does not compare ASIDs (that would cost a load and compare per
//! access), so when the active ASID changes the caller must call
//! [`Tlb::flush_non_global`]. Global entries survive an ASID switch, as on hardware.
//!
//! TLBI mapping: `VMALLE1(IS)` → [`Tlb::flush_all`]; `VAE1`/`VALE1(IS)` →
//! [`Tlb::flush_page`] with [`AsidMatch::Asid`]; `VAAE1`/`VAALE1(IS)` → `flush_page` with
//! [`AsidMatch::Any`]; `ASIDE1(IS)` → [`Tlb::flush_asid`]. The TLB caches only leaf
//! results, never intermediate walk entries, so the "last level only" forms need nothing
//! different.

use core::mem::offset_of;

/// The TLB maps 4 KiB pieces whatever the guest's granule; larger pages and blocks fill
/// one entry per 4 KiB piece touched, and are remembered for invalidation (see
/// [`Tlb::flush_page`]).
pub const PAGE_SHIFT: u32 = 12;
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
pub const PAGE_MASK: u64 = !(PAGE_SIZE - 1);

/// log2 of the number of entries. 1024 entries × 32 bytes = 32 KiB per table: hot enough
/// for L1/L2, big enough for a kernel's working set of pages.
pub const TLB_BITS: u32 = 10;
pub const TLB_ENTRIES: usize = 1 << TLB_BITS;

/// Flags in the low bits of a tag. The compared value is page-aligned, so any flag makes
/// the fast-path compare fail.
pub mod tag_flag {
    /// Empty entry, or the access is not permitted.
    pub const INVALID: u64 = 1 << 0;
    /// The page is a device: there is no host addend.
    pub const MMIO: u64 = 1 << 1;
    /// The RAM page holds translated code: writes must invalidate it first.
    pub const CODE: u64 = 1 << 2;
    /// The guest maps the page as Device memory, where unaligned data accesses fault: data
    /// accesses take the slow path, which checks alignment (instruction fetches do not).
    pub const CHECK_ALIGNED: u64 = 1 << 3;
}

/// One TLB entry, as the JIT sees it: three tags (VA page | flags) and the host addend.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbEntry {
    pub addr_read: u64,
    pub addr_write: u64,
    pub addr_code: u64,
    /// host address − guest VA, wrapping, for RAM pages; 0 for MMIO and empty entries.
    pub addend: u64,
}

/// An empty tag: only flag bits, and INVALID among them.
const EMPTY_TAG: u64 = u64::MAX;

impl TlbEntry {
    pub const EMPTY: TlbEntry = TlbEntry {
        addr_read: EMPTY_TAG,
        addr_write: EMPTY_TAG,
        addr_code: EMPTY_TAG,
        addend: 0,
    };
}

/// log2 of `size_of::<TlbEntry>()`, for the JIT's index scaling.
pub const TLB_ENTRY_SHIFT: u32 = 5;
const _: () = assert!(core::mem::size_of::<TlbEntry>() == 1 << TLB_ENTRY_SHIFT);
pub const TLB_OFFSET_ADDR_READ: i32 = offset_of!(TlbEntry, addr_read) as i32;
pub const TLB_OFFSET_ADDR_WRITE: i32 = offset_of!(TlbEntry, addr_write) as i32;
pub const TLB_OFFSET_ADDR_CODE: i32 = offset_of!(TlbEntry, addr_code) as i32;
pub const TLB_OFFSET_ADDEND: i32 = offset_of!(TlbEntry, addend) as i32;

/// The fast path on a raw entry array (the interpreter's version of the JIT's inline
/// sequence): the host address for an access of `size` bytes at `va`, or `None` for the
/// slow path.
///
/// # Safety
/// `entries` points to a live array of [`TLB_ENTRIES`] entries.
#[inline(always)]
pub unsafe fn lookup_in(
    entries: *const TlbEntry,
    va: u64,
    size: u64,
    access: TlbAccess,
) -> Option<usize> {
    // SAFETY: the index is masked to the array's size (caller's contract).
    let entry = unsafe { &*entries.add(Tlb::index_of(va)) };
    let tag = match access {
        TlbAccess::Read => entry.addr_read,
        TlbAccess::Write => entry.addr_write,
        TlbAccess::Execute => entry.addr_code,
    };
    let last_byte_page = va.wrapping_add(size.max(1) - 1) & PAGE_MASK;
    if last_byte_page != tag {
        return None;
    }
    Some(va.wrapping_add(entry.addend) as usize)
}

/// The kind of access a lookup is for: selects the tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlbAccess {
    Read,
    Write,
    Execute,
}

/// Where a translated page lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Guest RAM: `host_page` is the host address of the start of the 4 KiB physical page.
    Ram { host_page: usize },
    /// A device region: every access goes through the slow path.
    Mmio,
}

/// The result of a page-table walk, in the TLB's guest-agnostic terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbFill {
    /// Any VA inside the 4 KiB page to map.
    pub va: u64,
    /// The physical address `va` translates to (any byte of the page).
    pub pa: u64,
    /// log2 of the guest mapping's size (12 for a 4 KiB page, 21 for a 2 MiB block...).
    pub size_shift: u32,
    pub readable: bool,
    pub writable: bool,
    pub executable: bool,
    /// `Some(asid)` for a non-global mapping.
    pub asid: Option<u16>,
    pub backing: Backing,
    /// The physical page holds translated code (writes must take the slow path).
    pub holds_code: bool,
    /// The guest's memory type is Device: unaligned data accesses must fault.
    pub check_alignment: bool,
}

/// Which ASIDs a by-VA invalidation applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsidMatch {
    /// Every entry for the VA (`TLBI VAAE1`).
    Any,
    /// Global entries and non-global entries of this ASID (`TLBI VAE1`).
    Asid(u16),
}

impl AsidMatch {
    fn matches(self, entry_asid: Option<u16>) -> bool {
        match (self, entry_asid) {
            (AsidMatch::Any, _) | (AsidMatch::Asid(_), None) => true,
            (AsidMatch::Asid(wanted), Some(asid)) => wanted == asid,
        }
    }
}

/// What the slow path finds in the TLB for an access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlbProbe {
    /// Not cached (or not permitted: the walk decides which): walk and fill.
    Miss,
    /// A RAM access at this host address; with `check_alignment`, an unaligned data access
    /// is an Alignment fault instead (Device memory).
    Ram { host: usize, check_alignment: bool },
    /// A write to a RAM page holding translated code: invalidate the translations of
    /// physical page `phys_page`, then write at `host` (alignment as for `Ram`).
    WriteToCode {
        host: usize,
        phys_page: u64,
        check_alignment: bool,
    },
    /// A device access at this physical address.
    Mmio { pa: u64 },
}

/// Per-entry information that the fast path never reads, kept apart so the entries stay
/// 32 bytes (two per cache line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EntryInfo {
    va_page: u64,
    phys_page: u64,
    /// log2 of the guest mapping's size this entry is a piece of.
    size_shift: u32,
    asid: Option<u16>,
    is_ram: bool,
}

const EMPTY_INFO: EntryInfo = EntryInfo {
    va_page: 0,
    phys_page: 0,
    size_shift: PAGE_SHIFT,
    asid: None,
    is_ram: false,
};

/// How many VA ranges cover the large mappings a TLB holds (see `Tlb::large`).
const LARGE_RANGES: usize = 8;

/// A direct-mapped software TLB for one translation context of one vCPU.
pub struct Tlb {
    entries: Box<[TlbEntry]>,
    info: Box<[EntryInfo]>,
    /// VA ranges `(first, last)` that together cover every mapping larger than 4 KiB
    /// filled since the last full flush: a by-VA flush inside one must find every 4 KiB
    /// piece of the large mapping, which may be in any slot (a scan of the table).
    /// QEMU keeps one aligned region; a few ranges, merging the closest two when there
    /// are too many, keep Linux's clusters of blocks (linear map, kernel image, the
    /// fixmap's FDT block, vmemmap) apart, so that the fixmap page next to the FDT block,
    /// which the kernel flushes tens of thousands of times per boot, does not scan the
    /// table each time (one region spanning the upper half did: 2.6% of a Debian boot).
    large: [(u64, u64); LARGE_RANGES],
    /// Ranges in use in `large`.
    large_len: usize,
    /// The slots filled with a non-global entry since the last [`Tlb::flush_non_global`]
    /// (with repeats; `None` once more than [`NON_GLOBAL_SLOTS`]): an ASID switch (every
    /// guest context switch) then clears those slots instead of scanning the whole table.
    /// Scanning made a pipe between two guest processes (`dd | md5sum`, which switches
    /// thousands of times) spend 9% of its time here.
    non_global: Option<Vec<u32>>,
}

/// How many slot indices [`Tlb::non_global`] keeps before a flush falls back to a scan.
const NON_GLOBAL_SLOTS: usize = TLB_ENTRIES / 4;

impl Default for Tlb {
    fn default() -> Self {
        Self::new()
    }
}

impl Tlb {
    pub fn new() -> Self {
        Tlb {
            entries: vec![TlbEntry::EMPTY; TLB_ENTRIES].into_boxed_slice(),
            info: vec![EMPTY_INFO; TLB_ENTRIES].into_boxed_slice(),
            large: [(0, 0); LARGE_RANGES],
            large_len: 0,
            non_global: Some(Vec::with_capacity(NON_GLOBAL_SLOTS)),
        }
    }

    /// The entry array the JIT indexes (`TLB_ENTRIES` entries). Stable for the TLB's life.
    pub fn entries_ptr(&self) -> *const TlbEntry {
        self.entries.as_ptr()
    }

    #[inline]
    pub fn index_of(va: u64) -> usize {
        (va >> PAGE_SHIFT) as usize & (TLB_ENTRIES - 1)
    }

    /// The fast path: the host address for an access of `size` bytes (1..=16) at `va`, or
    /// `None` to take the slow path (miss, not permitted, MMIO, code page, page-crossing).
    #[inline]
    pub fn lookup(&self, va: u64, size: u64, access: TlbAccess) -> Option<usize> {
        let entry = self.entries.get(Self::index_of(va))?;
        let tag = match access {
            TlbAccess::Read => entry.addr_read,
            TlbAccess::Write => entry.addr_write,
            TlbAccess::Execute => entry.addr_code,
        };
        let last_byte_page = va.wrapping_add(size.max(1) - 1) & PAGE_MASK;
        if last_byte_page != tag {
            return None;
        }
        Some(va.wrapping_add(entry.addend) as usize)
    }

    /// The slow path's view of the entry for `va`: why the fast path missed. The access is
    /// assumed to lie within one page (the caller splits page-crossing accesses).
    pub fn probe(&self, va: u64, access: TlbAccess) -> TlbProbe {
        let index = Self::index_of(va);
        let (Some(entry), Some(info)) = (self.entries.get(index), self.info.get(index)) else {
            return TlbProbe::Miss;
        };
        let tag = match access {
            TlbAccess::Read => entry.addr_read,
            TlbAccess::Write => entry.addr_write,
            TlbAccess::Execute => entry.addr_code,
        };
        if tag & tag_flag::INVALID != 0 || tag & PAGE_MASK != va & PAGE_MASK {
            return TlbProbe::Miss;
        }
        let offset = va & !PAGE_MASK;
        if tag & tag_flag::MMIO != 0 {
            return TlbProbe::Mmio {
                pa: info.phys_page | offset,
            };
        }
        let host = va.wrapping_add(entry.addend) as usize;
        let check_alignment = tag & tag_flag::CHECK_ALIGNED != 0;
        if tag & tag_flag::CODE != 0 {
            return TlbProbe::WriteToCode {
                host,
                phys_page: info.phys_page,
                check_alignment,
            };
        }
        TlbProbe::Ram {
            host,
            check_alignment,
        }
    }

    /// Caches a walk result for the 4 KiB page containing `fill.va`, replacing whatever
    /// the slot held.
    pub fn fill(&mut self, fill: &TlbFill) {
        let index = Self::index_of(fill.va);
        let va_page = fill.va & PAGE_MASK;
        let (kind_flags, addend, is_ram) = match fill.backing {
            Backing::Ram { host_page } => (0, (host_page as u64).wrapping_sub(va_page), true),
            Backing::Mmio => (tag_flag::MMIO, 0, false),
        };
        let tag_if = |allowed: bool, extra: u64| {
            if allowed {
                va_page | kind_flags | extra
            } else {
                EMPTY_TAG
            }
        };
        let code_flag = if fill.holds_code && is_ram {
            tag_flag::CODE
        } else {
            0
        };
        let (Some(entry), Some(info)) = (self.entries.get_mut(index), self.info.get_mut(index))
        else {
            return;
        };
        let align_flag = if fill.check_alignment {
            tag_flag::CHECK_ALIGNED
        } else {
            0
        };
        *entry = TlbEntry {
            addr_read: tag_if(fill.readable, align_flag),
            addr_write: tag_if(fill.writable, code_flag | align_flag),
            addr_code: tag_if(fill.executable, 0),
            addend,
        };
        let size_shift = fill.size_shift.clamp(PAGE_SHIFT, 63);
        if fill.asid.is_some() {
            if let Some(list) = &mut self.non_global {
                if list.len() < NON_GLOBAL_SLOTS {
                    list.push(index as u32);
                } else {
                    self.non_global = None;
                }
            }
        }
        *info = EntryInfo {
            va_page,
            phys_page: fill.pa & PAGE_MASK,
            size_shift,
            asid: fill.asid,
            is_ram,
        };
        if size_shift > PAGE_SHIFT {
            self.note_large_page(va_page, size_shift);
        }
    }

    /// Makes the large-page ranges cover the mapping of size 2^`size_shift` containing
    /// `va`.
    fn note_large_page(&mut self, va: u64, size_shift: u32) {
        let size_mask = (1u64 << size_shift) - 1;
        let (first, last) = (va & !size_mask, va | size_mask);
        let n = self.large_len.min(LARGE_RANGES);
        // The common case: another piece of a block already noted.
        if self.large[..n]
            .iter()
            .any(|&(f, l)| f <= first && last <= l)
        {
            return;
        }
        if n < LARGE_RANGES {
            self.large[n] = (first, last);
            self.large_len = n + 1;
            return;
        }
        // Full: of the ranges and the new one, merge the two closest (sorted by start,
        // the closest two are neighbours; overlapping ones have gap 0).
        let mut all = [(0u64, 0u64); LARGE_RANGES + 1];
        all[..LARGE_RANGES].copy_from_slice(&self.large);
        all[LARGE_RANGES] = (first, last);
        all.sort_unstable();
        let gap = |i: usize| all[i + 1].0.saturating_sub(all[i].1);
        let closest = (0..LARGE_RANGES).min_by_key(|&i| gap(i)).unwrap_or(0);
        all[closest] = (all[closest].0, all[closest].1.max(all[closest + 1].1));
        self.large[..=closest].copy_from_slice(&all[..=closest]);
        self.large[closest + 1..].copy_from_slice(&all[closest + 2..]);
    }

    /// Forgets everything (`TLBI VMALLE1`, TTBR/TCR/SCTLR changes that need it).
    pub fn flush_all(&mut self) {
        self.entries.fill(TlbEntry::EMPTY);
        self.info.fill(EMPTY_INFO);
        self.large_len = 0;
        self.reset_non_global();
    }

    /// No slot holds a non-global entry any more.
    fn reset_non_global(&mut self) {
        match &mut self.non_global {
            Some(list) => list.clear(),
            None => self.non_global = Some(Vec::with_capacity(NON_GLOBAL_SLOTS)),
        }
    }

    /// Invalidates every entry whose mapping contains `va` and whose ASID `asids` selects.
    pub fn flush_page(&mut self, va: u64, asids: AsidMatch) {
        let in_large_region = self.large[..self.large_len.min(LARGE_RANGES)]
            .iter()
            .any(|&(first, last)| (first..=last).contains(&va));
        if in_large_region {
            // The mapping may be larger than 4 KiB: its pieces can be in any slot.
            self.flush_where(|info| {
                (info.va_page ^ va) >> info.size_shift == 0 && asids.matches(info.asid)
            });
            return;
        }
        let index = Self::index_of(va);
        let (Some(entry), Some(info)) = (self.entries.get_mut(index), self.info.get_mut(index))
        else {
            return;
        };
        if info.va_page == va & PAGE_MASK && asids.matches(info.asid) {
            *entry = TlbEntry::EMPTY;
            *info = EMPTY_INFO;
        }
    }

    /// Invalidates the non-global entries of `asid` (`TLBI ASIDE1`).
    pub fn flush_asid(&mut self, asid: u16) {
        self.flush_where(|info| info.asid == Some(asid));
    }

    /// Invalidates every non-global entry (required whenever the active ASID changes,
    /// since the fast path does not compare ASIDs).
    pub fn flush_non_global(&mut self) {
        match self.non_global.take() {
            Some(mut list) => {
                for &index in &list {
                    let i = index as usize;
                    if let (Some(entry), Some(info)) =
                        (self.entries.get_mut(i), self.info.get_mut(i))
                    {
                        if info.asid.is_some() {
                            *entry = TlbEntry::EMPTY;
                            *info = EMPTY_INFO;
                        }
                    }
                }
                list.clear();
                self.non_global = Some(list);
            }
            None => {
                self.flush_where(|info| info.asid.is_some());
                self.reset_non_global();
            }
        }
    }

    fn flush_where(&mut self, mut selected: impl FnMut(&EntryInfo) -> bool) {
        for (entry, info) in self.entries.iter_mut().zip(self.info.iter_mut()) {
            if *entry != TlbEntry::EMPTY && selected(info) {
                *entry = TlbEntry::EMPTY;
                *info = EMPTY_INFO;
            }
        }
    }

    /// Physical page `phys_page` now holds translated code: writes through any entry
    /// mapping it must take the slow path.
    pub fn mark_code_page(&mut self, phys_page: u64) {
        self.set_code_flag(phys_page & PAGE_MASK, true);
    }

    /// The translations of `phys_page` are gone: writes may take the fast path again.
    pub fn unmark_code_page(&mut self, phys_page: u64) {
        self.set_code_flag(phys_page & PAGE_MASK, false);
    }

    fn set_code_flag(&mut self, phys_page: u64, holds_code: bool) {
        for (entry, info) in self.entries.iter_mut().zip(self.info.iter()) {
            let writable = entry.addr_write & tag_flag::INVALID == 0;
            if info.is_ram && writable && info.phys_page == phys_page {
                if holds_code {
                    entry.addr_write |= tag_flag::CODE;
                } else {
                    entry.addr_write &= !tag_flag::CODE;
                }
            }
        }
    }
}

/// All the TLBs of one vCPU, one per translation context ("MMU index": e.g. EL0 and EL1 of
/// the EL1&0 regime). TLB maintenance instructions name a regime, not an EL, so the
/// flushes apply to every table. Each table's entry array stays at a fixed address for the
/// life of the set, so the JIT may embed `tlb(i).entries_ptr()`.
pub struct TlbSet {
    tlbs: Box<[Tlb]>,
}

impl TlbSet {
    pub fn new(contexts: usize) -> Self {
        TlbSet {
            tlbs: (0..contexts).map(|_| Tlb::new()).collect(),
        }
    }

    /// The TLB of translation context `index`, if there is one.
    pub fn tlb(&self, index: usize) -> Option<&Tlb> {
        self.tlbs.get(index)
    }

    pub fn tlb_mut(&mut self, index: usize) -> Option<&mut Tlb> {
        self.tlbs.get_mut(index)
    }

    pub fn flush_all(&mut self) {
        self.tlbs.iter_mut().for_each(Tlb::flush_all);
    }

    pub fn flush_page(&mut self, va: u64, asids: AsidMatch) {
        self.tlbs
            .iter_mut()
            .for_each(|tlb| tlb.flush_page(va, asids));
    }

    pub fn flush_asid(&mut self, asid: u16) {
        self.tlbs.iter_mut().for_each(|tlb| tlb.flush_asid(asid));
    }

    pub fn flush_non_global(&mut self) {
        self.tlbs.iter_mut().for_each(Tlb::flush_non_global);
    }

    pub fn mark_code_page(&mut self, phys_page: u64) {
        self.tlbs
            .iter_mut()
            .for_each(|tlb| tlb.mark_code_page(phys_page));
    }

    pub fn unmark_code_page(&mut self, phys_page: u64) {
        self.tlbs
            .iter_mut()
            .for_each(|tlb| tlb.unmark_code_page(phys_page));
    }
}

#[cfg(test)]
mod tests;

//! The stage-1 translation table walk for the EL1&0 regime (Arm ARM D8.2-D8.4).

use super::fault::{Fault, FaultKind};
use super::regs::{pa_range_bits, RangeParams, TranslationRegs, VaRange, MAX_TXSZ, MIN_TXSZ};
use super::{Access, AccessKind, ExceptionLevel, PhysMemory};

/// What each exception level may do with a mapping, after AP, APTable, UXN/PXN (and their
/// table forms) and WXN are combined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    pub el0_read: bool,
    pub el0_write: bool,
    pub el0_exec: bool,
    pub el1_read: bool,
    pub el1_write: bool,
    pub el1_exec: bool,
}

impl Permissions {
    /// Everything allowed: stage 1 disabled.
    const ALL: Permissions = Permissions {
        el0_read: true,
        el0_write: true,
        el0_exec: true,
        el1_read: true,
        el1_write: true,
        el1_exec: true,
    };

    /// (read, write, execute) at `el`.
    pub fn at(&self, el: ExceptionLevel) -> (bool, bool, bool) {
        match el {
            ExceptionLevel::El0 => (self.el0_read, self.el0_write, self.el0_exec),
            ExceptionLevel::El1 => (self.el1_read, self.el1_write, self.el1_exec),
        }
    }

    pub fn allows(&self, access: Access) -> bool {
        let (read, write, exec) = self.at(access.el);
        match access.kind {
            AccessKind::Read => read,
            AccessKind::Write => write,
            AccessKind::Fetch => exec,
        }
    }
}

/// A successful translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The physical address of the accessed byte.
    pub pa: u64,
    /// log2 of the size of the mapping (page or block) that translated it: a TLB entry for
    /// any 4 KiB piece of it must be invalidated by a TLBI naming any address inside it.
    pub size_shift: u32,
    /// The level of the leaf descriptor (3 for pages); meaningless with the MMU off.
    pub level: u8,
    pub permissions: Permissions,
    /// `Some(asid)` when the leaf had nG = 1: the translation is only valid for that ASID.
    /// `None`: global.
    pub asid: Option<u16>,
    /// The descriptor's AttrIndx and the MAIR_EL1 byte it selects (memory type; caches are
    /// not modelled, but `AT` reports it and device memory may matter to callers).
    pub attr_index: u8,
    pub mair_attr: u8,
    /// The descriptor's SH[1:0] field.
    pub shareability: u8,
}

/// Descriptor fields (Arm ARM D8.3).
mod desc {
    pub const VALID: u64 = 1 << 0;
    /// Bit 1 at levels 0-2: table (1) or block (0). At level 3 it must be 1 (page).
    pub const TABLE_OR_PAGE: u64 = 1 << 1;
    pub const ATTR_INDEX_SHIFT: u32 = 2;
    pub const AP_SHIFT: u32 = 6;
    pub const SH_SHIFT: u32 = 8;
    pub const AF: u64 = 1 << 10;
    pub const NG: u64 = 1 << 11;
    pub const PXN: u64 = 1 << 53;
    pub const UXN: u64 = 1 << 54;
    pub const PXN_TABLE: u64 = 1 << 59;
    pub const UXN_TABLE: u64 = 1 << 60;
    /// APTable[0]: no EL0 access at later levels.
    pub const AP_TABLE_NO_EL0: u64 = 1 << 61;
    /// APTable[1]: no write access at later levels.
    pub const AP_TABLE_READ_ONLY: u64 = 1 << 62;
    /// Output address / next-level table address bits without 52-bit PA: [47:granule].
    pub const ADDRESS_TOP: u32 = 48;
}

/// Bits [hi:lo] set.
const fn bit_range(hi: u32, lo: u32) -> u64 {
    (u64::MAX >> (63 - hi)) & (u64::MAX << lo)
}

/// Translates `va` for `access` in the EL1&0 stage-1 regime described by `regs`.
pub fn translate(
    regs: &TranslationRegs,
    mem: &impl PhysMemory,
    va: u64,
    access: Access,
) -> Result<Translation, Fault> {
    if !regs.mmu_enabled() {
        return translate_mmu_off(regs, va, access);
    }
    let fault = |kind, level| Fault::new(kind, level, va, access);

    let range = regs.range_of(va);
    let params = regs.range_params(range);
    // Out-of-range TxSZ is IMPLEMENTATION DEFINED: either clamped or a level-0 Translation
    // fault. Faulting is the choice that makes a misconfigured kernel visible.
    if !(MIN_TXSZ..=MAX_TXSZ).contains(&params.txsz) {
        return Err(fault(FaultKind::Translation, 0));
    }
    let input_bits = 64 - params.txsz as u32;
    if !va_in_range(va, &params, input_bits) || params.walks_disabled {
        return Err(fault(FaultKind::Translation, 0));
    }

    let granule = params.granule;
    let page_shift = granule.page_shift();
    let stride = granule.stride();
    let output_bits = regs.output_bits();
    let start_level = granule.start_level(input_bits);

    // The TTBR base must be aligned to the start table's size; the low BADDR bits are
    // treated as zero (one of the CONSTRAINED UNPREDICTABLE choices, QEMU's too). Bit 0 is CnP.
    let start_lsb = page_shift + stride * (3 - start_level);
    let start_table_bits = input_bits - start_lsb;
    let table_align = (start_table_bits + 3).max(6);
    let ttbr_base = params.ttbr & bit_range(desc::ADDRESS_TOP - 1, 1);
    if ttbr_base >> output_bits != 0 {
        return Err(fault(FaultKind::AddressSize, 0));
    }
    let mut table = ttbr_base & bit_range(desc::ADDRESS_TOP - 1, table_align);

    // Hierarchical controls gathered from the table descriptors on the way down.
    let mut ap_table_no_el0 = false;
    let mut ap_table_read_only = false;
    let mut uxn_table = false;
    let mut pxn_table = false;

    let mut level = start_level;
    loop {
        let lsb = page_shift + stride * (3 - level);
        let index_bits = (input_bits - lsb).min(stride);
        let index = (va >> lsb) & ((1u64 << index_bits) - 1);
        let descriptor_pa = table + index * 8;
        let raw = mem
            .read_phys_u64(descriptor_pa)
            .ok_or_else(|| fault(FaultKind::ExternalAbortOnWalk, level))?;
        let descriptor = if regs.big_endian_walks() {
            raw.swap_bytes()
        } else {
            raw
        };

        if descriptor & desc::VALID == 0 {
            return Err(fault(FaultKind::Translation, level));
        }
        let is_table_or_page = descriptor & desc::TABLE_OR_PAGE != 0;

        if level < 3 && is_table_or_page {
            let next = descriptor & bit_range(desc::ADDRESS_TOP - 1, page_shift);
            if next >> output_bits != 0 {
                return Err(fault(FaultKind::AddressSize, level));
            }
            ap_table_no_el0 |= descriptor & desc::AP_TABLE_NO_EL0 != 0;
            ap_table_read_only |= descriptor & desc::AP_TABLE_READ_ONLY != 0;
            uxn_table |= descriptor & desc::UXN_TABLE != 0;
            pxn_table |= descriptor & desc::PXN_TABLE != 0;
            table = next;
            level += 1;
            continue;
        }

        // A leaf: a page at level 3, a block above it (where the granule allows one).
        // Level-3 descriptors with bit 1 clear are reserved and fault like invalid ones.
        if (level == 3 && !is_table_or_page) || (level < 3 && !granule.block_allowed(level)) {
            return Err(fault(FaultKind::Translation, level));
        }
        let output_base = descriptor & bit_range(desc::ADDRESS_TOP - 1, lsb);
        if output_base >> output_bits != 0 {
            return Err(fault(FaultKind::AddressSize, level));
        }
        if descriptor & desc::AF == 0 {
            return Err(fault(FaultKind::AccessFlag, level));
        }

        let permissions = leaf_permissions(
            descriptor,
            ap_table_no_el0,
            ap_table_read_only,
            uxn_table,
            pxn_table,
            regs.write_implies_xn(),
        );
        if !permissions.allows(access) {
            return Err(fault(FaultKind::Permission, level));
        }

        let attr_index = ((descriptor >> desc::ATTR_INDEX_SHIFT) & 7) as u8;
        let asid = (descriptor & desc::NG != 0).then(|| regs.current_asid());
        return Ok(Translation {
            pa: output_base | (va & bit_range(lsb - 1, 0)),
            size_shift: lsb,
            level: level as u8,
            permissions,
            asid,
            attr_index,
            mair_attr: regs.mair_attr(attr_index),
            shareability: ((descriptor >> desc::SH_SHIFT) & 3) as u8,
        });
    }
}

/// Whether VA[top:input_bits] all equal the range's select bit (0 for TTBR0, 1 for TTBR1),
/// where `top` is 55 when the top byte is a tag and 63 otherwise. VAs in the gap between
/// the two ranges fail this and take a level-0 Translation fault.
fn va_in_range(va: u64, params: &RangeParams, input_bits: u32) -> bool {
    let top = if params.top_byte_ignored { 55 } else { 63 };
    let checked = va & bit_range(top, input_bits);
    match params.range {
        VaRange::Lower => checked == 0,
        VaRange::Upper => checked == bit_range(top, input_bits),
    }
}

/// Stage 1 disabled: VA = PA (with the tag removed when TBI applies), all accesses allowed,
/// but a VA beyond the implemented PA size is a level-0 Address size fault. Memory is
/// Device-nGnRnE for data (MAIR byte 0), which `AT` reports and which makes unaligned data
/// accesses fault.
fn translate_mmu_off(
    regs: &TranslationRegs,
    va: u64,
    access: Access,
) -> Result<Translation, Fault> {
    let pa_bits = pa_range_bits();
    let top = if regs.top_byte_ignored(va) { 55 } else { 63 };
    if va & bit_range(top, pa_bits) != 0 {
        return Err(Fault::new(FaultKind::AddressSize, 0, va, access));
    }
    Ok(Translation {
        pa: va & bit_range(pa_bits - 1, 0),
        size_shift: 12,
        level: 0,
        permissions: Permissions::ALL,
        asid: None,
        attr_index: 0,
        mair_attr: 0,
        shareability: 0,
    })
}

/// Combines a leaf descriptor's AP[2:1], UXN, PXN with the hierarchical table controls and
/// SCTLR_EL1.WXN (Arm ARM D8.4, "Memory access control").
fn leaf_permissions(
    descriptor: u64,
    ap_table_no_el0: bool,
    ap_table_read_only: bool,
    uxn_table: bool,
    pxn_table: bool,
    write_implies_xn: bool,
) -> Permissions {
    let ap = (descriptor >> desc::AP_SHIFT) & 3;
    // AP[1]: EL0 has access; AP[2]: read-only. APTable can only take permissions away.
    let el0_access = ap & 1 != 0 && !ap_table_no_el0;
    let read_only = ap & 2 != 0 || ap_table_read_only;

    let el1_read = true;
    let el1_write = !read_only;
    let el0_read = el0_access;
    let el0_write = el0_access && !read_only;

    // EL0 execute does not need EL0 read permission (execute-only memory: AP = 0b00,
    // UXN = 0). EL1 never executes memory EL0 can write, whatever PXN says.
    let el0_never_exec =
        descriptor & desc::UXN != 0 || uxn_table || (write_implies_xn && el0_write);
    let el1_never_exec =
        descriptor & desc::PXN != 0 || pxn_table || (write_implies_xn && el1_write) || el0_write;
    let el0_exec = !el0_never_exec;
    let el1_exec = !el1_never_exec;

    Permissions {
        el0_read,
        el0_write,
        el0_exec,
        el1_read,
        el1_write,
        el1_exec,
    }
}

impl Translation {
    /// The softmmu TLB entry for this translation of `va`, for accesses checked at `el`.
    /// `backing` and `holds_code` come from the board's view of the physical address.
    pub fn tlb_fill(
        &self,
        va: u64,
        el: ExceptionLevel,
        backing: emu_core::softmmu::Backing,
        holds_code: bool,
    ) -> emu_core::softmmu::TlbFill {
        let check_alignment = self.is_device_memory();
        let (readable, writable, executable) = self.permissions.at(el);
        emu_core::softmmu::TlbFill {
            va,
            pa: self.pa,
            size_shift: self.size_shift,
            readable,
            writable,
            executable,
            asid: self.asid,
            backing,
            holds_code,
            check_alignment,
        }
    }

    /// Whether the memory type is Device (MAIR attribute 0b0000dd00), where unaligned data
    /// accesses take an Alignment fault. With the MMU off, data accesses are Device-nGnRnE.
    pub fn is_device_memory(&self) -> bool {
        self.mair_attr & 0xf0 == 0
    }
}

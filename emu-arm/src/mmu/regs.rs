//! The system registers that control EL1&0 stage-1 translation, and the per-VA-range
//! parameters derived from them.

use crate::features::ID_AA64MMFR0_EL1;

/// The register values the walk depends on. A copy is cheap; system mode keeps them in
/// `CpuState` and rebuilds this on a TLB miss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TranslationRegs {
    pub sctlr_el1: u64,
    pub tcr_el1: u64,
    pub ttbr0_el1: u64,
    pub ttbr1_el1: u64,
    pub mair_el1: u64,
}

pub(crate) mod sctlr {
    /// Stage-1 MMU enable.
    pub const M: u64 = 1 << 0;
    /// Write permission implies XN (never executable).
    pub const WXN: u64 = 1 << 19;
    /// Table walks at EL1&0 are big-endian.
    pub const EE: u64 = 1 << 25;
}

/// A translation granule: the page size, and the size of every table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granule {
    K4,
    K16,
    K64,
}

impl Granule {
    /// log2 of the page size; also log2 of a table's size in bytes.
    pub const fn page_shift(self) -> u32 {
        match self {
            Granule::K4 => 12,
            Granule::K16 => 14,
            Granule::K64 => 16,
        }
    }

    /// VA bits resolved per level (a table holds 2^stride eight-byte descriptors).
    pub const fn stride(self) -> u32 {
        self.page_shift() - 3
    }

    /// Whether a block descriptor is allowed at `level` (without FEAT_LPA/LPA2: 4 KiB blocks
    /// at levels 1 and 2, 16 KiB and 64 KiB blocks at level 2 only).
    pub const fn block_allowed(self, level: u32) -> bool {
        match self {
            Granule::K4 => level == 1 || level == 2,
            Granule::K16 | Granule::K64 => level == 2,
        }
    }

    /// TCR_EL1.TG0 encoding: 0 = 4K, 1 = 64K, 2 = 16K. The reserved value 3 behaves as an
    /// IMPLEMENTATION DEFINED choice of a supported size; like QEMU we choose 4 KiB.
    pub const fn from_tg0(tg0: u64) -> Granule {
        match tg0 & 3 {
            1 => Granule::K64,
            2 => Granule::K16,
            _ => Granule::K4,
        }
    }

    /// TCR_EL1.TG1 encoding (different from TG0!): 1 = 16K, 2 = 4K, 3 = 64K; the reserved
    /// value 0 is treated as 4 KiB.
    pub const fn from_tg1(tg1: u64) -> Granule {
        match tg1 & 3 {
            1 => Granule::K16,
            3 => Granule::K64,
            _ => Granule::K4,
        }
    }

    /// The level the walk starts at for an input address of `input_bits` bits (25..=48
    /// without FEAT_LVA/FEAT_TTST; other sizes saturate at levels 0 and 3): each level
    /// below 3 resolves `stride` more bits above the page offset.
    pub const fn start_level(self, input_bits: u32) -> u32 {
        let bits_above_page = input_bits.saturating_sub(self.page_shift());
        let levels = bits_above_page.div_ceil(self.stride());
        if levels > 4 {
            0
        } else if levels == 0 {
            3
        } else {
            4 - levels
        }
    }
}

/// TxSZ limits without FEAT_LVA (minimum) and FEAT_TTST (maximum).
pub(crate) const MIN_TXSZ: u64 = 16;
pub(crate) const MAX_TXSZ: u64 = 39;

/// The physical address size this CPU implements (ID_AA64MMFR0_EL1.PARange).
pub(crate) fn pa_range_bits() -> u32 {
    pa_size_bits(ID_AA64MMFR0_EL1 & 0xf)
}

/// Decodes a PARange / IPS value. 52 bits (6) needs FEAT_LPA, which we do not have; it and the
/// reserved value 7 are capped to 48 bits, the largest size we implement.
pub(crate) const fn pa_size_bits(encoding: u64) -> u32 {
    match encoding {
        0 => 32,
        1 => 36,
        2 => 40,
        3 => 42,
        4 => 44,
        _ => 48,
    }
}

/// Which translation table base register translates a VA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VaRange {
    /// TTBR0_EL1: VA[55] = 0.
    Lower,
    /// TTBR1_EL1: VA[55] = 1.
    Upper,
}

/// Everything the walk needs about one VA range, decoded from TCR_EL1 and TTBRx_EL1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RangeParams {
    pub range: VaRange,
    pub granule: Granule,
    pub txsz: u64,
    /// EPDx: a TLB miss in this range is a Translation fault instead of a walk.
    pub walks_disabled: bool,
    /// TBIx: VA[63:56] is ignored (a tag) for data and instruction addresses.
    pub top_byte_ignored: bool,
    pub ttbr: u64,
}

pub(crate) mod tcr {
    pub const EPD0: u64 = 1 << 7;
    pub const A1: u64 = 1 << 22;
    pub const EPD1: u64 = 1 << 23;
    pub const AS: u64 = 1 << 36;
    pub const TBI0: u64 = 1 << 37;
    pub const TBI1: u64 = 1 << 38;
}

impl TranslationRegs {
    pub(crate) fn mmu_enabled(&self) -> bool {
        self.sctlr_el1 & sctlr::M != 0
    }

    pub(crate) fn write_implies_xn(&self) -> bool {
        self.sctlr_el1 & sctlr::WXN != 0
    }

    pub(crate) fn big_endian_walks(&self) -> bool {
        self.sctlr_el1 & sctlr::EE != 0
    }

    /// The VA range `va` belongs to: VA[55] decides in the two-range EL1&0 regime, whether
    /// or not the top byte is a tag.
    pub(crate) fn range_of(&self, va: u64) -> VaRange {
        if va & (1 << 55) != 0 {
            VaRange::Upper
        } else {
            VaRange::Lower
        }
    }

    pub(crate) fn range_params(&self, range: VaRange) -> RangeParams {
        let tcr = self.tcr_el1;
        match range {
            VaRange::Lower => RangeParams {
                range,
                granule: Granule::from_tg0((tcr >> 14) & 3),
                txsz: tcr & 0x3f,
                walks_disabled: tcr & tcr::EPD0 != 0,
                top_byte_ignored: tcr & tcr::TBI0 != 0,
                ttbr: self.ttbr0_el1,
            },
            VaRange::Upper => RangeParams {
                range,
                granule: Granule::from_tg1((tcr >> 30) & 3),
                txsz: (tcr >> 16) & 0x3f,
                walks_disabled: tcr & tcr::EPD1 != 0,
                top_byte_ignored: tcr & tcr::TBI1 != 0,
                ttbr: self.ttbr1_el1,
            },
        }
    }

    /// Whether the top byte of `va` is a tag (TBI0 or TBI1, chosen by VA[55]).
    pub fn top_byte_ignored(&self, va: u64) -> bool {
        self.range_params(self.range_of(va)).top_byte_ignored
    }

    /// The output address size of the walk: TCR_EL1.IPS, capped at PARange.
    pub(crate) fn output_bits(&self) -> u32 {
        pa_size_bits((self.tcr_el1 >> 32) & 7).min(pa_range_bits())
    }

    /// The current ASID: from TTBR1 when TCR.A1 is set, else TTBR0; 8 bits unless TCR.AS.
    pub fn current_asid(&self) -> u16 {
        let ttbr = if self.tcr_el1 & tcr::A1 != 0 {
            self.ttbr1_el1
        } else {
            self.ttbr0_el1
        };
        let asid = (ttbr >> 48) as u16;
        if self.tcr_el1 & tcr::AS != 0 {
            asid
        } else {
            asid & 0xff
        }
    }

    /// The MAIR_EL1 attribute byte selected by a descriptor's AttrIndx.
    pub(crate) fn mair_attr(&self, attr_index: u8) -> u8 {
        (self.mair_el1 >> (8 * u32::from(attr_index & 7))) as u8
    }
}

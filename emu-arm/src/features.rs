//! What this CPU implements, in one place: the ID register values that `MRS` reads and the
//! Linux `AT_HWCAP` bits that user mode advertises. They must describe exactly what the
//! decoder and semantics implement (an advertised feature that UNDEFs breaks real programs;
//! an unadvertised one is merely slower). Change them together with the instructions.

/// MIDR_EL1: implementer 0 ("reserved for software use", as an emulator honestly is),
/// architecture 0xF (see the ID registers), part 0x051, revision 0.
pub const MIDR_EL1: u64 = 0x000F_0510;
/// MPIDR_EL1 for CPU 0 (bit 31 is RES1).
pub const MPIDR_EL1: u64 = 0x8000_0000;
/// REVIDR_EL1.
pub const REVIDR_EL1: u64 = 0;

/// ID_AA64PFR0_EL1: EL0 and EL1 AArch64-only (1), FP and AdvSIMD implemented (0).
pub const ID_AA64PFR0_EL1: u64 = 0x11;
pub const ID_AA64PFR1_EL1: u64 = 0;
/// ID_AA64ISAR0_EL1: AES with PMULL 1Q (bits 7:4 = 2), SHA1 (bits 11:8 = 1), SHA256 and
/// SHA512 (bits 15:12 = 2), CRC32 (bits 19:16 = 1), LSE atomics (bits 23:20 = 2),
/// SQRDMLAH/SQRDMLSH (RDM, bits 31:28 = 1), EOR3/BCAX/RAX1/XAR (SHA3, bits 35:32 = 1) and
/// SDOT/UDOT (DP, bits 47:44 = 1). SM3/SM4 (bits 39:36, 43:40) are not implemented.
pub const ID_AA64ISAR0_EL1: u64 =
    (2 << 4) | (1 << 8) | (2 << 12) | (1 << 16) | (2 << 20) | (1 << 28) | (1 << 32) | (1 << 44);
/// ID_AA64ISAR1_EL1: FJCVTZS (JSCVT, bits 15:12 = 1) and FRINT32*/FRINT64* (FRINTTS,
/// bits 35:32 = 1).
pub const ID_AA64ISAR1_EL1: u64 = (1 << 12) | (1 << 32);
/// ID_AA64MMFR0_EL1: 48-bit PA (5), 16-bit ASID (2 << 4), 4 KiB granule (TGran4 = 0),
/// 16 KiB granule (TGran16 = 1 << 20) and 64 KiB granule (TGran64 = 0).
pub const ID_AA64MMFR0_EL1: u64 = 5 | (2 << 4) | (1 << 20);
pub const ID_AA64MMFR1_EL1: u64 = 0;
pub const ID_AA64MMFR2_EL1: u64 = 0;
pub const ID_AA64DFR0_EL1: u64 = 0x6;
pub const ID_AA64DFR1_EL1: u64 = 0;
pub const ID_AA64ZFR0_EL1: u64 = 0;

/// CTR_EL0: IminLine = DminLine = 64 bytes, VIPT I-cache, CWG = ERG = 64 bytes,
/// IDC = DIC = 0 (software must clean and invalidate, so `IC IVAU` reliably tells us that
/// code changed).
pub const CTR_EL0: u64 = 0x8444_c004;
/// DCZID_EL0: `DC ZVA` zeroes 64 bytes (BS = 4 words log2), permitted (DZP = 0).
pub const DCZID_EL0: u64 = 4;
/// CNTFRQ_EL0: the virtual counter ticks at 1 GHz (one tick per host nanosecond).
pub const CNTFRQ_EL0: u64 = 1_000_000_000;

/// Linux `AT_HWCAP` bits (arch/arm64/include/uapi/asm/hwcap.h).
pub mod hwcap {
    pub const FP: u64 = 1 << 0;
    pub const ASIMD: u64 = 1 << 1;
    pub const EVTSTRM: u64 = 1 << 2;
    pub const AES: u64 = 1 << 3;
    pub const PMULL: u64 = 1 << 4;
    pub const SHA1: u64 = 1 << 5;
    pub const SHA2: u64 = 1 << 6;
    pub const CRC32: u64 = 1 << 7;
    pub const ATOMICS: u64 = 1 << 8;
    pub const FPHP: u64 = 1 << 9;
    pub const ASIMDHP: u64 = 1 << 10;
    /// EL0 may read the ID registers (the kernel emulates `MRS` of them).
    pub const CPUID: u64 = 1 << 11;
    pub const ASIMDRDM: u64 = 1 << 12;
    pub const JSCVT: u64 = 1 << 13;
    pub const SHA3: u64 = 1 << 17;
    pub const ASIMDDP: u64 = 1 << 20;
    pub const SHA512: u64 = 1 << 21;
}

/// What user mode advertises in `AT_HWCAP`.
pub const USER_HWCAP: u64 = hwcap::FP
    | hwcap::ASIMD
    | hwcap::AES
    | hwcap::PMULL
    | hwcap::SHA1
    | hwcap::SHA2
    | hwcap::CRC32
    | hwcap::ATOMICS
    | hwcap::CPUID
    | hwcap::ASIMDRDM
    | hwcap::JSCVT
    | hwcap::SHA3
    | hwcap::ASIMDDP
    | hwcap::SHA512;
/// Linux `AT_HWCAP2` bits.
pub mod hwcap2 {
    pub const FRINT: u64 = 1 << 8;
}

/// What user mode advertises in `AT_HWCAP2`.
pub const USER_HWCAP2: u64 = hwcap2::FRINT;

/// System mode: ID_AA64PFR0_EL1 as EL1 reads it. As in user mode (EL0 and EL1 AArch64
/// only, no EL2/EL3, FP and AdvSIMD), plus GIC = 1 when the board's interrupt controller
/// has the GICv3 system-register interface, CSV2 = 3 (FEAT_CSV2_3: branch targets and
/// branch history cannot leak between contexts; SCXTNUM_ELx not implemented) and CSV3 = 1
/// (no Meltdown-style leaks): an emulator does not speculate at all, and Linux rightly
/// skips those mitigations (KPTI when not forced by KASLR, Spectre-v2/BHB hardening).
pub const fn system_id_aa64pfr0(gic_sysregs: bool) -> u64 {
    let gic = if gic_sysregs { 1 << 24 } else { 0 };
    ID_AA64PFR0_EL1 | gic | (3 << 56) | (1 << 60)
}

/// CLIDR_EL1 (system mode): L1 separate instruction and data caches, L2 unified; LoUIS =
/// LoUU = 1, LoC = 2. The caches are not modelled (memory is coherent); the shape is
/// Cortex-A57's, so cache-geometry readers (Linux cacheinfo) see something plausible.
pub const CLIDR_EL1: u64 = 0x0a20_0023;
/// CCSIDR_EL1 for CSSELR_EL1 = 0 (L1 data: 32 KiB, 2-way, 64-byte lines), 1 (L1
/// instruction: 48 KiB, 3-way, 64-byte lines), 2 (L2: 2 MiB, 16-way, 64-byte lines);
/// Cortex-A57's values. Other selections read 0.
pub const CCSIDR_EL1: [u64; 3] = [0x701f_e00a, 0x201f_e012, 0x70ff_e07a];

/// System mode: CTR_EL0 with IDC = 1 (bit 28) and DIC = 1 (bit 29). Neither data-cache
/// cleaning nor instruction-cache invalidation is needed for instruction fetches to see
/// stores: there are no caches, and the softmmu drops the translations of any physical
/// page that is written. (User mode keeps DIC = 0: there, `IC IVAU` is how we learn that
/// code changed.) Linux then skips the DC CVAU/IC IVAU loops on every executable page.
pub const SYSTEM_CTR_EL0: u64 = CTR_EL0 | (1 << 28) | (1 << 29);

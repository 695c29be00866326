//! Loads and stores (Arm ARM C4.1.88): ARMv8.0 plus the v8.1 LSE atomics.
//!
//! The table sorts words into addressing forms; the helpers below ([`reg_xfer`],
//! [`pair_xfer`], [`multi_layout`], [`single_layout`]) turn the size/opc/V bits into what
//! is transferred. They are shared by the table's validity checks and by the semantics, so
//! "decodes" and "has a meaning" cannot disagree. Everything not listed (memory tagging,
//! pointer authentication loads, LS64, MOPS) is Undefined.

mod disas;
pub use disas::disas;

use super::{bit, bits, pat, pat_if, scan, Pat};

operations! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Op {
        /// LDR (literal) to W/X/S/D/Q, LDRSW (literal).
        LoadLiteral,
        /// PRFM (literal): a hint, no access.
        PrefetchLiteral,
        /// `[Xn|SP, #imm12 << scale]`: LDR/STR/LDRB/.../LDRSW and B/H/S/D/Q, PRFM.
        UnsignedImm,
        /// `[Xn|SP, #simm9]`: LDUR/STUR and friends, PRFUM.
        Unscaled,
        /// `[Xn|SP], #simm9`.
        PostIndex,
        /// `[Xn|SP, #simm9]!`.
        PreIndex,
        /// LDTR/STTR and friends: at EL0 exactly the unscaled form.
        Unprivileged,
        /// `[Xn|SP, Rm{, extend {#amount}}]`, PRFM (register).
        RegOffset,
        /// LDP/STP/LDPSW/LDNP/STNP of X/W/S/D/Q registers, every addressing form.
        Pair,
        /// STXR/STLXR (all sizes).
        StoreExclusive,
        /// LDXR/LDAXR (all sizes).
        LoadExclusive,
        /// STXP/STLXP (32- and 64-bit pairs).
        StoreExclusivePair,
        /// LDXP/LDAXP (32- and 64-bit pairs).
        LoadExclusivePair,
        /// STLR/STLLR (all sizes).
        StoreRelease,
        /// LDAR/LDLAR (all sizes).
        LoadAcquire,
        /// CAS/CASA/CASL/CASAL (all sizes).
        Cas,
        /// CASP/CASPA/CASPL/CASPAL (32- and 64-bit pairs).
        Casp,
        /// LDADD/LDCLR/LDEOR/LDSET/LDSMAX/LDSMIN/LDUMAX/LDUMIN (and the ST* aliases), SWP.
        AtomicRmw,
        /// LDAPR/LDAPRB/LDAPRH (RCpc: implemented as the stronger LDAR; QEMU has them too).
        LoadAcquirePc,
        /// LDAPUR*/STLUR* (RCpc with an unscaled immediate offset).
        OrderedUnscaled,
        /// LD1–LD4/ST1–ST4 (multiple structures), offset and post-index forms.
        SimdMultiple,
        /// LD1–LD4/ST1–ST4 (single structure) and LD1R–LD4R, offset and post-index forms.
        SimdSingle,
    }
}

pub static TABLE: &[Pat<Op>] = &[
    // Advanced SIMD structures.
    pat_if(
        "0 Q:1 0011000 L:1 000000 opcode:4 size:2 Rn:5 Rt:5",
        Op::SimdMultiple,
        |r| multi_layout(r).is_some(),
    ),
    pat_if(
        "0 Q:1 0011001 L:1 0 Rm:5 opcode:4 size:2 Rn:5 Rt:5",
        Op::SimdMultiple,
        |r| multi_layout(r).is_some(),
    ),
    pat_if(
        "0 Q:1 0011010 L:1 R:1 00000 opcode:3 S:1 size:2 Rn:5 Rt:5",
        Op::SimdSingle,
        |r| single_layout(r).is_some(),
    ),
    pat_if(
        "0 Q:1 0011011 L:1 R:1 Rm:5 opcode:3 S:1 size:2 Rn:5 Rt:5",
        Op::SimdSingle,
        |r| single_layout(r).is_some(),
    ),
    // Exclusives, acquire/release and compare-and-swap (size 001000 o2 L o1 Rs o0 Rt2 Rn Rt).
    pat(
        "size:2 001000 o2=0 L=0 o1=0 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5",
        Op::StoreExclusive,
    ),
    pat(
        "size:2 001000 o2=0 L=1 o1=0 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5",
        Op::LoadExclusive,
    ),
    pat(
        "1 sz:1 001000 o2=0 L=0 o1=1 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5",
        Op::StoreExclusivePair,
    ),
    pat(
        "1 sz:1 001000 o2=0 L=1 o1=1 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5",
        Op::LoadExclusivePair,
    ),
    // CASP needs even register numbers (odd ones are unallocated).
    pat_if(
        "0 sz:1 001000 o2=0 L:1 o1=1 Rs:5 o0:1 11111 Rn:5 Rt:5",
        Op::Casp,
        |r| bits(r, 16, 16) == 0 && bits(r, 0, 0) == 0,
    ),
    // STLLR/LDLAR (LORegions) behave as STLR/LDAR: without LORegions configured (user
    // mode never configures any) that is exactly their meaning, and QEMU accepts them too.
    // Rs and Rt2 "should be" 11111 for STLR/LDAR; other values are CONSTRAINED
    // UNPREDICTABLE, and like QEMU 7.2 (our oracle) we ignore them.
    pat(
        "size:2 001000 o2=1 L=0 o1=0 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5",
        Op::StoreRelease,
    ),
    pat(
        "size:2 001000 o2=1 L=1 o1=0 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5",
        Op::LoadAcquire,
    ),
    pat(
        "size:2 001000 o2=1 L:1 o1=1 Rs:5 o0:1 11111 Rn:5 Rt:5",
        Op::Cas,
    ),
    // Literal loads.
    pat("11 011 V=0 00 imm19:19 Rt:5", Op::PrefetchLiteral),
    pat_if("opc:2 011 V:1 00 imm19:19 Rt:5", Op::LoadLiteral, |r| {
        bits(r, 31, 30) != 0b11
    }),
    // Register pairs (opc 101 V 0 type L imm7 Rt2 Rn Rt; type 00 no-allocate, 01 post,
    // 10 offset, 11 pre).
    pat_if(
        "opc:2 101 V:1 0 type:2 L:1 imm7:7 Rt2:5 Rn:5 Rt:5",
        Op::Pair,
        |r| pair_xfer(r).is_some(),
    ),
    // Single registers.
    pat_if(
        "size:2 111 V:1 01 opc:2 imm12:12 Rn:5 Rt:5",
        Op::UnsignedImm,
        |r| reg_xfer(r).is_some(),
    ),
    pat_if(
        "size:2 111 V:1 00 opc:2 0 imm9:9 00 Rn:5 Rt:5",
        Op::Unscaled,
        |r| reg_xfer(r).is_some(),
    ),
    pat_if(
        "size:2 111 V:1 00 opc:2 0 imm9:9 01 Rn:5 Rt:5",
        Op::PostIndex,
        |r| matches!(reg_xfer(r), Some(x) if x != Xfer::Prefetch),
    ),
    pat_if(
        "size:2 111 V=0 00 opc:2 0 imm9:9 10 Rn:5 Rt:5",
        Op::Unprivileged,
        |r| matches!(reg_xfer(r), Some(x) if x != Xfer::Prefetch),
    ),
    pat_if(
        "size:2 111 V:1 00 opc:2 0 imm9:9 11 Rn:5 Rt:5",
        Op::PreIndex,
        |r| matches!(reg_xfer(r), Some(x) if x != Xfer::Prefetch),
    ),
    // option<1> = 0 (UXTB/UXTH/SXTB/SXTH) is unallocated for addressing.
    pat_if(
        "size:2 111 V:1 00 opc:2 1 Rm:5 option:3 S:1 10 Rn:5 Rt:5",
        Op::RegOffset,
        |r| bit(r, 14) && reg_xfer(r).is_some(),
    ),
    // Atomic memory operations: o3=0 is the LD<op> family, o3=1 opc=000 is SWP, and
    // o3=1 opc=100 with A=1 R=0 Rs=11111 is LDAPR.
    pat(
        "size:2 111 V=0 00 A:1 R:1 1 Rs:5 o3=0 opc:3 00 Rn:5 Rt:5",
        Op::AtomicRmw,
    ),
    pat(
        "size:2 111 V=0 00 A:1 R:1 1 Rs:5 o3=1 opc=000 00 Rn:5 Rt:5",
        Op::AtomicRmw,
    ),
    pat(
        "size:2 111 V=0 00 A=1 R=0 1 11111 o3=1 opc=100 00 Rn:5 Rt:5",
        Op::LoadAcquirePc,
    ),
    // LDAPUR*/STLUR* (RCpc, unscaled offset): the same size/opc meanings as the ordinary
    // unscaled forms, without prefetch.
    pat_if(
        "size:2 011001 opc:2 0 imm9:9 00 Rn:5 Rt:5",
        Op::OrderedUnscaled,
        |r| matches!(reg_xfer(r), Some(x) if x != Xfer::Prefetch),
    ),
];

pub fn decode(raw: u32) -> Option<Op> {
    scan(TABLE, raw)
}

/// How a loaded general-register value is extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ext {
    /// Zero-extended into X (also the W forms: W writes zero the top half).
    Zero,
    /// Sign-extended to 32 bits, then zero-extended into X (LDRSB/LDRSH Wt).
    Sign32,
    /// Sign-extended to 64 bits (LDRSB/LDRSH/LDRSW Xt).
    Sign64,
}

/// What one single-register load or store moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Xfer {
    /// Store the low `bytes` of Xt (31 = XZR).
    Store { bytes: u8 },
    /// Load `bytes` into Xt (31 = XZR), extended as `ext`.
    Load { bytes: u8, ext: Ext },
    /// Store the low `bytes` (1..=16) of Vt.
    StoreV { bytes: u8 },
    /// Load `bytes` (1..=16) into Vt, zeroing the rest of the register.
    LoadV { bytes: u8 },
    /// PRFM/PRFUM: a hint; no access, no fault.
    Prefetch,
}

impl Xfer {
    pub fn bytes(self) -> u8 {
        match self {
            Xfer::Store { bytes }
            | Xfer::Load { bytes, .. }
            | Xfer::StoreV { bytes }
            | Xfer::LoadV { bytes } => bytes,
            // PRFM scales its offset like an 8-byte access.
            Xfer::Prefetch => 8,
        }
    }
    /// log2 of the access size: the scale of the unsigned and register offsets.
    pub fn scale(self) -> u32 {
        self.bytes().trailing_zeros()
    }
}

/// The transfer of the single-register forms (size = bits 31:30, V = bit 26,
/// opc = bits 23:22); `None` for unallocated combinations.
pub fn reg_xfer(raw: u32) -> Option<Xfer> {
    let size = bits(raw, 31, 30);
    let opc = bits(raw, 23, 22);
    let bytes = 1u8 << size;
    Some(if bit(raw, 26) {
        match (size, opc) {
            (_, 0) => Xfer::StoreV { bytes },
            (_, 1) => Xfer::LoadV { bytes },
            (0, 2) => Xfer::StoreV { bytes: 16 },
            (0, 3) => Xfer::LoadV { bytes: 16 },
            _ => return None,
        }
    } else {
        match (size, opc) {
            (_, 0) => Xfer::Store { bytes },
            (_, 1) => Xfer::Load {
                bytes,
                ext: Ext::Zero,
            },
            (0 | 1, 3) => Xfer::Load {
                bytes,
                ext: Ext::Sign32,
            },
            (0..=2, 2) => Xfer::Load {
                bytes,
                ext: Ext::Sign64,
            },
            (3, 2) => Xfer::Prefetch,
            _ => return None,
        }
    })
}

/// The transfer of LDR (literal) (opc = bits 31:30, V = bit 26). PRFM has its own line.
pub fn literal_xfer(raw: u32) -> Option<Xfer> {
    let opc = bits(raw, 31, 30);
    Some(match (bit(raw, 26), opc) {
        (false, 0) => Xfer::Load {
            bytes: 4,
            ext: Ext::Zero,
        },
        (false, 1) => Xfer::Load {
            bytes: 8,
            ext: Ext::Zero,
        },
        (false, 2) => Xfer::Load {
            bytes: 4,
            ext: Ext::Sign64,
        },
        (true, 0..=2) => Xfer::LoadV { bytes: 4 << opc },
        _ => return None,
    })
}

/// The per-register transfer of a pair instruction (each of the two registers moves
/// `bytes()`); `None` for unallocated combinations.
pub fn pair_xfer(raw: u32) -> Option<Xfer> {
    let opc = bits(raw, 31, 30);
    let load = bit(raw, 22);
    let kind = bits(raw, 24, 23);
    if bit(raw, 26) {
        if opc == 3 {
            return None;
        }
        let bytes = 4 << opc;
        return Some(if load {
            Xfer::LoadV { bytes }
        } else {
            Xfer::StoreV { bytes }
        });
    }
    Some(match (opc, load) {
        (0, false) => Xfer::Store { bytes: 4 },
        (2, false) => Xfer::Store { bytes: 8 },
        (0, true) => Xfer::Load {
            bytes: 4,
            ext: Ext::Zero,
        },
        (2, true) => Xfer::Load {
            bytes: 8,
            ext: Ext::Zero,
        },
        // LDPSW exists in every form but the no-allocate one (STGP with L=0 is MTE).
        (1, true) if kind != 0 => Xfer::Load {
            bytes: 4,
            ext: Ext::Sign64,
        },
        _ => return None,
    })
}

/// Shape of a multiple-structure access (LD1–LD4/ST1–ST4 multiple).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MultiLayout {
    /// How many times the structure pattern repeats over consecutive registers (LD1 with
    /// 2–4 registers), each repetition covering `selem` registers.
    pub rpt: u32,
    /// Elements per structure (= registers interleaved), 1–4.
    pub selem: u32,
    /// Element size in bytes.
    pub ebytes: u32,
    /// Register size in bytes: 8 (Q=0) or 16.
    pub regbytes: u32,
}

impl MultiLayout {
    /// Bytes moved in total (the post-index immediate).
    pub fn total_bytes(&self) -> u32 {
        self.rpt * self.selem * self.regbytes
    }
}

pub fn multi_layout(raw: u32) -> Option<MultiLayout> {
    let (rpt, selem) = match bits(raw, 15, 12) {
        0b0000 => (1, 4),
        0b0010 => (4, 1),
        0b0100 => (1, 3),
        0b0110 => (3, 1),
        0b0111 => (1, 1),
        0b1000 => (1, 2),
        0b1010 => (2, 1),
        _ => return None,
    };
    let size = bits(raw, 11, 10);
    let q = bit(raw, 30);
    // The 1D arrangement exists only for LD1/ST1.
    if size == 3 && !q && selem != 1 {
        return None;
    }
    Some(MultiLayout {
        rpt,
        selem,
        ebytes: 1 << size,
        regbytes: if q { 16 } else { 8 },
    })
}

/// Shape of a single-structure access (one lane, or LDnR replicate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SingleLayout {
    /// Elements per structure (= consecutive registers), 1–4.
    pub selem: u32,
    /// Element size in bytes.
    pub ebytes: u32,
    /// The lane (unused when replicating).
    pub index: u32,
    /// LDnR: load one structure and replicate it into every lane.
    pub replicate: bool,
}

impl SingleLayout {
    pub fn total_bytes(&self) -> u32 {
        self.selem * self.ebytes
    }
}

/// Arm ARM pseudocode of "Advanced SIMD load/store single structure", field by field.
pub fn single_layout(raw: u32) -> Option<SingleLayout> {
    let q = bits(raw, 30, 30);
    let load = bit(raw, 22);
    let r = bits(raw, 21, 21);
    let opcode = bits(raw, 15, 13);
    let s = bits(raw, 12, 12);
    let size = bits(raw, 11, 10);
    let selem = (((opcode & 1) << 1) | r) + 1;
    let (scale, index, replicate) = match opcode >> 1 {
        3 => {
            if !load || s == 1 {
                return None;
            }
            (size, 0, true)
        }
        0 => (0, (q << 3) | (s << 2) | size, false),
        1 => {
            if size & 1 != 0 {
                return None;
            }
            (1, (q << 2) | (s << 1) | (size >> 1), false)
        }
        _ => {
            if size & 2 != 0 {
                return None;
            }
            if size & 1 == 0 {
                (2, (q << 1) | s, false)
            } else {
                if s != 0 {
                    return None;
                }
                (3, q, false)
            }
        }
    };
    Some(SingleLayout {
        selem,
        ebytes: 1 << scale,
        index,
        replicate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_representative_words() {
        let cases: &[(u32, Option<Op>)] = &[
            (0xf9400420, Some(Op::UnsignedImm)),        // ldr x0, [x1, #8]
            (0x3dc00000, Some(Op::UnsignedImm)),        // ldr q0, [x0]
            (0x7dc00000, None),                         // "ldr q0" with size 01: unallocated
            (0xa9ff07e0, Some(Op::Pair)),               // ldp x0, x1, [sp, #-16]!
            (0x68c00440, Some(Op::Pair)),               // ldpsw x0, x1, [x2], #0
            (0x68400440, None),                         // "ldnpsw": unallocated
            (0x4cdf0000, Some(Op::SimdMultiple)),       // ld4 {v0.16b-v3.16b}, [x0], #64
            (0x0c407000, Some(Op::SimdMultiple)),       // ld1 {v0.8b}, [x0]
            (0x4c408c00, Some(Op::SimdMultiple)),       // ld2 {v0.2d, v1.2d}, [x0]
            (0x0c408c00, None),                         // "ld2 {v0.1d, v1.1d}": 1D is LD1-only
            (0x0d40c000, Some(Op::SimdSingle)),         // ld1r {v0.8b}, [x0]
            (0x0d00c000, None),                         // "st1r": replicate is load-only
            (0x88a07c41, Some(Op::Cas)),                // cas w0, w1, [x2]
            (0x48207c82, Some(Op::Casp)),               // casp x0, x1, x2, x3, [x4]
            (0x08207c82, Some(Op::Casp)),               // casp w0, w1, w2, w3, [x4]
            (0x08217c82, None),                         // casp with an odd Rs
            (0xc8200861, Some(Op::StoreExclusivePair)), // stxp w0, x1, x2, [x3]
            (0x887f0460, Some(Op::LoadExclusivePair)),  // ldxp w0, w1, [x3]
            (0x889ffc20, Some(Op::StoreRelease)),       // stlr w0, [x1]
            (0xc8dffc20, Some(Op::LoadAcquire)),        // ldar x0, [x1]
            (0x885f7c20, Some(Op::LoadExclusive)),      // ldxr w0, [x1]
            (0x88027c20, Some(Op::StoreExclusive)),     // stxr w2, w0, [x1]
            (0xf8a10020, Some(Op::AtomicRmw)),          // ldadda x1, x0, [x1]
            (0xf8bfc020, Some(Op::LoadAcquirePc)),      // ldapr x0, [x1]
            (0xf8bec020, None),                         // "ldapr" with Rs != 11111
            (0xf8a06820, Some(Op::RegOffset)),          // prfm pldl1keep, [x1, x0]
            (0xf8624820, Some(Op::RegOffset)),          // ldr x0, [x1, w2, uxtw]
            (0xf8622820, None),                         // register offset with option = 001
            (0xf8e06820, None),                         // size 11, opc 11: unallocated
        ];
        for &(w, want) in cases {
            assert_eq!(decode(w), want, "word {w:#010x}");
        }
    }

    #[test]
    fn single_layout_matches_the_manual() {
        // ld1 {v0.s}[3], [x0]: S lane 3 = Q:S = 11.
        let l = single_layout(0x4d409000).expect("allocated");
        assert_eq!((l.selem, l.ebytes, l.index, l.replicate), (1, 4, 3, false));
        // ld4 {v0.d-v3.d}[1], [x0]
        let l = single_layout(0x4d60a400).expect("allocated");
        assert_eq!((l.selem, l.ebytes, l.index, l.replicate), (4, 8, 1, false));
        // ld3r {v0.4h-v2.4h}, [x0]
        let l = single_layout(0x0d40e400).expect("allocated");
        assert_eq!((l.selem, l.ebytes, l.replicate), (3, 2, true));
    }

    #[test]
    fn disassembly_matches_objdump() {
        // Expected text from aarch64-linux-gnu-objdump (tabs as spaces).
        let cases: &[(u32, &str)] = &[
            (0xf9400420, "ldr x0, [x1, #8]"),
            (0x39c02386, "ldrsb w6, [x28, #8]"),
            (0x789ff005, "ldursh x5, [x0, #-1]"),
            (0xb8809807, "ldtrsw x7, [x0, #9]"),
            (0xf8010c01, "str x1, [x0, #16]!"),
            (0xf85f0403, "ldr x3, [x0], #-16"),
            (0xf8645808, "ldr x8, [x0, w4, uxtw #3]"),
            (0x7865f809, "ldrh w9, [x0, x5, sxtx #1]"),
            (0x3862780a, "ldrb w10, [x0, x2, lsl #0]"),
            (0xf8a06820, "prfm pldl1keep, [x1, x0]"),
            (0x3ce27b87, "ldr q7, [x28, x2, lsl #4]"),
            (0xa9bf0801, "stp x1, x2, [x0, #-16]!"),
            (0x69c1380d, "ldpsw x13, x14, [x0, #8]!"),
            (0xac452788, "ldnp q8, q9, [x28, #160]"),
            (0xc8017f82, "stxr w1, x2, [x28]"),
            (0x085fff83, "ldaxrb w3, [x28]"),
            (0x88318b85, "stlxp w17, w5, w2, [x28]"),
            (0xc8dfff92, "ldar x18, [x28]"),
            (0x08e0fc41, "casalb w0, w1, [x2]"),
            (0x4864fc46, "caspal x4, x5, x6, x7, [x2]"),
            (0x7861128b, "ldclrlh w1, w11, [x20]"),
            (0xb821027f, "stadd w1, [x19]"),
            (0xf8e18372, "swpal x1, x18, [x27]"),
            (0x38bfc022, "ldaprb w2, [x1]"),
            (0x199ff027, "ldapursb x7, [x1, #-1]"),
            (0x4c402380, "ld1 {v0.16b-v3.16b}, [x28]"),
            (0x0c40af85, "ld1 {v5.1d, v6.1d}, [x28]"),
            (0x0cc2883e, "ld2 {v30.2s, v31.2s}, [x1], x2"),
            (0x4c9f4889, "st3 {v9.4s-v11.4s}, [x4], #48"),
            (0x4dff1c1f, "ld2 {v31.b, v0.b}[15], [x0], #2"),
            (0x4d92797e, "st3 {v30.h, v31.h, v0.h}[7], [x11], x18"),
            (0x0ddfe792, "ld3r {v18.4h-v20.4h}, [x28], #6"),
        ];
        for &(w, want) in cases {
            let op = decode(w).expect("allocated");
            assert_eq!(disas(op, w, 0), want, "{w:#010x}");
        }
        // Literal targets are pc-relative: ldr x0, <pc + 0x24>.
        let op = decode(0x58000120).expect("allocated");
        assert_eq!(disas(op, 0x58000120, 0x1000), "ldr x0, 0x1024");
    }
}

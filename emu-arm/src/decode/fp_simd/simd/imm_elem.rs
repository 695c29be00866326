//! Copies (DUP, INS, UMOV, SMOV), modified immediates, shifts by immediate and
//! by-element operations.

use crate::decode::{bit, bits};

/// The element size (log2 bytes) from a copy/DUP `imm5`, if allocated.
pub fn imm5_size(imm5: u32) -> Option<u32> {
    (imm5 & 0xf != 0).then(|| (imm5 & 0xf).trailing_zeros())
}

/// Copy: `0 Q op 01110000 imm5 0 imm4 1 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copy {
    DupElement,
    DupGeneral,
    Smov,
    Umov,
    InsGeneral,
    InsElement,
}

pub fn copy_op(raw: u32) -> Option<Copy> {
    let q = bit(raw, 30);
    let op = bit(raw, 29);
    let imm5 = bits(raw, 20, 16);
    let imm4 = bits(raw, 14, 11);
    let size = imm5_size(imm5)?;
    if op {
        return q.then_some(Copy::InsElement);
    }
    let c = match imm4 {
        0b0000 if size < 3 || q => Copy::DupElement,
        0b0001 if size < 3 || q => Copy::DupGeneral,
        0b0101 if size < 2 || (q && size == 2) => Copy::Smov,
        0b0111 if (!q && size < 3) || (q && size == 3) => Copy::Umov,
        0b0011 if q => Copy::InsGeneral,
        _ => return None,
    };
    Some(c)
}

/// Modified immediate: `0 Q op 0111100000 abc cmode o2 1 defgh Rd` -> the 64-bit
/// pattern replicated into each half, and how it combines with the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModImm {
    Movi(u64),
    Mvni(u64),
    Orr(u64),
    Bic(u64),
}

/// `AdvSIMDExpandImm`, plus the operation selected by op/cmode.
pub fn mod_imm_op(raw: u32) -> Option<ModImm> {
    let q = bit(raw, 30);
    let op = bit(raw, 29);
    let cmode = bits(raw, 15, 12);
    if bit(raw, 11) {
        // o2 = 1: FMOV (vector, immediate) half precision.
        return None;
    }
    let imm8 = (bits(raw, 18, 16) << 5 | bits(raw, 9, 5)) as u64;
    let rep32 = |v: u64| v | v << 32;
    let rep16 = |v: u64| v * 0x0001_0001_0001_0001;
    let imm = match cmode >> 1 {
        0..=3 => rep32(imm8 << (8 * (cmode >> 1))),
        4 | 5 => rep16(imm8 << (8 * ((cmode >> 1) & 1))),
        6 => {
            // MSL: shifting ones in.
            if cmode & 1 == 0 {
                rep32((imm8 << 8) | 0xff)
            } else {
                rep32((imm8 << 16) | 0xffff)
            }
        }
        _ => match (cmode & 1, op) {
            (0, false) => imm8 * 0x0101_0101_0101_0101,
            (0, true) => {
                // Each bit of imm8 becomes a byte of ones or zeros.
                (0..8).fold(0u64, |acc, i| acc | (((imm8 >> i) & 1) * 0xff) << (8 * i))
            }
            (_, false) => rep32(crate::decode::fp_simd::vfp_expand_imm(imm8 as u32, false)),
            (_, true) => {
                if !q {
                    return None;
                }
                crate::decode::fp_simd::vfp_expand_imm(imm8 as u32, true)
            }
        },
    };
    let shifted_or_16 = cmode < 0b1100;
    let logical = shifted_or_16 && cmode & 1 == 1;
    Some(match (op, logical) {
        (false, true) => ModImm::Orr(imm),
        (true, true) => ModImm::Bic(imm),
        (true, false) if cmode < 0b1110 => ModImm::Mvni(imm),
        _ => ModImm::Movi(imm),
    })
}

/// Shift by immediate (vector and scalar): `0 Q U 011110 immh immb opcode 1 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftImm {
    /// SSHR/USHR, SSRA/USRA, SRSHR/URSHR, SRSRA/URSRA.
    ShrR {
        unsigned: bool,
        round: bool,
        accumulate: bool,
    },
    Shl,
    /// SQSHL/UQSHL (immediate) and SQSHLU: (source signed, destination signed).
    QShl {
        src_signed: bool,
        dst_signed: bool,
    },
    Sri,
    Sli,
    /// SHRN/RSHRN and the saturating narrows (SQSHRN, UQSHRN, SQSHRUN and rounding forms).
    Shrn {
        round: bool,
        sat: Option<(bool, bool)>,
    },
    /// SSHLL/USHLL.
    Shll {
        unsigned: bool,
    },
    /// SCVTF/UCVTF (fixed point).
    CvtF {
        unsigned: bool,
    },
    /// FCVTZS/FCVTZU (fixed point).
    CvtZ {
        unsigned: bool,
    },
}

pub fn shift_imm_op(raw: u32, scalar: bool) -> Option<ShiftImm> {
    use ShiftImm::*;
    let q = bit(raw, 30) || scalar;
    let u = bit(raw, 29);
    let immh = bits(raw, 22, 19);
    let opcode = bits(raw, 15, 11);
    if immh == 0 {
        return None;
    }
    let op = match (u, opcode) {
        (_, 0b00000) => ShrR {
            unsigned: u,
            round: false,
            accumulate: false,
        },
        (_, 0b00010) => ShrR {
            unsigned: u,
            round: false,
            accumulate: true,
        },
        (_, 0b00100) => ShrR {
            unsigned: u,
            round: true,
            accumulate: false,
        },
        (_, 0b00110) => ShrR {
            unsigned: u,
            round: true,
            accumulate: true,
        },
        (false, 0b01010) => Shl,
        (false, 0b01110) => QShl {
            src_signed: true,
            dst_signed: true,
        },
        (true, 0b01110) => QShl {
            src_signed: false,
            dst_signed: false,
        },
        (true, 0b01100) => QShl {
            src_signed: true,
            dst_signed: false,
        },
        (true, 0b01000) => Sri,
        (true, 0b01010) => Sli,
        (false, 0b10000) => Shrn {
            round: false,
            sat: None,
        },
        (false, 0b10001) => Shrn {
            round: true,
            sat: None,
        },
        // sat = (source signed, destination signed)
        (false, 0b10010) => Shrn {
            round: false,
            sat: Some((true, true)),
        },
        (false, 0b10011) => Shrn {
            round: true,
            sat: Some((true, true)),
        },
        (true, 0b10000) => Shrn {
            round: false,
            sat: Some((true, false)),
        },
        (true, 0b10001) => Shrn {
            round: true,
            sat: Some((true, false)),
        },
        (true, 0b10010) => Shrn {
            round: false,
            sat: Some((false, false)),
        },
        (true, 0b10011) => Shrn {
            round: true,
            sat: Some((false, false)),
        },
        (_, 0b10100) => Shll { unsigned: u },
        (_, 0b11100) => CvtF { unsigned: u },
        (_, 0b11111) => CvtZ { unsigned: u },
        _ => return None,
    };
    let ok = match op {
        // Saturating left shifts have scalar forms of every size.
        QShl { .. } => scalar || immh >> 3 == 0 || q,
        ShrR { .. } | Shl | Sri | Sli => {
            if scalar {
                immh >> 3 == 1
            } else {
                immh >> 3 == 0 || q
            }
        }
        // Narrowing: the destination element is at most 32 bits. No scalar SHRN/RSHRN.
        Shrn { sat, .. } => immh >> 3 == 0 && (!scalar || sat.is_some()),
        Shll { .. } => !scalar && immh >> 3 == 0,
        // Single (immh 01xx) or double (1xxx); 001x is half precision (FP16).
        CvtF { .. } | CvtZ { .. } => immh >= 0b0100 && (immh >> 3 == 0 || q),
    };
    ok.then_some(op)
}

/// Vector by element: `0 Q U 01111 size L M Rm opcode H 0 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByElem {
    Mul,
    Mla,
    Mls,
    MulL {
        unsigned: bool,
    },
    MlaL {
        unsigned: bool,
    },
    MlsL {
        unsigned: bool,
    },
    /// SQDMULH / SQRDMULH.
    QDMulH {
        round: bool,
    },
    QDMulL,
    QDMlaL,
    QDMlsL,
    FMul {
        double: bool,
    },
    FMla {
        double: bool,
    },
    FMls {
        double: bool,
    },
    FMulX {
        double: bool,
    },
    /// SQRDMLAH / SQRDMLSH (by element), FEAT_RDM.
    QRDMlah {
        sub: bool,
    },
    /// SDOT / UDOT (by element): the element is a group of four bytes, FEAT_DotProd.
    Dot {
        unsigned: bool,
    },
}

pub fn by_elem_op(raw: u32, scalar: bool) -> Option<ByElem> {
    use ByElem::*;
    let q = bit(raw, 30) || scalar;
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    let l = bit(raw, 21);
    let opcode = bits(raw, 15, 12);
    let fp = matches!(
        (u, opcode),
        (false, 0b0001) | (false, 0b0101) | (false, 0b1001) | (true, 0b1001)
    );
    if fp {
        let double = match size {
            2 => false,
            3 if !l && q => true,
            _ => return None,
        };
        return Some(match (u, opcode) {
            (false, 0b0001) => FMla { double },
            (false, 0b0101) => FMls { double },
            (false, _) => FMul { double },
            (true, _) => FMulX { double },
        });
    }
    if size == 0 || size == 3 {
        return None;
    }
    match (u, opcode) {
        (true, 0b1101) => return Some(QRDMlah { sub: false }),
        (true, 0b1111) => return Some(QRDMlah { sub: true }),
        (_, 0b1110) if size == 2 && !scalar => return Some(Dot { unsigned: u }),
        (_, 0b1110) => return None,
        _ => {}
    }
    let doubling = match (u, opcode) {
        (false, 0b1100) => Some(QDMulH { round: false }),
        (false, 0b1101) => Some(QDMulH { round: true }),
        (false, 0b1011) => Some(QDMulL),
        (false, 0b0011) => Some(QDMlaL),
        (false, 0b0111) => Some(QDMlsL),
        _ => None,
    };
    if doubling.is_some() || scalar {
        return doubling;
    }
    Some(match (u, opcode) {
        (false, 0b1000) => Mul,
        (true, 0b0000) => Mla,
        (true, 0b0100) => Mls,
        (_, 0b1010) => MulL { unsigned: u },
        (_, 0b0010) => MlaL { unsigned: u },
        (_, 0b0110) => MlsL { unsigned: u },
        _ => return None,
    })
}

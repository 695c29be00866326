//! Three-register classes: same-type (vector, scalar, scalar pairwise) and
//! different-type (long, wide, narrowing-high).

use crate::decode::{bit, bits};

/// Three registers of the same type (vector and scalar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreeSame {
    HAdd {
        unsigned: bool,
    },
    RHAdd {
        unsigned: bool,
    },
    HSub {
        unsigned: bool,
    },
    QAdd {
        unsigned: bool,
    },
    QSub {
        unsigned: bool,
    },
    And,
    Bic,
    Orr,
    Orn,
    Eor,
    Bsl,
    Bit,
    Bif,
    /// CMGT (signed) / CMHI (unsigned).
    CmGt {
        unsigned: bool,
    },
    /// CMGE (signed) / CMHS (unsigned).
    CmGe {
        unsigned: bool,
    },
    Shl {
        unsigned: bool,
    },
    /// SRSHL/URSHL.
    RShl {
        unsigned: bool,
    },
    /// SQSHL/UQSHL (register).
    QShl {
        unsigned: bool,
    },
    /// SQRSHL/UQRSHL.
    QRShl {
        unsigned: bool,
    },
    /// SQDMULH (`round` false) / SQRDMULH.
    QDMulH {
        round: bool,
    },
    Pmul,
    Max {
        unsigned: bool,
    },
    Min {
        unsigned: bool,
    },
    Abd {
        unsigned: bool,
    },
    Aba {
        unsigned: bool,
    },
    Add,
    Sub,
    CmTst,
    CmEq,
    Mla,
    Mls,
    Mul,
    MaxP {
        unsigned: bool,
    },
    MinP {
        unsigned: bool,
    },
    AddP,
    /// FP operations; `double` is the sz bit.
    Fp {
        op: FpThree,
        double: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpThree {
    MaxNm,
    MinNm,
    Mla,
    Mls,
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
    Abd,
    CmEq,
    CmGe,
    CmGt,
    AcGe,
    AcGt,
    MaxNmP,
    MinNmP,
    AddP,
    MaxP,
    MinP,
    MulX,
    /// FRECPS, FRSQRTS.
    RecpS,
    RsqrtS,
}

/// Vector three-same: `0 Q U 01110 size 1 Rm opcode 1 Rn Rd`.
pub fn three_same_op(raw: u32) -> Option<ThreeSame> {
    use ThreeSame::*;
    let q = bit(raw, 30);
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    let opcode = bits(raw, 15, 11);
    if opcode >= 0b11000 {
        // size<0> is sz; size<1> selects the second operation of a pair.
        let double = size & 1 == 1;
        if double && !q {
            return None;
        }
        let a = size >> 1 == 1;
        let op = match (u, a, opcode) {
            (false, false, 0b11000) => FpThree::MaxNm,
            (false, false, 0b11001) => FpThree::Mla,
            (false, false, 0b11010) => FpThree::Add,
            (false, false, 0b11100) => FpThree::CmEq,
            (false, false, 0b11110) => FpThree::Max,
            (false, false, 0b11011) => FpThree::MulX,
            (false, false, 0b11111) => FpThree::RecpS,
            (false, true, 0b11111) => FpThree::RsqrtS,
            (false, true, 0b11000) => FpThree::MinNm,
            (false, true, 0b11001) => FpThree::Mls,
            (false, true, 0b11010) => FpThree::Sub,
            (false, true, 0b11110) => FpThree::Min,
            (true, false, 0b11000) => FpThree::MaxNmP,
            (true, false, 0b11010) => FpThree::AddP,
            (true, false, 0b11011) => FpThree::Mul,
            (true, false, 0b11100) => FpThree::CmGe,
            (true, false, 0b11101) => FpThree::AcGe,
            (true, false, 0b11110) => FpThree::MaxP,
            (true, false, 0b11111) => FpThree::Div,
            (true, true, 0b11000) => FpThree::MinNmP,
            (true, true, 0b11010) => FpThree::Abd,
            (true, true, 0b11100) => FpThree::CmGt,
            (true, true, 0b11101) => FpThree::AcGt,
            (true, true, 0b11110) => FpThree::MinP,
            _ => return None,
        };
        return Some(Fp { op, double });
    }
    if opcode == 0b00011 {
        return Some(match (u, size) {
            (false, 0) => And,
            (false, 1) => Bic,
            (false, 2) => Orr,
            (false, _) => Orn,
            (true, 0) => Eor,
            (true, 1) => Bsl,
            (true, 2) => Bit,
            (true, _) => Bif,
        });
    }
    // 64-bit lanes need a 128-bit vector.
    if size == 3 && !q {
        return None;
    }
    let unsigned = u;
    let op = match opcode {
        0b00000 => HAdd { unsigned },
        0b00010 => RHAdd { unsigned },
        0b00100 => HSub { unsigned },
        0b00001 => QAdd { unsigned },
        0b00101 => QSub { unsigned },
        0b00110 => CmGt { unsigned },
        0b00111 => CmGe { unsigned },
        0b01000 => Shl { unsigned },
        0b01001 => QShl { unsigned },
        0b01010 => RShl { unsigned },
        0b01011 => QRShl { unsigned },
        0b10110 => QDMulH { round: u },
        0b10011 if u && size == 0 => Pmul,
        0b01100 => Max { unsigned },
        0b01101 => Min { unsigned },
        0b01110 => Abd { unsigned },
        0b01111 => Aba { unsigned },
        0b10000 if u => Sub,
        0b10000 => Add,
        0b10001 if u => CmEq,
        0b10001 => CmTst,
        0b10010 if u => Mls,
        0b10010 => Mla,
        0b10011 if !u => Mul,
        0b10100 => MaxP { unsigned },
        0b10101 => MinP { unsigned },
        0b10111 if !u => AddP,
        _ => return None,
    };
    // No 64-bit lanes for halving, max/min, absolute difference, multiplies, pairwise
    // max/min.
    let allows_64 = matches!(
        op,
        QAdd { .. }
            | QSub { .. }
            | CmGt { .. }
            | CmGe { .. }
            | Shl { .. }
            | RShl { .. }
            | QShl { .. }
            | QRShl { .. }
            | Add
            | Sub
            | CmTst
            | CmEq
            | AddP
    );
    if size == 3 && !allows_64 {
        return None;
    }
    // Doubling multiplies exist for 16- and 32-bit elements only.
    if matches!(op, QDMulH { .. }) && !(size == 1 || size == 2) {
        return None;
    }
    Some(op)
}

/// Scalar three-same: `01 U 11110 size 1 Rm opcode 1 Rn Rd`.
pub fn scalar_three_same_op(raw: u32) -> Option<ThreeSame> {
    use ThreeSame::*;
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    let opcode = bits(raw, 15, 11);
    if opcode >= 0b11000 {
        let double = size & 1 == 1;
        let op = match (u, size >> 1, opcode) {
            (false, 0, 0b11011) => FpThree::MulX,
            (false, 0, 0b11111) => FpThree::RecpS,
            (false, 1, 0b11111) => FpThree::RsqrtS,
            (false, 0, 0b11100) => FpThree::CmEq,
            (true, 0, 0b11100) => FpThree::CmGe,
            (true, 0, 0b11101) => FpThree::AcGe,
            (true, 1, 0b11010) => FpThree::Abd,
            (true, 1, 0b11100) => FpThree::CmGt,
            (true, 1, 0b11101) => FpThree::AcGt,
            _ => return None,
        };
        return Some(Fp { op, double });
    }
    let unsigned = u;
    match opcode {
        0b00001 => Some(QAdd { unsigned }),
        0b00101 => Some(QSub { unsigned }),
        0b01001 => Some(QShl { unsigned }),
        0b01011 => Some(QRShl { unsigned }),
        0b10110 if size == 1 || size == 2 => Some(QDMulH { round: u }),
        _ if size != 3 => None,
        0b01010 => Some(RShl { unsigned }),
        0b00110 => Some(CmGt { unsigned }),
        0b00111 => Some(CmGe { unsigned }),
        0b01000 => Some(Shl { unsigned }),
        0b10000 => Some(if u { Sub } else { Add }),
        0b10001 => Some(if u { CmEq } else { CmTst }),
        _ => None,
    }
}

/// Three registers of different types: `0 Q U 01110 size 1 Rm opcode 00 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreeDiff {
    AddL,
    AddW,
    SubL,
    SubW,
    AddHn {
        round: bool,
    },
    SubHn {
        round: bool,
    },
    AbaL,
    AbdL,
    MlaL,
    MlsL,
    MulL,
    /// SQDMLAL, SQDMLSL, SQDMULL.
    QDMlaL,
    QDMlsL,
    QDMulL,
    /// PMULL on bytes (the 64-bit form needs the crypto extension).
    PMulL,
}

pub fn three_diff_op(raw: u32) -> Option<(ThreeDiff, bool)> {
    use ThreeDiff::*;
    let u = bit(raw, 29);
    if bits(raw, 23, 22) == 3 {
        return None;
    }
    let op = match bits(raw, 15, 12) {
        0b0000 => AddL,
        0b0001 => AddW,
        0b0010 => SubL,
        0b0011 => SubW,
        0b0100 => AddHn { round: u },
        0b0101 => AbaL,
        0b0110 => SubHn { round: u },
        0b0111 => AbdL,
        0b1000 => MlaL,
        0b1010 => MlsL,
        0b1100 => MulL,
        0b1001 if !u => QDMlaL,
        0b1011 if !u => QDMlsL,
        0b1101 if !u => QDMulL,
        0b1110 if !u && bits(raw, 23, 22) == 0 => PMulL,
        _ => return None,
    };
    let size = bits(raw, 23, 22);
    if matches!(op, QDMlaL | QDMlsL | QDMulL) && !(size == 1 || size == 2) {
        return None;
    }
    Some((op, u))
}

/// Scalar three-different: `01 U 11110 size 1 Rm opcode 00 Rn Rd` (SQDMLAL, SQDMLSL,
/// SQDMULL on H or S elements).
pub fn scalar_three_diff_op(raw: u32) -> Option<ThreeDiff> {
    let size = bits(raw, 23, 22);
    if bit(raw, 29) || !(size == 1 || size == 2) {
        return None;
    }
    match bits(raw, 15, 12) {
        0b1001 => Some(ThreeDiff::QDMlaL),
        0b1011 => Some(ThreeDiff::QDMlsL),
        0b1101 => Some(ThreeDiff::QDMulL),
        _ => None,
    }
}

/// Scalar pairwise: `01 U 11110 size 11000 opcode 10 Rn Rd`: ADDP (D) and the FP pair
/// reductions (FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP; sz selects single/double).
pub fn scalar_pairwise_op(raw: u32) -> Option<ThreeSame> {
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    let opcode = bits(raw, 16, 12);
    if !u {
        return (opcode == 0b11011 && size == 3).then_some(ThreeSame::AddP);
    }
    let double = size & 1 == 1;
    let op = match (size >> 1, opcode) {
        (0, 0b01100) => FpThree::MaxNmP,
        (0, 0b01101) => FpThree::AddP,
        (0, 0b01111) => FpThree::MaxP,
        (1, 0b01100) => FpThree::MinNmP,
        (1, 0b01111) => FpThree::MinP,
        _ => return None,
    };
    Some(ThreeSame::Fp { op, double })
}

/// Three registers of the same type, "extra" class (Armv8.1 RDM and Armv8.2 dot product):
/// `0 Q U 01110 size 0 Rm 1 opcode 1 Rn Rd`, scalar `01 U 11110 size 0 Rm 1 opcode 1 Rn Rd`.
/// FCMLA/FCADD (FEAT_FCMA), USDOT (FEAT_I8MM) and the BFloat16 forms are not implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreeSameExtra {
    /// SQRDMLAH / SQRDMLSH: rounding doubling multiply, accumulate into (or subtract from)
    /// the destination, saturating.
    QRDMlah { sub: bool },
    /// SDOT / UDOT: four 8-bit products summed into each 32-bit lane.
    Dot { unsigned: bool },
}

pub fn three_same_extra_op(raw: u32, scalar: bool) -> Option<ThreeSameExtra> {
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    match (u, bits(raw, 14, 11)) {
        (true, op @ (0b0000 | 0b0001)) if size == 1 || size == 2 => {
            Some(ThreeSameExtra::QRDMlah { sub: op == 1 })
        }
        (_, 0b0010) if size == 2 && !scalar => Some(ThreeSameExtra::Dot { unsigned: u }),
        _ => None,
    }
}

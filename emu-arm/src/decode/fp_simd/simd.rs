//! Operation identification for the Advanced SIMD classes (Arm ARM C4.1.90 tables).
//!
//! Each `*_op` function maps an encoding of its class to the operation it performs, or
//! `None` for unallocated encodings and for the ones we do not implement; the decoder's
//! check is `is_some()` and the semantics call the same function, so the two can never
//! disagree about what an encoding means.

use crate::decode::{bit, bits};

/// Element size in bits from a 2-bit `size` field.
pub const fn esize(size: u32) -> u32 {
    8 << size
}

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

/// Two-register miscellaneous (vector and scalar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoReg {
    Rev {
        container: u32,
    },
    AddLp {
        unsigned: bool,
        accumulate: bool,
    },
    Cls,
    Clz,
    Cnt,
    Not,
    Rbit,
    /// Compare with zero: GT, GE, EQ, LE, LT.
    CmZero(CmpZero),
    Abs,
    Neg,
    /// SQABS, SQNEG.
    QAbs,
    QNeg,
    /// SUQADD (signed accumulator) / USQADD (unsigned accumulator).
    SatAccumulate {
        unsigned: bool,
    },
    Xtn,
    /// SQXTN (signed -> signed), UQXTN, SQXTUN (signed -> unsigned).
    QXtn {
        src_signed: bool,
        dst_signed: bool,
    },
    /// SHLL: widen and shift left by the element size.
    Shll,
    FcvtN,
    FcvtL,
    /// FCVTXN: double to single, rounding to odd.
    FcvtXn,
    Fp {
        op: FpTwo,
        double: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpZero {
    Gt,
    Ge,
    Eq,
    Le,
    Lt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpTwo {
    /// FRINT with the mode of the opcode (N, M, P, Z, A) or FPCR (X exact, I).
    Rint(RintMode),
    /// FCVT{N,M,A,P,Z}{S,U}.
    ToInt {
        mode: RintMode,
        unsigned: bool,
    },
    FromInt {
        unsigned: bool,
    },
    CmZero(CmpZero),
    Abs,
    Neg,
    Sqrt,
    /// FRECPE, FRSQRTE, FRECPX (scalar only), URECPE/URSQRTE (vector, 32-bit only).
    RecpE,
    RsqrtE,
    RecpX,
    URecpE,
    URsqrtE,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RintMode {
    N,
    P,
    M,
    Z,
    A,
    X,
    I,
}

fn fp_two(u: bool, a: bool, opcode: u32) -> Option<FpTwo> {
    use FpTwo::*;
    Some(match (u, a, opcode) {
        (false, false, 0b11000) => Rint(RintMode::N),
        (false, false, 0b11001) => Rint(RintMode::M),
        (false, true, 0b11000) => Rint(RintMode::P),
        (false, true, 0b11001) => Rint(RintMode::Z),
        (true, false, 0b11000) => Rint(RintMode::A),
        (true, false, 0b11001) => Rint(RintMode::X),
        (true, true, 0b11001) => Rint(RintMode::I),
        (_, false, 0b11010) => ToInt {
            mode: RintMode::N,
            unsigned: u,
        },
        (_, false, 0b11011) => ToInt {
            mode: RintMode::M,
            unsigned: u,
        },
        (_, false, 0b11100) => ToInt {
            mode: RintMode::A,
            unsigned: u,
        },
        (_, true, 0b11010) => ToInt {
            mode: RintMode::P,
            unsigned: u,
        },
        (_, true, 0b11011) => ToInt {
            mode: RintMode::Z,
            unsigned: u,
        },
        (_, false, 0b11101) => FromInt { unsigned: u },
        (false, true, 0b01100) => CmZero(CmpZero::Gt),
        (false, true, 0b01101) => CmZero(CmpZero::Eq),
        (false, true, 0b01110) => CmZero(CmpZero::Lt),
        (true, true, 0b01100) => CmZero(CmpZero::Ge),
        (true, true, 0b01101) => CmZero(CmpZero::Le),
        (false, true, 0b01111) => Abs,
        (true, true, 0b01111) => Neg,
        (true, true, 0b11111) => Sqrt,
        (false, true, 0b11101) => RecpE,
        (true, true, 0b11101) => RsqrtE,
        (false, true, 0b11111) => RecpX,
        (false, true, 0b11100) => URecpE,
        (true, true, 0b11100) => URsqrtE,
        _ => return None,
    })
}

/// Vector two-register misc: `0 Q U 01110 size 10000 opcode 10 Rn Rd`.
pub fn two_reg_op(raw: u32) -> Option<TwoReg> {
    use TwoReg::*;
    let q = bit(raw, 30);
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    let opcode = bits(raw, 16, 12);
    let fp_block = opcode >= 0b11000 || (0b01100..=0b01111).contains(&opcode);
    if fp_block {
        let double = size & 1 == 1;
        if double && !q {
            return None;
        }
        let op = fp_two(u, size >> 1 == 1, opcode)?;
        let ok = match op {
            FpTwo::RecpX => false,
            FpTwo::URecpE | FpTwo::URsqrtE => !double,
            _ => true,
        };
        return ok.then_some(Fp { op, double });
    }
    let op = match (u, opcode) {
        (false, 0b00000) => Rev { container: 64 },
        (true, 0b00000) => Rev { container: 32 },
        (false, 0b00001) => Rev { container: 16 },
        (_, 0b00010) => AddLp {
            unsigned: u,
            accumulate: false,
        },
        (_, 0b00110) => AddLp {
            unsigned: u,
            accumulate: true,
        },
        (false, 0b00100) => Cls,
        (true, 0b00100) => Clz,
        (false, 0b00101) => Cnt,
        (true, 0b00101) if size == 0 => Not,
        (true, 0b00101) if size == 1 => Rbit,
        (false, 0b01000) => CmZero(CmpZero::Gt),
        (true, 0b01000) => CmZero(CmpZero::Ge),
        (false, 0b01001) => CmZero(CmpZero::Eq),
        (true, 0b01001) => CmZero(CmpZero::Le),
        (false, 0b01010) => CmZero(CmpZero::Lt),
        (false, 0b01011) => Abs,
        (true, 0b01011) => Neg,
        (false, 0b00111) => QAbs,
        (true, 0b00111) => QNeg,
        (_, 0b00011) => SatAccumulate { unsigned: u },
        (false, 0b10010) => Xtn,
        (false, 0b10100) => QXtn {
            src_signed: true,
            dst_signed: true,
        },
        (true, 0b10100) => QXtn {
            src_signed: false,
            dst_signed: false,
        },
        (true, 0b10010) => QXtn {
            src_signed: true,
            dst_signed: false,
        },
        (true, 0b10011) => Shll,
        (false, 0b10110) => FcvtN,
        (true, 0b10110) => FcvtXn,
        (false, 0b10111) => FcvtL,
        _ => return None,
    };
    let ok = match op {
        // REV reverses elements smaller than the container.
        Rev { container } => esize(size) < container,
        Cnt | Not => size == 0,
        // RBIT is encoded with size = 01 but works on bytes.
        Rbit => size == 1,
        AddLp { .. } | Cls | Clz => size != 3,
        CmZero(_) | Abs | Neg | QAbs | QNeg | SatAccumulate { .. } => size != 3 || q,
        Xtn | QXtn { .. } | Shll => size != 3,
        // Only single <-> double (size<0> = 1); half precision is FP16-free but allowed:
        // FCVTN/FCVTL with sz = 0 convert single <-> half.
        FcvtN | FcvtL => size >> 1 == 0,
        FcvtXn => size == 1,
        Fp { .. } => true,
    };
    ok.then_some(op)
}

/// Scalar two-register misc: `01 U 11110 size 10000 opcode 10 Rn Rd`.
pub fn scalar_two_reg_op(raw: u32) -> Option<TwoReg> {
    use TwoReg::*;
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    let opcode = bits(raw, 16, 12);
    let fp_block = opcode >= 0b11000 || (0b01100..=0b01111).contains(&opcode);
    if fp_block {
        let op = fp_two(u, size >> 1 == 1, opcode)?;
        // FRINT, FABS/FNEG/FSQRT have no scalar SIMD form (they are scalar FP insns).
        let ok = matches!(
            op,
            FpTwo::ToInt { .. }
                | FpTwo::FromInt { .. }
                | FpTwo::CmZero(_)
                | FpTwo::RecpE
                | FpTwo::RsqrtE
                | FpTwo::RecpX
        );
        return ok.then_some(Fp {
            op,
            double: size & 1 == 1,
        });
    }
    let op = match (u, opcode) {
        (false, 0b01000) => CmZero(CmpZero::Gt),
        (true, 0b01000) => CmZero(CmpZero::Ge),
        (false, 0b01001) => CmZero(CmpZero::Eq),
        (true, 0b01001) => CmZero(CmpZero::Le),
        (false, 0b01010) => CmZero(CmpZero::Lt),
        (false, 0b01011) => Abs,
        (true, 0b01011) => Neg,
        (true, 0b10110) => return (size == 1).then_some(FcvtXn),
        (false, 0b00111) => return Some(QAbs),
        (true, 0b00111) => return Some(QNeg),
        (_, 0b00011) => return Some(SatAccumulate { unsigned: u }),
        (false, 0b10100) => {
            return (size != 3).then_some(QXtn {
                src_signed: true,
                dst_signed: true,
            })
        }
        (true, 0b10100) => {
            return (size != 3).then_some(QXtn {
                src_signed: false,
                dst_signed: false,
            })
        }
        (true, 0b10010) => {
            return (size != 3).then_some(QXtn {
                src_signed: true,
                dst_signed: false,
            })
        }
        _ => return None,
    };
    (size == 3).then_some(op)
}

/// Across lanes: `0 Q U 01110 size 11000 opcode 10 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Across {
    AddLv { unsigned: bool },
    MaxV { unsigned: bool },
    MinV { unsigned: bool },
    AddV,
    FMaxNmV,
    FMinNmV,
    FMaxV,
    FMinV,
}

pub fn across_op(raw: u32) -> Option<Across> {
    use Across::*;
    let q = bit(raw, 30);
    let u = bit(raw, 29);
    let size = bits(raw, 23, 22);
    let opcode = bits(raw, 16, 12);
    if opcode == 0b01100 || opcode == 0b01111 {
        // Single precision, 4S only (U = 0 is the FP16 form).
        if !u || !q || size & 1 == 1 {
            return None;
        }
        return Some(match (opcode, size >> 1) {
            (0b01100, 0) => FMaxNmV,
            (0b01100, _) => FMinNmV,
            (_, 0) => FMaxV,
            _ => FMinV,
        });
    }
    // At least four lanes: no 2S, no 64-bit lanes.
    if size == 3 || (size == 2 && !q) {
        return None;
    }
    Some(match (u, opcode) {
        (_, 0b00011) => AddLv { unsigned: u },
        (_, 0b01010) => MaxV { unsigned: u },
        (_, 0b11010) => MinV { unsigned: u },
        (false, 0b11011) => AddV,
        _ => return None,
    })
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
            (_, false) => rep32(super::vfp_expand_imm(imm8 as u32, false)),
            (_, true) => {
                if !q {
                    return None;
                }
                super::vfp_expand_imm(imm8 as u32, true)
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

pub fn three_same(raw: u32) -> bool {
    three_same_op(raw).is_some()
}
pub fn three_diff(raw: u32) -> bool {
    three_diff_op(raw).is_some()
}
pub fn two_reg(raw: u32) -> bool {
    two_reg_op(raw).is_some()
}
pub fn across(raw: u32) -> bool {
    across_op(raw).is_some()
}
pub fn copy(raw: u32) -> bool {
    copy_op(raw).is_some()
}
pub fn mod_imm(raw: u32) -> bool {
    mod_imm_op(raw).is_some()
}
pub fn shift_imm(raw: u32) -> bool {
    shift_imm_op(raw, false).is_some()
}
pub fn by_elem(raw: u32) -> bool {
    by_elem_op(raw, false).is_some()
}
/// ZIP/UZP/TRN: opcode 000 and 100 are unallocated; no 1D arrangement.
pub fn permute(raw: u32) -> bool {
    bits(raw, 14, 12) & 3 != 0 && (bit(raw, 30) || bits(raw, 23, 22) != 3)
}
/// EXT: an 8-byte vector can only start at bytes 0-7.
pub fn ext(raw: u32) -> bool {
    bit(raw, 30) || !bit(raw, 14)
}
pub fn tbl(_raw: u32) -> bool {
    true
}
pub fn scalar_three_same(raw: u32) -> bool {
    scalar_three_same_op(raw).is_some()
}
pub fn scalar_three_diff(raw: u32) -> bool {
    scalar_three_diff_op(raw).is_some()
}
pub fn scalar_two_reg(raw: u32) -> bool {
    scalar_two_reg_op(raw).is_some()
}
pub fn scalar_pairwise(raw: u32) -> bool {
    scalar_pairwise_op(raw).is_some()
}
/// DUP (element, scalar): op = 0, imm4 = 0000.
pub fn scalar_copy(raw: u32) -> bool {
    !bit(raw, 29) && bits(raw, 14, 11) == 0 && imm5_size(bits(raw, 20, 16)).is_some()
}
pub fn scalar_shift_imm(raw: u32) -> bool {
    shift_imm_op(raw, true).is_some()
}
pub fn scalar_by_elem(raw: u32) -> bool {
    by_elem_op(raw, true).is_some()
}

//! Two-register miscellaneous (vector and scalar) and across-lanes reductions.

use super::esize;
use crate::decode::{bit, bits};

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
    /// FRINT32Z/FRINT32X/FRINT64Z/FRINT64X (FEAT_FRINTTS): toward zero (Z) or with
    /// FPCR's rounding (X), into the range of an `int_bits`-bit integer.
    RintInt {
        int_bits: i32,
        fpcr_rounding: bool,
    },
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
        (_, false, op @ (0b11110 | 0b11111)) => RintInt {
            int_bits: if op == 0b11110 { 32 } else { 64 },
            fpcr_rounding: u,
        },
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

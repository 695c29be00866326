//! Data processing — scalar floating-point and Advanced SIMD (Arm ARM C4.1.90).
//!
//! One table line per encoding class of the Arm ARM; each class has a check function
//! (in `scalar_fp.rs`, `simd/` and `crypto.rs`) that accepts exactly the opcode/size combinations
//! we implement, so everything else decodes to Undefined. The semantics read the fields
//! from the raw word.

use super::{pat, pat_if, scan, Pat};

pub mod crypto;
mod disas;
pub mod scalar_fp;
pub mod simd;

pub use disas::disas;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// FMOV (register), FABS, FNEG, FSQRT, FCVT, FRINT*.
    FpDp1,
    /// FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL.
    FpDp2,
    /// FMADD, FMSUB, FNMADD, FNMSUB.
    FpDp3,
    /// FCMP, FCMPE.
    FpCompare,
    /// FCCMP, FCCMPE.
    FpCondCompare,
    /// FCSEL.
    FpCondSelect,
    /// FMOV (scalar, immediate).
    FpImm,
    /// FCVT{N,P,M,Z,A}{S,U}, SCVTF, UCVTF, FMOV (general).
    FpIntConv,
    /// FCVTZ{S,U}, SCVTF, UCVTF with fraction bits.
    FpFixedConv,
    SimdThreeSame,
    /// SQRDMLAH, SQRDMLSH (FEAT_RDM), SDOT, UDOT (FEAT_DotProd).
    SimdThreeSameExtra,
    SimdThreeDiff,
    SimdTwoReg,
    SimdAcross,
    /// DUP, INS, UMOV, SMOV.
    SimdCopy,
    /// MOVI, MVNI, ORR, BIC (vector, immediate), FMOV (vector, immediate).
    SimdModImm,
    SimdShiftImm,
    SimdByElem,
    /// ZIP, UZP, TRN.
    SimdPermute,
    SimdExt,
    /// TBL, TBX.
    SimdTbl,
    ScalarThreeSame,
    /// SQRDMLAH, SQRDMLSH (scalar, FEAT_RDM).
    ScalarThreeSameExtra,
    /// SQDMLAL, SQDMLSL, SQDMULL (scalar).
    ScalarThreeDiff,
    ScalarTwoReg,
    ScalarPairwise,
    /// DUP (element, scalar), also known as MOV (scalar).
    ScalarCopy,
    ScalarShiftImm,
    ScalarByElem,
    /// AESE, AESD, AESMC, AESIMC.
    CryptoAes,
    /// SHA1C, SHA1P, SHA1M, SHA1SU0, SHA256H, SHA256H2, SHA256SU1.
    CryptoShaThree,
    /// SHA1H, SHA1SU1, SHA256SU0.
    CryptoShaTwo,
    /// PMULL, PMULL2 with the 1Q arrangement (64x64 -> 128-bit polynomial multiply).
    PmullQ,
    /// SHA512H, SHA512H2, SHA512SU1, RAX1.
    CryptoSha512Three,
    /// SHA512SU0.
    CryptoSha512Two,
    /// EOR3, BCAX.
    CryptoFourReg,
    /// XAR.
    CryptoXar,
}

use scalar_fp as sf;

pub static TABLE: &[Pat<Op>] = &[
    // Scalar floating point.
    pat_if(
        "000 11110 ftype:2 1 opcode:6 10000 Rn:5 Rd:5",
        Op::FpDp1,
        sf::dp1,
    ),
    pat_if(
        "000 11110 ftype:2 1 Rm:5 op=00 1000 Rn:5 opc:5",
        Op::FpCompare,
        sf::compare,
    ),
    pat_if(
        "000 11110 ftype:2 1 Rm:5 opcode:4 10 Rn:5 Rd:5",
        Op::FpDp2,
        sf::dp2,
    ),
    pat_if(
        "000 11110 ftype:2 1 Rm:5 cond:4 01 Rn:5 op:1 nzcv:4",
        Op::FpCondCompare,
        sf::sd,
    ),
    pat_if(
        "000 11110 ftype:2 1 Rm:5 cond:4 11 Rn:5 Rd:5",
        Op::FpCondSelect,
        sf::sd,
    ),
    pat_if(
        "000 11110 ftype:2 1 imm8:8 100 imm5=00000 Rd:5",
        Op::FpImm,
        sf::sd,
    ),
    pat_if(
        "000 11111 ftype:2 o1:1 Rm:5 o0:1 Ra:5 Rn:5 Rd:5",
        Op::FpDp3,
        sf::sd,
    ),
    pat_if(
        "sf:1 00 11110 ftype:2 1 rmode:2 opcode:3 000000 Rn:5 Rd:5",
        Op::FpIntConv,
        sf::int_conv,
    ),
    pat_if(
        "sf:1 00 11110 ftype:2 0 rmode:2 opcode:3 scale:6 Rn:5 Rd:5",
        Op::FpFixedConv,
        sf::fixed_conv,
    ),
    // Cryptographic extension (before the Advanced SIMD lines: PMULL 1Q is the size = 11
    // corner of "three different", which that class's check rejects).
    pat_if(
        "0100 1110 size:2 10100 opcode:5 10 Rn:5 Rd:5",
        Op::CryptoAes,
        crypto::aes,
    ),
    pat_if(
        "0101 1110 size:2 0 Rm:5 0 opcode:3 00 Rn:5 Rd:5",
        Op::CryptoShaThree,
        crypto::sha_three_reg,
    ),
    pat_if(
        "0101 1110 size:2 10100 opcode:5 10 Rn:5 Rd:5",
        Op::CryptoShaTwo,
        crypto::sha_two_reg,
    ),
    pat(
        "0 Q:1 U=0 01110 size=11 1 Rm:5 opcode=1110 00 Rn:5 Rd:5",
        Op::PmullQ,
    ),
    pat_if(
        "11001110 011 Rm:5 1 O:1 00 opcode:2 Rn:5 Rd:5",
        Op::CryptoSha512Three,
        crypto::sha512_three_reg,
    ),
    pat_if(
        "11001110 11000000 1000 opcode:2 Rn:5 Rd:5",
        Op::CryptoSha512Two,
        crypto::sha512_two_reg,
    ),
    pat_if(
        "11001110 0 Op0:2 Rm:5 0 Ra:5 Rn:5 Rd:5",
        Op::CryptoFourReg,
        crypto::four_reg,
    ),
    pat("11001110 100 Rm:5 imm6:6 Rn:5 Rd:5", Op::CryptoXar),
    // Advanced SIMD vector.
    pat_if(
        "0 Q:1 U:1 01110 size:2 1 Rm:5 opcode:5 1 Rn:5 Rd:5",
        Op::SimdThreeSame,
        simd::three_same,
    ),
    pat_if(
        "0 Q:1 U:1 01110 size:2 0 Rm:5 1 opcode:4 1 Rn:5 Rd:5",
        Op::SimdThreeSameExtra,
        simd::three_same_extra,
    ),
    pat_if(
        "0 Q:1 U:1 01110 size:2 1 Rm:5 opcode:4 00 Rn:5 Rd:5",
        Op::SimdThreeDiff,
        simd::three_diff,
    ),
    pat_if(
        "0 Q:1 U:1 01110 size:2 10000 opcode:5 10 Rn:5 Rd:5",
        Op::SimdTwoReg,
        simd::two_reg,
    ),
    pat_if(
        "0 Q:1 U:1 01110 size:2 11000 opcode:5 10 Rn:5 Rd:5",
        Op::SimdAcross,
        simd::across,
    ),
    pat_if(
        "0 Q:1 op:1 01110000 imm5:5 0 imm4:4 1 Rn:5 Rd:5",
        Op::SimdCopy,
        simd::copy,
    ),
    pat_if(
        "0 Q:1 op:1 0111100000 abc:3 cmode:4 o2:1 1 defgh:5 Rd:5",
        Op::SimdModImm,
        simd::mod_imm,
    ),
    pat_if(
        "0 Q:1 U:1 011110 immh:4 immb:3 opcode:5 1 Rn:5 Rd:5",
        Op::SimdShiftImm,
        simd::shift_imm,
    ),
    pat_if(
        "0 Q:1 U:1 01111 size:2 L:1 M:1 Rm:4 opcode:4 H:1 0 Rn:5 Rd:5",
        Op::SimdByElem,
        simd::by_elem,
    ),
    pat_if(
        "0 Q:1 001110 size:2 0 Rm:5 0 opcode:3 10 Rn:5 Rd:5",
        Op::SimdPermute,
        simd::permute,
    ),
    pat_if(
        "0 Q:1 101110 op2=00 0 Rm:5 0 imm4:4 0 Rn:5 Rd:5",
        Op::SimdExt,
        simd::ext,
    ),
    pat_if(
        "0 Q:1 001110 op2=00 0 Rm:5 0 len:2 op:1 00 Rn:5 Rd:5",
        Op::SimdTbl,
        simd::tbl,
    ),
    // Advanced SIMD scalar.
    pat_if(
        "01 U:1 11110 size:2 1 Rm:5 opcode:5 1 Rn:5 Rd:5",
        Op::ScalarThreeSame,
        simd::scalar_three_same,
    ),
    pat_if(
        "01 U:1 11110 size:2 0 Rm:5 1 opcode:4 1 Rn:5 Rd:5",
        Op::ScalarThreeSameExtra,
        simd::scalar_three_same_extra,
    ),
    pat_if(
        "01 U:1 11110 size:2 1 Rm:5 opcode:4 00 Rn:5 Rd:5",
        Op::ScalarThreeDiff,
        simd::scalar_three_diff,
    ),
    pat_if(
        "01 U:1 11110 size:2 10000 opcode:5 10 Rn:5 Rd:5",
        Op::ScalarTwoReg,
        simd::scalar_two_reg,
    ),
    pat_if(
        "01 U:1 11110 size:2 11000 opcode:5 10 Rn:5 Rd:5",
        Op::ScalarPairwise,
        simd::scalar_pairwise,
    ),
    pat_if(
        "01 op:1 11110000 imm5:5 0 imm4:4 1 Rn:5 Rd:5",
        Op::ScalarCopy,
        simd::scalar_copy,
    ),
    pat_if(
        "01 U:1 111110 immh:4 immb:3 opcode:5 1 Rn:5 Rd:5",
        Op::ScalarShiftImm,
        simd::scalar_shift_imm,
    ),
    pat_if(
        "01 U:1 11111 size:2 L:1 M:1 Rm:4 opcode:4 H:1 0 Rn:5 Rd:5",
        Op::ScalarByElem,
        simd::scalar_by_elem,
    ),
];

pub fn decode(raw: u32) -> Option<Op> {
    scan(TABLE, raw)
}

/// `VFPExpandImm`: the 8-bit FMOV immediate as a single (`double` false) or double
/// precision bit pattern.
pub fn vfp_expand_imm(imm8: u32, double: bool) -> u64 {
    let (ebits, fbits) = if double { (11u64, 52u64) } else { (8, 23) };
    let imm8 = imm8 as u64 & 0xff;
    let sign = imm8 >> 7;
    let b6 = (imm8 >> 6) & 1;
    // exp = NOT(b6) : Replicate(b6, E-3) : imm8<5:4>
    let rep = if b6 == 1 {
        (1u64 << (ebits - 3)) - 1
    } else {
        0
    };
    let exp = ((b6 ^ 1) << (ebits - 1)) | (rep << 2) | ((imm8 >> 4) & 3);
    let frac = (imm8 & 0xf) << (fbits - 4);
    (sign << (ebits + fbits)) | (exp << fbits) | frac
}

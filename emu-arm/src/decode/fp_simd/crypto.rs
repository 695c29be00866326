//! The ARMv8.0 Cryptographic Extension (Arm ARM C4.1.90: "Cryptographic AES",
//! "Cryptographic three-register SHA", "Cryptographic two-register SHA", and the 1Q
//! arrangement of PMULL in "Advanced SIMD three different").
//!
//! Each class has one identification function that both the decoder check and the
//! semantics use, so an opcode/size we do not implement is Undefined everywhere. Of the
//! later hash extensions, SHA512 and SHA3 (Armv8.2: "Cryptographic three-register
//! SHA512", "two-register SHA512", "four-register" and XAR) are implemented; SM3 and SM4
//! share those classes and stay Undefined.

use crate::decode::{bit, bits};

/// "Cryptographic AES": `0100 1110 size:2 10100 opcode:5 10 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aes {
    /// AESE: AddRoundKey, SubBytes, ShiftRows.
    Encrypt,
    /// AESD: AddRoundKey, InvSubBytes, InvShiftRows.
    Decrypt,
    /// AESMC: MixColumns.
    MixColumns,
    /// AESIMC: InvMixColumns.
    InvMixColumns,
}

pub fn aes_op(raw: u32) -> Option<Aes> {
    if bits(raw, 23, 22) != 0 {
        return None;
    }
    Some(match bits(raw, 16, 12) {
        0b00100 => Aes::Encrypt,
        0b00101 => Aes::Decrypt,
        0b00110 => Aes::MixColumns,
        0b00111 => Aes::InvMixColumns,
        _ => return None,
    })
}

pub fn aes(raw: u32) -> bool {
    aes_op(raw).is_some()
}

/// "Cryptographic three-register SHA": `0101 1110 size:2 0 Rm 0 opcode:3 00 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sha3Reg {
    /// SHA1C: four rounds with the "choose" function.
    Sha1C,
    /// SHA1P: four rounds with the "parity" function.
    Sha1P,
    /// SHA1M: four rounds with the "majority" function.
    Sha1M,
    /// SHA1SU0: first half of the SHA-1 message schedule update.
    Sha1Su0,
    /// SHA256H: four rounds, the ABCD half of the state.
    Sha256H,
    /// SHA256H2: four rounds, the EFGH half of the state.
    Sha256H2,
    /// SHA256SU1: second half of the SHA-256 message schedule update.
    Sha256Su1,
}

pub fn sha_three_reg_op(raw: u32) -> Option<Sha3Reg> {
    if bits(raw, 23, 22) != 0 {
        return None;
    }
    Some(match bits(raw, 14, 12) {
        0b000 => Sha3Reg::Sha1C,
        0b001 => Sha3Reg::Sha1P,
        0b010 => Sha3Reg::Sha1M,
        0b011 => Sha3Reg::Sha1Su0,
        0b100 => Sha3Reg::Sha256H,
        0b101 => Sha3Reg::Sha256H2,
        0b110 => Sha3Reg::Sha256Su1,
        _ => return None,
    })
}

pub fn sha_three_reg(raw: u32) -> bool {
    sha_three_reg_op(raw).is_some()
}

/// "Cryptographic two-register SHA": `0101 1110 size:2 10100 opcode:5 10 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sha2Reg {
    /// SHA1H: the fixed rotate of the E variable.
    Sha1H,
    /// SHA1SU1: second half of the SHA-1 message schedule update.
    Sha1Su1,
    /// SHA256SU0: first half of the SHA-256 message schedule update.
    Sha256Su0,
}

pub fn sha_two_reg_op(raw: u32) -> Option<Sha2Reg> {
    if bits(raw, 23, 22) != 0 {
        return None;
    }
    Some(match bits(raw, 16, 12) {
        0b00000 => Sha2Reg::Sha1H,
        0b00001 => Sha2Reg::Sha1Su1,
        0b00010 => Sha2Reg::Sha256Su0,
        _ => return None,
    })
}

pub fn sha_two_reg(raw: u32) -> bool {
    sha_two_reg_op(raw).is_some()
}

/// "Cryptographic three-register SHA512": `11001110 011 Rm 1 O 00 opcode:2 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sha512Three {
    /// SHA512H: two rounds, the Sigma1/Ch half.
    Sha512H,
    /// SHA512H2: two rounds, the Sigma0/Maj half.
    Sha512H2,
    /// SHA512SU1: second half of the SHA-512 message schedule update.
    Sha512Su1,
    /// RAX1 (SHA3): Vn EOR (Vm rotated left by 1), per 64-bit lane.
    Rax1,
}

pub fn sha512_three_reg_op(raw: u32) -> Option<Sha512Three> {
    // O = 1 selects SM3PARTW1/SM3PARTW2/SM4EKEY (FEAT_SM3/SM4), not implemented.
    if bit(raw, 14) {
        return None;
    }
    Some(match bits(raw, 11, 10) {
        0b00 => Sha512Three::Sha512H,
        0b01 => Sha512Three::Sha512H2,
        0b10 => Sha512Three::Sha512Su1,
        _ => Sha512Three::Rax1,
    })
}

pub fn sha512_three_reg(raw: u32) -> bool {
    sha512_three_reg_op(raw).is_some()
}

/// "Cryptographic two-register SHA512": `11001110 11000000 1000 opcode:2 Rn Rd`; opcode 00
/// is SHA512SU0, 01 is SM4E (not implemented).
pub fn sha512_two_reg(raw: u32) -> bool {
    bits(raw, 11, 10) == 0
}

/// "Cryptographic four-register" (SHA3): `11001110 0 Op0:2 Rm 0 Ra Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FourReg {
    /// EOR3: Vn EOR Vm EOR Va.
    Eor3,
    /// BCAX: Vn EOR (Vm AND NOT Va).
    Bcax,
}

pub fn four_reg_op(raw: u32) -> Option<FourReg> {
    // Op0 = 10 is SM3SS1 (FEAT_SM3), not implemented; 11 is unallocated.
    match bits(raw, 22, 21) {
        0b00 => Some(FourReg::Eor3),
        0b01 => Some(FourReg::Bcax),
        _ => None,
    }
}

pub fn four_reg(raw: u32) -> bool {
    four_reg_op(raw).is_some()
}

/// PMULL/PMULL2 with the 1Q arrangement: the whole pattern is fixed by its table line
/// (`U` = 0, size = 11, opcode = 1110); `Q` picks the operand halves.
pub fn pmull_upper_half(raw: u32) -> bool {
    bit(raw, 30)
}

#[cfg(test)]
mod tests {
    use crate::decode::fp_simd::{decode, Op};

    /// Words assembled by `aarch64-linux-gnu-as` and the operation each must decode to.
    #[test]
    fn decodes_assembled_words() {
        let cases: &[(u32, Option<Op>)] = &[
            (0x4e284820, Some(Op::CryptoAes)),      // aese v0.16b, v1.16b
            (0x4e285820, Some(Op::CryptoAes)),      // aesd v0.16b, v1.16b
            (0x4e286820, Some(Op::CryptoAes)),      // aesmc v0.16b, v1.16b
            (0x4e287820, Some(Op::CryptoAes)),      // aesimc v0.16b, v1.16b
            (0x5e031045, Some(Op::CryptoShaThree)), // sha1p q5, s2, v3.4s
            (0x5e0050a7, Some(Op::CryptoShaThree)), // sha256h2 q7, q5, v0.4s
            (0x5e280820, Some(Op::CryptoShaTwo)),   // sha1h s0, s1
            (0x5e282820, Some(Op::CryptoShaTwo)),   // sha256su0 v0.4s, v1.4s
            (0x0ee0e065, Some(Op::PmullQ)),         // pmull v5.1q, v3.1d, v0.1d
            (0x4ee0e065, Some(Op::PmullQ)),         // pmull2 v5.1q, v3.2d, v0.2d
            // AES with size != 00, unallocated AES and SHA opcodes.
            (0x4e684820, None),
            (0x4e283820, None),
            (0x5e007045, None),
            (0x5e283820, None),
            // PMULL with U = 1 is unallocated; size = 10 is not a polynomial form.
            (0x2ee0e065, None),
            (0x0ea0e065, None),
            // SHA512 and SHA3 (words from aarch64-linux-gnu-as -march=armv8.2-a+sha3).
            (0xce628020, Some(Op::CryptoSha512Three)), // sha512h q0, q1, v2.2d
            (0xce6a8d28, Some(Op::CryptoSha512Three)), // rax1 v8.2d, v9.2d, v10.2d
            (0xcec080e6, Some(Op::CryptoSha512Two)),   // sha512su0 v6.2d, v7.2d
            (0xce020c20, Some(Op::CryptoFourReg)),     // eor3 v0.16b, v1.16b, v2.16b, v3.16b
            (0xce261ca4, Some(Op::CryptoFourReg)),     // bcax v4.16b, v5.16b, v6.16b, v7.16b
            (0xce8d458b, Some(Op::CryptoXar)),         // xar v11.2d, v12.2d, v13.2d, #17
            // SM3SS1, SM4E, SM3PARTW1: extensions we do not implement.
            (0xce400000, None),
            (0xcec08400, None),
            (0xce60c000, None),
        ];
        for &(w, want) in cases {
            assert_eq!(decode(w), want, "{w:#010x}");
        }
    }
}

//! Validity checks for the scalar floating-point classes (Arm ARM C4.1.90, the
//! "Floating-point data-processing" and "conversion" tables). They accept exactly the
//! ARMv8.0 single/double encodings we implement, plus the half-precision conversions
//! (FCVT); FP16 arithmetic is not implemented and stays Undefined.

use crate::decode::{bit, bits};

/// ftype: 00 single, 01 double. (11 half only for FCVT; 10 is unallocated.)
fn ftype_sd(raw: u32) -> bool {
    bits(raw, 23, 22) < 2
}

/// FMOV/FABS/FNEG/FSQRT, FCVT, FRINT{N,P,M,Z,A,X,I}.
pub fn dp1(raw: u32) -> bool {
    let ftype = bits(raw, 23, 22);
    let opcode = bits(raw, 20, 15);
    match opcode {
        // FCVT to single (100), double (101), half (111): any source but itself.
        0b000100 | 0b000101 | 0b000111 => ftype != 0b10 && (opcode & 3) != ftype,
        0b000000..=0b000011 => ftype_sd(raw),
        // FRINT*; 0b001101 is unallocated.
        0b001000..=0b001111 => opcode != 0b001101 && ftype_sd(raw),
        // FRINT32Z, FRINT32X, FRINT64Z, FRINT64X (FEAT_FRINTTS).
        0b010000..=0b010011 => ftype_sd(raw),
        _ => false,
    }
}

/// FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL.
pub fn dp2(raw: u32) -> bool {
    ftype_sd(raw) && bits(raw, 15, 12) <= 0b1000
}

/// FCMP/FCMPE (register or #0.0).
pub fn compare(raw: u32) -> bool {
    ftype_sd(raw) && bits(raw, 2, 0) == 0
}

/// Any single/double ftype (FCCMP, FCSEL, FMOV immediate, FMADD family).
pub fn sd(raw: u32) -> bool {
    ftype_sd(raw)
}

/// Conversions between FP and integer registers, and FMOV general.
pub fn int_conv(raw: u32) -> bool {
    let sf = bit(raw, 31);
    let ftype = bits(raw, 23, 22);
    let rmode = bits(raw, 20, 19);
    let opcode = bits(raw, 18, 16);
    match opcode {
        // FCVT{N,P,M,Z}{S,U}
        0b000 | 0b001 => ftype_sd(raw),
        // SCVTF/UCVTF, FCVTA{S,U}
        0b010..=0b101 => rmode == 0 && ftype_sd(raw),
        // FJCVTZS Wd, Dn (FEAT_JSCVT).
        0b110 if (sf, ftype, rmode) == (false, 1, 3) => true,
        // FMOV Wd<->Sn, Xd<->Dn, Xd<->Vn.D[1]
        _ => matches!(
            (sf, ftype, rmode),
            (false, 0, 0) | (true, 1, 0) | (true, 2, 1)
        ),
    }
}

/// Conversions between FP and fixed-point.
pub fn fixed_conv(raw: u32) -> bool {
    let sf = bit(raw, 31);
    let rmode = bits(raw, 20, 19);
    let opcode = bits(raw, 18, 16);
    let scale = bits(raw, 15, 10);
    let op_ok = matches!(
        (rmode, opcode),
        (0, 0b010) | (0, 0b011) | (3, 0b000) | (3, 0b001)
    );
    // A 32-bit integer allows at most 32 fraction bits (scale = 64 - fbits >= 32).
    op_ok && ftype_sd(raw) && (sf || scale >= 32)
}

//! FJCVTZS (FEAT_JSCVT, Armv8.3): double to 32-bit integer with JavaScript's `ToInt32`
//! semantics (the Arm ARM's `FPToFixedJS`): round toward zero, then wrap modulo 2^32
//! instead of saturating. Z reports whether the conversion was exact and in range.

use super::arm_float::{fpsr, unpack, Env, Val, D};

/// Converts the double `bits`; returns the 32-bit result (zero-extended) and Z.
pub fn fjcvtzs(bits: u64, env: &mut Env) -> (u64, bool) {
    let f = D;
    match unpack(f, bits, env) {
        Val::QNaN | Val::SNaN | Val::Inf(_) => {
            env.raise(fpsr::IOC);
            (0, false)
        }
        // A denormal flushed to zero under FZ is not an exact conversion.
        Val::Zero(sign) => (0, !sign && bits & f.frac_mask() == 0),
        Val::Finite(sign, mantissa, exp) => {
            // |value| = mantissa * 2^exp, truncated toward zero to `magnitude`.
            let (magnitude, fraction, huge) = if exp >= 64 {
                (0u128, false, true)
            } else if exp >= 0 {
                (u128::from(mantissa) << exp, false, false)
            } else if exp > -64 {
                let shift = -exp;
                let fraction = mantissa & ((1u64 << shift) - 1) != 0;
                (u128::from(mantissa >> shift), fraction, false)
            } else {
                (0, true, false)
            };
            let limit = if sign { 1u128 << 31 } else { (1u128 << 31) - 1 };
            let low = (magnitude as u64) & 0xffff_ffff;
            let result = if sign {
                low.wrapping_neg() & 0xffff_ffff
            } else {
                low
            };
            if huge || magnitude > limit {
                env.raise(fpsr::IOC);
                (result, false)
            } else if fraction {
                env.raise(fpsr::IXC);
                (result, false)
            } else {
                (result, true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(x: f64, fpcr: u64) -> (u64, bool, u32) {
        let mut env = Env::new(fpcr);
        let (r, z) = fjcvtzs(x.to_bits(), &mut env);
        (r, z, env.flags)
    }

    #[test]
    fn wraps_modulo_2_32_and_truncates() {
        assert_eq!(convert(1.0, 0), (1, true, 0));
        assert_eq!(convert(-1.5, 0), (0xffff_ffff, false, fpsr::IXC));
        assert_eq!(convert(4294967297.0, 0), (1, false, fpsr::IOC));
        assert_eq!(convert(-2147483648.0, 0), (0x8000_0000, true, 0));
        assert_eq!(convert(2147483648.0, 0), (0x8000_0000, false, fpsr::IOC));
        assert_eq!(convert(1e300, 0), (0, false, fpsr::IOC));
        assert_eq!(convert(f64::NAN, 0), (0, false, fpsr::IOC));
        assert_eq!(convert(f64::INFINITY, 0), (0, false, fpsr::IOC));
        assert_eq!(convert(-0.0, 0), (0, false, 0));
        assert_eq!(convert(0.0, 0), (0, true, 0));
        assert_eq!(convert(5e-324, 0), (0, false, fpsr::IXC));
        // Under FZ the denormal is flushed (IDC) and the conversion is not exact.
        assert_eq!(convert(5e-324, 1 << 24), (0, false, fpsr::IDC));
    }
}

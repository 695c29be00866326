//! FRINT32Z, FRINT32X, FRINT64Z, FRINT64X (FEAT_FRINTTS, Armv8.5; the Arm ARM's
//! `FPRoundIntN`): round to an integral value that fits a 32- or 64-bit signed integer.
//! Out of range, infinite and NaN inputs give the most negative integer of that width
//! (as a floating-point value) and raise Invalid Operation instead of Inexact.

use super::arith::{from_f64, to_f64};
use super::arm_float::{fpsr, unpack, Env, Fmt, Rounding, Val};

/// Rounds `a` (single or double) with `mode` into the range of an `int_bits`-bit integer.
pub fn round_to_int_range(f: Fmt, a: u64, mode: Rounding, int_bits: i32, env: &mut Env) -> u64 {
    let limit = 2f64.powi(int_bits - 1);
    let most_negative = from_f64(f, -limit);
    match unpack(f, a, env) {
        Val::QNaN | Val::SNaN | Val::Inf(_) => {
            env.raise(fpsr::IOC);
            most_negative
        }
        Val::Zero(sign) => f.zero(sign),
        Val::Finite(..) => {
            let x = to_f64(f, a);
            // Exact on f64 (a single converts exactly); the sign of a zero result is
            // the input's, as FPRoundIntN requires.
            let r = match mode {
                Rounding::TieEven => x.round_ties_even(),
                Rounding::TieAway => x.round(),
                Rounding::PosInf => x.ceil(),
                Rounding::NegInf => x.floor(),
                Rounding::Zero => x.trunc(),
            };
            if r >= limit || r < -limit {
                env.raise(fpsr::IOC);
                most_negative
            } else {
                if r != x {
                    env.raise(fpsr::IXC);
                }
                from_f64(f, r)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::arm_float::{D, S};
    use super::*;

    fn single(x: f32, mode: Rounding, int_bits: i32) -> (f32, u32) {
        let mut env = Env::new(0);
        let r = round_to_int_range(S, u64::from(x.to_bits()), mode, int_bits, &mut env);
        (f32::from_bits(r as u32), env.flags)
    }

    #[test]
    fn rounds_inside_the_range_and_saturates_outside() {
        assert_eq!(single(2.5, Rounding::TieEven, 32), (2.0, fpsr::IXC));
        assert_eq!(single(-2.5, Rounding::Zero, 32), (-2.0, fpsr::IXC));
        assert_eq!(single(3.0, Rounding::Zero, 32), (3.0, 0));
        assert_eq!(single(3e9, Rounding::Zero, 32), (-2147483648.0, fpsr::IOC));
        assert_eq!(
            single(-2147483648.0, Rounding::Zero, 32),
            (-2147483648.0, 0)
        );
        assert_eq!(
            single(f32::NAN, Rounding::Zero, 64),
            (-9.223372e18, fpsr::IOC)
        );
        assert_eq!(single(3e9, Rounding::Zero, 64), (3e9, 0));
        let (r, flags) = single(-0.25, Rounding::TieEven, 32);
        assert_eq!((r.to_bits(), flags), ((-0.0f32).to_bits(), fpsr::IXC));
        let mut env = Env::new(0);
        let r = round_to_int_range(D, 9.3e18f64.to_bits(), Rounding::Zero, 64, &mut env);
        assert_eq!(
            (f64::from_bits(r), env.flags),
            (-(2f64.powi(63)), fpsr::IOC)
        );
    }
}

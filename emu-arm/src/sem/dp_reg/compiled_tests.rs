//! Compiler-generated code: small register-only C functions (`vectors/kernels.c`, built
//! with `aarch64-linux-gnu-gcc -O2 -march=armv8-a+crc -mgeneral-regs-only -c` and dumped
//! with objdump) that use this group's instructions the way real programs do (division
//! by constants through SMULH/UMULH, CSINC-based selects, CLZ/RBIT bit tricks, CRC
//! intrinsics, loops closed by CMP + B.cond / CBNZ, RET). Each runs in both tiers and is
//! checked against a plain Rust implementation of the same function.

use super::tests::run;
use crate::testkit::CODE;

const COLLATZ_STEPS: &[u32] = &[
    0xaa00_03e1,
    0xd280_0000,
    0xf100_043f,
    0x5400_0100,
    0xf240_003f,
    0x8b01_0422,
    0xd341_fc21,
    0x9100_0400,
    0x9a82_0421,
    0xf100_043f,
    0x54ff_ff41,
    0xd65f_03c0,
];
const ISQRT: &[u32] = &[
    0xaa00_03e5,
    0xf100_041f,
    0x5400_01e9,
    0xdac0_1000,
    0x5280_0801,
    0x4b00_0021,
    0xd280_0000,
    0x121f_7821,
    0xd37f_f800,
    0x9ac1_24a3,
    0x9100_0402,
    0x5100_0821,
    0x9b02_7c44,
    0xeb03_009f,
    0x9a82_8000,
    0x3100_083f,
    0x54ff_ff01,
    0xd65f_03c0,
];
const FNV1A: &[u32] = &[
    0xaa00_03e3,
    0xd284_64a0,
    0xf2b0_8440,
    0xd280_3664,
    0xf2d3_9c80,
    0x5280_0001,
    0xf2f9_7e40,
    0xf2c0_2004,
    0x9ac1_2462,
    0x9240_1c42,
    0xca00_0040,
    0x1100_2021,
    0x9b04_7c00,
    0x7101_003f,
    0x54ff_ff41,
    0xd65f_03c0,
];
const GCD: &[u32] = &[
    0xaa00_03e2,
    0xb400_00c1,
    0x9ac1_0843,
    0xaa01_03e0,
    0x9b01_8861,
    0xaa00_03e2,
    0xb5ff_ff81,
    0xd65f_03c0,
];
const DIVMIX: &[u32] = &[
    0xb203_e7e7,
    0xd289_24a3,
    0xf28c_cce7,
    0xf2a4_9243,
    0xf2d2_4923,
    0x528a_aac2,
    0x9b47_7c01,
    0xf2e9_2483,
    0x72aa_aaa2,
    0x937f_fc06,
    0x9b43_7c03,
    0x9343_fc04,
    0x9342_fc21,
    0x9b22_7c02,
    0xcb06_0021,
    0x5289_ba65,
    0x72a2_0c45,
    0x9341_fc63,
    0x8b01_0821,
    0xd360_fc42,
    0x4b80_7c42,
    0x9b47_7c84,
    0x9ba5_7c05,
    0xcb06_0063,
    0xcb01_0401,
    0x8b01_0061,
    0xcb84_04c4,
    0x8b22_c021,
    0x8b45_9820,
    0x8b04_0000,
    0xd65f_03c0,
];
const CRCC: &[u32] = &[0x1ac0_4821, 0x9ac0_5c20, 0xd65f_03c0];
const BITS: &[u32] = &[
    0xb241_0002,
    0x5280_0c81,
    0xdac0_0042,
    0x5ac0_0805,
    0xdac0_1042,
    0xb240_0003,
    0xdac0_1407,
    0x9354_8c06,
    0xd37d_f0a4,
    0xdac0_1063,
    0x1b02_7c22,
    0xd34d_5801,
    0xcb05_0084,
    0x8b07_0063,
    0x8b06_0021,
    0x934c_e000,
    0x8b22_c082,
    0x8b03_0021,
    0x8b02_0021,
    0x8b00_0020,
    0xd65f_03c0,
];

/// Calls `func(args...)` (its `ret` returns to a BRK placed after it) and returns x0.
fn call(func: &[u32], args: &[u64]) -> u64 {
    let cpu = run(func, |c| {
        c.x[..args.len()].copy_from_slice(args);
        c.x[30] = CODE + 4 * func.len() as u64;
    });
    cpu.x[0]
}

const SAMPLES: [u64; 12] = [
    1,
    2,
    7,
    27,
    1000,
    0xffff_ffff,
    0x1_0000_0001,
    0x1234_5678_9abc_def0,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    0xffff_ffff_ffff_fff9,
    0xfedc_ba98_7654_3210,
];

#[test]
fn collatz_steps() {
    let reference = |mut n: u64| {
        let mut steps = 0;
        while n != 1 {
            n = if n & 1 == 1 { 3 * n + 1 } else { n >> 1 };
            steps += 1;
        }
        steps
    };
    for n in [1, 2, 3, 6, 7, 27, 97, 871] {
        assert_eq!(call(COLLATZ_STEPS, &[n]), reference(n), "collatz({n})");
    }
}

#[test]
fn integer_square_root() {
    // Largest r with r * r <= n, by bisection (independent of the C algorithm).
    let reference = |n: u64| {
        let (mut lo, mut hi) = (0u64, 1u64 << 32);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if (mid as u128) * (mid as u128) <= n as u128 {
                lo = mid
            } else {
                hi = mid
            }
        }
        lo
    };
    for n in [
        0,
        1,
        2,
        3,
        4,
        15,
        16,
        17,
        1 << 40,
        (1 << 62) - 1,
        0x3fff_0000_1234_5678,
    ] {
        assert_eq!(call(ISQRT, &[n]), reference(n), "isqrt({n})");
    }
}

#[test]
fn fnv1a_hash() {
    let reference = |v: u64| {
        v.to_le_bytes()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
            })
    };
    for v in SAMPLES {
        assert_eq!(call(FNV1A, &[v]), reference(v), "fnv1a({v:#x})");
    }
}

#[test]
fn greatest_common_divisor() {
    let reference = |mut a: u64, mut b: u64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    for (a, b) in [
        (12, 18),
        (17, 5),
        (0, 9),
        (9, 0),
        (1 << 63, 1 << 40),
        (u64::MAX, 3),
    ] {
        assert_eq!(call(GCD, &[a, b]), reference(a, b), "gcd({a}, {b})");
    }
}

#[test]
fn division_by_constants() {
    let reference = |x: u64| {
        let s = x as i64;
        (s / 7)
            .wrapping_add(s % 10)
            .wrapping_add((s as i32 / 3) as i64)
            .wrapping_add((x as u32 / 1000) as i64)
            .wrapping_add((s >> 3) / -5) as u64
    };
    for x in SAMPLES
        .into_iter()
        .chain([0, u64::MAX, -1000i64 as u64, -7i64 as u64])
    {
        assert_eq!(call(DIVMIX, &[x]), reference(x), "divmix({x:#x})");
    }
}

#[test]
fn crc_intrinsics() {
    // Bitwise (table-free) reflected CRC over the low `bytes` bytes of `v`.
    let crc = |poly: u32, mut acc: u32, v: u64, bytes: u32| {
        for i in 0..bytes * 8 {
            let bit = ((v >> i) as u32 ^ acc) & 1;
            acc = (acc >> 1) ^ if bit == 1 { poly } else { 0 };
        }
        acc
    };
    for (x, acc) in SAMPLES
        .into_iter()
        .zip([0u64, 0xffff_ffff, 0x1234_5678].into_iter().cycle())
    {
        let w = crc(0xedb8_8320, acc as u32, x, 4);
        let expected = crc(0x82f6_3b78, w, x, 8) as u64;
        assert_eq!(call(CRCC, &[x, acc]), expected, "crcc({x:#x}, {acc:#x})");
    }
}

#[test]
fn bit_manipulation() {
    let reference = |x: u64| {
        let s = x as i64;
        ((x | 1).leading_zeros() as u64)
            .wrapping_add((x | 1 << 63).trailing_zeros() as u64 * 100)
            .wrapping_add((x as u32).swap_bytes() as u64 * 7)
            .wrapping_add((x >> 13) & 0x3ff)
            .wrapping_add(((s << 7) >> 19) as u64)
            .wrapping_add((x >> 20) as i16 as i64 as u64)
            // clrsb: leading bits equal to the sign bit, not counting it.
            .wrapping_add(((s ^ (s >> 63)).leading_zeros() - 1) as u64)
    };
    for x in SAMPLES.into_iter().chain([0, u64::MAX]) {
        assert_eq!(call(BITS, &[x]), reference(x), "bits({x:#x})");
    }
}

//! SHA-1 and SHA-256 instructions, transcribed from the Arm ARM pseudocode on 128-bit
//! values (element `e` of 32 bits is bits `32e+31 : 32e`).

use crate::decode::fp_simd::crypto::{Sha2Reg, Sha3Reg};

fn elem(v: u128, e: u32) -> u32 {
    (v >> (32 * e)) as u32
}

fn from_elems(e: [u32; 4]) -> u128 {
    e.iter()
        .rev()
        .fold(0u128, |acc, &x| (acc << 32) | x as u128)
}

fn choose(x: u32, y: u32, z: u32) -> u32 {
    ((y ^ z) & x) ^ z
}

fn parity(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}

fn majority(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | ((x | y) & z)
}

/// SHA1C/SHA1P/SHA1M: four rounds on the ABCD state `x` and E `y`, with the
/// prepared schedule words (W + K) in `w`. Returns the new ABCD.
fn sha1_rounds(f: fn(u32, u32, u32) -> u32, x: u128, y: u32, w: u128) -> u128 {
    let (mut x, mut y) = (x, y);
    for e in 0..4 {
        let t = f(elem(x, 1), elem(x, 2), elem(x, 3));
        y = y
            .wrapping_add(elem(x, 0).rotate_left(5))
            .wrapping_add(t)
            .wrapping_add(elem(w, e));
        let b = elem(x, 1).rotate_left(30) as u128;
        x = (x & !(0xffff_ffffu128 << 32)) | (b << 32);
        // <Y, X> = ROL(Y:X, 32) on the 160-bit value.
        let top = elem(x, 3);
        x = (x << 32) | y as u128;
        y = top;
    }
    x
}

fn sigma0(x: u32) -> u32 {
    x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
}

fn sigma1(x: u32) -> u32 {
    x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
}

/// `SHA256hash`: four rounds on the ABCD half `x` and EFGH half `y`; returns the new
/// ABCD (`part1`, SHA256H) or EFGH (SHA256H2).
fn sha256_hash(x: u128, y: u128, w: u128, part1: bool) -> u128 {
    let (mut x, mut y) = (x, y);
    for e in 0..4 {
        let chs = choose(elem(y, 0), elem(y, 1), elem(y, 2));
        let maj = majority(elem(x, 0), elem(x, 1), elem(x, 2));
        let t = elem(y, 3)
            .wrapping_add(sigma1(elem(y, 0)))
            .wrapping_add(chs)
            .wrapping_add(elem(w, e));
        let x3 = t.wrapping_add(elem(x, 3));
        let y3 = t.wrapping_add(sigma0(elem(x, 0))).wrapping_add(maj);
        x = (x & (u128::MAX >> 32)) | (x3 as u128) << 96;
        y = (y & (u128::MAX >> 32)) | (y3 as u128) << 96;
        // <Y, X> = ROL(Y:X, 32) on the 256-bit value.
        let (x_top, y_top) = (elem(x, 3), elem(y, 3));
        x = (x << 32) | y_top as u128;
        y = (y << 32) | x_top as u128;
    }
    if part1 {
        x
    } else {
        y
    }
}

/// A three-register instruction: `d`, `n`, `m` are the whole registers Vd, Vn, Vm. The
/// round instructions use the host's SHA extensions when it has them.
pub fn three_reg(op: Sha3Reg, d: u128, n: u128, m: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("sha") && std::arch::is_x86_feature_detected!("sse4.1") {
        // SAFETY: the host supports both (checked just above).
        if let Some(r) = unsafe { super::sha_host::rounds(op, d, n, m) } {
            return r;
        }
    }
    three_reg_software(op, d, n, m)
}

/// [`three_reg`] as the Arm ARM pseudocode, in portable software.
pub fn three_reg_software(op: Sha3Reg, d: u128, n: u128, m: u128) -> u128 {
    match op {
        Sha3Reg::Sha1C => sha1_rounds(choose, d, n as u32, m),
        Sha3Reg::Sha1P => sha1_rounds(parity, d, n as u32, m),
        Sha3Reg::Sha1M => sha1_rounds(majority, d, n as u32, m),
        Sha3Reg::Sha1Su0 => {
            // result = op2<63:0> : op1<127:64>, then XOR with op1 and op3.
            let r = (n << 64) | (d >> 64);
            r ^ d ^ m
        }
        Sha3Reg::Sha256H => sha256_hash(d, n, m, true),
        Sha3Reg::Sha256H2 => sha256_hash(n, d, m, false),
        Sha3Reg::Sha256Su1 => {
            let t0 = (m << 96) | (n >> 32);
            let small_sigma1 = |x: u32| x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10);
            let mut r = [0u32; 4];
            // Elements 2 and 3 depend on the freshly computed elements 0 and 1.
            for e in 0..4 {
                let src = if e < 2 {
                    elem(m, 2 + e as u32)
                } else {
                    r[e - 2]
                };
                r[e] = small_sigma1(src)
                    .wrapping_add(elem(d, e as u32))
                    .wrapping_add(elem(t0, e as u32));
            }
            from_elems(r)
        }
    }
}

/// A two-register instruction: `d` and `n` are the whole registers Vd and Vn.
pub fn two_reg(op: Sha2Reg, d: u128, n: u128) -> u128 {
    match op {
        // SHA1H writes the S register: the rest of Vd is zeroed.
        Sha2Reg::Sha1H => (n as u32).rotate_left(30) as u128,
        Sha2Reg::Sha1Su1 => {
            let t = d ^ (n >> 32);
            let w0 = elem(t, 0).rotate_left(1);
            let w1 = elem(t, 1).rotate_left(1);
            let w2 = elem(t, 2).rotate_left(1);
            let w3 = elem(t, 3).rotate_left(1) ^ elem(t, 0).rotate_left(2);
            from_elems([w0, w1, w2, w3])
        }
        Sha2Reg::Sha256Su0 => {
            let t = (n << 96) | (d >> 32);
            let small_sigma0 = |x: u32| x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3);
            from_elems(std::array::from_fn(|e| {
                small_sigma0(elem(t, e as u32)).wrapping_add(elem(d, e as u32))
            }))
        }
    }
}

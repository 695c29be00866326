//! Known-answer tests of the cryptographic instructions: raw instruction words run in
//! both tiers (`testkit::run_both` asserts they agree bit for bit), checked against the
//! FIPS-197 / FIPS-180 example results. Oracle cases measured under qemu-aarch64 are in
//! `oracle_crypto.rs`.

use super::{aes, pmull};
use crate::decode::fp_simd::crypto::Aes;
use crate::exits;
use crate::sem::fp_simd::fp::tests::Case;
use crate::state::CpuState;
use crate::testkit::{run_both, BRK0};

// Instruction encoders (checked against `aarch64-linux-gnu-as` output in the comments).
/// AESE (4), AESD (5), AESMC (6), AESIMC (7): `aese v0.16b, v1.16b` = 0x4e284820.
fn aes_insn(opcode: u32, d: u32, n: u32) -> u32 {
    0x4e28_0800 | opcode << 12 | n << 5 | d
}
const AESE: u32 = 4;
const AESD: u32 = 5;
const AESMC: u32 = 6;
const AESIMC: u32 = 7;
/// Three-register SHA: `sha1c q0, s1, v2.4s` = 0x5e020020.
fn sha3(opcode: u32, d: u32, n: u32, m: u32) -> u32 {
    0x5e00_0000 | m << 16 | opcode << 12 | n << 5 | d
}
const SHA1C: u32 = 0;
const SHA1P: u32 = 1;
const SHA1M: u32 = 2;
const SHA1SU0: u32 = 3;
const SHA256H: u32 = 4;
const SHA256H2: u32 = 5;
const SHA256SU1: u32 = 6;
/// Two-register SHA: `sha1h s0, s1` = 0x5e280820.
fn sha2(opcode: u32, d: u32, n: u32) -> u32 {
    0x5e28_0800 | opcode << 12 | n << 5 | d
}
const SHA1H: u32 = 0;
const SHA1SU1: u32 = 1;
const SHA256SU0: u32 = 2;
/// `add v3.4s, v4.4s, v5.4s` = 0x4ea58483.
fn add_4s(d: u32, n: u32, m: u32) -> u32 {
    0x4ea0_8400 | m << 16 | n << 5 | d
}
/// `mov v2.16b, v0.16b` = 0x4ea01c02.
fn mov_v(d: u32, n: u32) -> u32 {
    0x4ea0_1c00 | n << 16 | n << 5 | d
}
/// `eor v0.16b, v0.16b, v11.16b` = 0x6e2b1c00.
fn eor_v(d: u32, n: u32, m: u32) -> u32 {
    0x6e20_1c00 | m << 16 | n << 5 | d
}
/// `pmull v5.1q, v3.1d, v0.1d` = 0x0ee0e065; PMULL2 sets bit 30.
fn pmull_q(upper: bool, d: u32, n: u32, m: u32) -> u32 {
    0x0ee0_e000 | (upper as u32) << 30 | m << 16 | n << 5 | d
}

fn set_v(st: &mut CpuState, n: usize, v: u128) {
    st.vreg[n] = [v as u64, (v >> 64) as u64];
}

fn get_v(st: &CpuState, n: usize) -> u128 {
    st.vreg[n][0] as u128 | (st.vreg[n][1] as u128) << 64
}

/// Runs `code` then `BRK #0` in both tiers and returns the final state, which must have
/// stopped at that BRK.
fn run(mut code: Vec<u32>, setup: impl Fn(&mut CpuState)) -> CpuState {
    code.push(BRK0);
    let (st, exit) = run_both(&code, setup);
    assert_eq!(exit, exits::BRK, "stopped with {}", exits::name(exit));
    st
}

/// A 16-byte block in memory order as the register value `LD1 {v.16b}` would load.
fn block(hex: &str) -> u128 {
    let bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    u128::from_le_bytes(bytes.try_into().unwrap())
}

/// The AES-128 key schedule (FIPS-197 5.2), in software: 11 round keys.
fn expand_key(key: u128) -> [u128; 11] {
    let mut w = [0u32; 44];
    for (i, word) in w.iter_mut().take(4).enumerate() {
        *word = (key >> (32 * i)) as u32;
    }
    let mut rcon = 1u8;
    for i in 4..44 {
        let mut t = w[i - 1];
        if i % 4 == 0 {
            // RotWord then SubWord on the little-endian word (byte 0 = first key byte).
            t = t.rotate_right(8);
            t = u32::from_le_bytes(t.to_le_bytes().map(|b| aes::SBOX[b as usize]));
            t ^= rcon as u32;
            rcon = (rcon << 1) ^ if rcon & 0x80 != 0 { 0x1b } else { 0 };
        }
        w[i] = w[i - 4] ^ t;
    }
    std::array::from_fn(|r| (0..4).fold(0u128, |acc, j| acc | (w[4 * r + j] as u128) << (32 * j)))
}

#[test]
fn sbox_known_entries() {
    // FIPS-197 figure 7 and its inverse.
    assert_eq!(aes::SBOX[0x00], 0x63);
    assert_eq!(aes::SBOX[0x53], 0xed);
    assert_eq!(aes::SBOX[0xff], 0x16);
    assert_eq!(aes::INV_SBOX[0x63], 0x00);
    assert_eq!(aes::INV_SBOX[0xed], 0x53);
}

#[test]
fn key_schedule_matches_fips197_appendix_a() {
    let k = expand_key(block("2b7e151628aed2a6abf7158809cf4f3c"));
    assert_eq!(k[1], block("a0fafe1788542cb123a339392a6c7605"));
    assert_eq!(k[10], block("d014f9a8c9ee2589e13f0cc8b6630ca6"));
}

/// FIPS-197 appendix B, round 1: AESE is AddRoundKey + SubBytes + ShiftRows, AESMC is
/// MixColumns.
#[test]
fn aese_aesmc_first_round_fips197() {
    let st = run(vec![aes_insn(AESE, 0, 1), aes_insn(AESMC, 2, 0)], |st| {
        set_v(st, 0, block("3243f6a8885a308d313198a2e0370734"));
        set_v(st, 1, block("2b7e151628aed2a6abf7158809cf4f3c"));
    });
    assert_eq!(get_v(&st, 0), block("d4bf5d30e0b452aeb84111f11e2798e5"));
    assert_eq!(get_v(&st, 2), block("046681e5e0cb199a48f8d37a2806264c"));
    // The same vector through the portable software (the instructions above take the
    // host's AES-NI when it has it).
    let round1 = aes::software(
        Aes::Encrypt,
        block("3243f6a8885a308d313198a2e0370734"),
        block("2b7e151628aed2a6abf7158809cf4f3c"),
    );
    assert_eq!(round1, block("d4bf5d30e0b452aeb84111f11e2798e5"));
    let mixed = aes::software(Aes::MixColumns, 0, round1);
    assert_eq!(mixed, block("046681e5e0cb199a48f8d37a2806264c"));
    assert_eq!(aes::software(Aes::InvMixColumns, 0, mixed), round1);
    // AESD with a zero key undoes the substitution and row shift of AESE.
    assert_eq!(
        aes::software(Aes::Decrypt, round1, 0),
        block("3243f6a8885a308d313198a2e0370734") ^ block("2b7e151628aed2a6abf7158809cf4f3c")
    );
}

/// The AES-128 encryption of the linux/OpenSSL arm64 code: nine AESE+AESMC rounds, a last
/// AESE and the final AddRoundKey as EOR.
fn encrypt_program() -> Vec<u32> {
    let mut code = Vec::new();
    for r in 0..9 {
        code.push(aes_insn(AESE, 0, 1 + r));
        code.push(aes_insn(AESMC, 0, 0));
    }
    code.push(aes_insn(AESE, 0, 10));
    code.push(eor_v(0, 0, 11));
    code
}

/// The equivalent inverse cipher: the middle round keys go through AESIMC (done here by
/// the instruction itself, as the kernel's key expansion does), then AESD+AESIMC rounds.
fn decrypt_program() -> Vec<u32> {
    let mut code: Vec<u32> = (2..=10).map(|k| aes_insn(AESIMC, k, k)).collect();
    code.push(aes_insn(AESD, 0, 11));
    for k in (2..=10).rev() {
        code.push(aes_insn(AESIMC, 0, 0));
        code.push(aes_insn(AESD, 0, k));
    }
    code.push(eor_v(0, 0, 1));
    code
}

fn aes128_round_trip(key: &str, plain: &str, cipher: &str) {
    let keys = expand_key(block(key));
    let load = |input: u128| {
        move |st: &mut CpuState| {
            set_v(st, 0, input);
            for (i, &k) in keys.iter().enumerate() {
                set_v(st, 1 + i, k);
            }
        }
    };
    let st = run(encrypt_program(), load(block(plain)));
    assert_eq!(get_v(&st, 0), block(cipher), "encryption");
    let st = run(decrypt_program(), load(block(cipher)));
    assert_eq!(get_v(&st, 0), block(plain), "decryption");
}

#[test]
fn aes128_fips197_appendix_b() {
    aes128_round_trip(
        "2b7e151628aed2a6abf7158809cf4f3c",
        "3243f6a8885a308d313198a2e0370734",
        "3925841d02dc09fbdc118597196a0b32",
    );
}

#[test]
fn aes128_fips197_appendix_c1() {
    aes128_round_trip(
        "000102030405060708090a0b0c0d0e0f",
        "00112233445566778899aabbccddeeff",
        "69c4e0d86a7b0430d8cdb78070b4c55a",
    );
}

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// The host AES-NI path (when present) and the portable software agree on every
/// operation for random states and keys.
#[test]
fn aes_host_and_software_agree() {
    let mut seed = 0x1234_5678_9abc_def0;
    for _ in 0..2000 {
        let s = (xorshift(&mut seed) as u128) << 64 | xorshift(&mut seed) as u128;
        let k = (xorshift(&mut seed) as u128) << 64 | xorshift(&mut seed) as u128;
        for op in [
            Aes::Encrypt,
            Aes::Decrypt,
            Aes::MixColumns,
            Aes::InvMixColumns,
        ] {
            assert_eq!(
                aes::run(op, s, k),
                aes::software(op, s, k),
                "{op:?} {s:#x} {k:#x}"
            );
        }
        // The inverses really invert.
        let mc = aes::software(Aes::MixColumns, k, s);
        assert_eq!(aes::software(Aes::InvMixColumns, k, mc), s);
    }
}

/// The host SHA-NI path (when present) and the software transcription agree on every
/// three-register operation for random registers.
#[test]
fn sha_host_and_software_agree() {
    use crate::decode::fp_simd::crypto::Sha3Reg::*;
    use crate::sem::fp_simd::crypto::sha;
    let mut seed = 0x5eed_0000_1111_2222;
    let mut r128 = || (xorshift(&mut seed) as u128) << 64 | xorshift(&mut seed) as u128;
    for _ in 0..2000 {
        let (d, n, m) = (r128(), r128(), r128());
        for op in [Sha1C, Sha1P, Sha1M, Sha1Su0, Sha256H, Sha256H2, Sha256Su1] {
            assert_eq!(
                sha::three_reg(op, d, n, m),
                sha::three_reg_software(op, d, n, m),
                "{op:?} {d:#x} {n:#x} {m:#x}"
            );
        }
    }
}

/// The message block of "abc" after SHA padding, as four vectors of big-endian words
/// (what LD1 + REV32 gives the kernel's code).
fn abc_schedule() -> [u128; 4] {
    let mut w = [0u32; 16];
    w[0] = 0x6162_6380;
    w[15] = 24;
    std::array::from_fn(|i| (0..4).fold(0u128, |acc, j| acc | (w[4 * i + j] as u128) << (32 * j)))
}

fn words(w: &[u32]) -> u128 {
    w.iter()
        .enumerate()
        .fold(0u128, |acc, (j, &x)| acc | (x as u128) << (32 * j))
}

/// SHA-1 of "abc" (FIPS 180-2 appendix A.1), the way arch/arm64/crypto/sha1-ce-core.S
/// runs it: v0 = ABCD, E alternates between s1 and s2 (SHA1H computes the next E from
/// the current A), v4-v7 the schedule, v16-v19 the round constants, v8/v9 the input
/// state.
#[test]
fn sha1_abc() {
    let mut code = Vec::new();
    let schedule = [4, 5, 6, 7];
    for i in 0..20usize {
        let (e_cur, e_next) = if i % 2 == 0 { (1, 2) } else { (2, 1) };
        code.push(add_4s(3, schedule[i % 4], 16 + (i / 5) as u32));
        code.push(sha2(SHA1H, e_next, 0));
        let op = match i / 5 {
            0 => SHA1C,
            1 | 3 => SHA1P,
            _ => SHA1M,
        };
        code.push(sha3(op, 0, e_cur, 3));
        if i < 16 {
            let w = |k: usize| schedule[(i + k) % 4];
            code.push(sha3(SHA1SU0, w(0), w(1), w(2)));
            code.push(sha2(SHA1SU1, w(0), w(3)));
        }
    }
    code.push(add_4s(0, 0, 8));
    code.push(add_4s(1, 1, 9));
    let st = run(code, |st| {
        let h = words(&[0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]);
        set_v(st, 0, h);
        set_v(st, 8, h);
        set_v(st, 1, 0xc3d2_e1f0);
        set_v(st, 9, 0xc3d2_e1f0);
        for (i, w) in abc_schedule().into_iter().enumerate() {
            set_v(st, 4 + i, w);
        }
        for (i, k) in [0x5a82_7999u32, 0x6ed9_eba1, 0x8f1b_bcdc, 0xca62_c1d6]
            .into_iter()
            .enumerate()
        {
            set_v(st, 16 + i, words(&[k; 4]));
        }
    });
    assert_eq!(
        get_v(&st, 0),
        words(&[0xa999_3e36, 0x4706_816a, 0xba3e_2571, 0x7850_c26c])
    );
    assert_eq!(get_v(&st, 1), 0x9cd0_d89d);
}

const SHA256_K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 of "abc" (FIPS 180-2 appendix B.1), the way arch/arm64/crypto/sha2-ce-core.S
/// runs it: v0 = ABCD, v1 = EFGH, v2 the copy of ABCD that SHA256H2 needs, v3 = W + K,
/// v4-v7 the schedule, v16-v31 the round constants, v8/v9 the input state.
#[test]
fn sha256_abc() {
    let mut code = Vec::new();
    let schedule = [4, 5, 6, 7];
    for i in 0..16usize {
        code.push(add_4s(3, schedule[i % 4], 16 + i as u32));
        code.push(mov_v(2, 0));
        code.push(sha3(SHA256H, 0, 1, 3));
        code.push(sha3(SHA256H2, 1, 2, 3));
        if i < 12 {
            let w = |k: usize| schedule[(i + k) % 4];
            code.push(sha2(SHA256SU0, w(0), w(1)));
            code.push(sha3(SHA256SU1, w(0), w(2), w(3)));
        }
    }
    code.push(add_4s(0, 0, 8));
    code.push(add_4s(1, 1, 9));
    let st = run(code, |st| {
        let abcd = words(&[0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a]);
        let efgh = words(&[0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]);
        set_v(st, 0, abcd);
        set_v(st, 8, abcd);
        set_v(st, 1, efgh);
        set_v(st, 9, efgh);
        for (i, w) in abc_schedule().into_iter().enumerate() {
            set_v(st, 4 + i, w);
        }
        for (i, k) in SHA256_K.chunks(4).enumerate() {
            set_v(st, 16 + i, words(k));
        }
    });
    assert_eq!(
        get_v(&st, 0),
        words(&[0xba78_16bf, 0x8f01_cfea, 0x4141_40de, 0x5dae_2223])
    );
    assert_eq!(
        get_v(&st, 1),
        words(&[0xb003_61a3, 0x9617_7a9c, 0xb410_ff61, 0xf200_15ad])
    );
}

/// Carry-less multiply by long division's mirror image: shift-and-XOR over the bits of
/// `a` (the helper loops over `b`), so the two share no code.
fn reference_clmul(a: u64, b: u64) -> u128 {
    let mut r = 0u128;
    let mut b_shifted = b as u128;
    let mut a = a;
    while a != 0 {
        if a & 1 != 0 {
            r ^= b_shifted;
        }
        a >>= 1;
        b_shifted <<= 1;
    }
    r
}

#[test]
fn clmul_known_answers() {
    // (x^64 - 1)^2 over GF(2) has every even power up to x^126.
    let all_ones = 0x5555_5555_5555_5555_5555_5555_5555_5555;
    assert_eq!(pmull::clmul(u64::MAX, u64::MAX), all_ones);
    assert_eq!(pmull::clmul_software(u64::MAX, u64::MAX), all_ones);
    assert_eq!(pmull::clmul(1 << 63, 1 << 63), 1 << 126);
    assert_eq!(pmull::clmul(0b11, 0b11), 0b101);
    let mut seed = 0xdead_beef_cafe_f00d;
    for _ in 0..2000 {
        let (a, b) = (xorshift(&mut seed), xorshift(&mut seed));
        assert_eq!(pmull::clmul(a, b), reference_clmul(a, b));
        assert_eq!(pmull::clmul_software(a, b), reference_clmul(a, b));
    }
}

#[test]
fn pmull_1q_both_halves() {
    let mut seed = 0x0123_4567_89ab_cdef;
    let mut values = vec![
        (u64::MAX, u64::MAX, u64::MAX, u64::MAX),
        (0, u64::MAX, 1, u64::MAX),
    ];
    for _ in 0..20 {
        let v = (
            xorshift(&mut seed),
            xorshift(&mut seed),
            xorshift(&mut seed),
            xorshift(&mut seed),
        );
        values.push(v);
    }
    for (n_lo, n_hi, m_lo, m_hi) in values {
        let st = run(
            vec![pmull_q(false, 5, 3, 0), pmull_q(true, 6, 3, 0)],
            |st| {
                st.vreg[3] = [n_lo, n_hi];
                st.vreg[0] = [m_lo, m_hi];
            },
        );
        assert_eq!(get_v(&st, 5), reference_clmul(n_lo, m_lo));
        assert_eq!(get_v(&st, 6), reference_clmul(n_hi, m_hi));
    }
}

/// SHA1H writes the S register: the rest of Vd is zeroed.
#[test]
fn sha1h_zeroes_upper_bits() {
    let st = run(vec![sha2(SHA1H, 0, 1)], |st| {
        st.vreg[0] = [u64::MAX, u64::MAX];
        st.vreg[1] = [0xffff_ffff_8000_0001, 7];
    });
    assert_eq!(st.vreg[0], [0x6000_0000, 0]);
}

#[rustfmt::skip]
#[path = "oracle_crypto.rs"]
mod oracle_crypto;

/// Every crypto instruction against values measured under qemu-aarch64
/// (`fp/oracle/mkcases_crypto.py`), incl. aliased registers and unallocated neighbours.
#[test]
fn crypto_matches_oracle() {
    crate::sem::fp_simd::fp::tests::run_cases(oracle_crypto::CASES);
}

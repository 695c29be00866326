//! Random words from the load/store and system groups, run in both tiers from random
//! states: the tiers must agree exactly and nothing may panic (addresses are random, so
//! faults of every kind are exercised too).

use crate::decode::{decode, system, Kind};
use crate::state::CpuState;
use crate::testkit::{Bare, Tier, BRK0, CODE, DATA, DATA_LEN, STACK_TOP};
use emu_core::emit::{perm, Exit};

/// xorshift64: deterministic, so a failure names a reproducible case.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A word that decodes into one of our groups (CNTVCT reads excluded: the tiers read the
/// clock at different times).
fn random_word(rng: &mut Rng) -> u32 {
    loop {
        let w = rng.next() as u32;
        // Half the time aim at the system space, which random words rarely hit.
        let w = if w & 1 == 0 {
            0xd500_0000 | (w >> 10)
        } else {
            w
        };
        match decode(w).kind {
            Kind::LdSt(_) => return w,
            Kind::System(_) if system::sysreg(w) != Some(system::SysReg::CntvctEl0) => return w,
            _ => {}
        }
    }
}

/// A state whose registers mostly point into the data area (some unaligned, some small
/// numbers that make unmapped addresses).
fn random_state(rng: &mut Rng) -> CpuState {
    let mut c = CpuState::default();
    c.core.pc = CODE;
    for i in 0..31 {
        let r = rng.next();
        c.x[i] = match i % 3 {
            0 => r & 0xff,
            1 => DATA + 0x4000 + ((r & 0x3ff) << 4),
            _ => DATA + 0x4000 + (r & 0x3ff),
        };
    }
    c.x[31] = STACK_TOP - 0x800;
    c.set_nzcv((rng.next() & 0xf) << 28);
    for v in c.vreg.iter_mut() {
        *v = [rng.next(), rng.next()];
    }
    c
}

/// Loads `word; brk #0` into a reused machine and runs it from `state`.
fn run_one(b: &mut Bare, word: u32, state: &CpuState, data: &[u8]) -> (Exit, Vec<u8>) {
    b.space
        .protect(CODE, 0x1000, perm::READ | perm::WRITE)
        .expect("code page");
    let code: Vec<u8> = [word, BRK0].iter().flat_map(|w| w.to_le_bytes()).collect();
    b.space.view().write_bytes(CODE, &code).expect("code page");
    b.space
        .protect(CODE, 0x1000, perm::READ | perm::EXEC)
        .expect("code page");
    b.rt.flush();
    b.space.view().write_bytes(DATA, data).expect("data area");
    b.cpu = state.clone();
    let e = b.run();
    let mut mem = vec![0u8; DATA_LEN as usize];
    b.space
        .view()
        .read_bytes(DATA, &mut mem)
        .expect("data area");
    (e, mem)
}

#[test]
fn random_words_agree_between_tiers() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let data: Vec<u8> = (0..DATA_LEN).map(|i| (i * 7 + 3) as u8).collect();
    let mut interp = Bare::new(&[0, BRK0], Tier::Interp);
    let mut jit = Bare::new(&[0, BRK0], Tier::Jit);
    for case in 0..4000 {
        let word = random_word(&mut rng);
        let state = random_state(&mut rng);
        let (ea, ma) = run_one(&mut interp, word, &state, &data);
        let (eb, mb) = run_one(&mut jit, word, &state, &data);
        let (a, b) = (&interp.cpu, &jit.cpu);
        let ctx = format!("case {case}: word {word:#010x}");
        assert_eq!(ea, eb, "{ctx}: exit");
        assert_eq!(a.core.pc, b.core.pc, "{ctx}: pc");
        assert_eq!(a.x, b.x, "{ctx}: X registers");
        assert_eq!(a.vreg, b.vreg, "{ctx}: V registers");
        assert_eq!(a.nzcv(), b.nzcv(), "{ctx}: NZCV");
        assert_eq!((a.fpcr, a.fpsr), (b.fpcr, b.fpsr), "{ctx}: FPCR/FPSR");
        assert_eq!(a.excl_addr, b.excl_addr, "{ctx}: monitor");
        assert!(ma == mb, "{ctx}: memory");
        if ea.is_fault() {
            assert_eq!(a.core.fault_addr, b.core.fault_addr, "{ctx}: fault address");
        }
    }
}

//! Runs raw A64 instruction words on a bare CPU, for instruction tests and the
//! differential tests. Code is placed at [`CODE`], a read/write scratch area at [`DATA`]
//! (x28 points to it) and a stack below [`STACK_TOP`]. Execution stops at the first exit
//! that is not a plain jump (end a test with `BRK #0`: 0xd4200000).

use crate::exits;
use crate::guest::A64;
use crate::state::CpuState;
use emu_core::emit::{perm, Exit};
use emu_core::mem::GuestSpace;
use emu_core::runtime::{Runtime, TierConfig};

pub const CODE: u64 = 0x10_0000;
pub const DATA: u64 = 0x20_0000;
pub const DATA_LEN: u64 = 0x1_0000;
pub const STACK_TOP: u64 = 0x40_0000;
pub const BRK0: u32 = 0xd420_0000;

/// Which tier runs the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Interp,
    /// Every block compiled before its first run.
    Jit,
}

pub struct Bare {
    pub space: GuestSpace,
    pub cpu: CpuState,
    pub rt: Runtime<A64>,
}

impl Bare {
    pub fn new(code: &[u32], tier: Tier) -> Bare {
        let space = GuestSpace::new(1 << 32).expect("reserve guest space");
        let code_len = ((code.len() as u64 * 4) + 0xfff) & !0xfff;
        space
            .map_anon(CODE, code_len.max(0x1000), perm::READ | perm::WRITE)
            .expect("map code");
        let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        space.view().write_bytes(CODE, &bytes).expect("write code");
        space
            .protect(CODE, code_len.max(0x1000), perm::READ | perm::EXEC)
            .expect("protect code");
        space
            .map_anon(DATA, DATA_LEN, perm::READ | perm::WRITE)
            .expect("map data");
        space
            .map_anon(STACK_TOP - 0x1_0000, 0x1_0000, perm::READ | perm::WRITE)
            .expect("map stack");
        let cfg = match tier {
            Tier::Interp => TierConfig {
                jit: false,
                ..TierConfig::default()
            },
            Tier::Jit => {
                let mut cfg = TierConfig {
                    jit: true,
                    threshold: 0,
                    ..TierConfig::default()
                };
                // As in `emu run`: compiled accesses fault in the host.
                cfg.jit_settings.host_faults =
                    emu_core::jit::hostfault::install_standalone_handler();
                cfg
            }
        };
        let rt = Runtime::new(space.view(), cfg).expect("runtime");
        let mut cpu = CpuState::default();
        cpu.core.pc = CODE;
        cpu.x[28] = DATA;
        cpu.x[31] = STACK_TOP;
        Bare { space, cpu, rt }
    }

    /// Runs until an exit other than a jump; `SVC`s are not serviced here.
    pub fn run(&mut self) -> Exit {
        let p = self.cpu.as_mut_ptr();
        // SAFETY: cpu lives in self and is used only by this thread.
        unsafe { self.rt.run(p) }
    }
}

/// Runs `code` (which should end in `BRK #0`) with `setup` applied to the CPU first, in
/// the given tier, and returns the final CPU state and the exit.
pub fn run_words(code: &[u32], tier: Tier, setup: impl FnOnce(&mut CpuState)) -> (CpuState, Exit) {
    let mut b = Bare::new(code, tier);
    setup(&mut b.cpu);
    let e = b.run();
    (b.cpu.clone(), e)
}

/// Runs `code` in both tiers, asserts they agree exactly (registers, flags, pc, exit,
/// FP state and the data area), and returns the interpreter's result.
pub fn run_both(code: &[u32], setup: impl Fn(&mut CpuState)) -> (CpuState, Exit) {
    let mut a = Bare::new(code, Tier::Interp);
    setup(&mut a.cpu);
    let ea = a.run();
    let mut b = Bare::new(code, Tier::Jit);
    setup(&mut b.cpu);
    let eb = b.run();
    assert_eq!(
        ea,
        eb,
        "exit differs between tiers ({} vs {})",
        exits::name(ea),
        exits::name(eb)
    );
    assert_eq!(a.cpu.core.pc, b.cpu.core.pc, "pc differs between tiers");
    assert_eq!(a.cpu.x, b.cpu.x, "X registers differ between tiers");
    assert_eq!(a.cpu.nzcv(), b.cpu.nzcv(), "NZCV differs between tiers");
    assert_eq!(a.cpu.vreg, b.cpu.vreg, "V registers differ between tiers");
    assert_eq!(
        (a.cpu.fpcr, a.cpu.fpsr),
        (b.cpu.fpcr, b.cpu.fpsr),
        "FPCR/FPSR differ between tiers"
    );
    let (mut da, mut db) = (vec![0u8; DATA_LEN as usize], vec![0u8; DATA_LEN as usize]);
    a.space.view().read_bytes(DATA, &mut da).expect("read data");
    b.space.view().read_bytes(DATA, &mut db).expect("read data");
    assert!(da == db, "data memory differs between tiers");
    if ea.is_fault() {
        assert_eq!(
            a.cpu.core.fault_addr, b.cpu.core.fault_addr,
            "fault address differs"
        );
    }
    (a.cpu, ea)
}

/// xorshift64*: a small deterministic generator for random tests, so a failure
/// reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// True with probability 1/`n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next_u64().is_multiple_of(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movz_movk_add_imm() {
        // movz x0, #0x1234, lsl #16 ; movk x0, #0x5678 ; add x1, x0, #0x10, lsl #12 ;
        // subs w2, w0, #1 ; brk #0
        let code = [0xd2a24680, 0xf28acf00, 0x91404001, 0x71000402, BRK0];
        let (cpu, e) = run_both(&code, |_| {});
        assert_eq!(e, exits::BRK);
        assert_eq!(cpu.x[0], 0x1234_5678);
        assert_eq!(cpu.x[1], 0x1234_5678 + 0x10000);
        assert_eq!(cpu.x[2], 0x1234_5677);
        assert_eq!(cpu.nzcv(), 0x2000_0000); // C set: no borrow
    }

    #[test]
    fn undefined_raises_undef() {
        let (cpu, e) = run_both(&[0x0000_0000], |_| {});
        assert_eq!(e, exits::UNDEF);
        assert_eq!(cpu.core.pc, CODE);
    }
}

//! Semantics: branches. Direct targets use `goto`/`goto_cond` (the JIT can chain them);
//! register targets use `goto_dyn`. Target arithmetic wraps like the architecture's
//! 64-bit PC does, so no guest value can overflow host arithmetic.

use super::*;
use crate::decode::branch::Op;
use crate::decode::{bit, bits, rn, sext};

// Inlined so that `sem::interp`'s handlers, which pass a constant `op`, keep only
// that operation's arm.
#[inline(always)]
pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    let next = pc.wrapping_add(4);
    match op {
        Op::BranchImm => {
            let target = pc.wrapping_add(sext(bits(raw, 25, 0) as u64, 26) << 2);
            if bit(raw, 31) {
                let link = e.imm(next);
                e.set(slot_x(30), link);
            }
            e.goto(target);
        }
        Op::BranchCond => {
            let target = pc.wrapping_add(imm19_offset(raw));
            let cond = bits(raw, 3, 0);
            // AL and NV always branch: make that visible as a direct (chainable) jump.
            if cond >= 0b1110 {
                e.goto(target);
            } else {
                let (base, inverted) = super::dp_reg::cond_parts(e, cond);
                if inverted {
                    e.goto_cond(base, next, target);
                } else {
                    e.goto_cond(base, target, next);
                }
            }
        }
        Op::CompareBranch => {
            let target = pc.wrapping_add(imm19_offset(raw));
            let v = xw(e, bits(raw, 4, 0), bit(raw, 31));
            branch_on_nonzero(e, v, bit(raw, 24), target, next);
        }
        Op::TestBranch => {
            let offset = sext(bits(raw, 18, 5) as u64, 14) << 2;
            let target = pc.wrapping_add(offset);
            let bit_pos = (bits(raw, 31, 31) << 5) | bits(raw, 23, 19);
            let v = x(e, bits(raw, 4, 0));
            let mask = e.imm(1u64 << bit_pos);
            let tested = e.bin(BinOp::And, v, mask);
            branch_on_nonzero(e, tested, bit(raw, 24), target, next);
        }
        Op::Br | Op::Ret => {
            let target = x(e, rn(raw));
            e.goto_dyn(target);
        }
        Op::Blr => {
            // Read the target before writing the link register: `blr x30` is valid.
            let target = x(e, rn(raw));
            let link = e.imm(next);
            e.set(slot_x(30), link);
            e.goto_dyn(target);
        }
    }
    Ok(())
}

/// CBNZ/TBNZ (`if_nonzero`) or CBZ/TBZ: `goto_cond` already tests "non-zero", so the
/// zero forms swap the outcomes instead of emitting a comparison.
fn branch_on_nonzero<E: Emitter>(e: &mut E, v: E::V, if_nonzero: bool, target: u64, next: u64) {
    if if_nonzero {
        e.goto_cond(v, target, next);
    } else {
        e.goto_cond(v, next, target);
    }
}

/// The byte offset of B.cond/CBZ/CBNZ: imm19 (bits 23..5) × 4, sign-extended.
fn imm19_offset(raw: u32) -> u64 {
    sext(bits(raw, 23, 5) as u64, 19) << 2
}

#[cfg(test)]
mod tests {
    use crate::sem::dp_reg::tests::run;
    use crate::state::CpuState;
    use crate::testkit::CODE;

    const MOVZ_X1_1: u32 = 0xd280_0021;
    const MOVZ_X2_2: u32 = 0xd280_0042;

    /// Runs `[branch to .+8, movz x1 #1, movz x2 #2]`: whether the branch was taken.
    fn taken(branch: u32, setup: impl Fn(&mut CpuState)) -> bool {
        let cpu = run(&[branch, MOVZ_X1_1, MOVZ_X2_2], setup);
        assert_eq!(cpu.x[2], 2, "execution did not continue at the target");
        cpu.x[1] == 0
    }

    #[test]
    fn unconditional_forward_and_backward() {
        // b .+8
        assert!(taken(0x1400_0002, |_| {}));
        // movz x0, #3; loop: subs x0, x0, #1; add x1, x1, #1; b.ne loop
        let cpu = run(
            &[0xd280_0060, 0xf100_0400, 0x9100_0421, 0x54ff_ffc1],
            |_| {},
        );
        assert_eq!((cpu.x[0], cpu.x[1]), (0, 3));
        // Forward, then backward, then forward again:
        // 0: b .+12 (→ 12); 4: movz x1, #1; 8: b .+8 (→ 16, the end); 12: b .-8 (→ 4)
        let cpu = run(&[0x1400_0003, MOVZ_X1_1, 0x1400_0002, 0x17ff_fffe], |_| {});
        assert_eq!(cpu.x[1], 1);
    }

    #[test]
    fn link_forms() {
        // bl .+8
        let cpu = run(&[0x9400_0002, MOVZ_X1_1, MOVZ_X2_2], |_| {});
        assert_eq!((cpu.x[30], cpu.x[1]), (CODE + 4, 0));
        // blr x30: the target is read before x30 is overwritten.
        let cpu = run(&[0xd63f_03c0, MOVZ_X1_1, MOVZ_X2_2], |c| c.x[30] = CODE + 8);
        assert_eq!((cpu.x[30], cpu.x[1], cpu.x[2]), (CODE + 4, 0, 2));
    }

    #[test]
    fn register_targets() {
        assert!(taken(0xd65f_03c0, |c| c.x[30] = CODE + 8)); // ret
        assert!(taken(0xd65f_00a0, |c| c.x[5] = CODE + 8)); // ret x5
        assert!(taken(0xd61f_00a0, |c| c.x[5] = CODE + 8)); // br x5
    }

    #[test]
    fn compare_and_branch() {
        // cbz w0: only the low word counts.
        assert!(taken(0x3400_0040, |c| c.x[0] = 0x1_0000_0000));
        assert!(!taken(0x3400_0040, |c| c.x[0] = 1));
        // cbnz x0
        assert!(taken(0xb500_0040, |c| c.x[0] = 0x1_0000_0000));
        assert!(!taken(0xb500_0040, |c| c.x[0] = 0));
    }

    #[test]
    fn test_and_branch() {
        // tbz x0, #63
        assert!(taken(0xb6f8_0040, |c| c.x[0] = !(1 << 63)));
        assert!(!taken(0xb6f8_0040, |c| c.x[0] = 1 << 63));
        // tbnz w0, #0
        assert!(taken(0x3700_0040, |c| c.x[0] = 1));
        assert!(!taken(0x3700_0040, |c| c.x[0] = 2));
    }

    #[test]
    fn conditional_branch() {
        // b.al / b.nv always branch.
        assert!(taken(0x5400_004e, |_| {}));
        assert!(taken(0x5400_004f, |_| {}));
        // b.ge: N == V.
        assert!(taken(0x5400_004a, |c| c.set_nzcv(0x9000_0000)));
        assert!(!taken(0x5400_004a, |c| c.set_nzcv(0x8000_0000)));
        // b.ne
        let b_ne_fwd = 0x5400_0041;
        assert!(taken(b_ne_fwd, |_| {}));
        assert!(!taken(b_ne_fwd, |c| c.set_nzcv(0x4000_0000)));
    }

    #[test]
    fn register_target_outside_code_faults_at_the_target() {
        use crate::testkit::{run_both, BRK0};
        use emu_core::emit::Exit;
        // br x5 to an unmapped page, and to a misaligned address.
        for target in [0x5000, CODE + 2] {
            let (cpu, exit) = run_both(&[0xd61f_00a0, BRK0], |c| c.x[5] = target);
            assert_eq!(exit, Exit::FAULT_EXEC);
            assert_eq!((cpu.pc(), cpu.core.fault_addr), (target, target));
        }
    }
}

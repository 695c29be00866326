//! A64-specific exit codes (above the guest-agnostic ones in `emu_core::emit::Exit`).
//! `core.exit_arg` carries the operand where one is listed.

use emu_core::emit::Exit;

/// `SVC #imm`: pc = the next instruction, exit_arg = imm16.
pub const SVC: Exit = Exit::arch(0);
/// An undefined or unimplemented encoding: pc = the instruction, exit_arg = its raw bits.
pub const UNDEF: Exit = Exit::arch(1);
/// `BRK #imm`: pc = the instruction, exit_arg = imm16.
pub const BRK: Exit = Exit::arch(2);
/// `HLT #imm` (semihosting when imm = 0xF000): pc = the instruction, exit_arg = imm16.
pub const HLT: Exit = Exit::arch(3);
/// `HVC #imm` (system mode): pc = the next instruction.
pub const HVC: Exit = Exit::arch(4);
/// `SMC #imm` (system mode): pc = the next instruction.
pub const SMC: Exit = Exit::arch(5);
/// `WFI`/`WFE`: pc = the next instruction.
pub const WFI: Exit = Exit::arch(6);
/// `YIELD`: pc = the next instruction (a hint to let other threads run).
pub const YIELD: Exit = Exit::arch(7);
/// System mode: an EL0 access to a register or system instruction that an EL1 control
/// disables (SCTLR_EL1.UCT/UCI/DZE/UMA, CNTKCTL_EL1), taken to EL1 as a trapped
/// MSR/MRS/system instruction (EC 0x18): pc = the instruction, `fault_addr` = its raw bits
/// (`fault_addr` because `Emitter::trap_if` can set it inline).
pub const SYSREG_TRAP: Exit = Exit::arch(8);
/// System mode: a helper entered an exception itself (a trapped WFI/WFE, an illegal
/// exception return): pc = the vector; the loop just continues.
pub const EXCEPTION: Exit = Exit::arch(9);

pub fn name(e: Exit) -> &'static str {
    match e {
        SVC => "svc",
        UNDEF => "undefined instruction",
        BRK => "brk",
        HLT => "hlt",
        HVC => "hvc",
        SMC => "smc",
        WFI => "wfi",
        YIELD => "yield",
        SYSREG_TRAP => "trapped system register access",
        EXCEPTION => "exception entered",
        Exit::JUMP => "jump",
        Exit::FAULT_READ => "read fault",
        Exit::FAULT_WRITE => "write fault",
        Exit::FAULT_EXEC => "fetch fault",
        Exit::ALIGNMENT => "alignment fault",
        Exit::INTERRUPT => "interrupt",
        Exit::FLUSH_CODE => "code flush",
        _ => "unknown exit",
    }
}

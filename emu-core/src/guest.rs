//! What the runtime needs from a guest architecture.

use crate::emit::{Emitter, Exit};
use crate::interp::Interp;

/// A guest instruction set with fixed 4-byte instructions (A64).
pub trait Guest: 'static {
    /// A decoded instruction: cheap to copy, executed many times by the interpreter.
    type Insn: Copy + Send + Sync + std::fmt::Debug + 'static;

    /// Decodes one instruction word. Never fails: unallocated encodings decode to an
    /// instruction whose semantics raise the architecture's undefined-instruction exception.
    fn decode(raw: u32) -> Self::Insn;

    /// The instruction word `insn` was decoded from (the runtime compares it with guest
    /// memory to tell whether a store to a code page changed the block).
    fn encoding(insn: &Self::Insn) -> u32;

    /// Whether the instruction always ends a block (branches, exception generation,
    /// instructions that change how later instructions translate).
    fn ends_block(insn: &Self::Insn) -> bool;

    /// Whether the instruction may load or store guest memory (a hint for the JIT, which
    /// then prepares a restart point before it; see `jit::hostfault`). `true` is always
    /// correct.
    fn may_access_memory(_insn: &Self::Insn) -> bool {
        true
    }

    /// The instruction's semantics, against either tier's emitter. `pc` is its address.
    /// An `Err` means the instruction ended with that exit (state.pc already set).
    fn exec<E: Emitter>(e: &mut E, insn: &Self::Insn, pc: u64) -> Result<(), Exit>;

    /// [`Guest::exec`] in the interpreter tier; a guest may dispatch it faster than
    /// through the generic path (the same semantics, specialised ahead of time).
    #[inline(always)]
    fn interpret(it: &mut Interp, insn: &Self::Insn, pc: u64) -> Result<(), Exit> {
        Self::exec(it, insn, pc)
    }

    /// A one-line human-readable form, for `--trace in_asm`.
    fn disassemble(insn: &Self::Insn, pc: u64) -> String;
}

//! The hot tier: compiles a block's semantics with Cranelift into our own code cache.
//!
//! (Placeholder API; the Cranelift emitter is written in `emitter.rs`.)

use crate::guest::Guest;
use crate::mem::MemView;

/// Compiled code for one block: takes the guest state, returns an [`crate::emit::Exit`] code.
pub type JitFn = unsafe extern "C" fn(state: *mut u8) -> u64;

pub struct Jit {
    _mem: MemView,
}

impl Jit {
    pub fn new(mem: MemView) -> Result<Jit, String> {
        Ok(Jit { _mem: mem })
    }

    /// Compiles one block. `None` when it cannot (the interpreter keeps running it).
    pub fn compile_block<G: Guest>(&mut self, _pc: u64, _insns: &[G::Insn]) -> Option<JitFn> {
        None
    }

    /// Drops all compiled code.
    pub fn flush(&mut self) {}
}

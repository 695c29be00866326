//! Guest-agnostic emulator machinery: guest memory, the emitter interface that instruction
//! semantics are written against, the interpreter and Cranelift tiers, and the runtime
//! that moves blocks between them.

pub mod clock;
pub mod debug;
pub mod emit;
pub mod guarded;
pub mod guest;
pub mod interp;
pub mod irq;
pub mod jit;
pub mod mem;
pub mod memmodel;
pub mod mmio;
pub mod phys;
pub mod runtime;
pub mod softmmu;
pub mod timeout;

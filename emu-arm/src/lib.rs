//! The A64 frontend: decoder, CPU state, instruction semantics shared by both execution
//! tiers, and the Linux user-mode ABI.

pub mod decode;
pub mod disas;
pub mod exits;
pub mod features;
pub mod gdb;
pub mod guest;
pub mod linux;
pub mod mmu;
pub mod sem;
pub mod semihosting;
pub mod state;
pub mod sys;
pub mod testkit;

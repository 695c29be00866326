//! Linux user-mode ABI: ELF loading, the initial stack, syscalls, signals, threads.
//!
//! Entry point: [`process::start`] loads a program into a fresh guest address space and
//! runs its main thread; every guest thread runs [`process::Thread::run`], which turns the
//! runtime's exits into syscalls ([`syscall`]) and signals ([`signal`]).

pub mod debug_target;
pub mod elf;
pub mod errno;
pub mod mm;
pub mod paths;
pub mod process;
pub mod procfs;
pub mod safe_syscall;
pub mod semihosting;
pub mod signal;
pub mod stack;
pub mod syscall;

//! The `virt` board's devices. System mode is a later milestone (issue 4); this crate
//! exists now so the dependency direction (devices depend only on emu-core) is fixed.

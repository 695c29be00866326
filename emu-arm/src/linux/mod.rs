//! Linux user-mode ABI: ELF loading, the initial stack, syscalls, signals, threads.

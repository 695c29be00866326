//! Differential test against the oracle: every committed guest program must give
//! byte-identical stdout and the same exit status under emu and under qemu-aarch64, run
//! now (not the recording). Skipped, with a message, when qemu-aarch64 is not installed.

use emu_tests::{
    describe_difference, emu_command, guest_case, guest_cases, host_runs_aarch64_binaries, qemu,
    qemu_command, run_command, skip, stderr_tail, sysroot, TempDir, DEFAULT_TIMEOUT,
};

fn compare_with_qemu(name: &str) {
    let Some(qemu) = qemu() else {
        skip(name, "qemu-aarch64 is not installed");
        return;
    };
    let case = guest_case(name);
    if case.execs && !host_runs_aarch64_binaries() {
        skip(name, "qemu-aarch64 cannot execve a guest program without binfmt_misc (guest_programs tests it)");
        return;
    }
    let sysroot = match (case.dynamic, sysroot()) {
        (false, _) => None,
        (true, Some(dir)) => Some(dir),
        (true, None) => {
            skip(
                name,
                "dynamically linked and tests/.cache/sysroot is missing",
            );
            return;
        }
    };
    let workdir = TempDir::new(name);
    let mut oracle = qemu_command(&qemu, sysroot.as_deref(), &case.binary, &case.args);
    oracle.current_dir(workdir.path());
    let expected = run_command(oracle, b"", DEFAULT_TIMEOUT);
    let mut emu = emu_command(None, sysroot.as_deref(), &case.binary, &case.args);
    emu.current_dir(workdir.path());
    let actual = run_command(emu, b"", DEFAULT_TIMEOUT);
    let mut failures = Vec::new();
    if actual.status != expected.status {
        failures.push(format!(
            "status: emu {:?}, qemu-aarch64 {:?}; emu stderr:\n{}",
            actual.status,
            expected.status,
            stderr_tail(&actual)
        ));
    }
    if let Some(diff) = describe_difference(&expected.stdout, &actual.stdout) {
        failures.push(format!("stdout differs (expected = qemu-aarch64): {diff}"));
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

macro_rules! differential_tests {
    ($($(#[$attr:meta])* $name:ident,)*) => {
        $(
            $(#[$attr])*
            #[test]
            fn $name() {
                compare_with_qemu(stringify!($name));
            }
        )*

        #[test]
        fn every_case_is_compared() {
            let tested = [$(stringify!($name)),*];
            for case in guest_cases() {
                assert!(tested.contains(&case.name.as_str()), "cases.txt has {} but qemu_differential.rs does not test it", case.name);
            }
        }
    };
}

differential_tests! {
    hello,
    hello_args,
    isa_int,
    isa_mem,
    isa_fp,
    libc_basics,
    libc_basics_dyn,
    threads,
    threads_dyn,
    process,
    exec_other,
    self_modifying,
    mem_faults,
    bus_faults,
    fault_undef,
    fault_segv,
    fault_brk,
}

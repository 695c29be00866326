//! The committed guest programs (tests/guest/cases.txt) under every execution tier:
//! `--tier interp`, `--tier jit` and `--tier tiered` must each print exactly the recorded
//! stdout (recorded under qemu-aarch64 by tests/guest/build.sh) and end the same way.

use emu_tests::{
    describe_difference, emu_command, guest_case, guest_cases, run_command, skip, stderr_tail,
    sysroot, Status, TempDir, DEFAULT_TIMEOUT, TIERS,
};

/// Runs one case under all three tiers and reports every tier that disagrees.
fn check_case(name: &str) {
    let case = guest_case(name);
    let sysroot = match (case.dynamic, sysroot()) {
        (false, _) => None,
        (true, Some(dir)) => Some(dir),
        (true, None) => {
            skip(name, "dynamically linked and tests/.cache/sysroot is missing (run tests/fetch-debian-arm64.sh)");
            return;
        }
    };
    let expected_stdout = case.expected_stdout();
    let expected_status = case.expected_status();
    let mut failures = Vec::new();
    for tier in TIERS {
        let workdir = TempDir::new(name);
        let mut command = emu_command(Some(tier), sysroot.as_deref(), &case.binary, &case.args);
        command.current_dir(workdir.path());
        let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
        if outcome.status != expected_status {
            failures.push(format!(
                "--tier {tier}: status {:?}, expected {:?}; stderr:\n{}",
                outcome.status,
                expected_status,
                stderr_tail(&outcome)
            ));
        }
        if let Some(diff) = describe_difference(&expected_stdout, &outcome.stdout) {
            failures.push(format!(
                "--tier {tier}: stdout differs from the recording: {diff}"
            ));
        }
        let stderr = outcome.stderr_text();
        if stderr.contains("panicked") {
            failures.push(format!("--tier {tier}: emu panicked:\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

macro_rules! guest_case_tests {
    ($($(#[$attr:meta])* $name:ident,)*) => {
        $(
            $(#[$attr])*
            #[test]
            fn $name() {
                check_case(stringify!($name));
            }
        )*

        /// Every case in cases.txt has a test here (a new case cannot be silently untested).
        #[test]
        fn every_case_has_a_test() {
            let tested = [$(stringify!($name)),*];
            for case in guest_cases() {
                assert!(tested.contains(&case.name.as_str()), "cases.txt has {} but guest_programs.rs does not test it", case.name);
            }
        }
    };
}

guest_case_tests! {
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

/// The exit status is the guest's, for every value a process can return.
#[test]
fn exit_status_is_the_guests() {
    let case = guest_case("hello");
    for argument_count in [0usize, 1, 5, 9] {
        let args: Vec<String> = (0..argument_count).map(|i| format!("arg{i}")).collect();
        let outcome = run_command(
            emu_command(None, None, &case.binary, &args),
            b"",
            DEFAULT_TIMEOUT,
        );
        assert_eq!(
            outcome.status,
            Status::Exit(argument_count as i32),
            "hello with {argument_count} arguments; stderr:\n{}",
            stderr_tail(&outcome)
        );
        let mut expected = b"hello from a raw-syscall guest\n".to_vec();
        for arg in &args {
            expected.extend_from_slice(arg.as_bytes());
            expected.push(b'\n');
        }
        assert_eq!(outcome.stdout_text(), String::from_utf8_lossy(&expected));
    }
}

//! Inputs emu must refuse cleanly: one error line on stderr, a non-zero exit status, no
//! panic, nothing on stdout. And a guest that executes an undefined instruction dies by
//! SIGILL, as it does under qemu-aarch64 (emu kills itself with the guest's signal).

use std::path::Path;

use emu_tests::{
    emu_command, guest_case, guest_dir, qemu, qemu_command, run_command, skip, stderr_tail,
    Outcome, Status, TempDir, DEFAULT_TIMEOUT,
};

fn run_emu(program: &Path) -> Outcome {
    run_command(emu_command(None, None, program, &[]), b"", DEFAULT_TIMEOUT)
}

/// The contract for an emulator-side error.
fn assert_clean_refusal(what: &str, outcome: &Outcome) {
    let stderr = outcome.stderr_text();
    assert!(
        !stderr.contains("panicked"),
        "{what}: emu panicked:\n{stderr}"
    );
    assert!(
        matches!(outcome.status, Status::Exit(code) if code != 0),
        "{what}: expected a non-zero exit status, got {:?}; stderr:\n{stderr}",
        outcome.status
    );
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: expected exactly one error line on stderr, got:\n{stderr}"
    );
    assert!(
        outcome.stdout.is_empty(),
        "{what}: unexpected stdout: {}",
        outcome.stdout_text()
    );
}

#[test]
fn missing_file() {
    let dir = TempDir::new("missing");
    let outcome = run_emu(&dir.path().join("does-not-exist"));
    assert_clean_refusal("a missing file", &outcome);
}

#[test]
fn not_an_elf_file() {
    let dir = TempDir::new("not-elf");
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "this is plain text, not an executable\n")
        .expect("temp file is writable");
    assert_clean_refusal("a text file", &run_emu(&path));
}

#[test]
fn empty_file() {
    let dir = TempDir::new("empty");
    let path = dir.path().join("empty");
    std::fs::write(&path, b"").expect("temp file is writable");
    assert_clean_refusal("an empty file", &run_emu(&path));
}

#[test]
fn directory_instead_of_a_program() {
    let dir = TempDir::new("dir");
    assert_clean_refusal("a directory", &run_emu(dir.path()));
}

/// ELF files cut short at several points: inside the ELF header, inside the program
/// headers, and inside a loadable segment.
#[test]
fn truncated_elf() {
    let whole =
        std::fs::read(guest_dir().join("isa_int")).expect("tests/guest/isa_int is committed");
    let dir = TempDir::new("truncated");
    for length in [20usize, 63, 100, 300, 4096, whole.len() / 2] {
        let path = dir.path().join(format!("isa_int-{length}"));
        std::fs::write(&path, &whole[..length.min(whole.len())]).expect("temp file is writable");
        assert_clean_refusal(
            &format!("an ELF truncated to {length} bytes"),
            &run_emu(&path),
        );
    }
}

/// An ELF header whose program header table points far outside the file.
#[test]
fn corrupt_program_headers() {
    let mut bytes =
        std::fs::read(guest_dir().join("hello")).expect("tests/guest/hello is committed");
    // e_phoff (offset 32, 8 bytes) -> a huge offset; e_phnum (offset 56) -> 0xffff.
    bytes[32..40].copy_from_slice(&0x7fff_ffff_ffffu64.to_le_bytes());
    bytes[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
    let dir = TempDir::new("corrupt");
    let path = dir.path().join("corrupt");
    std::fs::write(&path, &bytes).expect("temp file is writable");
    assert_clean_refusal("an ELF with corrupt program headers", &run_emu(&path));
}

#[test]
fn x86_64_elf() {
    let host_program = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file());
    let Some(program) = host_program else {
        skip("x86_64_elf", "no host /bin/true to use as an x86-64 ELF");
        return;
    };
    assert_clean_refusal("an x86-64 ELF", &run_emu(program));
}

/// A dynamically linked program without --sysroot: its interpreter
/// (/lib/ld-linux-aarch64.so.1) is not on an x86-64 host.
#[test]
fn missing_interpreter() {
    if Path::new("/lib/ld-linux-aarch64.so.1").exists() {
        skip(
            "missing_interpreter",
            "this host has /lib/ld-linux-aarch64.so.1",
        );
        return;
    }
    let case = guest_case("libc_basics_dyn");
    assert_clean_refusal(
        "a dynamic program without its interpreter",
        &run_emu(&case.binary),
    );
}

/// A missing --sysroot directory is an emulator-side error too.
#[test]
fn missing_sysroot_directory() {
    let dir = TempDir::new("nosysroot");
    let case = guest_case("libc_basics_dyn");
    let missing = dir.path().join("no-such-sysroot");
    let outcome = run_command(
        emu_command(None, Some(&missing), &case.binary, &[]),
        b"",
        DEFAULT_TIMEOUT,
    );
    assert_clean_refusal("a missing sysroot", &outcome);
}

/// An unknown option or tier is a usage error: non-zero exit, no panic.
#[test]
fn bad_command_line() {
    let case = guest_case("hello");
    for (what, args) in [
        (
            "an unknown tier",
            vec![
                "run",
                "--tier",
                "warp",
                case.binary.to_str().unwrap_or_default(),
            ],
        ),
        (
            "an unknown option",
            vec![
                "run",
                "--no-such-option",
                case.binary.to_str().unwrap_or_default(),
            ],
        ),
        ("a missing program", vec!["run"]),
        (
            "a non-numeric threshold",
            vec![
                "run",
                "--jit-threshold",
                "many",
                case.binary.to_str().unwrap_or_default(),
            ],
        ),
    ] {
        let mut command = std::process::Command::new(emu_tests::emu_binary());
        command.args(&args);
        let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
        let stderr = outcome.stderr_text();
        assert!(
            !stderr.contains("panicked"),
            "{what}: emu panicked:\n{stderr}"
        );
        assert!(
            matches!(outcome.status, Status::Exit(code) if code != 0),
            "{what}: expected a non-zero exit, got {:?}",
            outcome.status
        );
        assert!(
            !stderr.trim().is_empty(),
            "{what}: expected a usage message on stderr"
        );
    }
}

/// UDF #0 in a guest: emu dies by SIGILL (signal 4) in every tier, like qemu-aarch64, after
/// flushing the guest's earlier output.
#[test]
fn undefined_instruction_kills_with_sigill() {
    let case = guest_case("fault_undef");
    for tier in emu_tests::TIERS {
        let workdir = TempDir::new("sigill");
        let mut command = emu_command(Some(tier), None, &case.binary, &case.args);
        command.current_dir(workdir.path());
        let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
        assert_eq!(
            outcome.status,
            Status::Signal(libc::SIGILL),
            "--tier {tier}; stderr:\n{}",
            stderr_tail(&outcome)
        );
        assert_eq!(outcome.stdout_text(), "about to fault\n", "--tier {tier}");
        assert!(
            !outcome.stderr_text().contains("panicked"),
            "--tier {tier}: {}",
            outcome.stderr_text()
        );
    }
    match qemu() {
        Some(qemu) => {
            let workdir = TempDir::new("sigill-qemu");
            let mut command = qemu_command(&qemu, None, &case.binary, &case.args);
            command.current_dir(workdir.path());
            let oracle = run_command(command, b"", DEFAULT_TIMEOUT);
            assert_eq!(
                oracle.status,
                Status::Signal(libc::SIGILL),
                "qemu-aarch64 itself"
            );
        }
        None => skip(
            "undefined_instruction_kills_with_sigill (qemu part)",
            "qemu-aarch64 is not installed",
        ),
    }
}

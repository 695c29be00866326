//! `emu run` end to end: the committed test programs in emu-arm/tests/linux (sources and
//! build.sh beside them) run through the real binary, and the bad-input cases.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Output};

const EMULATOR_ERROR: i32 = 125;

fn program(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../emu-arm/tests/linux")
        .join(name)
}

fn emu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_emu"))
}

fn run_with(tier: &str, name: &str, args: &[&str]) -> Output {
    emu()
        .args(["run", "--tier", tier])
        .arg(program(name))
        .args(args)
        .output()
        .expect("spawn emu")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs a checking program in every tier; every check line must say ok.
fn all_checks_pass(name: &str, args: &[&str]) {
    for tier in ["interp", "jit", "tiered"] {
        let o = run_with(tier, name, args);
        let out = stdout(&o);
        assert!(
            o.status.code() == Some(0) && !out.contains("FAIL") && out.contains(": ok"),
            "{name} ({tier}): status {:?}\nstdout:\n{out}\nstderr:\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn hello_world() {
    for tier in ["interp", "jit", "tiered"] {
        for prog in ["hello", "hello-pie"] {
            let o = run_with(tier, prog, &[]);
            assert_eq!(stdout(&o), "hello, world\n", "{prog} ({tier})");
            assert_eq!(o.status.code(), Some(0), "{prog} ({tier})");
        }
    }
}

#[test]
fn exit_status_is_the_guests() {
    let o = run_with("tiered", "exit42", &[]);
    assert_eq!(o.status.code(), Some(42));
}

#[test]
fn undefined_instruction_kills_with_sigill() {
    let o = run_with("tiered", "undef", &[]);
    assert_eq!(o.status.signal(), Some(libc::SIGILL), "{:?}", o.status);
}

#[test]
fn unhandled_fault_kills_with_sigsegv() {
    let o = run_with("tiered", "segv", &[]);
    assert_eq!(o.status.signal(), Some(libc::SIGSEGV), "{:?}", o.status);
}

#[test]
fn argv_envp_auxv() {
    let o = emu()
        .args([
            "run",
            "--env",
            "EMU_TEST=from option",
            "--unset-env",
            "EMU_UNSET_ME",
        ])
        .arg(program("args"))
        .args(["one", "two words", "--three"])
        .env("EMU_UNSET_ME", "1")
        .output()
        .expect("spawn emu");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "argc=4");
    assert!(lines[1].starts_with("argv[0]=") && lines[1].ends_with("args"));
    assert_eq!(lines[2], "argv[1]=one");
    assert_eq!(lines[3], "argv[2]=two words");
    assert_eq!(lines[4], "argv[3]=--three");
    assert_eq!(lines[5], "EMU_TEST=from option");
}

#[test]
fn memory_syscalls() {
    all_checks_pass("mem", &[]);
}

#[test]
fn signals() {
    all_checks_pass("signals", &[]);
}

#[test]
fn processes_and_threads() {
    all_checks_pass("proc", &[]);
}

/// Runs `emu run` on `path` and expects one `emu: ...` error line and status 125.
fn expect_error(path: &std::path::Path, extra: &[&str], expect_in_msg: &str) {
    let o = emu()
        .arg("run")
        .args(extra)
        .arg(path)
        .output()
        .expect("spawn emu");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(EMULATOR_ERROR), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("emu: "), "stderr: {err}");
    assert!(
        err.contains(expect_in_msg),
        "expected {expect_in_msg:?} in: {err}"
    );
}

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emu-run-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write scratch file");
    p
}

#[test]
fn bad_programs_are_one_line_errors() {
    expect_error(
        std::path::Path::new("/nonexistent/prog"),
        &[],
        "No such file",
    );
    expect_error(&scratch("text", b"just some text\n"), &[], "not an ELF");
    let hello = std::fs::read(program("hello")).expect("read hello");
    expect_error(&scratch("truncated", &hello[..100]), &[], "truncated");
    // The same ELF claiming to be x86-64, or 32-bit.
    let mut x86 = hello.clone();
    x86[18..20].copy_from_slice(&62u16.to_le_bytes());
    expect_error(&scratch("x86", &x86), &[], "x86-64");
    let mut elf32 = hello.clone();
    elf32[4] = 1;
    expect_error(&scratch("elf32", &elf32), &[], "32-bit");
    expect_error(std::path::Path::new("/"), &[], "/");
}

#[test]
fn missing_interpreter_is_an_error() {
    // A dynamically linked program with a sysroot that lacks its interpreter.
    let dynamic = program("dynamic-hello");
    let empty_root = std::env::temp_dir().join(format!("emu-empty-root-{}", std::process::id()));
    std::fs::create_dir_all(&empty_root).expect("mkdir");
    let root = empty_root.to_string_lossy().into_owned();
    expect_error(&dynamic, &["--sysroot", &root], "interpreter");
}

#[test]
fn bad_options_are_one_line_errors() {
    for args in [
        vec!["run", "--tier", "fast", "x"],
        vec!["run", "--jit-threshold", "many", "x"],
        vec!["run", "--env", "NOEQUALS", "x"],
        vec!["run", "--sysroot", "/nonexistent-root", "x"],
        vec!["run", "--no-such-option", "x"],
        vec!["run"],
        vec!["frobnicate"],
    ] {
        let o = emu().args(&args).output().expect("spawn emu");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(EMULATOR_ERROR), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("emu: "), "{args:?}: {err}");
    }
}

#[test]
fn boot_refuses_bad_options() {
    // `emu boot` itself is tested in tests/boot_*.rs; here only that its errors are ours.
    let o = emu()
        .args(["boot", "--memory", "lots"])
        .output()
        .expect("spawn emu");
    assert_eq!(o.status.code(), Some(EMULATOR_ERROR));
}

#[test]
fn static_glibc_program() {
    let expected = std::fs::read_to_string(program("glibc.expected")).expect("read glibc.expected");
    for tier in ["interp", "jit", "tiered"] {
        let o = run_with(tier, "glibc", &[]);
        assert_eq!(stdout(&o), expected, "glibc ({tier}): {:?}", o.status);
        assert_eq!(o.status.code(), Some(0), "glibc ({tier})");
    }
}

#[test]
fn dynamic_glibc_program_with_sysroot() {
    let root = std::path::Path::new("/usr/aarch64-linux-gnu");
    if !root.join("lib/ld-linux-aarch64.so.1").exists() {
        eprintln!("skipped: no AArch64 sysroot at {}", root.display());
        return;
    }
    let o = emu()
        .args(["run", "--sysroot"])
        .arg(root)
        .arg(program("dynamic-hello"))
        .output()
        .expect("spawn emu");
    assert_eq!(stdout(&o), "hello from glibc\n", "{:?}", o.status);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn broken_pipe_kills_with_sigpipe() {
    // The Rust runtime ignores SIGPIPE in emu itself; the guest must still get the default.
    let o = run_with("tiered", "sigpipe", &[]);
    assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{:?}", o.status);
    assert_eq!(stdout(&o), "");
}

#[test]
fn shebang_script_runs_its_interpreter() {
    // Like the kernel: argv = [interpreter, optional argument, script path, args...].
    let interp = program("args");
    let script = scratch(
        "script",
        format!("#!{} one-arg\n", interp.display()).as_bytes(),
    );
    let o = emu()
        .arg("run")
        .arg(&script)
        .arg("extra")
        .output()
        .expect("spawn emu");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "argc=4", "{out}");
    assert_eq!(lines[1], format!("argv[0]={}", interp.display()));
    assert_eq!(lines[2], "argv[1]=one-arg");
    assert_eq!(lines[3], format!("argv[2]={}", script.display()));
    assert_eq!(lines[4], "argv[3]=extra");
}

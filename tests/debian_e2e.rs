//! End to end with real Debian arm64 binaries (fetched into tests/.cache by
//! tests/fetch-debian-arm64.sh; skipped with a message when missing): busybox-static, and
//! with --sysroot the dynamically linked coreutils, xz, bzip2, gzip and python3.11.
//!
//! Each check runs the same command under emu and qemu-aarch64 and requires byte-identical
//! stdout and the same exit status. Without qemu-aarch64 a check falls back to its own
//! expectation where it has one (round trips restore the input, known outputs of known
//! inputs), and is skipped otherwise. Two tests also compare with the host's own programs
//! (x86-64, computed natively): python3_floats (the portable part of a float-heavy script)
//! and sha256sum_xz_gzip_agree_with_host_tools. Inputs are small: the whole file runs in
//! about a minute in the dev profile.

use std::path::{Path, PathBuf};
use std::process::Command;

use emu_tests::{
    describe_difference, emu_command, guest_dir, qemu, qemu_command, run_command, skip,
    stderr_tail, sysroot, Outcome, Status, TempDir, DEFAULT_TIMEOUT,
};

/// Where the check's program comes from, and whether it needs the sysroot's libraries.
struct Check<'a> {
    name: &'a str,
    /// Path inside the sysroot, e.g. "bin/busybox".
    program: &'a str,
    args: Vec<String>,
    stdin: Vec<u8>,
    dynamic: bool,
    /// Used when qemu-aarch64 is not installed: what stdout must be.
    fallback: Option<Vec<u8>>,
}

impl<'a> Check<'a> {
    fn new(name: &'a str, program: &'a str, args: &[&str]) -> Check<'a> {
        Check {
            name,
            program,
            args: args.iter().map(|a| a.to_string()).collect(),
            stdin: Vec::new(),
            dynamic: !program.ends_with("busybox"),
            fallback: None,
        }
    }
    fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = data.into();
        self
    }
    fn expect(mut self, stdout: impl Into<Vec<u8>>) -> Self {
        self.fallback = Some(stdout.into());
        self
    }
}

/// The sysroot, or None after printing why the test is skipped.
fn need_sysroot(test: &str) -> Option<PathBuf> {
    let found = sysroot();
    if found.is_none() {
        skip(
            test,
            "tests/.cache/sysroot is missing (run tests/fetch-debian-arm64.sh)",
        );
    }
    found
}

/// The environment both runners give the guest: fixed, so outputs are comparable.
fn guest_environment(command: &mut Command) {
    command
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1");
}

fn run_on_emu(check: &Check, root: &Path, workdir: &Path) -> Outcome {
    let program = root.join(check.program);
    let mut command = emu_command(None, check.dynamic.then_some(root), &program, &check.args);
    guest_environment(&mut command);
    command.current_dir(workdir);
    run_command(command, &check.stdin, DEFAULT_TIMEOUT)
}

/// Runs every check; returns the failures (empty when all passed).
fn run_checks(test: &str, root: &Path, checks: Vec<Check>) -> Vec<String> {
    let qemu = qemu();
    if qemu.is_none() {
        skip(
            test,
            "qemu-aarch64 is not installed: checks without their own expectation are skipped",
        );
    }
    let workdir = TempDir::new(test);
    prepare_files(workdir.path());
    let mut failures = Vec::new();
    for check in checks {
        let expected: Outcome = match (&qemu, &check.fallback) {
            (Some(qemu), _) => {
                let program = root.join(check.program);
                let mut command =
                    qemu_command(qemu, check.dynamic.then_some(root), &program, &check.args);
                guest_environment(&mut command);
                command.current_dir(workdir.path());
                run_command(command, &check.stdin, DEFAULT_TIMEOUT)
            }
            (None, Some(stdout)) => Outcome {
                status: Status::Exit(0),
                stdout: stdout.clone(),
                stderr: Vec::new(),
            },
            (None, None) => {
                skip(check.name, "no qemu-aarch64 and no built-in expectation");
                continue;
            }
        };
        let actual = run_on_emu(&check, root, workdir.path());
        if actual.status != expected.status {
            failures.push(format!(
                "{}: status {:?}, expected {:?}; emu stderr:\n{}",
                check.name,
                actual.status,
                expected.status,
                stderr_tail(&actual)
            ));
        } else if let Some(diff) = describe_difference(&expected.stdout, &actual.stdout) {
            failures.push(format!("{}: {diff}", check.name));
        }
    }
    failures
}

/// A few files for find/ls/cat/wc to look at, identical for both runners.
fn prepare_files(dir: &Path) {
    let tree = dir.join("tree");
    for sub in ["a/b/c", "a/d", "e"] {
        std::fs::create_dir_all(tree.join(sub)).expect("temp dir is writable");
    }
    for (file, text) in [
        ("a/one.txt", "first file\nwith two lines\n"),
        ("a/b/two.txt", "second\n"),
        ("a/b/c/three.log", "3\n3\n3\n"),
        ("a/d/four.txt", ""),
        ("e/five.dat", "five five five five five\n"),
    ] {
        std::fs::write(tree.join(file), text).expect("temp dir is writable");
    }
    std::fs::write(dir.join("numbers.txt"), numbers_text()).expect("temp dir is writable");
}

/// Deterministic text input: ~40 KB of numbers and words.
fn numbers_text() -> String {
    let mut text = String::new();
    let mut state: u32 = 2463534242;
    for i in 0..4000 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        text.push_str(&format!("{} word{} {}\n", state % 100000, i % 37, i));
    }
    text
}

fn compressible_data() -> Vec<u8> {
    let mut data = numbers_text().into_bytes();
    data.extend((0..20000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    data
}

#[test]
fn busybox_static() {
    let Some(root) = need_sysroot("busybox_static") else {
        return;
    };
    let bb = "bin/busybox";
    let checks = vec![
        Check::new(
            "sh loops and pipes",
            bb,
            &[
                "sh",
                "-c",
                "for i in 3 1 2; do echo \"line $i\"; done | sort | while read a b; do echo \"$b:$a\"; done; \
                 x=0; while [ $x -lt 20 ]; do x=$((x + 3)); printf '%d,' $x; done; echo; \
                 case abc in a*) echo matched;; esac; f() { echo \"fn $1 $#\"; }; f one two; exit 3",
            ],
        ),
        Check::new("echo and printf", bb, &["sh", "-c", "echo -n a; echo b c; printf '%05d|%-4s|%x|%s\\n' 42 ab 255 \"q r\""])
            .expect(b"ab c\n00042|ab  |ff|q r\n".to_vec()),
        Check::new("seq", bb, &["seq", "1", "3", "12"]).expect(b"1\n4\n7\n10\n".to_vec()),
        Check::new("wc", bb, &["wc", "-l"]).stdin(numbers_text()).expect(b"4000\n".to_vec()),
        Check::new("md5sum", bb, &["md5sum"]).stdin(b"hello\n".to_vec()).expect(b"b1946ac92492d2347c6235b4d2611184  -\n".to_vec()),
        Check::new("sort -n", bb, &["sort", "-n", "numbers.txt"]),
        Check::new("sort -k2,2 -u", bb, &["sort", "-k2,2", "-u", "numbers.txt"]),
        Check::new("awk", bb, &["awk", "{ s += $1; n[$2]++ } END { printf \"%d %d %.3f\\n\", s, n[\"word5\"], s / NR }", "numbers.txt"]),
        Check::new("sed", bb, &["sed", "-n", "-e", "s/word\\([0-9]*\\)/W<\\1>/p", "-e", "20q", "numbers.txt"]),
        Check::new("find", bb, &["sh", "-c", "find tree -name '*.txt' | sort; find tree -type d | wc -l"]).expect(
            b"tree/a/b/two.txt\ntree/a/d/four.txt\ntree/a/one.txt\n6\n".to_vec(),
        ),
        Check::new(
            "gzip round trip",
            bb,
            // Not the compressed size: busybox sh re-executes itself (/proc/self/exe) to run
            // gzip, which qemu-aarch64 cannot do without binfmt_misc; busybox then runs the
            // applet in the forked shell instead, where gzip picks another default level.
            &["sh", "-c", "gzip -c numbers.txt > n.gz && gunzip -c n.gz | md5sum && md5sum < numbers.txt && gunzip -t n.gz && echo ok"],
        ),
        Check::new("gzip to stdout", bb, &["gzip", "-c", "-n"]).stdin(compressible_data()),
        Check::new("exit status", bb, &["sh", "-c", "false || exit 42"]),
    ];
    let failures = run_checks("busybox_static", &root, checks);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn coreutils_dynamic() {
    let Some(root) = need_sysroot("coreutils_dynamic") else {
        return;
    };
    let checks = vec![
        Check::new("ls", "bin/ls", &["-1", "-R", "tree"]),
        Check::new(
            "cat",
            "bin/cat",
            &["-n", "tree/a/one.txt", "tree/e/five.dat"],
        )
        .expect(
            b"     1\tfirst file\n     2\twith two lines\n     3\tfive five five five five\n"
                .to_vec(),
        ),
        Check::new(
            "sort",
            "usr/bin/sort",
            &["-t", " ", "-k1,1n", "-k3,3nr", "numbers.txt"],
        ),
        Check::new("sha256sum", "usr/bin/sha256sum", &["-"])
            .stdin(b"abc".to_vec())
            .expect(
                b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n".to_vec(),
            ),
        Check::new("sha256sum of a file", "usr/bin/sha256sum", &["numbers.txt"]),
        Check::new("wc", "usr/bin/wc", &["numbers.txt"]),
        Check::new("date", "bin/date", &["+%Y"]),
        Check::new("head and tail", "usr/bin/tail", &["-n", "3", "numbers.txt"]),
        Check::new(
            "factor",
            "usr/bin/factor",
            &["1234567890123", "600851475143", "97"],
        ),
    ];
    let failures = run_checks("coreutils_dynamic", &root, checks);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Compresses and decompresses under emu only, comparing the result with the input, and
/// the compressed bytes with qemu-aarch64's (the compressors are deterministic).
fn round_trip(test: &str, compressor: &str, compress_args: &[&str], decompress_args: &[&str]) {
    let Some(root) = need_sysroot(test) else {
        return;
    };
    let input = compressible_data();
    let compress = Check::new("compress", compressor, compress_args).stdin(input.clone());
    let workdir = TempDir::new(test);
    let compressed = run_on_emu(&compress, &root, workdir.path());
    assert_eq!(
        compressed.status,
        Status::Exit(0),
        "{test}: compressing failed:\n{}",
        stderr_tail(&compressed)
    );
    assert!(
        compressed.stdout.len() < input.len(),
        "{test}: output is not smaller than the input"
    );
    let decompress =
        Check::new("decompress", compressor, decompress_args).stdin(compressed.stdout.clone());
    let restored = run_on_emu(&decompress, &root, workdir.path());
    assert_eq!(
        restored.status,
        Status::Exit(0),
        "{test}: decompressing failed:\n{}",
        stderr_tail(&restored)
    );
    assert!(
        restored.stdout == input,
        "{test}: the round trip did not restore the input"
    );
    let failures = run_checks(test, &root, vec![compress, decompress]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn xz_round_trip() {
    round_trip(
        "xz_round_trip",
        "usr/bin/xz",
        &["-6", "-c", "-T1"],
        &["-d", "-c"],
    );
}

#[test]
fn bzip2_round_trip() {
    round_trip(
        "bzip2_round_trip",
        "bin/bzip2",
        &["-9", "-c"],
        &["-d", "-c"],
    );
}

#[test]
fn python3_script() {
    let Some(root) = need_sysroot("python3_script") else {
        return;
    };
    let script = guest_dir().join("python_checks.py");
    let script = script.to_string_lossy().into_owned();
    let checks = vec![
        Check::new(
            "python_checks.py",
            "usr/bin/python3.11",
            &["-S", "-B", &script],
        ),
        Check::new(
            "python -c",
            "usr/bin/python3.11",
            &[
                "-c",
                "import sys; print(sum(range(10**5)), 2**100); sys.exit(0)",
            ],
        )
        .expect(b"4999950000 1267650600228229401496703205376\n".to_vec()),
    ];
    let failures = run_checks("python3_script", &root, checks);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The host's own python3, if it is a 3.11 (float repr and formatting are specified, but
/// a different minor version may print error messages or reprs of other types differently).
fn host_python311() -> Option<PathBuf> {
    let python = emu_tests::find_on_path("python3")?;
    let version = Command::new(&python).arg("--version").output().ok()?;
    String::from_utf8_lossy(&version.stdout)
        .starts_with("Python 3.11.")
        .then_some(python)
}

/// Runs a host program in `workdir` with the guests' fixed environment.
fn run_on_host(program: &Path, args: &[String], stdin: &[u8], workdir: &Path) -> Outcome {
    let mut command = Command::new(program);
    command.args(args);
    guest_environment(&mut command);
    command.current_dir(workdir);
    run_command(command, stdin, DEFAULT_TIMEOUT)
}

/// A float-heavy script (tests/guest/python_floats.py), run once under emu: all of its
/// output must match qemu-aarch64's, and its "portable" part (everything IEEE 754 or
/// Python pins down: arithmetic, sqrt, repr, formatting, struct with NaN payloads and
/// half precision, float.hex, fractions, decimal), which the script prints first, must
/// also match the host's python3, which computes it natively on x86-64.
#[test]
fn python3_floats() {
    let Some(root) = need_sysroot("python3_floats") else {
        return;
    };
    let script = guest_dir().join("python_floats.py");
    let script = script.to_string_lossy().into_owned();
    let workdir = TempDir::new("python3_floats");
    let all = Check::new(
        "python_floats.py all",
        "usr/bin/python3.11",
        &["-S", "-B", &script, "all"],
    );
    let emulated = run_on_emu(&all, &root, workdir.path());
    assert_eq!(
        emulated.status,
        Status::Exit(0),
        "python_floats.py under emu:\n{}",
        stderr_tail(&emulated)
    );
    let mut failures = Vec::new();
    match qemu() {
        None => skip(
            "python3_floats (qemu comparison)",
            "qemu-aarch64 is not installed",
        ),
        Some(qemu) => {
            let mut command = qemu_command(&qemu, Some(&root), &root.join(all.program), &all.args);
            guest_environment(&mut command);
            command.current_dir(workdir.path());
            let oracle = run_command(command, b"", DEFAULT_TIMEOUT);
            if oracle.status != Status::Exit(0) {
                failures.push(format!("qemu-aarch64: {:?}", oracle.status));
            } else if let Some(diff) = describe_difference(&oracle.stdout, &emulated.stdout) {
                failures.push(format!("emu vs qemu-aarch64: {diff}"));
            }
        }
    }
    match host_python311() {
        None => skip(
            "python3_floats (host comparison)",
            "the host has no python3.11",
        ),
        Some(host) => {
            let args: Vec<String> = ["-S", "-B", &script, "portable"]
                .iter()
                .map(|a| a.to_string())
                .collect();
            let native = run_on_host(&host, &args, b"", workdir.path());
            assert_eq!(
                native.status,
                Status::Exit(0),
                "host python3: {}",
                stderr_tail(&native)
            );
            let prefix = &emulated.stdout[..native.stdout.len().min(emulated.stdout.len())];
            if let Some(diff) = describe_difference(&native.stdout, prefix) {
                failures.push(format!(
                    "the portable part, emu vs the host's python3: {diff}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Input for the host-tool comparisons: text, a deterministic pseudo-random run (which
/// does not compress) and long repeats, ~300 KB.
fn mixed_data() -> Vec<u8> {
    let mut data = compressible_data();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..100_000 {
        state ^= state << 7;
        state ^= state >> 9;
        data.push(state as u8);
    }
    for i in 0..150_000u32 {
        data.push(b"abcabcabd"[(i % 9) as usize] ^ ((i >> 14) as u8 & 1));
    }
    data
}

/// sha256sum, xz and gzip from the Debian sysroot (under emu) agree with the host's own
/// tools on the same data: identical digests; identical compressed bytes when the host
/// runs the same release (checked through --version); and each side decompresses what
/// the other compressed back to the input.
#[test]
fn sha256sum_xz_gzip_agree_with_host_tools() {
    let Some(root) = need_sysroot("sha256sum_xz_gzip_agree_with_host_tools") else {
        return;
    };
    let workdir = TempDir::new("host_tools");
    let data = mixed_data();
    // Lengths around SHA-256's 64-byte block and its 55/56-byte padding boundary.
    let mut names = Vec::new();
    for length in [0usize, 1, 55, 56, 63, 64, 65, 1000, data.len()] {
        let name = format!("input-{length}");
        std::fs::write(workdir.path().join(&name), &data[..length]).expect("temp dir is writable");
        names.push(name);
    }
    let mut failures = Vec::new();
    let compare = |failures: &mut Vec<String>,
                   what: &str,
                   guest: &str,
                   host: &str,
                   args: &[&str],
                   stdin: &[u8]|
     -> Option<(Vec<u8>, Vec<u8>)> {
        let Some(host_program) = emu_tests::find_on_path(host) else {
            skip(what, &format!("the host has no {host}"));
            return None;
        };
        let mut check = Check::new(what, guest, args).stdin(stdin.to_vec());
        check.dynamic = true;
        let emulated = run_on_emu(&check, &root, workdir.path());
        let native = run_on_host(&host_program, &check.args, stdin, workdir.path());
        if emulated.status != Status::Exit(0) || native.status != Status::Exit(0) {
            failures.push(format!(
                "{what}: emu {:?}, host {:?}\n{}",
                emulated.status,
                native.status,
                stderr_tail(&emulated)
            ));
            return None;
        }
        Some((emulated.stdout, native.stdout))
    };
    let mut sha_args = vec!["-b"];
    sha_args.extend(names.iter().map(String::as_str));
    if let Some((guest, host)) = compare(
        &mut failures,
        "sha256sum",
        "usr/bin/sha256sum",
        "sha256sum",
        &sha_args,
        b"",
    ) {
        if guest != host {
            failures.push(format!(
                "sha256sum differs:\nemu:\n{}host:\n{}",
                String::from_utf8_lossy(&guest),
                String::from_utf8_lossy(&host)
            ));
        }
    }
    for (tool, guest_path, level) in [("xz", "usr/bin/xz", "-6"), ("gzip", "bin/gzip", "-9")] {
        let same_release = compare(
            &mut failures,
            &format!("{tool} --version"),
            guest_path,
            tool,
            &["--version"],
            b"",
        )
        .is_some_and(|(guest, host)| guest == host);
        let compress: &[&str] = if tool == "xz" {
            &[level, "-c", "-T1"]
        } else {
            &[level, "-c", "-n"]
        };
        let Some((guest_packed, host_packed)) = compare(
            &mut failures,
            &format!("{tool} {level}"),
            guest_path,
            tool,
            compress,
            &data,
        ) else {
            continue;
        };
        if same_release && guest_packed != host_packed {
            failures.push(format!(
                "{tool} {level}: the same release compressed differently ({} bytes under emu, {} on the host)",
                guest_packed.len(),
                host_packed.len()
            ));
        }
        // Each side decompresses the other's output.
        for (label, packed) in [
            ("host-compressed", &host_packed),
            ("emu-compressed", &guest_packed),
        ] {
            if let Some((guest, host)) = compare(
                &mut failures,
                &format!("{tool} -d of {label}"),
                guest_path,
                tool,
                &["-d", "-c"],
                packed,
            ) {
                if guest != data || host != data {
                    failures.push(format!(
                        "{tool} -d of {label} data: emu restored the input: {}, host: {}",
                        guest == data,
                        host == data
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Python's hashlib (OpenSSL's libcrypto, which picks its SHA-1/SHA-256/SHA-512 code from
/// AT_HWCAP, so under emu it runs the SHA1*, SHA256* and SHA512* instructions) digests
/// inputs around the block sizes identically to qemu-aarch64 and to the host's python3.
#[test]
fn python3_hashlib_crypto_extensions() {
    let Some(root) = need_sysroot("python3_hashlib_crypto_extensions") else {
        return;
    };
    let script = "import hashlib\n\
        data = bytes((i * 7 + 3) % 256 for i in range(100000))\n\
        for name in ['md5', 'sha1', 'sha256', 'sha512', 'sha3_256', 'sha3_512', 'blake2b']:\n\
        \x20   print(name, [hashlib.new(name, data[:n]).hexdigest() for n in (0, 3, 55, 56, 111, 112, 128, 1000, 100000)])\n";
    let workdir = TempDir::new("python3_hashlib");
    let check = Check::new(
        "hashlib digests",
        "usr/bin/python3.11",
        &["-S", "-c", script],
    );
    let emulated = run_on_emu(&check, &root, workdir.path());
    assert!(
        emulated.status == Status::Exit(0) && emulated.stdout_text().lines().count() == 7,
        "hashlib under emu: {:?}\n{}",
        emulated.status,
        stderr_tail(&emulated)
    );
    let mut failures = Vec::new();
    let mut compare = |who: &str, outcome: Outcome| {
        if outcome.status != Status::Exit(0) {
            failures.push(format!("{who}: {:?}", outcome.status));
        } else if let Some(diff) = describe_difference(&outcome.stdout, &emulated.stdout) {
            failures.push(format!("emu vs {who}: {diff}"));
        }
    };
    match qemu() {
        None => skip(
            "python3_hashlib (qemu comparison)",
            "qemu-aarch64 is not installed",
        ),
        Some(qemu) => {
            let mut command =
                qemu_command(&qemu, Some(&root), &root.join(check.program), &check.args);
            guest_environment(&mut command);
            command.current_dir(workdir.path());
            compare("qemu-aarch64", run_command(command, b"", DEFAULT_TIMEOUT));
        }
    }
    match host_python311() {
        None => skip(
            "python3_hashlib (host comparison)",
            "the host has no python3.11",
        ),
        Some(host) => compare(
            "the host's python3",
            run_on_host(&host, &check.args, b"", workdir.path()),
        ),
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! `emu boot` with real Linux kernels, driven through the serial console: the console
//! conversation of images/boot-checks.txt (shell prompt, `uname`, timer ticks in
//! /proc/interrupts, the RTC, a clean dmesg, Ctrl-C, `poweroff -f` → status 0), the same
//! one tests/boot-qemu-reference.sh plays under qemu-system-aarch64.
//!
//! - the bundled demo image (images/Image.gz + images/initramfs.cpio.gz) with GICv3 and
//!   GICv2;
//! - Debian bookworm's arm64 kernel with a busybox initramfs, when tests/fetch-debian-kernel.sh
//!   has put them in tests/.cache/kernel/ (CI does).
//!
//! A test whose kernel is absent is skipped (and says so).

use emu_tests::{emu_binary, skip, workspace_root};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one step of the conversation may take. Generous: the test profile is slow and
/// CI has two cores shared by everything.
fn step_timeout() -> Duration {
    let secs = std::env::var("EMU_BOOT_STEP_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

enum Step {
    Expect(String),
    Send(String),
    CtrlC,
    Exit(i32),
}

fn parse_checks(path: &Path) -> Vec<Step> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (verb, arg) = l.split_once(' ').unwrap_or((l, ""));
            match verb {
                "expect" => Step::Expect(arg.to_string()),
                "send" => Step::Send(arg.to_string()),
                "ctrl-c" => Step::CtrlC,
                "exit" => Step::Exit(
                    arg.trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("{}: bad exit status in {l:?}", path.display())),
                ),
                _ => panic!("{}: unknown step {l:?}", path.display()),
            }
        })
        .collect()
}

/// A running `emu boot` whose console we talk to.
struct Console {
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    /// Offset just past the previous match.
    matched_to: usize,
}

impl Console {
    fn start(args: &[&str], kernel: &Path, initrd: &Path) -> Console {
        let mut child = Command::new(emu_binary())
            .arg("boot")
            .arg("--kernel")
            .arg(kernel)
            .arg("--initrd")
            .arg(initrd)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("emu starts");
        let output = Arc::new(Mutex::new(Vec::new()));
        for mut pipe in [
            Box::new(child.stdout.take().expect("piped")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("piped")),
        ] {
            let sink = output.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(&buf[..n]);
                }
            });
        }
        Console {
            child,
            output,
            matched_to: 0,
        }
    }

    fn log(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    fn fail(&mut self, why: &str) -> ! {
        let stacks = thread_stacks(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!(
            "{why}\n----- console log -----\n{}\n----- emu's threads -----\n{stacks}",
            self.log()
        );
    }

    /// Waits for `text`. `resend`: bytes to type again every few seconds while waiting
    /// (see `play` for why Ctrl-C needs it).
    fn expect(&mut self, text: &str, resend: Option<&[u8]>) {
        let deadline = Instant::now() + step_timeout();
        let mut last_send = Instant::now();
        loop {
            let found = {
                let out = self.output.lock().unwrap_or_else(|e| e.into_inner());
                out.get(self.matched_to..).and_then(|rest| {
                    rest.windows(text.len())
                        .position(|w| w == text.as_bytes())
                        .map(|i| self.matched_to + i + text.len())
                })
            };
            if let Some(end) = found {
                self.matched_to = end;
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.fail(&format!("emu exited ({status}) while waiting for {text:?}"));
            }
            if Instant::now() > deadline {
                self.fail(&format!("no {text:?} within {:?}", step_timeout()));
            }
            if let Some(bytes) = resend {
                if last_send.elapsed() > CTRL_C_RETRY {
                    self.send(bytes);
                    last_send = Instant::now();
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("piped");
        if let Err(e) = stdin.write_all(bytes).and_then(|_| stdin.flush()) {
            self.fail(&format!("writing to the console: {e}"));
        }
    }

    fn expect_exit(&mut self, code: i32) {
        let deadline = Instant::now() + step_timeout();
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.code() == Some(code) => return,
                Ok(Some(status)) => self.fail(&format!("emu ended with {status}, not {code}")),
                _ if Instant::now() > deadline => {
                    self.fail(&format!("emu still running after {:?}", step_timeout()))
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

/// The backtraces of every thread of process `pid` (gdb, where installed), so that a
/// failure that is a hang says where emu was: a `poweroff -f` that never ended the
/// machine was seen once in CI and not reproduced since.
fn thread_stacks(pid: u32) -> String {
    // CI installs gdb-multiarch (for the GDB stub tests), which attaches to x86-64 too.
    for gdb in ["gdb", "gdb-multiarch"] {
        let out = Command::new("timeout")
            .args(["60", gdb, "-batch", "-p", &pid.to_string()])
            .args(["-ex", "thread apply all bt 12"])
            .stdin(Stdio::null())
            .output();
        if let Ok(o) = out {
            if o.status.success() {
                return String::from_utf8_lossy(&o.stdout).into_owned();
            }
        }
    }
    "(no gdb could attach)".into()
}

/// How long to wait for the effect of a Ctrl-C before typing it again.
const CTRL_C_RETRY: Duration = Duration::from_secs(3);

/// Plays the conversation. A Ctrl-C is typed again while the step after it waits: the
/// shell prints the command's first output (`echo sleeping now; sleep 1000`) before the
/// next command has become the terminal's foreground job, and a Ctrl-C that lands in that
/// window goes to the shell, which ignores it, so the sleep runs on. That race is the
/// guest's (busybox ash forks, then the child calls tcsetpgrp); retrying keeps the check —
/// the prompt only comes back if Ctrl-C interrupts the foreground command — without
/// depending on how fast the guest forks.
fn play(args: &[&str], kernel: &Path, initrd: &Path) {
    let steps = parse_checks(&workspace_root().join("images/boot-checks.txt"));
    let mut console = Console::start(args, kernel, initrd);
    let mut resend: Option<&[u8]> = None;
    for step in &steps {
        match step {
            Step::Expect(text) => console.expect(text, resend.take()),
            Step::Send(line) => console.send(format!("{line}\n").as_bytes()),
            Step::CtrlC => {
                console.send(&[0x03]);
                resend = Some(&[0x03]);
            }
            Step::Exit(code) => console.expect_exit(*code),
        }
    }
    if !steps.iter().any(|s| matches!(s, Step::Exit(_))) {
        let _ = console.child.kill();
        let _ = console.child.wait();
    }
}

fn bundled() -> Option<(PathBuf, PathBuf)> {
    let dir = workspace_root().join("images");
    let (k, i) = (dir.join("Image.gz"), dir.join("initramfs.cpio.gz"));
    (k.is_file() && i.is_file() && dir.join("boot-checks.txt").is_file()).then_some((k, i))
}

#[test]
fn bundled_image_boots_to_a_shell_with_gicv3() {
    let Some((kernel, initrd)) = bundled() else {
        skip(
            "bundled_image_boots_to_a_shell_with_gicv3",
            "images/ not built",
        );
        return;
    };
    play(
        &["--gic", "v3", "--append", "console=ttyAMA0"],
        &kernel,
        &initrd,
    );
}

#[test]
fn bundled_image_boots_to_a_shell_with_gicv2() {
    let Some((kernel, initrd)) = bundled() else {
        skip(
            "bundled_image_boots_to_a_shell_with_gicv2",
            "images/ not built",
        );
        return;
    };
    play(
        &["--gic", "v2", "--append", "console=ttyAMA0"],
        &kernel,
        &initrd,
    );
}

/// Debian bookworm's generic arm64 kernel (issue 4's acceptance test), under `gic`.
fn debian_kernel_boots(test: &str, gic: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/kernel");
    let (kernel, initrd) = (dir.join("vmlinuz"), dir.join("initramfs.cpio.gz"));
    if !kernel.is_file() || !initrd.is_file() || bundled().is_none() {
        skip(
            test,
            "no tests/.cache/kernel (tests/fetch-debian-kernel.sh) or images/boot-checks.txt",
        );
        return;
    }
    play(
        &["--gic", gic, "--append", "console=ttyAMA0"],
        &kernel,
        &initrd,
    );
}

#[test]
fn debian_kernel_boots_to_a_shell_with_gicv3() {
    debian_kernel_boots("debian_kernel_boots_to_a_shell_with_gicv3", "v3");
}

#[test]
fn debian_kernel_boots_to_a_shell_with_gicv2() {
    debian_kernel_boots("debian_kernel_boots_to_a_shell_with_gicv2", "v2");
}

//! What the GDB stub tests (`gdb_user.rs` for `emu run --gdb`, `gdb_system.rs` for
//! `emu boot --gdb`) share: the emulator under test waiting for gdb on a port it chose,
//! gdb-multiarch in batch mode against it, and readers of gdb's transcript.

use crate::{find_on_path, skip, Status};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any one emulator or gdb process may take.
pub const TIMEOUT: Duration = Duration::from_secs(90);

/// gdb-multiarch, or `None` after printing why `test` is skipped.
pub fn gdb_client(test: &str) -> Option<PathBuf> {
    let gdb = find_on_path("gdb-multiarch");
    if gdb.is_none() {
        skip(
            test,
            "gdb-multiarch is not installed (apt-get install gdb-multiarch)",
        );
    }
    gdb
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An emulator started with `--gdb 127.0.0.1:0`, whose stdout and stderr are collected as
/// they come; `port` is the one it announced on stderr.
pub struct Debuggee {
    child: Child,
    pub port: u16,
    stdout: Arc<Mutex<Vec<u8>>>,
    stdout_reader: Option<std::thread::JoinHandle<()>>,
    stderr: Arc<Mutex<String>>,
}

/// A test that fails part-way must not leave its emu running (a guest spinning under
/// `--gdb` never ends by itself, and would outlive the test run).
impl Drop for Debuggee {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Debuggee {
    /// Starts `cmd` (an emu command line with `--gdb 127.0.0.1:0`) and waits until it
    /// announces the port gdb should connect to.
    pub fn spawn(mut cmd: Command) -> Debuggee {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("emu starts");
        let mut out = child.stdout.take().expect("piped");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stdout_sink = stdout.clone();
        let stdout_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                lock(&stdout_sink).extend_from_slice(&buf[..n]);
            }
        });
        let err = child.stderr.take().expect("piped");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("emu: gdb: waiting for a connection on ") {
                    let port = addr.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
                    let _ = port_tx.send(port);
                }
                let mut s = lock(&sink);
                s.push_str(&line);
                s.push('\n');
            }
        });
        let port = match port_rx.recv_timeout(TIMEOUT) {
            Ok(Some(p)) => p,
            other => {
                let _ = child.kill();
                panic!(
                    "emu did not announce its gdb port ({other:?}); stderr:\n{}",
                    lock(&stderr)
                );
            }
        };
        Debuggee {
            child,
            port,
            stdout,
            stdout_reader: Some(stdout_reader),
            stderr,
        }
    }

    /// Waits until the guest has printed `needle`.
    pub fn wait_for_output(&self, needle: &str) {
        let started = Instant::now();
        loop {
            let out = lock(&self.stdout).clone();
            if String::from_utf8_lossy(&out).contains(needle) {
                return;
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "the guest never printed {needle:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for emu to end; returns its status, stdout and stderr.
    pub fn finish(mut self) -> (Status, String, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("wait works") {
                use std::os::unix::process::ExitStatusExt;
                break match st.code() {
                    Some(c) => Status::Exit(c),
                    None => Status::Signal(st.signal().unwrap_or(0)),
                };
            }
            if started.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break Status::TimedOut;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        if let Some(reader) = self.stdout_reader.take() {
            let _ = reader.join();
        }
        let out = lock(&self.stdout).clone();
        let err = lock(&self.stderr).clone();
        if status == Status::TimedOut {
            eprintln!("emu stderr:\n{err}");
        }
        (status, String::from_utf8_lossy(&out).into_owned(), err)
    }
}

/// A running `gdb-multiarch -batch`, whose combined stdout and stderr (one pipe, so error
/// lines appear where gdb printed them) is collected as it comes.
pub struct Gdb {
    child: Child,
    transcript: Arc<Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl Gdb {
    /// Loads `program` (and, when given, `set sysroot`), connects to `port` and runs
    /// `commands`, from `source_dir` so that gdb shows source lines as well as numbers.
    pub fn start(
        gdb: &Path,
        source_dir: &Path,
        program: &Path,
        sysroot: Option<&Path>,
        port: u16,
        commands: &[String],
    ) -> Gdb {
        let (reader_end, writer_end) = std::io::pipe().expect("pipe");
        let mut cmd = Command::new(gdb);
        cmd.current_dir(source_dir)
            .args(["-batch", "-nx"])
            .args(["-ex", "set pagination off", "-ex", "set width 0"])
            .args(["-ex", "set confirm off"]);
        if let Some(root) = sysroot {
            cmd.arg("-ex")
                .arg(format!("set sysroot {}", root.display()));
        }
        cmd.arg("-ex")
            .arg(format!("file {}", program.display()))
            .arg("-ex")
            .arg(format!("target remote 127.0.0.1:{port}"));
        for c in commands {
            cmd.arg("-ex").arg(c);
        }
        cmd.stdin(Stdio::null())
            .stdout(writer_end.try_clone().expect("dup"))
            .stderr(writer_end);
        let child = cmd.spawn().expect("gdb-multiarch starts");
        drop(cmd); // closes our copies of the pipe's write end
        let transcript = Arc::new(Mutex::new(String::new()));
        let sink = transcript.clone();
        let reader = std::thread::spawn(move || {
            let mut r = reader_end;
            let mut buf = [0u8; 4096];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                lock(&sink).push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Gdb {
            child,
            transcript,
            reader,
        }
    }

    /// gdb's process id (to send it a Ctrl-C, as a user at its terminal would).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for gdb to end (killing it after [`TIMEOUT`]); returns its transcript.
    pub fn finish(mut self) -> String {
        let started = Instant::now();
        while self.child.try_wait().expect("wait works").is_none() {
            if started.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.reader.join();
        let t = lock(&self.transcript).clone();
        t
    }
}

pub fn cmds(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[track_caller]
pub fn assert_line(transcript: &str, line: &str) {
    assert!(
        transcript.lines().any(|l| l.trim_end() == line),
        "gdb did not print the line {line:?}; transcript:\n{transcript}"
    );
}

/// The values of gdb's `$N = VALUE` lines, in order.
pub fn printed_values(transcript: &str) -> Vec<String> {
    transcript
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('$')?;
            let (num, value) = rest.split_once(" = ")?;
            num.parse::<u32>().ok()?;
            Some(value.trim_end().to_string())
        })
        .collect()
}

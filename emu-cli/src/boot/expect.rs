//! Ending a boot from outside the guest: `--expect REGEX` (status 0 as soon as the serial
//! output matches), `--fail-on REGEX` (status [`FAIL_ON_STATUS`]) and `--timeout SECS`
//! (status 124). Each of them files a [`StopRequest`] and kicks the vCPU; the vCPU loop
//! sees the request at its next turn and shuts the machine down in order (stats printed,
//! terminal restored, serial output flushed).
//!
//! Matching is line by line: each pattern is tried against the current line of serial
//! output after every byte written to it (a line is the text since the last `\n`, without
//! it, and so a prompt that never ends its line matches too). Lines longer than
//! [`MAX_LINE`] bytes are matched on their last `MAX_LINE` bytes. Per-line matching keeps
//! the cost per output byte bounded by the line length, whatever the length of the log.

use super::events::Events;
use regex::bytes::Regex;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Exit status when the serial output matched `--fail-on`.
pub const FAIL_ON_STATUS: i32 = 1;

/// Longest line kept for matching.
const MAX_LINE: usize = 4096;

/// Why and with which status the machine should stop; the first request wins.
#[derive(Default)]
pub struct StopRequest {
    requested: AtomicBool,
    what: Mutex<Option<(i32, String)>>,
}

impl StopRequest {
    /// Files a request (ignored if one is already filed) and kicks the vCPU so that it
    /// leaves translated code at its next block boundary.
    pub fn request(&self, status: i32, reason: String, events: &Events) {
        {
            let mut what = self.what.lock().unwrap_or_else(|e| e.into_inner());
            if what.is_none() {
                *what = Some((status, reason));
            }
        }
        self.requested.store(true, Ordering::SeqCst);
        events.kick_cpu();
    }

    /// The filed request (status, reason), if any.
    pub fn pending(&self) -> Option<(i32, String)> {
        if !self.requested.load(Ordering::SeqCst) {
            return None;
        }
        self.what.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// `--expect` / `--fail-on` patterns.
pub struct Patterns {
    pub expect: Option<Regex>,
    pub fail_on: Option<Regex>,
}

impl Patterns {
    pub fn is_empty(&self) -> bool {
        self.expect.is_none() && self.fail_on.is_none()
    }
}

/// Compiles a `--expect`/`--fail-on` pattern (Rust `regex` syntax, matched on bytes).
pub fn compile(option: &str, pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("{option}: {e}"))
}

/// The UART's output sink with the patterns watching it.
pub struct SerialWatch {
    out: Box<dyn Write + Send>,
    patterns: Patterns,
    line: Vec<u8>,
    stop: Arc<StopRequest>,
    events: Arc<Events>,
    /// A pattern matched already: stop looking (the machine is stopping).
    done: bool,
}

impl SerialWatch {
    pub fn new(
        out: Box<dyn Write + Send>,
        patterns: Patterns,
        stop: Arc<StopRequest>,
        events: Arc<Events>,
    ) -> Self {
        SerialWatch {
            out,
            patterns,
            line: Vec::new(),
            stop,
            events,
            done: false,
        }
    }

    fn check_line(&mut self) {
        // --fail-on first: a line that matches both is a failure.
        if let Some(re) = &self.patterns.fail_on {
            if re.is_match(&self.line) {
                self.done = true;
                let line = String::from_utf8_lossy(&self.line).into_owned();
                self.stop.request(
                    FAIL_ON_STATUS,
                    format!("--fail-on matched the serial output: {line:?}"),
                    &self.events,
                );
                return;
            }
        }
        if let Some(re) = &self.patterns.expect {
            if re.is_match(&self.line) {
                self.done = true;
                self.stop.request(0, String::new(), &self.events);
            }
        }
    }

    fn watch(&mut self, data: &[u8]) {
        for &b in data {
            if self.done {
                return;
            }
            if b == b'\n' {
                self.line.clear();
                continue;
            }
            if self.line.len() == MAX_LINE {
                self.line.remove(0);
            }
            self.line.push(b);
            self.check_line();
        }
    }
}

impl Write for SerialWatch {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(data)?;
        if let Some(written) = data.get(..n) {
            self.watch(written);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(expect: Option<&str>, fail_on: Option<&str>) -> (SerialWatch, Arc<StopRequest>) {
        let stop = Arc::new(StopRequest::default());
        let w = SerialWatch::new(
            Box::new(std::io::sink()),
            Patterns {
                expect: expect.map(|p| compile("--expect", p).unwrap()),
                fail_on: fail_on.map(|p| compile("--fail-on", p).unwrap()),
            },
            stop.clone(),
            Arc::new(Events::new()),
        );
        (w, stop)
    }

    #[test]
    fn expect_matches_a_partial_line_written_byte_by_byte() {
        let (mut w, stop) = watch(Some(r"^/ # $"), None);
        for &b in b"Welcome\n/ " {
            w.write_all(&[b]).unwrap();
        }
        assert!(stop.pending().is_none());
        w.write_all(b"# ").unwrap();
        assert_eq!(stop.pending(), Some((0, String::new())));
    }

    #[test]
    fn fail_on_wins_and_the_first_request_is_kept() {
        let (mut w, stop) = watch(Some("panic|ok"), Some("Kernel panic"));
        w.write_all(b"Kernel panic - not syncing\nok\n").unwrap();
        let (status, why) = stop.pending().unwrap();
        assert_eq!(status, FAIL_ON_STATUS);
        assert!(why.contains("Kernel panic"), "{why}");
    }

    #[test]
    fn patterns_do_not_match_across_lines() {
        let (mut w, stop) = watch(Some("ab"), None);
        w.write_all(b"a\nb\n").unwrap();
        assert!(stop.pending().is_none());
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(compile("--expect", "(unclosed").is_err());
    }
}

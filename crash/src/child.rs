//! The registry's own process: started from a command, ready once it names
//! the address it serves, and killed with SIGKILL (no shutdown, no flush).
//!
//! The child's contract is one line: it prints `tcp://HOST:PORT` (on
//! stdout or stderr) once it serves the framed protocol there, as
//! `procreg serve` does. Everything else it prints is kept, the last lines
//! shown when it fails to start.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to start the registry's process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
}

impl ChildCommand {
    /// `program` with `args`.
    pub fn new(program: impl Into<PathBuf>, args: impl IntoIterator<Item = String>) -> Self {
        Self {
            program: program.into(),
            args: args.into_iter().collect(),
        }
    }

    /// The command as a shell would take it (arguments with spaces quoted).
    pub fn describe(&self) -> String {
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().cloned())
            .map(|word| {
                if word.is_empty() || word.contains(char::is_whitespace) {
                    format!("'{word}'")
                } else {
                    word
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Lines of the child's output kept for error messages.
const LOG_LINES: usize = 20;

/// A started child and the address it serves.
pub struct RunningChild {
    child: Arc<Mutex<Reaped>>,
    address: String,
    log: Arc<Mutex<VecDeque<String>>>,
}

/// The address in a line naming `tcp://HOST:PORT`.
pub fn address_in(line: &str) -> Option<String> {
    let start = line.find("tcp://")? + "tcp://".len();
    let address: String = line[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ')' | ',' | ';' | '"' | '\''))
        .collect();
    let (host, port) = address.rsplit_once(':')?;
    (!host.is_empty() && port.parse::<u16>().is_ok()).then_some(address)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The child, and whether it was killed and reaped (its pid, and so its
/// process group id, may belong to someone else afterwards).
struct Reaped {
    child: Child,
    reaped: bool,
}

/// SIGKILL to the child, then to its process group (a wrapper's children
/// die with it: the child leads a group of its own), then reap it; once.
fn kill(child: &Mutex<Reaped>) {
    let mut guard = lock(child);
    if guard.reaped {
        return;
    }
    guard.reaped = true;
    let child = &mut guard.child;
    let _ = child.kill();
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.wait();
}

fn keep(log: &Mutex<VecDeque<String>>, line: String) {
    let mut log = lock(log);
    if log.len() == LOG_LINES {
        log.pop_front();
    }
    log.push_back(line);
}

/// Reads `stream` line by line into `log`, sending each line to `lines`
/// until nobody listens; returns when the child closes the stream.
fn drain(stream: impl Read, log: Arc<Mutex<VecDeque<String>>>, lines: mpsc::Sender<String>) {
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return };
        keep(&log, line.clone());
        let _ = lines.send(line);
    }
}

impl RunningChild {
    /// Starts `command` and waits, at most `ready_within`, for the line
    /// naming its address. The error says why: it could not start, it
    /// exited first (with its last lines), or it stayed silent.
    pub fn start(command: &ChildCommand, ready_within: Duration) -> Result<Self, String> {
        let mut spawn = Command::new(&command.program);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut spawn, 0);
        let mut child = spawn
            .args(&command.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("`{}` did not start: {error}", command.describe()))?;
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (sender, lines) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            let (log, sender) = (log.clone(), sender.clone());
            std::thread::spawn(move || drain(stdout, log, sender));
        }
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || drain(stderr, log, sender));
        } else {
            drop(sender);
        }
        let deadline = std::time::Instant::now() + ready_within;
        let mut running = Self {
            child: Arc::new(Mutex::new(Reaped {
                child,
                reaped: false,
            })),
            address: String::new(),
            log,
        };
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(address) = address_in(&line) {
                        running.address = address;
                        return Ok(running);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Its output closed: it exited, or it closed its output
                    // and runs on; either way it will name no address.
                    let ended = match running.exit_within(deadline) {
                        Some(status) => format!("exited ({status})"),
                        None => "closed its output and runs on".to_owned(),
                    };
                    running.kill();
                    return Err(format!(
                        "`{}` {ended} before naming the address it serves (a line with tcp://HOST:PORT){}",
                        command.describe(),
                        running.log_tail()
                    ));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    running.kill();
                    return Err(format!(
                        "`{}` named no address to serve (a line with tcp://HOST:PORT) within {} s{}",
                        command.describe(),
                        ready_within.as_secs(),
                        running.log_tail()
                    ));
                }
            }
        }
    }

    /// Its exit status, waiting for it until `deadline` at most.
    fn exit_within(&self, deadline: std::time::Instant) -> Option<String> {
        loop {
            let mut guard = lock(&self.child);
            if let Ok(Some(status)) = guard.child.try_wait() {
                guard.reaped = true;
                return Some(status.to_string());
            }
            drop(guard);
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Where it serves (`HOST:PORT`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// SIGKILL, then reap: the process is gone when this returns.
    pub fn kill(&mut self) {
        kill(&self.child);
    }

    /// Kills it `delay` from now, from a thread of its own (to the
    /// microsecond, unlike a timer of the async runtime); join the handle
    /// to know it is gone.
    pub fn kill_after(&self, delay: Duration) -> std::thread::JoinHandle<()> {
        let child = self.child.clone();
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            kill(&child);
        })
    }

    /// Whether it exited on its own (it should run until killed).
    pub fn exited(&mut self) -> Option<String> {
        let status = {
            let mut guard = lock(&self.child);
            let status = guard.child.try_wait();
            if let Ok(Some(_)) = status {
                guard.reaped = true;
            }
            status
        };
        match status {
            Ok(Some(status)) => Some(format!("{status}{}", self.log_tail())),
            _ => None,
        }
    }

    /// The last lines it printed, indented, or nothing.
    pub fn log_tail(&self) -> String {
        let log = lock(&self.log);
        if log.is_empty() {
            return String::new();
        }
        let lines: Vec<String> = log.iter().map(|line| format!("  | {line}")).collect();
        format!("; its last lines:\n{}", lines.join("\n"))
    }
}

impl Drop for RunningChild {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_read_from_the_serve_banner() {
        assert_eq!(
            address_in("procreg serve: sqlite:x.db on tcp://127.0.0.1:40123 (protocol 1, ...)"),
            Some("127.0.0.1:40123".to_owned())
        );
        assert_eq!(
            address_in("listening on tcp://[::1]:7070"),
            Some("[::1]:7070".to_owned())
        );
        assert_eq!(address_in("tcp://nowhere"), None);
        assert_eq!(address_in("no address here"), None);
    }

    #[test]
    fn a_child_that_exits_first_is_named_with_its_last_lines() {
        let command =
            ChildCommand::new("sh", ["-c".to_owned(), "echo boom >&2; exit 4".to_owned()]);
        let error = RunningChild::start(&command, Duration::from_secs(10))
            .err()
            .expect("no address");
        assert!(error.contains("exited"), "{error}");
        assert!(error.contains("boom"), "{error}");
    }

    #[test]
    fn a_missing_program_is_a_clear_error() {
        let command = ChildCommand::new("/nonexistent/procreg-serve", Vec::new());
        let error = RunningChild::start(&command, Duration::from_secs(1))
            .err()
            .expect("no program");
        assert!(error.contains("did not start"), "{error}");
    }
}

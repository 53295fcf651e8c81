//! Exit codes and the one-line errors that go with them.

use std::fmt;
use std::process::ExitCode;

/// Everything passed.
pub const OK: u8 = 0;
/// A rule failed: a check, the model check, or a history.
pub const RULE_FAILURE: u8 = 1;
/// Bad usage or configuration.
pub const USAGE: u8 = 2;
/// The backend failed to start.
pub const BACKEND: u8 = 3;

/// An error that ends the command with a one-line message and an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The exit code ([`USAGE`] or [`BACKEND`]).
    pub code: u8,
    /// The message, one line.
    pub message: String,
}

impl CliError {
    /// A usage or configuration error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: USAGE,
            message: message.into(),
        }
    }

    /// A backend start-up failure (exit 3).
    pub fn backend(message: impl Into<String>) -> Self {
        Self {
            code: BACKEND,
            message: message.into(),
        }
    }

    /// Not an error: what the user asked to see instead of a run (such as
    /// the list behind `--backend mutant:?`), printed on stdout with exit 0.
    pub fn listing(text: impl Into<String>) -> Self {
        Self {
            code: OK,
            message: text.into(),
        }
    }

    /// Prints the message on stderr (a listing on stdout) and returns the exit code.
    pub fn report(&self) -> ExitCode {
        if self.code == OK {
            let _ = emit(&self.message, None);
            return ExitCode::from(OK);
        }
        note(&format!(
            "procreg: error: {}",
            self.message.replace('\n', " ")
        ));
        ExitCode::from(self.code)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Writes one line to stderr. A closed or broken stderr (`2>&1 | head`)
/// loses the line but never turns into a panic.
pub fn note(line: &str) {
    use std::io::Write as _;
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// Writes `text` to `out` (a file) or stdout.
pub fn emit(text: &str, out: Option<&std::path::Path>) -> Result<(), CliError> {
    match out {
        Some(path) => std::fs::write(path, text).map_err(|error| {
            CliError::usage(format!("cannot write `{}`: {error}", path.display()))
        }),
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}

/// Fails early when `path` cannot be written, so a long run does not end in a write error.
pub fn ensure_writable(path: &std::path::Path) -> Result<(), CliError> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map(|_| ())
        .map_err(|error| CliError::usage(format!("cannot write `{}`: {error}", path.display())))
}

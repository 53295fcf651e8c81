//! Progress on stderr: indicatif bars on a terminal, plain lines otherwise, nothing with `--quiet`.

use crate::exit::note;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use procreg_report::{KitObserver, KitPhase};
use std::io::IsTerminal as _;
use std::time::Duration;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bars and spinners (stderr is a terminal).
    Bars,
    /// One line when a phase starts.
    Plain,
    /// Nothing.
    Quiet,
}

impl Mode {
    /// Bars on a terminal, plain lines otherwise, nothing when `quiet`.
    pub fn detect(quiet: bool) -> Self {
        if quiet {
            Self::Quiet
        } else if std::io::stderr().is_terminal() && std::io::stdout().is_terminal() {
            Self::Bars
        } else {
            Self::Plain
        }
    }
}

/// One phase's indicator.
pub struct Phase {
    bar: Option<ProgressBar>,
    /// Plain mode on long phases: the label, the length and steps done, for a line every tenth.
    plain: Option<(String, u64, std::cell::Cell<u64>)>,
}

/// Plain mode prints a progress line every tenth of a phase this long or longer.
const PLAIN_PROGRESS_MIN: u64 = 20;

impl Phase {
    /// A bar over `len` steps (`None`: a spinner) labelled `label`.
    pub fn start(mode: Mode, label: &str, len: Option<u64>) -> Self {
        match mode {
            Mode::Quiet => Self {
                bar: None,
                plain: None,
            },
            Mode::Plain => {
                match len {
                    Some(len) => note(&format!("{label}: {len} steps")),
                    None => note(&format!("{label}: running")),
                }
                Self {
                    bar: None,
                    plain: len
                        .filter(|len| *len >= PLAIN_PROGRESS_MIN)
                        .map(|len| (label.to_owned(), len, std::cell::Cell::new(0))),
                }
            }
            Mode::Bars => {
                let bar = match len {
                    Some(len) => {
                        let bar =
                            ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
                        if let Ok(style) = ProgressStyle::with_template(
                            "{prefix} [{bar:30}] {pos}/{len} {wide_msg}",
                        ) {
                            bar.set_style(style.progress_chars("=> "));
                        }
                        bar
                    }
                    None => {
                        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                        if let Ok(style) =
                            ProgressStyle::with_template("{prefix} {spinner} {wide_msg}")
                        {
                            bar.set_style(style);
                        }
                        bar.enable_steady_tick(Duration::from_millis(120));
                        bar
                    }
                };
                bar.set_prefix(label.to_owned());
                Self {
                    bar: Some(bar),
                    plain: None,
                }
            }
        }
    }

    /// Shows what runs now.
    pub fn message(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.to_owned());
        }
    }

    /// One step done.
    pub fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        if let Some((label, len, done)) = &self.plain {
            let now = done.get() + 1;
            done.set(now);
            if now * 10 / len > (now - 1) * 10 / len {
                note(&format!("{label}: {now}/{len}"));
            }
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A run's progress on stderr: one indicator per phase, each step's name
/// as its message; notes go to stderr as lines.
pub struct Progress {
    mode: Mode,
    current: Option<Phase>,
}

impl Progress {
    /// Progress shown in `mode`.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            current: None,
        }
    }
}

impl KitObserver for Progress {
    fn phase_started(&mut self, phase: KitPhase, steps: Option<u64>) {
        if let Some(previous) = self.current.take() {
            previous.finish();
        }
        self.current = Some(Phase::start(self.mode, phase.label(), steps));
    }

    fn step_started(&mut self, _phase: KitPhase, what: &str) {
        if let Some(current) = &self.current {
            current.message(what);
        }
    }

    fn step_finished(&mut self, _phase: KitPhase) {
        if let Some(current) = &self.current {
            current.tick();
        }
    }

    fn note(&mut self, message: &str) {
        if self.mode != Mode::Quiet {
            note(&format!("procreg: {message}"));
        }
    }

    fn phase_finished(&mut self, _phase: KitPhase) {
        if let Some(current) = self.current.take() {
            current.finish();
        }
    }
}

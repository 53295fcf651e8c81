//! `procreg`: runs the conformance suite, the model check and concurrent
//! histories against a `ProcessRegistry` backend, with progress, reports and
//! exit codes CI can gate on (0 passed, 1 rule failures, 2 usage or
//! configuration error, 3 the backend failed to start).

mod backend;
mod check;
mod exit;
mod merge;
mod progress;
mod rules;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human text: failures in full, then one summary line per phase.
    Text,
    /// One JSON object: the suite report plus `model`, `linearizability`, `exit_code`.
    Json,
    /// JUnit XML (`<testsuite>`, one `<testcase>` per check).
    Junit,
    /// A Markdown rule matrix.
    Markdown,
}

const BACKEND_HELP: &str =
    "Backend to check: `memory` (the embedded MemoryRegistry, no set-up) or \
`sqlite:PATH`. For sqlite, PATH is a database file (created when missing) that must open as a \
registry; every check, model case and history then runs on a fresh, empty file in a scratch \
directory created beside PATH (`.<name>.procreg-XXXXXX/`) and removed at exit, so PATH itself \
is only opened. Example: --backend sqlite:./registry.db";

#[derive(Debug, Parser)]
#[command(
    name = "procreg",
    version,
    about = "Conformance checks for ProcessRegistry backends",
    long_about = "Conformance checks for ProcessRegistry backends: the scenario suite (one check \
or more per rule of docs/spec.md), the model check (generated sequences compared step by step \
with an executable model) and concurrent histories checked for linearizability.\n\n\
Exit codes: 0 all passed, 1 rule failures, 2 usage or configuration error, 3 the backend \
failed to start.",
    after_help = "Examples:\n  procreg check\n  procreg check --backend sqlite:./registry.db --strict\n  procreg rules --format markdown\n  procreg replay model --seed 7\n  procreg merge-reports a.json b.json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the scenario suite, the model check and concurrent histories.
    #[command(
        long_about = "Runs three phases against the backend: 1. the scenario suite, one check at a \
time, each on a fresh registry; 2. the model check (--cases generated operation sequences from \
--seed, compared step by step with the executable model, the first failure shrunk); 3. four \
seeded concurrent histories (seeds --seed..--seed+3) checked for linearizability. Progress \
goes to stderr (bars on a terminal, plain lines otherwise, nothing with --quiet); the report \
goes to stdout or --out. Every failure names its rule and the command that replays it.\n\n\
Exit codes: 0 all passed, 1 rule failures (a failed check, a model divergence, a \
non-linearizable history), 2 usage or configuration error (bad --backend, an --only term that \
matches nothing, an unwritable --out, an unreadable sqlite path), 3 the backend failed to start.",
        after_help = "Examples:\n  procreg check\n  procreg check --only LEASE --only REG-9 --strict\n  procreg check --only model --cases 4096 --seed 17\n  procreg check --backend sqlite:./registry.db --format junit --out report.xml"
    )]
    Check {
        /// Backend to check (see --help for sqlite's scratch files).
        #[arg(long, default_value = "memory", long_help = BACKEND_HELP)]
        backend: String,
        /// Run only what matches (repeatable): a check id or id prefix, an area, a rule id, `model` or `linearizability`.
        #[arg(
            long,
            value_name = "AREA_OR_ID_OR_RULE",
            long_help = "Run only what matches; repeatable. A term is a check id or id prefix \
(lease_fencing), an area (LEASE), a rule id (LEASE-7), or `model` / `linearizability` for \
phases 2 and 3. With --only, phases no term selects are not run. A term that matches nothing is \
a usage error (exit 2). Example: --only LEASE --only model"
        )]
        only: Vec<String>,
        /// Count SHOULD violations as failures. Example: --strict
        #[arg(long)]
        strict: bool,
        /// Generated sequences for the model check. Example: --cases 4096
        #[arg(long, default_value_t = 512)]
        cases: u32,
        /// Seed of the model check and of the first history (histories use SEED..SEED+3). Example: --seed 42
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Report format. Example: --format junit
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report to FILE instead of stdout (the summary lines still go to stderr unless --quiet). Example: --out report.xml
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// No progress output on stderr. Example: --quiet
        #[arg(long, short)]
        quiet: bool,
    },
    /// List the rules of docs/spec.md with their level and the checks covering each.
    #[command(after_help = "Examples:\n  procreg rules\n  procreg rules --format markdown")]
    Rules {
        /// `text` or `markdown`. Example: --format markdown
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Rerun a failure exactly and print it in full.
    Replay {
        #[command(subcommand)]
        what: Replay,
    },
    /// Merge JSON reports written by `check --format json`: worst outcome per check wins.
    #[command(
        long_about = "Merges JSON reports written by `procreg check --format json`. Checks merge \
by id and the worst outcome wins (failed > warned > passed > skipped); the model outcome and \
history verdicts merge the same way. A check whose outcome differs between files, or that some \
files lack, is a conflict: printed on stderr (`procreg: conflict: ...`) and listed in the JSON \
output under `conflicts`. Exit 1 when the merged report has failures, 2 on unreadable or \
malformed input.",
        after_help = "Examples:\n  procreg merge-reports linux.json macos.json\n  procreg merge-reports a.json b.json --format junit --out merged.xml"
    )]
    MergeReports {
        /// The JSON reports. Example: a.json b.json
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
        /// Output format. Example: --format text
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write to FILE instead of stdout. Example: --out merged.json
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum Replay {
    /// Rerun the model check with one seed; print the shrunk failure (YAML, Rust test, diverging step) or say it passes.
    #[command(
        after_help = "Examples:\n  procreg replay model --seed 7\n  procreg replay model --seed 7 --cases 64 --backend sqlite:./registry.db"
    )]
    Model {
        /// The seed printed by the failing run. Example: --seed 7
        #[arg(long)]
        seed: u64,
        /// Generated sequences, as in the failing run. Example: --cases 512
        #[arg(long, default_value_t = 512)]
        cases: u32,
        /// Backend, as in the failing run.
        #[arg(long, default_value = "memory", long_help = BACKEND_HELP)]
        backend: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            backend,
            only,
            strict,
            cases,
            seed,
            format,
            out,
            quiet,
        } => check::run(&check::CheckOptions {
            backend,
            only,
            strict,
            cases,
            seed,
            format,
            out,
            quiet,
        }),
        Command::Rules { format } => {
            if matches!(format, Format::Text | Format::Markdown) {
                exit::emit(&rules::render(format), None).map(|()| exit::OK)
            } else {
                Err(exit::CliError::usage(
                    "rules supports --format text or markdown",
                ))
            }
        }
        Command::Replay {
            what:
                Replay::Model {
                    seed,
                    cases,
                    backend,
                },
        } => check::replay_model(&backend, seed, cases),
        Command::MergeReports { files, format, out } => merge::run(&files, format, out.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => error.report(),
    }
}

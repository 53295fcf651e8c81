//! `procreg replay`: rerun one failure exactly and print it in full.

use crate::check;
use crate::exit::CliError;
use crate::sim;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum Replay {
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
        /// Count a SHOULD divergence as a failure, as in a --strict run. Example: --strict
        #[arg(long)]
        strict: bool,
        /// Backend, as in the failing run.
        #[arg(long, default_value = "memory", long_help = crate::BACKEND_HELP)]
        backend: String,
    },
    /// Rerun one simulation seed and print its whole trace, then its outcome.
    #[command(
        after_help = "Examples:\n  procreg replay sim --seed 42\n  procreg replay sim --seed 42 --faults crash,stall --no-swarm --backend mutant:stale_renew_accepted\n  procreg replay sim --seed 3 --backend mutant:stale_renew_accepted --html seed-3.html"
    )]
    Sim {
        /// The seed printed by the failing run. Example: --seed 42
        #[arg(long)]
        seed: u64,
        /// Worker hosts, as in the failing run. Example: --workers 4
        #[arg(long, default_value_t = 4)]
        workers: usize,
        /// Processes, as in the failing run. Example: --processes 32
        #[arg(long, default_value_t = 32)]
        processes: usize,
        /// Fault kinds, as in the failing run. Example: --faults all
        #[arg(long, default_value = "all", long_help = crate::FAULTS_HELP)]
        faults: String,
        /// As in the failing run. Example: --no-swarm
        #[arg(long)]
        no_swarm: bool,
        /// As in the failing run. Example: --topology shared-store
        #[arg(long, default_value = "served", long_help = crate::TOPOLOGY_HELP)]
        topology: String,
        /// Backend, as in the failing run.
        #[arg(long, default_value = "memory", long_help = crate::BACKEND_HELP)]
        backend: String,
        /// Also draw the run as a timeline page: one self-contained HTML file. Example: --html seed-42.html
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Check a saved concurrent history again: the verdict on a saved history never changes.
    #[command(
        long_about = "Checks a history that `procreg check` saved (backends with real parallelism, such as sqlite: and tcp://, cannot be scheduled from a seed, so every history they record is saved as JSON and its failure line names the file). Prints the verdict and, when it is not linearizable, the minimal counterexample; exit 1 then, 0 otherwise, 2 for an unreadable file.",
        after_help = "Examples:\n  procreg replay history /tmp/procreg-history-seed-1-5f0c.json\n  procreg replay history /tmp/procreg-history-seed-1-5f0c.json --html history.html"
    )]
    History {
        /// The saved history (JSON). Example: /tmp/procreg-history-seed-1-5f0c.json
        file: PathBuf,
        /// Also draw the history as a timeline page: one self-contained HTML file. Example: --html history.html
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Run one kill -9 run again: the same writes, killed at the same steps.
    #[command(
        long_about = "Runs the kill -9 phase of `procreg check` once more with the seed and kill count \
it printed: the registry's process (`procreg serve --store` on a fresh store of the backend) gets the \
same writes and is SIGKILLed at the same steps. Which cut-off writes were stored depends on timing; \
a correct registry passes every time. Prints the first broken rule with the steps before it.\n\n\
Exit codes: 0 passed, 1 a rule broke, 2 usage error, 3 the registry process could not be started.",
        after_help = "Examples:\n  procreg replay kill9 --seed 0 --kills 100 --backend sqlite:./registry.db\n  procreg replay kill9 --seed 0 --kills 100 --backend mutant:sqlite_unflushed_append"
    )]
    Kill9 {
        /// The seed printed by the failing run. Example: --seed 0
        #[arg(long)]
        seed: u64,
        /// Kills, as in the failing run. Example: --kills 100
        #[arg(long, default_value_t = crate::check::KILLS)]
        kills: u64,
        /// Backend, as in the failing run (one whose store outlives its process).
        #[arg(long, long_help = crate::BACKEND_HELP)]
        backend: String,
    },
}

/// `procreg replay model|sim|history|kill9`.
pub fn run(what: Replay) -> Result<u8, CliError> {
    match what {
        Replay::Model {
            seed,
            cases,
            strict,
            backend,
        } => check::replay_model(&backend, seed, cases, strict),
        Replay::Sim {
            seed,
            workers,
            processes,
            faults,
            no_swarm,
            topology,
            backend,
            html,
        } => {
            let (range, config) = crate::sim_options(
                Some(seed),
                None,
                None,
                workers,
                processes,
                &faults,
                no_swarm,
            )?;
            let config = config.with_topology(sim::parse_topology(&topology)?);
            sim::replay(&backend, config.with_seed(range.start), html.as_deref())
        }
        Replay::History { file, html } => check::replay_history(&file, html.as_deref()),
        Replay::Kill9 {
            seed,
            kills,
            backend,
        } => check::replay_kill9(&backend, seed, kills),
    }
}

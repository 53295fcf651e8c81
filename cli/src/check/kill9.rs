//! Phase 5 for the backends the CLI knows: the registry's process is this
//! very binary, `procreg serve --store` on a fresh store of the backend
//! (a scratch SQLite file, a scratch PostgreSQL schema), removed with the
//! backend's other scratch storage when the command ends.

use crate::backend::{token_from_env, BackendSpec, Factory};
use crate::exit::{self, CliError};
use crate::progress::{Mode, Progress};
use procreg::StoreOpener;
use procreg_crash::{ChildCommand, KillPlan};
use procreg_report::render::{render_kill9_failure, render_kill9_summary};
use procreg_report::{kill9_phase, Kill9Plan, RunConfig, RunError};
use std::time::Duration;

/// How long a start of the registry's process may take.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// Why `backend` takes no kill -9 run, or `None` when it does.
pub fn skip_reason(backend: &BackendSpec) -> Option<String> {
    match backend {
        BackendSpec::Sqlite(_) | BackendSpec::Postgres(_) => None,
        BackendSpec::Mutant(_) if crate::serve::has_store(backend) => None,
        BackendSpec::Memory | BackendSpec::Mutant(_) => Some(
            "no store outlives the registry's process (memory and the in-memory zoo): nothing to kill and restart"
                .to_owned(),
        ),
        BackendSpec::Tcp(_) => Some(
            "procreg does not start that server, so it cannot kill it; run `procreg check --only kill9 --backend B` with the backend it serves"
                .to_owned(),
        ),
    }
}

/// A fresh store of the backend's kind, as `procreg serve --store` names it.
fn fresh_store(factory: &Factory) -> Result<String, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::backend(format!("could not start a tokio runtime: {error}")))?;
    let made = match factory {
        Factory::Sqlite(factory) => runtime
            .block_on(factory.opener().make_store())
            .map(|path| path.display().to_string()),
        Factory::Postgres(factory) => runtime.block_on(factory.opener().make_store()),
        _ => return Err(CliError::usage("this backend has no store to kill")),
    };
    made.map_err(|error| CliError::backend(format!("could not make a store to kill: {error}")))
}

/// Phase 5 of `procreg check` on `backend`.
pub fn plan(
    backend: &BackendSpec,
    factory: &Factory,
    seed: u64,
    kills: u64,
) -> Result<Kill9Plan, CliError> {
    if let Some(reason) = skip_reason(backend) {
        return Ok(Kill9Plan::Skipped(reason));
    }
    let program = std::env::current_exe()
        .map_err(|error| CliError::backend(format!("cannot find the procreg binary: {error}")))?;
    let store = fresh_store(factory)?;
    let args = [
        "serve",
        "--backend",
        &backend.flag(),
        "--listen",
        "127.0.0.1:0",
        "--store",
        &store,
    ];
    Ok(Kill9Plan::Run(KillPlan {
        command: ChildCommand::new(program, args.map(str::to_owned)),
        seed,
        kills,
        ready_within: READY_WITHIN,
        token: token_from_env(),
    }))
}

/// `procreg replay kill9`: one kill -9 run, printed in full.
pub fn replay(backend: &str, seed: u64, kills: u64) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(backend)?;
    if let Some(reason) = skip_reason(&backend) {
        return Err(CliError::usage(format!(
            "--backend {} takes no kill -9 run: {reason}",
            backend.flag()
        )));
    }
    if kills == 0 {
        return Err(CliError::usage("--kills 0 kills nothing: give at least 1"));
    }
    let factory = backend.factory()?;
    let Kill9Plan::Run(kill_plan) = plan(&backend, &factory, seed, kills)? else {
        return Err(CliError::usage("this backend takes no kill -9 run"));
    };
    let config = RunConfig {
        backend: backend.flag(),
        strict: false,
        only: vec![super::ONLY_KILL9.to_owned()],
    };
    let mut progress = Progress::new(Mode::detect(false));
    let section = kill9_phase(&config, &kill_plan, &mut progress).map_err(|error| match error {
        RunError::BackendDied { .. } | RunError::Backend(_) => CliError::backend(error.to_string()),
    })?;
    let text = render_kill9_failure(&section) + &render_kill9_summary(&section, "kill -9") + "\n";
    exit::emit(&text, None)?;
    Ok(if section.report.passed() {
        exit::OK
    } else {
        exit::RULE_FAILURE
    })
}

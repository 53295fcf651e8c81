//! The kill -9 run: write through the registry's process, SIGKILL it at the
//! seed's moments, start it again on the same store, audit, go on.

use crate::audit::{audit_process, completion_output, CutOff};
use crate::child::{ChildCommand, RunningChild};
use crate::ledger::{Answer, Broken, Ledger};
use crate::report::{KillReport, KillViolation};
use crate::workload::{KillMoment, Op, Step, EVENT_TYPE, LEASE_TTL_MS};
use procreg::{
    Clock, ErrorKind, ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRegistration, ProcessRegistry, RegistryError,
};
use procreg_remote::{RemoteOptions, RemoteRegistry, Session, TcpConnector};
use serde_json::json;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// What a kill -9 run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KillPlan {
    /// The registry's process: it serves one store, the same one every
    /// time it starts, and names its address (see [`crate::child`]).
    pub command: ChildCommand,
    /// Fixes the writes and the kill moments.
    pub seed: u64,
    /// How many times the process is killed.
    pub kills: u64,
    /// How long a start may take before the run fails.
    pub ready_within: Duration,
    /// The shared token the process demands in every hello, if any.
    pub token: Option<String>,
}

/// Why a run could not go on (as opposed to a rule the registry broke).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KillError(pub String);

impl std::fmt::Display for KillError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KillError {}

/// Steps shown before a violation.
const TRAIL: usize = 8;

/// The clock every run starts at.
pub const START_MS: u64 = procreg_model::CHECK_START_MS;

fn registration(process: &str) -> ProcessRegistration {
    ProcessRegistration::new(process, ProcessInput::external(json!({})))
        .with_extra_event_types([ProcessEventType::new(EVENT_TYPE)])
}

/// Sends `op` and returns its answer.
async fn send(registry: &dyn ProcessRegistry, op: &Op) -> Result<Answer, RegistryError> {
    match op {
        Op::Register { process } => registry
            .register_process(registration(process))
            .await
            .map(|_| Answer::Registered),
        Op::Append {
            process,
            n,
            replay_key,
        } => {
            let mut request = ProcessEventAppendRequest::new(EVENT_TYPE, json!({ "n": n }));
            if let Some(key) = replay_key {
                request = request.with_replay_key(key.clone());
            }
            registry
                .append_event(process, request)
                .await
                .map(|result| Answer::Appended(result.event.sequence))
        }
        Op::Claim { process, owner } => registry
            .claim_process_lease(process, owner, LEASE_TTL_MS)
            .await
            .map(Answer::Claimed),
        Op::Complete { process, n } => registry
            .complete_process(process, completion_output(*n))
            .await
            .map(|_| Answer::Completed),
    }
}

/// A transport failure: the answer, if any, never arrived.
fn cut_off(answer: &Result<Answer, RegistryError>) -> bool {
    matches!(answer, Err(error) if error.is(ErrorKind::Backend))
}

/// One started registry process and the client talking to it.
struct Registry {
    child: RunningChild,
    client: RemoteRegistry<TcpConnector>,
}

/// Starts the process and connects; the clock must be the client's.
async fn start(plan: &KillPlan, clock: &Arc<ManualClock>) -> Result<Registry, KillError> {
    let child = RunningChild::start(&plan.command, plan.ready_within).map_err(KillError)?;
    let session = Session {
        namespace: None,
        clock: Some(clock.clone() as Arc<dyn Clock>),
        token: plan.token.clone(),
        known_records: false,
    };
    let client = RemoteRegistry::connect_session(
        TcpConnector::new(child.address()),
        RemoteOptions::default(),
        session,
    )
    .await
    .map_err(|error| {
        KillError(format!(
            "could not connect to `{}`: {error}",
            plan.command.describe()
        ))
    })?;
    if !client.client_clock() {
        return Err(KillError(format!(
            "`{}` keeps its own clock; the kill -9 run needs a registry that reads the clock its client sends (as `procreg serve --store` does)",
            plan.command.describe()
        )));
    }
    Ok(Registry { child, client })
}

/// The state of one run as it goes.
struct Run {
    ledger: Ledger,
    report: KillReport,
    trail: VecDeque<String>,
    touched: BTreeSet<String>,
}

impl Run {
    fn note(&mut self, line: String) {
        if self.trail.len() == TRAIL {
            self.trail.pop_front();
        }
        self.trail.push_back(line);
    }

    fn violation(&mut self, step: u64, broken: Broken) -> Result<KillReport, KillError> {
        self.report.violation = Some(KillViolation {
            rule: broken.rule.to_owned(),
            kill: self.report.kills,
            step,
            detail: broken.detail,
            trail: self.trail.iter().cloned().collect(),
        });
        Ok(self.report.clone())
    }
}

fn describe_answer(answer: &Result<Answer, RegistryError>) -> String {
    match answer {
        Ok(Answer::Appended(sequence)) => format!("ok, sequence {sequence}"),
        Ok(Answer::Claimed(lease)) => format!("ok, fencing token {}", lease.fencing_token),
        Ok(_) => "ok".to_owned(),
        Err(error) if error.is(ErrorKind::Backend) => "no answer (the process died)".to_owned(),
        Err(error) => error.kind.as_str().to_owned(),
    }
}

/// Runs `plan`, telling `progress` after every kill (kills done, kills in
/// all). A rule the registry broke ends the run with a report naming it;
/// a process that cannot be started or reached is an error.
pub fn run_kills(
    plan: &KillPlan,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<KillReport, KillError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| KillError(format!("could not start a tokio runtime: {error}")))?;
    runtime.block_on(run_plan(plan, progress))
}

async fn run_plan(
    plan: &KillPlan,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<KillReport, KillError> {
    let clock = Arc::new(ManualClock::new(START_MS));
    let mut run = Run {
        ledger: Ledger::default(),
        report: KillReport::new(plan),
        trail: VecDeque::new(),
        touched: BTreeSet::new(),
    };
    let mut registry = start(plan, &clock).await?;
    for step in crate::workload::plan(plan.seed, plan.kills) {
        let now_ms = clock.advance(step.advance_ms);
        run.report.steps += 1;
        run.touched.insert(step.op.process().to_owned());
        let answer = sent_with_kill(&mut registry, &step).await;
        run.note(format!(
            "step {} at +{} ms: {} -> {}{}",
            step.index,
            now_ms - START_MS,
            step.op.describe(),
            describe_answer(&answer),
            step.kill
                .map(|moment| format!(", killed {}", moment.describe()))
                .unwrap_or_default()
        ));
        let lost = cut_off(&answer);
        if lost && step.kill.is_none() {
            let status = registry
                .child
                .exited()
                .map(|status| format!("it exited on its own: {status}"))
                .unwrap_or_else(|| "it still runs".to_owned());
            let detail = format!(
                "{} got no answer though nothing was killed ({status})",
                step.op.describe()
            );
            return run.violation(step.index, Broken::new("REG-16", detail));
        }
        if !lost {
            run.report.acknowledged += 1;
            if let Some(broken) = run.ledger.settle(&step, now_ms, answer) {
                return run.violation(step.index, broken);
            }
        }
        if step.kill.is_none() {
            continue;
        }
        run.report.kills += 1;
        drop(registry);
        // It started before: a store that does not come back is a finding.
        registry = match start(plan, &clock).await {
            Ok(started) => started,
            Err(KillError(why)) => {
                let detail = format!(
                    "the registry did not come back on its store after kill {}: {why}",
                    run.report.kills
                );
                return run.violation(step.index, Broken::new("REG-16", detail));
            }
        };
        let cut = lost.then_some(&step.op);
        if let Some(broken) = audit_touched(&registry, &mut run, cut, now_ms).await? {
            return run.violation(step.index, broken);
        }
        progress(run.report.kills, plan.kills);
    }
    let all: Vec<String> = run.ledger.processes().cloned().collect();
    for process in all {
        let known = run.ledger.known(&process);
        if let Err(broken) = audit_process(&registry.client, &process, &known, None).await {
            let last = run.report.steps.saturating_sub(1);
            return run.violation(last, first(broken));
        }
    }
    Ok(run.report)
}

fn first(mut broken: Vec<Broken>) -> Broken {
    broken.swap_remove(0)
}

/// Sends the step's write, killing the process at the step's moment.
async fn sent_with_kill(registry: &mut Registry, step: &Step) -> Result<Answer, RegistryError> {
    match step.kill {
        None => send(&registry.client, &step.op).await,
        Some(KillMoment::InFlight { after_us }) => {
            let killer = registry.child.kill_after(Duration::from_micros(after_us));
            let answer = send(&registry.client, &step.op).await;
            let _ = killer.join();
            answer
        }
        Some(KillMoment::AfterAck { after_us }) => {
            let answer = send(&registry.client, &step.op).await;
            tokio::time::sleep(Duration::from_micros(after_us)).await;
            registry.child.kill();
            answer
        }
    }
}

/// Audits every process written since the last restart; resolves the
/// cut-off write (adopting it when stored, sending it again when absent).
async fn audit_touched(
    registry: &Registry,
    run: &mut Run,
    cut: Option<&Op>,
    now_ms: u64,
) -> Result<Option<Broken>, KillError> {
    let touched = std::mem::take(&mut run.touched);
    for process in &touched {
        let known = run.ledger.known(process);
        let cut_here = cut.filter(|op| op.process() == process);
        let outcome = match audit_process(&registry.client, process, &known, cut_here).await {
            Ok(outcome) => outcome,
            Err(broken) => return Ok(Some(first(broken))),
        };
        let Some(op) = cut_here else { continue };
        match outcome {
            CutOff::Stored => {
                run.report.cut_off_stored += 1;
                run.ledger.adopt(op);
            }
            CutOff::Absent | CutOff::Unknown => {
                if outcome == CutOff::Absent {
                    run.report.cut_off_absent += 1;
                } else {
                    run.report.cut_off_unknown += 1;
                    run.ledger.adopt(op);
                }
                // A client that lost the answer sends the write again.
                let retry = Step {
                    index: u64::MAX,
                    advance_ms: 0,
                    op: op.clone(),
                    kill: None,
                };
                let answer = send(&registry.client, op).await;
                run.note(format!(
                    "  resent {} -> {}",
                    op.describe(),
                    describe_answer(&answer)
                ));
                if cut_off(&answer) {
                    return Ok(Some(Broken::new(
                        "REG-16",
                        format!(
                            "the restarted registry failed {} sent again after the kill: {}",
                            op.describe(),
                            describe_answer(&answer)
                        ),
                    )));
                }
                if let Some(broken) = run.ledger.settle(&retry, now_ms, answer) {
                    return Ok(Some(broken));
                }
            }
        }
    }
    Ok(None)
}

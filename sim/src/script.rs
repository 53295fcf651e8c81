//! Each process's script, derived from its id alone so every worker and the
//! checker agree on it: how many effect steps, how it ends, what it returns.

use crate::rng::fnv1a;
use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessHandleDescriptor,
    ProcessInput, ProcessRegistration, ProcessScope, ProcessValueSelector, ProcessWakeSpec,
};
use serde_json::json;

/// The event type of one effect step.
pub const STEP_EVENT: &str = "step";
/// The event type of a wake the producer sends.
pub const NUDGE_EVENT: &str = "nudge";

/// The script of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The process id (`p-07`).
    pub process_id: String,
    /// Number of effect steps, 1..=max.
    pub steps: u64,
    /// Ends through `complete_process` (true) or through a terminal event
    /// appended under a key of the finishing worker's own (false).
    pub completes_via_api: bool,
    /// The producer grants a handle to a session scope.
    pub granted: bool,
    /// The producer sends a wake event.
    pub woken: bool,
}

impl Script {
    /// The script of process number `index`.
    pub fn new(index: usize, max_steps: u64) -> Self {
        let process_id = format!("p-{index:02}");
        let steps = 1 + fnv1a(&process_id) % max_steps.max(1);
        Self {
            process_id,
            steps,
            completes_via_api: index % 2 == 0,
            granted: index % 3 == 0,
            // A quarter, half of them finishing each way: a wake makes a
            // process look started to a sweep (`updated_at_ms`), and workers
            // try started work first.
            woken: matches!(index % 8, 1 | 6),
        }
    }

    /// The script of `process_id` (`p-NN`), if it names one.
    pub fn for_id(process_id: &str, max_steps: u64) -> Option<Self> {
        let index = process_id.strip_prefix("p-")?.parse().ok()?;
        Some(Self::new(index, max_steps))
    }

    /// The registration the producer sends.
    pub fn registration(&self) -> ProcessRegistration {
        let mut event_types = vec![ProcessEventType::new(STEP_EVENT)];
        if self.woken {
            event_types.push(ProcessEventType::wake(
                NUDGE_EVENT,
                ProcessWakeSpec::new(ProcessValueSelector::pointer("/text")),
            ));
        }
        ProcessRegistration::new(
            self.process_id.clone(),
            ProcessInput::external(json!({"steps": self.steps})),
        )
        .with_owner_scope(ProcessScope::session("sim"))
        .with_extra_event_types(event_types)
    }

    /// The scope the producer grants a handle to.
    pub fn grant_scope(&self) -> ProcessScope {
        ProcessScope::session(format!("viewer-{}", fnv1a(&self.process_id) % 3))
    }

    /// The descriptor of that grant.
    pub fn grant_descriptor(&self) -> ProcessHandleDescriptor {
        ProcessHandleDescriptor::labelled(self.process_id.clone())
    }

    /// The wake event the producer appends.
    pub fn nudge(&self) -> ProcessEventAppendRequest {
        ProcessEventAppendRequest::new(NUDGE_EVENT, json!({"text": "hurry up"}))
            .with_replay_key(format!("{}:nudge", self.process_id))
            .with_wake_target(ProcessScope::session("sim"))
    }

    /// Effect step `step` as an event, keyed so retries and zombies replay it.
    pub fn step_event(&self, step: u64) -> ProcessEventAppendRequest {
        ProcessEventAppendRequest::new(STEP_EVENT, json!({"step": step}))
            .with_replay_key(format!("{}:step:{step}", self.process_id))
    }

    /// The one output every finisher reports.
    pub fn output(&self) -> ProcessAwaitOutput {
        ProcessAwaitOutput::success(json!({"process": self.process_id, "steps": self.steps}))
    }

    /// The terminal event a worker appends when the script ends without
    /// `complete_process`: keyed by the finishing owner, so two finishers
    /// make two different requests and the second must be refused.
    pub fn terminal_event(&self, owner_id: &str) -> ProcessEventAppendRequest {
        ProcessEventAppendRequest::terminal(&self.process_id, &self.output())
            .with_replay_key(format!("{}:done-by:{owner_id}", self.process_id))
    }
}

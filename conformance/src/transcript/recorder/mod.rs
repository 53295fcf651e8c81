//! The recorder: a registry wrapper that writes down every call, its
//! arguments and its outcome, and reads the registry's state at the end.
//!
//! It is a `ProcessRegistry` (a [`CallHandler`]): scenarios call the
//! trait's own methods on it, and every call is recorded the same way,
//! from the contract's [`RegistryCall`], so no method is listed here.

mod args;
mod nodes;

use crate::transcript::normalise::Placeholders;
use crate::transcript::yaml::Node;
use args::call_args;
use nodes::{entries_node, list, outcome, sequences};
use procreg::{
    CallAnswer, CallHandler, CallResult, DurabilityTier, ManualClock, ProcessRecord,
    ProcessRegistry, ProcessScope, RegistryCall, RegistryError,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// Why a scenario stopped early: a call it needed a value from failed.
/// The failing call is already in the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped(pub String);

impl From<RegistryError> for Stopped {
    fn from(error: RegistryError) -> Self {
        Stopped(format!("{}: {}", error.kind.as_str(), error.message))
    }
}

/// Records a scenario against one registry whose clock the recorder owns.
pub struct Recorder {
    registry: Arc<dyn ProcessRegistry>,
    clock: ManualClock,
    start_ms: u64,
    log: Mutex<Log>,
}

/// What the recorder has written down so far.
#[derive(Default)]
struct Log {
    steps: Vec<Node>,
    processes: BTreeSet<String>,
    scopes: BTreeMap<String, ProcessScope>,
    placeholders: Placeholders,
    declared: BTreeMap<String, Value>,
}

/// What a record shows instead of event types equal to those its first
/// successful registration declared (any other value is written in full).
pub const AS_DECLARED: &str = "<as declared at registration>";

impl Log {
    /// A record, its event types written as [`AS_DECLARED`] when they equal
    /// the declared ones (the registration args show those in full).
    fn record_node(&self, record: &ProcessRecord) -> Node {
        let mut node = Node::of(record);
        let declared = self.declared.get(&record.id);
        let same = declared.is_some_and(|declared| {
            serde_json::to_value(&record.event_types).is_ok_and(|types| &types == declared)
        });
        if let (true, Node::Map(entries)) = (same, &mut node) {
            for (key, value) in entries.iter_mut() {
                if key == "event_types" {
                    *value = Node::str(AS_DECLARED);
                }
            }
        }
        node
    }

    /// The outcome node of a call: records with their declared event
    /// types folded, scope listings summarised, lease tokens learnt.
    fn answer_node(&mut self, result: &CallResult) -> (String, Node) {
        outcome(result, |answer| match answer {
            CallAnswer::Unit => Node::Null,
            CallAnswer::Record(record) => self.record_node(record),
            CallAnswer::MaybeRecord(record) => record
                .as_ref()
                .map_or(Node::Null, |record| self.record_node(record)),
            CallAnswer::Records(records) => Node::Seq(
                records
                    .iter()
                    .map(|record| self.record_node(record))
                    .collect(),
            ),
            CallAnswer::GrantEntries(entries) => entries_node(entries),
            CallAnswer::Lease(lease) => {
                self.placeholders.learn_token(&lease.lease_token);
                Node::of(lease)
            }
            other => Node::of(other),
        })
    }

    /// Notes what the call names (processes and scopes, for the final
    /// state) and returns its arguments in parameter order.
    fn arguments(&mut self, call: &RegistryCall) -> Vec<(String, Node)> {
        for process_id in call.process_ids() {
            self.processes.insert(process_id.to_owned());
        }
        for scope in call.scopes() {
            self.scopes.insert(scope.id().0, scope.clone());
        }
        call_args(call)
    }

    /// Keeps the event types the first successful registration of a process declared.
    fn learn_declared(&mut self, declared: Option<(String, Value)>, result: &CallResult) {
        if let (Some((id, event_types)), Ok(_)) = (declared, result) {
            self.declared.entry(id).or_insert(event_types);
        }
    }

    fn push(&mut self, method: &str, args: Vec<(String, Node)>, (key, value): (String, Node)) {
        let mut step = vec![("call".to_owned(), Node::str(method))];
        if !args.is_empty() {
            step.push(("args".to_owned(), Node::Map(args)));
        }
        step.push((key, value));
        self.steps.push(Node::Map(step));
    }
}

impl Recorder {
    /// A recorder for `registry`, which reads `clock`.
    pub fn new(registry: Arc<dyn ProcessRegistry>, clock: ManualClock) -> Self {
        let start_ms = procreg::Clock::now_ms(&clock);
        Self {
            registry,
            clock,
            start_ms,
            log: Mutex::new(Log::default()),
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A comment line in the transcript, saying what the next steps show.
    pub fn note(&self, text: &str) {
        self.log().steps.push(Node::Comment(text.to_owned()));
    }

    /// The clock's current reading.
    pub fn now_ms(&self) -> u64 {
        procreg::Clock::now_ms(&self.clock)
    }

    /// Lets `delta_ms` pass on the manual clock.
    pub fn advance(&self, delta_ms: u64) {
        let now = self.clock.advance(delta_ms);
        self.log().steps.push(Node::map([(
            "clock",
            Node::map([
                ("advance_ms", Node::num(delta_ms)),
                ("now_ms", Node::num(now)),
            ]),
        )]));
    }

    /// Sets the manual clock to `now_ms` (possibly back in time).
    pub fn set_clock(&self, now_ms: u64) {
        self.clock.set(now_ms);
        let now = self.now_ms();
        self.log().steps.push(Node::map([(
            "clock",
            Node::map([("set_ms", Node::num(now_ms)), ("now_ms", Node::num(now))]),
        )]));
    }

    /// The observable state of one process the scenario named: record,
    /// log, unacknowledged wakes and grants (`null` when unknown).
    async fn process_state(&self, id: &str) -> Node {
        let Some(record) = self.registry.get_process(id).await else {
            return Node::Null;
        };
        let events = self.registry.events_after(id, 0).await;
        let wakes = self.registry.wake_events_after(id, 0).await;
        let grants = self.registry.handle_grants_for_process(id).await;
        Node::map([
            ("record", self.log().record_node(&record)),
            ("events", outcome(&events, |events| list(events)).1),
            (
                "unacked_wake_sequences",
                outcome(&wakes, |events| sequences(events)).1,
            ),
            ("grants", outcome(&grants, |grants| list(grants)).1),
        ])
    }

    /// The registry's observable state: every process the scenario named,
    /// every scope it named (its grants), and the sweep worklist.
    async fn state(&self) -> Node {
        let (process_ids, scopes) = {
            let log = self.log();
            (log.processes.clone(), log.scopes.clone())
        };
        let mut processes = Vec::new();
        for id in &process_ids {
            processes.push((id.clone(), self.process_state(id).await));
        }
        let mut grants_by_scope = Vec::new();
        for (id, scope) in &scopes {
            let entries = self.registry.list_handle_grants(scope).await;
            grants_by_scope.push((
                id.clone(),
                outcome(&entries, |entries| entries_node(entries)).1,
            ));
        }
        let sweep = self.registry.list_non_terminal().await;
        let ids = |records: &Vec<ProcessRecord>| {
            Node::Seq(
                records
                    .iter()
                    .map(|record| Node::str(record.id.clone()))
                    .collect(),
            )
        };
        Node::map([
            ("now_ms", Node::num(self.now_ms())),
            ("processes", Node::Map(processes)),
            ("grants_by_scope", Node::Map(grants_by_scope)),
            ("non_terminal", outcome(&sweep, ids).1),
        ])
    }

    /// The whole transcript document: header, steps, why it stopped (if it
    /// did) and the final state, with opaque values replaced by placeholders.
    pub async fn finish(self, header: Vec<(&str, Node)>, stopped: Option<Stopped>) -> Node {
        let state = self.state().await;
        let log = self
            .log
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut document: Vec<(String, Node)> = header
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect();
        document.push(("clock_start_ms".to_owned(), Node::num(self.start_ms)));
        document.push(("steps".to_owned(), Node::Seq(log.steps)));
        if let Some(Stopped(why)) = stopped {
            document.push((
                "stopped".to_owned(),
                Node::str(format!("a call the scenario needed failed ({why})")),
            ));
        }
        document.push(("state".to_owned(), state));
        let mut document = Node::Map(document);
        log.placeholders.normalise(&mut document);
        document
    }
}

#[async_trait::async_trait]
impl CallHandler for Recorder {
    fn durability_tier(&self) -> DurabilityTier {
        self.registry.durability_tier()
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        let method = call.method();
        let args = self.log().arguments(&call);
        let declared = match &call {
            RegistryCall::RegisterProcess { registration } => Some((
                registration.id.clone(),
                serde_json::to_value(&registration.event_types).unwrap_or(Value::Null),
            )),
            _ => None,
        };
        let result = call.dispatch(self.registry.as_ref()).await;
        let mut log = self.log();
        log.learn_declared(declared, &result);
        let outcome = log.answer_node(&result);
        log.push(method, args, outcome);
        drop(log);
        result
    }
}

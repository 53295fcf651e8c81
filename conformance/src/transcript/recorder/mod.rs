//! The recorder: a registry wrapper that writes down every call, its
//! arguments and its outcome, and reads the registry's state at the end.

mod calls;
mod nodes;

use crate::transcript::normalise::Placeholders;
use crate::transcript::yaml::Node;
use nodes::{entries_node, list, outcome, sequences};
use procreg::{
    ManualClock, ProcessLease, ProcessRecord, ProcessRegistry, ProcessScope, RegistryError,
    RegistryResult,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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
    steps: Vec<Node>,
    processes: BTreeSet<String>,
    scopes: BTreeMap<String, ProcessScope>,
    placeholders: Placeholders,
    declared: BTreeMap<String, Value>,
}

/// What a record shows instead of event types equal to those its first
/// successful registration declared (any other value is written in full).
pub const AS_DECLARED: &str = "<as declared at registration>";

impl Recorder {
    /// A recorder for `registry`, which reads `clock`.
    pub fn new(registry: Arc<dyn ProcessRegistry>, clock: ManualClock) -> Self {
        let start_ms = procreg::Clock::now_ms(&clock);
        Self {
            registry,
            clock,
            start_ms,
            steps: Vec::new(),
            processes: BTreeSet::new(),
            scopes: BTreeMap::new(),
            placeholders: Placeholders::new(),
            declared: BTreeMap::new(),
        }
    }

    fn process(&mut self, process_id: &str) -> Node {
        self.processes.insert(process_id.to_owned());
        Node::str(process_id)
    }

    fn scope(&mut self, scope: &ProcessScope) -> Node {
        self.scopes.insert(scope.id().0, scope.clone());
        Node::of(scope)
    }

    fn push(&mut self, call: &str, args: Vec<(&str, Node)>, (key, value): (String, Node)) {
        let mut step = vec![("call".to_owned(), Node::str(call))];
        if !args.is_empty() {
            step.push((
                "args".to_owned(),
                Node::Map(
                    args.into_iter()
                        .map(|(name, value)| (name.to_owned(), value))
                        .collect(),
                ),
            ));
        }
        step.push((key, value));
        self.steps.push(Node::Map(step));
    }

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

    fn records_node(&self, records: &[ProcessRecord]) -> Node {
        Node::Seq(
            records
                .iter()
                .map(|record| self.record_node(record))
                .collect(),
        )
    }

    fn record_outcome(&self, result: &RegistryResult<ProcessRecord>) -> (String, Node) {
        outcome(result, |record| self.record_node(record))
    }

    fn learn_lease(&mut self, result: &RegistryResult<ProcessLease>) {
        if let Ok(lease) = result {
            self.placeholders.learn_token(&lease.lease_token);
        }
    }

    /// A comment line in the transcript, saying what the next steps show.
    pub fn note(&mut self, text: &str) {
        self.steps.push(Node::Comment(text.to_owned()));
    }

    /// The clock's current reading.
    pub fn now_ms(&self) -> u64 {
        procreg::Clock::now_ms(&self.clock)
    }

    /// Lets `delta_ms` pass on the manual clock.
    pub fn advance(&mut self, delta_ms: u64) {
        let now = self.clock.advance(delta_ms);
        self.steps.push(Node::map([(
            "clock",
            Node::map([
                ("advance_ms", Node::num(delta_ms)),
                ("now_ms", Node::num(now)),
            ]),
        )]));
    }

    /// Sets the manual clock to `now_ms` (possibly back in time).
    pub fn set_clock(&mut self, now_ms: u64) {
        self.clock.set(now_ms);
        self.steps.push(Node::map([(
            "clock",
            Node::map([
                ("set_ms", Node::num(now_ms)),
                ("now_ms", Node::num(self.now_ms())),
            ]),
        )]));
    }

    /// The registry's observable state: every process the scenario named
    /// (record, log, unacknowledged wakes, grants), every scope it named
    /// (its grants), and the sweep worklist.
    async fn state(&self) -> Node {
        let mut processes = Vec::new();
        for id in &self.processes {
            let node = match self.registry.get_process(id).await {
                None => Node::Null,
                Some(record) => {
                    let events = self.registry.events_after(id, 0).await;
                    let wakes = self.registry.wake_events_after(id, 0).await;
                    let grants = self.registry.handle_grants_for_process(id).await;
                    Node::map([
                        ("record", self.record_node(&record)),
                        ("events", outcome(&events, |events| list(events)).1),
                        (
                            "unacked_wake_sequences",
                            outcome(&wakes, |events| sequences(events)).1,
                        ),
                        ("grants", outcome(&grants, |grants| list(grants)).1),
                    ])
                }
            };
            processes.push((id.clone(), node));
        }
        let mut scopes = Vec::new();
        for (id, scope) in &self.scopes {
            let entries = self.registry.list_handle_grants(scope).await;
            scopes.push((
                id.clone(),
                outcome(&entries, |entries| entries_node(entries)).1,
            ));
        }
        let sweep = self.registry.list_non_terminal().await;
        Node::map([
            ("now_ms", Node::num(self.now_ms())),
            ("processes", Node::Map(processes)),
            ("grants_by_scope", Node::Map(scopes)),
            (
                "non_terminal",
                outcome(&sweep, |records| {
                    Node::Seq(
                        records
                            .iter()
                            .map(|record| Node::str(record.id.clone()))
                            .collect(),
                    )
                })
                .1,
            ),
        ])
    }

    /// The whole transcript document: header, steps, why it stopped (if it
    /// did) and the final state, with opaque values replaced by placeholders.
    pub async fn finish(self, header: Vec<(&str, Node)>, stopped: Option<Stopped>) -> Node {
        let state = self.state().await;
        let mut document: Vec<(String, Node)> = header
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect();
        document.push(("clock_start_ms".to_owned(), Node::num(self.start_ms)));
        document.push(("steps".to_owned(), Node::Seq(self.steps)));
        if let Some(Stopped(why)) = stopped {
            document.push((
                "stopped".to_owned(),
                Node::str(format!("a call the scenario needed failed ({why})")),
            ));
        }
        document.push(("state".to_owned(), state));
        let mut document = Node::Map(document);
        self.placeholders.normalise(&mut document);
        document
    }
}

//! The recorder: a registry wrapper that writes down every call, its
//! arguments and its outcome, and reads the registry's state at the end.

use super::normalise::Placeholders;
use super::yaml::Node;
use procreg::{
    ManualClock, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessLease, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessSessionDeleteReport, RegistryError,
    RegistryResult,
};
use serde::Serialize;
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

/// The outcome node of a call: `ok: <value>` or `error: {kind, message}`.
fn outcome<T>(result: &RegistryResult<T>, render: impl FnOnce(&T) -> Node) -> (String, Node) {
    match result {
        Ok(value) => ("ok".to_owned(), render(value)),
        Err(error) => ("error".to_owned(), error_node(error)),
    }
}

fn error_node(error: &RegistryError) -> Node {
    Node::map([
        ("kind", Node::str(error.kind.as_str())),
        ("message", Node::str(error.message.clone())),
    ])
}

/// A grant entry of a scope listing: the grant, and the joined record's
/// identity, status, external ref and `updated_at_ms` (the full record is
/// in the final state).
fn entry_node((grant, record): &ProcessHandleGrantEntry) -> Node {
    let mut summary = vec![
        ("id".to_owned(), Node::str(record.id.clone())),
        ("status".to_owned(), Node::of(&record.status)),
        ("updated_at_ms".to_owned(), Node::num(record.updated_at_ms)),
    ];
    if let Some(external_ref) = &record.external_ref {
        summary.push(("external_ref".to_owned(), Node::of(external_ref)));
        summary.sort_by(|left, right| left.0.cmp(&right.0));
    }
    Node::map([("grant", Node::of(grant)), ("record", Node::Map(summary))])
}

fn entries_node(entries: &[ProcessHandleGrantEntry]) -> Node {
    Node::Seq(entries.iter().map(entry_node).collect())
}

fn list<T: Serialize>(items: &[T]) -> Node {
    Node::Seq(items.iter().map(Node::of).collect())
}

fn sequences(events: &[ProcessEvent]) -> Node {
    Node::Seq(
        events
            .iter()
            .map(|event| Node::num(event.sequence))
            .collect(),
    )
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

    /// `register_process`.
    pub async fn register(
        &mut self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        self.process(&registration.id);
        let args = vec![("registration", Node::of(&registration))];
        let id = registration.id.clone();
        let declared = serde_json::to_value(&registration.event_types).unwrap_or(Value::Null);
        let result = self.registry.register_process(registration).await;
        if result.is_ok() && !self.declared.contains_key(&id) {
            self.declared.insert(id, declared);
        }
        let outcome = self.record_outcome(&result);
        self.push("register_process", args, outcome);
        result
    }

    /// `set_external_ref`.
    pub async fn set_external_ref(
        &mut self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("external_ref", Node::of(&external_ref)),
        ];
        let result = self
            .registry
            .set_external_ref(process_id, external_ref)
            .await;
        let outcome = self.record_outcome(&result);
        self.push("set_external_ref", args, outcome);
        result
    }

    /// `grant_handle`.
    pub async fn grant(
        &mut self,
        scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        let args = vec![
            ("owner_scope", self.scope(scope)),
            ("process_id", self.process(process_id)),
            ("descriptor", Node::of(&descriptor)),
        ];
        let result = self
            .registry
            .grant_handle(scope, process_id, descriptor)
            .await;
        self.push("grant_handle", args, outcome(&result, Node::of));
        result
    }

    /// `revoke_handle`.
    pub async fn revoke(&mut self, scope: &ProcessScope, process_id: &str) -> RegistryResult<()> {
        let args = vec![
            ("owner_scope", self.scope(scope)),
            ("process_id", self.process(process_id)),
        ];
        let result = self.registry.revoke_handle(scope, process_id).await;
        self.push("revoke_handle", args, outcome(&result, |_| Node::Null));
        result
    }

    /// `transfer_handle_grants`.
    pub async fn transfer(
        &mut self,
        from: &ProcessScope,
        to: &ProcessScope,
        process_ids: &[&str],
    ) -> RegistryResult<()> {
        let ids: Vec<String> = process_ids.iter().map(|id| (*id).to_owned()).collect();
        for id in &ids {
            self.process(id);
        }
        let args = vec![
            ("from_scope", self.scope(from)),
            ("to_scope", self.scope(to)),
            ("process_ids", Node::of(&ids)),
        ];
        let result = self.registry.transfer_handle_grants(from, to, &ids).await;
        self.push(
            "transfer_handle_grants",
            args,
            outcome(&result, |_| Node::Null),
        );
        result
    }

    /// `list_handle_grants`.
    pub async fn list_grants(
        &mut self,
        scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let args = vec![("owner_scope", self.scope(scope))];
        let result = self.registry.list_handle_grants(scope).await;
        self.push(
            "list_handle_grants",
            args,
            outcome(&result, |entries| entries_node(entries)),
        );
        result
    }

    /// `list_live_handle_grants`.
    pub async fn list_live_grants(
        &mut self,
        scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let args = vec![("owner_scope", self.scope(scope))];
        let result = self.registry.list_live_handle_grants(scope).await;
        self.push(
            "list_live_handle_grants",
            args,
            outcome(&result, |entries| entries_node(entries)),
        );
        result
    }

    /// `has_handle_grant`.
    pub async fn has_grant(
        &mut self,
        scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        let args = vec![
            ("owner_scope", self.scope(scope)),
            ("process_id", self.process(process_id)),
        ];
        let result = self.registry.has_handle_grant(scope, process_id).await;
        self.push(
            "has_handle_grant",
            args,
            outcome(&result, |flag| Node::Bool(*flag)),
        );
        result
    }

    /// `handle_grants_for_process`.
    pub async fn grants_for_process(
        &mut self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        let args = vec![("process_id", self.process(process_id))];
        let result = self.registry.handle_grants_for_process(process_id).await;
        self.push(
            "handle_grants_for_process",
            args,
            outcome(&result, |grants| list(grants)),
        );
        result
    }

    /// `delete_session_process_state`.
    pub async fn delete_session(
        &mut self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let args = vec![("session_id", Node::str(session_id))];
        let result = self.registry.delete_session_process_state(session_id).await;
        self.push(
            "delete_session_process_state",
            args,
            outcome(&result, Node::of),
        );
        result
    }

    /// `append_event`.
    pub async fn append(
        &mut self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("request", Node::of(&request)),
        ];
        let result = self.registry.append_event(process_id, request).await;
        self.push("append_event", args, outcome(&result, Node::of));
        result
    }

    /// `events_after`.
    pub async fn events_after(
        &mut self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("after_sequence", Node::num(after_sequence)),
        ];
        let result = self.registry.events_after(process_id, after_sequence).await;
        self.push(
            "events_after",
            args,
            outcome(&result, |events| list(events)),
        );
        result
    }

    /// `wake_events_after`.
    pub async fn wake_events_after(
        &mut self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("after_sequence", Node::num(after_sequence)),
        ];
        let result = self
            .registry
            .wake_events_after(process_id, after_sequence)
            .await;
        self.push(
            "wake_events_after",
            args,
            outcome(&result, |events| list(events)),
        );
        result
    }

    /// `wait_event_after`; scenarios call it only when it can answer at once.
    pub async fn wait_event_after(
        &mut self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("event_type", Node::str(event_type)),
            ("after_sequence", Node::num(after_sequence)),
        ];
        let result = self
            .registry
            .wait_event_after(process_id, event_type, after_sequence)
            .await;
        self.push("wait_event_after", args, outcome(&result, Node::of));
        result
    }

    /// `await_process`; scenarios call it only when it can answer at once.
    pub async fn await_process(&mut self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        let args = vec![("process_id", self.process(process_id))];
        let result = self.registry.await_process(process_id).await;
        self.push("await_process", args, outcome(&result, Node::of));
        result
    }

    /// `complete_process`.
    pub async fn complete(
        &mut self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("await_output", Node::of(&await_output)),
        ];
        let result = self
            .registry
            .complete_process(process_id, await_output)
            .await;
        let outcome = self.record_outcome(&result);
        self.push("complete_process", args, outcome);
        result
    }

    /// `get_process`.
    pub async fn get(&mut self, process_id: &str) -> Option<ProcessRecord> {
        let args = vec![("process_id", self.process(process_id))];
        let record = self.registry.get_process(process_id).await;
        let node = record
            .as_ref()
            .map_or(Node::Null, |record| self.record_node(record));
        self.push("get_process", args, ("ok".to_owned(), node));
        record
    }

    /// `ack_wake`.
    pub async fn ack(&mut self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("sequence", Node::num(sequence)),
        ];
        let result = self.registry.ack_wake(process_id, sequence).await;
        self.push("ack_wake", args, outcome(&result, |_| Node::Null));
        result
    }

    /// `list_non_terminal`.
    pub async fn list_non_terminal(&mut self) -> RegistryResult<Vec<ProcessRecord>> {
        let result = self.registry.list_non_terminal().await;
        let outcome = outcome(&result, |records| self.records_node(records));
        self.push("list_non_terminal", Vec::new(), outcome);
        result
    }

    /// `claim_process_lease`.
    pub async fn claim(
        &mut self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("owner_id", Node::str(owner_id)),
            ("lease_ttl_ms", Node::num(lease_ttl_ms)),
        ];
        let result = self
            .registry
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await;
        self.learn_lease(&result);
        self.push("claim_process_lease", args, outcome(&result, Node::of));
        result
    }

    /// `renew_process_lease`.
    pub async fn renew(
        &mut self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let args = vec![
            ("lease", Node::of(lease)),
            ("lease_ttl_ms", Node::num(lease_ttl_ms)),
        ];
        self.process(&lease.process_id);
        let result = self.registry.renew_process_lease(lease, lease_ttl_ms).await;
        self.learn_lease(&result);
        self.push("renew_process_lease", args, outcome(&result, Node::of));
        result
    }

    /// `complete_process_lease`.
    pub async fn release(&mut self, completion: &ProcessLeaseCompletion) -> RegistryResult<()> {
        let args = vec![("completion", Node::of(completion))];
        self.process(&completion.process_id);
        let result = self.registry.complete_process_lease(completion).await;
        self.push(
            "complete_process_lease",
            args,
            outcome(&result, |_| Node::Null),
        );
        result
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

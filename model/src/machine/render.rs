//! Rendering a failing sequence for people: a ready-to-paste Rust test and YAML.

use super::observation::Divergence;
use super::ops::{
    append_request, await_output, descriptor, event_type, external_ref, owner, process, scope,
    session, Op,
};
use procreg::ProcessScope;
use serde_json::Value;
use std::fmt::Write as _;

/// The expression of an id in a rendered test: a string literal, or, for the
/// pools' long id, the binding [`render_rust_test`] declares for it.
fn literal(id: &str) -> String {
    if id.len() > 64 {
        LONG_ID_BINDING.to_owned()
    } else {
        format!("{id:?}")
    }
}

/// How a rendered test names the pools' long id.
const LONG_ID_BINDING: &str = "long_id.as_str()";

fn scope_expr(scope: &ProcessScope) -> String {
    match &scope.agent_frame_id {
        Some(frame) => format!(
            "ProcessScope::frame({}, {})",
            literal(&scope.session_id),
            literal(frame)
        ),
        None => format!("ProcessScope::session({})", literal(&scope.session_id)),
    }
}

fn json_expr(value: &Value) -> String {
    format!(
        "serde_json::from_str::<serde_json::Value>({:?}).unwrap()",
        value.to_string()
    )
}

/// The Rust statement replaying `op` in a regression test.
fn call(op: &Op) -> String {
    match op {
        Op::AdvanceClock { ms } => format!("clock.advance({ms});"),
        Op::RewindClock { ms } => format!("clock.set(clock.now_ms().saturating_sub({ms}));"),
        Op::Register { .. }
        | Op::SetExternalRef { .. }
        | Op::CompleteProcess { .. }
        | Op::GetProcess { .. }
        | Op::ListNonTerminal => record_call(op),
        Op::GrantHandle { .. }
        | Op::RevokeHandle { .. }
        | Op::TransferHandleGrants { .. }
        | Op::ListHandleGrants { .. }
        | Op::ListLiveHandleGrants { .. }
        | Op::HasHandleGrant { .. }
        | Op::HandleGrantsForProcess { .. }
        | Op::DeleteSession { .. } => grant_call(op),
        Op::AppendEvent { .. }
        | Op::ReplayAppend { .. }
        | Op::EventsAfter { .. }
        | Op::WakeEventsAfter { .. }
        | Op::WaitEventAfter { .. }
        | Op::AwaitProcess { .. }
        | Op::AckWake { .. } => event_call(op),
        Op::ClaimLease { .. } | Op::RenewLease { .. } | Op::ReleaseLease { .. } => lease_call(op),
    }
}

/// The statement of a record op: register, set a ref, complete, read.
fn record_call(op: &Op) -> String {
    match op {
        Op::Register { process: index, variant } => format!(
            "let _ = registry.register_process(procreg_conformance::machine::registration({}, {variant})).await;",
            literal(process(*index))
        ),
        Op::SetExternalRef { process: index, variant } => {
            let reference = external_ref(*variant);
            format!(
                "let _ = registry.set_external_ref({}, ProcessExternalRef::new({:?}, {:?})).await;",
                literal(process(*index)),
                reference.backend,
                reference.id
            )
        }
        Op::CompleteProcess { process: index, output } => format!(
            "let _ = registry.complete_process({}, serde_json::from_value(serde_json::json!({})).unwrap()).await;",
            literal(process(*index)),
            serde_json::to_string(&await_output(*output)).unwrap_or_default()
        ),
        Op::GetProcess { process: index } => format!("let _ = registry.get_process({}).await;", literal(process(*index))),
        Op::ListNonTerminal => "let _ = registry.list_non_terminal().await;".to_owned(),
        _ => unreachable!("call routes only record ops to record_call"),
    }
}

/// The statement of a grant op: grant, revoke, transfer, list, delete a session.
fn grant_call(op: &Op) -> String {
    match op {
        Op::GrantHandle { scope: holder, process: index, label } => format!(
            "let _ = registry.grant_handle(&{}, {}, ProcessHandleDescriptor::labelled({:?})).await;",
            scope_expr(&scope(*holder)),
            literal(process(*index)),
            descriptor(*label).label.unwrap_or_default()
        ),
        Op::RevokeHandle { scope: holder, process: index } => format!(
            "let _ = registry.revoke_handle(&{}, {}).await;",
            scope_expr(&scope(*holder)),
            literal(process(*index))
        ),
        Op::TransferHandleGrants { from, to, processes } => {
            let ids: Vec<String> = processes.iter().map(|index| format!("{}.to_owned()", literal(process(*index)))).collect();
            format!(
                "let _ = registry.transfer_handle_grants(&{}, &{}, &[{}]).await;",
                scope_expr(&scope(*from)),
                scope_expr(&scope(*to)),
                ids.join(", ")
            )
        }
        Op::ListHandleGrants { scope: holder } => {
            format!("let _ = registry.list_handle_grants(&{}).await;", scope_expr(&scope(*holder)))
        }
        Op::ListLiveHandleGrants { scope: holder } => {
            format!("let _ = registry.list_live_handle_grants(&{}).await;", scope_expr(&scope(*holder)))
        }
        Op::HasHandleGrant { scope: holder, process: index } => format!(
            "let _ = registry.has_handle_grant(&{}, {}).await;",
            scope_expr(&scope(*holder)),
            literal(process(*index))
        ),
        Op::HandleGrantsForProcess { process: index } => {
            format!("let _ = registry.handle_grants_for_process({}).await;", literal(process(*index)))
        }
        Op::DeleteSession { session } => format!(
            "let _ = registry.delete_session_process_state({}).await;",
            literal(self::session(*session))
        ),
        _ => unreachable!("call routes only grant ops to grant_call"),
    }
}

/// The statement of an event op: append, replay, read, wait, ack.
fn event_call(op: &Op) -> String {
    match op {
        Op::AppendEvent { process: index, event, value, key, target } => {
            let request = append_request(process(*index), *event, *value, *key, *target);
            let mut expr = format!(
                "ProcessEventAppendRequest::new({:?}, {})",
                request.event_type,
                json_expr(&request.payload)
            );
            if let Some(key) = &request.replay_key {
                let _ = write!(expr, ".with_replay_key({})", literal(key));
            }
            if let Some(target) = &request.wake_target_scope {
                let _ = write!(expr, ".with_wake_target({})", scope_expr(target));
            }
            format!(
                "let request = {expr}; appends.push(({}, request.clone())); let _ = registry.append_event({}, request).await;",
                literal(process(*index)),
                literal(process(*index))
            )
        }
        Op::ReplayAppend { append, target } => format!(
            "if !appends.is_empty() {{ let (id, mut request) = appends[appends.len() - 1 - {append} % appends.len()].clone(); request.wake_target_scope = {}; let _ = registry.append_event(id, request).await; }}",
            target.map_or("None".to_owned(), |target| format!("Some({})", scope_expr(&scope(target))))
        ),
        Op::EventsAfter { process: index, after } => {
            format!("let _ = registry.events_after({}, {after}).await;", literal(process(*index)))
        }
        Op::WakeEventsAfter { process: index, after } => {
            format!("let _ = registry.wake_events_after({}, {after}).await;", literal(process(*index)))
        }
        Op::WaitEventAfter { process: index, event_type, after } => format!(
            "let _ = tokio::time::timeout(std::time::Duration::from_secs(2), registry.wait_event_after({}, {:?}, {after})).await;",
            literal(process(*index)),
            self::event_type(*event_type)
        ),
        Op::AwaitProcess { process: index } => format!(
            "let _ = tokio::time::timeout(std::time::Duration::from_secs(2), registry.await_process({})).await;",
            literal(process(*index))
        ),
        Op::AckWake { process: index, sequence } => {
            format!("let _ = registry.ack_wake({}, {sequence}).await;", literal(process(*index)))
        }
        _ => unreachable!("call routes only event ops to event_call"),
    }
}

/// The statement of a lease op: claim, renew, release.
fn lease_call(op: &Op) -> String {
    match op {
        Op::ClaimLease { process: index, owner, ttl_ms } => format!(
            "if let Ok(lease) = registry.claim_process_lease({}, {:?}, {ttl_ms}).await {{ leases.push(lease); }}",
            literal(process(*index)),
            self::owner(*owner)
        ),
        Op::RenewLease { lease, ttl_ms } => format!(
            "if !leases.is_empty() {{ let lease = leases[{lease} % leases.len()].clone(); let _ = registry.renew_process_lease(&lease, {ttl_ms}).await; }}"
        ),
        Op::ReleaseLease { lease } => format!(
            "if !leases.is_empty() {{ let lease = leases[{lease} % leases.len()].clone(); let _ = registry.complete_process_lease(&ProcessLeaseCompletion::from_lease(&lease)).await; }}"
        ),
        _ => unreachable!("call routes only lease ops to lease_call"),
    }
}

/// The sequence as a Rust test calling the trait; the diverging step is
/// marked with what the model expected.
pub fn render_rust_test(ops: &[Op], divergence: Option<&Divergence>, start_ms: u64) -> String {
    let mut out = String::new();
    out.push_str("#[tokio::test]\nasync fn procreg_model_regression() {\n");
    out.push_str("    use procreg::*;\n    use std::sync::Arc;\n");
    let _ = writeln!(out, "    let clock = ManualClock::new({start_ms});");
    out.push_str("    // Replace with your backend, built on this clock:\n");
    out.push_str(
        "    let registry = procreg_memory::MemoryRegistry::new(Arc::new(clock.clone()));\n",
    );
    let calls: Vec<String> = ops.iter().map(call).collect();
    if calls.iter().any(|call| call.contains(LONG_ID_BINDING)) {
        let _ = writeln!(
            out,
            "    let long_id = procreg_conformance::machine::long_model_id();"
        );
    }
    out.push_str("    let mut leases: Vec<ProcessLease> = Vec::new();\n");
    out.push_str("    let mut appends: Vec<(&str, ProcessEventAppendRequest)> = Vec::new();\n");
    for (index, call) in calls.iter().enumerate() {
        if let Some(divergence) = divergence.filter(|divergence| divergence.step == index) {
            let _ = writeln!(
                out,
                "    // step {index} diverges at {}: the model expects {}",
                divergence.what, divergence.expected
            );
            let _ = writeln!(out, "    //   the backend returned {}", divergence.observed);
        }
        let _ = writeln!(out, "    {call}");
    }
    out.push_str("    let _ = (&mut leases, &mut appends);\n}\n");
    out
}

/// The sequence as YAML, one op per list item.
pub fn render_yaml(ops: &[Op]) -> String {
    let mut out = String::from("ops:\n");
    for op in ops {
        let value = serde_json::to_value(op).unwrap_or(Value::Null);
        let Value::Object(fields) = value else {
            continue;
        };
        let name = fields.get("op").and_then(Value::as_str).unwrap_or("?");
        let _ = writeln!(out, "  - op: {name}");
        for (key, field) in fields.iter().filter(|(key, _)| key.as_str() != "op") {
            let _ = writeln!(out, "    {key}: {field}");
        }
    }
    out
}

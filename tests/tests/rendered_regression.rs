//! The model check prints a failing sequence as a Rust test to paste. This
//! file holds one such rendering, of a sequence over the pools' adversarial
//! ids (the long process id and replay key, quotes, a trailing space,
//! aliasing scopes, Unicode look-alikes, the odd event type): it must
//! compile and run, and the renderer must still print exactly it.

use procreg_conformance::machine::{render_rust_test, EventKind, Op};

fn sequence() -> Vec<Op> {
    vec![
        Op::Register {
            process: 5,
            variant: 0,
        },
        Op::Register {
            process: 4,
            variant: 0,
        },
        Op::Register {
            process: 3,
            variant: 0,
        },
        Op::GrantHandle {
            scope: 6,
            process: 5,
            label: 0,
        },
        Op::GrantHandle {
            scope: 5,
            process: 4,
            label: 1,
        },
        Op::AppendEvent {
            process: 5,
            event: EventKind::Wake,
            value: 0,
            key: Some(4),
            target: Some(4),
        },
        Op::AppendEvent {
            process: 4,
            event: EventKind::Odd,
            value: 1,
            key: Some(3),
            target: None,
        },
        Op::AppendEvent {
            process: 3,
            event: EventKind::Undeclared,
            value: 0,
            key: None,
            target: None,
        },
        Op::ReplayAppend {
            append: 2,
            target: Some(7),
        },
        Op::WaitEventAfter {
            process: 4,
            event_type: 5,
            after: 0,
        },
        Op::ClaimLease {
            process: 5,
            owner: 4,
            ttl_ms: 1_000,
        },
        Op::ClaimLease {
            process: 5,
            owner: 3,
            ttl_ms: 1_000,
        },
        Op::ReleaseLease { lease: 0 },
        Op::TransferHandleGrants {
            from: 6,
            to: 8,
            processes: vec![5, 4],
        },
        Op::DeleteSession { session: 5 },
        Op::DeleteSession { session: 3 },
    ]
}

#[test]
fn the_renderer_prints_the_test_below() {
    let source = include_str!("rendered_regression.rs");
    let begin = source.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = source.find(END).expect("end marker");
    let printed = render_rust_test(&sequence(), None, procreg_conformance::CHECK_START_MS);
    assert_eq!(
        &source[begin..end],
        printed,
        "the rendering changed: paste the new one between the markers"
    );
}

const BEGIN: &str = concat!("// rendered: ", "begin\n");
const END: &str = concat!("// rendered: ", "end");

// The printed test, verbatim: it compiles and runs against MemoryRegistry.
#[rustfmt::skip]
#[allow(clippy::all, clippy::unwrap_used)]
mod rendered {
// rendered: begin
#[tokio::test]
async fn procreg_model_regression() {
    use procreg::*;
    use std::sync::Arc;
    let clock = ManualClock::new(1700000000000);
    // Replace with your backend, built on this clock:
    let registry = procreg_memory::MemoryRegistry::new(Arc::new(clock.clone()));
    let long_id = procreg_conformance::machine::long_model_id();
    let mut leases: Vec<ProcessLease> = Vec::new();
    let mut appends: Vec<(&str, ProcessEventAppendRequest)> = Vec::new();
    let _ = registry.register_process(procreg_conformance::machine::registration(long_id.as_str(), 0)).await;
    let _ = registry.register_process(procreg_conformance::machine::registration("p'0\"\\", 0)).await;
    let _ = registry.register_process(procreg_conformance::machine::registration("p0 ", 0)).await;
    let _ = registry.grant_handle(&ProcessScope::frame("s0/frame:f0", "f1"), long_id.as_str(), ProcessHandleDescriptor::labelled("h0")).await;
    let _ = registry.grant_handle(&ProcessScope::frame("s0", "f0/frame:f1"), "p'0\"\\", ProcessHandleDescriptor::labelled("h1")).await;
    let request = ProcessEventAppendRequest::new("wake", serde_json::from_str::<serde_json::Value>("{\"message\":\"m0\"}").unwrap()).with_replay_key(long_id.as_str()).with_wake_target(ProcessScope::session("s0/frame:f0")); appends.push((long_id.as_str(), request.clone())); let _ = registry.append_event(long_id.as_str(), request).await;
    let request = ProcessEventAppendRequest::new("ev'/:%_ é", serde_json::from_str::<serde_json::Value>("{\"n\":1}").unwrap()).with_replay_key("k0 "); appends.push(("p'0\"\\", request.clone())); let _ = registry.append_event("p'0\"\\", request).await;
    let request = ProcessEventAppendRequest::new("ev'/:%_ e\u{301}", serde_json::from_str::<serde_json::Value>("{}").unwrap()); appends.push(("p0 ", request.clone())); let _ = registry.append_event("p0 ", request).await;
    if !appends.is_empty() { let (id, mut request) = appends[appends.len() - 1 - 2 % appends.len()].clone(); request.wake_target_scope = Some(ProcessScope::session("sé")); let _ = registry.append_event(id, request).await; }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), registry.wait_event_after("p'0\"\\", "ev'/:%_ é", 0)).await;
    if let Ok(lease) = registry.claim_process_lease(long_id.as_str(), "we\u{301}", 1000).await { leases.push(lease); }
    if let Ok(lease) = registry.claim_process_lease(long_id.as_str(), "wé", 1000).await { leases.push(lease); }
    if !leases.is_empty() { let lease = leases[0 % leases.len()].clone(); let _ = registry.complete_process_lease(&ProcessLeaseCompletion::from_lease(&lease)).await; }
    let _ = registry.transfer_handle_grants(&ProcessScope::frame("s0/frame:f0", "f1"), &ProcessScope::session("se\u{301}"), &[long_id.as_str().to_owned(), "p'0\"\\".to_owned()]).await;
    let _ = registry.delete_session_process_state("se\u{301}").await;
    let _ = registry.delete_session_process_state("s0/frame:f0").await;
    let _ = (&mut leases, &mut appends);
}
// rendered: end
}

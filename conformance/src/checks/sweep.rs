//! SWEEP: the recovery worklist `list_non_terminal`: every running process by
//! id, terminal ones gone at once, independent of leases, always current.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessExternalRef, ProcessLeaseCompletion,
    ProcessRecord, ProcessStatus,
};
use serde_json::json;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "sweep_lists_every_running_process_by_id",
            rules: &["SWEEP-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(lists_every_running_process_by_id(cx)),
        },
        Check {
            id: "sweep_terminal_processes_leave_the_worklist_at_once",
            rules: &["SWEEP-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_processes_leave_the_worklist_at_once(cx)),
        },
        Check {
            id: "sweep_leased_processes_are_still_listed",
            rules: &["SWEEP-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(leased_processes_are_still_listed(cx)),
        },
        Check {
            id: "sweep_a_live_lease_does_not_keep_a_terminal_process_listed",
            rules: &["SWEEP-3", "SWEEP-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(a_live_lease_does_not_keep_a_terminal_process_listed(cx)),
        },
        Check {
            id: "sweep_listed_records_are_current",
            rules: &["SWEEP-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(listed_records_are_current(cx)),
        },
    ]
}

async fn register(cx: &CheckContext<'_>, rule: &str, id: &str) -> CheckResult {
    let registered = cx.registry().register_process(registration(id)).await;
    cx.ok(rule, &format!("register_process({id})"), registered)?;
    Ok(())
}

async fn worklist(cx: &CheckContext<'_>, rule: &str) -> Result<Vec<ProcessRecord>, CheckFailure> {
    cx.ok(
        rule,
        "list_non_terminal()",
        cx.registry().list_non_terminal().await,
    )
}

/// Asserts the worklist holds exactly `expected`, in that order.
async fn expect_ids(
    cx: &CheckContext<'_>,
    rule: &str,
    when: &str,
    expected: &[&str],
) -> CheckResult {
    let listed = worklist(cx, rule).await?;
    let ids: Vec<&str> = listed.iter().map(|record| record.id.as_str()).collect();
    cx.ensure_eq(
        rule,
        &format!("ids of list_non_terminal() {when}"),
        &expected,
        &ids.as_slice(),
    )
}

/// SWEEP-1: every running process, ascending by id, each listed once.
async fn lists_every_running_process_by_id(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "SWEEP-1";
    expect_ids(&cx, RULE, "on an empty registry", &[]).await?;
    for id in ["charlie", "alpha", "delta", "bravo"] {
        register(&cx, RULE, id).await?;
    }
    // An idempotent repeat adds nothing.
    register(&cx, RULE, "alpha").await?;
    let listed = worklist(&cx, RULE).await?;
    let ids: Vec<&str> = listed.iter().map(|record| record.id.as_str()).collect();
    cx.ensure_eq(
        RULE,
        "ids of list_non_terminal() after registering charlie, alpha, delta, bravo, alpha",
        &["alpha", "bravo", "charlie", "delta"].as_slice(),
        &ids.as_slice(),
    )?;
    for record in &listed {
        cx.ensure_eq(
            RULE,
            &format!("status of listed record {}", record.id),
            &ProcessStatus::Running,
            &record.status,
        )?;
    }
    Ok(())
}

/// SWEEP-2: a process leaves the list with its terminal event and never comes back.
async fn terminal_processes_leave_the_worklist_at_once(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "SWEEP-2";
    for id in ["a", "b", "c"] {
        register(&cx, RULE, id).await?;
    }
    let noted = cx
        .registry()
        .append_event("a", note(json!({ "busy": true })))
        .await;
    cx.ok(RULE, "append_event(a, note)", noted)?;
    expect_ids(&cx, RULE, "after a note on a", &["a", "b", "c"]).await?;

    let completed = cx
        .registry()
        .complete_process("b", ProcessAwaitOutput::success(json!(1)))
        .await;
    cx.ok(RULE, "complete_process(b, success)", completed)?;
    expect_ids(&cx, RULE, "after complete_process(b)", &["a", "c"]).await?;

    let failed = ProcessEventAppendRequest::new(
        "process.failed",
        json!({ "await_output": { "type": "failure", "class": "execution", "code": "x", "message": "m" } }),
    )
    .with_replay_key("c-failed");
    let appended = cx.registry().append_event("c", failed).await;
    cx.ok(RULE, "append_event(c, process.failed)", appended)?;
    expect_ids(&cx, RULE, "after a process.failed event on c", &["a"]).await?;

    let late = cx
        .registry()
        .append_event("c", note(json!({ "after": "end" })))
        .await;
    cx.ok(RULE, "append_event(c, note) after terminal", late)?;
    expect_ids(&cx, RULE, "after a note on the failed process c", &["a"]).await
}

/// SWEEP-3: live, expired, released and absent leases all leave a process listed.
async fn leased_processes_are_still_listed(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "SWEEP-3";
    for id in ["expired", "live", "never", "released"] {
        register(&cx, RULE, id).await?;
    }
    let registry = cx.registry();
    let expiring = registry.claim_process_lease("expired", "w1", 50).await;
    cx.ok(RULE, "claim_process_lease(expired, w1, 50)", expiring)?;
    let released = registry.claim_process_lease("released", "w1", 60_000).await;
    let released = cx.ok(RULE, "claim_process_lease(released, w1, 60000)", released)?;
    let completion = ProcessLeaseCompletion::from_lease(&released);
    let done = registry.complete_process_lease(&completion).await;
    cx.ok(RULE, "complete_process_lease(released)", done)?;
    cx.advance(60).await;
    let live = registry.claim_process_lease("live", "w2", 60_000).await;
    cx.ok(RULE, "claim_process_lease(live, w2, 60000)", live)?;

    expect_ids(
        &cx,
        RULE,
        "with an expired, a live, no and a released lease",
        &["expired", "live", "never", "released"],
    )
    .await?;
    // The expired lease really was expired: anyone may take it now.
    let taken = registry.claim_process_lease("expired", "w3", 60_000).await;
    cx.ok(RULE, "claim_process_lease(expired, w3) after expiry", taken)?;
    expect_ids(
        &cx,
        RULE,
        "after every process holds a live lease",
        &["expired", "live", "never", "released"],
    )
    .await
}

/// SWEEP-3, SWEEP-2: a live lease does not keep a terminal process on the worklist.
async fn a_live_lease_does_not_keep_a_terminal_process_listed(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "SWEEP-3";
    register(&cx, RULE, "done").await?;
    register(&cx, RULE, "open").await?;
    let claimed = cx
        .registry()
        .claim_process_lease("done", "worker", 60_000)
        .await;
    cx.ok(RULE, "claim_process_lease(done, worker, 60000)", claimed)?;
    let completed = cx
        .registry()
        .complete_process("done", ProcessAwaitOutput::success(json!("ok")))
        .await;
    cx.ok(RULE, "complete_process(done) while leased", completed)?;
    expect_ids(
        &cx,
        "SWEEP-2",
        "after completing the leased process done",
        &["open"],
    )
    .await
}

/// SWEEP-4: every listed record equals `get_process`, refs and timestamps included.
async fn listed_records_are_current(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "SWEEP-4";
    for id in ["a", "b", "c"] {
        register(&cx, RULE, id).await?;
    }
    let registry = cx.registry();
    cx.advance(5).await;
    let external_ref = ProcessExternalRef {
        backend: "restate".to_owned(),
        id: "inv-1".to_owned(),
        metadata: Some(json!({ "attempt": 2 })),
    };
    let referenced = registry.set_external_ref("a", external_ref.clone()).await;
    let referenced = cx.ok(RULE, "set_external_ref(a, restate/inv-1)", referenced)?;
    cx.advance(5).await;
    let woke = registry
        .append_event("b", wake("ping", &session("s1")))
        .await;
    let woke = cx.ok(RULE, "append_event(b, wake)", woke)?;

    let listed = worklist(&cx, RULE).await?;
    let ids: Vec<&str> = listed.iter().map(|record| record.id.as_str()).collect();
    cx.ensure_eq(
        RULE,
        "ids of list_non_terminal()",
        &["a", "b", "c"].as_slice(),
        &ids.as_slice(),
    )?;
    for record in &listed {
        let id = &record.id;
        let current = registry.get_process(id).await;
        let current = cx.some(RULE, &format!("get_process({id})"), current)?;
        let versus = format!("of listed record {id} versus get_process({id})");
        let (listed_at, current_at) = (record.updated_at_ms, current.updated_at_ms);
        cx.ensure_eq(
            RULE,
            &format!("updated_at_ms {versus}"),
            &current_at,
            &listed_at,
        )?;
        let (listed_ref, current_ref) = (&record.external_ref, &current.external_ref);
        cx.ensure_eq(
            RULE,
            &format!("external_ref {versus}"),
            current_ref,
            listed_ref,
        )?;
        cx.ensure_eq(
            RULE,
            &format!("status {versus}"),
            &current.status,
            &record.status,
        )?;
        cx.ensure_eq(RULE, &format!("whole record {versus}"), &current, record)?;
    }
    cx.ensure_eq(
        RULE,
        "external ref of listed record a",
        &Some(external_ref),
        &listed[0].external_ref,
    )?;
    cx.ensure_eq(
        RULE,
        "updated_at_ms of listed record a (set by set_external_ref)",
        &referenced.updated_at_ms,
        &listed[0].updated_at_ms,
    )?;
    cx.ensure_eq(
        RULE,
        "updated_at_ms of listed record b (the wake's occurred_at_ms)",
        &woke.event.occurred_at_ms,
        &listed[1].updated_at_ms,
    )?;
    cx.ensure_eq(
        RULE,
        "updated_at_ms of listed record c (untouched since registration)",
        &listed[2].created_at_ms,
        &listed[2].updated_at_ms,
    )
}

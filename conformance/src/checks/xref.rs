//! XREF: external refs: unknown processes, round trips, last writer wins, timestamps, terminal processes.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::CheckContext;
use crate::fixtures::{note, registration};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessExternalRef, ProcessHandleDescriptor,
    ProcessHandleGrant, ProcessLease, ProcessRecord, ProcessScope,
};
use serde_json::json;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "xref_setting_a_ref_on_an_unknown_process_fails",
            rules: &["XREF-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(setting_a_ref_on_an_unknown_process_fails(cx)),
        },
        Check {
            id: "xref_set_ref_is_returned_and_read_back",
            rules: &["XREF-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(set_ref_is_returned_and_read_back(cx)),
        },
        Check {
            id: "xref_last_writer_wins",
            rules: &["XREF-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(last_writer_wins(cx)),
        },
        Check {
            id: "xref_setting_a_ref_bumps_updated_at_only",
            rules: &["XREF-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(setting_a_ref_bumps_updated_at_only(cx)),
        },
        Check {
            id: "xref_refs_can_be_set_on_terminal_processes",
            rules: &["XREF-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(refs_can_be_set_on_terminal_processes(cx)),
        },
        Check {
            id: "xref_identical_repeat_keeps_the_same_ref",
            rules: &["XREF-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(identical_repeat_keeps_the_same_ref(cx)),
        },
    ]
}

/// A ref with metadata, so a round trip has to keep all three parts.
fn engine_ref(id: &str) -> ProcessExternalRef {
    ProcessExternalRef {
        backend: "restate".to_owned(),
        id: id.to_owned(),
        metadata: Some(json!({"attempt": 1, "tags": ["a", "b"], "nested": {"ok": true}})),
    }
}

async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<ProcessRecord, CheckFailure> {
    cx.ok(
        rule,
        &format!("register_process({id})"),
        cx.registry().register_process(registration(id)).await,
    )
}

async fn set_ref(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    external_ref: &ProcessExternalRef,
) -> Result<ProcessRecord, CheckFailure> {
    cx.ok(
        rule,
        &format!(
            "set_external_ref({id}, {}/{})",
            external_ref.backend, external_ref.id
        ),
        cx.registry()
            .set_external_ref(id, external_ref.clone())
            .await,
    )
}

async fn stored(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<ProcessRecord, CheckFailure> {
    cx.some(
        rule,
        &format!("get_process({id})"),
        cx.registry().get_process(id).await,
    )
}

/// Asserts that `now` lies between the clock readings taken around the call.
fn ensure_now(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    before: u64,
    after: u64,
    observed: u64,
) -> CheckResult {
    cx.ensure(rule, before <= observed && observed <= after, || {
        format!(
            "{what}: expected the clock reading at the call ({before}..={after}), observed {observed}"
        )
    })
}

/// XREF-1: an unknown id fails with NotFound and creates nothing.
async fn setting_a_ref_on_an_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    register(&cx, "XREF-1", "known").await?;
    let result = registry.set_external_ref("ghost", engine_ref("r1")).await;
    cx.err(
        "XREF-1",
        "set_external_ref(ghost, restate/r1)",
        result,
        ErrorKind::NotFound,
    )?;
    cx.ensure_eq(
        "XREF-1",
        "get_process(ghost) after the failed set_external_ref",
        &None,
        &registry.get_process("ghost").await,
    )?;
    let known = stored(&cx, "XREF-1", "known").await?;
    cx.ensure_eq(
        "XREF-1",
        "external ref of another process (known)",
        &None,
        &known.external_ref,
    )
}

/// XREF-2: the returned record and get_process carry the ref (backend, id, metadata).
async fn set_ref_is_returned_and_read_back(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "XREF-2", "p1").await?;
    let external_ref = engine_ref("inv-1");
    let returned = set_ref(&cx, "XREF-2", "p1", &external_ref).await?;
    cx.ensure_eq(
        "XREF-2",
        "id of the record returned by set_external_ref(p1)",
        &"p1".to_owned(),
        &returned.id,
    )?;
    cx.ensure_eq(
        "XREF-2",
        "external ref of the record returned by set_external_ref(p1)",
        &Some(external_ref.clone()),
        &returned.external_ref,
    )?;
    let fetched = stored(&cx, "XREF-2", "p1").await?;
    cx.ensure_eq(
        "XREF-2",
        "get_process(p1) after set_external_ref (the returned record)",
        &returned,
        &fetched,
    )?;
    let fetched_ref = cx.some(
        "XREF-2",
        "get_process(p1).external_ref",
        fetched.external_ref,
    )?;
    cx.ensure_eq(
        "XREF-2",
        "stored ref backend",
        &external_ref.backend,
        &fetched_ref.backend,
    )?;
    cx.ensure_eq("XREF-2", "stored ref id", &external_ref.id, &fetched_ref.id)?;
    cx.ensure_eq(
        "XREF-2",
        "stored ref metadata",
        &external_ref.metadata,
        &fetched_ref.metadata,
    )
}

/// XREF-3: a later ref replaces the earlier one entirely, also back to an earlier value.
async fn last_writer_wins(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "XREF-3", "p1").await?;
    set_ref(&cx, "XREF-3", "p1", &engine_ref("first")).await?;
    let second = ProcessExternalRef::new("temporal", "second");
    let returned = set_ref(&cx, "XREF-3", "p1", &second).await?;
    cx.ensure_eq(
        "XREF-3",
        "external ref returned by the second set_external_ref(p1)",
        &Some(second.clone()),
        &returned.external_ref,
    )?;
    cx.ensure_eq(
        "XREF-3",
        "get_process(p1).external_ref after the second write (no metadata survives)",
        &Some(second),
        &stored(&cx, "XREF-3", "p1").await?.external_ref,
    )?;
    for id in ["a", "b", "a"] {
        set_ref(&cx, "XREF-3", "p1", &engine_ref(id)).await?;
    }
    cx.ensure_eq(
        "XREF-3",
        "get_process(p1).external_ref after writing a, b, a",
        &Some(engine_ref("a")),
        &stored(&cx, "XREF-3", "p1").await?.external_ref,
    )
}

/// XREF-4: only the ref and updated_at_ms move; created_at, status, events, grants and lease stay.
async fn setting_a_ref_bumps_updated_at_only(cx: CheckContext<'_>) -> CheckResult {
    let (before, untouched) = arrange_events_grant_and_lease(&cx).await?;

    cx.advance(5).await;
    let start = cx.now_ms();
    let returned = set_ref(&cx, "XREF-4", "p1", &engine_ref("inv")).await?;
    let end = cx.now_ms();

    only_ref_and_updated_at_moved(&cx, before, returned, (start, end)).await?;
    events_grants_and_lease_untouched(&cx, &untouched).await
}

/// What setting p1's ref must leave as it was: its events and grants, and worker-a's lease.
struct Untouched {
    lease: ProcessLease,
    events: Vec<ProcessEvent>,
    grants: Vec<ProcessHandleGrant>,
}

/// Registers p1 and gives it a note, a grant and worker-a's lease; returns
/// the record read back and what setting a ref must not touch.
async fn arrange_events_grant_and_lease(
    cx: &CheckContext<'_>,
) -> Result<(ProcessRecord, Untouched), CheckFailure> {
    let registry = cx.registry();
    register(cx, "XREF-4", "p1").await?;
    cx.advance(5).await;
    cx.ok(
        "XREF-4",
        "append_event(p1, note)",
        registry.append_event("p1", note(json!({"n": 1}))).await,
    )?;
    let scope = ProcessScope::frame("s1", "f1");
    cx.ok(
        "XREF-4",
        "grant_handle(session:s1/frame:f1, p1)",
        registry
            .grant_handle(&scope, "p1", ProcessHandleDescriptor::labelled("h"))
            .await,
    )?;
    let lease = cx.ok(
        "XREF-4",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    let before = stored(cx, "XREF-4", "p1").await?;
    let events = cx.ok(
        "XREF-4",
        "events_after(p1, 0)",
        registry.events_after("p1", 0).await,
    )?;
    let grants = cx.ok(
        "XREF-4",
        "handle_grants_for_process(p1)",
        registry.handle_grants_for_process("p1").await,
    )?;
    Ok((
        before,
        Untouched {
            lease,
            events,
            grants,
        },
    ))
}

/// The record `returned` by set_external_ref, and then stored, differs from
/// `before` only in the ref and in an updated_at_ms read during the call
/// (between the readings `start` and `end`) and later than before.
async fn only_ref_and_updated_at_moved(
    cx: &CheckContext<'_>,
    before: ProcessRecord,
    returned: ProcessRecord,
    (start, end): (u64, u64),
) -> CheckResult {
    ensure_now(
        cx,
        "XREF-4",
        "updated_at_ms returned by set_external_ref(p1)",
        start,
        end,
        returned.updated_at_ms,
    )?;
    cx.ensure(
        "XREF-4",
        returned.updated_at_ms > before.updated_at_ms,
        || {
            format!(
                "updated_at_ms returned by set_external_ref(p1): expected later than the previous {}, observed {}",
                before.updated_at_ms, returned.updated_at_ms
            )
        },
    )?;
    let expected = ProcessRecord {
        updated_at_ms: returned.updated_at_ms,
        external_ref: Some(engine_ref("inv")),
        ..before
    };
    cx.ensure_eq(
        "XREF-4",
        "record returned by set_external_ref(p1) (only updated_at_ms and the ref may change)",
        &expected,
        &returned,
    )?;
    cx.ensure_eq(
        "XREF-4",
        "get_process(p1) after set_external_ref",
        &expected,
        &stored(cx, "XREF-4", "p1").await?,
    )
}

/// After set_external_ref, p1's events, grants and worker-a's lease are as they were.
async fn events_grants_and_lease_untouched(
    cx: &CheckContext<'_>,
    untouched: &Untouched,
) -> CheckResult {
    let registry = cx.registry();
    cx.ensure_eq(
        "XREF-4",
        "events_after(p1, 0) after set_external_ref",
        &untouched.events,
        &cx.ok(
            "XREF-4",
            "events_after(p1, 0)",
            registry.events_after("p1", 0).await,
        )?,
    )?;
    cx.ensure_eq(
        "XREF-4",
        "handle_grants_for_process(p1) after set_external_ref",
        &untouched.grants,
        &cx.ok(
            "XREF-4",
            "handle_grants_for_process(p1)",
            registry.handle_grants_for_process("p1").await,
        )?,
    )?;
    let competing = registry.claim_process_lease("p1", "worker-b", 60_000).await;
    cx.err(
        "XREF-4",
        "claim_process_lease(p1, worker-b) after set_external_ref (worker-a's lease must be untouched)",
        competing,
        ErrorKind::LeaseHeld,
    )?;
    let renewed = cx.ok(
        "XREF-4",
        "renew_process_lease(worker-a's lease on p1) after set_external_ref",
        registry.renew_process_lease(&untouched.lease, 60_000).await,
    )?;
    cx.ensure_eq(
        "XREF-4",
        "fencing token of worker-a's lease after set_external_ref",
        &untouched.lease.fencing_token,
        &renewed.fencing_token,
    )
}

/// XREF-5: a ref can be set on completed, failed and cancelled processes, which stay terminal.
async fn refs_can_be_set_on_terminal_processes(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let outputs = [
        (
            "p-completed",
            ProcessAwaitOutput::success(json!({"ok": true})),
        ),
        (
            "p-failed",
            ProcessAwaitOutput::failure("execution", "boom", "it broke"),
        ),
        ("p-cancelled", ProcessAwaitOutput::cancelled("stopped")),
    ];
    for (id, output) in outputs {
        register(&cx, "XREF-5", id).await?;
        let terminal = cx.ok(
            "XREF-5",
            &format!("complete_process({id})"),
            registry.complete_process(id, output.clone()).await,
        )?;
        cx.advance(2).await;
        let returned = set_ref(&cx, "XREF-5", id, &engine_ref("late")).await?;
        cx.ensure_eq(
            "XREF-5",
            &format!("status returned by set_external_ref({id}) on a terminal process"),
            &terminal.status,
            &returned.status,
        )?;
        cx.ensure_eq(
            "XREF-5",
            &format!("external ref returned by set_external_ref({id})"),
            &Some(engine_ref("late")),
            &returned.external_ref,
        )?;
        cx.ensure_eq(
            "XREF-5",
            &format!("get_process({id}) after set_external_ref"),
            &returned,
            &stored(&cx, "XREF-5", id).await?,
        )?;
    }
    let worklist = cx.ok(
        "XREF-5",
        "list_non_terminal()",
        registry.list_non_terminal().await,
    )?;
    cx.ensure_eq(
        "XREF-5",
        "number of running processes after setting refs on terminal ones",
        &0,
        &worklist.len(),
    )
}

/// XREF-6: setting the same ref again succeeds and the record carries it.
async fn identical_repeat_keeps_the_same_ref(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "XREF-6", "p1").await?;
    let first = set_ref(&cx, "XREF-6", "p1", &engine_ref("inv")).await?;
    cx.advance(2).await;
    let repeat = set_ref(&cx, "XREF-6", "p1", &engine_ref("inv")).await?;
    cx.ensure_eq(
        "XREF-6",
        "external ref returned by the identical repeat",
        &Some(engine_ref("inv")),
        &repeat.external_ref,
    )?;
    cx.ensure_eq(
        "XREF-6",
        "created_at_ms after the identical repeat",
        &first.created_at_ms,
        &repeat.created_at_ms,
    )?;
    cx.ensure_eq(
        "XREF-6",
        "status after the identical repeat",
        &first.status,
        &repeat.status,
    )?;
    cx.ensure_eq(
        "XREF-6",
        "get_process(p1) after the identical repeat",
        &repeat,
        &stored(&cx, "XREF-6", "p1").await?,
    )
}

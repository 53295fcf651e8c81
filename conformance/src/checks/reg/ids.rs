//! REG-18: identifiers are exact. Every kind of id is drawn from groups
//! built to collide under `LIKE`, case-folding, normalisation, trimming,
//! escaping or prefix matching (`procreg_model::adversarial`); each id of a
//! group must stay its own.

use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session};
use procreg::{ErrorKind, ProcessEventType, ProcessHandleDescriptor, ProcessScope};
use procreg_model::adversarial::{look_alike_groups, shown};
use serde_json::json;

const RULE: &str = "REG-18";

/// Registers `submitted`, naming its id as [`shown`] renders it.
async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    submitted: procreg::ProcessRegistration,
) -> Result<procreg::ProcessRecord, crate::check::CheckFailure> {
    let what = format!("register_process({})", shown(&submitted.id));
    cx.ok(rule, &what, cx.registry().register_process(submitted).await)
}

/// Look-alike process ids are distinct processes: each reads back its own
/// record, a write to one leaves the others alone, and the sweep lists
/// every one once, in byte order.
pub(super) async fn look_alike_process_ids_are_distinct_processes(
    cx: CheckContext<'_>,
) -> CheckResult {
    let groups = look_alike_groups();
    let mut all: Vec<String> = Vec::new();
    for group in &groups {
        for (index, id) in group.iter().enumerate() {
            let mut submitted = registration(id);
            submitted.input = procreg::ProcessInput::external(json!({ "index": index }));
            let record = register(&cx, RULE, submitted).await?;
            cx.ensure(RULE, record.id == *id, || {
                format!(
                    "register_process({}) returned the record of {}",
                    shown(id),
                    shown(&record.id)
                )
            })?;
            all.push(id.clone());
        }
    }
    for group in &groups {
        for (index, id) in group.iter().enumerate() {
            let record = cx.some(
                RULE,
                &format!("get_process({})", shown(id)),
                cx.registry().get_process(id).await,
            )?;
            let expected = procreg::ProcessInput::external(json!({ "index": index }));
            cx.ensure(RULE, record.id == *id && *record.input == expected, || {
                format!(
                    "get_process({}) returned the record of {} (input {}), another id of its look-alike group",
                    shown(id),
                    shown(&record.id),
                    serde_json::to_string(&record.input).unwrap_or_default()
                )
            })?;
        }
    }
    all.sort();
    let listed: Vec<String> = cx
        .ok(
            RULE,
            "list_non_terminal()",
            cx.registry().list_non_terminal().await,
        )?
        .into_iter()
        .map(|record| record.id)
        .collect();
    cx.ensure(RULE, listed == all, || {
        format!(
            "list_non_terminal(): expected every look-alike id once, in byte order ({} ids), observed [{}]",
            all.len(),
            listed.iter().map(|id| shown(id)).collect::<Vec<_>>().join(", ")
        )
    })?;
    writes_stay_with_their_process(&cx, &groups).await
}

/// An append to, and the completion of, the first id of each group leave
/// the other ids of the group without events and running.
async fn writes_stay_with_their_process(
    cx: &CheckContext<'_>,
    groups: &[Vec<String>],
) -> CheckResult {
    for group in groups {
        let first = &group[0];
        cx.ok(
            RULE,
            &format!("append_event({}, note)", shown(first)),
            cx.registry().append_event(first, note(json!({}))).await,
        )?;
        cx.ok(
            RULE,
            &format!("complete_process({})", shown(first)),
            cx.registry()
                .complete_process(first, procreg::ProcessAwaitOutput::success(json!(1)))
                .await,
        )?;
        for other in &group[1..] {
            let events = cx.ok(
                RULE,
                &format!("events_after({}, 0)", shown(other)),
                cx.registry().events_after(other, 0).await,
            )?;
            cx.ensure(RULE, events.is_empty(), || {
                format!(
                    "events_after({}, 0): expected no events, observed {} (written to {})",
                    shown(other),
                    events.len(),
                    shown(first)
                )
            })?;
            let record = cx.some(
                RULE,
                &format!("get_process({})", shown(other)),
                cx.registry().get_process(other).await,
            )?;
            cx.ensure(RULE, !record.is_terminal(), || {
                format!(
                    "{} is terminal after {} was completed",
                    shown(other),
                    shown(first)
                )
            })?;
        }
    }
    Ok(())
}

/// A live lease of one owner holds off every look-alike owner, and its own
/// owner takes it again.
pub(super) async fn look_alike_owners_are_distinct_holders(cx: CheckContext<'_>) -> CheckResult {
    for (index, group) in look_alike_groups().iter().enumerate() {
        let process = format!("leased-{index}");
        register(&cx, RULE, registration(&process)).await?;
        let holder = &group[0];
        let lease = cx.ok(
            RULE,
            &format!("claim_process_lease({process}, {}, 60000)", shown(holder)),
            cx.registry()
                .claim_process_lease(&process, holder, 60_000)
                .await,
        )?;
        for stranger in &group[1..] {
            cx.err(
                RULE,
                &format!(
                    "claim_process_lease({process}, {}) while {} holds it",
                    shown(stranger),
                    shown(holder)
                ),
                cx.registry()
                    .claim_process_lease(&process, stranger, 60_000)
                    .await,
                ErrorKind::LeaseHeld,
            )?;
        }
        let again = cx.ok(
            RULE,
            &format!(
                "claim_process_lease({process}, {}) by its holder",
                shown(holder)
            ),
            cx.registry()
                .claim_process_lease(&process, holder, 60_000)
                .await,
        )?;
        cx.ensure(
            RULE,
            again.owner_id == *holder && again.fencing_token > lease.fencing_token,
            || {
                format!(
                    "the holder's own claim came back for {} with fence {} (before: {})",
                    shown(&again.owner_id),
                    again.fencing_token,
                    lease.fencing_token
                )
            },
        )?;
    }
    Ok(())
}

/// A grant held by a session (or a frame) is not held by a look-alike
/// session (or frame), and deleting the look-alike session leaves it.
pub(super) async fn look_alike_scopes_hold_their_own_grants(cx: CheckContext<'_>) -> CheckResult {
    for (index, group) in look_alike_groups().iter().enumerate() {
        let process = format!("granted-{index}");
        register(&cx, RULE, registration(&process)).await?;
        let scopes: Vec<(ProcessScope, Vec<ProcessScope>)> = vec![
            (
                session(&group[0]),
                group[1..].iter().map(|id| session(id)).collect(),
            ),
            (
                ProcessScope::frame("s", group[0].as_str()),
                group[1..]
                    .iter()
                    .map(|id| ProcessScope::frame("s", id.as_str()))
                    .collect(),
            ),
        ];
        for (owner, strangers) in scopes {
            cx.ok(
                RULE,
                &format!("grant_handle({}, {process})", shown(owner.id().as_str())),
                cx.registry()
                    .grant_handle(&owner, &process, ProcessHandleDescriptor::labelled("h"))
                    .await,
            )?;
            for stranger in &strangers {
                let has = cx.ok(
                    RULE,
                    &format!(
                        "has_handle_grant({}, {process})",
                        shown(stranger.id().as_str())
                    ),
                    cx.registry().has_handle_grant(stranger, &process).await,
                )?;
                let listed = cx.ok(
                    RULE,
                    &format!("list_handle_grants({})", shown(stranger.id().as_str())),
                    cx.registry().list_handle_grants(stranger).await,
                )?;
                cx.ensure(RULE, !has && listed.is_empty(), || {
                    format!(
                        "{} sees the grant of {} on {process}",
                        shown(stranger.id().as_str()),
                        shown(owner.id().as_str())
                    )
                })?;
            }
        }
        for stranger in &group[1..] {
            cx.ok(
                RULE,
                &format!("delete_session_process_state({})", shown(stranger)),
                cx.registry().delete_session_process_state(stranger).await,
            )?;
        }
        let kept = cx.ok(
            RULE,
            &format!("has_handle_grant({}, {process})", shown(&group[0])),
            cx.registry()
                .has_handle_grant(&session(&group[0]), &process)
                .await,
        )?;
        cx.ensure(RULE, kept, || {
            format!(
                "deleting look-alike sessions revoked the grant of session {}",
                shown(&group[0])
            )
        })?;
    }
    Ok(())
}

/// Look-alike replay keys are distinct keys: each stores a new event; the
/// exact key replays.
pub(super) async fn look_alike_replay_keys_are_distinct_keys(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, RULE, registration("keyed")).await?;
    let keys: Vec<String> = look_alike_groups().into_iter().flatten().collect();
    for (n, key) in keys.iter().enumerate() {
        let appended = cx.ok(
            RULE,
            &format!("append_event(keyed, note, key {})", shown(key)),
            cx.registry()
                .append_event(
                    "keyed",
                    note(json!({ "n": n })).with_replay_key(key.clone()),
                )
                .await,
        )?;
        let expected = n as u64 + 1;
        cx.ensure(
            RULE,
            appended.event.sequence == expected && appended.event.replay_key.as_ref() == Some(key),
            || {
                format!(
                    "key {}: expected a new event at sequence {expected}, observed sequence {} with key {}",
                    shown(key),
                    appended.event.sequence,
                    appended.event.replay_key.as_deref().map(shown).unwrap_or_default()
                )
            },
        )?;
    }
    let first = &keys[0];
    let replayed = cx.ok(
        RULE,
        &format!("append_event(keyed, note, key {}) again", shown(first)),
        cx.registry()
            .append_event(
                "keyed",
                note(json!({ "n": 0 })).with_replay_key(first.clone()),
            )
            .await,
    )?;
    cx.ensure_eq(
        RULE,
        "the replayed event's sequence",
        &1,
        &replayed.event.sequence,
    )
}

/// Look-alike event type names are distinct types: all of them may be
/// declared together, each append stores its exact type, and a look-alike
/// of a declared type is undeclared.
pub(super) async fn look_alike_event_types_are_distinct_types(cx: CheckContext<'_>) -> CheckResult {
    let groups = look_alike_groups();
    for (index, group) in groups.iter().enumerate() {
        let process = format!("typed-{index}");
        let (declared, undeclared) = group.split_at(group.len() - 1);
        let submitted = registration(&process).with_extra_event_types(
            declared
                .iter()
                .map(|name| ProcessEventType::new(name.clone())),
        );
        register(&cx, RULE, submitted).await?;
        for name in declared {
            let appended = cx.ok(
                RULE,
                &format!("append_event({process}, {})", shown(name)),
                cx.registry()
                    .append_event(
                        &process,
                        procreg::ProcessEventAppendRequest::new(name.clone(), json!({})),
                    )
                    .await,
            )?;
            cx.ensure(RULE, appended.event.event_type == *name, || {
                format!(
                    "append_event({process}, {}) stored type {}",
                    shown(name),
                    shown(&appended.event.event_type)
                )
            })?;
        }
        for name in undeclared {
            cx.err(
                RULE,
                &format!(
                    "append_event({process}, {}), a look-alike of the declared types",
                    shown(name)
                ),
                cx.registry()
                    .append_event(
                        &process,
                        procreg::ProcessEventAppendRequest::new(name.clone(), json!({})),
                    )
                    .await,
                ErrorKind::UndeclaredEvent,
            )?;
        }
    }
    Ok(())
}

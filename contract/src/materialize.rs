//! Materialising declared semantics against a payload: terminal outputs and wakes (TERM-2, WAKE-1..WAKE-6).

use crate::await_output::ProcessAwaitOutput;
use crate::error::RegistryResult;
use crate::event::{
    ProcessEvent, ProcessEventSemantics, ProcessTerminalSemantics, ProcessWake, ProcessWakeDelivery,
};
use crate::event_type::{
    ProcessEventType, ProcessTerminalSpec, ProcessWakeDedupeKey, ProcessWakeSpec,
};
use crate::hash::wake_id;
use crate::record::{ProcessRecord, ProcessTerminalState};
use crate::scope::ProcessScope;
use crate::selector::{is_truthy, select, select_borrowed, stringify};
use serde::Deserialize as _;
use serde_json::Value;

/// The semantics an event of type `declared` with `payload` at `sequence` carries.
pub fn materialize_semantics(
    process_id: &str,
    declared: &ProcessEventType,
    payload: &Value,
    sequence: u64,
) -> RegistryResult<ProcessEventSemantics> {
    let terminal = declared
        .semantics
        .terminal
        .as_ref()
        .map(|spec| materialize_terminal(spec, payload))
        .transpose()?;
    let wake = match &declared.semantics.wake {
        Some(spec) => materialize_wake(process_id, spec, payload, sequence)?,
        None => None,
    };
    Ok(ProcessEventSemantics { terminal, wake })
}

/// The terminal semantics of a payload (TERM-2): the selected value decoded
/// as a [`ProcessAwaitOutput`] when it is one, otherwise wrapped by state.
pub fn materialize_terminal(
    spec: &ProcessTerminalSpec,
    payload: &Value,
) -> RegistryResult<ProcessTerminalSemantics> {
    let await_output = match &spec.await_output {
        Some(selector) => {
            let selected = select_borrowed(selector, payload)?;
            match ProcessAwaitOutput::deserialize(selected.as_ref()) {
                Ok(output) => output,
                Err(_) => wrap_by_state(spec.state, selected.into_owned()),
            }
        }
        None => wrap_by_state(spec.state, payload.clone()),
    };
    Ok(ProcessTerminalSemantics {
        state: spec.state,
        await_output,
    })
}

fn wrap_by_state(state: ProcessTerminalState, value: Value) -> ProcessAwaitOutput {
    match state {
        ProcessTerminalState::Completed => ProcessAwaitOutput::success(value),
        ProcessTerminalState::Failed => ProcessAwaitOutput::Failure {
            class: "execution".to_owned(),
            code: "process_failed".to_owned(),
            message: stringify(&value),
            raw: Some(value),
            control: None,
        },
        ProcessTerminalState::Cancelled => ProcessAwaitOutput::Cancelled {
            message: stringify(&value),
            raw: Some(value),
            control: None,
        },
    }
}

/// The wake of a payload, or `None` when `when` is falsy (WAKE-2..WAKE-4).
pub fn materialize_wake(
    process_id: &str,
    spec: &ProcessWakeSpec,
    payload: &Value,
    sequence: u64,
) -> RegistryResult<Option<ProcessWake>> {
    if let Some(when) = &spec.when {
        if !is_truthy(&select(when, payload)?) {
            return Ok(None);
        }
    }
    let input = stringify(&select(&spec.input, payload)?);
    let dedupe_key = match &spec.dedupe_key {
        ProcessWakeDedupeKey::EventIdentity => format!("{process_id}:{sequence}"),
        ProcessWakeDedupeKey::Selector(selector) => stringify(&select(selector, payload)?),
        ProcessWakeDedupeKey::Const(constant) => constant.clone(),
    };
    Ok(Some(ProcessWake { input, dedupe_key }))
}

/// The delivery for `event` (which must carry a wake) addressed to `target` (WAKE-5, WAKE-6).
pub fn wake_delivery(
    record: &ProcessRecord,
    event: &ProcessEvent,
    wake: &ProcessWake,
    target: &ProcessScope,
) -> ProcessWakeDelivery {
    let target_scope_id = target.id();
    ProcessWakeDelivery {
        wake_id: wake_id(target_scope_id.as_str(), &wake.dedupe_key),
        target_session_id: target.session_id.clone(),
        target_scope_id,
        process_id: event.process_id.clone(),
        sequence: event.sequence,
        event_type: event.event_type.clone(),
        replay_key: event.replay_key.clone(),
        process_caused_by: record.provenance.caused_by.clone(),
        dedupe_key: wake.dedupe_key.clone(),
        input: wake.input.clone(),
        created_at_ms: event.occurred_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_type::ProcessValueSelector;
    use serde_json::json;

    fn terminal(state: ProcessTerminalState, selector: Option<&str>) -> ProcessTerminalSpec {
        ProcessTerminalSpec {
            state,
            await_output: selector.map(ProcessValueSelector::pointer),
        }
    }

    #[test]
    fn terminal_decodes_an_await_output_when_it_is_one() {
        let output = ProcessAwaitOutput::failure("timeout", "slow", "took too long");
        let semantics = materialize_terminal(
            &terminal(ProcessTerminalState::Failed, Some("/out")),
            &json!({"out": output}),
        )
        .expect("materialise");
        assert_eq!(semantics.await_output, output);
        assert_eq!(semantics.state, ProcessTerminalState::Failed);
    }

    #[test]
    fn terminal_wraps_other_values_by_state() {
        let payload = json!({"out": {"x": 1}});
        let completed = materialize_terminal(
            &terminal(ProcessTerminalState::Completed, Some("/out")),
            &payload,
        )
        .expect("completed");
        assert_eq!(
            completed.await_output,
            ProcessAwaitOutput::success(json!({"x": 1}))
        );
        let failed = materialize_terminal(
            &terminal(ProcessTerminalState::Failed, Some("/out")),
            &payload,
        )
        .expect("failed");
        assert_eq!(
            failed.await_output,
            ProcessAwaitOutput::Failure {
                class: "execution".into(),
                code: "process_failed".into(),
                message: "{\"x\":1}".into(),
                raw: Some(json!({"x": 1})),
                control: None,
            }
        );
        let cancelled = materialize_terminal(
            &terminal(ProcessTerminalState::Cancelled, Some("/out")),
            &json!({"out": "stop"}),
        )
        .expect("cancelled");
        assert_eq!(
            cancelled.await_output,
            ProcessAwaitOutput::Cancelled {
                message: "stop".into(),
                raw: Some(json!("stop")),
                control: None
            }
        );
        let whole =
            materialize_terminal(&terminal(ProcessTerminalState::Completed, None), &payload)
                .expect("whole payload");
        assert_eq!(whole.await_output, ProcessAwaitOutput::success(payload));
    }

    #[test]
    fn terminal_pointer_miss_is_an_error() {
        assert!(materialize_terminal(
            &terminal(ProcessTerminalState::Completed, Some("/x")),
            &json!({})
        )
        .is_err());
    }

    #[test]
    fn wake_when_input_and_dedupe_keys() {
        let spec = ProcessWakeSpec::new(ProcessValueSelector::pointer("/msg"))
            .when(ProcessValueSelector::pointer("/go"));
        assert_eq!(
            materialize_wake("p", &spec, &json!({"go": false, "msg": "m"}), 3).expect("ok"),
            None
        );
        let wake = materialize_wake("p", &spec, &json!({"go": 1, "msg": "m"}), 3)
            .expect("ok")
            .expect("wakes");
        assert_eq!(
            wake,
            ProcessWake {
                input: "m".into(),
                dedupe_key: "p:3".into()
            }
        );
        let by_selector = spec.clone().with_dedupe_key(ProcessWakeDedupeKey::Selector(
            ProcessValueSelector::pointer("/go"),
        ));
        let wake = materialize_wake("p", &by_selector, &json!({"go": 7, "msg": "m"}), 3)
            .expect("ok")
            .expect("wakes");
        assert_eq!(wake.dedupe_key, "7");
        let by_const = spec.with_dedupe_key(ProcessWakeDedupeKey::Const("c".into()));
        let wake = materialize_wake("p", &by_const, &json!({"go": true, "msg": "m"}), 3)
            .expect("ok")
            .expect("wakes");
        assert_eq!(wake.dedupe_key, "c");
    }
}

//! Scopes, inputs, provenance, event types, selectors and registrations.

use super::{to_json, unconvertible};
use lash_core as lash;
use procreg::RegistryResult;
use serde_json::Value;
use std::sync::Arc;

/// The occurrence-id prefix that marks a `CausalRef::HostEvent` as carrying
/// opaque procreg JSON (the rest of the id is the compact JSON text).
pub const OPAQUE_CAUSE_PREFIX: &str = "procreg-opaque-json:";

/// A procreg scope as lash's.
pub fn scope_to_lash(scope: &procreg::ProcessScope) -> lash::ProcessScope {
    lash::ProcessScope {
        session_id: scope.session_id.clone(),
        agent_frame_id: scope.agent_frame_id.clone(),
    }
}

/// A lash scope as procreg's.
pub fn scope_from_lash(scope: &lash::ProcessScope) -> procreg::ProcessScope {
    procreg::ProcessScope {
        session_id: scope.session_id.clone(),
        agent_frame_id: scope.agent_frame_id.clone(),
    }
}

/// A procreg scope id as lash's.
pub fn scope_id_to_lash(scope_id: &procreg::ProcessScopeId) -> lash::ProcessScopeId {
    lash::ProcessScopeId::new(scope_id.as_str())
}

/// A lash scope id as procreg's.
pub fn scope_id_from_lash(scope_id: &lash::ProcessScopeId) -> procreg::ProcessScopeId {
    procreg::ProcessScopeId(scope_id.as_str().to_owned())
}

/// A procreg input (always `External`) as lash's `ProcessInput::External`.
pub fn input_to_lash(input: &procreg::ProcessInput) -> lash::ProcessInput {
    match input {
        procreg::ProcessInput::External { metadata } => lash::ProcessInput::External {
            metadata: metadata.clone(),
        },
    }
}

/// A lash input as procreg's; only `External` has a counterpart.
pub fn input_from_lash(input: &lash::ProcessInput) -> RegistryResult<procreg::ProcessInput> {
    let variant = match input {
        lash::ProcessInput::External { metadata } => {
            return Ok(procreg::ProcessInput::External {
                metadata: metadata.clone(),
            })
        }
        lash::ProcessInput::ToolCall { .. } => "tool_call",
        lash::ProcessInput::LashlangProcess { .. } => "lashlang_process",
        lash::ProcessInput::SessionTurn { .. } => "session_turn",
    };
    Err(unconvertible(
        "a process input",
        format!("procreg models only `external` inputs, lash returned `{variant}`"),
    ))
}

/// Opaque procreg `caused_by` JSON as a lash `CausalRef`: directly when the
/// JSON is exactly a `CausalRef` (it serialises back to the same JSON),
/// otherwise carried inside `HostEvent` under [`OPAQUE_CAUSE_PREFIX`] (as
/// is a host-event ref whose own id starts with that prefix).
pub fn caused_by_to_lash(caused_by: &Value) -> RegistryResult<lash::CausalRef> {
    if let Ok(typed) = serde_json::from_value::<lash::CausalRef>(caused_by.clone()) {
        // A host-event ref whose id starts with the carrier prefix would read
        // back as a carrier: such refs always travel inside one.
        let carrier_like = matches!(
            &typed,
            lash::CausalRef::HostEvent { occurrence_id }
                if occurrence_id.starts_with(OPAQUE_CAUSE_PREFIX)
        );
        if !carrier_like && to_json("a causal ref", &typed)? == *caused_by {
            return Ok(typed);
        }
    }
    let text =
        serde_json::to_string(caused_by).map_err(|error| unconvertible("caused_by", error))?;
    Ok(lash::CausalRef::HostEvent {
        occurrence_id: format!("{OPAQUE_CAUSE_PREFIX}{text}"),
    })
}

/// A lash `CausalRef` as procreg's opaque JSON, unwrapping [`caused_by_to_lash`]'s carrier.
pub fn caused_by_from_lash(caused_by: &lash::CausalRef) -> RegistryResult<Value> {
    if let lash::CausalRef::HostEvent { occurrence_id } = caused_by {
        if let Some(text) = occurrence_id.strip_prefix(OPAQUE_CAUSE_PREFIX) {
            return serde_json::from_str(text).map_err(|error| {
                unconvertible(
                    "an opaque caused_by carried by a lash host-event ref",
                    error,
                )
            });
        }
    }
    to_json("a causal ref", caused_by)
}

/// Procreg provenance as lash's.
pub fn provenance_to_lash(
    provenance: &procreg::ProcessProvenance,
) -> RegistryResult<lash::ProcessProvenance> {
    Ok(lash::ProcessProvenance {
        owner_scope: scope_to_lash(&provenance.owner_scope),
        host_profile_id: provenance.host_profile_id.clone(),
        caused_by: provenance
            .caused_by
            .as_ref()
            .map(caused_by_to_lash)
            .transpose()?,
    })
}

/// Lash provenance as procreg's.
pub fn provenance_from_lash(
    provenance: &lash::ProcessProvenance,
) -> RegistryResult<procreg::ProcessProvenance> {
    Ok(procreg::ProcessProvenance {
        owner_scope: scope_from_lash(&provenance.owner_scope),
        host_profile_id: provenance.host_profile_id.clone(),
        caused_by: provenance
            .caused_by
            .as_ref()
            .map(caused_by_from_lash)
            .transpose()?,
    })
}

/// A procreg terminal state as lash's.
pub fn terminal_state_to_lash(state: procreg::ProcessTerminalState) -> lash::ProcessTerminalState {
    match state {
        procreg::ProcessTerminalState::Completed => lash::ProcessTerminalState::Completed,
        procreg::ProcessTerminalState::Failed => lash::ProcessTerminalState::Failed,
        procreg::ProcessTerminalState::Cancelled => lash::ProcessTerminalState::Cancelled,
    }
}

/// A lash terminal state as procreg's.
pub fn terminal_state_from_lash(
    state: lash::ProcessTerminalState,
) -> procreg::ProcessTerminalState {
    match state {
        lash::ProcessTerminalState::Completed => procreg::ProcessTerminalState::Completed,
        lash::ProcessTerminalState::Failed => procreg::ProcessTerminalState::Failed,
        lash::ProcessTerminalState::Cancelled => procreg::ProcessTerminalState::Cancelled,
    }
}

/// A procreg selector as lash's (same variants, recursively).
pub fn selector_to_lash(selector: &procreg::ProcessValueSelector) -> lash::ProcessValueSelector {
    match selector {
        procreg::ProcessValueSelector::Payload => lash::ProcessValueSelector::Payload,
        procreg::ProcessValueSelector::Pointer(pointer) => {
            lash::ProcessValueSelector::Pointer(pointer.clone())
        }
        procreg::ProcessValueSelector::Const(value) => {
            lash::ProcessValueSelector::Const(value.clone())
        }
        procreg::ProcessValueSelector::Template(template) => lash::ProcessValueSelector::Template {
            template: template.template.clone(),
            fields: template
                .fields
                .iter()
                .map(|(name, field)| (name.clone(), selector_to_lash(field)))
                .collect(),
        },
        procreg::ProcessValueSelector::Present(pointer) => {
            lash::ProcessValueSelector::Present(pointer.clone())
        }
    }
}

/// A lash selector as procreg's.
pub fn selector_from_lash(selector: &lash::ProcessValueSelector) -> procreg::ProcessValueSelector {
    match selector {
        lash::ProcessValueSelector::Payload => procreg::ProcessValueSelector::Payload,
        lash::ProcessValueSelector::Pointer(pointer) => {
            procreg::ProcessValueSelector::Pointer(pointer.clone())
        }
        lash::ProcessValueSelector::Const(value) => {
            procreg::ProcessValueSelector::Const(value.clone())
        }
        lash::ProcessValueSelector::Template { template, fields } => {
            procreg::ProcessValueSelector::Template(procreg::ProcessTemplateSelector {
                template: template.clone(),
                fields: fields
                    .iter()
                    .map(|(name, field)| (name.clone(), selector_from_lash(field)))
                    .collect(),
            })
        }
        lash::ProcessValueSelector::Present(pointer) => {
            procreg::ProcessValueSelector::Present(pointer.clone())
        }
    }
}

fn dedupe_key_to_lash(key: &procreg::ProcessWakeDedupeKey) -> lash::ProcessWakeDedupeKey {
    match key {
        procreg::ProcessWakeDedupeKey::EventIdentity => lash::ProcessWakeDedupeKey::EventIdentity,
        procreg::ProcessWakeDedupeKey::Selector(selector) => {
            lash::ProcessWakeDedupeKey::Selector(selector_to_lash(selector))
        }
        procreg::ProcessWakeDedupeKey::Const(value) => {
            lash::ProcessWakeDedupeKey::Const(value.clone())
        }
    }
}

fn dedupe_key_from_lash(key: &lash::ProcessWakeDedupeKey) -> procreg::ProcessWakeDedupeKey {
    match key {
        lash::ProcessWakeDedupeKey::EventIdentity => procreg::ProcessWakeDedupeKey::EventIdentity,
        lash::ProcessWakeDedupeKey::Selector(selector) => {
            procreg::ProcessWakeDedupeKey::Selector(selector_from_lash(selector))
        }
        lash::ProcessWakeDedupeKey::Const(value) => {
            procreg::ProcessWakeDedupeKey::Const(value.clone())
        }
    }
}

fn semantics_spec_to_lash(
    spec: &procreg::ProcessEventSemanticsSpec,
) -> lash::ProcessEventSemanticsSpec {
    lash::ProcessEventSemanticsSpec {
        terminal: spec
            .terminal
            .as_ref()
            .map(|terminal| lash::ProcessTerminalSpec {
                state: terminal_state_to_lash(terminal.state),
                await_output: terminal.await_output.as_ref().map(selector_to_lash),
            }),
        wake: spec.wake.as_ref().map(|wake| lash::ProcessWakeSpec {
            when: wake.when.as_ref().map(selector_to_lash),
            input: selector_to_lash(&wake.input),
            dedupe_key: dedupe_key_to_lash(&wake.dedupe_key),
        }),
    }
}

fn semantics_spec_from_lash(
    spec: &lash::ProcessEventSemanticsSpec,
) -> procreg::ProcessEventSemanticsSpec {
    procreg::ProcessEventSemanticsSpec {
        terminal: spec
            .terminal
            .as_ref()
            .map(|terminal| procreg::ProcessTerminalSpec {
                state: terminal_state_from_lash(terminal.state),
                await_output: terminal.await_output.as_ref().map(selector_from_lash),
            }),
        wake: spec.wake.as_ref().map(|wake| procreg::ProcessWakeSpec {
            when: wake.when.as_ref().map(selector_from_lash),
            input: selector_from_lash(&wake.input),
            dedupe_key: dedupe_key_from_lash(&wake.dedupe_key),
        }),
    }
}

/// A procreg event type declaration as lash's.
pub fn event_type_to_lash(event_type: &procreg::ProcessEventType) -> lash::ProcessEventType {
    lash::ProcessEventType {
        name: event_type.name.clone(),
        payload_schema: lash::LashSchema::new(event_type.payload_schema.schema.clone()),
        semantics: semantics_spec_to_lash(&event_type.semantics),
    }
}

/// A lash event type declaration as procreg's.
pub fn event_type_from_lash(event_type: &lash::ProcessEventType) -> procreg::ProcessEventType {
    procreg::ProcessEventType {
        name: event_type.name.clone(),
        payload_schema: procreg::PayloadSchema::new(event_type.payload_schema.schema.clone()),
        semantics: semantics_spec_from_lash(&event_type.semantics),
    }
}

/// A procreg registration as lash's.
pub fn registration_to_lash(
    registration: &procreg::ProcessRegistration,
) -> RegistryResult<lash::ProcessRegistration> {
    Ok(lash::ProcessRegistration {
        id: registration.id.clone(),
        input: Arc::new(input_to_lash(&registration.input)),
        event_types: registration
            .event_types
            .iter()
            .map(event_type_to_lash)
            .collect(),
        provenance: provenance_to_lash(&registration.provenance)?,
    })
}

/// A lash registration as procreg's.
pub fn registration_from_lash(
    registration: &lash::ProcessRegistration,
) -> RegistryResult<procreg::ProcessRegistration> {
    Ok(procreg::ProcessRegistration {
        id: registration.id.clone(),
        input: input_from_lash(&registration.input)?,
        event_types: registration
            .event_types
            .iter()
            .map(event_type_from_lash)
            .collect(),
        provenance: provenance_from_lash(&registration.provenance)?,
    })
}

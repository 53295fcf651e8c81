//! Await outputs, statuses, external refs and records.

use super::registration::{
    event_type_from_lash, event_type_to_lash, input_from_lash, input_to_lash, provenance_from_lash,
    provenance_to_lash,
};
use super::{to_json, unconvertible};
use lash_core as lash;
use procreg::RegistryResult;
use serde_json::Value;
use std::sync::Arc;

fn class_to_lash(class: &str) -> RegistryResult<lash::ToolFailureClass> {
    serde_json::from_value(Value::String(class.to_owned())).map_err(|_| {
        unconvertible(
            "an await output",
            format!("failure class `{class}` is not one of lash's ToolFailureClass values"),
        )
    })
}

fn class_from_lash(class: &lash::ToolFailureClass) -> RegistryResult<String> {
    match to_json("a failure class", class)? {
        Value::String(class) => Ok(class),
        other => Err(unconvertible(
            "a failure class",
            format!("expected a string, lash serialised {other}"),
        )),
    }
}

fn control_to_lash(control: &Option<Value>) -> RegistryResult<Option<lash::ToolControl>> {
    let Some(control) = control else {
        return Ok(None);
    };
    let typed: lash::ToolControl = serde_json::from_value(control.clone()).map_err(|error| {
        unconvertible(
            "an await output",
            format!("control {control} is not a lash ToolControl ({error})"),
        )
    })?;
    if to_json("a tool control", &typed)? != *control {
        return Err(unconvertible(
            "an await output",
            format!("control {control} does not survive lash's ToolControl type unchanged"),
        ));
    }
    Ok(Some(typed))
}

fn control_from_lash(control: &Option<lash::ToolControl>) -> RegistryResult<Option<Value>> {
    control
        .as_ref()
        .map(|control| to_json("a tool control", control))
        .transpose()
}

/// A procreg await output as lash's. Fails (`Unsupported`) when the failure
/// class is not a lash `ToolFailureClass` or the control is not exactly a
/// lash `ToolControl`: lash's types cannot hold those values.
pub fn await_output_to_lash(
    output: &procreg::ProcessAwaitOutput,
) -> RegistryResult<lash::ProcessAwaitOutput> {
    Ok(match output {
        procreg::ProcessAwaitOutput::Success { value, control } => {
            lash::ProcessAwaitOutput::Success {
                value: value.clone(),
                control: control_to_lash(control)?,
            }
        }
        procreg::ProcessAwaitOutput::Failure {
            class,
            code,
            message,
            raw,
            control,
        } => lash::ProcessAwaitOutput::Failure {
            class: class_to_lash(class)?,
            code: code.clone(),
            message: message.clone(),
            raw: raw.clone(),
            control: control_to_lash(control)?,
        },
        procreg::ProcessAwaitOutput::Cancelled {
            message,
            raw,
            control,
        } => lash::ProcessAwaitOutput::Cancelled {
            message: message.clone(),
            raw: raw.clone(),
            control: control_to_lash(control)?,
        },
    })
}

/// A lash await output as procreg's (class as its snake_case name, control as JSON).
pub fn await_output_from_lash(
    output: &lash::ProcessAwaitOutput,
) -> RegistryResult<procreg::ProcessAwaitOutput> {
    Ok(match output {
        lash::ProcessAwaitOutput::Success { value, control } => {
            procreg::ProcessAwaitOutput::Success {
                value: value.clone(),
                control: control_from_lash(control)?,
            }
        }
        lash::ProcessAwaitOutput::Failure {
            class,
            code,
            message,
            raw,
            control,
        } => procreg::ProcessAwaitOutput::Failure {
            class: class_from_lash(class)?,
            code: code.clone(),
            message: message.clone(),
            raw: raw.clone(),
            control: control_from_lash(control)?,
        },
        lash::ProcessAwaitOutput::Cancelled {
            message,
            raw,
            control,
        } => procreg::ProcessAwaitOutput::Cancelled {
            message: message.clone(),
            raw: raw.clone(),
            control: control_from_lash(control)?,
        },
    })
}

/// A procreg status as lash's.
pub fn status_to_lash(status: &procreg::ProcessStatus) -> RegistryResult<lash::ProcessStatus> {
    Ok(match status {
        procreg::ProcessStatus::Running => lash::ProcessStatus::Running,
        procreg::ProcessStatus::Completed { await_output } => lash::ProcessStatus::Completed {
            await_output: await_output_to_lash(await_output)?,
        },
        procreg::ProcessStatus::Failed { await_output } => lash::ProcessStatus::Failed {
            await_output: await_output_to_lash(await_output)?,
        },
        procreg::ProcessStatus::Cancelled { await_output } => lash::ProcessStatus::Cancelled {
            await_output: await_output_to_lash(await_output)?,
        },
    })
}

/// A lash status as procreg's.
pub fn status_from_lash(status: &lash::ProcessStatus) -> RegistryResult<procreg::ProcessStatus> {
    Ok(match status {
        lash::ProcessStatus::Running => procreg::ProcessStatus::Running,
        lash::ProcessStatus::Completed { await_output } => procreg::ProcessStatus::Completed {
            await_output: await_output_from_lash(await_output)?,
        },
        lash::ProcessStatus::Failed { await_output } => procreg::ProcessStatus::Failed {
            await_output: await_output_from_lash(await_output)?,
        },
        lash::ProcessStatus::Cancelled { await_output } => procreg::ProcessStatus::Cancelled {
            await_output: await_output_from_lash(await_output)?,
        },
    })
}

/// A procreg external ref as lash's.
pub fn external_ref_to_lash(
    external_ref: &procreg::ProcessExternalRef,
) -> lash::ProcessExternalRef {
    lash::ProcessExternalRef {
        backend: external_ref.backend.clone(),
        id: external_ref.id.clone(),
        metadata: external_ref.metadata.clone(),
    }
}

/// A lash external ref as procreg's.
pub fn external_ref_from_lash(
    external_ref: &lash::ProcessExternalRef,
) -> procreg::ProcessExternalRef {
    procreg::ProcessExternalRef {
        backend: external_ref.backend.clone(),
        id: external_ref.id.clone(),
        metadata: external_ref.metadata.clone(),
    }
}

/// A procreg record as lash's.
pub fn record_to_lash(record: &procreg::ProcessRecord) -> RegistryResult<lash::ProcessRecord> {
    Ok(lash::ProcessRecord {
        id: record.id.clone(),
        registration_hash: record.registration_hash.to_string(),
        input: Arc::new(input_to_lash(&record.input)),
        event_types: record.event_types.iter().map(event_type_to_lash).collect(),
        provenance: provenance_to_lash(&record.provenance)?,
        created_at_ms: record.created_at_ms,
        updated_at_ms: record.updated_at_ms,
        external_ref: record.external_ref.as_ref().map(external_ref_to_lash),
        status: status_to_lash(&record.status)?,
    })
}

/// A lash record as procreg's.
pub fn record_from_lash(record: &lash::ProcessRecord) -> RegistryResult<procreg::ProcessRecord> {
    Ok(procreg::ProcessRecord {
        id: record.id.clone(),
        registration_hash: record.registration_hash.as_str().into(),
        input: Arc::new(input_from_lash(&record.input)?),
        event_types: record
            .event_types
            .iter()
            .map(event_type_from_lash)
            .collect(),
        provenance: Arc::new(provenance_from_lash(&record.provenance)?),
        created_at_ms: record.created_at_ms,
        updated_at_ms: record.updated_at_ms,
        external_ref: record.external_ref.as_ref().map(external_ref_from_lash),
        status: status_from_lash(&record.status)?,
    })
}

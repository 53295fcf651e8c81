//! The registration call shared by the REG checks.

use crate::check::CheckFailure;
use crate::context::CheckContext;
use procreg::{ProcessRecord, ProcessRegistration};

pub(super) async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    registration: ProcessRegistration,
) -> Result<ProcessRecord, CheckFailure> {
    let what = format!("register_process({})", registration.id);
    cx.ok(
        rule,
        &what,
        cx.registry().register_process(registration).await,
    )
}

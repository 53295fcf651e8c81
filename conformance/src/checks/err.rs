//! ERR: checks for the ERR area of docs/spec.md.

use crate::check::Check;

pub(crate) fn checks() -> Vec<Check> {
    Vec::new()
}

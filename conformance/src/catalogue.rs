//! The catalogue: every check, in a stable order (area by area, as docs/spec.md).

use crate::check::Check;
use crate::checks;

/// Every check of the suite, in catalogue order.
pub fn all_checks() -> Vec<Check> {
    [
        checks::reg::checks(),
        checks::xref::checks(),
        checks::grant::checks(),
        checks::session::checks(),
        checks::event::checks(),
        checks::replay::checks(),
        checks::wake::checks(),
        checks::term::checks(),
        checks::wait::checks(),
        checks::sweep::checks(),
        checks::lease::checks(),
        checks::err::checks(),
        checks::clock::checks(),
        checks::transcript::checks(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::all_checks;
    use std::collections::BTreeSet;

    #[test]
    fn check_ids_are_unique() {
        let catalogue: Vec<&str> = all_checks().iter().map(|check| check.id).collect();
        let unique: BTreeSet<&str> = catalogue.iter().copied().collect();
        assert_eq!(unique.len(), catalogue.len(), "check ids must be unique");
    }
}

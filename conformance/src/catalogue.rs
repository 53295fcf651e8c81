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
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The id of every check, in catalogue order, handed to `$callback` after
/// its prefix tokens; the macro expands one test per id. A unit test keeps
/// this list equal to [`all_checks`].
#[doc(hidden)]
#[macro_export]
macro_rules! __procreg_check_ids {
    ($callback:ident { $($prefix:tt)* }) => {
        $crate::$callback! { { $($prefix)* } ;
            lease_claim_of_unknown_process_fails,
        }
    };
}

/// The check ids as string literals (used to keep the macro list honest).
#[doc(hidden)]
#[macro_export]
macro_rules! __procreg_id_strings {
    ({ } ; $($id:ident),* $(,)?) => {
        [$(stringify!($id)),*]
    };
}

#[cfg(test)]
mod tests {
    use super::all_checks;
    use std::collections::BTreeSet;

    #[test]
    fn macro_list_matches_the_catalogue() {
        let listed: Vec<&str> = crate::__procreg_check_ids! { __procreg_id_strings { } }.to_vec();
        let catalogue: Vec<&str> = all_checks().iter().map(|check| check.id).collect();
        let missing: Vec<&&str> = catalogue.iter().filter(|id| !listed.contains(id)).collect();
        let stale: Vec<&&str> = listed.iter().filter(|id| !catalogue.contains(id)).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "add to __procreg_check_ids: {missing:?}; remove: {stale:?}"
        );
        assert_eq!(
            listed, catalogue,
            "the macro list must follow catalogue order"
        );
        let unique: BTreeSet<&str> = catalogue.iter().copied().collect();
        assert_eq!(unique.len(), catalogue.len(), "check ids must be unique");
    }
}

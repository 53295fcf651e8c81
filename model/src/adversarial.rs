//! Identifiers built to collide: groups of distinct ids that a naive
//! rendering, an escaping, SQL `LIKE`, a prefix match, case-folding or
//! Unicode normalisation would take for one (REG-18), and ids too long for
//! a store's index (64 KiB). Every instrument that draws ids can draw them
//! from here.

/// How long a [`long_id`] is: 64 KiB, far past what one btree index entry
/// holds (about 2.7 KB in PostgreSQL).
pub const LONG_ID_BYTES: usize = 64 * 1024;

/// A [`LONG_ID_BYTES`]-byte id of printable ASCII that does not compress
/// (a store that compresses keys must still keep it whole), the same for
/// the same `seed`.
pub fn long_id(seed: u32) -> String {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(0x9e37_79b9);
    (0..LONG_ID_BYTES)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            char::from(b'!' + u8::try_from(state % 94).unwrap_or(0))
        })
        .collect()
}

/// Groups of distinct ids, each group built to collide under one mistake.
/// No id is blank after trimming, none holds NUL.
pub fn look_alike_groups() -> Vec<Vec<String>> {
    let groups: [&[&str]; 9] = [
        // SQL LIKE: `%` and `_` match what they should not.
        &["id%", "id_", "idX", "id%%"],
        // Case-folding.
        &["Ab", "ab", "AB"],
        // Unicode normalisation: NFC and NFD of one word, and a full-width look-alike.
        &["caf\u{e9}", "cafe\u{301}", "\u{ff43}af\u{e9}"],
        // Whitespace: trimmed, collapsed or read as a separator.
        &["x", "x ", " x", "x\t", "x\ny"],
        // Quotes, for a query built by string concatenation.
        &["q'", "q''", "q\"", "q`", "q'); --"],
        // Backslashes, the escape character of many escapings.
        &["b\\", "b\\\\", "b\\%", "b%"],
        // The separators of rendered scope ids and their percent-escapes.
        &["s/1", "s:1", "s%2F1", "s%3A1"],
        // Right-to-left override and zero-width characters.
        &["\u{202e}tuo", "out", "o\u{200b}ut"],
        // Prefixes of each other.
        &["pre", "prefix", "pre-"],
    ];
    let mut groups: Vec<Vec<String>> = groups
        .iter()
        .map(|group| group.iter().map(|id| (*id).to_owned()).collect())
        .collect();
    groups.push(long_look_alikes());
    groups
}

/// Long ids: one, the same with another last byte, and the same with
/// another first byte; a store that keeps or compares only a prefix (or a
/// suffix) of a long id takes two of them for one.
fn long_look_alikes() -> Vec<String> {
    let long = long_id(1);
    let mut last_differs = long[..LONG_ID_BYTES - 1].to_owned();
    last_differs.push(if long.ends_with('a') { 'b' } else { 'a' });
    let mut first_differs = String::from(if long.starts_with('a') { "b" } else { "a" });
    first_differs.push_str(&long[1..]);
    vec![long, last_differs, first_differs]
}

/// An id as a message shows it: escaped, and a long one cut to its ends
/// with its length (a 64 KiB id never floods a report).
pub fn shown(id: &str) -> String {
    if id.len() <= 64 {
        return format!("{id:?}");
    }
    let head: String = id.chars().take(12).collect();
    let tail: String = {
        let mut tail: Vec<char> = id.chars().rev().take(6).collect();
        tail.reverse();
        tail.into_iter().collect()
    };
    format!("{head:?}..{tail:?} ({} bytes)", id.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_id_is_distinct_non_blank_and_free_of_nul() {
        let all: Vec<String> = look_alike_groups().into_iter().flatten().collect();
        let distinct: BTreeSet<&String> = all.iter().collect();
        assert_eq!(distinct.len(), all.len(), "ids repeat");
        for id in &all {
            assert!(!id.trim().is_empty(), "{id:?} is blank");
            assert!(!id.contains('\0'), "{id:?} holds NUL");
        }
    }

    #[test]
    fn long_ids_are_long_printable_and_repeatable() {
        let long = long_id(1);
        assert_eq!(long.len(), LONG_ID_BYTES);
        assert!(long.bytes().all(|byte| byte.is_ascii_graphic()));
        assert_eq!(long, long_id(1));
        assert_ne!(long, long_id(2));
        let distinct: BTreeSet<char> = long.chars().collect();
        assert!(
            distinct.len() > 90,
            "{} distinct characters",
            distinct.len()
        );
    }

    #[test]
    fn a_long_id_is_shown_cut_with_its_length() {
        let long = "x".repeat(70_000);
        assert_eq!(shown(&long), "\"xxxxxxxxxxxx\"..\"xxxxxx\" (70000 bytes)");
        assert_eq!(shown("a\tb"), "\"a\\tb\"");
    }
}

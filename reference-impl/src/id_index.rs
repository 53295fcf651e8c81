//! Where each process id's entry is: a map from the id's hash to its slot.
//!
//! The index holds hashes, not ids, so growing it moves numbers and never
//! reads an id again (an id lives elsewhere on the heap, and reading every
//! one at each growth was a fifth of the time of a registration). A lookup
//! confirms the id at the slot it finds. Two ids with the same 64-bit hash
//! are told apart by a second, ordered map that holds the later ones. The
//! index is only looked up, never iterated, so its order reaches no answer.

use crate::id_hash::BuildIdHasher;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Arc;

/// Process ids to slots; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    /// The slot of the first id registered under each hash.
    by_hash: HashMap<u64, usize, BuildHasherDefault<HashIsKey>>,
    /// Later ids whose hash an earlier, different id holds.
    collided: BTreeMap<Arc<str>, usize>,
}

impl IdIndex {
    /// The slot of `id`; `id_at` gives the id stored at a slot.
    pub(crate) fn get<'a>(&self, id: &str, id_at: impl Fn(usize) -> &'a str) -> Option<usize> {
        match self.by_hash.get(&hash(id)) {
            Some(&slot) if id_at(slot) == id => Some(slot),
            Some(_) => self.collided.get(id).copied(),
            None => None,
        }
    }

    /// Records that `id`, not yet in the index, is at `slot`.
    pub(crate) fn insert(&mut self, id: &str, slot: usize) {
        match self.by_hash.entry(hash(id)) {
            Entry::Occupied(_) => {
                self.collided.insert(Arc::from(id), slot);
            }
            Entry::Vacant(vacant) => {
                vacant.insert(slot);
            }
        }
    }
}

fn hash(id: &str) -> u64 {
    BuildIdHasher::default().hash_one(id)
}

/// The hasher of a map keyed by hashes already mixed: the key is the hash.
#[derive(Default)]
struct HashIsKey(u64);

impl Hasher for HashIsKey {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys reach this hasher; any other input is still folded in.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_at_their_slots_and_absent_ids_are_not() {
        let ids: Vec<String> = (0..1_000).map(|n| format!("p-{n}")).collect();
        let mut index = IdIndex::default();
        for (slot, id) in ids.iter().enumerate() {
            assert_eq!(index.get(id, |slot| &ids[slot]), None);
            index.insert(id, slot);
        }
        for (slot, id) in ids.iter().enumerate() {
            assert_eq!(index.get(id, |slot| &ids[slot]), Some(slot));
        }
        assert_eq!(index.get("p-1000", |slot| &ids[slot]), None);
    }

    #[test]
    fn ids_sharing_a_hash_keep_their_own_slots() {
        // Forge a collision: the second id is filed under the first one's hash.
        let ids = ["first".to_owned(), "second".to_owned()];
        let mut index = IdIndex::default();
        index.insert(&ids[0], 0);
        index.by_hash.insert(hash(&ids[1]), 0);
        index.insert(&ids[1], 1);
        assert_eq!(index.get(&ids[0], |slot| &ids[slot]), Some(0));
        assert_eq!(index.get(&ids[1], |slot| &ids[slot]), Some(1));
        assert_eq!(index.get("third", |slot| &ids[slot]), None);
        // An absent id whose hash a different id holds.
        let mut absent = IdIndex::default();
        absent.by_hash.insert(hash("ghost"), 0);
        assert_eq!(absent.get("ghost", |slot| &ids[slot]), None);
    }
}

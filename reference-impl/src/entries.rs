//! Every process entry, in registration order, kept in fixed-size chunks:
//! growing never moves an entry, so a registration never copies the
//! entries before it (with one vector, each doubling copied them all).

/// Entries per chunk.
const CHUNK: usize = 1024;

/// The entries, addressed by slot (registration order, from 0).
#[derive(Debug)]
pub(crate) struct Entries<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Entries<T> {
    /// How many entries there are; the next one's slot.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds `entry` at slot `len()`.
    pub(crate) fn push(&mut self, entry: T) {
        if self.len % CHUNK == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(entry);
            self.len += 1;
        }
    }

    /// The entry at `slot`.
    pub(crate) fn get(&self, slot: usize) -> Option<&T> {
        self.chunks.get(slot / CHUNK)?.get(slot % CHUNK)
    }

    /// The entry at `slot`, to change it.
    pub(crate) fn get_mut(&mut self, slot: usize) -> Option<&mut T> {
        self.chunks.get_mut(slot / CHUNK)?.get_mut(slot % CHUNK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_their_slots_across_chunks() {
        let mut entries = Entries::default();
        for n in 0..(3 * CHUNK + 5) {
            assert_eq!(entries.len(), n);
            entries.push(n);
        }
        for slot in [0, CHUNK - 1, CHUNK, 2 * CHUNK + 7, 3 * CHUNK + 4] {
            assert_eq!(entries.get(slot), Some(&slot));
        }
        assert_eq!(entries.get(3 * CHUNK + 5), None);
        if let Some(entry) = entries.get_mut(CHUNK) {
            *entry = 0;
        }
        assert_eq!(entries.get(CHUNK), Some(&0));
    }
}

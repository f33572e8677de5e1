//! Giving back the memory of a shared map once a burst of connections is over.
//!
//! `HashMap` keeps the capacity it grew to: after 100 000 connections came
//! and went, the server's session and socket maps would hold room for
//! 100 000 entries for the rest of its life. The maps shared by every
//! connection call [`release_spare_capacity`] after each removal.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// Below this capacity a map keeps its memory (not worth a reallocation).
const KEPT_CAPACITY: usize = 64;

/// Shrinks `map` to twice its length once it is less than a quarter full,
/// so that shrinking and growing again cost amortized O(1) per entry.
pub(crate) fn release_spare_capacity<K: Eq + Hash, V, S: BuildHasher>(map: &mut HashMap<K, V, S>) {
    if map.capacity() > KEPT_CAPACITY && map.len() < map.capacity() / 4 {
        map.shrink_to(map.len() * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_emptied_after_a_burst_gives_its_memory_back() {
        let mut map: HashMap<u32, u32> = (0..10_000).map(|key| (key, key)).collect();
        for key in 0..10_000 {
            map.remove(&key);
            release_spare_capacity(&mut map);
        }
        assert!(map.capacity() <= KEPT_CAPACITY * 2, "capacity {} kept", map.capacity());
    }

    #[test]
    fn a_map_half_full_keeps_its_capacity() {
        let mut map: HashMap<u32, u32> = (0..1_000).map(|key| (key, key)).collect();
        for key in 0..500 {
            map.remove(&key);
            release_spare_capacity(&mut map);
        }
        // Half full, it still has room for the 1 000 it held.
        assert!(map.capacity() >= 1_000, "capacity {} after a shrink", map.capacity());
    }
}

//! [`SidMap`]: maps keyed by socket ids with a fast hasher.
//!
//! A broadcast looks up every target's entry, so the hash of a socket id is
//! on the hottest path of the server. Socket ids are chosen by the server
//! from 15 random bytes, so they need no protection against chosen-key
//! collisions (SipHash, the std default, buys that at several times the
//! cost): a multiply-rotate hash over their bytes spreads them well.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use engineio_proto::Sid;

/// A map keyed by server-made socket ids (see the module docs).
pub(crate) type SidMap<V> = HashMap<Sid, V, BuildHasherDefault<SidHasher>>;

/// The multiply-rotate hasher of [`SidMap`] (the FxHash scheme).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SidHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl SidHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for SidHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_differ_in_one_byte_hash_differently() {
        let hash = |id: &str| {
            let mut hasher = SidHasher::default();
            hasher.write(id.as_bytes());
            hasher.finish()
        };
        assert_ne!(hash("AAAAAAAAAAAAAAAAAAAA"), hash("AAAAAAAAAAAAAAAAAAAB"));
        assert_ne!(hash("AAAAAAAAAAAAAAAAAAAA"), hash("BAAAAAAAAAAAAAAAAAAA"));
    }

    #[test]
    fn a_map_finds_what_was_inserted() {
        let mut map = SidMap::default();
        for index in 0..1000 {
            map.insert(Sid::new(&format!("socket-{index}")), index);
        }
        assert!((0..1000).all(|index| map.get(&Sid::new(&format!("socket-{index}"))) == Some(&index)));
    }
}

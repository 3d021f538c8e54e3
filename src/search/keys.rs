//! A map keyed by short strings, for the indexer's hot loops: runs of text, words and stems.
//!
//! Nearly every word is at most 16 bytes, so such keys are packed into a `u128`: hashing and
//! comparing one integer costs a fraction of hashing a string and calling `memcmp` on it, and
//! the key needs no allocation. Packing is unambiguous because the keys are runs of letters and
//! digits, which never hold a NUL byte (the padding); longer keys go to a string map.

use rustc_hash::FxHashMap;

const PACKED_BYTES: usize = 16;

#[derive(Debug)]
pub(crate) struct StrMap<V> {
    short: FxHashMap<u128, V>,
    long: FxHashMap<Box<str>, V>,
}

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        StrMap {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

fn packed(key: &str) -> Option<u128> {
    let bytes = key.as_bytes();
    if bytes.len() > PACKED_BYTES {
        return None;
    }
    // Built in registers: copying into a stack buffer and loading it back stalls on store
    // forwarding, which made the lookup cost more than the hashing.
    let mut halves = [0u64; 2];
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == 0 {
            return None;
        }
        halves[i / 8] |= u64::from(byte) << (8 * (i % 8));
    }
    Some(u128::from(halves[1]) << 64 | u128::from(halves[0]))
}

impl<V: Copy> StrMap<V> {
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        match packed(key) {
            Some(packed) => self.short.get(&packed).copied(),
            None => self.long.get(key).copied(),
        }
    }

    pub(crate) fn insert(&mut self, key: &str, value: V) {
        match packed(key) {
            Some(packed) => self.short.insert(packed, value),
            None => self.long.insert(key.into(), value),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_keys_are_kept_apart_and_exact() {
        let mut map = StrMap::default();
        let long = "a".repeat(PACKED_BYTES + 1);
        let sixteen = "a".repeat(PACKED_BYTES);
        for (i, key) in ["a", "aa", "ab", "ü", sixteen.as_str(), long.as_str(), "a\0"]
            .into_iter()
            .enumerate()
        {
            map.insert(key, i);
        }
        assert_eq!(map.get("a"), Some(0));
        assert_eq!(map.get("aa"), Some(1));
        assert_eq!(map.get("ab"), Some(2));
        assert_eq!(map.get("ü"), Some(3));
        assert_eq!(map.get(&sixteen), Some(4));
        assert_eq!(map.get(&long), Some(5));
        // A NUL byte would collide with the padding: such keys take the string map.
        assert_eq!(map.get("a\0"), Some(6));
        assert_eq!(map.get("b"), None);
        assert_eq!(map.get(""), None);
        assert_eq!(map.short.len(), 5);
        assert_eq!(map.long.len(), 2);
    }
}

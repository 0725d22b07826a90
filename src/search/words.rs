//! A table from words to numbers, for the scorer's once-per-word lookup
//! (the hottest line of the index build after the tokeniser itself).
//!
//! Open addressing with linear probing over a power-of-two array of slots.
//! Each slot keeps the word's first eight bytes as an integer and its
//! length, so most words (English words are short) are matched without
//! touching the bytes elsewhere; longer words keep the rest in one shared
//! byte buffer. Nothing is allocated per word.

/// Words (as UTF-8 bytes) → numbers.
#[derive(Debug, Clone)]
pub struct WordTable {
    slots: Vec<Slot>,
    /// 64 − log2(slots.len()): the hash's top bits pick the first slot.
    shift: u32,
    /// Bytes after the first eight of every word longer than that.
    tails: Vec<u8>,
    len: usize,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The word's first (up to) eight bytes, little-endian, zero-padded.
    head: u64,
    /// The word's length + 1; 0 marks a free slot.
    len_plus_one: u32,
    /// Where the word's bytes after the first eight start in `tails`.
    tail: u32,
    value: u32,
}

const INITIAL_SLOTS: usize = 1024;

impl Default for WordTable {
    fn default() -> Self {
        WordTable {
            slots: vec![Slot::default(); INITIAL_SLOTS],
            shift: 64 - INITIAL_SLOTS.trailing_zeros(),
            tails: Vec::new(),
            len: 0,
        }
    }
}

impl WordTable {
    /// The number of `word`, if it was inserted.
    #[inline]
    pub fn get(&self, word: &str) -> Option<u32> {
        let bytes = word.as_bytes();
        let (head, hash) = key(bytes);
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        loop {
            let slot = &self.slots[i];
            if slot.len_plus_one == 0 {
                return None;
            }
            if slot.head == head
                && slot.len_plus_one as usize == bytes.len() + 1
                && self.tail_matches(slot, bytes)
            {
                return Some(slot.value);
            }
            i = (i + 1) & mask;
        }
    }

    /// Numbers `word` (which must not be in the table yet) with `value`.
    pub fn insert(&mut self, word: &str, value: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let bytes = word.as_bytes();
        let (head, hash) = key(bytes);
        let tail = u32::try_from(self.tails.len()).unwrap_or(u32::MAX);
        if let Some(rest) = bytes.get(8..) {
            self.tails.extend_from_slice(rest);
        }
        self.place(
            Slot {
                head,
                len_plus_one: u32::try_from(bytes.len() + 1).unwrap_or(u32::MAX),
                tail,
                value,
            },
            hash,
        );
        self.len += 1;
    }

    fn tail_matches(&self, slot: &Slot, bytes: &[u8]) -> bool {
        match bytes.get(8..) {
            None | Some([]) => true,
            Some(rest) => {
                let start = slot.tail as usize;
                self.tails.get(start..start + rest.len()) == Some(rest)
            }
        }
    }

    fn place(&mut self, slot: Slot, hash: u64) {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        while self.slots[i].len_plus_one != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.shift -= 1;
        for slot in old.into_iter().filter(|s| s.len_plus_one != 0) {
            let start = slot.tail as usize;
            let len = slot.len_plus_one as usize - 1;
            let rest = if len > 8 {
                self.tails.get(start..start + len - 8).unwrap_or_default()
            } else {
                &[]
            };
            let hash = hash_of(slot.head, rest);
            self.place(slot, hash);
        }
    }
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// The word's first eight bytes as an integer, and its hash.
#[inline]
fn key(bytes: &[u8]) -> (u64, u64) {
    let mut head = 0u64;
    for (i, &b) in bytes.iter().take(8).enumerate() {
        head |= u64::from(b) << (8 * i);
    }
    (head, hash_of(head, bytes.get(8..).unwrap_or_default()))
}

/// Multiply-rotate over the head and the rest, eight bytes at a time; the
/// top bits are the best mixed, and those pick the slot.
#[inline]
fn hash_of(head: u64, rest: &[u8]) -> u64 {
    let mut hash = (head ^ (rest.len() as u64)).wrapping_mul(SEED);
    for chunk in rest.chunks(8) {
        let mut word = 0u64;
        for (i, &b) in chunk.iter().enumerate() {
            word |= u64::from(b) << (8 * i);
        }
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_every_length_are_found_after_growing() {
        let mut table = WordTable::default();
        let words: Vec<String> = (0..5000)
            .map(|n| format!("{}{n}", "x".repeat(n % 40)))
            .collect();
        for (n, word) in words.iter().enumerate() {
            assert_eq!(table.get(word), None, "{word}");
            table.insert(word, n as u32);
        }
        for (n, word) in words.iter().enumerate() {
            assert_eq!(table.get(word), Some(n as u32), "{word}");
        }
        assert_eq!(table.get(""), None);
        assert_eq!(table.get("xxxxxxxxxxxxxxxxxxxxxxxxx"), None);
        table.insert("", 9);
        assert_eq!(table.get(""), Some(9));
        assert_eq!(table.get("東京"), None);
    }

    #[test]
    fn words_sharing_a_head_are_told_apart() {
        let mut table = WordTable::default();
        table.insert("passwords", 1);
        table.insert("password", 2);
        table.insert("passwordless", 3);
        assert_eq!(table.get("passwords"), Some(1));
        assert_eq!(table.get("password"), Some(2));
        assert_eq!(table.get("passwordless"), Some(3));
        assert_eq!(table.get("passwordles"), None);
        assert_eq!(table.get("password\0"), None);
    }
}

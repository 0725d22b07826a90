//! Stop words and a deliberately small English stemmer.
//!
//! The stemmer only has to map the forms a reader types and the forms an
//! article uses onto the same term (`tickets`, `ticketing` → `ticket`;
//! `cache`, `cached`, `caching`, `caches` → `cach`). It is not Porter: it is
//! three steps that are easy to keep identical in Rust and JavaScript.
//!
//! Only words of ASCII letters `a`–`z` with at least four letters are
//! stemmed; a step applies only if what is left keeps at least
//! [`MIN_STEM`] letters.
//!
//! 1. Plurals: `-sses` → `-ss`; `-ies` → `-y`; `-ss`, `-us`, `-is` stay;
//!    otherwise a final `-s` goes. The first suffix that matches decides,
//!    even when its length condition then fails.
//! 2. `-ing`, then `-ed`: removed when the rest contains a vowel
//!    (`a e i o u y`); a doubled final consonant other than `l s z` is then
//!    undoubled (`resetting` → `reset`).
//! 3. A final `-e` goes (`update` → `updat`, like `updated`).

/// Words never indexed nor searched: they occur in nearly every article and
/// would make one shard huge. Compared after lowercasing, before stemming.
pub const STOP_WORDS: [&str; 32] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i", "in",
    "is", "it", "its", "my", "of", "on", "or", "that", "the", "this", "to", "was", "we", "what",
    "with", "you", "your",
];

/// The shortest stem a rule may leave behind.
pub const MIN_STEM: usize = 3;

/// Whether `word` (lowercased) is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Stems a lowercased word; anything but an ASCII word of four or more
/// letters comes back unchanged.
pub fn stem(word: &str) -> String {
    let mut w = word.to_owned();
    stem_in_place(&mut w);
    w
}

/// [`stem`], rewriting `w` instead of allocating.
pub fn stem_in_place(w: &mut String) {
    if w.len() < 4 || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return;
    }
    strip_plural(w);
    strip_ing_ed(w);
    if w.ends_with('e') && w.len() > MIN_STEM {
        w.pop();
    }
}

fn strip_plural(w: &mut String) {
    if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.ends_with("ies") {
        if w.len() - 3 + 1 >= MIN_STEM {
            w.truncate(w.len() - 3);
            w.push('y');
        }
    } else if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        // "process", "status", "analysis" are not plurals.
    } else if w.ends_with('s') && w.len() > MIN_STEM {
        w.pop();
    }
}

fn strip_ing_ed(w: &mut String) {
    let suffix_len = if w.ends_with("ing") {
        3
    } else if w.ends_with("ed") {
        2
    } else {
        return;
    };
    let rest = &w[..w.len() - suffix_len];
    if rest.len() < MIN_STEM || !rest.bytes().any(is_vowel) {
        return;
    }
    w.truncate(rest.len());
    let bytes = w.as_bytes();
    let n = bytes.len();
    if n >= 2
        && bytes[n - 1] == bytes[n - 2]
        && !is_vowel(bytes[n - 1])
        && !matches!(bytes[n - 1], b'l' | b's' | b'z')
    {
        w.pop();
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn inflected_forms_share_a_stem() {
        for (word, expected) in [
            ("tickets", "ticket"),
            ("ticketing", "ticket"),
            ("cache", "cach"),
            ("caches", "cach"),
            ("cached", "cach"),
            ("caching", "cach"),
            ("resetting", "reset"),
            ("categories", "category"),
            ("processes", "process"),
            ("status", "status"),
            ("billing", "bill"),
            ("string", "string"),
        ] {
            assert_eq!(stem(word), expected, "{word}");
        }
    }

    #[test]
    fn short_and_non_ascii_words_are_left_alone() {
        assert_eq!(stem("use"), "use");
        assert_eq!(stem("cafés"), "cafés");
        assert_eq!(stem("ties"), "ties");
    }
}

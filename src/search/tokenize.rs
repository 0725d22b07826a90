//! The tokeniser: text in, search terms out.
//!
//! The same rules run at index time (here) and at query time
//! (`themes/default/static/js/search-tokenize.js`); `tests/search/vectors.json` is
//! checked against both so they cannot drift apart. Change a rule here, in
//! the script and in `docs/search.md` together, and add a vector.
//!
//! The steps, in order:
//!
//! 1. **Folding**, character by character: full-width ASCII forms
//!    (U+FF01–FF5E) become ASCII, the ideographic space becomes a space,
//!    half-width katakana (U+FF61–FF9F) become full-width katakana, and a
//!    voiced or semi-voiced sound mark (half-width U+FF9E/FF9F or combining
//!    U+3099/309A) merges into the kana before it (`ｶﾞ` → `ガ`, `か゛`
//!    stays two characters since U+309B is a spacing mark). A sound mark with
//!    nothing to merge into is dropped. Then every character is lowercased
//!    on its own (no final-sigma rule), except that `İ` becomes a plain `i`.
//! 2. **Splitting** into runs: a *CJK run* is Han, Hiragana and Katakana
//!    (see [`is_cjk`]); a *word* is any other letter or digit; everything
//!    else separates. An apostrophe between two word characters is dropped
//!    (`don't` → `dont`).
//! 3. **CJK runs** yield overlapping character bigrams; a run of one
//!    character yields that character.
//! 4. **Words** longer than [`MAX_WORD_CHARS`] are dropped, stop words
//!    ([`super::stem::STOP_WORDS`]) are dropped, and ASCII words are stemmed
//!    ([`super::stem::stem`]).

use super::stem;

mod fold;

#[cfg(test)]
use fold::fold;
use fold::fold_each;

/// Words longer than this (in characters) are not indexed: they are hashes,
/// tokens or base64, never something a reader types.
pub const MAX_WORD_CHARS: usize = 32;

/// Splits `text` into search terms, in the order they occur (duplicates
/// kept, so callers can count them).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for_each_term(text, |term| tokens.push(term.to_owned()));
    tokens
}

/// Calls `emit` with each term of `text`, in order, like [`tokenize`] but
/// without allocating a string per term.
pub fn for_each_term(text: &str, mut emit: impl FnMut(&str)) {
    let mut stemmed = String::new();
    for_each_word(text, |word| match word {
        Word::Cjk(term) => emit(term),
        Word::Latin(word) => {
            if !stem::is_stop_word(word) {
                stemmed.clear();
                stemmed.push_str(word);
                stem::stem_in_place(&mut stemmed);
                emit(&stemmed);
            }
        }
    });
}

/// A piece of text before stop words and stemming (steps 1 to 3 done).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word<'a> {
    /// A CJK bigram, or a CJK run of one character: already a term.
    Cjk(&'a str),
    /// A folded word of at most [`MAX_WORD_CHARS`] characters; step 4
    /// (stop words, stemming) is left to the caller, so the index builder
    /// can do it once per distinct word.
    Latin(&'a str),
}

/// Steps 1 to 3 of the tokeniser in one pass over `text`, calling `emit`
/// with each [`Word`] in order. The index builder's hot path: no
/// allocation per character or word.
pub fn for_each_word(text: &str, mut emit: impl FnMut(Word<'_>)) {
    let mut splitter = Splitter::default();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match BYTE_CLASS[usize::from(bytes[at])] {
            // A run of ASCII letters and digits: nothing to fold but case,
            // and no sound mark can change it.
            ALNUM => {
                let end = run_end(bytes, at, |class| class == ALNUM);
                let alone = bytes
                    .get(end)
                    .is_none_or(|&b| BYTE_CLASS[usize::from(b)] == SEPARATOR);
                if alone && splitter.is_idle() {
                    // The common case: a whole word between separators.
                    // Emitted from the text (or a stack copy when it has
                    // capitals), not copied into the splitter.
                    emit_ascii_word(&text[at..end], &mut emit);
                } else {
                    splitter.push_ascii_word(&text[at..end], &mut emit);
                }
                at = end;
            }
            SEPARATOR => {
                splitter.separate(&mut emit);
                at += 1;
            }
            // Non-ASCII text and apostrophes: the general path, up to the
            // next ASCII letter, digit or separator.
            _ => {
                let end = run_end(bytes, at + 1, |class| class == OTHER);
                fold_each(&text[at..end], |c| splitter.push(c, &mut emit));
                at = end;
            }
        }
    }
    splitter.finish_run(&mut emit);
}

/// Emits `word` (ASCII letters and digits only, a whole run) lowercased,
/// unless it is longer than [`MAX_WORD_CHARS`].
#[inline]
fn emit_ascii_word(word: &str, emit: &mut impl FnMut(Word<'_>)) {
    if word.len() > MAX_WORD_CHARS {
        return;
    }
    if !word.bytes().any(|b| b.is_ascii_uppercase()) {
        emit(Word::Latin(word));
        return;
    }
    let mut lower = [0u8; MAX_WORD_CHARS];
    let lower = &mut lower[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    // Lowercasing ASCII keeps it ASCII, so this always succeeds.
    if let Ok(lower) = std::str::from_utf8(lower) {
        emit(Word::Latin(lower));
    }
}

/// Classes of bytes for [`for_each_word`]'s fast paths.
const SEPARATOR: u8 = 0;
const ALNUM: u8 = 1;
/// `'` and every byte of a non-ASCII character.
const OTHER: u8 = 2;

const BYTE_CLASS: [u8; 256] = {
    let mut classes = [OTHER; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        classes[b] = if byte.is_ascii_alphanumeric() {
            ALNUM
        } else if byte == b'\'' {
            OTHER
        } else {
            SEPARATOR
        };
        b += 1;
    }
    classes
};

/// The first position from `at` whose byte's class fails `keep`.
fn run_end(bytes: &[u8], at: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes[at.min(bytes.len())..]
        .iter()
        .position(|&b| !keep(BYTE_CLASS[usize::from(b)]))
        .map_or(bytes.len(), |n| at + n)
}

/// Step 2 and 3 as a state machine over folded characters.
#[derive(Default)]
struct Splitter {
    /// The current word (empty when none).
    word: String,
    /// Characters in `word`.
    word_chars: usize,
    /// The previous character of the current CJK run.
    cjk_last: Option<char>,
    /// Characters in the current CJK run.
    cjk_chars: usize,
    /// An apostrophe followed the word: it joins the word if a word
    /// character comes next.
    apostrophe: bool,
    /// Scratch space for a CJK term.
    term: String,
}

impl Splitter {
    /// Whether no run is in progress (nothing owed, no apostrophe pending).
    #[inline]
    fn is_idle(&self) -> bool {
        self.word_chars == 0 && self.cjk_chars == 0 && !self.apostrophe
    }

    /// [`Self::push`] for an ASCII character that is neither a letter, a
    /// digit nor an apostrophe: the common case between words.
    fn separate(&mut self, emit: &mut impl FnMut(Word<'_>)) {
        if self.word_chars > 0 || self.cjk_chars > 0 || self.apostrophe {
            self.finish_run(emit);
        }
    }

    fn push(&mut self, c: char, emit: &mut impl FnMut(Word<'_>)) {
        if self.apostrophe {
            self.apostrophe = false;
            if is_word_char(c) {
                self.push_word_char(c);
                return;
            }
            self.finish_run(emit);
        }
        if is_cjk(c) {
            if self.word_chars > 0 {
                self.finish_run(emit);
            }
            if let Some(last) = self.cjk_last {
                self.term.clear();
                self.term.push(last);
                self.term.push(c);
                emit(Word::Cjk(&self.term));
            }
            self.cjk_last = Some(c);
            self.cjk_chars += 1;
        } else if is_word_char(c) {
            if self.cjk_chars > 0 {
                self.finish_run(emit);
            }
            self.push_word_char(c);
        } else if is_apostrophe(c) && self.word_chars > 0 {
            // Inside a word ("don't" is one word) if a word character follows.
            self.apostrophe = true;
        } else {
            self.finish_run(emit);
        }
    }

    /// [`Self::push`] for each character of `run` (ASCII letters and
    /// digits only), at once.
    fn push_ascii_word(&mut self, run: &str, emit: &mut impl FnMut(Word<'_>)) {
        self.apostrophe = false;
        if self.cjk_chars > 0 {
            self.finish_run(emit);
        }
        let room = MAX_WORD_CHARS.saturating_sub(self.word_chars);
        self.word_chars += run.len();
        if room > 0 {
            let start = self.word.len();
            self.word.push_str(&run[..run.len().min(room)]);
            self.word[start..].make_ascii_lowercase();
        }
    }

    fn push_word_char(&mut self, c: char) {
        self.word_chars += 1;
        if self.word_chars <= MAX_WORD_CHARS {
            self.word.push(c);
        }
    }

    /// Emits what the current run still owes and starts afresh.
    fn finish_run(&mut self, emit: &mut impl FnMut(Word<'_>)) {
        if self.cjk_chars == 1 {
            if let Some(only) = self.cjk_last {
                self.term.clear();
                self.term.push(only);
                emit(Word::Cjk(&self.term));
            }
        } else if self.word_chars > 0 && self.word_chars <= MAX_WORD_CHARS {
            emit(Word::Latin(&self.word));
        }
        self.word.clear();
        self.word_chars = 0;
        self.cjk_last = None;
        self.cjk_chars = 0;
        self.apostrophe = false;
    }
}

/// Han, Hiragana and Katakana: the scripts written without spaces, indexed
/// as bigrams. The ranges are spelled out (and mirrored in the script) so
/// both sides agree without a Unicode script table.
#[inline]
pub fn is_cjk(c: char) -> bool {
    if (c as u32) < 0x3005 {
        return false; // the common case: Latin, Greek, Cyrillic, punctuation
    }
    matches!(c as u32,
        0x3005..=0x3007     // 々 〆 〇
        | 0x3041..=0x3096   // Hiragana
        | 0x309D..=0x309F   // ゝ ゞ ゟ
        | 0x30A1..=0x30FA   // Katakana (not ゠)
        | 0x30FC..=0x30FF   // ー ヽ ヾ ヿ (not the middle dot ・)
        | 0x31F0..=0x31FF   // Katakana phonetic extensions
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0x20000..=0x3FFFF // CJK extensions B and later
    )
}

/// A letter or digit of a script written with spaces between words. In the
/// script: `/[\p{Alphabetic}\p{N}]/u`.
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    !is_cjk(c) && (c.is_alphabetic() || c.is_numeric())
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

#[cfg(test)]
mod tests;

//! The tokeniser: text in, search terms out.
//!
//! The same rules run at index time (here) and at query time
//! (`themes/default/static/js/search.js`); `tests/search/vectors.json` is
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
/// without allocating a string per term (the index builder's hot path).
pub fn for_each_term(text: &str, mut emit: impl FnMut(&str)) {
    let folded = fold(text);
    let mut run = Run {
        chars: Vec::new(),
        cjk: false,
        buffer: String::new(),
    };
    for (i, &c) in folded.iter().enumerate() {
        if is_cjk(c) {
            if !run.cjk {
                run.finish(&mut emit);
                run.cjk = true;
            }
            run.chars.push(c);
        } else if is_word_char(c) {
            if run.cjk {
                run.finish(&mut emit);
            }
            run.chars.push(c);
        } else if is_apostrophe(c)
            && !run.cjk
            && !run.chars.is_empty()
            && folded.get(i + 1).is_some_and(|&next| is_word_char(next))
        {
            // Inside a word: "don't" is one word.
        } else {
            run.finish(&mut emit);
        }
    }
    run.finish(&mut emit);
}

/// The characters of the current run and a scratch buffer for its terms.
struct Run {
    chars: Vec<char>,
    cjk: bool,
    buffer: String,
}

impl Run {
    /// Emits the run's terms and starts a new (word) run.
    fn finish(&mut self, emit: &mut impl FnMut(&str)) {
        let chars = &self.chars;
        let buffer = &mut self.buffer;
        if self.cjk && chars.len() == 1 {
            buffer.clear();
            buffer.push(chars[0]);
            emit(buffer);
        } else if self.cjk {
            for pair in chars.windows(2) {
                buffer.clear();
                buffer.extend(pair);
                emit(buffer);
            }
        } else if !chars.is_empty() && chars.len() <= MAX_WORD_CHARS {
            buffer.clear();
            buffer.extend(chars);
            if !stem::is_stop_word(buffer) {
                stem::stem_in_place(buffer);
                emit(buffer);
            }
        }
        self.chars.clear();
        self.cjk = false;
    }
}

/// Han, Hiragana and Katakana: the scripts written without spaces, indexed
/// as bigrams. The ranges are spelled out (and mirrored in the script) so
/// both sides agree without a Unicode script table.
pub fn is_cjk(c: char) -> bool {
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
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    !is_cjk(c) && (c.is_alphabetic() || c.is_numeric())
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Step 1: width folding, sound-mark composition and lowercasing.
fn fold(text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let c = fold_width(c);
        if let Some(mark) = sound_mark(c) {
            if let Some(composed) = out.last().and_then(|&base| compose(base, mark)) {
                if let Some(last) = out.last_mut() {
                    *last = composed;
                }
            }
            continue;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\u{130}' {
            out.push('i'); // not "i" + U+0307, which would split the word
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn fold_width(c: char) -> char {
    let code = c as u32;
    let folded = match code {
        0xFF01..=0xFF5E => code - 0xFEE0,
        0x3000 => 0x20,
        0xFF61..=0xFF9F => HALF_WIDTH_KANA[(code - 0xFF61) as usize],
        _ => code,
    };
    char::from_u32(folded).unwrap_or(c)
}

/// Half-width forms U+FF61..=U+FF9F and their full-width equivalents. The
/// two sound marks map to the combining marks so [`fold`] can merge them.
const HALF_WIDTH_KANA: [u32; 63] = [
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1,
    0x30A3, // ｡｢｣､･ｦｧｨ
    0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3,
    0x30FC, // ｩｪｫｬｭｮｯｰ
    0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD,
    0x30AF, // ｱｲｳｴｵｶｷｸ
    0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD,
    0x30BF, // ｹｺｻｼｽｾｿﾀ
    0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC,
    0x30CD, // ﾁﾂﾃﾄﾅﾆﾇﾈ
    0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE,
    0x30DF, // ﾉﾊﾋﾌﾍﾎﾏﾐ
    0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, // ﾑﾒﾓﾔﾕﾖﾗﾘ
    0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x3099, 0x309A, // ﾙﾚﾛﾜﾝﾞﾟ
];

#[derive(Clone, Copy, PartialEq)]
enum SoundMark {
    Voiced,
    SemiVoiced,
}

fn sound_mark(c: char) -> Option<SoundMark> {
    match c {
        '\u{3099}' => Some(SoundMark::Voiced),
        '\u{309A}' => Some(SoundMark::SemiVoiced),
        _ => None,
    }
}

/// The kana `base` with the sound mark applied, if that kana exists.
fn compose(base: char, mark: SoundMark) -> Option<char> {
    let code = base as u32;
    let voiced = mark == SoundMark::Voiced;
    let composed = match code {
        0x3046 if voiced => 0x3094,            // う → ゔ
        0x30A6 if voiced => 0x30F4,            // ウ → ヴ
        0x309D | 0x30FD if voiced => code + 1, // ゝ → ゞ, ヽ → ヾ
        0x30EF..=0x30F2 if voiced => code + 8, // ワヰヱヲ → ヷヸヹヺ
        _ => {
            // Katakana sits 0x60 above the matching hiragana.
            let (hiragana, offset) = match code {
                0x30A1..=0x30F6 => (code - 0x60, 0x60),
                _ => (code, 0),
            };
            let mark_offset = match hiragana {
                0x304B..=0x3062 if voiced && hiragana % 2 == 1 => 1, // か .. ち
                0x3064 | 0x3066 | 0x3068 if voiced => 1,             // つ て と
                0x306F..=0x307B if (hiragana - 0x306F) % 3 == 0 => {
                    if voiced {
                        1
                    } else {
                        2
                    }
                } // は ひ ふ へ ほ
                _ => return None,
            };
            hiragana + mark_offset + offset
        }
    };
    char::from_u32(composed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_katakana_with_voiced_marks_become_full_width() {
        assert_eq!(fold("ﾊﾟｽﾜｰﾄﾞ").iter().collect::<String>(), "パスワード");
    }

    #[test]
    fn combining_marks_compose_with_hiragana_and_katakana() {
        assert_eq!(
            fold("か\u{3099}ハ\u{309A}ウ\u{3099}")
                .iter()
                .collect::<String>(),
            "がパヴ"
        );
    }

    #[test]
    fn a_lone_sound_mark_is_dropped() {
        assert_eq!(fold("ﾞa").iter().collect::<String>(), "a");
    }
}

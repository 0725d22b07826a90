//! Character folding before words are split: full width for half-width
//! katakana, sound marks composed into their kana, lowercase.

/// Step 1: width folding, sound-mark composition and lowercasing, calling
/// `emit` with each folded character. A character is held back until the
/// next one shows whether a sound mark merges into it.
pub(super) fn fold_each(text: &str, mut emit: impl FnMut(char)) {
    let mut held: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii() {
            if let Some(h) = held {
                emit(h);
            }
            held = Some(c.to_ascii_lowercase());
            continue;
        }
        let c = fold_width(c);
        if let Some(mark) = sound_mark(c) {
            if let Some(composed) = held.and_then(|base| compose(base, mark)) {
                held = Some(composed);
            }
            continue;
        }
        if let Some(h) = held {
            emit(h);
        }
        if c.is_ascii() {
            held = Some(c.to_ascii_lowercase());
        } else if c == '\u{130}' {
            held = Some('i'); // not "i" + U+0307, which would split the word
        } else {
            let mut lower = c.to_lowercase();
            let last = lower.next_back();
            lower.for_each(&mut emit);
            held = last;
        }
    }
    if let Some(h) = held {
        emit(h);
    }
}

#[cfg(test)]
pub(super) fn fold(text: &str) -> Vec<char> {
    let mut out = Vec::new();
    fold_each(text, |c| out.push(c));
    out
}

pub(super) fn fold_width(c: char) -> char {
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
pub(super) const HALF_WIDTH_KANA: [u32; 63] = [
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
pub(super) enum SoundMark {
    Voiced,
    SemiVoiced,
}

pub(super) fn sound_mark(c: char) -> Option<SoundMark> {
    match c {
        '\u{3099}' => Some(SoundMark::Voiced),
        '\u{309A}' => Some(SoundMark::SemiVoiced),
        _ => None,
    }
}

/// The kana `base` with the sound mark applied, if that kana exists.
pub(super) fn compose(base: char, mark: SoundMark) -> Option<char> {
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

//! Unit tests of the parent module.

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

//! GitHub-style callouts (`> [!NOTE]`): the block quote becomes an
//! `aside` with a title in the page's language.

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, Tag, TagEnd};
use std::ops::Range;

/// The kinds of callout, as GitHub's `> [!NOTE]` and the shortcodes of
/// the same names write them.
pub const CALLOUT_KINDS: [&str; 5] = ["note", "tip", "important", "warning", "caution"];

/// The opening markup of a callout box of `kind` (one of
/// [`CALLOUT_KINDS`]): a `role="note"` region named by its visible,
/// translated title. Close it with `</div>`.
pub fn callout_open(kind: &str, lang: &str) -> String {
    let title = callout_title(kind, lang);
    format!(
        "<div class=\"callout callout-{kind}\" role=\"note\" aria-label=\"{title}\">\n<p class=\"callout-title\">{title}</p>\n"
    )
}

/// The title of a callout in the article's language (English for
/// languages without their own).
pub(super) fn callout_title(kind: &str, lang: &str) -> &'static str {
    let ja = lang == "ja" || lang.starts_with("ja-");
    match (kind, ja) {
        ("tip", false) => "Tip",
        ("tip", true) => "ヒント",
        ("important", false) => "Important",
        ("important", true) => "重要",
        ("warning", false) => "Warning",
        ("warning", true) => "警告",
        ("caution", false) => "Caution",
        ("caution", true) => "注意",
        (_, false) => "Note",
        (_, true) => "注記",
    }
}

pub(super) fn callout_kind(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
    }
}

/// Turns GitHub's `> [!NOTE]` block quotes into callout boxes.
pub(super) fn mark_callouts(events: &mut [(Event<'_>, Range<usize>)], lang: &str) {
    for (event, _) in events.iter_mut() {
        let html = match event {
            Event::Start(Tag::BlockQuote(Some(kind))) => callout_open(callout_kind(*kind), lang),
            Event::End(TagEnd::BlockQuote(Some(_))) => "</div>\n".to_owned(),
            _ => continue,
        };
        *event = Event::Html(CowStr::from(html));
    }
}

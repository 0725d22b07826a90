//! The plain text of a rendered text: for the search index, summaries and
//! descriptions.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::collapse_whitespace;

pub(super) fn collect_text(events: &[(Event<'_>, Range<usize>)]) -> String {
    let mut out = String::new();
    for (e, _) in events {
        match e {
            Event::Text(t) | Event::Code(t) => out.push_str(t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// The whole plain text and the first paragraph's, shortened.
pub(super) fn plain_text(events: &[(Event<'_>, Range<usize>)]) -> (String, String) {
    let mut text = String::new();
    let mut summary = None;
    let mut paragraph_start = None;
    for (i, (e, _)) in events.iter().enumerate() {
        match e {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::Paragraph) => paragraph_start = Some(i),
            Event::End(TagEnd::Paragraph) => {
                text.push(' ');
                if let (None, Some(start)) = (&summary, paragraph_start) {
                    let p = collect_text(&events[start..i]);
                    if !p.is_empty() {
                        summary = Some(shorten(&p, 240));
                    }
                }
            }
            Event::End(
                TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition,
            ) => text.push(' '),
            _ => {}
        }
    }
    (collapse_whitespace(&text), summary.unwrap_or_default())
}

/// Cuts `text` to at most `max` characters at a word boundary, adding `…`.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", at_word.trim_end_matches([',', '.', ';', ':']))
}

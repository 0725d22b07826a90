//! Heading ids (unique within a page) and the table of contents.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Tag, TagEnd};

use super::plain::collect_text;
use super::TocEntry;

/// Gives every heading a unique id (explicit `{#id}` kept) and returns the
/// level 2–3 headings.
pub(super) fn assign_heading_ids(events: &mut [(Event<'_>, Range<usize>)]) -> Vec<TocEntry> {
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut toc = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { .. }) = events[i].0 {
            let end = (i..events.len())
                .find(|&j| matches!(events[j].0, Event::End(TagEnd::Heading(_))))
                .unwrap_or(events.len());
            let title = collect_text(&events[i + 1..end]);
            if let Event::Start(Tag::Heading { level, id, .. }) = &mut events[i].0 {
                let base = id
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| heading_id(&title));
                let unique = unique_id(&mut used, base);
                *id = Some(CowStr::from(unique.clone()));
                let level = *level;
                if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                    toc.push(TocEntry {
                        level: if level == HeadingLevel::H2 { 2 } else { 3 },
                        id: unique,
                        title,
                    });
                }
            }
            i = end;
        }
        i += 1;
    }
    toc
}

pub(super) fn unique_id(used: &mut HashMap<String, usize>, base: String) -> String {
    let count = used.entry(base.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        base
    } else {
        format!("{base}-{}", *count - 1)
    }
}

/// The id of a heading: lowercase letters and digits of any script, words
/// joined by `-`; `section` when nothing is left.
pub fn heading_id(title: &str) -> String {
    let mut id = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            id.push(c);
        } else if (c.is_whitespace() || c == '-') && !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-');
    if id.is_empty() {
        "section".to_owned()
    } else {
        id.to_owned()
    }
}

//! Markdown to HTML, as a pure function: text plus a [`Context`] in, a
//! [`Rendered`] value out (HTML, table of contents, summary, plain text and
//! every link found). No file system, no knowledge of bundles: the caller
//! decides what a link points to through [`Context::resolve`], and checks
//! the returned [`Link`]s as data.
//!
//! Rewritten links are written relative to the bundle root with
//! [`ROOT_MARK`] in front, so one rendering serves both bundles:
//! [`Rendered::html_in`] puts the bundle's root in.

mod callouts;
mod headings;
mod plain;
pub mod shortcodes;

use callouts::mark_callouts;
pub use callouts::{callout_open, CALLOUT_KINDS};
use headings::assign_heading_ids;
pub use headings::heading_id;
pub use plain::shorten;
use plain::{collect_text, plain_text};

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// Stands for the bundle root in [`Rendered::html`]. Input text cannot
/// contain it (NUL is replaced before parsing).
pub const ROOT_MARK: char = '\0';

/// What the renderer needs from its caller.
pub struct Context<'a> {
    /// Maps a link destination as written to a path inside the bundle
    /// (without the root, anchor kept), or `None` to leave it as written.
    pub resolve: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// The file line of the text's first line (for [`Link::line`]).
    pub first_line: usize,
    /// The text's language code (callout titles).
    pub lang: &'a str,
    /// Shortcode templates and page data; `None` leaves shortcodes as
    /// written.
    pub shortcodes: Option<&'a crate::content::markdown::shortcodes::expand::Env<'a>>,
}

/// A problem found while rendering (a shortcode error), at a file line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The result of rendering one Markdown text.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// HTML with [`ROOT_MARK`] where the bundle root goes.
    pub html: String,
    /// Level 2 and 3 headings, in order.
    pub toc: Vec<TocEntry>,
    /// Plain text of the first paragraph (shortened).
    pub summary: String,
    /// Plain text of the whole body (for search; shared, not copied, by
    /// the search documents of both bundles).
    pub text: std::sync::Arc<str>,
    /// Every link and image destination, as written.
    pub links: Vec<Link>,
    /// Shortcode errors (the caller turns them into content errors).
    pub problems: Vec<Problem>,
}

impl Rendered {
    /// The HTML with `root` (`/` or `/internal/`) put in for the mark.
    pub fn html_in(&self, root: &str) -> String {
        if self.html.contains(ROOT_MARK) {
            self.html.replace(ROOT_MARK, root)
        } else {
            self.html.clone()
        }
    }
}

/// A heading in the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    /// 2 or 3.
    pub level: u8,
    /// The heading's `id`.
    pub id: String,
    /// The heading's plain text.
    pub title: String,
}

/// A link or image found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as written.
    pub dest: String,
    /// The file line it is on.
    pub line: usize,
    /// Whether it is an image.
    pub image: bool,
}

/// Renders `text` (tables, footnotes, strikethrough, task lists and
/// GitHub callouts on), expanding shortcodes when the context has them.
/// Text without `{{<` or `{{%` takes the plain path (one `memchr` scan).
pub fn render(text: &str, ctx: &Context<'_>) -> Rendered {
    match ctx.shortcodes {
        Some(env) if crate::content::markdown::shortcodes::may_contain(text) => {
            crate::content::markdown::shortcodes::expand::render(text, ctx, env)
        }
        _ => render_markdown(text, ctx),
    }
}

/// Renders Markdown without looking for shortcodes.
pub(crate) fn render_markdown(text: &str, ctx: &Context<'_>) -> Rendered {
    let text = if text.contains(ROOT_MARK) {
        std::borrow::Cow::Owned(text.replace(ROOT_MARK, "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let mut events = parse(&text);
    join_cjk_lines(&mut events);
    let toc = assign_heading_ids(&mut events);
    label_task_markers(&mut events);
    mark_callouts(&mut events, ctx.lang);
    let lines = LineIndex::new(&text, ctx.first_line);
    let links = rewrite_links(&mut events, ctx, &lines);
    let (plain, summary) = plain_text(&events);
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(e, _)| e));
    Rendered {
        html,
        toc,
        summary,
        text: plain.into(),
        links,
        problems: Vec::new(),
    }
}

fn parse(text: &str) -> Vec<(Event<'_>, Range<usize>)> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM;
    Parser::new_ext(text, options).into_offset_iter().collect()
}

/// Drops a soft line break between two CJK characters: Japanese has no
/// spaces between words, and browsers would show the break as one.
fn join_cjk_lines(events: &mut [(Event<'_>, Range<usize>)]) {
    for i in 1..events.len().saturating_sub(1) {
        if !matches!(events[i].0, Event::SoftBreak) {
            continue;
        }
        let before = match &events[i - 1].0 {
            Event::Text(t) => t.chars().next_back(),
            _ => None,
        };
        let after = match &events[i + 1].0 {
            Event::Text(t) => t.chars().next(),
            _ => None,
        };
        if before.is_some_and(is_cjk) && after.is_some_and(is_cjk) {
            events[i].0 = Event::Text(CowStr::Borrowed(""));
        }
    }
}

/// Whether `c` is a Chinese, Japanese or Korean character or CJK
/// punctuation (full-width forms included).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F   // CJK punctuation
        | 0x3040..=0x30FF // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // hangul syllables
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFF00..=0xFFEF // full-width forms
    )
}

/// Gives each task list checkbox the task's own text as its accessible
/// name (a bare `<input type=checkbox>` has none): the checkbox is announced
/// with its state and what it is about, in the article's language.
fn label_task_markers(events: &mut [(Event<'_>, Range<usize>)]) {
    for i in 0..events.len() {
        let Event::TaskListMarker(checked) = events[i].0 else {
            continue;
        };
        let end = (i + 1..events.len())
            .find(|&j| {
                matches!(
                    events[j].0,
                    Event::End(TagEnd::Item | TagEnd::Paragraph) | Event::Start(Tag::List(_))
                )
            })
            .unwrap_or(events.len());
        let label = collect_text(&events[i + 1..end]);
        let label = if label.is_empty() {
            String::new()
        } else {
            format!(" aria-label=\"{}\"", attr(&label))
        };
        let checked = if checked { " checked" } else { "" };
        events[i].0 = Event::InlineHtml(CowStr::from(format!(
            "<input type=\"checkbox\" disabled{checked}{label}>\n"
        )));
    }
}

/// Maps byte offsets to file lines.
struct LineIndex {
    starts: Vec<usize>,
    first_line: usize,
}

impl LineIndex {
    fn new(text: &str, first_line: usize) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts, first_line }
    }

    fn line(&self, offset: usize) -> usize {
        let i = self.starts.partition_point(|&s| s <= offset);
        self.first_line + i.saturating_sub(1)
    }
}

/// Records every link and image and rewrites those the context resolves.
fn rewrite_links(
    events: &mut [(Event<'_>, Range<usize>)],
    ctx: &Context<'_>,
    lines: &LineIndex,
) -> Vec<Link> {
    let mut links = Vec::new();
    let mut link_open = false;
    let mut image_open: Option<String> = None;
    for (event, range) in events.iter_mut() {
        let replacement = match event {
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) => {
                links.push(Link {
                    dest: dest_url.to_string(),
                    line: lines.line(range.start),
                    image: false,
                });
                (ctx.resolve)(dest_url).map(|path| {
                    link_open = true;
                    format!(
                        "<a href=\"{ROOT_MARK}{}\"{}>",
                        attr(&path),
                        title_attr(title)
                    )
                })
            }
            Event::End(TagEnd::Link) if link_open => {
                link_open = false;
                Some("</a>".to_owned())
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                links.push(Link {
                    dest: dest_url.to_string(),
                    line: lines.line(range.start),
                    image: true,
                });
                (ctx.resolve)(dest_url).map(|path| {
                    image_open = Some(title_attr(title));
                    format!("<img src=\"{ROOT_MARK}{}\" alt=\"", attr(&path))
                })
            }
            Event::End(TagEnd::Image) if image_open.is_some() => {
                let title = image_open.take().unwrap_or_default();
                Some(format!("\"{title} />"))
            }
            Event::Text(t) | Event::Code(t) if image_open.is_some() => Some(attr(t)),
            _ if image_open.is_some() => Some(String::new()),
            _ => None,
        };
        if let Some(html) = replacement {
            *event = Event::InlineHtml(CowStr::from(html));
        }
    }
    links
}

/// Escapes a value for a double-quoted attribute.
pub(crate) fn attr(value: &str) -> String {
    html_escape::encode_double_quoted_attribute(value).into_owned()
}

/// ` title="…"`, or nothing for an empty title.
fn title_attr(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", attr(title))
    }
}

/// `text` with every run of whitespace turned into one space and none at
/// either end (what `split_whitespace` + `join(" ")` gives, in one pass
/// without a word list). ASCII bytes are classified without decoding; only
/// the lead byte of a multi-byte character decodes it.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut run_start = None;
    let mut i = 0;
    while i < bytes.len() {
        let (white, width) = match bytes[i] {
            b if b.is_ascii() => (matches!(b, b' ' | b'\t'..=b'\r'), 1),
            _ => text[i..]
                .chars()
                .next()
                .map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8())),
        };
        if white {
            if let Some(start) = run_start.take() {
                if pending_space {
                    out.push(' ');
                }
                out.push_str(&text[start..i]);
                pending_space = true;
            }
        } else if run_start.is_none() {
            run_start = Some(i);
        }
        i += width;
    }
    if let Some(start) = run_start {
        if pending_space {
            out.push(' ');
        }
        out.push_str(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests;

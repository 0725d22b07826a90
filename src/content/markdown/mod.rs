//! Markdown to HTML, as a pure function: text plus a [`Context`] in, a
//! [`Rendered`] value out (HTML, table of contents, summary, plain text and
//! every link found). No file system, no knowledge of bundles: the caller
//! decides what a link points to through [`Context::resolve`], and checks
//! the returned [`Link`]s as data.
//!
//! Rewritten links are written relative to the bundle root with
//! [`ROOT_MARK`] in front, so one rendering serves both bundles:
//! [`Rendered::html_in`] puts the bundle's root in.

pub mod shortcodes;

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
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

/// Gives every heading a unique id (explicit `{#id}` kept) and returns the
/// level 2–3 headings.
fn assign_heading_ids(events: &mut [(Event<'_>, Range<usize>)]) -> Vec<TocEntry> {
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

fn unique_id(used: &mut HashMap<String, usize>, base: String) -> String {
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
fn callout_title(kind: &str, lang: &str) -> &'static str {
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

fn callout_kind(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
    }
}

/// Turns GitHub's `> [!NOTE]` block quotes into callout boxes.
fn mark_callouts(events: &mut [(Event<'_>, Range<usize>)], lang: &str) {
    for (event, _) in events.iter_mut() {
        let html = match event {
            Event::Start(Tag::BlockQuote(Some(kind))) => callout_open(callout_kind(*kind), lang),
            Event::End(TagEnd::BlockQuote(Some(_))) => "</div>\n".to_owned(),
            _ => continue,
        };
        *event = Event::Html(CowStr::from(html));
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

fn collect_text(events: &[(Event<'_>, Range<usize>)]) -> String {
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
fn plain_text(events: &[(Event<'_>, Range<usize>)]) -> (String, String) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn render_plain(text: &str) -> Rendered {
        render(
            text,
            &Context {
                resolve: &|_| None,
                first_line: 1,
                lang: "en",
                shortcodes: None,
            },
        )
    }

    #[test]
    fn headings_get_ids_including_japanese_ones() {
        let r = render_plain("## Before you begin\n\n## 概要と手順\n\n### Step 1: Log in!\n");
        assert!(
            r.html.contains("<h2 id=\"before-you-begin\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"概要と手順\">"), "{}", r.html);
        assert!(r.html.contains("<h3 id=\"step-1-log-in\">"), "{}", r.html);
        assert_eq!(r.toc.len(), 3);
        assert_eq!(r.toc[2].level, 3);
    }

    #[test]
    fn repeated_headings_get_distinct_ids() {
        let r = render_plain("## Steps\n\n## Steps\n\n## Steps\n");
        let ids: Vec<_> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["steps", "steps-1", "steps-2"]);
    }

    #[test]
    fn heading_ids_of_punctuation_only_fall_back() {
        assert_eq!(heading_id("?!"), "section");
        assert_eq!(heading_id("  Hello -- World  "), "hello-world");
        assert_eq!(heading_id("My Page (マイページ)"), "my-page-マイページ");
    }

    #[test]
    fn tables_footnotes_strikethrough_and_task_lists_render() {
        let r = render_plain(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ note[^1]\n\n- [x] done\n\n[^1]: foot\n",
        );
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<del>old</del>"), "{}", r.html);
        assert!(r.html.contains("footnote"), "{}", r.html);
        assert!(r.html.contains("checkbox"), "{}", r.html);
    }

    #[test]
    fn task_list_checkboxes_are_named_by_their_task() {
        let r =
            render_plain("- [x] Send the *invoice* & receipt\n- [ ] Call back\n  - [ ] nested\n");
        assert!(
            r.html.contains(
                "<input type=\"checkbox\" disabled checked aria-label=\"Send the invoice &amp; receipt\">"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<input type=\"checkbox\" disabled aria-label=\"Call back\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("aria-label=\"nested\""), "{}", r.html);
        assert!(!r.text.contains("aria-label"), "{}", r.text);
    }

    #[test]
    fn resolved_links_are_rewritten_with_the_root_mark_and_anchor_kept() {
        let resolve = |dest: &str| {
            dest.starts_with("other.md")
                .then(|| format!("a/other/{}", dest.trim_start_matches("other.md")))
        };
        let r = render(
            "Intro\n\nSee [other](other.md#setup \"T\") and [web](https://x.org).\n",
            &Context {
                resolve: &resolve,
                first_line: 5,
                lang: "en",
                shortcodes: None,
            },
        );
        assert!(
            r.html
                .contains("<a href=\"\0a/other/#setup\" title=\"T\">other</a>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"https://x.org\""), "{}", r.html);
        assert!(r
            .html_in("/internal/")
            .contains("href=\"/internal/a/other/#setup\""));
        assert_eq!(r.links.len(), 2);
        assert_eq!(r.links[0].dest, "other.md#setup");
        assert_eq!(r.links[0].line, 7);
    }

    #[test]
    fn resolved_images_are_rewritten_with_their_alt_text() {
        let resolve =
            |dest: &str| (dest == "/images/logo.png").then(|| "images/logo.png".to_owned());
        let r = render(
            "![The *logo* & more](/images/logo.png) ![kept](shot.png)\n",
            &Context {
                resolve: &resolve,
                first_line: 1,
                lang: "en",
                shortcodes: None,
            },
        );
        assert!(
            r.html_in("/internal/")
                .contains("<img src=\"/internal/images/logo.png\" alt=\"The logo &amp; more\" />"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<img src=\"shot.png\" alt=\"kept\" />"),
            "{}",
            r.html
        );
        assert!(r.links.iter().all(|l| l.image));
    }

    #[test]
    fn a_line_break_inside_japanese_text_adds_no_space() {
        let r = render_plain("改行は残りますが、\n解釈されず。\nNext line\n");
        assert!(
            r.html.contains("残りますが、解釈されず。\nNext line"),
            "{}",
            r.html
        );
    }

    #[test]
    fn a_nul_in_the_text_cannot_fake_the_root_mark() {
        let r = render_plain("a\0b\n");
        assert!(!r.html.contains(ROOT_MARK));
    }

    #[test]
    fn summary_is_the_first_paragraph_and_text_is_everything() {
        let r = render_plain("# T\n\nFirst *para*.\n\n## H\n\nSecond `code`.\n");
        assert_eq!(r.summary, "First para.");
        assert_eq!(&*r.text, "T First para. H Second code.");
    }

    #[test]
    fn whitespace_collapses_like_split_and_join() {
        for text in [
            "",
            "   ",
            "one",
            "  two  words ",
            "a\tb\n\nc\u{3000}日本\u{a0}語 ",
            "\u{b}v\u{c}f\r\n\u{85}nel\u{2028}ls\u{200b}zw é\u{1f600} \u{0}",
        ] {
            let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(collapse_whitespace(text), expected, "{text:?}");
        }
    }

    #[test]
    fn long_summaries_are_shortened_at_a_word() {
        assert_eq!(shorten("one two three", 9), "one two…");
        assert_eq!(shorten("short", 9), "short");
    }
}

//! Message bodies as HTML, safe to put in a page: customer text is escaped
//! with its line breaks kept (the theme's `div.message-body` preserves
//! them) and `http(s)` URLs turned into links; agent replies are Markdown
//! rendered by pulldown-cmark and cleaned by ammonia, or, for the text part
//! of a mail, read as plain text without Markdown's marks. Pure functions:
//! text in, HTML or text out.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

/// Customer text: escaped, URLs linked (`rel="nofollow noopener
/// noreferrer"`), everything else left as typed.
pub fn customer_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        out.push_str(&escape(&rest[..start]));
        let candidate = &rest[start..];
        let len = url_len(candidate);
        let url = &candidate[..len];
        out.push_str("<a href=\"");
        out.push_str(&escape(url));
        out.push_str("\" rel=\"nofollow noopener noreferrer\">");
        out.push_str(&escape(url));
        out.push_str("</a>");
        rest = &candidate[len..];
    }
    out.push_str(&escape(rest));
    out
}

/// Agent text: Markdown rendered, then sanitised (no scripts, styles,
/// event handlers or `javascript:` links). Newlines between block tags are
/// dropped, since the message body keeps line breaks.
pub fn agent_markdown(text: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut rendered = String::new();
    html::push_html(&mut rendered, Parser::new_ext(text, options));
    let clean = ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer"))
        .clean(&rendered)
        .to_string();
    clean.trim().replace(">\n<", "><")
}

/// Agent Markdown as plain text for the text part of a mail: emphasis
/// marks dropped, a link written as its text and then its address in
/// angle brackets (once, when the text is not the address), list items
/// with `- ` or their number, code as written, and no HTML.
pub fn agent_markdown_text(text: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::new();
    // The address of each open link and where its text starts in `out`.
    let mut links: Vec<(String, usize)> = Vec::new();
    // The next number of each open list (`None`: bullets).
    let mut lists: Vec<Option<u64>> = Vec::new();
    let block_break = |out: &mut String| {
        let trimmed = out.trim_end_matches([' ', '\n']).len();
        out.truncate(trimmed);
        if !out.is_empty() {
            out.push_str("\n\n");
        }
    };
    for event in Parser::new_ext(text, options) {
        match event {
            // A block starts on its own paragraph, except the first
            // block of a list item, which follows its marker.
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::CodeBlock(_))
            | Event::Start(Tag::BlockQuote(_) | Tag::Table(_))
                if !out.ends_with("- ") && !out.ends_with(". ") =>
            {
                block_break(&mut out);
            }
            Event::Start(Tag::List(first)) => {
                block_break(&mut out);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push((dest_url.into_string(), out.len()));
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = links.pop() {
                    if out[start..].trim() != url && !url.is_empty() {
                        out.push_str(&format!(" <{url}>"));
                    }
                }
            }
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push_str("  "),
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => {
                block_break(&mut out);
                out.push_str("----");
            }
            _ => {}
        }
    }
    out.trim_end().to_owned()
}

/// Where the next `http://` or `https://` URL starts (at a word boundary).
fn find_url_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = text[from..].find("http") {
        let at = from + pos;
        let tail = &text[at..];
        let boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if boundary && (tail.starts_with("http://") || tail.starts_with("https://")) {
            let scheme = if tail.starts_with("https://") { 8 } else { 7 };
            if url_len(tail) > scheme {
                return Some(at);
            }
        }
        from = at + 4;
    }
    None
}

/// Length of the URL at the start of `text`: up to whitespace or a
/// character that cannot be part of it, without trailing punctuation.
fn url_len(text: &str) -> usize {
    let end = text
        .find(|c: char| c.is_whitespace() || c.is_control() || "<>\"'`".contains(c))
        .unwrap_or(text.len());
    let mut url = &text[..end];
    while let Some(last) = url.chars().next_back() {
        let unbalanced_paren = last == ')' && url.matches('(').count() < url.matches(')').count();
        if ".,;:!?".contains(last) || unbalanced_paren {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            break;
        }
    }
    url.len()
}

/// HTML-escapes text (`&`, `<`, `>`, both quotes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_is_escaped_and_keeps_its_line_breaks() {
        assert_eq!(
            customer_text("<script>alert(1)</script>\nline & \"two\""),
            "&lt;script&gt;alert(1)&lt;/script&gt;\nline &amp; &quot;two&quot;"
        );
    }

    #[test]
    fn urls_in_customer_text_become_safe_links() {
        assert_eq!(
            customer_text("See https://example.com/a?b=1&c=2."),
            "See <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\">https://example.com/a?b=1&amp;c=2</a>."
        );
        assert_eq!(
            customer_text("(http://x.example/p)"),
            "(<a href=\"http://x.example/p\" rel=\"nofollow noopener noreferrer\">http://x.example/p</a>)"
        );
        let tricky = customer_text("javascript:alert(1) https://a.example/\"onmouseover=alert(1)");
        assert!(!tricky.contains("href=\"javascript"), "{tricky}");
        assert!(!tricky.contains("\"onmouseover"), "{tricky}");
        assert_eq!(customer_text("http:// nothing"), "http:// nothing");
        assert_eq!(customer_text("xhttps://a.b"), "xhttps://a.b");
    }

    #[test]
    fn agent_markdown_as_text_has_no_markdown_marks() {
        let text = agent_markdown_text(
            "**Fixed** in _today's_ release, see [the docs](https://example.com/d).\n\n\
             1. Open **Settings**\n2. Press `Save`\n\n- a <https://example.com/x>\n- b",
        );
        assert_eq!(
            text,
            "Fixed in today's release, see the docs <https://example.com/d>.\n\n\
             1. Open Settings\n2. Press Save\n\n- a https://example.com/x\n- b"
        );
    }

    #[test]
    fn agent_markdown_is_rendered_and_sanitised() {
        let html = agent_markdown(
            "Hello **there**\n\n- one\n- two\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>there</strong>"), "{html}");
        assert!(html.contains("<ul><li>one</li><li>two</li></ul>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }
}

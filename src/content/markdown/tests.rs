//! Unit tests of the parent module.

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
    let r = render_plain("- [x] Send the *invoice* & receipt\n- [ ] Call back\n  - [ ] nested\n");
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
    let resolve = |dest: &str| (dest == "/images/logo.png").then(|| "images/logo.png".to_owned());
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

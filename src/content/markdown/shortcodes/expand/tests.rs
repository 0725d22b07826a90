//! Unit tests of the parent module.

use super::*;

struct Fixed;

impl Templates for Fixed {
    fn has_shortcode(&self, name: &str) -> bool {
        matches!(name, "box" | "bad")
    }
    fn render_shortcode(&self, name: &str, vars: &Value) -> Result<String, String> {
        match name {
            "box" => Ok(format!(
                "<div class=\"box\" data-x=\"{}\">{}</div>",
                vars["x"].as_str().unwrap_or(""),
                vars["inner"].as_str().unwrap_or("")
            )),
            _ => Err("Variable `nope` not found".to_owned()),
        }
    }
}

fn render_with(text: &str, resolve: &(dyn Fn(&str) -> Option<String> + Sync)) -> Rendered {
    let page = || serde_json::json!({"params": {"product": "Docket", "n": 3}});
    let site = serde_json::json!({"params": {"support": "help@x"}});
    let env = Env {
        templates: &Fixed,
        page: &page,
        site: &site,
    };
    markdown::render(
        text,
        &Context {
            resolve,
            first_line: 10,
            lang: "en",
            shortcodes: Some(&env),
        },
    )
}

fn r(text: &str) -> Rendered {
    render_with(text, &|_| None)
}

#[test]
fn markdown_shortcodes_render_their_body_as_markdown() {
    let out = r("Intro\n\n{{% box x=\"1\" %}}\nSome *em* text\n{{% /box %}}\n\nAfter\n");
    assert!(
        out.html
            .contains("<div class=\"box\" data-x=\"1\"><p>Some <em>em</em> text</p>\n</div>"),
        "{}",
        out.html
    );
    assert!(!out.html.contains("<p><div"), "{}", out.html);
    assert!(out.text.contains("Some em text"), "{}", out.text);
    assert!(out.problems.is_empty());
}

#[test]
fn html_shortcodes_keep_their_body_as_written() {
    let out = r("{{< box >}}*not em*{{< /box >}}\n");
    assert!(out.html.contains(">*not em*</div>"), "{}", out.html);
}

#[test]
fn nesting_renders_inside_out() {
    let out = r("{{% note %}}\nA {{< box x=\"in\" />}} here\n{{% /note %}}\n");
    assert!(out.html.contains("callout-note"), "{}", out.html);
    assert!(
        out.html.contains("<div class=\"box\" data-x=\"in\"></div>"),
        "{}",
        out.html
    );
}

#[test]
fn unknown_shortcodes_and_template_errors_are_problems_at_their_line() {
    let out = r("one\n\n{{< nope >}}\n\n{{< bad >}}\n");
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    assert_eq!(out.problems[0].line, 12);
    assert_eq!(
        out.problems[0].message,
        "unknown shortcode \"nope\" (add templates/shortcodes/nope.html)"
    );
    assert_eq!(out.problems[1].line, 14);
    assert!(out.problems[1].message.contains("nope"));
    assert!(!out.html.contains("{{"), "{}", out.html);
}

#[test]
fn lines_after_a_multi_line_shortcode_stay_right() {
    let out = r("{{% note %}}\na\nb\n{{% /note %}}\n\n[x](y.md)\n");
    let link = out.links.iter().find(|l| l.dest == "y.md").unwrap();
    assert_eq!(link.line, 15);
}

#[test]
fn refs_resolve_like_md_links_and_are_recorded() {
    let resolve = |d: &str| (d == "/guide/setup.md#top").then(|| "guide/setup/#top".to_owned());
    let out = render_with(
        "x\n\nSee [it]({{< ref \"guide/setup#top\" >}}).\n\n{{< box >}}<a href=\"{{< relref \"/guide/setup.md#top\" >}}\">{{< /box >}}\n",
        &resolve,
    );
    assert!(
        out.html.contains("<a href=\"\0guide/setup/#top\">it</a>"),
        "{}",
        out.html
    );
    assert!(
        out.html.contains("<a href=\"\0guide/setup/#top\">"),
        "{}",
        out.html
    );
    assert_eq!(out.links[0].dest, "/guide/setup.md#top");
    assert_eq!(out.links[0].line, 12);
    assert_eq!(out.links[1].line, 14);
}

#[test]
fn params_come_from_the_page_then_the_site() {
    let out = r("{{< param product >}} {{< param n >}} {{< param support >}}\n");
    assert!(out.html.contains("Docket 3 help@x"), "{}", out.html);
    let out = r("{{< param missing >}}\n");
    assert_eq!(out.problems.len(), 1);
}

#[test]
fn escaped_shortcodes_print_and_placeholder_characters_cannot_be_faked() {
    let out = r("Write {{</* box */>}} and \u{1}0\u{2}.\n");
    assert!(out.html.contains("{{&lt; box &gt;}}"), "{}", out.html);
    assert!(!out.html.contains('\u{1}'));
}

//! Hugo shortcodes and GitHub callouts through the real `docket build`:
//! one small site per behaviour, written by the test.

mod support;

use support::{stderr, Site};

/// A site with a Japanese translation configured and `files` written.
fn site(files: &[(&str, &str)]) -> Site {
    let site = Site::empty();
    site.write(
        "docket.toml",
        "[site]\ntitle = \"Help\"\n\n[languages.ja]\ntitle = \"ヘルプ\"\n\n[params]\nsupport = \"help@example.com\"\n",
    );
    for (path, text) in files {
        site.write(path, text);
    }
    site
}

fn failed(site: &Site) -> String {
    let out = site.docket(&["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    stderr(&out)
}

#[test]
fn markdown_shortcodes_render_their_body_html_ones_keep_it_and_they_nest() {
    let site = site(&[
        (
            "templates/shortcodes/box.html",
            "<section class=\"box\" data-kind=\"{{ kind }}\" data-first=\"{{ args.0 }}\">{{ inner | safe }}</section>",
        ),
        (
            "content/a.md",
            "---\ntitle: A\nproduct: Docket\n---\nIntro.\n\n{{% box one kind=\"md\" %}}\nSome **bold** and {{< box two kind=\"html\" >}}*kept*{{< /box >}}.\n{{% /box %}}\n\nProduct: {{< param product >}}, mail {{< param support >}}.\n\n{{< box three kind=\"self\" />}}\n",
        ),
    ]);
    site.build();
    let page = site.read("public/a/index.html");
    assert!(
        page.contains("<section class=\"box\" data-kind=\"md\" data-first=\"one\"><p>Some <strong>bold</strong> and <section class=\"box\" data-kind=\"html\" data-first=\"two\">*kept*</section>.</p>"),
        "{page}"
    );
    assert!(
        page.contains("Product: Docket, mail help@example.com."),
        "{page}"
    );
    assert!(
        page.contains("data-kind=\"self\" data-first=\"three\"></section>"),
        "{page}"
    );
    assert!(!page.contains("{{"), "{page}");
}

#[test]
fn escaped_shortcodes_print_literally_also_in_code() {
    let site = site(&[(
        "content/a.md",
        "---\ntitle: A\n---\nWrite {{</* figure src=\"x.png\" */>}} to add a picture.\n\n```\n{{%/* note */%}}\n```\n",
    )]);
    site.build();
    let page = site.read("public/a/index.html");
    assert!(
        page.contains("Write {{&lt; figure src=&quot;x.png&quot; &gt;}} to add"),
        "{page}"
    );
    assert!(page.contains("<code>{{% note %}}\n</code>"), "{page}");
}

#[test]
fn built_in_shortcodes_render() {
    let site = site(&[
        (
            "content/guide/setup.md",
            "---\ntitle: Setup\n---\n## Install\n\nText.\n",
        ),
        ("static/images/shot.png", "png"),
        (
            "content/a.md",
            "---\ntitle: A\n---\n{{< figure src=\"/images/shot.png\" alt=\"The inbox\" caption=\"Inbox\" width=\"300\" >}}\n\n{{< youtube dQw4w9WgXcQ >}}\n\n{{< vimeo 1234 >}}\n\n{{< highlight rust >}}\nfn main() { let x = 1 < 2; }\n{{< /highlight >}}\n\n{{% details \"More\" %}}\nHidden *text*.\n{{% /details %}}\n\nSee [setup]({{< ref \"guide/setup#install\" >}}) and {{< relref \"/guide/setup.md\" >}}.\n\n{{% warning %}}\nBack up first.\n{{% /warning %}}\n",
        ),
    ]);
    site.build();
    let page = site.read("public/a/index.html");
    for expected in [
        "<img src=\"/images/shot.png\" alt=\"The inbox\" width=\"300\" loading=\"lazy\">",
        "<figcaption>Inbox</figcaption>",
        "href=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1\"",
        "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg",
        "https://player.vimeo.com/video/1234?dnt=1",
        "<pre><code class=\"language-rust\">fn main() { let x = 1 &lt; 2; }\n</code></pre>",
        "<details><summary>More</summary>\n<p>Hidden <em>text</em>.</p>",
        "<a href=\"/guide/setup/#install\">setup</a>",
        "and /guide/setup/.",
        "<div class=\"callout callout-warning\" role=\"note\" aria-label=\"Warning\">",
        "<p>Back up first.</p>",
    ] {
        assert!(page.contains(expected), "{expected}\n{page}");
    }
    let internal = site.read("internal/a/index.html");
    assert!(
        internal.contains("<a href=\"/internal/guide/setup/#install\">setup</a>"),
        "{internal}"
    );
    assert!(
        internal.contains("src=\"/internal/images/shot.png\""),
        "{internal}"
    );
}

#[test]
fn a_broken_ref_fails_the_build_naming_file_and_line() {
    let site = site(&[(
        "content/a.md",
        "---\ntitle: A\n---\nIntro.\n\nSee [it]({{< ref \"nowhere\" >}}).\n",
    )]);
    let err = failed(&site);
    assert!(
        err.contains("content/a.md:6: link to missing file content/nowhere.md"),
        "{err}"
    );
}

#[test]
fn a_ref_from_a_public_article_to_an_internal_one_fails() {
    let site = site(&[
        (
            "content/secret.md",
            "---\ntitle: S\ntags: [internal]\n---\nx\n",
        ),
        (
            "content/a.md",
            "---\ntitle: A\n---\n[s]({{< ref \"secret\" >}})\n",
        ),
    ]);
    let err = failed(&site);
    assert!(
        err.contains("content/a.md:4: public article links to internal article content/secret.md"),
        "{err}"
    );
}

#[test]
fn an_unknown_shortcode_is_an_error_that_says_what_to_add() {
    let site = site(&[(
        "content/a.md",
        "---\ntitle: A\n---\nx\n\n{{< notice warning >}}\n",
    )]);
    let err = failed(&site);
    assert!(
        err.contains(
            "content/a.md:6: unknown shortcode \"notice\" (add templates/shortcodes/notice.html)"
        ),
        "{err}"
    );
}

#[test]
fn a_shortcode_template_error_names_the_article_and_line() {
    let site = site(&[
        ("templates/shortcodes/bad.html", "{{ missing_variable }}"),
        ("content/a.md", "---\ntitle: A\n---\nx\n\ny {{< bad >}}\n"),
        (
            "content/b.md",
            "---\ntitle: B\n---\n{{< figure src=\"x.png\" >}}\n",
        ),
    ]);
    let err = failed(&site);
    assert!(err.contains("content/a.md:6: shortcode \"bad\": "), "{err}");
    assert!(err.contains("missing_variable"), "{err}");
    assert!(
        err.contains("content/b.md:4: shortcode \"figure\": "),
        "{err}"
    );
    assert!(err.contains("figure needs alt"), "{err}");
}

#[test]
fn callouts_render_in_english_and_japanese() {
    let site = site(&[
        (
            "content/a.md",
            "---\ntitle: A\n---\n> [!NOTE]\n> Useful *info*.\n\n> [!CAUTION]\n> Careful.\n\n> plain quote\n",
        ),
        (
            "content/a.ja.md",
            "---\ntitle: A\n---\n> [!TIP]\n> 便利です。\n\n{{% important %}}\n大事です。\n{{% /important %}}\n",
        ),
    ]);
    site.build();
    let en = site.read("public/a/index.html");
    assert!(
        en.contains("<div class=\"callout callout-note\" role=\"note\" aria-label=\"Note\">\n<p class=\"callout-title\">Note</p>\n<p>Useful <em>info</em>.</p>\n</div>"),
        "{en}"
    );
    assert!(en.contains("aria-label=\"Caution\""), "{en}");
    assert!(en.contains("<blockquote>\n<p>plain quote</p>"), "{en}");
    assert!(!en.contains("[!NOTE]"), "{en}");
    let ja = site.read("public/ja/a/index.html");
    assert!(
        ja.contains("<div class=\"callout callout-tip\" role=\"note\" aria-label=\"ヒント\">"),
        "{ja}"
    );
    assert!(ja.contains("aria-label=\"重要\""), "{ja}");
    assert!(ja.contains("<p>大事です。</p>"), "{ja}");
    let css = site.read("public/css/style.css");
    assert!(
        css.contains(".callout-caution"),
        "callout styles ship with the theme"
    );
}

/// Files whose problems Hugo tolerates: each is a warning.
fn site_with_warnings() -> Site {
    site(&[
        ("content/a.md", "---\ntitle: A\naliases: [/old/]\n---\nx\n"),
        (
            "content/b.md",
            "---\ntitle: B\naliases: [/old/]\ntilte: typo\ndescription: \"\"\n---\nx\n\n![shot](/images/missing.png)\n",
        ),
    ])
}

#[test]
fn warnings_are_printed_with_file_and_line_and_counted() {
    let site = site_with_warnings();
    let out = site.build();
    let err = stderr(&out);
    assert!(
        err.contains(
            "content/b.md:3: warning: alias /old/ is also claimed by content/a.md, which keeps it"
        ),
        "{err}"
    );
    assert!(
        err.contains("content/b.md:4: warning: unknown front matter key \"tilte\""),
        "{err}"
    );
    assert!(
        err.contains("content/b.md:5: warning: empty description"),
        "{err}"
    );
    assert!(
        err.contains(
            "content/b.md:9: warning: image to /images/missing.png, which is not in the bundle"
        ),
        "{err}"
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains(", 4 warnings"), "{summary}");
    let redirect = site.read("public/old/index.html");
    assert!(
        redirect.contains("/a/"),
        "the first article by path keeps the alias: {redirect}"
    );
}

#[test]
fn strict_builds_fail_on_warnings() {
    let site = site_with_warnings();
    let out = site.docket(&["build", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("content/b.md:4: unknown front matter key \"tilte\""),
        "{err}"
    );
    assert!(err.contains("(--strict)"), "{err}");
    assert!(err.contains("4 content errors"), "{err}");
    assert!(!site.exists("public"));
    let check = site.docket(&["check", "--strict"]);
    assert_eq!(check.status.code(), Some(1));
}

#[test]
fn docket_new_writes_a_draft_and_a_translation_sharing_its_key() {
    let site = site(&[(
        "content/billing/refund-policy.md",
        "---\ntitle: Refunds\ntranslationKey: refunds\n---\nx\n",
    )]);
    let out = site.docket(&["new", "billing/reset-your_password.md"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = site.read("content/billing/reset-your_password.md");
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        text,
        format!("---\ntitle: \"Reset your password\"\ndate: {today}\ndraft: true\n---\n\n")
    );
    let out = site.docket(&[
        "new",
        "billing/refund-policy.md",
        "--lang",
        "ja",
        "--internal",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ja = site.read("content/billing/refund-policy.ja.md");
    assert!(ja.contains("translationKey: \"refunds\"\n"), "{ja}");
    assert!(ja.contains("tags: [\"internal\"]\n"), "{ja}");
    let again = site.docket(&["new", "billing/reset-your_password.md"]);
    assert_eq!(again.status.code(), Some(1), "never overwrites");
    site.write(
        "archetypes/default.md",
        "---\ntitle: \"{{ replace .File.ContentBaseName \"-\" \" \" | title }}\"\ndate: {{ .Date }}\ndescription: Describe it\nweight: 10\n---\n## Steps\n",
    );
    let out = site.docket(&["new", "faq/contact"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        site.read("content/faq/contact.md"),
        format!("---\ntitle: \"Contact\"\ndate: {today}\ndraft: true\ndescription: Describe it\nweight: 10\n---\n## Steps\n")
    );
    let drafts = site.docket(&["build", "--drafts", "--strict"]);
    assert!(drafts.status.success(), "{}", stderr(&drafts));
}

#[test]
fn a_hugo_knowledge_base_migrates_with_no_warnings_and_no_raw_shortcodes() {
    let site = Site::fixture("hugo_kb");
    let out = site.docket(&["build", "--strict"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let mut pages = 0;
    for bundle in ["public", "internal"] {
        for (path, bytes) in site.files(bundle) {
            if path.ends_with(".html") {
                pages += 1;
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains("{{<") && !text.contains("{{%") && !text.contains("{{&lt;"),
                    "raw shortcode in {bundle}/{path}:\n{text}"
                );
            }
        }
    }
    assert!(pages > 10, "{pages}");
    let page = site.read("public/account/reset-password/index.html");
    assert!(page.contains("callout-note"), "{page}");
    assert!(page.contains("<figure>"), "{page}");
    assert!(site.exists("public/account/reset-password/screen.png"));
    assert!(site
        .read("public/password/index.html")
        .contains("/account/reset-password/"));
    assert!(
        site.exists("public/kb/billing-faq/index.html"),
        "url: is kept"
    );
}

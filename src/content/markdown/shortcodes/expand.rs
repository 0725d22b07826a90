//! Expanding a parsed shortcode tree while rendering Markdown.
//!
//! Each call is rendered to HTML first (its `{{% %}}` body through
//! Markdown, its `{{< >}}` body as written); in the Markdown the call is
//! replaced by a placeholder — `\u{1}N\u{2}`, characters removed from the
//! input beforehand — followed by as many line breaks as the call spanned,
//! so the lines of later links stay right. After pulldown-cmark ran, each
//! placeholder (with the `<p>` around it when it stood alone) is replaced
//! by its HTML, and in the plain text by the call's text.

use serde_json::{Map, Value};

use super::{parse, Call, Delim, Node};
use crate::content::markdown::{
    self, attr, callout_open, collapse_whitespace, Context, Link, Problem, Rendered, CALLOUT_KINDS,
    ROOT_MARK,
};

const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

/// The shortcode templates (the theme's Tera, see
/// [`crate::render::Theme`]).
pub trait Templates: Sync {
    /// Whether `templates/shortcodes/NAME.html` exists.
    fn has_shortcode(&self, name: &str) -> bool;
    /// Renders shortcode `name` with `vars`; the error is one line.
    fn render_shortcode(&self, name: &str, vars: &Value) -> Result<String, String>;
}

/// What shortcodes see besides their arguments.
pub struct Env<'a> {
    /// The templates.
    pub templates: &'a dyn Templates,
    /// The page's data (`page` in templates; `page.params` holds the front
    /// matter's other fields), built only for pages with shortcodes.
    pub page: &'a (dyn Fn() -> Value + Sync),
    /// The site's data (`site`; `site.params` from `[params]`).
    pub site: &'a Value,
}

/// Renders `text`, which may contain shortcodes.
pub fn render(text: &str, ctx: &Context<'_>, env: &Env<'_>) -> Rendered {
    let text: String = text
        .chars()
        .map(|c| match c {
            OPEN | CLOSE | ROOT_MARK => '\u{fffd}',
            c => c,
        })
        .collect();
    let nodes = match parse(&text) {
        Ok(nodes) => nodes,
        Err(e) => {
            let mut r = markdown::render_markdown(&text, ctx);
            r.problems.push(Problem {
                line: ctx.first_line + e.line,
                message: e.message,
            });
            return r;
        }
    };
    let mut ex = Expander {
        ctx,
        env,
        page: None,
        outputs: Vec::new(),
        links: Vec::new(),
        problems: Vec::new(),
    };
    let md = ex.markdown_of(&nodes);
    let mut r = markdown::render_markdown(&md, ctx);
    ex.finish(&mut r);
    r
}

/// A rendered call: its HTML and its plain text (for search).
struct Output {
    html: String,
    plain: String,
}

struct Expander<'c, 'e> {
    ctx: &'c Context<'c>,
    env: &'e Env<'e>,
    page: Option<Value>,
    outputs: Vec<Output>,
    links: Vec<Link>,
    problems: Vec<Problem>,
}

impl Expander<'_, '_> {
    /// Markdown with a placeholder for every call.
    fn markdown_of(&mut self, nodes: &[Node]) -> String {
        let mut md = String::new();
        for node in nodes {
            match node {
                Node::Text(t) => md.push_str(t),
                Node::Call(call) if is_ref(call) && in_link_destination(&md) => {
                    // As a link's destination a reference becomes the `.md`
                    // path itself, so `[text]({{< ref "x" >}})` is an
                    // ordinary link: rewritten, recorded and checked as one.
                    if let Some(dest) = self.ref_dest(call) {
                        md.push_str(&dest);
                    }
                }
                Node::Call(call) => {
                    let out = self.call(call);
                    self.outputs.push(out);
                    md.push(OPEN);
                    md.push_str(&(self.outputs.len() - 1).to_string());
                    md.push(CLOSE);
                    for _ in call.line..call.end_line {
                        md.push('\n');
                    }
                }
            }
        }
        md
    }

    /// Text with every call's HTML in place (the body of `{{< >}}`).
    fn raw_of(&mut self, nodes: &[Node]) -> (String, String) {
        let mut html = String::new();
        let mut plain = String::new();
        for node in nodes {
            match node {
                Node::Text(t) => {
                    html.push_str(t);
                    plain.push_str(t);
                }
                Node::Call(call) => {
                    let out = self.call(call);
                    html.push_str(&out.html);
                    plain.push_str(&out.plain);
                }
            }
        }
        (html, plain)
    }

    fn line(&self, rel: usize) -> usize {
        self.ctx.first_line + rel
    }

    fn problem(&mut self, call: &Call, message: String) -> Output {
        self.problems.push(Problem {
            line: self.line(call.line),
            message,
        });
        Output {
            html: String::new(),
            plain: String::new(),
        }
    }

    /// Renders one call (its body first).
    fn call(&mut self, call: &Call) -> Output {
        let inner = call.inner.as_ref().map(|nodes| match call.delim {
            Delim::Html => self.raw_of(nodes),
            Delim::Markdown => {
                let md = self.markdown_of(nodes);
                let ctx = Context {
                    resolve: self.ctx.resolve,
                    first_line: self.line(call.inner_line),
                    lang: self.ctx.lang,
                    shortcodes: None,
                };
                let mut r = markdown::render_markdown(&md, &ctx);
                self.finish(&mut r);
                (r.html, r.text.to_string())
            }
        });
        let (inner_html, inner_plain) = match inner {
            Some((h, p)) => (Some(h), p),
            None => (None, String::new()),
        };
        let name = call.name.as_str();
        let templates = self.env.templates;
        match name {
            "ref" | "relref" => return self.reference(call),
            "param" => return self.param(call),
            _ => {}
        }
        if !templates.has_shortcode(name) {
            if CALLOUT_KINDS.contains(&name) {
                let mut html = callout_open(name, self.ctx.lang);
                html.push_str(inner_html.as_deref().unwrap_or_default());
                html.push_str("</div>\n");
                return Output {
                    html,
                    plain: inner_plain,
                };
            }
            return self.problem(
                call,
                format!("unknown shortcode \"{name}\" (add templates/shortcodes/{name}.html)"),
            );
        }
        let vars = self.vars(call, inner_html);
        match templates.render_shortcode(name, &vars) {
            Ok(html) => Output {
                html,
                plain: inner_plain,
            },
            Err(e) => self.problem(call, format!("shortcode \"{name}\": {e}")),
        }
    }

    /// The template's variables: named arguments by name, positional ones
    /// as `args`, the body as `inner`, plus `page` and `site`. `src` and
    /// `link` arguments that point into the site are rewritten like
    /// Markdown links (and checked like them).
    fn vars(&mut self, call: &Call, inner: Option<String>) -> Value {
        let mut vars = Map::new();
        for (key, value) in &call.named {
            let value = if key == "src" || key == "link" {
                self.site_link(value, call.line, key == "src")
            } else {
                value.clone()
            };
            vars.insert(key.clone(), Value::String(value));
        }
        vars.insert(
            "args".to_owned(),
            Value::Array(call.positional.iter().cloned().map(Value::String).collect()),
        );
        vars.insert("inner".to_owned(), inner.map_or(Value::Null, Value::String));
        vars.insert("name".to_owned(), Value::String(call.name.clone()));
        vars.insert("page".to_owned(), self.page().clone());
        vars.insert("site".to_owned(), self.env.site.clone());
        Value::Object(vars)
    }

    fn page(&mut self) -> &Value {
        self.page.get_or_insert_with(|| (self.env.page)())
    }

    /// Records a destination as a link and returns it rewritten (with the
    /// bundle root mark) when it points into the site.
    fn site_link(&mut self, dest: &str, line: usize, image: bool) -> String {
        self.links.push(Link {
            dest: dest.to_owned(),
            line: self.line(line),
            image,
        });
        match (self.ctx.resolve)(dest) {
            Some(path) => format!("{ROOT_MARK}{path}"),
            None => dest.to_owned(),
        }
    }

    /// The `.md` destination a `ref` / `relref` names: `name` and
    /// `/path/name` may leave out `.md` (or name a page bundle's or
    /// category's folder); a relative path that names nothing next to the
    /// page is taken from `content/` (as in Hugo).
    fn ref_dest(&mut self, call: &Call) -> Option<String> {
        let Some(target) = call
            .positional
            .first()
            .or_else(|| call.named.iter().find(|(k, _)| k == "path").map(|(_, v)| v))
        else {
            self.problem(
                call,
                format!("shortcode \"{}\" needs the article's path", call.name),
            );
            return None;
        };
        let (path, fragment) = match target.find('#') {
            Some(i) => target.split_at(i),
            None => (target.as_str(), ""),
        };
        if path.is_empty() || path.ends_with(".md") {
            return Some(
                self.first_resolved(std::slice::from_ref(target))
                    .unwrap_or_else(|| target.clone()),
            );
        }
        let bare = path.trim_end_matches('/');
        let candidates = [
            format!("{bare}.md{fragment}"),
            format!("{bare}/index.md{fragment}"),
            format!("{bare}/_index.md{fragment}"),
        ];
        Some(
            self.first_resolved(&candidates)
                .unwrap_or_else(|| candidates[0].clone()),
        )
    }

    /// The first candidate that names an article, tried next to the page
    /// and then from `content/`.
    fn first_resolved(&self, candidates: &[String]) -> Option<String> {
        for dest in candidates {
            if (self.ctx.resolve)(dest).is_some() {
                return Some(dest.clone());
            }
            if !dest.starts_with('/') {
                let absolute = format!("/{dest}");
                if (self.ctx.resolve)(&absolute).is_some() {
                    return Some(absolute);
                }
            }
        }
        None
    }

    /// `ref` / `relref` inside an HTML shortcode's body: the URL itself,
    /// recorded and checked like a `.md` link.
    fn reference(&mut self, call: &Call) -> Output {
        let Some(dest) = self.ref_dest(call) else {
            return Output {
                html: String::new(),
                plain: String::new(),
            };
        };
        let url = self.site_link(&dest, call.line, false);
        Output {
            html: attr(&url),
            plain: String::new(),
        }
    }

    /// `param "key"`: a front matter field (dotted keys reach into maps),
    /// else a site parameter.
    fn param(&mut self, call: &Call) -> Output {
        let Some(key) = call.positional.first().cloned() else {
            return self.problem(call, "shortcode \"param\" needs a key".to_owned());
        };
        let lookup = |root: &Value| -> Option<Value> {
            key.split('.')
                .try_fold(root, |v, k| v.get(k))
                .filter(|v| !v.is_null())
                .cloned()
        };
        let found = lookup(&self.page()["params"]).or_else(|| lookup(&self.env.site["params"]));
        match found {
            Some(Value::String(s)) => Output {
                html: attr(&s),
                plain: s,
            },
            Some(other) => {
                let s = other.to_string();
                Output {
                    html: attr(&s),
                    plain: s,
                }
            }
            None => self.problem(
                call,
                format!("param \"{key}\" is neither in the front matter nor in [params]"),
            ),
        }
    }

    /// Puts the calls' HTML and text in place of their placeholders.
    fn finish(&mut self, r: &mut Rendered) {
        r.html = substitute(
            &r.html,
            |i| self.outputs.get(i).map(|o| o.html.as_str()),
            true,
        );
        let plain = substitute(
            &r.text,
            |i| self.outputs.get(i).map(|o| o.plain.as_str()),
            false,
        );
        r.text = collapse_whitespace(&plain).into();
        r.summary = collapse_whitespace(&substitute(
            &r.summary,
            |i| self.outputs.get(i).map(|o| o.plain.as_str()),
            false,
        ));
        for entry in &mut r.toc {
            entry.title = substitute(
                &entry.title,
                |i| self.outputs.get(i).map(|o| o.plain.as_str()),
                false,
            );
        }
        r.links.append(&mut self.links);
        r.problems.append(&mut self.problems);
    }
}

/// Whether Markdown ending in `md` is inside a link's destination
/// (`[text](` or a reference definition `[id]: `).
fn in_link_destination(md: &str) -> bool {
    let before = md.trim_end_matches([' ', '<']);
    before.ends_with("](") || before.ends_with("]:")
}

fn is_ref(call: &Call) -> bool {
    matches!(call.name.as_str(), "ref" | "relref")
}

/// `text` with each placeholder replaced by `with(n)`; with `unwrap`, a
/// placeholder that is a whole paragraph loses its `<p>`.
fn substitute<'o>(text: &str, with: impl Fn(usize) -> Option<&'o str>, unwrap: bool) -> String {
    if !text.contains(OPEN) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let Some(len) = rest[start..].find(CLOSE) else {
            break;
        };
        let number = &rest[start + 1..start + len];
        let after = &rest[start + len + 1..];
        let mut before = &rest[..start];
        let mut after_skip = 0;
        if unwrap && before.ends_with("<p>") && after.starts_with("</p>") {
            before = &before[..before.len() - 3];
            after_skip = 4;
        }
        out.push_str(before);
        if let Some(html) = number.parse().ok().and_then(&with) {
            out.push_str(html);
        }
        rest = &after[after_skip..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;

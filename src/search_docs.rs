//! What the search index needs to know about each article of a bundle,
//! taken from that bundle's model only (so the public index cannot contain
//! an internal article). The search module turns these into index files.

use serde::Serialize;

use crate::bundle::Bundle;
use crate::render::views::summary_of;

/// One article as the search index sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SearchDoc {
    /// Link, starting with the bundle root.
    pub url: String,
    /// Title.
    pub title: String,
    /// Language code.
    pub lang: String,
    /// Category breadcrumb text, e.g. `Ticket System › Customer Portal`.
    pub path: String,
    /// Description or first paragraph.
    pub description: String,
    /// Keywords from the front matter.
    pub keywords: Vec<String>,
    /// Level 2–3 headings.
    pub headings: Vec<String>,
    /// Plain text of the body.
    pub text: String,
    /// Whether the article is internal (only ever true in the internal
    /// bundle).
    pub internal: bool,
}

/// One [`SearchDoc`] per article of `bundle`, in URL order.
pub fn search_docs(bundle: &Bundle<'_>) -> Vec<SearchDoc> {
    bundle
        .articles
        .iter()
        .map(|a| SearchDoc {
            url: format!("{}{}", bundle.root, a.url),
            title: a.title.clone(),
            lang: a.lang.clone(),
            path: breadcrumb_text(bundle, &a.lang, a.category.as_deref()),
            description: summary_of(a).to_owned(),
            keywords: a.front.keywords.clone(),
            headings: a.rendered.toc.iter().map(|t| t.title.clone()).collect(),
            text: a.rendered.text.clone(),
            internal: a.internal,
        })
        .collect()
}

fn breadcrumb_text(bundle: &Bundle<'_>, lang: &str, category: Option<&str>) -> String {
    let Some(path) = category else {
        return String::new();
    };
    let mut parts = Vec::new();
    let mut end = 0;
    for seg in path.split('/') {
        end += seg.len();
        let sub = &path[..end];
        end += 1;
        parts.push(
            bundle
                .taxonomy
                .category(lang, sub)
                .map_or_else(|| crate::taxonomy::title_case(sub), |c| c.title.clone()),
        );
    }
    parts.join(" › ")
}

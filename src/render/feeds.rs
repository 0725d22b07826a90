//! Files for machines, public bundle only: `sitemap.xml` (absolute URLs
//! from `base_url`), the Atom `feed.xml` and `robots.txt`. Pure functions
//! from the bundle model to text.

use crate::model::bundle::Bundle;
use crate::render::views::{iso, summary_of};
use crate::urls::{category_path, tag_path};

/// How many entries the Atom feed carries.
pub const FEED_ENTRIES: usize = 30;

fn xml(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// `sitemap.xml`: home pages, articles, categories and tags. A page with
/// versions in other languages lists them all (its own included) as
/// `xhtml:link` alternates, with `x-default` for the default language's.
pub fn sitemap(bundle: &Bundle<'_>, base_url: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let absolute = |path: &str| xml(&format!("{base_url}/{path}"));
    let mut url = |path: &str, lastmod: Option<String>, versions: &[(&str, String)]| {
        out.push_str(&format!("<url><loc>{}</loc>", absolute(path)));
        if let Some(l) = lastmod {
            out.push_str(&format!("<lastmod>{l}</lastmod>"));
        }
        if versions.len() > 1 {
            let default = versions
                .iter()
                .find(|(lang, _)| *lang == bundle.default_language)
                .map(|(_, path)| ("x-default", path.clone()));
            for (lang, path) in versions.iter().cloned().chain(default) {
                out.push_str(&format!(
                    "\n  <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    xml(lang),
                    absolute(&path)
                ));
            }
            out.push('\n');
        }
        out.push_str("</url>\n");
    };
    let homes: Vec<(&str, String)> = bundle
        .languages()
        .iter()
        .map(|lang| (*lang, bundle.lang_prefix(lang)))
        .collect();
    for (_, path) in &homes {
        url(path, None, &homes);
    }
    for (i, a) in bundle.articles.iter().enumerate() {
        let mut versions: Vec<(&str, String)> = bundle
            .translations_of(i)
            .into_iter()
            .map(|t| (t.lang.as_str(), t.url.clone()))
            .collect();
        versions.push((a.lang.as_str(), a.url.clone()));
        versions.sort();
        url(&a.url, a.date_or_lastmod().map(iso), &versions);
    }
    for cat in bundle.taxonomy.categories.values() {
        url(
            &category_path(&bundle.lang_prefix(&cat.lang), &cat.path),
            None,
            &[],
        );
    }
    for (lang, tag) in bundle.taxonomy.tags.keys() {
        url(&tag_path(&bundle.lang_prefix(lang), tag), None, &[]);
    }
    out.push_str("</urlset>\n");
    out
}

/// Atom feed of the most recently updated articles of the default language.
pub fn atom(bundle: &Bundle<'_>, base_url: &str, title: &str) -> String {
    let recent = bundle.recent(bundle.default_language, FEED_ENTRIES);
    let updated = recent
        .first()
        .and_then(|a| a.date_or_lastmod())
        .map_or_else(|| "1970-01-01T00:00:00Z".to_owned(), iso);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>{}</title>\n<id>{base_url}/</id>\n<link href=\"{base_url}/\"/>\n<link rel=\"self\" href=\"{base_url}/feed.xml\"/>\n<updated>{updated}</updated>\n",
        xml(title)
    );
    for a in recent {
        let link = xml(&format!("{base_url}/{}", a.url));
        let when = a.date_or_lastmod().map_or_else(|| updated.clone(), iso);
        out.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{link}</id>\n<link href=\"{link}\"/>\n<updated>{when}</updated>\n<summary>{}</summary>\n</entry>\n",
            xml(&a.title),
            xml(summary_of(a))
        ));
    }
    out.push_str("</feed>\n");
    out
}

/// `robots.txt` allowing everything and naming the sitemap.
pub fn robots(base_url: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {base_url}/sitemap.xml\n")
}

//! docket's URL scheme in one place: where category, tag, paged listing,
//! alias and language-prefixed pages live in a bundle, and how a category
//! path breaks into its ancestors. Every path here is bundle-relative,
//! `/`-separated, without a leading slash; folder paths end in `/`.
//!
//! The model, the renderer, the search index and `docket serve` all ask
//! this module, so a page is found where it is written.

/// Turns a file or folder name into a URL segment: spaces become `-`;
/// everything else is kept (Hugo keeps names as written).
pub fn url_segment(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect()
}

/// Normalizes a slash path: no empty segments, no leading or trailing `/`.
pub fn clean_path(path: &str) -> String {
    path.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(url_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// The folder under which page N (N ≥ 2) of a listing lives: `page/2/`.
const PAGES_FOLDER: &str = "page";

/// The prefix of a language's pages: empty for the default language,
/// `ja/` for another.
pub fn lang_prefix(lang: &str, default_language: &str) -> String {
    if lang == default_language {
        String::new()
    } else {
        format!("{lang}/")
    }
}

/// A category's listing folder: `categories/guides/setup/` (with the
/// language prefix in front).
pub fn category_path(lang_prefix: &str, path: &str) -> String {
    format!("{lang_prefix}categories/{path}/")
}

/// A tag's listing folder: `tags/billing/` (with the language prefix).
pub fn tag_path(lang_prefix: &str, tag: &str) -> String {
    format!("{lang_prefix}tags/{}/", tag_segment(tag))
}

/// A tag as one URL segment: characters that would end or split a path
/// (`/ ? # % \` and spaces) become `-`.
pub fn tag_segment(tag: &str) -> String {
    url_segment(tag)
        .chars()
        .map(|c| match c {
            '/' | '?' | '#' | '%' | '\\' => '-',
            c => c,
        })
        .collect()
}

/// The folder of page `number` of the listing in `dir`: `dir` itself for
/// page 1, `dir/page/N/` after.
pub fn page_dir(dir: &str, number: usize) -> String {
    if number <= 1 {
        dir.to_owned()
    } else {
        format!("{dir}{PAGES_FOLDER}/{number}/")
    }
}

/// The parent category path and page number whose page folder the
/// category path `category` would be (`guides/page/2` → `("guides",
/// "2")`), if it is one.
pub fn page_folder_of(category: &str) -> Option<(&str, &str)> {
    let (rest, number) = category.rsplit_once('/')?;
    let parent = rest.strip_suffix(PAGES_FOLDER)?.strip_suffix('/')?;
    let numeric = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
    numeric.then_some((parent, number))
}

/// The file of a folder page: `dir/index.html`.
pub fn index_file(dir: &str) -> String {
    format!("{dir}index.html")
}

/// The URL path an alias answers at: `old/path/`, or `old.html` as
/// written when it names a file.
pub fn alias_path(alias: &str) -> String {
    let path = clean_path(alias);
    if path.ends_with(".html") || path.is_empty() {
        path
    } else {
        format!("{path}/")
    }
}

/// The bundle file an alias's redirect page is written to:
/// `old/path/index.html`, or `old.html` as written.
pub fn alias_file(alias: &str) -> String {
    let path = alias_path(alias);
    if path.ends_with(".html") {
        path
    } else {
        index_file(&path)
    }
}

/// A category path and each of its ancestors, outermost first:
/// `a/b/c` → `a`, `a/b`, `a/b/c`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(at, _)| &path[..at])
        .chain(std::iter::once(path))
        .filter(|p| !p.is_empty())
}

/// Whether the category `path` is `ancestor` or lies below it (every path
/// lies below the root, `""`).
pub fn is_within(path: &str, ancestor: &str) -> bool {
    ancestor.is_empty()
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_segments_keep_names_but_not_spaces() {
        assert_eq!(url_segment("My Page"), "My-Page");
        assert_eq!(url_segment("faq"), "faq");
        assert_eq!(url_segment("よくある質問"), "よくある質問");
    }

    #[test]
    fn paths_are_cleaned_of_empty_segments() {
        assert_eq!(clean_path("/a//b/"), "a/b");
        assert_eq!(clean_path(""), "");
    }

    #[test]
    fn the_default_language_has_no_prefix() {
        assert_eq!(lang_prefix("en", "en"), "");
        assert_eq!(lang_prefix("ja", "en"), "ja/");
        assert_eq!(
            category_path("ja/", "guides/setup"),
            "ja/categories/guides/setup/"
        );
        assert_eq!(tag_path("", "Two words/x"), "tags/Two-words-x/");
    }

    #[test]
    fn page_one_is_the_listing_folder_itself() {
        assert_eq!(page_dir("tags/a/", 1), "tags/a/");
        assert_eq!(page_dir("tags/a/", 3), "tags/a/page/3/");
        assert_eq!(page_folder_of("guides/page/2"), Some(("guides", "2")));
        assert_eq!(page_folder_of("a/b/page/10"), Some(("a/b", "10")));
        assert_eq!(page_folder_of("guides/page"), None);
        assert_eq!(page_folder_of("guides/page/two"), None);
        assert_eq!(page_folder_of("page/2"), None);
        assert_eq!(page_folder_of("guides/xpage/2"), None);
        assert_eq!(page_folder_of("guides/page/2/more"), None);
        assert_eq!(page_dir("ja/tags/x/", 12), "ja/tags/x/page/12/");
    }

    #[test]
    fn aliases_are_folders_unless_they_name_a_file() {
        assert_eq!(alias_path("/old/path"), "old/path/");
        assert_eq!(alias_file("/old/path/"), "old/path/index.html");
        assert_eq!(alias_path("legacy.html"), "legacy.html");
        assert_eq!(alias_file("legacy.html"), "legacy.html");
        assert_eq!(alias_file("/"), "index.html");
    }

    #[test]
    fn ancestors_come_outermost_first() {
        assert_eq!(
            ancestors("a/b/c").collect::<Vec<_>>(),
            ["a", "a/b", "a/b/c"]
        );
        assert_eq!(ancestors("top").collect::<Vec<_>>(), ["top"]);
        assert_eq!(ancestors("").count(), 0);
    }

    #[test]
    fn within_means_the_path_or_below_it() {
        assert!(is_within("a/b", ""));
        assert!(is_within("a/b", "a"));
        assert!(is_within("a", "a"));
        assert!(!is_within("ab", "a"));
        assert!(!is_within("a", "a/b"));
    }
}

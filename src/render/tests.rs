//! Unit tests of the parent module.

use super::theme::{escape_html, BUILT_IN};
use super::*;

#[test]
fn escaping_leaves_slashes_alone() {
    assert_eq!(
        escape_html("<a href=\"/x/\">&'"),
        "&lt;a href=&quot;/x/&quot;&gt;&amp;&#39;"
    );
    assert_eq!(escape_html("日本語 & <b>"), "日本語 &amp; &lt;b&gt;");
    assert_eq!(escape_html("plain"), "plain");
}

/// The files under `themes/default/<folder>`, as sorted `/` paths,
/// leaving out the sub-folder `skip` (the sidecar's portal templates).
fn default_theme_files(folder: &str, skip: &str) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("themes/default")
        .join(folder);
    let mut files: Vec<String> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(&root).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
        .filter(|rel| !rel.starts_with(skip))
        .collect();
    files.sort();
    files
}

fn sorted_names(files: &[(&str, &str)]) -> Vec<String> {
    let mut names: Vec<String> = files.iter().map(|(n, _)| (*n).to_owned()).collect();
    names.sort();
    names
}

/// Every file of the default theme is built in, so a site without a
/// theme folder gets the same pages (and nothing is left out or stale).
#[test]
fn the_built_in_theme_is_the_default_theme_folder() {
    assert_eq!(
        sorted_names(BUILT_IN_STATIC),
        default_theme_files("static", "\0")
    );
    assert_eq!(
        sorted_names(BUILT_IN),
        default_theme_files("templates", "portal/")
    );
}

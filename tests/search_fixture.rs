//! The index of `tests/search/fixture/docs.json`, committed under
//! `tests/search/fixture/index/`, is what `build_index` writes today. The
//! node test (`tests/search/engine.test.js`) runs the script's query engine
//! on those files, so the Rust writer and the JS reader are tested against
//! the same bytes. After an intended format change, regenerate with
//! `DOCKET_UPDATE_SEARCH_FIXTURE=1 cargo test --test search_fixture`.

use std::path::{Path, PathBuf};

use docket::search::{build_index_with, IndexOptions, SearchDoc};
use serde::Deserialize;

#[derive(Deserialize)]
struct FixtureDoc {
    url: String,
    lang: String,
    title: String,
    breadcrumb: String,
    description: String,
    keywords: Vec<String>,
    headings: Vec<String>,
    body: String,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search/fixture")
}

fn fixture_docs() -> Vec<SearchDoc> {
    let text =
        std::fs::read_to_string(fixture_dir().join("docs.json")).expect("docs.json is readable");
    let docs: Vec<FixtureDoc> = serde_json::from_str(&text).expect("docs.json parses");
    docs.into_iter()
        .map(|d| SearchDoc {
            url: d.url,
            title: d.title,
            lang: d.lang,
            breadcrumb: d.breadcrumb,
            description: d.description,
            keywords: d.keywords,
            headings: d.headings,
            body: d.body.into(),
        })
        .collect()
}

#[test]
fn the_committed_fixture_index_is_what_the_builder_writes() {
    let index_dir = fixture_dir().join("index");
    // Small files, so the script's reader meets several shards and chunks.
    let options = IndexOptions {
        shard_target_bytes: 200,
        chunk_docs: 2,
    };
    let files = build_index_with(&fixture_docs(), &options);
    if std::env::var_os("DOCKET_UPDATE_SEARCH_FIXTURE").is_some() {
        let _ = std::fs::remove_dir_all(&index_dir);
        for file in &files {
            let path = index_dir.join(&file.path);
            std::fs::create_dir_all(path.parent().expect("index files live in folders"))
                .expect("mkdir");
            std::fs::write(&path, &file.bytes).expect("write fixture file");
        }
    }
    let mut stale = Vec::new();
    for file in &files {
        match std::fs::read(index_dir.join(&file.path)) {
            Ok(bytes) if bytes == file.bytes => {}
            _ => stale.push(file.path.clone()),
        }
    }
    let on_disk = walk(&index_dir);
    assert!(
        stale.is_empty() && on_disk.len() == files.len(),
        "the fixture index is stale ({stale:?}, {} files on disk, {} built); \
         run DOCKET_UPDATE_SEARCH_FIXTURE=1 cargo test --test search_fixture",
        on_disk.len(),
        files.len()
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

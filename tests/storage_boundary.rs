//! The sidecar's storage boundary, pinned: every SQL statement and every
//! use of rusqlite lives under `sidecar/src/db/`, so that a second
//! database backend (PostgreSQL, for more than one machine) is written
//! once, behind the same functions, instead of hunted for across handlers,
//! mail and the command line.

use std::path::{Path, PathBuf};

/// What marks a file as talking to SQLite itself.
const MARKERS: [&str; 6] = [
    "rusqlite",
    "\"SELECT ",
    "\"INSERT ",
    "\"UPDATE ",
    "\"DELETE ",
    "execute_batch(",
];

#[test]
fn only_the_store_speaks_sql() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sidecar/src");
    let found = sql_outside_store(&root);
    assert!(
        found.is_empty(),
        "SQL outside sidecar/src/db/ (move it behind a Db method):\n{}",
        found
            .iter()
            .map(|(path, line, marker)| format!("  {}:{line}: {marker}", path.display()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_handler_with_its_own_query_is_found() {
    // The check itself must be able to fail.
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("db/tickets.rs", "use rusqlite::params;\n");
    write(
        "handlers/shortcut.rs",
        "fn f(c: &C) { c.query(\"SELECT * FROM tickets\"); }\n",
    );
    let found = sql_outside_store(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.ends_with("handlers/shortcut.rs"));
    assert_eq!(found[0].1, 1);
}

/// Every line of a `.rs` file below `root` but outside `root/db/` that
/// holds one of [`MARKERS`]: (file, line number, marker).
fn sql_outside_store(root: &Path) -> Vec<(PathBuf, usize, &'static str)> {
    let store = root.join("db");
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.expect("walk the source tree");
        let path = entry.path();
        if path.starts_with(&store) || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read a source file");
        for (n, line) in text.lines().enumerate() {
            if let Some(marker) = MARKERS.iter().find(|m| line.contains(*m)) {
                found.push((path.to_path_buf(), n + 1, *marker));
            }
        }
    }
    found
}

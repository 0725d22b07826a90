//! The repository's own example site builds without errors, and none of
//! its internal articles reaches the public bundle.

use std::process::Command;

#[test]
fn the_example_site_builds_and_keeps_internal_articles_internal() {
    let root = env!("CARGO_MANIFEST_DIR");
    if !std::path::Path::new(root).join("content").is_dir() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["build", "--site", root, "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.path().join("public/index.html").is_file());
    assert!(out.path().join("internal/index.html").is_file());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.starts_with("built "), "{stdout}");
}

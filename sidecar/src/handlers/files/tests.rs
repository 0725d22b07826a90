//! Unit tests of the parent module.

use super::*;

fn bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("bundle/a")).unwrap();
    std::fs::write(dir.path().join("bundle/index.html"), "home").unwrap();
    std::fs::write(dir.path().join("bundle/a/index.html"), "a").unwrap();
    std::fs::write(dir.path().join("bundle/a/x.css"), "x").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    dir
}

#[test]
fn plain_paths_resolve_and_folders_use_index_html() {
    let dir = bundle();
    let root = dir.path().join("bundle");
    assert!(matches!(resolve(&root, "/"), Resolved::File(p) if p.ends_with("bundle/index.html")));
    assert!(matches!(resolve(&root, "/a/"), Resolved::File(p) if p.ends_with("a/index.html")));
    assert_eq!(resolve(&root, "/a"), Resolved::AddSlash);
    assert!(matches!(resolve(&root, "/a/x.css"), Resolved::File(_)));
    assert_eq!(resolve(&root, "/a/x.css/"), Resolved::Missing);
}

#[test]
fn nothing_outside_the_bundle_resolves() {
    let dir = bundle();
    let root = dir.path().join("bundle");
    for attack in [
        "/../secret.txt",
        "/a/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/%252e%252e/secret.txt",
        "/..%5csecret.txt",
        "/a\\..\\..\\secret.txt",
        "//secret.txt",
        "/a//x.css",
        "/.%2e/secret.txt",
        "/a/%00",
        "relative",
    ] {
        assert_eq!(resolve(&root, attack), Resolved::Missing, "{attack}");
    }
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_bundle_are_refused() {
    let dir = bundle();
    let root = dir.path().join("bundle");
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
    assert_eq!(resolve(&root, "/leak.txt"), Resolved::Missing);
    assert_eq!(resolve(&root, "/up/secret.txt"), Resolved::Missing);
}

#[cfg(unix)]
#[test]
fn only_settled_files_on_plain_paths_get_a_cache_stamp() {
    let dir = bundle();
    let root = dir.path().join("bundle");
    std::os::unix::fs::symlink(root.join("a"), root.join("b")).unwrap();
    let stamped = |url: &str| {
        let key = cache_key(&root, url).unwrap();
        match find_and_load(&root, url, Some(&key)).unwrap() {
            Found::File(_, stamp) => stamp.is_some(),
            _ => panic!("{url} not found"),
        }
    };
    assert!(!stamped("/a/x.css"), "too fresh");
    std::thread::sleep(std::time::Duration::from_millis(2200));
    assert!(stamped("/a/x.css"));
    assert!(stamped("/a/"));
    assert!(stamped("/"));
    assert!(!stamped("/b/x.css"), "through a symlink");
    assert!(cache_key(&root, "/../secret.txt").is_none());
    assert!(cache_key(&root, "/a//x.css").is_none());
}

//! Unit tests of the parent module.

use super::*;

#[test]
fn file_names_give_kind_and_stem() {
    assert_eq!(split_name("a/_index.md"), ("_index", Kind::Intro));
    assert_eq!(split_name("a/_index.ja.md"), ("_index.ja", Kind::Intro));
    assert_eq!(split_name("a/topic/index.md"), ("index", Kind::Bundle));
    assert_eq!(split_name("a/name.ja.md"), ("name.ja", Kind::Single));
}

#[test]
fn language_suffixes_are_configured_or_errors() {
    let langs = ["en", "ja"];
    assert_eq!(
        language_of("name.ja", &langs, "en").unwrap(),
        ("name", "ja".to_owned())
    );
    assert_eq!(
        language_of("name", &langs, "en").unwrap(),
        ("name", "en".to_owned())
    );
    assert!(language_of("name.fr", &langs, "en")
        .unwrap_err()
        .contains("unknown language suffix \".fr\""));
    assert_eq!(
        language_of("v1.backup", &langs, "en").unwrap(),
        ("v1.backup", "en".to_owned())
    );
}

#[test]
fn one_file_loads_alone_with_its_bundle_assets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("content/portal/replying");
    std::fs::create_dir_all(dir.join("shots")).unwrap();
    std::fs::write(dir.join("index.md"), "---\ntitle: Replying\n---\nBody\n").unwrap();
    std::fs::write(dir.join("shots/box.png"), "png").unwrap();
    let settings = Settings::load(tmp.path(), None).unwrap();
    let Loaded::Article(a) = load_one(&settings, "portal/replying/index.md") else {
        panic!("not an article");
    };
    assert_eq!(a.url, "portal/replying/");
    assert_eq!(a.assets.len(), 1);
    assert_eq!(a.assets[0].rel, "shots/box.png");
}

#[test]
fn parents_of_paths() {
    assert_eq!(parent("a/b/c.md"), "a/b");
    assert_eq!(parent("c.md"), "");
}

//! The built-in string catalogs are complete and lean: every key a
//! template of the default theme looks up is in every language's catalog,
//! every language has the same keys, and no catalog key is left unused (a
//! key is used when a template looks it up, or when the sidecar's code
//! names it in a string literal, as for mail and the language menu).

use std::collections::BTreeSet;
use std::path::Path;

/// Every `t(key="…"` in the default theme's templates.
fn keys_used_by_templates() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
    let mut used = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_none_or(|x| x != "html") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("template is readable");
        for piece in text.split("t(key=\"").skip(1) {
            let key = piece.split('"').next().unwrap_or_default();
            used.insert(key.to_owned());
        }
    }
    used
}

/// Every string literal in the sidecar's sources that is a catalog key.
fn keys_named_in_code(keys: &BTreeSet<String>) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sidecar/src");
    let mut used = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("source is readable");
        for (i, literal) in text.split('"').enumerate() {
            if i % 2 == 1 && keys.contains(literal) {
                used.insert(literal.to_owned());
            }
        }
    }
    used
}

#[test]
fn every_language_has_every_key_and_every_key_is_used() {
    let catalogs = docket_i18n::Catalogs::built_in().expect("built-in catalogs load");
    let all: BTreeSet<String> = catalogs.keys("en").into_iter().map(str::to_owned).collect();
    let mut used = keys_used_by_templates();
    used.extend(keys_named_in_code(&all));
    assert!(used.len() > 20, "the scan found the keys: {used:?}");
    let english: BTreeSet<String> = catalogs.keys("en").into_iter().map(str::to_owned).collect();
    for (lang, _) in docket_i18n::BUILT_IN {
        let own: BTreeSet<String> = catalogs.keys(lang).into_iter().map(str::to_owned).collect();
        let missing: Vec<_> = used.difference(&own).collect();
        assert!(
            missing.is_empty(),
            "{lang}.toml lacks keys the templates use: {missing:?}"
        );
        let beside_english: Vec<_> = english.symmetric_difference(&own).collect();
        assert!(
            beside_english.is_empty(),
            "{lang}.toml and en.toml differ in these keys: {beside_english:?}"
        );
    }
    let unused: Vec<_> = english.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "catalog keys no template uses: {unused:?}"
    );
}

//! The example articles name only buttons and links the product has
//! (defect 6: "Submitting a new ticket" told readers to select a **New
//! ticket** button and **Submit**, which the portal does not show).
//!
//! An instruction names a control in bold: "select **Send reply**", "open
//! **My Tickets**", "then **Register**", "go to **A → B**", "the **Log
//! out** button". Each
//! such label in a published English article (drafts describe features
//! ahead of time and are left out) must be the text of an element in the
//! default theme's templates or of its English string catalog, or a label
//! the theme's `session.js` writes into the page header.

use std::path::{Path, PathBuf};

/// Words that introduce a control's label in an instruction.
const VERBS: &[&str] = &[
    "select ", "press ", "click ", "open ", "then ", "choose ", "go to ",
];

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The labels an article's instructions name, with their line numbers.
fn named_controls(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        let mut rest = line;
        let mut offset = 0;
        while let Some(start) = rest.find("**") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("**") else { break };
            let label = &after[..end];
            let at = offset + start;
            let before = &lower[..at];
            let follows = lower[at + 4 + label.len()..].trim_start();
            let introduced = VERBS.iter().any(|v| before.ends_with(v))
                || before.ends_with("the ")
                    && (follows.starts_with("button") || follows.starts_with("link"))
                || follows.starts_with("button");
            if introduced {
                // A path through menus names each step: "A → B".
                for step in label.split('→') {
                    found.push((n + 1, step.trim().to_owned()));
                }
            }
            offset = at + 4 + label.len();
            rest = &line[offset..];
        }
    }
    found
}

#[test]
fn every_control_an_example_article_names_exists_in_the_theme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut templates = Vec::new();
    files_under(
        &root.join("themes/default/templates"),
        "html",
        &mut templates,
    );
    let mut theme_text: String = templates
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    theme_text.push_str(
        &std::fs::read_to_string(root.join("themes/default/static/js/session.js"))
            .unwrap_or_default(),
    );
    // Templates look their words up in the string catalog: an English
    // string there (`key = "Label"`) is a label the theme shows.
    theme_text.push_str(
        &std::fs::read_to_string(root.join("themes/default/i18n/en.toml")).unwrap_or_default(),
    );
    let mut articles = Vec::new();
    files_under(&root.join("content"), "md", &mut articles);
    let english: Vec<_> = articles
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().matches('.').count() == 1)
        })
        .collect();
    assert!(english.len() > 10, "the example content is missing");
    let mut missing = Vec::new();
    let mut checked = 0;
    for path in english {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let front = text.split("\n---").next().unwrap_or_default();
        if front.lines().any(|l| l.trim() == "draft: true") {
            continue;
        }
        for (line, label) in named_controls(&text) {
            checked += 1;
            let shown = [format!(">{label}<"), format!("\"{label}\"")];
            if !shown.iter().any(|s| theme_text.contains(s)) {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                missing.push(format!("{}:{line}: **{label}**", rel.display()));
            }
        }
    }
    assert!(checked > 5, "no instructions found: is the pattern right?");
    assert!(
        missing.is_empty(),
        "labels no template shows:\n{}",
        missing.join("\n")
    );
}

#[test]
fn instructions_are_found_in_their_usual_forms() {
    let text = "1. Select **Log in**, then **Register**.\nThe **Log out** button.\nIt is **very** important.\nOpen **My Tickets**.\nGo to **A → B**.";
    let labels: Vec<String> = named_controls(text).into_iter().map(|(_, l)| l).collect();
    assert_eq!(
        labels,
        ["Log in", "Register", "Log out", "My Tickets", "A", "B"]
    );
}

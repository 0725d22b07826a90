//! Every content problem is reported as `path:line: message`, all of them
//! at once, sorted, with exit status 1 — and nothing is written.

mod support;

use support::{stderr, Site};

#[test]
fn every_content_error_is_listed_with_its_file_and_line() {
    let site = Site::fixture("content_errors");
    let out = site.docket(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out));
}

#[test]
fn a_failed_build_writes_nothing() {
    let site = Site::fixture("content_errors");
    site.docket(&["build"]);
    assert!(!site.exists("public"));
    assert!(!site.exists("internal"));
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn check_reports_the_same_errors() {
    let site = Site::fixture("content_errors");
    let build = site.docket(&["build"]);
    let check = site.docket(&["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(stderr(&build), stderr(&check));
}

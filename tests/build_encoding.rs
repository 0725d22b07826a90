//! Files saved with a UTF-8 BOM and Windows line ends build like any other,
//! and their errors still point at the right line.

mod support;

use support::{stderr, Site};

#[test]
fn a_bom_and_crlf_file_builds() {
    let site = Site::fixture("encoding");
    site.write(
        "content/windows.md",
        "\u{feff}---\r\ntitle: Saved on Windows\r\ndate: 2026-01-30\r\n---\r\n## Steps\r\n\r\nBody text.\r\n",
    );
    site.build();
    let page = site.read("public/windows/index.html");
    assert!(page.contains("<h1>Saved on Windows</h1>"), "{page}");
    assert!(page.contains("<h2 id=\"steps\">Steps</h2>"), "{page}");
    assert!(!page.contains('\r'));
}

#[test]
fn errors_in_a_crlf_file_keep_their_lines() {
    let site = Site::fixture("encoding");
    site.write(
        "content/windows.md",
        "\u{feff}---\r\ntitle: Saved on Windows\r\ndate: someday\r\n---\r\nBody\r\n",
    );
    let out = site.docket(&["build"]);
    assert!(
        stderr(&out).contains("content/windows.md:3: invalid date \"someday\""),
        "{}",
        stderr(&out)
    );
}

use super::*;

#[test]
fn types_come_from_the_content_not_the_name() {
    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n0000", "a.txt"), "image/png");
    assert_eq!(sniff(b"%PDF-1.7\n", "a.png"), "application/pdf");
    // The attack: HTML or SVG renamed to .png or .txt, served as text.
    assert_eq!(
        sniff(b"<html><script>alert(1)</script>", "a.png"),
        "text/html"
    );
    assert_eq!(sniff(b"hello <svg onload=alert(1)>", "a.txt"), "text/html");
    assert_eq!(sniff(b"line one\nline two\n", "app.log"), "text/plain");
    assert_eq!(sniff(b"a,b\n1,2\n", "data.csv"), "text/csv");
    assert_eq!(
        sniff(b"\x00\x01\x02binary", "x.bin"),
        "application/octet-stream"
    );
}

#[test]
fn display_names_lose_paths_controls_quotes_and_leading_dots() {
    assert_eq!(display_name("C:\\Users\\ann\\shot.png"), "shot.png");
    assert_eq!(display_name("../../etc/passwd"), "passwd");
    assert_eq!(display_name("a\"b\r\nc.txt"), "abc.txt");
    assert_eq!(display_name("..."), "file");
    assert_eq!(display_name(""), "file");
    assert_eq!(display_name(".htaccess"), "htaccess");
    assert_eq!(display_name(&"x".repeat(500)).chars().count(), 120);
}

#[test]
fn refused_types_name_the_file() {
    let policy = Policy::from_config(&SidecarConfig::default());
    let err =
        check_bytes(b"<svg><script>alert(1)</script></svg>", "logo.svg", &policy).unwrap_err();
    assert_eq!(err.name, "logo.svg");
    assert!(err.reason.contains("text/html"), "{err}");
    assert!(check_bytes(b"plain log line\n", "app.log", &policy).is_ok());
}

#[test]
fn sizes_read_like_people_write_them() {
    assert_eq!(readable_size(532), "532 B");
    assert_eq!(readable_size(14_200), "14.2 KB");
    assert_eq!(readable_size(3_100_000), "3.1 MB");
}

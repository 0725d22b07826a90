//! Unit tests of the parent module.

use super::*;

#[test]
fn path_params_are_one_segment() {
    assert_eq!(
        path_param("/my/tickets/abc", "/my/tickets/", ""),
        Some("abc")
    );
    assert_eq!(
        path_param("/my/tickets/abc/reply", "/my/tickets/", "/reply"),
        Some("abc")
    );
    assert_eq!(
        path_param("/my/tickets/abc/reply", "/my/tickets/", ""),
        None
    );
    assert_eq!(path_param("/my/tickets/", "/my/tickets/", ""), None);
}

#[test]
fn sign_in_after_a_post_returns_to_the_form() {
    let back = back_to("/my/tickets/abc")(AccessError::SignIn {
        next: "/my/tickets/abc/reply".into(),
    });
    assert!(matches!(back, AccessError::SignIn { next } if next == "/my/tickets/abc"));
    assert!(matches!(
        back_to("/x")(AccessError::Forbidden),
        AccessError::Forbidden
    ));
}

#[test]
fn pagers_keep_the_filter_and_skip_empty_values() {
    let p = Pager::new("/agent/tickets", &[("status", "open"), ("q", "")], 2, true);
    assert_eq!(p.prev.as_deref(), Some("/agent/tickets?status=open"));
    assert_eq!(p.next.as_deref(), Some("/agent/tickets?status=open&page=3"));
    assert_eq!(page_param(Some("-1".into())), 1);
    assert_eq!(page_param(Some("x".into())), 1);
}

#[test]
fn bodies_and_subjects_are_checked() {
    assert!(check_body("  \n ").is_err());
    assert_eq!(check_body("a\r\nb  \n").unwrap(), "a\nb");
    assert!(check_subject("a\nb").is_err());
    assert_eq!(check_subject("  Hi ").unwrap(), "Hi");
}

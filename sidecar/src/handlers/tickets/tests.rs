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
    let p = Pager::new(
        "/agent/tickets",
        &[("status", "open"), ("q", "")],
        2,
        60,
        25,
    );
    assert_eq!(p.prev.as_deref(), Some("/agent/tickets?status=open"));
    assert_eq!(p.next.as_deref(), Some("/agent/tickets?status=open&page=3"));
    assert_eq!((p.page, p.pages, p.beyond), (2, 3, false));
    assert_eq!(page_param(Some("-1".into())), 1);
    assert_eq!(page_param(Some("x".into())), 1);
}

#[test]
fn pagers_count_pages_and_send_a_page_past_the_end_back_to_the_last() {
    let last = Pager::new("/my/tickets", &[], 3, 60, 25);
    assert_eq!((last.pages, last.beyond, last.next), (3, false, None));
    let past = Pager::new("/my/tickets", &[("q", "x")], 99, 60, 25);
    assert!(past.beyond);
    assert_eq!(past.prev.as_deref(), Some("/my/tickets?q=x&page=3"));
    assert_eq!(past.last, "/my/tickets?q=x&page=3");
    assert_eq!(past.next, None);
    let empty = Pager::new("/my/tickets", &[], 4, 0, 25);
    assert_eq!((empty.pages, empty.beyond), (1, false));
}

#[test]
fn status_choices_fall_back_to_the_lists_default() {
    let unsolved = StatusChoice::Unsolved;
    assert_eq!(StatusChoice::from_param(None, unsolved), unsolved);
    assert_eq!(
        StatusChoice::from_param(Some("all".into()), unsolved),
        StatusChoice::All
    );
    assert_eq!(
        StatusChoice::from_param(Some("pending".into()), unsolved),
        StatusChoice::Only(Status::Pending)
    );
    assert_eq!(
        StatusChoice::from_param(Some("nonsense".into()), StatusChoice::All),
        StatusChoice::All
    );
}

#[test]
fn bodies_and_subjects_are_checked() {
    assert!(check_body("  \n ").is_err());
    assert_eq!(check_body("a\r\nb  \n").unwrap(), "a\nb");
    assert!(check_subject("a\nb").is_err());
    assert_eq!(check_subject("  Hi ").unwrap(), "Hi");
}

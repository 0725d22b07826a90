//! Unit tests of the parent module.

use super::*;

#[test]
fn references_are_long_random_and_parse_back() {
    let a = new_reference().unwrap();
    let b = new_reference().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), REF_LEN);
    assert_eq!(parse_reference(&format!(" {} ", a.to_uppercase())), Some(a));
    assert_eq!(parse_reference("../../etc/passwd"), None);
    assert_eq!(parse_reference("1"), None);
}

fn msg(role: Role, internal: bool) -> NewMessage {
    NewMessage {
        author: Author {
            role,
            account_id: None,
            email: "x@example.com".into(),
        },
        body: "hi".into(),
        internal,
        files: Vec::new(),
    }
}

#[test]
fn customer_replies_reopen_and_notes_change_nothing() {
    use Status::*;
    let customer = msg(Role::Customer, false);
    assert_eq!(status_after_reply(Resolved, &customer), Open);
    assert_eq!(status_after_reply(Closed, &customer), Open);
    assert_eq!(status_after_reply(Pending, &customer), Open);
    assert_eq!(status_after_reply(New, &customer), New);
    assert_eq!(status_after_reply(New, &msg(Role::Agent, false)), Open);
    assert_eq!(
        status_after_reply(Pending, &msg(Role::Agent, false)),
        Pending
    );
    assert_eq!(status_after_reply(Closed, &msg(Role::Agent, true)), Closed);
}

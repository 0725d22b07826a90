//! The text of canned replies: checking what an agent typed, filling the
//! placeholders for one ticket, and adding a reply to what the reply box
//! already holds. Pure functions; storage is [`crate::db::canned`], the
//! pages are [`crate::handlers::canned`].
//!
//! Placeholders are a name in single braces: `{customer_email}`,
//! `{ticket_number}`, `{ticket_subject}`, `{ticket_reference}` and
//! `{agent_email}`. Any other text in braces is left as written.

use crate::db::tickets::{Ticket, MAX_BODY_CHARS};

/// Longest accepted title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;

/// The placeholders canned replies may use, with their values for one
/// ticket and one agent.
#[derive(Debug, Clone)]
pub struct Placeholders {
    values: [(&'static str, String); 5],
}

/// The placeholder names, as written in a canned reply.
pub const NAMES: [&str; 5] = [
    "{customer_email}",
    "{ticket_number}",
    "{ticket_subject}",
    "{ticket_reference}",
    "{agent_email}",
];

impl Placeholders {
    /// The values for `ticket`, answered by the agent `agent_email`.
    pub fn new(ticket: &Ticket, agent_email: &str) -> Self {
        Self {
            values: [
                (NAMES[0], ticket.requester.clone()),
                (NAMES[1], ticket.id.to_string()),
                (NAMES[2], ticket.subject.clone()),
                (NAMES[3], ticket.reference.clone()),
                (NAMES[4], agent_email.to_owned()),
            ],
        }
    }
}

/// `body` with every placeholder replaced by its value. One pass from left
/// to right, so a value that itself looks like a placeholder (a subject
/// such as "{agent_email}") is not replaced again.
pub fn fill(body: &str, placeholders: &Placeholders) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match placeholders
            .values
            .iter()
            .find(|(name, _)| tail.starts_with(name))
        {
            Some((name, value)) => {
                out.push_str(value);
                rest = &tail[name.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `draft` with `text` added: after a blank line when the draft has text.
pub fn append(draft: &str, text: &str) -> String {
    let draft = draft.trim_end();
    if draft.is_empty() {
        text.to_owned()
    } else {
        format!("{draft}\n\n{text}")
    }
}

/// A title from the form, trimmed; the error is a catalog key.
pub fn check_title(title: &str) -> Result<String, &'static str> {
    let title = title.trim();
    if title.is_empty() {
        return Err("canned.title_empty");
    }
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err("canned.title_too_long");
    }
    Ok(title.to_owned())
}

/// A body from the form, trailing space trimmed and line ends made `\n`;
/// the error is a catalog key.
pub fn check_body(body: &str) -> Result<String, &'static str> {
    let body = body.trim_end();
    if body.trim().is_empty() {
        return Err("canned.body_empty");
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err("canned.body_too_long");
    }
    Ok(body.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tickets::Status;

    fn ticket() -> Ticket {
        Ticket {
            id: 42,
            reference: "abc".into(),
            subject: "Printer {agent_email}".into(),
            requester: "carol@example.com".into(),
            status: Status::Open,
            created_at: 0,
            updated_at: 0,
            assignee_id: None,
        }
    }

    #[test]
    fn placeholders_are_filled_once_and_unknown_braces_stay() {
        let p = Placeholders::new(&ticket(), "agent@example.com");
        assert_eq!(
            fill(
                "Hello {customer_email}, #{ticket_number} ({ticket_subject}) {name} {",
                &p
            ),
            "Hello carol@example.com, #42 (Printer {agent_email}) {name} {"
        );
        assert_eq!(fill("— {agent_email}", &p), "— agent@example.com");
    }

    #[test]
    fn inserted_text_follows_the_draft_after_a_blank_line() {
        assert_eq!(append("", "Hi"), "Hi");
        assert_eq!(append("Thanks.\n", "Hi"), "Thanks.\n\nHi");
    }

    #[test]
    fn titles_and_bodies_are_checked() {
        assert_eq!(check_title("  "), Err("canned.title_empty"));
        assert_eq!(check_title("a\nb"), Err("canned.title_too_long"));
        assert_eq!(check_title(&"x".repeat(101)), Err("canned.title_too_long"));
        assert_eq!(check_title(" Refund "), Ok("Refund".to_owned()));
        assert_eq!(check_body(" \r\n"), Err("canned.body_empty"));
        assert_eq!(check_body("a\r\nb \n"), Ok("a\nb".to_owned()));
    }
}

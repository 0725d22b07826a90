//! `docket ticket import FILE`: tickets with their messages from another
//! help desk, in the JSON format of DESIGN.md. The whole file is validated
//! before anything is written ([`parse`]), then written in one transaction
//! ([`Db::import_tickets`], in [`crate::db::import`]); a bad record rejects the file with the
//! record's index and field, and nothing is written.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use crate::attachments::Policy;
use crate::auth::email::normalize_email;
use crate::db::accounts::Role;
use crate::db::tickets::{Status, MAX_BODY_CHARS, MAX_SUBJECT_CHARS};
use crate::db::Db;
use crate::Options;

pub use crate::db::import::{ImportFile, ImportMessage, ImportTicket};

/// Why a file was refused: which record, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not JSON, or not an array.
    #[error("{0}")]
    File(String),
    /// One record is wrong.
    #[error("record {index}, field `{field}`: {message}")]
    Record {
        /// The record's index in the array, from 0.
        index: usize,
        /// The field, e.g. `messages[1].created_at`.
        field: String,
        /// What is wrong.
        message: String,
    },
}

const TICKET_FIELDS: &[&str] = &["subject", "requester", "status", "created_at", "messages"];
const MESSAGE_FIELDS: &[&str] = &["from", "author", "body", "created_at", "internal", "files"];

/// The files of a message: at most the upload limit's count, each with a
/// `name` and base64 `content`, checked like an upload against the site's
/// `policy` (types, size of each file, total of the message).
fn parse_files(
    map: &Map<String, Value>,
    at: &str,
    policy: &Policy,
) -> Result<Vec<ImportFile>, FieldError> {
    use base64::Engine as _;
    let Some(value) = map.get("files") else {
        return Ok(Vec::new());
    };
    let Some(list) = value.as_array() else {
        return Err(err(format!("{at}.files"), "expected a list of files"));
    };
    if list.len() > policy.max_files {
        return Err(err(
            format!("{at}.files"),
            format!("at most {} files per message", policy.max_files),
        ));
    }
    let mut files = Vec::new();
    let mut total = 0u64;
    for (i, file) in list.iter().enumerate() {
        let here = format!("{at}.files[{i}]");
        let map = object(file, &here, &["name", "content"])?;
        let name = crate::attachments::display_name(string(map, "name", &format!("{here}.name"))?);
        let data = base64::engine::general_purpose::STANDARD
            .decode(string(map, "content", &format!("{here}.content"))?.trim())
            .map_err(|_| err(format!("{here}.content"), "not valid base64"))?;
        let checked = crate::attachments::check_bytes(&data, &name, policy)
            .map_err(|refused| err(here.clone(), refused.to_string()))?;
        total = total.saturating_add(checked.size);
        if total > policy.message_bytes {
            let refused = crate::attachments::message_too_large(&name, policy);
            return Err(err(here, refused.to_string()));
        }
        files.push(ImportFile {
            name,
            checked,
            data,
        });
    }
    Ok(files)
}

/// Validates a whole import file. `default_agent` is the author of agent
/// messages that name none; attached files are checked against `policy`
/// (the site's: [`Policy::from_config`] of its `[sidecar]`).
pub fn parse(
    text: &str,
    default_agent: &str,
    policy: &Policy,
) -> Result<Vec<ImportTicket>, ImportError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::File(format!("not valid JSON: {e}")))?;
    let Value::Array(records) = value else {
        return Err(ImportError::File(
            "the file must hold a JSON array of tickets".to_owned(),
        ));
    };
    records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            parse_ticket(record, default_agent, policy).map_err(|(field, message)| {
                ImportError::Record {
                    index,
                    field,
                    message,
                }
            })
        })
        .collect()
}

type FieldError = (String, String);

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    (field.into(), message.into())
}

fn object<'a>(
    value: &'a Value,
    field: &str,
    known: &[&str],
) -> Result<&'a Map<String, Value>, FieldError> {
    let Value::Object(map) = value else {
        return Err(err(field, "expected an object"));
    };
    if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
        let at = if field.is_empty() {
            unknown.clone()
        } else {
            format!("{field}.{unknown}")
        };
        return Err(err(
            at,
            format!("unknown field (known: {})", known.join(", ")),
        ));
    }
    Ok(map)
}

fn string<'a>(map: &'a Map<String, Value>, key: &str, field: &str) -> Result<&'a str, FieldError> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(err(field, "expected a string")),
        None => Err(err(field, "missing")),
    }
}

fn time_field(map: &Map<String, Value>, key: &str, field: &str) -> Result<i64, FieldError> {
    let text = string(map, key, field)?;
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| {
            err(
                field,
                format!("{text:?} is not a time such as 2026-01-05T10:00:00Z"),
            )
        })
}

fn parse_ticket(
    record: &Value,
    default_agent: &str,
    policy: &Policy,
) -> Result<ImportTicket, FieldError> {
    let map = object(record, "", TICKET_FIELDS)?;
    let subject = string(map, "subject", "subject")?.trim();
    if subject.is_empty() {
        return Err(err("subject", "empty"));
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS || subject.chars().any(char::is_control) {
        return Err(err(
            "subject",
            format!("must be one line of at most {MAX_SUBJECT_CHARS} characters"),
        ));
    }
    let requester = normalize_email(string(map, "requester", "requester")?)
        .map_err(|_| err("requester", "not an e-mail address"))?;
    let status_text = string(map, "status", "status")?;
    let status = Status::parse(status_text).ok_or_else(|| {
        err(
            "status",
            format!("{status_text:?} is not one of new, open, pending, resolved, closed"),
        )
    })?;
    let created_at = time_field(map, "created_at", "created_at")?;
    let messages = match map.get("messages") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => {
            return Err(err("messages", "a ticket needs at least one message"))
        }
        Some(_) => return Err(err("messages", "expected an array")),
        None => return Err(err("messages", "missing")),
    };
    let messages = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            parse_message(
                m,
                &format!("messages[{i}]"),
                &requester,
                default_agent,
                policy,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ImportTicket {
        subject: subject.to_owned(),
        requester,
        status,
        created_at,
        messages,
    })
}

fn parse_message(
    value: &Value,
    at: &str,
    requester: &str,
    default_agent: &str,
    policy: &Policy,
) -> Result<ImportMessage, FieldError> {
    let map = object(value, at, MESSAGE_FIELDS)?;
    let field = |name: &str| format!("{at}.{name}");
    let from = match string(map, "from", &field("from"))? {
        "customer" => Role::Customer,
        "agent" => Role::Agent,
        other => {
            return Err(err(
                field("from"),
                format!("{other:?} is not customer or agent"),
            ))
        }
    };
    let author = match map.get("author") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(normalize_email(s).map_err(|_| err(field("author"), "not an e-mail address"))?)
        }
        Some(_) => return Err(err(field("author"), "expected a string")),
    };
    let author = match from {
        Role::Customer => requester.to_owned(),
        Role::Agent => author.unwrap_or_else(|| default_agent.to_owned()),
    };
    let body = string(map, "body", &field("body"))?.replace("\r\n", "\n");
    if body.trim().is_empty() {
        return Err(err(field("body"), "empty"));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(err(
            field("body"),
            format!("longer than {MAX_BODY_CHARS} characters"),
        ));
    }
    let created_at = time_field(map, "created_at", &field("created_at"))?;
    let internal = match map.get("internal") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(err(field("internal"), "expected true or false")),
    };
    if internal && from == Role::Customer {
        return Err(err(
            field("internal"),
            "only agent messages can be internal notes",
        ));
    }
    let files = parse_files(map, at, policy)?;
    Ok(ImportMessage {
        from,
        author,
        body,
        created_at,
        internal,
        files,
    })
}

/// Imports `file` into the database of `options` (blocking, for the
/// command line); returns the new references in file order.
pub fn import_file(options: &Options, file: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let policy = Policy::from_config(&options.config);
    let tickets = parse(&text, &options.config.mail.from, &policy)
        .with_context(|| format!("{}: nothing was imported", file.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let db = Db::open(&options.database).await?;
        db.import_tickets(tickets).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"[{"subject": "Invoice is wrong", "requester": "Frank@Example.com",
      "status": "resolved", "created_at": "2026-01-05T10:00:00Z",
      "messages": [
        {"from": "customer", "body": "My invoice…", "created_at": "2026-01-05T10:00:00Z"},
        {"from": "agent", "author": "agent@example.com", "body": "Fixed.",
         "created_at": "2026-01-06T09:00:00Z", "internal": false}]}]"#;

    fn default_policy() -> Policy {
        Policy::from_config(&crate::config::SidecarConfig::default())
    }

    #[test]
    fn the_design_example_is_accepted_and_normalised() {
        let tickets = parse(GOOD, "support@example.com", &default_policy()).unwrap();
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].requester, "frank@example.com");
        assert_eq!(tickets[0].status, Status::Resolved);
        assert_eq!(tickets[0].messages[0].author, "frank@example.com");
        assert_eq!(tickets[0].messages[1].author, "agent@example.com");
    }

    fn error_of(text: &str) -> String {
        parse(text, "support@example.com", &default_policy())
            .unwrap_err()
            .to_string()
    }

    #[tokio::test]
    async fn files_are_imported_checked_and_refused_by_name() {
        use base64::Engine as _;
        let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
        let with_files = |files: &str| {
            GOOD.replace(
                "\"internal\": false}",
                &format!("\"internal\": false, \"files\": {files}}}"),
            )
        };
        let log = with_files(&format!(
            r#"[{{"name": "../app.log", "content": "{}"}}]"#,
            b64(b"line\n")
        ));
        let tickets = parse(&log, "agent@example.com", &default_policy()).unwrap();
        let file = &tickets[0].messages[1].files[0];
        assert_eq!(
            (file.name.as_str(), file.checked.content_type.as_str()),
            ("app.log", "text/plain")
        );
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        db.import_tickets(tickets).await.unwrap();
        assert_eq!(db.storage_totals().await.unwrap().blobs, 1);

        // The attack: a script smuggled in through an import file.
        let svg = with_files(&format!(
            r#"[{{"name": "x.svg", "content": "{}"}}]"#,
            b64(b"<svg><script>alert(1)</script></svg>")
        ));
        let message = parse(&svg, "agent@example.com", &default_policy())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("messages[1].files[0]") && message.contains("x.svg"),
            "{message}"
        );
        let bad = with_files(r#"[{"name": "a.log", "content": "not base64!"}]"#);
        assert!(parse(&bad, "agent@example.com", &default_policy())
            .unwrap_err()
            .to_string()
            .contains("base64"));
    }

    #[test]
    fn errors_name_the_record_and_the_field() {
        let bad = r#"{"subject": "x", "requester": "a@b.com", "status": "open",
            "created_at": "2026-01-01T00:00:00Z",
            "messages": [{"from": "customer", "body": "hi", "created_at": "yesterday"}]}"#;
        let second_bad = format!("{}, {bad}]", GOOD.trim_end_matches(']'));
        assert_eq!(
            error_of(&second_bad),
            "record 1, field `messages[0].created_at`: \"yesterday\" is not a time such as 2026-01-05T10:00:00Z"
        );
        assert!(error_of(&GOOD.replace("resolved", "done")).starts_with("record 0, field `status`"));
        assert!(error_of(&GOOD.replace("Frank@Example.com", "frank")).contains("field `requester`"));
        assert!(error_of(&GOOD.replace("\"subject\"", "\"subjekt\""))
            .contains("field `subjekt`: unknown field"));
        assert!(
            error_of(&GOOD.replace("\"internal\": false", "\"internal\": \"no\""))
                .contains("messages[1].internal")
        );
        assert!(error_of("{}").contains("JSON array"));
        assert!(error_of("[").contains("not valid JSON"));
    }
}

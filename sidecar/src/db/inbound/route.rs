//! Who may post in the ticket an inbound mail names: the threading rule.

use rusqlite::{params, OptionalExtension, Transaction};

use super::InboundRecord;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    Append { ticket_id: i64, as_agent: bool },
    NewRelated(i64),
    New,
}

/// A ticket a message names, found by Message-ID or by subject number.
pub(super) struct Named {
    pub(super) ticket_id: i64,
    pub(super) requester: String,
    /// Named by a Message-ID we sent to the sender (not just the subject).
    pub(super) sent_to_sender: bool,
    /// Named by any of our Message-IDs.
    pub(super) by_message_id: bool,
}

/// Who may post in a named ticket. The requester may, whether the ticket
/// was named by a Message-ID or by the subject's number. An agent may only
/// in answer to a Message-ID we sent to that agent: a subject (or a sender
/// address) is easy to forge, our random Message-IDs are not known outside
/// the mail we sent, and an agent's reply goes out to the customer under
/// our name. Anyone else starts a ticket of their own that points at it.
pub(super) fn route(named: Option<&Named>, sender: &str, sender_is_agent: bool) -> Route {
    match named {
        None => Route::New,
        Some(n) if n.requester == sender => Route::Append {
            ticket_id: n.ticket_id,
            as_agent: false,
        },
        Some(n) if sender_is_agent && n.by_message_id && n.sent_to_sender => Route::Append {
            ticket_id: n.ticket_id,
            as_agent: true,
        },
        Some(n) => Route::NewRelated(n.ticket_id),
    }
}

pub(super) fn named_ticket(
    tx: &Transaction<'_>,
    record: &InboundRecord,
) -> rusqlite::Result<Option<Named>> {
    // Newest reference first: the message it answers directly.
    for id in record.references.iter().rev() {
        let hit = tx
            .query_row(
                "SELECT m.ticket_id, t.requester FROM ticket_mail_ids m
                 JOIN tickets t ON t.id = m.ticket_id WHERE m.message_id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        if let Some((ticket_id, requester)) = hit {
            let sent_to_sender: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM ticket_mail_ids WHERE ticket_id = ?1
                 AND direction = 'out' AND recipient = ?2 AND message_id IN
                 (SELECT value FROM json_each(?3)))",
                params![
                    ticket_id,
                    record.sender,
                    serde_json::to_string(&record.references).unwrap_or_default()
                ],
                |r| r.get(0),
            )?;
            return Ok(Some(Named {
                ticket_id,
                requester,
                sent_to_sender,
                by_message_id: true,
            }));
        }
    }
    let Some(number) = record.subject_number else {
        return Ok(None);
    };
    tx.query_row(
        "SELECT id, requester FROM tickets WHERE id = ?1",
        [number],
        |r| {
            Ok(Named {
                ticket_id: r.get(0)?,
                requester: r.get(1)?,
                sent_to_sender: false,
                by_message_id: false,
            })
        },
    )
    .optional()
}

//! What inbound mail sets off once it is committed: the acknowledgement to
//! a new ticket's sender (with a ticket link, rate-limited, never to
//! automatic mail), the agents' notification, the customer's copy of an
//! agent's reply written by mail, and the notice to the sender of an
//! oversized message. Failures are logged: the message is already stored.

use crate::auth::tokens::{hash_token, random_token};
use crate::db::inbound::Stored;
use crate::db::mail::OutgoingMail;
use crate::db::tickets::Ticket;
use crate::db::{now, Db};

use super::parse::Inbound;
use super::Settings;

/// How long the link in an acknowledgement opens the ticket.
const ACK_LINK_TTL_SECS: i64 = 7 * 24 * 3600;

/// Queues what follows a stored message; `oversized` is its size when it
/// was too large to keep.
pub async fn after_commit(
    db: &Db,
    settings: &Settings,
    inbound: &Inbound,
    stored: &Stored,
    oversized: Option<i64>,
) {
    if let Err(err) = queue(db, settings, inbound, stored, oversized).await {
        tracing::error!(sender = %inbound.sender, "inbound mail stored, but the mail it sets off was not queued: {err:#}");
    }
}

async fn queue(
    db: &Db,
    settings: &Settings,
    inbound: &Inbound,
    stored: &Stored,
    oversized: Option<i64>,
) -> anyhow::Result<()> {
    // RFC 3834: automatic mail is never answered automatically.
    let may_answer = inbound.automatic.is_none();
    match stored {
        Stored::New { ticket, related } => {
            notify_agents(db, settings, ticket, &inbound.text, true, *related).await?;
            if may_answer && acknowledgement_allowed(db, settings, &ticket.requester).await? {
                acknowledge(db, settings, ticket, oversized).await?;
            }
        }
        Stored::Appended {
            ticket,
            as_agent: false,
            ..
        } => {
            notify_agents(db, settings, ticket, &inbound.text, false, None).await?;
            if let (Some(size), true) = (oversized, may_answer) {
                db.enqueue_mail(too_large(settings, ticket, size)).await?;
            }
        }
        Stored::Appended {
            ticket,
            as_agent: true,
            ..
        } => {
            db.enqueue_mail(agent_reply(
                settings,
                ticket,
                &super::quotes::split(&inbound.text).0,
            ))
            .await?;
        }
        Stored::Duplicate(_) | Stored::Noticed(_) | Stored::Dropped(_) => {}
    }
    Ok(())
}

async fn acknowledgement_allowed(
    db: &Db,
    settings: &Settings,
    sender: &str,
) -> anyhow::Result<bool> {
    let key = format!("mail-ack:{sender}");
    Ok(db
        .rate_limit_hit(&key, settings.acknowledgements_per_hour, 3600)
        .await?
        .is_none())
}

fn url(settings: &Settings, path: &str) -> String {
    format!("{}{path}", settings.base_url)
}

async fn acknowledge(
    db: &Db,
    settings: &Settings,
    ticket: &Ticket,
    oversized: Option<i64>,
) -> anyhow::Result<()> {
    let token = random_token()?;
    db.create_ticket_link(
        &ticket.reference,
        &ticket.requester,
        &hash_token(&token),
        now() + ACK_LINK_TTL_SECS,
    )
    .await?;
    let mut body = format!(
        "Hello,\n\nwe received your message and opened ticket #{} for it. Answer this mail to add to it; please keep [#{}] in the subject.\n\nSee the conversation (this link works once, within 7 days): {}\n\nRegister or sign in with this address at {} to see all your tickets.\n",
        ticket.id,
        ticket.id,
        url(settings, &format!("/t/{token}")),
        url(settings, "/register"),
    );
    if let Some(size) = oversized {
        body.push_str(&too_large_text(settings, size));
    }
    db.enqueue_mail(OutgoingMail {
        to: ticket.requester.clone(),
        subject: format!("[#{}] {}", ticket.id, ticket.subject),
        body,
    })
    .await?;
    Ok(())
}

fn too_large_text(settings: &Settings, size: i64) -> String {
    format!(
        "\nYour message was {:.1} MiB, more than the {} MiB we accept, so its text and files were not kept. Please send it again in smaller parts, or add the files in the portal.\n",
        size as f64 / 1_048_576.0,
        settings.max_message_bytes >> 20
    )
}

fn too_large(settings: &Settings, ticket: &Ticket, size: i64) -> OutgoingMail {
    OutgoingMail {
        to: ticket.requester.clone(),
        subject: format!("[#{}] {}", ticket.id, ticket.subject),
        body: format!("Hello,\n{}", too_large_text(settings, size)),
    }
}

fn agent_reply(settings: &Settings, ticket: &Ticket, text: &str) -> OutgoingMail {
    OutgoingMail {
        to: ticket.requester.clone(),
        subject: format!("[#{}] {}", ticket.id, ticket.subject),
        body: format!(
            "{text}\n\nRead the conversation and reply: {}\n",
            url(settings, &format!("/my/tickets/{}", ticket.reference))
        ),
    }
}

async fn notify_agents(
    db: &Db,
    settings: &Settings,
    ticket: &Ticket,
    text: &str,
    created: bool,
    related: Option<i64>,
) -> anyhow::Result<()> {
    let recipients = match &settings.notify {
        Some(address) => vec![address.clone()],
        None => db.agent_emails().await?,
    };
    let what = if created {
        "wrote a new ticket by mail"
    } else {
        "replied by mail"
    };
    let related = related
        .map(|id| format!("\nThis mail answered ticket #{id}, which belongs to someone else.\n"))
        .unwrap_or_default();
    for to in recipients {
        let mail = OutgoingMail {
            to,
            subject: format!("[#{}] {}", ticket.id, ticket.subject),
            body: format!(
                "{} {what}:\n\n{text}\n{related}\nOpen the ticket: {}\n",
                ticket.requester,
                url(settings, &format!("/agent/tickets/{}", ticket.reference))
            ),
        };
        db.enqueue_agent_notice(mail, settings.digest_seconds)
            .await?;
    }
    Ok(())
}

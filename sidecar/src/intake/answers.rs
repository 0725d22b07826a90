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
use crate::mail::compose::new_message_id;
use crate::mail::notices::{self, NoticeContext};
use crate::mail::texts::Text;

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
                let limit = settings.max_message_bytes as u64;
                let text = language_of(db, settings, &ticket.requester, Some(ticket.id)).await;
                let mail = notices::oversized(
                    &context(settings),
                    &text,
                    &ticket.requester,
                    size as u64,
                    limit,
                );
                send(db, settings, mail).await?;
            }
        }
        Stored::Appended {
            ticket,
            as_agent: true,
            ..
        } => {
            let written = super::quotes::split(&inbound.text).0;
            let text = language_of(db, settings, &ticket.requester, Some(ticket.id)).await;
            let mail = notices::agent_reply(&context(settings), &text, ticket, &written);
            send(db, settings, mail).await?;
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

fn context(settings: &Settings) -> NoticeContext {
    NoticeContext {
        site_title: settings.site_title.clone(),
        base_url: settings.base_url.clone(),
        texts: settings.texts.clone(),
    }
}

/// The language mail to `to` is written in: their account's, else the
/// ticket's, else the site's default.
async fn language_of<'s>(
    db: &Db,
    settings: &'s Settings,
    to: &str,
    ticket_id: Option<i64>,
) -> Text<'s> {
    settings.texts.for_recipient(db, to, ticket_id, None).await
}

/// Queues `mail` under a fresh Message-ID of our domain.
async fn send(db: &Db, settings: &Settings, mail: OutgoingMail) -> anyhow::Result<()> {
    db.enqueue_mail(mail, new_message_id(&settings.from)?)
        .await?;
    Ok(())
}

/// The acknowledgement, with a link that opens the ticket without an
/// account, and (for an oversized mail) the note that it was not kept.
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
    let ctx = context(settings);
    let link = ctx.url(&format!("/t/{token}"));
    let text = language_of(db, settings, &ticket.requester, Some(ticket.id)).await;
    let mut mail = notices::acknowledgement(&ctx, &text, ticket, Some(&link), true);
    if let Some(size) = oversized {
        let note = too_large_text(&text, settings, size);
        mail.body.push_str(&note);
        mail.html = mail
            .html
            .map(|html| format!("{html}<p>{}</p>\n", crate::render_body::escape(&note)));
    }
    send(db, settings, mail).await
}

fn too_large_text(text: &Text<'_>, settings: &Settings, size: i64) -> String {
    let size = format!("{:.1}", size as f64 / 1_048_576.0);
    let limit = settings.max_message_bytes >> 20;
    format!(
        "\n{}\n",
        text.t("mail.ack_too_large", &[("size", &size), ("limit", &limit)])
    )
}

async fn notify_agents(
    db: &Db,
    settings: &Settings,
    ticket: &Ticket,
    text: &str,
    created: bool,
    related: Option<i64>,
) -> anyhow::Result<()> {
    let recipients = db
        .notice_recipients(settings.notify.as_deref(), ticket)
        .await?;
    let ctx = context(settings);
    for to in recipients {
        let language = language_of(db, settings, &to, None).await;
        let text = match related {
            Some(number) => format!(
                "{text}\n\n{}",
                language.t("mail.agent_related", &[("number", &number)])
            ),
            None => text.to_owned(),
        };
        let mail = notices::agent_notice(&ctx, &language, ticket, &to, &text, created);
        db.enqueue_agent_notice(
            mail,
            new_message_id(&settings.from)?,
            settings.digest_seconds,
        )
        .await?;
    }
    Ok(())
}

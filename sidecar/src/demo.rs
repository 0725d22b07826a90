//! Demo data for `docket sidecar --demo` (and `docket serve --demo`): a
//! fresh database beside the real one with one agent, one customer and a
//! handful of tickets in every status, with conversations that read like
//! real ones, and two canned replies. Two more tickets came in by mail from [`NEWCOMER_EMAIL`],
//! an address with no account yet: whoever registers it (and confirms it)
//! finds them in My Tickets. The caller prints the returned logins.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::auth::passwords::Passwords;
use crate::db::accounts::Role;
use crate::db::tickets::Status;
use crate::db::{now, Db};
use crate::import::{ImportMessage, ImportTicket};
use crate::Options;

/// The demo agent's address.
pub const AGENT_EMAIL: &str = "agent@example.com";
/// The demo customer's address.
pub const CUSTOMER_EMAIL: &str = "customer@example.com";
/// An address with tickets from earlier mail but no account: register it
/// to see them.
pub const NEWCOMER_EMAIL: &str = "newcomer@example.com";
/// The password of both demo accounts.
pub const PASSWORD: &str = "demo password";

/// The accounts a demo database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogins {
    /// The database file that was created.
    pub database: PathBuf,
    /// `(role, email, password)` of each account.
    pub accounts: Vec<(Role, String, String)>,
}

impl std::fmt::Display for DemoLogins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "demo database: {}", self.database.display())?;
        for (role, email, password) in &self.accounts {
            writeln!(f, "  {:<8} {email}  password: {password}", role.as_str())?;
        }
        Ok(())
    }
}

/// Points `options` at a fresh demo database (`.docket/demo.db` under the
/// site root, replacing an older one) and fills it. Blocking.
pub fn prepare(options: &mut Options) -> Result<DemoLogins> {
    let database = options.site_root.join(".docket").join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", database.display()));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }
    options.database = database.clone();
    let passwords = Passwords::new_blocking(
        options.config.password_memory_kib,
        options.config.password_iterations,
    )?;
    let hash = passwords.hash_blocking(PASSWORD)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let db = Db::open(&database).await?;
        let mut agent_id = None;
        for (role, email) in [(Role::Agent, AGENT_EMAIL), (Role::Customer, CUSTOMER_EMAIL)] {
            let id = db
                .create_account(email, &hash, role, true)
                .await
                .map_err(|e| anyhow::anyhow!("{e}: {email}"))?;
            if role == Role::Agent {
                agent_id = Some(id);
            }
        }
        db.import_tickets(tickets(now())).await?;
        if let Some(agent) = agent_id {
            for (title, body) in CANNED_REPLIES {
                db.create_canned_reply(title, body, agent).await?;
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(DemoLogins {
        database,
        accounts: vec![
            (Role::Agent, AGENT_EMAIL.to_owned(), PASSWORD.to_owned()),
            (
                Role::Customer,
                CUSTOMER_EMAIL.to_owned(),
                PASSWORD.to_owned(),
            ),
        ],
    })
}

/// The demo's canned replies: two of the set in the example site's
/// article `agents/inbox/macros.md`.
const CANNED_REPLIES: [(&str, &str); 2] = [
    (
        "Waiting for information",
        "Hello <name>,\n\nto look into ticket #{ticket_number} we need <what exactly>. \
         You can reply directly on the ticket; your answer reaches us at once.",
    ),
    (
        "Registration: tickets missing",
        "Hello <name>,\n\nthank you for registering. Your tickets are tied to the address \
         you wrote to us from, which is {customer_email}. Please register with that address.\n\n\
         Best regards,\n{agent_email}",
    ),
];

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

fn customer(body: &str, at: i64) -> ImportMessage {
    customer_as(CUSTOMER_EMAIL, body, at)
}

fn customer_as(email: &str, body: &str, at: i64) -> ImportMessage {
    ImportMessage {
        from: Role::Customer,
        author: email.to_owned(),
        body: body.to_owned(),
        created_at: at,
        internal: false,
        files: Vec::new(),
    }
}

fn agent(body: &str, at: i64, internal: bool) -> ImportMessage {
    ImportMessage {
        from: Role::Agent,
        author: AGENT_EMAIL.to_owned(),
        body: body.to_owned(),
        created_at: at,
        internal,
        files: Vec::new(),
    }
}

fn ticket(subject: &str, status: Status, messages: Vec<ImportMessage>) -> ImportTicket {
    ticket_for(CUSTOMER_EMAIL, subject, status, messages)
}

fn ticket_for(
    requester: &str,
    subject: &str,
    status: Status,
    messages: Vec<ImportMessage>,
) -> ImportTicket {
    ImportTicket {
        subject: subject.to_owned(),
        requester: requester.to_owned(),
        status,
        created_at: messages.first().map(|m| m.created_at).unwrap_or_default(),
        messages,
    }
}

/// The demo tickets, dated relative to `t`.
fn tickets(t: i64) -> Vec<ImportTicket> {
    vec![
        ticket(
            "Invoice for March shows the wrong VAT number",
            Status::Resolved,
            vec![
                customer("Hello,\n\nthe invoice INV-2026-0312 shows our old VAT number (DE123456789). Our current one is DE987654321.\nCould you send a corrected invoice?\n\nThanks,\nDana", t - 12 * DAY),
                agent("Customer changed VAT number in February; billing profile was never updated.", t - 12 * DAY + 2 * HOUR, true),
                agent("Hi Dana,\n\nsorry about that. I updated your billing profile and attached the corrected invoice to your account under **Billing → Invoices**.\n\nFuture invoices will use DE987654321.", t - 11 * DAY, false),
                customer("Got it, thank you!", t - 11 * DAY + 3 * HOUR),
            ],
        ),
        ticket(
            "Cannot export reports to CSV",
            Status::Open,
            vec![
                customer("When I click Export → CSV on the monthly report nothing happens. I tried Firefox and Chrome.\nScreenshot: https://example.com/screenshots/export.png", t - 3 * DAY),
                agent("Thanks for the report! Could you tell me roughly how many rows the report has? Exports above 50,000 rows run in the background and arrive by mail.", t - 3 * DAY + 4 * HOUR, false),
                customer("About 80,000 rows. I never got a mail though.", t - 2 * DAY),
                agent("Export job 4411 failed with a timeout; escalated to the platform team.", t - 2 * DAY + HOUR, true),
            ],
        ),
        ticket(
            "How do I add a second administrator?",
            Status::Pending,
            vec![
                customer("We would like our office manager to manage users too. Is that possible on the Standard plan?", t - 5 * DAY),
                agent("Yes. Go to *Settings → Team*, invite the person and choose the role **Administrator**.\n\nCould you confirm that this works for you?", t - 4 * DAY, false),
            ],
        ),
        ticket(
            "Password reset mail never arrives",
            Status::New,
            vec![customer("I requested a password reset three times this morning but nothing arrived, not even in spam.\nMy colleague's address works fine.", t - 2 * HOUR)],
        ),
        ticket(
            "Cancel the trial of our second workspace",
            Status::Closed,
            vec![
                customer("Please cancel the trial of the workspace \"acme-test\"; we created it by mistake.", t - 30 * DAY),
                agent("Done: the trial of acme-test is cancelled and no charges will be made.", t - 29 * DAY, false),
            ],
        ),
        // Mailed in before the newcomer had an account.
        ticket_for(
            NEWCOMER_EMAIL,
            "Delivery address on order 5531 is outdated",
            Status::Resolved,
            vec![
                customer_as(NEWCOMER_EMAIL, "Hi,\n\nwe moved last month, but order 5531 still shows our old address (Lindenstraße 4).\nThe new one is Hafenweg 12, 20457 Hamburg.\n\nSam", t - 9 * DAY),
                agent("Address change confirmed by phone with Sam.", t - 9 * DAY + HOUR, true),
                agent("Hi Sam,\n\nthe delivery address of order 5531 is now **Hafenweg 12, 20457 Hamburg**.", t - 8 * DAY, false),
            ],
        ),
        ticket_for(
            NEWCOMER_EMAIL,
            "Is there a discount for yearly billing?",
            Status::Pending,
            vec![
                customer_as(NEWCOMER_EMAIL, "Do you offer a discount if we pay for a whole year in advance?", t - 6 * DAY),
                agent("Yes: yearly billing costs ten months' price. Shall I switch your workspace over?", t - 5 * DAY, false),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_has_a_ticket_in_every_status_with_a_note_somewhere() {
        let list = tickets(1_800_000_000);
        for status in Status::ALL {
            assert!(list.iter().any(|t| t.status == status), "{status:?}");
        }
        assert!(list.iter().flat_map(|t| &t.messages).any(|m| m.internal));
    }

    #[test]
    fn the_newcomer_has_tickets_but_no_account() {
        let list = tickets(1_800_000_000);
        let theirs: Vec<_> = list
            .iter()
            .filter(|t| t.requester == NEWCOMER_EMAIL)
            .collect();
        assert!(theirs.iter().any(|t| t.status == Status::Resolved));
        assert!(theirs
            .iter()
            .flat_map(|t| &t.messages)
            .all(|m| m.from == Role::Agent || m.author == NEWCOMER_EMAIL));
        assert_ne!(NEWCOMER_EMAIL, CUSTOMER_EMAIL);
        assert_ne!(NEWCOMER_EMAIL, AGENT_EMAIL);
    }
}

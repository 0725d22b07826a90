//! Assignment of tickets to agents: who may be an assignee (agent accounts
//! only, checked inside the write), setting or clearing a ticket's
//! assignee, and the log of those changes that agents read on the ticket
//! page. What happens to assignments when an agent account is deleted or
//! demoted is written in the schema (`010_assignment_canned.sql`): the
//! tickets become unassigned, with an entry in the log.
//!
//! The inbox's "mine" and "unassigned" views are filters of
//! [`super::ticket_lists`].

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::tickets::{ticket_from_row, Author, Ticket};
use super::{now, Db};

/// An agent account, as the assignee select lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Account id (the select's value).
    pub id: i64,
    /// The agent's address.
    pub email: String,
}

/// One change of a ticket's assignee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentEvent {
    /// The new assignee's address; `None` when the ticket was unassigned.
    pub assignee_email: Option<String>,
    /// Who changed it; `None` for the system (the assignee's account was
    /// deleted or is no longer an agent's).
    pub actor_email: Option<String>,
    /// When (Unix seconds).
    pub created_at: i64,
}

/// What [`Db::assign`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignOutcome {
    /// The ticket (after the change, or as it was when nothing changed).
    Done(Ticket),
    /// No such ticket.
    NoTicket,
    /// The account named as assignee does not exist or is not an agent's:
    /// nothing was written.
    NotAnAgent,
}

impl Db {
    /// Every agent account, by address.
    pub async fn agents(&self) -> Result<Vec<Agent>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, email FROM accounts WHERE role = 'agent' ORDER BY email",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok(Agent {
                    id: row.get(0)?,
                    email: row.get(1)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Assigns ticket `reference` to the agent account `assignee` (`None`:
    /// unassigns it), recording the change and who made it in the log. An
    /// assignment to the current assignee changes and logs nothing. The
    /// ticket's last update stays: assignment is not news for the customer.
    pub async fn assign(
        &self,
        reference: &str,
        assignee: Option<i64>,
        actor: Author,
    ) -> Result<AssignOutcome> {
        let reference = reference.to_owned();
        self.write(move |tx| {
            let Some(ticket) = tx
                .query_row(
                    "SELECT * FROM tickets WHERE ref = ?1",
                    [&reference],
                    ticket_from_row,
                )
                .optional()?
            else {
                return Ok(AssignOutcome::NoTicket);
            };
            let assignee_email = match assignee {
                Some(id) => {
                    let email: Option<String> = tx
                        .query_row(
                            "SELECT email FROM accounts WHERE id = ?1 AND role = 'agent'",
                            [id],
                            |row| row.get(0),
                        )
                        .optional()?;
                    match email {
                        Some(email) => Some(email),
                        None => return Ok(AssignOutcome::NotAnAgent),
                    }
                }
                None => None,
            };
            if ticket.assignee_id == assignee {
                return Ok(AssignOutcome::Done(ticket));
            }
            tx.execute(
                "UPDATE tickets SET assignee_id = ?2 WHERE id = ?1",
                params![ticket.id, assignee],
            )?;
            tx.execute(
                "INSERT INTO ticket_assignments
                     (ticket_id, assignee_id, assignee_email, actor_account_id, actor_email, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    ticket.id,
                    assignee,
                    assignee_email,
                    actor.account_id,
                    actor.email,
                    now()
                ],
            )?;
            Ok(AssignOutcome::Done(Ticket {
                assignee_id: assignee,
                ..ticket
            }))
        })
        .await
    }

    /// The log of ticket `ticket_id`'s assignee changes, oldest first.
    pub async fn assignment_events(&self, ticket_id: i64) -> Result<Vec<AssignmentEvent>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT assignee_email, actor_email, created_at FROM ticket_assignments
                 WHERE ticket_id = ?1 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([ticket_id], |row| {
                Ok(AssignmentEvent {
                    assignee_email: row.get(0)?,
                    actor_email: row.get(1)?,
                    created_at: row.get(2)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Who is told of a customer's message on `ticket`: the agents (or
    /// `notify`, see [`Db::agents_to_notify`]) and, when that list lacks
    /// them, the ticket's assignee.
    pub async fn notice_recipients(
        &self,
        notify: Option<&str>,
        ticket: &Ticket,
    ) -> Result<Vec<String>> {
        let mut recipients = self.agents_to_notify(notify).await?;
        if ticket.assignee_id.is_some() {
            if let Some(assignee) = self.assignee_email(ticket.id).await? {
                if !recipients.contains(&assignee) {
                    recipients.push(assignee);
                }
            }
        }
        Ok(recipients)
    }

    /// The address of the agent ticket `ticket_id` is assigned to, if any.
    pub async fn assignee_email(&self, ticket_id: i64) -> Result<Option<String>> {
        self.read(move |c| {
            c.prepare_cached(
                "SELECT a.email FROM tickets t JOIN accounts a ON a.id = t.assignee_id
                 WHERE t.id = ?1 AND a.role = 'agent'",
            )?
            .query_row([ticket_id], |row| row.get(0))
            .optional()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::accounts::Role;
    use crate::db::tickets::NewMessage;

    fn author(id: i64, email: &str) -> Author {
        Author {
            role: Role::Agent,
            account_id: Some(id),
            email: email.to_owned(),
        }
    }

    async fn setup() -> (tempfile::TempDir, Db, Ticket, i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        let agent = db
            .create_account("a@example.com", "x", Role::Agent, true)
            .await
            .unwrap();
        let customer = db
            .create_account("c@example.com", "x", Role::Customer, true)
            .await
            .unwrap();
        let first = NewMessage {
            author: Author {
                role: Role::Customer,
                account_id: Some(customer),
                email: "c@example.com".into(),
            },
            body: "hi".into(),
            internal: false,
            files: Vec::new(),
        };
        let ticket = db
            .create_ticket("Q", "c@example.com", None, first)
            .await
            .unwrap();
        (dir, db, ticket, agent, customer)
    }

    #[tokio::test]
    async fn only_agents_can_be_assignees_and_each_change_is_logged_once() {
        let (_dir, db, ticket, agent, customer) = setup().await;
        let actor = author(agent, "a@example.com");
        assert_eq!(
            db.assign(&ticket.reference, Some(customer), actor.clone())
                .await
                .unwrap(),
            AssignOutcome::NotAnAgent
        );
        let AssignOutcome::Done(after) = db
            .assign(&ticket.reference, Some(agent), actor.clone())
            .await
            .unwrap()
        else {
            panic!("not assigned");
        };
        assert_eq!(after.assignee_id, Some(agent));
        assert_eq!(after.updated_at, ticket.updated_at);
        // The same assignment again writes nothing.
        db.assign(&ticket.reference, Some(agent), actor.clone())
            .await
            .unwrap();
        db.assign(&ticket.reference, None, actor).await.unwrap();
        let log = db.assignment_events(ticket.id).await.unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].assignee_email.as_deref(), Some("a@example.com"));
        assert_eq!(log[1].assignee_email, None);
        assert_eq!(log[1].actor_email.as_deref(), Some("a@example.com"));
    }

    #[tokio::test]
    async fn a_deleted_or_demoted_agent_leaves_its_tickets_unassigned_and_logged() {
        let (_dir, db, ticket, agent, _customer) = setup().await;
        db.assign(
            &ticket.reference,
            Some(agent),
            author(agent, "a@example.com"),
        )
        .await
        .unwrap();
        db.write(move |tx| {
            tx.execute(
                "UPDATE accounts SET role = 'customer' WHERE id = ?1",
                [agent],
            )
        })
        .await
        .unwrap();
        let after = db.ticket(&ticket.reference, None).await.unwrap().unwrap();
        assert_eq!(after.assignee_id, None);
        let log = db.assignment_events(ticket.id).await.unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].actor_email, None);

        let other = db
            .create_account("b@example.com", "x", Role::Agent, true)
            .await
            .unwrap();
        db.assign(
            &ticket.reference,
            Some(other),
            author(other, "b@example.com"),
        )
        .await
        .unwrap();
        db.write(move |tx| tx.execute("DELETE FROM accounts WHERE id = ?1", [other]))
            .await
            .unwrap();
        let after = db.ticket(&ticket.reference, None).await.unwrap().unwrap();
        assert_eq!(after.assignee_id, None);
        assert_eq!(db.assignment_events(ticket.id).await.unwrap().len(), 4);
    }

    /// A former agent who deletes their customer account is erased from
    /// the log of assignments too.
    #[tokio::test]
    async fn erasing_a_former_agent_erases_its_address_from_the_log() {
        let (_dir, db, ticket, agent, _customer) = setup().await;
        db.assign(
            &ticket.reference,
            Some(agent),
            author(agent, "a@example.com"),
        )
        .await
        .unwrap();
        db.write(move |tx| {
            tx.execute(
                "UPDATE accounts SET role = 'customer' WHERE id = ?1",
                [agent],
            )
        })
        .await
        .unwrap();
        db.erase_account(agent, "a@example.com").await.unwrap();
        let log = db.assignment_events(ticket.id).await.unwrap();
        let erased = crate::db::erasure::erased_address(agent);
        assert_eq!(log[0].assignee_email.as_deref(), Some(erased.as_str()));
        assert_eq!(log[0].actor_email.as_deref(), Some(erased.as_str()));
    }
}

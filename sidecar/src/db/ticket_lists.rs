//! Ticket lists: "My Tickets" and the agent inbox, filtered by requester,
//! status (or every unsolved status), assignee and a search text, in the chosen
//! order (last update by default), a page at a time, with the number of
//! matches so pages can say "Page N of M". The query names only the
//! filters in use so that SQLite reads one index in order for the default
//! order (see the indexes of `002_tickets.sql`).

use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::tickets::{ticket_from_row, Status, Ticket};
use super::Db;

/// Which tickets a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TicketFilter {
    /// Only this requester's tickets (customer lists).
    pub requester: Option<String>,
    /// Only tickets in this status.
    pub status: Option<Status>,
    /// Only tickets still waiting for a solution (new, open or pending);
    /// ignored when `status` is set.
    pub unsolved: bool,
    /// Only tickets assigned to this agent account, or to nobody (agent
    /// inbox views "mine" and "unassigned").
    pub assignee: Option<AssigneeFilter>,
    /// Subject or requester containing this text (agent search).
    pub search: Option<String>,
    /// Every one of these words (at most [`MAX_WORDS`], split on white
    /// space) in the subject or in a public message (customer search:
    /// internal notes are never searched).
    pub words: Option<String>,
    /// The order of the list.
    pub sort: TicketSort,
    /// Page number, from 1.
    pub page: u32,
    /// Tickets per page.
    pub per_page: u32,
}

/// Whose tickets a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssigneeFilter {
    /// Tickets assigned to this agent account.
    Agent(i64),
    /// Tickets assigned to nobody.
    Nobody,
}

/// Most words of a [`TicketFilter::words`] search; the rest are ignored.
pub const MAX_WORDS: usize = 8;

/// The order of a ticket list; every order ends with the newest update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TicketSort {
    /// Most recently updated first.
    #[default]
    Updated,
    /// Most recently created first.
    Created,
    /// By status in the order of a ticket's life (new first), then by
    /// last update.
    Status,
}

impl TicketSort {
    /// The name used in URLs (`?sort=`).
    pub fn as_str(self) -> &'static str {
        match self {
            TicketSort::Updated => "updated",
            TicketSort::Created => "created",
            TicketSort::Status => "status",
        }
    }

    /// The order named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        [TicketSort::Updated, TicketSort::Created, TicketSort::Status]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    fn order_by(self) -> &'static str {
        match self {
            TicketSort::Updated => "updated_at DESC, id DESC",
            TicketSort::Created => "created_at DESC, id DESC",
            TicketSort::Status => {
                "CASE status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
                 WHEN 'resolved' THEN 3 ELSE 4 END, updated_at DESC, id DESC"
            }
        }
    }
}

/// One page of a ticket list.
#[derive(Debug, Clone)]
pub struct TicketPage {
    /// The tickets on this page.
    pub tickets: Vec<Ticket>,
    /// Whether another page follows.
    pub has_more: bool,
    /// How many tickets match the filter on all pages together.
    pub total: u64,
}

/// `%`, `_` and `\` escaped for `LIKE ... ESCAPE '\'`.
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The `WHERE` clause of `filter` (empty when nothing narrows the list)
/// and its values, numbered from `?1`.
fn where_clause(filter: &TicketFilter) -> (String, Vec<Value>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    if let Some(requester) = &filter.requester {
        values.push(Value::Text(requester.clone()));
        conditions.push(format!("requester = ?{}", values.len()));
    }
    if let Some(status) = filter.status {
        values.push(Value::Text(status.as_str().to_owned()));
        conditions.push(format!("status = ?{}", values.len()));
    } else if filter.unsolved {
        conditions.push("status IN ('new', 'open', 'pending')".to_owned());
    }
    match filter.assignee {
        Some(AssigneeFilter::Agent(id)) => {
            values.push(Value::Integer(id));
            conditions.push(format!("assignee_id = ?{}", values.len()));
        }
        Some(AssigneeFilter::Nobody) => conditions.push("assignee_id IS NULL".to_owned()),
        None => {}
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        values.push(Value::Text(like_pattern(search)));
        let n = values.len();
        conditions.push(format!(
            "(subject LIKE ?{n} ESCAPE '\\' OR requester LIKE ?{n} ESCAPE '\\')"
        ));
    }
    let words = filter.words.as_deref().unwrap_or("");
    for word in words.split_whitespace().take(MAX_WORDS) {
        values.push(Value::Text(like_pattern(word)));
        let n = values.len();
        conditions.push(format!(
            "(subject LIKE ?{n} ESCAPE '\\' OR EXISTS (SELECT 1 FROM ticket_messages m \
             WHERE m.ticket_id = tickets.id AND m.internal = 0 AND m.body LIKE ?{n} ESCAPE '\\'))"
        ));
    }
    if conditions.is_empty() {
        (String::new(), values)
    } else {
        (format!("WHERE {}", conditions.join(" AND ")), values)
    }
}

/// The list query for `filter`, with only the conditions it needs so that
/// SQLite picks the matching index (requester, status or update time) and,
/// in the default order, reads rows already in order; one row more than a
/// page tells whether another page follows.
fn list_query(filter: &TicketFilter, per_page: u32) -> (String, Vec<Value>) {
    let (where_clause, mut values) = where_clause(filter);
    let offset = i64::from(filter.page.max(1) - 1) * i64::from(per_page);
    values.push(Value::Integer(i64::from(per_page) + 1));
    values.push(Value::Integer(offset));
    let n = values.len();
    let sql = format!(
        "SELECT * FROM tickets {where_clause} ORDER BY {} LIMIT ?{} OFFSET ?{n}",
        filter.sort.order_by(),
        n - 1
    );
    (sql, values)
}

/// How many tickets match `filter` on all pages.
fn count_query(filter: &TicketFilter) -> (String, Vec<Value>) {
    let (where_clause, values) = where_clause(filter);
    (
        format!("SELECT count(*) FROM tickets {where_clause}"),
        values,
    )
}

impl Db {
    /// One page of tickets matching `filter`, in its order.
    pub async fn list_tickets(&self, filter: TicketFilter) -> Result<TicketPage> {
        self.read(move |c| list_tickets_on(c, &filter)).await
    }
}

/// [`Db::list_tickets`] on a reader connection (for reads that combine it
/// with another query in one trip). Blocking.
pub(crate) fn list_tickets_on(
    c: &Connection,
    filter: &TicketFilter,
) -> rusqlite::Result<TicketPage> {
    let per_page = filter.per_page.clamp(1, 200);
    let (sql, values) = list_query(filter, per_page);
    let mut stmt = c.prepare_cached(&sql)?;
    let mut tickets = stmt
        .query_map(params_from_iter(values), ticket_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let has_more = tickets.len() > per_page as usize;
    tickets.truncate(per_page as usize);
    let (sql, values) = count_query(filter);
    let total: i64 = c
        .prepare_cached(&sql)?
        .query_row(params_from_iter(values), |r| r.get(0))?;
    Ok(TicketPage {
        tickets,
        has_more,
        total: u64::try_from(total).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    /// Fills a database with 100,000 tickets and checks that every list
    /// of My Tickets and of the agent inbox reads an index in order (no
    /// full scan, no sorting).
    #[tokio::test]
    async fn lists_use_an_index_at_one_hundred_thousand_tickets() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        db.write(|tx| {
            tx.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
                 INSERT INTO accounts (id, email, password_hash, role, created_at)
                 SELECT i, 'agent' || i || '@example.com', 'x', 'agent', 0 FROM n WHERE i <= 5;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
                 INSERT INTO tickets (ref, subject, requester, status, created_at, updated_at, assignee_id)
                 SELECT printf('%026d', i), 'Subject ' || i, 'user' || (i % 997) || '@example.com',
                        CASE i % 5 WHEN 0 THEN 'new' WHEN 1 THEN 'open' WHEN 2 THEN 'pending'
                                   WHEN 3 THEN 'resolved' ELSE 'closed' END,
                        i, i, CASE WHEN i % 7 < 5 THEN i % 7 + 1 END
                 FROM n;
                 ANALYZE;",
            )
        })
        .await
        .unwrap();
        let customer = |requester: &str, status: Option<Status>| TicketFilter {
            requester: Some(requester.to_owned()),
            status,
            ..TicketFilter::default()
        };
        // The agent inbox: unsolved by default, all, one status, and the
        // "Mine" and "Unassigned" views of unsolved tickets.
        let inbox = |status: Option<Status>, unsolved: bool, assignee| TicketFilter {
            status,
            unsolved,
            assignee,
            ..TicketFilter::default()
        };
        let filters = [
            (customer("user7@example.com", None), "tickets_by_requester"),
            (
                customer("user7@example.com", Some(Status::Open)),
                "tickets_by_requester",
            ),
            (
                inbox(Some(Status::Pending), false, None),
                "tickets_by_status",
            ),
            (inbox(None, false, None), "tickets_by_updated"),
            (inbox(None, true, None), "tickets_by_updated"),
            (
                inbox(None, true, Some(AssigneeFilter::Agent(3))),
                "tickets_by_assignee",
            ),
            (
                inbox(None, true, Some(AssigneeFilter::Nobody)),
                "tickets_by_assignee",
            ),
        ];
        for (filter, index) in filters {
            let filter = TicketFilter {
                page: 1,
                per_page: 25,
                ..filter
            };
            let (sql, values) = list_query(&filter, 25);
            let plan: Vec<String> = db
                .read(move |c| {
                    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows =
                        stmt.query_map(params_from_iter(values), |r| r.get::<_, String>(3))?;
                    rows.collect()
                })
                .await
                .unwrap();
            let plan = plan.join(" | ");
            assert!(plan.contains(index), "{filter:?}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{filter:?}: {plan}");
            let page = db.list_tickets(filter.clone()).await.unwrap();
            assert!(!page.tickets.is_empty(), "{filter:?}");
        }
        let page = db
            .list_tickets(TicketFilter {
                requester: Some("user7@example.com".into()),
                page: 1,
                per_page: 25,
                ..TicketFilter::default()
            })
            .await
            .unwrap();
        assert!(page
            .tickets
            .windows(2)
            .all(|w| w[0].updated_at >= w[1].updated_at));
        assert!(page
            .tickets
            .iter()
            .all(|t| t.requester == "user7@example.com"));
    }

    /// A list statement stays prepared: running it for other customers
    /// and pages does not make SQLite parse and plan it again.
    #[tokio::test]
    async fn list_statements_are_not_prepared_again_for_each_customer() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        let reprepared = db
            .read(|c| {
                let filter = |who: &str, page: u32| TicketFilter {
                    requester: Some(who.to_owned()),
                    page,
                    per_page: 25,
                    ..TicketFilter::default()
                };
                for (who, page) in [
                    ("a@example.com", 1),
                    ("b@example.com", 2),
                    ("c@example.com", 1),
                ] {
                    list_tickets_on(c, &filter(who, page))?;
                }
                let (sql, _) = list_query(&filter("a@example.com", 1), 25);
                let stmt = c.prepare_cached(&sql)?;
                Ok(stmt.get_status(rusqlite::StatementStatus::RePrepare))
            })
            .await
            .unwrap();
        assert_eq!(reprepared, 0);
    }
}

//! What the two ticket lists (My Tickets and the agent inbox) share: the
//! status choice and select, the pager with "Page N of M", and reading
//! the `page` and `q` query parameters. The lists themselves are in
//! [`super::customer`] and [`super::agent`].

use serde::Serialize;

use crate::db::tickets::Status;
use crate::http::encode_query_value;

/// One choice of a status filter or select.
#[derive(Debug, Serialize)]
pub struct StatusOption {
    /// Value: the status name.
    pub value: &'static str,
    /// Label (English).
    pub label: &'static str,
    /// The catalog key of the label.
    pub key: &'static str,
    /// Whether it is the current one.
    pub selected: bool,
}

/// The choices of a status select, `current` selected. The lists' wider
/// choices ("all", "unsolved") are written by the template, which knows
/// their labels, from [`StatusChoice::as_str`].
pub fn status_options(current: Option<Status>) -> Vec<StatusOption> {
    Status::ALL
        .into_iter()
        .map(|s| StatusOption {
            value: s.as_str(),
            label: s.label(),
            key: status_key(s),
            selected: current == Some(s),
        })
        .collect()
}

/// The catalog key of `status`'s label (`status.open`).
pub fn status_key(status: Status) -> &'static str {
    match status {
        Status::New => "status.new",
        Status::Open => "status.open",
        Status::Pending => "status.pending",
        Status::Resolved => "status.resolved",
        Status::Closed => "status.closed",
    }
}

/// Which statuses a ticket list shows (`?status=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusChoice {
    /// Every ticket (`all`).
    All,
    /// New, open and pending tickets (`unsolved`).
    Unsolved,
    /// Tickets in one status (its name).
    Only(Status),
}

impl StatusChoice {
    /// The choice named by the `status` query parameter, else `default`.
    pub fn from_param(raw: Option<String>, default: StatusChoice) -> Self {
        match raw.as_deref() {
            Some("all") => StatusChoice::All,
            Some("unsolved") => StatusChoice::Unsolved,
            Some(name) => Status::parse(name).map_or(default, StatusChoice::Only),
            None => default,
        }
    }

    /// The name in URLs and the select's value.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusChoice::All => "all",
            StatusChoice::Unsolved => "unsolved",
            StatusChoice::Only(status) => status.as_str(),
        }
    }

    /// The single status, if the choice is one.
    pub fn status(self) -> Option<Status> {
        match self {
            StatusChoice::Only(status) => Some(status),
            _ => None,
        }
    }
}

/// Links to the previous and next page of a list and where the page
/// stands among all pages.
#[derive(Debug, Serialize, Default)]
pub struct Pager {
    /// The current page, from 1.
    pub page: u32,
    /// How many pages the list has (at least 1).
    pub pages: u32,
    /// The page asked for lies past the last page of a list that is not
    /// empty.
    pub beyond: bool,
    /// The last page's URL.
    pub last: String,
    /// The previous page's URL (the last page when `beyond`).
    pub prev: Option<String>,
    /// The next page's URL.
    pub next: Option<String>,
}

impl Pager {
    /// Page links for `base` (a path) with the other query `params` (empty
    /// values are left out), for page `page` of a list of `total` tickets
    /// shown `per_page` at a time.
    pub fn new(base: &str, params: &[(&str, &str)], page: u32, total: u64, per_page: u32) -> Self {
        let url = |p: u32| {
            let mut query: Vec<String> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
                .collect();
            if p > 1 {
                query.push(format!("page={p}"));
            }
            if query.is_empty() {
                base.to_owned()
            } else {
                format!("{base}?{}", query.join("&"))
            }
        };
        let pages = u32::try_from(total.div_ceil(u64::from(per_page.max(1))))
            .unwrap_or(u32::MAX)
            .max(1);
        let beyond = total > 0 && page > pages;
        Self {
            page,
            pages,
            beyond,
            last: url(pages),
            prev: if beyond {
                Some(url(pages))
            } else {
                (page > 1).then(|| url(page - 1))
            },
            next: (page < pages).then(|| url(page + 1)),
        }
    }
}

/// The `page` query parameter (1 when absent or nonsense).
pub fn page_param(raw: Option<String>) -> u32 {
    raw.and_then(|p| p.parse::<u32>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

/// The `q` query parameter: trimmed, at most 200 characters.
pub fn search_param(raw: Option<String>) -> String {
    raw.unwrap_or_default().trim().chars().take(200).collect()
}

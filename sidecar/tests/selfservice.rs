//! Issue 18, self-service that learns, against the real sidecar: article
//! feedback from static pages, aggregate counts, contact without an
//! account confirmed by the mailed link, satisfaction ratings by signed
//! link, and the report built from what these tests did. Each security
//! test names the attack it stops.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
mod tickets_support;

#[path = "selfservice/support.rs"]
mod support;

#[path = "selfservice/feedback.rs"]
mod feedback;

#[path = "selfservice/contact.rs"]
mod contact;

#[path = "selfservice/rating.rs"]
mod rating;

#[path = "selfservice/reports.rs"]
mod reports;

//! The portal's pages: Tera templates from the theme's `portal/` folder,
//! filled from typed view structs. Templates are `.html`, so every value is
//! escaped.

use std::path::Path;

use anyhow::{Context, Result};
use hyper::StatusCode;
use serde::Serialize;

use crate::auth::Session;
use crate::http::{self, Response};

/// Every portal template, by name under `portal/`, with the default
/// theme's copy compiled in: a site without a theme folder gets these, as
/// `docket build` gets the built-in generator templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../themes/default/templates/portal/layout.html"),
    ),
    (
        "login.html",
        include_str!("../../themes/default/templates/portal/login.html"),
    ),
    (
        "register.html",
        include_str!("../../themes/default/templates/portal/register.html"),
    ),
    (
        "register_done.html",
        include_str!("../../themes/default/templates/portal/register_done.html"),
    ),
    (
        "verify.html",
        include_str!("../../themes/default/templates/portal/verify.html"),
    ),
    (
        "forgot.html",
        include_str!("../../themes/default/templates/portal/forgot.html"),
    ),
    (
        "forgot_done.html",
        include_str!("../../themes/default/templates/portal/forgot_done.html"),
    ),
    (
        "reset.html",
        include_str!("../../themes/default/templates/portal/reset.html"),
    ),
    (
        "reset_done.html",
        include_str!("../../themes/default/templates/portal/reset_done.html"),
    ),
    (
        "my_tickets.html",
        include_str!("../../themes/default/templates/portal/my_tickets.html"),
    ),
    (
        "agent_tickets.html",
        include_str!("../../themes/default/templates/portal/agent_tickets.html"),
    ),
    (
        "my_ticket.html",
        include_str!("../../themes/default/templates/portal/my_ticket.html"),
    ),
    (
        "new_ticket.html",
        include_str!("../../themes/default/templates/portal/new_ticket.html"),
    ),
    (
        "agent_ticket.html",
        include_str!("../../themes/default/templates/portal/agent_ticket.html"),
    ),
    (
        "ticket_link.html",
        include_str!("../../themes/default/templates/portal/ticket_link.html"),
    ),
    (
        "ticket_link_open.html",
        include_str!("../../themes/default/templates/portal/ticket_link_open.html"),
    ),
    (
        "profile.html",
        include_str!("../../themes/default/templates/portal/profile.html"),
    ),
    (
        "profile_deleted.html",
        include_str!("../../themes/default/templates/portal/profile_deleted.html"),
    ),
    (
        "email_confirm.html",
        include_str!("../../themes/default/templates/portal/email_confirm.html"),
    ),
    (
        "contact.html",
        include_str!("../../themes/default/templates/portal/contact.html"),
    ),
    (
        "contact_confirm.html",
        include_str!("../../themes/default/templates/portal/contact_confirm.html"),
    ),
    (
        "rate.html",
        include_str!("../../themes/default/templates/portal/rate.html"),
    ),
    (
        "agent_canned.html",
        include_str!("../../themes/default/templates/portal/agent_canned.html"),
    ),
    (
        "reports.html",
        include_str!("../../themes/default/templates/portal/reports.html"),
    ),
    (
        "form_expired.html",
        include_str!("../../themes/default/templates/portal/form_expired.html"),
    ),
    (
        "403.html",
        include_str!("../../themes/default/templates/portal/403.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/portal/404.html"),
    ),
    (
        "429.html",
        include_str!("../../themes/default/templates/portal/429.html"),
    ),
    (
        "500.html",
        include_str!("../../themes/default/templates/portal/500.html"),
    ),
];

/// Templates the portal pages use that themes written before them do not
/// have: the shared site header and the portal's macros. A theme's own
/// copy wins; a theme without one gets the default theme's.
const SHARED: &[(&str, &str)] = &[
    (
        "header.html",
        include_str!("../../themes/default/templates/header.html"),
    ),
    (
        "portal/macros.html",
        include_str!("../../themes/default/templates/portal/macros.html"),
    ),
    (
        "portal/agent_macros.html",
        include_str!("../../themes/default/templates/portal/agent_macros.html"),
    ),
];

/// The loaded portal templates.
#[derive(Debug)]
pub struct Pages {
    tera: tera::Tera,
    default_language: String,
    catalogs: std::sync::Arc<docket_i18n::Catalogs>,
    /// The site's own templates written before the string catalogs (they
    /// never call `t(key=…)`): they print [`MESSAGE_FIELDS`] as text.
    uncataloged: std::collections::HashSet<String>,
}

/// The view fields in which handlers name a message by its catalog key.
/// Templates written before the catalogs printed them as text (`{{ error
/// }}`); for those the key is replaced by its text before rendering, so a
/// site's older theme shows the message, not the key.
const MESSAGE_FIELDS: [&str; 7] = [
    "error",
    "email_error",
    "password_error",
    "confirm_error",
    "subject_error",
    "body_error",
    "status_error",
];

/// What every portal page knows.
#[derive(Debug, Clone, Serialize)]
pub struct Common {
    /// The site's title.
    pub site_title: String,
    /// The signed-in account, if any.
    pub user: Option<UserView>,
    /// The session's CSRF token for forms (empty without a session).
    pub csrf: String,
}

/// The signed-in account as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    /// E-mail address.
    pub email: String,
    /// `customer` or `agent`.
    pub role: &'static str,
    /// Whether the address is verified.
    pub verified: bool,
}

impl Common {
    /// The common part for a request with `session`.
    pub fn new(site_title: &str, session: Option<&Session>) -> Self {
        Self {
            site_title: site_title.to_owned(),
            user: session.and_then(|s| s.user.as_ref()).map(|u| UserView {
                email: u.email.clone(),
                role: u.role.as_str(),
                verified: u.verified,
            }),
            csrf: session.map(|s| s.csrf.clone()).unwrap_or_default(),
        }
    }
}

impl Pages {
    /// [`Pages::load_with`] the built-in string catalogs. Blocking.
    pub fn load(templates_dir: &Path, overrides: &Path) -> Result<Self> {
        Self::load_with(
            templates_dir,
            overrides,
            &std::sync::Arc::new(docket_i18n::Catalogs::built_in()?),
        )
    }

    /// Loads every template of [`TEMPLATES`]: a file of the same name in
    /// `overrides/portal/` (the site's own `templates/` folder, as for the
    /// generator) wins, then one in `templates_dir/portal/` (the theme's),
    /// then the built-in copy, so a site without a theme folder still has
    /// its portal. Templates look their strings up in `catalogs`
    /// (`t(key=…, lang=…)`). Blocking.
    pub fn load_with(
        templates_dir: &Path,
        overrides: &Path,
        catalogs: &std::sync::Arc<docket_i18n::Catalogs>,
    ) -> Result<Self> {
        let mut sources = Vec::with_capacity(SHARED.len() + TEMPLATES.len());
        let mut uncataloged = std::collections::HashSet::new();
        let shared = SHARED.iter().map(|(name, text)| (name.to_string(), *text));
        let portal = TEMPLATES
            .iter()
            .map(|(name, text)| (format!("portal/{name}"), *text));
        for (name, built_in) in shared.chain(portal) {
            let own = [overrides.join(&name), templates_dir.join(&name)]
                .into_iter()
                .find(|p| p.is_file());
            let text = match &own {
                Some(path) => std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read the portal template {}", path.display())
                })?,
                None => built_in.to_owned(),
            };
            if own.is_some() && !text.contains("t(key") {
                uncataloged.insert(name.clone());
            }
            sources.push((name, text));
        }
        let mut tera = tera::Tera::default();
        catalogs.register(&mut tera);
        tera.add_raw_templates(sources)
            .context("cannot load the portal templates")?;
        Ok(Self {
            tera,
            default_language: catalogs.default_language().to_owned(),
            catalogs: catalogs.clone(),
            uncataloged,
        })
    }

    /// The language of the request being handled, else the default.
    fn language(&self) -> String {
        crate::language::current().unwrap_or_else(|| self.default_language.clone())
    }

    /// Renders `portal/<name>` with `view` into an HTML response.
    pub fn render<T: Serialize>(
        &self,
        status: StatusCode,
        name: &str,
        view: &T,
    ) -> Result<Response> {
        Ok(http::html(status, self.render_html(name, view)?))
    }

    /// Renders `portal/<name>` with `view` into HTML text.
    pub fn render_html<T: Serialize>(&self, name: &str, view: &T) -> Result<String> {
        let mut context = tera::Context::from_serialize(view)
            .with_context(|| format!("cannot build the context of portal/{name}"))?;
        if !context.contains_key("lang") {
            context.insert("lang", &self.language());
        }
        let name = format!("portal/{name}");
        if self.uncataloged.contains(&name) {
            self.messages_as_text(&mut context);
        }
        self.tera
            .render(&name, &context)
            .with_context(|| format!("cannot render {name}"))
    }

    /// The catalog string `key` in the language of the request being
    /// handled, its `{name}` placeholders filled from `args` (for a message
    /// a handler composes, such as a refused file's).
    pub fn text(&self, key: &str, args: &std::collections::BTreeMap<String, String>) -> String {
        self.catalogs.text(&self.language(), key, args)
    }

    /// Replaces the catalog keys in [`MESSAGE_FIELDS`] by their text in
    /// the page's language, for a template that prints them as they are.
    fn messages_as_text(&self, context: &mut tera::Context) {
        let lang = match context.get("lang") {
            Some(serde_json::Value::String(lang)) => lang.clone(),
            _ => self.language(),
        };
        for field in MESSAGE_FIELDS {
            if let Some(serde_json::Value::String(key)) = context.get(field) {
                let text = self.catalogs.plain(&lang, key);
                context.insert(field, &text);
            }
        }
    }
}

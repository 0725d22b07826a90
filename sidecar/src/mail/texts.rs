//! What mail says, in the recipient's language: the `[mail]` strings of the
//! site's catalogs (the same catalogs the portal's pages use, so a site
//! overrides a mail's wording in its `i18n/` like any other string).
//!
//! Which language a mail is written in is decided by the caller from what
//! it knows about the recipient, most specific first
//! ([`MailTexts::language`]): the recipient's account, else the ticket the
//! mail is about, else the language of the page the recipient is using
//! right now (for mail they asked for themselves), else the site's
//! default. Only languages the portal speaks are chosen.

use std::collections::BTreeMap;
use std::sync::Arc;

use docket_i18n::Catalogs;

use crate::db::Db;
use crate::language::Languages;

/// The site's catalogs and the languages mail may be written in.
#[derive(Debug, Clone)]
pub struct MailTexts {
    catalogs: Arc<Catalogs>,
    languages: Languages,
}

impl MailTexts {
    /// Mail strings from `catalogs`, in the `languages` the portal speaks.
    pub fn new(catalogs: Arc<Catalogs>, languages: Languages) -> Self {
        Self {
            catalogs,
            languages,
        }
    }

    /// The catalogs of the options' site (blocking: reads the theme's and
    /// the site's `i18n/` folders), for callers without a running portal
    /// (`docket mail receive`).
    pub fn from_options(options: &crate::Options) -> anyhow::Result<Self> {
        let catalogs = Arc::new(options.load_catalogs()?);
        let languages = Languages::new(&options.default_language, &options.languages, &catalogs);
        Ok(Self::new(catalogs, languages))
    }

    /// The first of `preferences` (most specific first) that the portal
    /// speaks, else the site's default, ready to write in.
    pub fn language<'a>(&self, preferences: impl IntoIterator<Item = Option<&'a str>>) -> Text<'_> {
        let lang = preferences
            .into_iter()
            .flatten()
            .find_map(|code| self.languages.known(code))
            .unwrap_or(self.languages.default_language())
            .to_owned();
        Text { texts: self, lang }
    }

    /// The site's default language, ready to write in.
    pub fn default_language(&self) -> Text<'_> {
        self.language([])
    }
}

impl MailTexts {
    /// The language mail to `to` (about ticket `ticket_id`) is written in:
    /// the language chosen on `to`'s account, else the ticket's, else
    /// `page_language` (the page of a person asking for mail to
    /// themselves), else the site's default. A failed lookup is logged and
    /// skipped: the mail still goes out.
    pub async fn for_recipient(
        &self,
        db: &Db,
        to: &str,
        ticket_id: Option<i64>,
        page_language: Option<&str>,
    ) -> Text<'_> {
        let known = db.mail_language(to, ticket_id).await.unwrap_or_else(|err| {
            tracing::warn!(%to, "cannot read the language for a mail: {err:#}");
            None
        });
        self.language([known.as_deref(), page_language])
    }
}

/// A placeholder's value (shareable, so a mail can be built across an
/// `.await` in a task that moves between threads).
pub type Arg = dyn std::fmt::Display + Sync;

/// Mail strings in one language.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    texts: &'a MailTexts,
    lang: String,
}

impl Text<'_> {
    /// The language code.
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// The string `key` with its `{name}` placeholders filled from `args`
    /// (a `count` argument also picks the plural form).
    pub fn t(&self, key: &str, args: &[(&str, &Arg)]) -> String {
        let args: BTreeMap<String, String> = args
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.to_string()))
            .collect();
        self.texts.catalogs.text(&self.lang, key, &args)
    }

    /// The string `key`, which has no placeholders.
    pub fn plain(&self, key: &str) -> String {
        self.texts.catalogs.plain(&self.lang, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> MailTexts {
        let catalogs = Arc::new(Catalogs::built_in().unwrap_or_default());
        let languages = Languages::new("en", &["en".into(), "ja".into()], &catalogs);
        MailTexts::new(catalogs, languages)
    }

    #[test]
    fn the_first_language_the_portal_speaks_is_chosen() {
        let texts = texts();
        assert_eq!(texts.language([None, Some("ja"), Some("en")]).lang(), "ja");
        assert_eq!(texts.language([Some("fr"), Some("JA")]).lang(), "ja");
        assert_eq!(texts.language([Some("fr"), None]).lang(), "en");
        assert_eq!(texts.default_language().lang(), "en");
    }

    #[test]
    fn strings_come_from_the_catalog_with_placeholders_filled() {
        let texts = texts();
        let ja = texts.language([Some("ja")]);
        assert_eq!(ja.plain("mail.open_ticket"), "チケットを開く");
        let en = texts.default_language();
        assert_eq!(
            en.t("mail.verify_subject", &[("site", &"Acme Help")]),
            "Confirm your address for Acme Help"
        );
    }
}

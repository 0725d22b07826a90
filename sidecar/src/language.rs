//! Which language the portal speaks to a request: an explicit `?lang=`
//! (the language switcher, or the static page the visitor came from, whose
//! "Log in" link carries its language), remembered in a cookie; else that
//! cookie; else the browser's `Accept-Language`; else the site's default.
//! Only languages the site is written in and that have a string catalog
//! are chosen.
//!
//! The choice is made once per request ([`Languages::choose`]) and holds
//! for everything rendered while the request is handled
//! ([`with_language`], [`current`]), so handlers need not pass it along.

use cookie::{Cookie, SameSite};
use hyper::header::{HeaderValue, ACCEPT_LANGUAGE, SET_COOKIE};

use crate::http::{Req, Response};

/// The cookie remembering an explicit choice.
pub const COOKIE: &str = "docket_lang";
/// How long the choice is remembered: a year.
const REMEMBER_SECS: i64 = 365 * 86_400;

tokio::task_local! {
    static CURRENT: String;
}

/// The languages the portal can speak.
#[derive(Debug, Clone)]
pub struct Languages {
    default: String,
    available: Vec<String>,
    /// Each available language's name in that language, in the same order.
    names: Vec<String>,
}

/// The language for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The language code.
    pub lang: String,
    /// Whether it was chosen explicitly now (`?lang=`) and should be
    /// remembered.
    pub remember: bool,
}

impl Languages {
    /// `site_languages` (the default first) that have a catalog; the
    /// default is always available.
    pub fn new(default: &str, site_languages: &[String], catalogs: &docket_i18n::Catalogs) -> Self {
        let mut available = vec![default.to_owned()];
        for lang in site_languages {
            if catalogs.has_language(lang) && !available.contains(lang) {
                available.push(lang.clone());
            }
        }
        let names = available
            .iter()
            .map(|lang| catalogs.plain(lang, "language.name"))
            .collect();
        Self {
            default: default.to_owned(),
            available,
            names,
        }
    }

    /// Each available language with its name in that language (for a
    /// language menu), the default first.
    pub fn named(&self) -> impl Iterator<Item = (&str, &str)> {
        self.available
            .iter()
            .map(String::as_str)
            .zip(self.names.iter().map(String::as_str))
    }

    /// The site's default language.
    pub fn default_language(&self) -> &str {
        &self.default
    }

    /// The languages offered, the default first (for the switcher).
    pub fn available(&self) -> &[String] {
        &self.available
    }

    /// `code` if the portal speaks it (compared without case), as written
    /// in the site's configuration.
    pub fn known(&self, code: &str) -> Option<&str> {
        self.available
            .iter()
            .find(|l| l.eq_ignore_ascii_case(code.trim()))
            .map(String::as_str)
    }

    /// The language for `req`.
    pub fn choose(&self, req: &Req) -> Choice {
        if let Some(lang) = req
            .query_param("lang")
            .and_then(|l| self.known(&l).map(str::to_owned))
        {
            return Choice {
                lang,
                remember: true,
            };
        }
        let remembered = req
            .cookie(COOKIE)
            .and_then(|l| self.known(&l).map(str::to_owned));
        let lang = remembered
            .or_else(|| {
                let offered: Vec<&str> = self.available.iter().map(String::as_str).collect();
                req.header(ACCEPT_LANGUAGE)
                    .and_then(|header| docket_i18n::negotiate(header, &offered))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| self.default.clone());
        Choice {
            lang,
            remember: false,
        }
    }
}

/// Runs `handler` with `lang` as the request's language.
pub async fn with_language<F: std::future::Future>(lang: String, handler: F) -> F::Output {
    CURRENT.scope(lang, handler).await
}

/// The language of the request being handled, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Remembers an explicit choice in a cookie on `resp` (readable by no
/// script, sent on top-level navigation).
pub fn remember(resp: &mut Response, lang: &str, secure: bool) {
    let cookie = Cookie::build((COOKIE, lang.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(REMEMBER_SECS))
        .build()
        .to_string();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Method;

    fn languages() -> Languages {
        let catalogs = docket_i18n::Catalogs::built_in().unwrap_or_default();
        Languages::new("en", &["en".into(), "ja".into(), "fr".into()], &catalogs)
    }

    fn request(target: &str, headers: &[(&'static str, &str)]) -> Req {
        let mut req = Req::new(Method::GET, target);
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                req.headers.insert(*name, value);
            }
        }
        req
    }

    #[test]
    fn an_explicit_choice_beats_the_cookie_which_beats_the_browser() {
        let l = languages();
        assert_eq!(l.available(), ["en", "ja"], "French has no catalog");
        let both = [("cookie", "docket_lang=en"), ("accept-language", "ja")];
        assert_eq!(
            l.choose(&request("/login?lang=ja", &both)),
            Choice {
                lang: "ja".into(),
                remember: true
            }
        );
        assert_eq!(l.choose(&request("/login", &both)).lang, "en");
        assert_eq!(
            l.choose(&request("/login", &[("accept-language", "ja-JP,en;q=0.5")]))
                .lang,
            "ja"
        );
        assert_eq!(
            l.choose(&request("/login?lang=xx", &[])),
            Choice {
                lang: "en".into(),
                remember: false
            }
        );
        assert_eq!(
            l.choose(&request("/login", &[("cookie", "docket_lang=fr")]))
                .lang,
            "en"
        );
    }
}

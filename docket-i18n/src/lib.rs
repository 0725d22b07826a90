//! String catalogs: everything the theme's pages, the portal and the mails
//! say, one TOML file per language (`themes/default/i18n/en.toml`,
//! `ja.toml`). A theme may bring its own catalogs and a site may override
//! single strings (`i18n/ja.toml` beside `docket.toml`); keys missing in a
//! language fall back to the site's default language, then to English.
//!
//! Templates call one Tera function, `t(key="…", lang=lang)`, with named
//! values for the placeholders (`t(key="pager.page_of", lang=lang,
//! page=2, pages=5)` fills `{page}` and `{pages}`). Placeholders without a
//! value are left as they are, so a catalog string can carry `{n}` through
//! to the browser's script. A string may have plural forms (`one`,
//! `other`), chosen by the `count` value.

mod catalog;
mod negotiate;
mod tera_fn;

pub use catalog::{Catalogs, Entry, BUILT_IN};
pub use negotiate::negotiate;

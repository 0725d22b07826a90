//! Request paths of `docket serve`, normalised once. Every decision the
//! development server makes about a path — which bundle it names, which
//! held file ([`super::fresh`]) answers it, which of the sidecar's handlers
//! sees it — is made from the one [`Location`] this module produces, so an
//! encoding (`/%69nternal/…`, `/Internal%2F…`) cannot make two of them
//! disagree.
//!
//! The segment rules are the sidecar's ([`plain_names`]: each segment
//! decoded once, no empty, `.`/`..` or dot-led segment, no `/`, `\`, `%`,
//! NUL or control character inside); a path that breaks them has no
//! location and is never answered from memory.

use docket_sidecar::handlers::files::plain_names;

use crate::model::bundle::BundleKind;

/// What a request path names: a bundle and a path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The bundle: internal when the first decoded segment is `internal`.
    pub kind: BundleKind,
    /// The decoded segments inside the bundle (without `internal`).
    pub names: Vec<String>,
    /// Whether the path ends with `/` (a folder: its `index.html`).
    pub folder: bool,
}

impl Location {
    /// The bundle file this names (`a/b/index.html`, `a/x.css`); empty
    /// for the bare `/internal`.
    pub fn file(&self) -> String {
        let mut path = self.names.join("/");
        if self.folder {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str("index.html");
        }
        path
    }

    /// The canonical, percent-encoded URL path: the bundle's root, then
    /// each segment encoded (every byte but unreserved ones), then the
    /// trailing slash of a folder.
    pub fn url(&self) -> String {
        let mut url = match self.kind {
            BundleKind::Public => String::new(),
            BundleKind::Internal => "/internal".to_owned(),
        };
        for name in &self.names {
            url.push('/');
            url.extend(percent_encoding::utf8_percent_encode(name, SEGMENT));
        }
        if self.folder || (self.names.is_empty() && self.kind == BundleKind::Public) {
            url.push('/');
        }
        url
    }
}

/// Bytes encoded in a canonical segment: all but RFC 3986's unreserved.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The location of a raw (percent-encoded) request path, or `None` when it
/// is not made of plain segments (see the module's rules).
pub fn locate(request_path: &str) -> Option<Location> {
    let (mut names, folder) = plain_names(request_path)?;
    let kind = if names.first().is_some_and(|n| n == "internal") {
        names.remove(0);
        BundleKind::Internal
    } else {
        BundleKind::Public
    };
    Some(Location {
        kind,
        names,
        folder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoded_internal_prefix_names_the_internal_bundle() {
        for raw in ["/internal/a/", "/%69nternal/a/", "/%69%6E%74ernal/a/"] {
            let loc = locate(raw).unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(loc.kind, BundleKind::Internal, "{raw}");
            assert_eq!(loc.file(), "a/index.html");
            assert_eq!(loc.url(), "/internal/a/");
        }
    }

    #[test]
    fn paths_that_are_not_plain_have_no_location() {
        for raw in [
            "//internal/a/",
            "/./internal/a/",
            "/a/../internal/a/",
            "/internal%2Fa/",
            "/%2e%2e/a",
            "/a/%00",
            "relative",
        ] {
            assert_eq!(locate(raw), None, "{raw}");
        }
    }

    #[test]
    fn the_root_and_bare_internal_have_canonical_urls() {
        let root = locate("/").unwrap_or_else(|| panic!("/"));
        assert_eq!(
            (root.kind, root.file(), root.url()),
            (BundleKind::Public, "index.html".to_owned(), "/".to_owned())
        );
        let bare = locate("/internal").unwrap_or_else(|| panic!("/internal"));
        assert_eq!(
            (bare.kind, bare.file(), bare.url()),
            (BundleKind::Internal, String::new(), "/internal".to_owned())
        );
    }
}

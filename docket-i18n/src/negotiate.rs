//! Choosing a language from the browser's `Accept-Language` header.

/// The first of `available` the header asks for, best quality first: an
/// exact tag (`pt-BR`), else its primary language (`ja-JP` → `ja`).
/// Languages with `q=0` are refused, as the header means. `None` when
/// nothing matches (the caller falls back to the site's default).
pub fn negotiate<'a>(accept_language: &str, available: &[&'a str]) -> Option<&'a str> {
    let find = |tag: &str| {
        available
            .iter()
            .copied()
            .find(|a| a.eq_ignore_ascii_case(tag))
    };
    accept_language::parse_with_quality(accept_language)
        .into_iter()
        .filter(|(_, quality)| *quality > 0.0)
        .find_map(|(tag, _)| find(&tag).or_else(|| tag.split('-').next().and_then(find)))
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    #[test]
    fn the_best_available_language_wins() {
        let available = ["en", "ja"];
        assert_eq!(
            negotiate("ja-JP,ja;q=0.9,en-US;q=0.8", &available),
            Some("ja")
        );
        assert_eq!(negotiate("fr-FR, en;q=0.5", &available), Some("en"));
        assert_eq!(negotiate("fr, de", &available), None);
        assert_eq!(negotiate("ja;q=0, en;q=0.1", &available), Some("en"));
        assert_eq!(negotiate("", &available), None);
        assert_eq!(negotiate("*", &available), None);
    }
}

//! Navigation derived from a set of articles: the category tree (with
//! `_index.md` titles and introductions), tags, translations and related
//! articles. It is computed per bundle from that bundle's articles only, so
//! a public listing can never name an internal article.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::content::{Article, CategoryIntro};

/// One node of the category tree in one language.
#[derive(Debug)]
pub struct Category {
    /// Slash path, e.g. `ticket-system/customer-portal`.
    pub path: String,
    /// Language code.
    pub lang: String,
    /// From `_index.md`, else the last path segment in title case.
    pub title: String,
    /// The `_index.md`, if any: its index in the site's introductions
    /// (see [`crate::model::bundle::Bundle::intro`]).
    pub intro: Option<usize>,
    /// Indices of the articles directly in this category, sorted by
    /// weight then title.
    pub articles: Vec<usize>,
    /// Paths of the sub-categories, sorted.
    pub children: Vec<String>,
    /// Number of articles here and below.
    pub total: usize,
}

/// Categories, tags and translations of one bundle.
#[derive(Debug, Default)]
pub struct Taxonomy {
    /// Keyed by (language, path).
    pub categories: BTreeMap<(String, String), Category>,
    /// Keyed by (language, tag) → article indices (the internal tag is a
    /// badge, not a tag page, and is left out).
    pub tags: BTreeMap<(String, String), Vec<usize>>,
    /// Translation key → indices of every language version.
    pub translations: HashMap<String, Vec<usize>>,
}

impl Taxonomy {
    /// Builds the taxonomy of `articles`.
    pub fn build(
        articles: &[&Article],
        intros: &[CategoryIntro],
        internal_tag: &str,
        default_language: &str,
    ) -> Self {
        let mut tax = Taxonomy::default();
        tax.add_categories(articles, intros, default_language);
        for (i, a) in articles.iter().enumerate() {
            let mut seen = BTreeSet::new();
            for tag in a.visible_tags(internal_tag) {
                if seen.insert(tag) {
                    tax.tags
                        .entry((a.lang.clone(), tag.to_owned()))
                        .or_default()
                        .push(i);
                }
            }
            tax.translations
                .entry(a.translation_key.clone())
                .or_default()
                .push(i);
        }
        for list in tax.tags.values_mut() {
            list.sort_by(|&x, &y| articles[x].title.cmp(&articles[y].title));
        }
        tax
    }

    fn add_categories(
        &mut self,
        articles: &[&Article],
        intros: &[CategoryIntro],
        default_language: &str,
    ) {
        let intro_of: HashMap<(&str, &str), usize> = intros
            .iter()
            .enumerate()
            .map(|(at, i)| ((i.lang.as_str(), i.path.as_str()), at))
            .collect();
        for (i, a) in articles.iter().enumerate() {
            let Some(path) = &a.category else { continue };
            let chain: Vec<&str> = crate::urls::ancestors(path).collect();
            for (depth, &current) in chain.iter().enumerate() {
                let child = chain.get(depth + 1).copied();
                let key = (a.lang.clone(), current.to_owned());
                let cat = self.categories.entry(key).or_insert_with(|| {
                    let intro = intro_of
                        .get(&(a.lang.as_str(), current))
                        .or_else(|| intro_of.get(&(default_language, current)))
                        .copied();
                    Category {
                        path: current.to_owned(),
                        lang: a.lang.clone(),
                        title: intro
                            .and_then(|at| intros[at].title.clone())
                            .unwrap_or_else(|| title_case(current)),
                        intro,
                        articles: Vec::new(),
                        children: Vec::new(),
                        total: 0,
                    }
                });
                cat.total += 1;
                match child {
                    None => cat.articles.push(i),
                    Some(c) => {
                        if !cat.children.iter().any(|x| x == c) {
                            cat.children.push(c.to_owned());
                        }
                    }
                }
            }
        }
        for cat in self.categories.values_mut() {
            cat.children.sort();
            cat.articles.sort_by(|&x, &y| {
                let (x, y) = (articles[x], articles[y]);
                (x.front.weight, &x.title).cmp(&(y.front.weight, &y.title))
            });
        }
    }

    /// Sorts again the category and tag lists that hold any of the articles
    /// `changed` (indices into `articles`, the bundle's articles), after
    /// their titles or weights changed but not their categories, tags or
    /// languages: the lists come out in the order [`Taxonomy::build`] gives
    /// them.
    pub fn resort(&mut self, articles: &[&Article], changed: &[usize], internal_tag: &str) {
        let mut cats = BTreeSet::new();
        let mut tags = BTreeSet::new();
        for &i in changed {
            let Some(a) = articles.get(i) else { continue };
            if let Some(path) = &a.category {
                cats.insert((a.lang.clone(), path.clone()));
            }
            for tag in a.visible_tags(internal_tag) {
                tags.insert((a.lang.clone(), tag.to_owned()));
            }
        }
        // `build` sorts stably from article order: ties keep index order.
        for key in &cats {
            if let Some(cat) = self.categories.get_mut(key) {
                cat.articles.sort_by(|&x, &y| {
                    let (ax, ay) = (articles[x], articles[y]);
                    (ax.front.weight, &ax.title, x).cmp(&(ay.front.weight, &ay.title, y))
                });
            }
        }
        for key in &tags {
            if let Some(list) = self.tags.get_mut(key) {
                list.sort_by(|&x, &y| (&articles[x].title, x).cmp(&(&articles[y].title, y)));
            }
        }
    }

    /// The top-level categories of `lang`, sorted by title.
    pub fn top_categories(&self, lang: &str) -> Vec<&Category> {
        let mut top: Vec<_> = self
            .categories
            .values()
            .filter(|c| c.lang == lang && !c.path.contains('/'))
            .collect();
        top.sort_by(|a, b| a.title.cmp(&b.title));
        top
    }

    /// The category `path` of `lang` and each of its ancestors, outermost
    /// first, with their titles (a category without articles of its own
    /// in this language gets its title from its path).
    pub fn trail<'p>(
        &'p self,
        lang: &'p str,
        path: &'p str,
    ) -> impl Iterator<Item = (&'p str, String)> + 'p {
        crate::urls::ancestors(path).map(move |sub| {
            let title = self
                .category(lang, sub)
                .map_or_else(|| title_case(sub), |c| c.title.clone());
            (sub, title)
        })
    }

    /// The category of `lang` with `path`.
    pub fn category(&self, lang: &str, path: &str) -> Option<&Category> {
        self.categories.get(&(lang.to_owned(), path.to_owned()))
    }
}

/// `ticket-system` → `Ticket System` (for categories without `_index.md`).
pub fn title_case(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Related articles: same language, scored by a shared category (2) and
/// shared keywords (1 each; keywords shared by very many articles carry no
/// signal and are skipped); ties go to the most recently updated. At most
/// `limit`, best first.
///
/// Cost per article is the keyword candidates plus `limit`: articles that
/// only share the category all score 2, so they come from the category's
/// list, sorted once by date.
pub fn related(articles: &[&Article], limit: usize) -> Vec<Vec<usize>> {
    use rayon::prelude::*;
    const COMMON: usize = 100;
    let order = |x: usize, y: usize| {
        articles[y]
            .date_or_lastmod()
            .cmp(&articles[x].date_or_lastmod())
            .then_with(|| articles[x].url.cmp(&articles[y].url))
    };
    let mut by_category: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut by_keyword: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        if let Some(c) = &a.category {
            by_category.entry((&a.lang, c)).or_default().push(i);
        }
        for k in &a.front.keywords {
            by_keyword.entry((&a.lang, k)).or_default().push(i);
        }
    }
    by_category
        .par_iter_mut()
        .for_each(|(_, list)| list.sort_by(|&x, &y| order(x, y)));
    (0..articles.len())
        .into_par_iter()
        .map(|i| {
            let a = articles[i];
            let same_category: &[usize] = a
                .category
                .as_deref()
                .and_then(|c| by_category.get(&(a.lang.as_str(), c)))
                .map_or(&[], Vec::as_slice);
            let mut scores: HashMap<usize, u32> = HashMap::new();
            for k in &a.front.keywords {
                let Some(list) = by_keyword.get(&(a.lang.as_str(), k.as_str())) else {
                    continue;
                };
                if list.len() <= COMMON {
                    for &j in list.iter().filter(|&&j| j != i) {
                        *scores.entry(j).or_default() += 1;
                    }
                }
            }
            for (&j, score) in scores.iter_mut() {
                if articles[j].category == a.category && a.category.is_some() {
                    *score += 2;
                }
            }
            let category_only: Vec<(usize, u32)> = same_category
                .iter()
                .copied()
                .filter(|&j| j != i && !scores.contains_key(&j))
                .take(limit)
                .map(|j| (j, 2))
                .collect();
            let mut ranked: Vec<(usize, u32)> = scores.into_iter().chain(category_only).collect();
            let rank = |&(x, sx): &(usize, u32), &(y, sy): &(usize, u32)| {
                sy.cmp(&sx).then_with(|| order(x, y))
            };
            if ranked.len() > limit {
                ranked.select_nth_unstable_by(limit, rank);
                ranked.truncate(limit);
            }
            ranked.sort_by(rank);
            ranked.into_iter().map(|(j, _)| j).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(url: &str, lang: &str, category: &str, keywords: &[&str]) -> Article {
        let front = crate::content::FrontMatter {
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            ..Default::default()
        };
        Article {
            source: format!("content/{url}.md"),
            content_path: format!("{url}.md"),
            lang: lang.to_owned(),
            title: url.to_owned(),
            front,
            date: None,
            lastmod: None,
            category: Some(category.to_owned()),
            internal: false,
            draft: false,
            url: format!("{url}/"),
            translation_key: url.to_owned(),
            path_key: url.to_owned(),
            body: String::new(),
            body_line: 1,
            url_line: 1,
            aliases_line: 1,
            assets: Vec::new(),
            warnings: Vec::new(),
            rendered: Default::default(),
        }
    }

    #[test]
    fn related_articles_share_category_or_keywords_in_the_same_language() {
        let all = [
            article("a", "en", "billing", &["refund"]),
            article("b", "en", "billing", &[]),
            article("c", "en", "account", &["refund"]),
            article("d", "en", "account", &[]),
            article("e", "ja", "billing", &["refund"]),
        ];
        let refs: Vec<&Article> = all.iter().collect();
        let related = related(&refs, 5);
        assert_eq!(related[0], vec![1, 2]);
        assert_eq!(related[3], vec![2]);
        assert!(related[4].is_empty());
    }

    #[test]
    fn related_articles_are_limited() {
        let all: Vec<Article> = (0..20)
            .map(|i| article(&format!("a{i:02}"), "en", "billing", &[]))
            .collect();
        let refs: Vec<&Article> = all.iter().collect();
        let related = related(&refs, 3);
        assert_eq!(related[0], vec![1, 2, 3]);
    }

    #[test]
    fn category_titles_default_to_title_case() {
        assert_eq!(
            title_case("ticket-system/customer-portal"),
            "Customer Portal"
        );
        assert_eq!(title_case("faq"), "Faq");
    }
}

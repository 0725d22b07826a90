//! The incremental rebuild after Markdown edits: reload the changed files,
//! check and re-render the texts they can affect (the build's checks, on
//! a subset), derive both bundles (reusing the last taxonomy and related
//! lists when nothing they depend on changed), and render the pages the
//! edit affects ([`super::affected`]). A rebuild that fails keeps its
//! changes pending, so the next one writes them.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};

use super::affected::{update_bundle, Update};
use super::memo::{Before, Cache, Memo};
use super::outcome::Outcome;
use super::rebuild::{bundle_dir, lap, Builder};
use super::recheck::{linking_to_change, recheck_urls};
use crate::build::checks;
use crate::content::Article;
use crate::error::{ContentError, ContentErrors};
use crate::model::bundle::{Bundle, BundleKind};
use crate::model::taxonomy::Taxonomy;
use crate::output::incremental::{Prepared, Written};
use crate::output::Forbidden;
use crate::render::text::TextRenderer;

use super::fresh::Fresh;

/// What the checks of a change found.
struct Checked {
    /// Articles whose HTML changed because an article they link to did:
    /// their pages are rendered again too.
    html_changed: Vec<String>,
    /// Every content error of the site as it is now.
    errors: Vec<ContentError>,
}

/// Which parts of the last build a change leaves as they were.
#[derive(Clone, Copy)]
struct Reuse {
    /// No changed article moved, left, came or changed what related lists
    /// are computed from.
    related: bool,
    /// No changed article moved, left, came or changed its date or listings.
    sitemap: bool,
    /// No changed article moved, left, came or changed its bundle,
    /// language, category, tags or translation key.
    taxonomy: bool,
}

impl Reuse {
    fn of(
        articles: &[Arc<Article>],
        before: &[Before],
        sources: &HashSet<String>,
        tag: &str,
    ) -> Self {
        let all = |same: &dyn Fn(&Before, &Article) -> bool| {
            before.len() == sources.len()
                && before.iter().all(|b| {
                    articles
                        .iter()
                        .find(|a| a.source == b.source)
                        .is_some_and(|a| same(b, a))
                })
        };
        Self {
            related: all(&|b, a| b.same_for_related(a)),
            sitemap: all(&|b, a| b.same_for_sitemap(a, tag)),
            taxonomy: all(&|b, a| b.same_for_taxonomy(a, tag)),
        }
    }
}

impl Builder {
    /// Reloads the Markdown files `rels` (relative to `content/`), checks
    /// and renders what they can affect (the articles linking to them),
    /// then renders the pages they affect: their own, their translations',
    /// the related lists that name them, their categories and tags, the
    /// home pages, feed and sitemap. The search index follows on its own
    /// thread.
    pub(super) fn incremental(
        &mut self,
        rels: &[String],
        pages_ready: &mut dyn FnMut(&Outcome),
    ) -> Result<Outcome> {
        let started = Instant::now();
        lap("start");
        let (before, mut sources) = self.reload_changed(rels);
        lap("reload");
        let checked = self.check_changed(&before, &sources)?;
        let tag = self.settings.config.build.internal_tag.clone();
        let reuse = Reuse::of(&self.cache.articles, &before, &sources, &tag);
        let retitled: HashSet<String> = sources.clone();
        sources.extend(checked.html_changed);
        if !checked.errors.is_empty() {
            self.keep_pending(sources, before);
            return Err(ContentErrors::sorted(checked.errors).into());
        }
        match self.render_changed(&before, &sources, &retitled, reuse) {
            Ok((mut outcome, held)) => {
                outcome.elapsed = started.elapsed();
                pages_ready(&outcome);
                lap("reload sent");
                self.write_held(held)?;
                lap("written");
                self.update_search()?;
                Ok(outcome)
            }
            Err(err) => {
                self.keep_pending(sources, before);
                Err(err)
            }
        }
    }

    /// Keeps the changes of a failed rebuild for the next one.
    fn keep_pending(&mut self, sources: HashSet<String>, before: Vec<Before>) {
        self.pending = sources;
        self.pending_before = before;
    }

    /// Reloads the changed files (and those of failed rebuilds, still to
    /// be written); returns what the changed articles were in the last
    /// written output and the sources of every changed file.
    fn reload_changed(&mut self, rels: &[String]) -> (Vec<Before>, HashSet<String>) {
        let mut before: Vec<Before> = std::mem::take(&mut self.pending_before);
        let mut sources: HashSet<String> = std::mem::take(&mut self.pending);
        let internal_tag = self.settings.config.build.internal_tag.clone();
        for rel in rels {
            let source = format!("content/{rel}");
            if !sources.contains(&source) {
                if let Some(a) = self.cache.articles.iter().find(|a| a.source == source) {
                    before.push(Before::of(a, &internal_tag));
                }
            }
            self.reload(rel, &source);
            sources.insert(source);
        }
        (before, sources)
    }

    /// Runs the build's checks on what the change can affect: the changed
    /// articles and those linking to them are rendered and link-checked
    /// again, the introductions re-checked, and the unique-URL rule run
    /// when a URL or alias changed.
    fn check_changed(&mut self, before: &[Before], sources: &HashSet<String>) -> Result<Checked> {
        let again = linking_to_change(&mut self.cache, before, sources);
        lap("linking");
        let Some(theme) = self.theme.as_ref() else {
            bail!("no theme");
        };
        let settings = &self.settings;
        let cache = &mut self.cache;
        let (redone, intro_errors) = {
            let index = checks::link_index(
                &cache.articles,
                &cache.skipped,
                &cache.intros,
                &settings.config.site.default_language,
                &settings.base_url,
            )
            .with_static(cache.static_paths.iter().cloned())
            .with_failed(cache.broken.keys().map(String::as_str));
            lap("link index");
            let texts = TextRenderer::new(settings, &index, theme);
            let redone = checks::render_and_check(&cache.articles, &again, &texts, &index);
            lap("markdown");
            let intro_errors = checks::intro_errors(&cache.articles, &cache.intros, &index);
            (redone, intro_errors)
        };
        let url_errors = recheck_urls(cache, before, sources);
        lap("checks");
        cache.urls_clean = url_errors.is_empty();
        let mut found = Vec::with_capacity(redone.len());
        let mut html_changed = Vec::new();
        for r in redone {
            let article = &mut cache.articles[r.at];
            if article.rendered.html != r.rendered.html && !sources.contains(&article.source) {
                html_changed.push(article.source.clone());
            }
            found.push((article.source.clone(), r.errors));
            cache.inbound.set(&article.source, &r.rendered.links);
            Arc::make_mut(article).rendered = r.rendered;
        }
        cache.link_errors.update(&again, found);
        let errors = cache
            .broken
            .values()
            .cloned()
            .chain(url_errors)
            .chain(cache.link_errors.all().cloned())
            .chain(intro_errors)
            .collect();
        Ok(Checked {
            html_changed,
            errors,
        })
    }

    /// Derives both bundles and renders, in parallel, the part of each that
    /// the change affects; returns what was done and the files held to be
    /// written once open pages have reloaded.
    fn render_changed(
        &mut self,
        before: &[Before],
        sources: &HashSet<String>,
        retitled: &HashSet<String>,
        reuse: Reuse,
    ) -> Result<(Outcome, [Vec<Prepared>; 2])> {
        let Some(theme) = self.theme.as_ref() else {
            bail!("no theme");
        };
        let settings = &self.settings;
        let cache = &self.cache;
        // Taken out for this rebuild, put back once it succeeded.
        let kept = self.memos.each_mut().map(|m| m.taxonomy.take());
        let [kept_public, kept_internal] = match kept {
            [Some(p), Some(i)] if reuse.taxonomy => [Some(p), Some(i)],
            _ => [None, None],
        };
        let memos = &self.memos;
        let (public, internal) = rayon::join(
            || {
                derive(
                    cache,
                    settings,
                    BundleKind::Public,
                    &memos[0],
                    kept_public,
                    retitled,
                    reuse,
                )
            },
            || {
                derive(
                    cache,
                    settings,
                    BundleKind::Internal,
                    &memos[1],
                    kept_internal,
                    retitled,
                    reuse,
                )
            },
        );
        lap(if reuse.taxonomy {
            "kept tax"
        } else {
            "bundles"
        });
        let fresh = self.fresh.as_deref();
        let forbidden = Forbidden::of_internal(cache.articles.iter().map(|a| &**a));
        let [public_memo, internal_memo] = &mut self.memos;
        let run = |mut bundle: Bundle<'_>, memo: &mut Memo| {
            let mut outcome = Outcome::default();
            let dir = bundle_dir(settings, bundle.kind);
            let update = Update {
                settings,
                theme,
                bundle: &bundle,
                dir: &dir,
                sources,
                before,
                related_reused: reuse.related,
                same_sitemap: reuse.sitemap,
                fresh,
                forbidden: &forbidden,
            };
            let held = update_bundle(&update, memo, &mut outcome)?;
            memo.taxonomy = Some(std::mem::take(&mut bundle.taxonomy));
            Ok::<_, anyhow::Error>((outcome, held))
        };
        let (a, b) = rayon::join(|| run(public, public_memo), || run(internal, internal_memo));
        both_or_neither(a, b, fresh, [public_memo, internal_memo])
    }
}

/// One bundle's rebuild: what it did and the files it holds.
type Rebuilt = Result<(Outcome, Vec<Prepared>)>;

/// Both bundles' rebuilds together, or, when either failed, the first
/// error, with what the other one held forgotten (it is never written).
fn both_or_neither(
    a: Rebuilt,
    b: Rebuilt,
    fresh: Option<&Fresh>,
    [public_memo, internal_memo]: [&mut Memo; 2],
) -> Result<(Outcome, [Vec<Prepared>; 2])> {
    match (a, b) {
        (Ok((a, held_public)), Ok((b, held_internal))) => {
            Ok((a.plus(&b), [held_public, held_internal]))
        }
        (a, b) => {
            if let Ok((_, held)) = &a {
                unhold(fresh, BundleKind::Public, held, &mut public_memo.written);
            }
            if let Ok((_, held)) = &b {
                unhold(
                    fresh,
                    BundleKind::Internal,
                    held,
                    &mut internal_memo.written,
                );
            }
            Err(a
                .err()
                .or(b.err())
                .unwrap_or_else(|| anyhow::anyhow!("a bundle failed to rebuild")))
        }
    }
}

/// One bundle of the current articles: with the kept taxonomy (its lists
/// ordered by title sorted again for the retitled articles) when it can be
/// reused, else derived anew.
fn derive<'c>(
    cache: &'c Cache,
    settings: &'c crate::config::Settings,
    kind: BundleKind,
    memo: &Memo,
    kept: Option<Taxonomy>,
    retitled: &HashSet<String>,
    reuse: Reuse,
) -> Bundle<'c> {
    let config = &settings.config;
    let articles = cache.articles.iter().map(|a| &**a);
    let default_language = config.site.default_language.as_str();
    let internal_tag = config.build.internal_tag.as_str();
    let related = reuse.related.then(|| memo.related_lists.clone());
    let Some(taxonomy) = kept else {
        return Bundle::from_refs(
            kind,
            articles,
            &cache.intros,
            default_language,
            internal_tag,
            related,
        );
    };
    let mut bundle = Bundle::from_parts(
        kind,
        articles,
        (taxonomy, cache.intros.as_slice()),
        default_language,
        internal_tag,
        related,
    );
    let changed: Vec<usize> = (0..bundle.articles.len())
        .filter(|&i| retitled.contains(&bundle.articles[i].source))
        .collect();
    bundle
        .taxonomy
        .resort(&bundle.articles, &changed, internal_tag);
    bundle
}

/// Forgets files held for a rebuild that failed: out of `fresh`, and out of
/// `written` (they were never written, so the next rebuild writes them).
fn unhold(fresh: Option<&Fresh>, kind: BundleKind, held: &[Prepared], written: &mut Written) {
    for f in held {
        if let Some(fresh) = fresh {
            fresh.forget(kind, &f.path);
        }
        written.remove(&f.path);
    }
}

//! The build, as one path shared by `docket build` and `docket serve`:
//! load → check → render Markdown → derive the two bundles → plan and
//! render pages → stage, verify and swap in. Each step is a short named
//! function or method; the work inside each step is per article and
//! parallel. [`plan`] lists a bundle's pages, [`checks`] holds the content
//! and leak checks, `texts` renders the Markdown, [`cache`] skips a
//! build when nothing changed.

pub mod cache;
pub mod checks;
pub mod plan;
mod texts;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;

use crate::config::Settings;
use crate::error::{ContentError, ContentErrors};
use crate::model::bundle::{Bundle, BundleKind};
use crate::model::site::Site;
use crate::output;
use crate::render::Theme;
use cache::{BuildCache, Counts};

/// First path segments of pages the build generates (listings, search)
/// or the sidecar serves: root-relative links to them are not checked.
pub const GENERATED: &[&str] = &[
    "categories",
    "tags",
    "search",
    "page",
    "portal",
    "agent",
    "login",
    "logout",
    "register",
    "reset",
    "account",
    "api",
    "tickets",
];

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Render drafts too (`--drafts`).
    pub drafts: bool,
    /// Write the bundles (`build`), or only validate (`check`).
    pub write: bool,
    /// Skip the build when nothing changed since the last one (see
    /// [`cache`]); `build --no-cache` turns it off.
    pub use_cache: bool,
    /// Fail on warnings too (`--strict`; the cache is not used, so the
    /// warnings are looked for).
    pub strict: bool,
}

/// What a build did.
#[derive(Debug)]
pub struct Report {
    /// Articles in the public bundle.
    pub public: usize,
    /// Articles in the internal bundle.
    pub internal: usize,
    /// Files written to the public bundle.
    pub public_files: usize,
    /// Files written to the internal bundle.
    pub internal_files: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Whether nothing had changed, so nothing was built.
    pub unchanged: bool,
    /// What Hugo tolerates but writers need to know, sorted.
    pub warnings: Vec<ContentError>,
}

impl Report {
    /// The report of a build skipped because nothing changed.
    fn unchanged(counts: Counts, started: Instant) -> Self {
        Self {
            public: counts.public_articles,
            internal: counts.internal_articles,
            public_files: counts.public_files,
            internal_files: counts.internal_files,
            elapsed: started.elapsed(),
            unchanged: true,
            warnings: Vec::new(),
        }
    }
}

/// Builds (or checks) the site. Content problems come back as a
/// [`ContentErrors`] error listing every one of them.
pub fn build(settings: &Settings, options: &BuildOptions) -> Result<Report> {
    let started = Instant::now();
    let mut timer = StepTimer::from_env();
    let (cache, mut site) = match load(settings, options, &mut timer)? {
        Loaded::Unchanged(counts) => return Ok(Report::unchanged(counts, started)),
        Loaded::Site(cache, site) => (cache, *site),
    };
    let theme = Theme::load(settings)?;
    check_and_render(&mut site, &theme, options.strict, &mut timer)?;
    let warnings = ContentErrors::sorted(std::mem::take(&mut site.warnings)).0;
    let (public, internal) = rayon::join(
        || site.bundle(BundleKind::Public),
        || site.bundle(BundleKind::Internal),
    );
    timer.step("bundles");
    let (public_files, internal_files) = if options.write {
        let (public_files, internal_files, written) =
            write(settings, &theme, &site, [&public, &internal], &mut timer)?;
        let counts = (public_files, internal_files, written);
        save_cache(cache, [&public, &internal], counts, &mut timer)?;
        (public_files, internal_files)
    } else {
        verify_unwritten(settings, &theme, &site, [&public, &internal], &mut timer)?
    };
    Ok(Report {
        public: public.articles.len(),
        internal: internal.articles.len(),
        public_files,
        internal_files,
        elapsed: started.elapsed(),
        unchanged: false,
        warnings,
    })
}

/// What [`load`] found: nothing changed since the last build, or the site
/// to build (with the record of its inputs when writing).
enum Loaded<'s> {
    Unchanged(Counts),
    Site(Option<BuildCache>, Box<Site<'s>>),
}

/// Loads `content/`, unless the build cache says nothing changed.
fn load<'s>(
    settings: &'s Settings,
    options: &BuildOptions,
    timer: &mut StepTimer,
) -> Result<Loaded<'s>> {
    if !settings.content_dir.is_dir() {
        anyhow::bail!(
            "no content folder: {} does not exist (run docket in the site's folder or pass --site)",
            settings.content_dir.display()
        );
    }
    if options.write && options.use_cache && !options.strict {
        let cache = BuildCache::scan(settings, options.drafts);
        timer.step("cache");
        if let Some(counts) = cache.unchanged() {
            return Ok(Loaded::Unchanged(counts));
        }
        BuildCache::clear(settings);
        let site = Site::load(settings, options.drafts);
        timer.step("load");
        Ok(Loaded::Site(Some(cache), Box::new(site)))
    } else if options.write {
        // `--no-cache`: nothing can stop the build early, so the inputs
        // are hashed for the next build's record beside the loading.
        let (cache, site) = rayon::join(
            || BuildCache::scan(settings, options.drafts),
            || Site::load(settings, options.drafts),
        );
        BuildCache::clear(settings);
        timer.step("cache + load");
        Ok(Loaded::Site(Some(cache), Box::new(site)))
    } else {
        let site = Site::load(settings, options.drafts);
        timer.step("load");
        Ok(Loaded::Site(None, Box::new(site)))
    }
}

/// Unique URLs, the Markdown of every text, links and site paths; stops
/// with every error found.
fn check_and_render(
    site: &mut Site<'_>,
    theme: &Theme,
    strict: bool,
    timer: &mut StepTimer,
) -> Result<()> {
    site.check_urls();
    site.render_markdown(theme);
    site.drop_sources();
    timer.step("markdown");
    site.check_links();
    site.check_site_paths();
    site.collect_warnings(strict);
    site.fail_on_errors()
}

/// Renders both bundles into their staging folders (the public one
/// verified file by file), with the search indexes of both built in one
/// pass beside them, then swaps them in. Returns the files written.
fn write(
    settings: &Settings,
    theme: &Theme,
    site: &Site<'_>,
    [public, internal]: [&Bundle<'_>; 2],
    timer: &mut StepTimer,
) -> Result<(usize, usize, Vec<PathBuf>)> {
    let forbidden = site.forbidden();
    let public_sink = output::StageSink::open(&settings.public_dir, Some(&forbidden))?;
    let internal_sink = output::StageSink::open(&settings.internal_dir, None)?;
    let ((public_written, internal_written), indexes) = rayon::join(
        || {
            rayon::join(
                || plan::write_bundle(settings, theme, public, &public_sink),
                || plan::write_bundle(settings, theme, internal, &internal_sink),
            )
        },
        || crate::search::docs::index_files_of(&[public, internal]),
    );
    public_written?;
    internal_written?;
    for (sink, index) in [&public_sink, &internal_sink].into_iter().zip(&indexes) {
        index.par_iter().try_for_each(|f| sink.put(f))?;
    }
    drop(indexes);
    let counts = (public_sink.count(), internal_sink.count());
    timer.step("render+write");
    let staged = StagedBundles {
        public: public_sink.finish()?,
        internal: internal_sink.finish()?,
    };
    timer.step("clean");
    let written = staged.commit()?;
    timer.step("swap");
    Ok((counts.0, counts.1, written))
}

/// Records what was built, so an unchanged site is not built again.
fn save_cache(
    cache: Option<BuildCache>,
    [public, internal]: [&Bundle<'_>; 2],
    (public_files, internal_files, written): (usize, usize, Vec<PathBuf>),
    timer: &mut StepTimer,
) -> Result<()> {
    let Some(cache) = cache else { return Ok(()) };
    let counts = Counts {
        public_articles: public.articles.len(),
        internal_articles: internal.articles.len(),
        public_files,
        internal_files,
    };
    cache.save(counts, written)?;
    timer.step("save cache");
    Ok(())
}

/// `docket check`: renders both bundles in memory and verifies the public
/// one, writing nothing. Returns the file counts.
fn verify_unwritten(
    settings: &Settings,
    theme: &Theme,
    site: &Site<'_>,
    [public, internal]: [&Bundle<'_>; 2],
    timer: &mut StepTimer,
) -> Result<(usize, usize)> {
    let (public_files, internal_files) = rayon::join(
        || plan::bundle_files(settings, theme, public, false),
        || plan::bundle_files(settings, theme, internal, false),
    );
    let public_files = public_files?;
    timer.step("render");
    checks::verify_public(&public_files, &site.forbidden())?;
    Ok((public_files.len(), internal_files?.len()))
}

/// Prints how long each step took when `DOCKET_TIMINGS` is set.
struct StepTimer {
    last: Option<Instant>,
}

impl StepTimer {
    fn from_env() -> Self {
        Self {
            last: std::env::var_os("DOCKET_TIMINGS").map(|_| Instant::now()),
        }
    }

    fn step(&mut self, name: &str) {
        if let Some(last) = self.last {
            eprintln!("{name:>14}: {} ms", last.elapsed().as_millis());
            self.last = Some(Instant::now());
        }
    }
}

/// Both bundles, written but not yet swapped in.
pub struct StagedBundles {
    public: output::Staged,
    internal: output::Staged,
}

impl StagedBundles {
    /// Swaps both bundles in; returns where their files are now.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut files = self.public.commit()?;
        files.extend(self.internal.commit()?);
        Ok(files)
    }
}

//! Rebuilding for `docket serve`: the same steps as `docket build`, kept in
//! memory between changes, writing only the files whose bytes changed and
//! removing files that are no longer produced. Serving output lives in its
//! own folder (`.docket/serve/` under the site), so `docket build` output is
//! never touched. A failed rebuild writes nothing: the last good output
//! keeps being served.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::bundle::BundleKind;
use crate::config::Settings;
use crate::output::{Body, OutputFile};
use crate::render::Theme;
use crate::site::Site;

/// What a rebuild did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Files written (new or changed).
    pub written: usize,
    /// Files removed.
    pub removed: usize,
    /// Pages rendered.
    pub rendered: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// The files of one bundle as last written: path → hash of the bytes.
type Written = HashMap<String, blake3::Hash>;

/// Rebuilds a site into its serving folders.
pub struct Builder {
    settings: Settings,
    theme: Option<Theme>,
    public: Written,
    internal: Written,
}

impl Builder {
    /// A builder for `settings`, whose bundle folders are the serving ones.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            theme: None,
            public: Written::new(),
            internal: Written::new(),
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Replaces the settings (a changed `docket.toml`); the next build is
    /// a full one.
    pub fn set_settings(&mut self, settings: Settings) {
        self.settings = settings;
        self.theme = None;
    }

    /// Forgets the compiled templates (a template changed).
    pub fn reload_theme(&mut self) {
        self.theme = None;
    }

    /// Renders everything, writes what changed and removes what is gone.
    pub fn full(&mut self) -> Result<Outcome> {
        let started = Instant::now();
        if self.theme.is_none() {
            self.theme = Some(Theme::load(&self.settings)?);
        }
        let Some(theme) = self.theme.as_ref() else {
            anyhow::bail!("no theme");
        };
        let mut site = Site::load(&self.settings, false);
        site.check_urls();
        site.render_markdown();
        site.check_links();
        site.fail_on_errors()?;
        let public = site.bundle(BundleKind::Public);
        let internal = site.bundle(BundleKind::Internal);
        let (public_files, internal_files) = rayon::join(
            || site.bundle_files(theme, &public),
            || site.bundle_files(theme, &internal),
        );
        let (public_files, internal_files) = (public_files?, internal_files?);
        let rendered = public_files.len() + internal_files.len();
        let public_files = prepare(public_files)?;
        let internal_files = prepare(internal_files)?;
        let mut outcome = Outcome {
            rendered,
            ..Outcome::default()
        };
        let dir = self.settings.public_dir.clone();
        sync_all(&dir, &mut self.public, public_files, &mut outcome)?;
        let dir = self.settings.internal_dir.clone();
        sync_all(&dir, &mut self.internal, internal_files, &mut outcome)?;
        outcome.elapsed = started.elapsed();
        Ok(outcome)
    }
}

/// A file's bytes and their hash.
pub(crate) struct Prepared {
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) hash: blake3::Hash,
}

/// Reads copies and hashes everything, in parallel.
pub(crate) fn prepare(files: Vec<OutputFile>) -> Result<Vec<Prepared>> {
    files
        .into_par_iter()
        .map(|f| {
            let bytes = match f.body {
                Body::Bytes(b) => b,
                Body::Copy(source) => std::fs::read(&source)
                    .with_context(|| format!("cannot read {}", source.display()))?,
            };
            let hash = blake3::hash(&bytes);
            Ok(Prepared {
                path: f.path,
                bytes,
                hash,
            })
        })
        .collect()
}

/// Writes the changed files of a complete bundle and removes the rest.
fn sync_all(
    dir: &Path,
    written: &mut Written,
    files: Vec<Prepared>,
    outcome: &mut Outcome,
) -> Result<()> {
    let keep: std::collections::HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
    write_changed(dir, written, files, outcome)?;
    let gone: Vec<String> = written
        .keys()
        .filter(|p| !keep.contains(*p))
        .cloned()
        .collect();
    remove(dir, written, &gone, outcome)
}

/// Writes each file whose bytes differ from what was last written.
pub(crate) fn write_changed(
    dir: &Path,
    written: &mut Written,
    files: Vec<Prepared>,
    outcome: &mut Outcome,
) -> Result<()> {
    let changed: Vec<Prepared> = files
        .into_iter()
        .filter(|f| written.get(&f.path) != Some(&f.hash))
        .collect();
    changed
        .par_iter()
        .map(|f| write_atomically(&dir.join(&f.path), &f.bytes))
        .collect::<Result<Vec<()>>>()?;
    outcome.written += changed.len();
    for f in changed {
        written.insert(f.path, f.hash);
    }
    Ok(())
}

/// Removes files no longer produced.
pub(crate) fn remove(
    dir: &Path,
    written: &mut Written,
    gone: &[String],
    outcome: &mut Outcome,
) -> Result<()> {
    for path in gone {
        let file = dir.join(path);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", file.display())),
        }
        written.remove(path);
        outcome.removed += 1;
    }
    Ok(())
}

/// Writes beside the target, then renames, so a request never reads half
/// a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut tmp = PathBuf::from(path);
    let name = format!(
        ".{}.docket-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    tmp.set_file_name(name);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

impl Builder {
    /// Rebuilds after `changes`.
    pub fn apply(&mut self, _changes: &super::watch::Changes) -> Result<Outcome> {
        self.full()
    }
}

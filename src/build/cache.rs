//! The build cache in `.docket/cache/` under the site (git-ignored with
//! `.docket/`): lets `docket build` skip a build whose inputs and outputs
//! are exactly as the last successful build left them.
//!
//! Inputs are every file the build reads — `docket.toml`, `content/`, the
//! theme folder, the site's `templates/` and `static/` — each known by a
//! BLAKE3 hash of its bytes, plus the settings that shape the output (the
//! bundle folders, `--drafts`) and the docket binary itself. Like git's
//! index, a file whose size and modification time are unchanged keeps its
//! cached hash without being read; one modified within two seconds of the
//! cache being written is hashed again next time, so a save that lands in
//! the same clock tick is not missed. Outputs are every file the build
//! wrote, with size and modification time: a bundle file deleted or edited
//! by hand makes the next build a full one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use walkdir::WalkDir;

use crate::config::{Settings, CONFIG_FILE};

/// Bumped when the cache's meaning changes; an older cache is ignored.
const FORMAT: u32 = 1;

/// A file's identity as the cache knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    mtime: u128,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Self {
            len: meta.len(),
            mtime,
        }
    }
}

/// An input file: its stamp and the hash of its bytes (`None`: hash again
/// next time, the stamp is too fresh to trust).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Input {
    stamp: Stamp,
    hash: Option<String>,
}

/// What the last successful build read and wrote.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    format: u32,
    /// Hash over the settings and every input's path and hash.
    key: String,
    inputs: BTreeMap<String, Input>,
    /// Every written file (absolute path) with its stamp after the build.
    outputs: Vec<(PathBuf, Stamp)>,
    public_articles: usize,
    internal_articles: usize,
    public_files: usize,
    internal_files: usize,
}

/// What a build's report needs when the build was skipped.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// Articles in the public bundle.
    pub public_articles: usize,
    /// Articles in the internal bundle.
    pub internal_articles: usize,
    /// Files of the public bundle.
    pub public_files: usize,
    /// Files of the internal bundle.
    pub internal_files: usize,
}

/// The inputs of one build, hashed, ready to be compared with the cache
/// and saved after the build succeeded.
pub struct BuildCache {
    path: PathBuf,
    previous: Option<Record>,
    inputs: BTreeMap<String, Input>,
    key: String,
}

impl BuildCache {
    /// Reads the cache (a missing or unreadable one is empty) and hashes
    /// the site's inputs, reading only files whose stamp changed.
    pub fn scan(settings: &Settings, drafts: bool) -> Self {
        let path = record_path(settings);
        let previous: Option<Record> = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .filter(|r: &Record| r.format == FORMAT);
        let known = previous.as_ref().map(|r| &r.inputs);
        let files = input_files(settings);
        // A file that vanished or cannot be read is left out: the build
        // itself reports it, and a failed build clears the cache.
        let hashed: Vec<(String, Input)> = files
            .par_iter()
            .filter_map(|(rel, full)| {
                let meta = std::fs::metadata(full).ok()?;
                let stamp = Stamp::of(&meta);
                let cached = known
                    .and_then(|k| k.get(rel))
                    .filter(|i| i.stamp == stamp)
                    .and_then(|i| i.hash.clone());
                let hash = match cached {
                    Some(hash) => hash,
                    None => blake3::hash(&std::fs::read(full).ok()?)
                        .to_hex()
                        .to_string(),
                };
                Some((
                    rel.clone(),
                    Input {
                        stamp,
                        hash: Some(hash),
                    },
                ))
            })
            .collect();
        let mut hasher = blake3::Hasher::new();
        for part in settings_parts(settings, drafts) {
            hasher.update(part.as_bytes());
            hasher.update(&[0]);
        }
        for (rel, input) in &hashed {
            hasher.update(rel.as_bytes());
            hasher.update(&[0]);
            hasher.update(input.hash.as_deref().unwrap_or_default().as_bytes());
            hasher.update(&[0]);
        }
        Self {
            path,
            previous,
            inputs: hashed.into_iter().collect(),
            key: hasher.finalize().to_hex().to_string(),
        }
    }

    /// The counts of the last build when nothing changed since: same
    /// inputs, and every file it wrote still there as it was written.
    pub fn unchanged(&self) -> Option<Counts> {
        let previous = self.previous.as_ref()?;
        if previous.key != self.key {
            return None;
        }
        let intact = previous.outputs.par_iter().all(|(path, stamp)| {
            std::fs::metadata(path).is_ok_and(|m| m.is_file() && Stamp::of(&m) == *stamp)
        });
        intact.then_some(Counts {
            public_articles: previous.public_articles,
            internal_articles: previous.internal_articles,
            public_files: previous.public_files,
            internal_files: previous.internal_files,
        })
    }

    /// Records a successful build: its inputs and the files now in
    /// `written` (absolute paths).
    pub fn save(mut self, counts: Counts, written: Vec<PathBuf>) -> Result<()> {
        let outputs: Vec<(PathBuf, Stamp)> = written
            .into_par_iter()
            .filter_map(|path| {
                let meta = std::fs::metadata(&path).ok()?;
                Some((path, Stamp::of(&meta)))
            })
            .collect();
        let fresh = SystemTime::now()
            .checked_sub(Duration::from_secs(2))
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        for input in self.inputs.values_mut() {
            if input.stamp.mtime >= fresh {
                input.hash = None;
            }
        }
        let record = Record {
            format: FORMAT,
            key: self.key,
            inputs: self.inputs,
            outputs,
            public_articles: counts.public_articles,
            internal_articles: counts.internal_articles,
            public_files: counts.public_files,
            internal_files: counts.internal_files,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let temp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec(&record).context("cannot encode the build cache")?;
        std::fs::write(&temp, bytes).with_context(|| format!("cannot write {}", temp.display()))?;
        std::fs::rename(&temp, &self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Forgets the cache (a failed build must not be skipped next time).
    pub fn clear(settings: &Settings) {
        let _ = std::fs::remove_file(record_path(settings));
    }
}

/// Where the record of the last successful build is kept.
fn record_path(settings: &Settings) -> PathBuf {
    settings
        .root
        .join(".docket")
        .join("cache")
        .join("build.json")
}

/// Every file the build reads, as (name in the cache, path), sorted.
fn input_files(settings: &Settings) -> Vec<(String, PathBuf)> {
    let mut files = vec![(CONFIG_FILE.to_owned(), settings.root.join(CONFIG_FILE))];
    files.retain(|(_, p)| p.is_file());
    let trees = [
        ("content", settings.content_dir.clone()),
        ("theme", settings.theme_dir.clone()),
        ("templates", settings.root.join("templates")),
        ("static", settings.root.join("static")),
    ];
    for (name, dir) in trees {
        for entry in WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
            files.push((
                format!("{name}/{}", rel.to_string_lossy()),
                entry.into_path(),
            ));
        }
    }
    files
}

/// The settings a build's output depends on besides its input files.
fn settings_parts(settings: &Settings, drafts: bool) -> Vec<String> {
    let binary = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{:?}", Stamp::of(&m)))
        .unwrap_or_default();
    vec![
        format!("format {FORMAT}"),
        format!("docket {}", env!("CARGO_PKG_VERSION")),
        format!("binary {binary}"),
        format!("public {}", settings.public_dir.display()),
        format!("internal {}", settings.internal_dir.display()),
        format!("drafts {drafts}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, Settings) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("content/kb")).unwrap();
        std::fs::write(tmp.path().join("content/kb/a.md"), "---\ntitle: A\n---\nx").unwrap();
        let settings = Settings::load(tmp.path(), None).unwrap();
        (tmp, settings)
    }

    fn written(settings: &Settings) -> Vec<PathBuf> {
        let out = settings.public_dir.join("index.html");
        std::fs::create_dir_all(&settings.public_dir).unwrap();
        std::fs::write(&out, "page").unwrap();
        vec![out]
    }

    const COUNTS: Counts = Counts {
        public_articles: 1,
        internal_articles: 1,
        public_files: 1,
        internal_files: 0,
    };

    #[test]
    fn an_unchanged_site_is_skipped_and_any_change_is_not() {
        let (tmp, settings) = site();
        let cache = BuildCache::scan(&settings, false);
        assert!(cache.unchanged().is_none(), "no cache yet");
        cache.save(COUNTS, written(&settings)).unwrap();
        let again = BuildCache::scan(&settings, false);
        assert_eq!(again.unchanged().map(|c| c.public_files), Some(1));
        assert!(
            BuildCache::scan(&settings, true).unchanged().is_none(),
            "--drafts changes the output"
        );

        // Same size, new bytes: the hash tells (the stamp was too fresh
        // to be trusted, so the file is read again).
        std::fs::write(tmp.path().join("content/kb/a.md"), "---\ntitle: B\n---\nx").unwrap();
        assert!(BuildCache::scan(&settings, false).unchanged().is_none());
    }

    #[test]
    fn a_touched_output_makes_the_next_build_a_full_one() {
        let (_tmp, settings) = site();
        let files = written(&settings);
        BuildCache::scan(&settings, false)
            .save(COUNTS, files.clone())
            .unwrap();
        std::fs::write(&files[0], "edited by hand").unwrap();
        assert!(BuildCache::scan(&settings, false).unchanged().is_none());
        std::fs::remove_file(&files[0]).unwrap();
        assert!(BuildCache::scan(&settings, false).unchanged().is_none());
    }

    #[test]
    fn a_new_file_anywhere_in_the_inputs_changes_the_key() {
        let (tmp, settings) = site();
        BuildCache::scan(&settings, false)
            .save(COUNTS, written(&settings))
            .unwrap();
        std::fs::create_dir_all(tmp.path().join("static")).unwrap();
        std::fs::write(tmp.path().join("static/logo.svg"), "<svg/>").unwrap();
        assert!(BuildCache::scan(&settings, false).unchanged().is_none());
    }
}

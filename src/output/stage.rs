//! The full build's sink: a bundle written to a staging folder beside its
//! target, then swapped in whole.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;
use walkdir::WalkDir;

use super::verify::{ensure_clean, scan_file};
use super::{Body, Forbidden, OutputFile};

/// A bundle written to its staging folder, waiting to replace its target.
#[derive(Debug)]
pub struct Staged {
    /// The staging folder.
    pub dir: PathBuf,
    target: PathBuf,
    /// The bundle's files (bundle paths).
    files: Vec<String>,
}

/// The staging folder of a bundle: `.docket/stage/<name>` beside the
/// target (same file system, so the swap is a rename; git-ignored with
/// `.docket/`). After a swap the previous bundle becomes the staging
/// folder of the next build, which overwrites only files whose bytes
/// changed and removes only files that disappeared — deleting a whole
/// bundle is slow on some disks. Two builds of one site must not run at
/// the same time.
pub fn stage_dir(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "bundle".into(), |n| n.to_string_lossy().into_owned());
    let parent = target.parent().unwrap_or(Path::new("."));
    parent.join(".docket").join("stage").join(name)
}

/// Writes `files` into the staging folder of `target`, leaving nothing
/// else in it. When two files have the same path, the later one wins.
pub fn stage(target: &Path, files: &[OutputFile]) -> Result<Staged> {
    let sink = StageSink::open(target, None)?;
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        last.insert(f.path.as_str(), i);
    }
    files
        .par_iter()
        .enumerate()
        .filter(|(i, f)| last.get(f.path.as_str()) == Some(i))
        .try_for_each(|(_, f)| sink.put(f))?;
    sink.finish()
}

/// A staging folder filled by parallel writers, file by file, for
/// [`crate::build::plan::write_bundle`]. With `forbidden` set (the public
/// bundle), every file's bytes are scanned as in [`verify_files`](super::verify_files) before
/// they are written; [`StageSink::finish`] fails if any scan found
/// something, so such a bundle is never swapped in.
pub struct StageSink<'f> {
    dir: PathBuf,
    target: PathBuf,
    forbidden: Option<&'f Forbidden>,
    written: std::sync::Mutex<HashSet<String>>,
    problems: std::sync::Mutex<Vec<String>>,
    /// The folder was empty when opened: no file needs comparing with an
    /// old one, and nothing is stale.
    fresh: bool,
    /// Folders (bundle paths) known to exist.
    folders: std::sync::Mutex<HashSet<String>>,
}

impl<'f> StageSink<'f> {
    /// Opens the staging folder of `target` (see [`stage_dir`]).
    pub fn open(target: &Path, forbidden: Option<&'f Forbidden>) -> Result<Self> {
        let dir = stage_dir(target);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let fresh = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        Ok(Self {
            dir,
            target: target.to_path_buf(),
            forbidden: forbidden.filter(|f| !f.is_empty()),
            written: std::sync::Mutex::new(HashSet::new()),
            problems: std::sync::Mutex::new(Vec::new()),
            fresh,
            folders: std::sync::Mutex::new(HashSet::new()),
        })
    }

    /// Checks and writes one file (unless the folder holds the same bytes
    /// already). A later file with the same path replaces an earlier one.
    pub fn put(&self, file: &OutputFile) -> Result<()> {
        if let Some(forbidden) = self.forbidden {
            let found = scan_file(file, forbidden)?;
            if !found.is_empty() {
                lock(&self.problems).extend(found);
                return Ok(());
            }
        }
        let folder = file.path.rfind('/').map_or("", |i| &file.path[..i]);
        if !folder.is_empty() && !lock(&self.folders).contains(folder) {
            make_room(&self.dir, &file.path).with_context(|| {
                format!("cannot create {}", self.dir.join(&file.path).display())
            })?;
            lock(&self.folders).insert(folder.to_owned());
        }
        if self.fresh {
            let path = self.dir.join(&file.path);
            write_body(&path, &file.body)
                .with_context(|| format!("cannot write {}", path.display()))?;
        } else {
            write_if_changed(&self.dir, file)?;
        }
        lock(&self.written).insert(file.path.clone());
        Ok(())
    }

    /// How many distinct files were written so far.
    pub fn count(&self) -> usize {
        lock(&self.written).len()
    }

    /// Removes what the folder held from an earlier build but this one did
    /// not write; fails when a scan found internal content.
    pub fn finish(self) -> Result<Staged> {
        let mut problems = self
            .problems
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        problems.sort();
        problems.dedup();
        ensure_clean(&problems)?;
        let written = self
            .written
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let wanted: HashSet<&str> = written.iter().map(String::as_str).collect();
        if !self.fresh {
            remove_stale(&self.dir, &wanted)
                .with_context(|| format!("cannot clean {}", self.dir.display()))?;
        }
        let files = wanted.into_iter().map(str::to_owned).collect();
        Ok(Staged {
            dir: self.dir,
            target: self.target,
            files,
        })
    }
}

/// Makes sure `rel` can be written under `dir`: its folders exist, and
/// a file an earlier build left where a folder is needed now is removed
/// (a folder left where a file is needed goes in [`write_if_changed`]).
fn make_room(dir: &Path, rel: &str) -> std::io::Result<()> {
    let path = dir.join(rel);
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if std::fs::create_dir_all(parent).is_err() {
        let mut blocking = dir.to_path_buf();
        for part in rel
            .split('/')
            .take(rel.split('/').count().saturating_sub(1))
        {
            blocking.push(part);
            if blocking.is_file() {
                std::fs::remove_file(&blocking)?;
            }
        }
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

/// A mutex's value, also after a panic elsewhere (the data is a plain
/// list; rayon re-raises the panic anyway).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes every file under `dir` that is not in `wanted`, then the
/// folders left empty.
fn remove_stale(dir: &Path, wanted: &HashSet<&str>) -> std::io::Result<()> {
    let mut stale = Vec::new();
    let mut dirs = Vec::new();
    for entry in WalkDir::new(dir).min_depth(1).contents_first(true) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if !wanted.contains(rel.as_str()) {
            stale.push(entry.into_path());
        }
    }
    stale.par_iter().try_for_each(std::fs::remove_file)?;
    for d in dirs {
        // Only empty folders go; a folder still holding files stays.
        let _ = std::fs::remove_dir(d);
    }
    Ok(())
}

/// Writes a file unless the staging folder already holds the same bytes.
fn write_if_changed(dir: &Path, file: &OutputFile) -> Result<()> {
    let path = dir.join(&file.path);
    let existing = std::fs::metadata(&path).ok();
    if existing.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        std::fs::remove_dir_all(&path)
            .with_context(|| format!("cannot replace folder {}", path.display()))?;
    }
    let existing = existing.filter(std::fs::Metadata::is_file);
    if let Body::Bytes(bytes) = &file.body {
        let same = existing.is_some_and(|m| m.len() == bytes.len() as u64)
            && std::fs::read(&path).is_ok_and(|old| old == *bytes);
        if same {
            return Ok(());
        }
    }
    write_body(&path, &file.body).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes generated bytes, or copies the source file, to `path`.
fn write_body(path: &Path, body: &Body) -> std::io::Result<()> {
    match body {
        Body::Bytes(bytes) => std::fs::write(path, bytes),
        Body::Copy(from) => std::fs::copy(from, path).map(|_| ()),
    }
}

impl Staged {
    /// Replaces the target with the staged folder; the previous target
    /// becomes the next build's staging folder. Returns where the bundle's
    /// files are now.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        if let Some(parent) = self.target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let previous = self.dir.with_extension("previous");
        if previous.exists() {
            remove_tree(&previous)
                .with_context(|| format!("cannot remove {}", previous.display()))?;
        }
        if self.target.exists() {
            std::fs::rename(&self.target, &previous)
                .with_context(|| format!("cannot move {} aside", self.target.display()))?;
        }
        std::fs::rename(&self.dir, &self.target).with_context(|| {
            format!(
                "cannot move {} to {}",
                self.dir.display(),
                self.target.display()
            )
        })?;
        if previous.exists() {
            std::fs::rename(&previous, &self.dir)
                .with_context(|| format!("cannot keep {}", previous.display()))?;
        }
        Ok(self.files.iter().map(|f| self.target.join(f)).collect())
    }
}

/// Removes a folder tree, files in parallel (much faster than
/// `remove_dir_all` on file systems where each deletion waits).
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in WalkDir::new(dir).contents_first(true) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    files.par_iter().try_for_each(std::fs::remove_file)?;
    dirs.iter().try_for_each(std::fs::remove_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_bundle_replaces_the_target_only_when_committed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("old.html"), "old").unwrap();
        let files = [OutputFile::text("a/index.html", "new".to_owned())];
        let staged = stage(&target, &files).unwrap();
        assert!(target.join("old.html").exists());
        staged.commit().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("a/index.html")).unwrap(),
            "new"
        );
    }

    #[test]
    fn a_reused_stage_holds_exactly_the_new_files() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let first = [
            OutputFile::text("gone/index.html", "x".to_owned()),
            OutputFile::text("kept/index.html", "same".to_owned()),
            OutputFile::text("page", "file".to_owned()),
        ];
        stage(&target, &first).unwrap().commit().unwrap();
        stage(&target, &first).unwrap().commit().unwrap();
        let second = [
            OutputFile::text("kept/index.html", "same".to_owned()),
            OutputFile::text("page/index.html", "now a folder".to_owned()),
        ];
        let staged = stage(&target, &second).unwrap();
        assert!(!staged.dir.join("gone").exists());
        staged.commit().unwrap();
        assert!(!target.join("gone").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("kept/index.html")).unwrap(),
            "same"
        );
        assert_eq!(
            std::fs::read_to_string(target.join("page/index.html")).unwrap(),
            "now a folder"
        );
        // Two builds later the stage holds the folder; a file replaces it.
        let third = [OutputFile::text("page", "a file again".to_owned())];
        stage(&target, &third).unwrap().commit().unwrap();
        stage(&target, &third).unwrap().commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("page")).unwrap(),
            "a file again"
        );
    }
}

//! `docket serve`'s sink: a bundle folder kept up to date in place. Only
//! files whose bytes changed since they were last written are written
//! (each beside its target, then renamed, so a request never reads half a
//! file), and files no longer produced are removed with the folders they
//! leave empty. [`Written`] remembers what is on disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::{Body, OutputFile};

/// The files of one bundle as last written: path → hash of the bytes.
pub type Written = HashMap<String, blake3::Hash>;

/// How many files a sink call wrote and removed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    /// Files written (new or changed).
    pub written: usize,
    /// Files removed.
    pub removed: usize,
}

/// A file's bytes and their hash.
pub struct Prepared {
    /// Path inside the bundle.
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Their hash, to tell whether the file changed.
    pub hash: blake3::Hash,
}

/// Reads copies and hashes everything, in parallel.
pub fn prepare(files: Vec<OutputFile>) -> Result<Vec<Prepared>> {
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
pub fn sync_all(dir: &Path, written: &mut Written, files: Vec<Prepared>) -> Result<Counts> {
    let keep: std::collections::HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
    let written_now = write_changed(dir, written, files)?;
    let gone: Vec<String> = written
        .keys()
        .filter(|p| !keep.contains(*p))
        .cloned()
        .collect();
    let removed = remove(dir, written, &gone)?;
    Ok(Counts {
        written: written_now.written,
        removed: removed.removed,
    })
}

/// The files whose bytes differ from what was last written, noted as
/// written.
pub fn take_changed(written: &mut Written, files: Vec<Prepared>) -> Vec<Prepared> {
    let changed: Vec<Prepared> = files
        .into_iter()
        .filter(|f| written.get(&f.path) != Some(&f.hash))
        .collect();
    for f in &changed {
        written.insert(f.path.clone(), f.hash);
    }
    changed
}

/// Writes each file whose bytes differ from what was last written.
pub fn write_changed(dir: &Path, written: &mut Written, files: Vec<Prepared>) -> Result<Counts> {
    let changed: Vec<Prepared> = files
        .into_iter()
        .filter(|f| written.get(&f.path) != Some(&f.hash))
        .collect();
    changed
        .par_iter()
        .map(|f| write_atomically(&dir.join(&f.path), &f.bytes))
        .collect::<Result<Vec<()>>>()?;
    let counts = Counts {
        written: changed.len(),
        removed: 0,
    };
    for f in changed {
        written.insert(f.path, f.hash);
    }
    Ok(counts)
}

/// Removes files no longer produced, and the folders they leave empty
/// (a listing's last `page/<n>/`).
pub fn remove(dir: &Path, written: &mut Written, gone: &[String]) -> Result<Counts> {
    let mut counts = Counts::default();
    for path in gone {
        let file = dir.join(path);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", file.display())),
        }
        // `remove_dir` only removes an empty folder: stop at the first
        // that is not.
        let mut folder = file.parent();
        while let Some(f) = folder.filter(|f| f.starts_with(dir) && *f != dir) {
            if std::fs::remove_dir(f).is_err() {
                break;
            }
            folder = f.parent();
        }
        written.remove(path);
        counts.removed += 1;
    }
    Ok(counts)
}

/// Writes beside the target, then renames, so a request never reads half
/// a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
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

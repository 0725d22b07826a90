//! What a batch of file events means for the build: settings, templates,
//! static files, Markdown articles or page-bundle assets changed.

use std::path::{Path, PathBuf};

use crate::config::{Settings, CONFIG_FILE};

/// What a batch of file events means for the build.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// `docket.toml` changed: reload settings, rebuild everything.
    pub config: bool,
    /// A template changed: recompile the theme, re-render pages.
    pub templates: bool,
    /// Something else under the theme or `static/` changed.
    pub statics: bool,
    /// Markdown files under `content/`, relative to it, `/`-separated.
    pub content: Vec<String>,
    /// A non-Markdown file under `content/` (a page bundle's asset).
    pub assets: bool,
}

impl Changes {
    /// Sorts `paths` (absolute, from notify) into kinds; ignores editors'
    /// temporary files and the serving output.
    pub fn classify(settings: &Settings, paths: &[PathBuf]) -> Self {
        let mut changes = Changes::default();
        let root = &settings.root;
        for path in paths {
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
                continue;
            }
            if rel == Path::new(CONFIG_FILE) {
                changes.config = true;
            } else if let Ok(inner) = path.strip_prefix(&settings.theme_dir) {
                if inner.starts_with("templates") || inner.starts_with("i18n") {
                    changes.templates = true;
                } else {
                    changes.statics = true;
                }
            } else if rel.starts_with("templates") || rel.starts_with("i18n") {
                // Templates and the string catalogs they read are loaded
                // together.
                changes.templates = true;
            } else if rel.starts_with("static") {
                changes.statics = true;
            } else if let Ok(inner) = path.strip_prefix(&settings.content_dir) {
                if name.ends_with(".md") {
                    let rel = inner
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    if !changes.content.contains(&rel) {
                        changes.content.push(rel);
                    }
                } else {
                    changes.assets = true;
                }
            }
        }
        changes
    }

    /// Nothing that matters.
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

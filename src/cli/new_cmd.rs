//! `docket new`: writes a new article — a draft dated today, titled from
//! its file name, with the fields of the site's optional
//! `archetypes/default.md` (as in Hugo). A translation (`--lang`) is
//! written beside its source and copies the source's `translationKey`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use time::Date;

use crate::cli::NewArgs;
use crate::config::Settings;
use crate::content::front_matter;

/// What to write.
#[derive(Debug)]
pub struct NewArticle<'a> {
    /// The path under `content/` as given (`billing/refunds.md`; a leading
    /// `content/` and a missing `.md` are accepted).
    pub path: &'a str,
    /// The language of the new file (`None`: the default language).
    pub lang: Option<&'a str>,
    /// Tag it internal.
    pub internal: bool,
    /// Its date.
    pub today: Date,
}

/// Writes the article and returns its path. An existing file is never
/// overwritten.
pub fn write(settings: &Settings, new: &NewArticle<'_>) -> Result<PathBuf> {
    let rel = new.path.trim_start_matches("./");
    let rel = rel.strip_prefix("content/").unwrap_or(rel);
    let rel = rel.strip_suffix(".md").unwrap_or(rel);
    if rel.is_empty() || rel.split('/').any(|s| s == ".." || s.is_empty()) {
        bail!(
            "{:?} is not a path under content/ (write e.g. billing/refunds.md)",
            new.path
        );
    }
    let default = settings.config.site.default_language.as_str();
    let lang = new.lang.filter(|l| *l != default);
    if let Some(lang) = lang {
        if !settings.languages().contains(&lang) {
            bail!("unknown language {lang:?}: add [languages.{lang}] to docket.toml");
        }
    }
    let source = settings.content_dir.join(format!("{rel}.md"));
    let target = match lang {
        Some(lang) => settings.content_dir.join(format!("{rel}.{lang}.md")),
        None => source.clone(),
    };
    if target.exists() {
        bail!(
            "{} exists already; docket new never overwrites",
            target.display()
        );
    }
    let translation_key = match lang {
        Some(_) if source.is_file() => translation_key_of(&source)?,
        _ => None,
    };
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let name = if name == "index" {
        rel.rsplit('/').nth(1).unwrap_or(name)
    } else {
        name
    };
    let mut fields = vec![
        ("title", json_string(&title_of(name))),
        ("date", new.today.to_string()),
        ("draft", "true".to_owned()),
    ];
    if new.internal {
        fields.push((
            "tags",
            format!("[{}]", json_string(&settings.config.build.internal_tag)),
        ));
    }
    if let Some(key) = translation_key {
        fields.push(("translationKey", json_string(&key)));
    }
    let archetype = settings.root.join("archetypes/default.md");
    let text = if archetype.is_file() {
        let text = std::fs::read_to_string(&archetype)
            .with_context(|| format!("cannot read {}", archetype.display()))?;
        from_archetype(&front_matter::normalize(&text), &fields).with_context(|| {
            format!("{}: no front matter between --- lines", archetype.display())
        })?
    } else {
        let mut out = String::from("---\n");
        for (key, value) in &fields {
            out.push_str(&format!("{key}: {value}\n"));
        }
        out.push_str("---\n\n");
        out
    };
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&target, text).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}

/// `reset-your_password` → `Reset your password`.
pub fn title_of(name: &str) -> String {
    let spaced: String = name
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect();
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Untitled".to_owned(),
    }
}

/// A YAML string (JSON's quoting is valid YAML).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn translation_key_of(source: &std::path::Path) -> Result<Option<String>> {
    let text = std::fs::read_to_string(source)
        .with_context(|| format!("cannot read {}", source.display()))?;
    let text = front_matter::normalize(&text);
    let Some(split) = front_matter::split(&text) else {
        return Ok(None);
    };
    let front = front_matter::parse(&split)
        .map_err(|e| anyhow::anyhow!("{}:{}: {}", source.display(), e.line, e.message))?;
    Ok(front.translation_key)
}

/// The archetype's text with `fields` set: a field it has is replaced
/// (with any indented lines under it), the others are added at the top;
/// Hugo template values (`{{ … }}`) are emptied, the rest kept as written.
fn from_archetype(text: &str, fields: &[(&str, String)]) -> Option<String> {
    let split = front_matter::split(text)?;
    let mut lines: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let mut skipping = false;
    for line in split.yaml.lines() {
        let indented = line.starts_with([' ', '\t', '-']);
        if skipping && indented {
            continue;
        }
        skipping = false;
        let key = line.split(':').next().unwrap_or_default().trim();
        if !indented && line.contains(':') && fields.iter().any(|(k, _)| *k == key) {
            skipping = true;
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !indented && value.contains("{{") => {
                lines.push(format!("{key}:"));
            }
            _ => lines.push(line.to_owned()),
        }
    }
    let mut out = String::from("---\n");
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("---\n");
    out.push_str(split.body);
    Some(out)
}

/// `docket new PATH`: writes a new article and prints its file.
pub fn run(args: &NewArgs) -> anyhow::Result<()> {
    let settings = Settings::load(&args.site.site, None)?;
    let written = write(
        &settings,
        &NewArticle {
            path: &args.path,
            lang: args.lang.as_deref(),
            internal: args.internal,
            today: time::OffsetDateTime::now_utc().date(),
        },
    )?;
    println!("wrote {}", written.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_file_names() {
        assert_eq!(title_of("reset-your_password"), "Reset your password");
        assert_eq!(title_of("パスワード"), "パスワード");
    }

    #[test]
    fn archetype_fields_are_kept_and_ours_replace_theirs() {
        let text = "---\ntitle: \"{{ replace .File.ContentBaseName \"-\" \" \" | title }}\"\ndate: {{ .Date }}\ndraft: false\ntags:\n  - a\ndescription: \"\"\nauthor: {{ .Site.Params.author }}\n---\nBody\n";
        let fields = [
            ("title", "\"Refunds\"".to_owned()),
            ("date", "2026-01-30".to_owned()),
            ("draft", "true".to_owned()),
            ("tags", "[\"internal\"]".to_owned()),
        ];
        let out = from_archetype(text, &fields).unwrap();
        assert_eq!(
            out,
            "---\ntitle: \"Refunds\"\ndate: 2026-01-30\ndraft: true\ntags: [\"internal\"]\ndescription: \"\"\nauthor:\n---\nBody\n"
        );
    }
}

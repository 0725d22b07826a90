//! The `t` function templates call.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::Catalogs;

impl Catalogs {
    /// Registers `t(key=…, lang=…, name=value…)` in `tera`. Every named
    /// value other than `key` and `lang` fills the placeholder of that
    /// name (`count` also chooses the plural form).
    pub fn register(self: &Arc<Self>, tera: &mut tera::Tera) {
        let catalogs = Arc::clone(self);
        tera.register_function(
            "t",
            move |args: &HashMap<String, tera::Value>| -> tera::Result<tera::Value> {
                let key = args
                    .get("key")
                    .and_then(tera::Value::as_str)
                    .ok_or_else(|| tera::Error::msg("t(): `key` must be given, as text"))?;
                let lang = args
                    .get("lang")
                    .and_then(tera::Value::as_str)
                    .ok_or_else(|| {
                        tera::Error::msg(format!("t(key={key:?}): `lang` must be given, as text"))
                    })?;
                let values: BTreeMap<String, String> = args
                    .iter()
                    .filter(|(name, _)| !matches!(name.as_str(), "key" | "lang"))
                    .map(|(name, value)| (name.clone(), display(value)))
                    .collect();
                Ok(tera::Value::String(catalogs.text(lang, key, &values)))
            },
        );
    }
}

fn display(value: &tera::Value) -> String {
    match value {
        tera::Value::String(s) => s.clone(),
        tera::Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_look_strings_up_and_the_result_is_escaped() {
        let mut catalogs = Catalogs::built_in().unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("en.toml"),
            "[site]\nskip = \"<b>Skip</b> {what}\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        catalogs = Catalogs::load(&[dir.path()], "en").unwrap_or(catalogs);
        let catalogs = Arc::new(catalogs);
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html"]);
        catalogs.register(&mut tera);
        tera.add_raw_template("x.html", "{{ t(key=\"site.skip\", lang=lang, what=3) }}")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut ctx = tera::Context::new();
        ctx.insert("lang", "ja");
        let out = tera
            .render("x.html", &ctx)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(out, "site.skip");
        // ja has its own built-in string; the site changed only English.
        ctx.insert("lang", "en");
        let out = tera
            .render("x.html", &ctx)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, "&lt;b&gt;Skip&lt;&#x2F;b&gt; 3");
    }
}

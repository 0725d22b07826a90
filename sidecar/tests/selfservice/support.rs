//! Helpers of the self-service tests: JSON calls as the static pages make
//! them, and the articles of the test's public bundle.

use crate::common::{Client, Resp, TestServer};

/// Adds article pages to the public bundle (the feedback API accepts
/// votes only on articles it has).
pub fn add_articles(server: &TestServer, paths: &[&str]) {
    for path in paths {
        let dir = server.root().join("public").join(path.trim_matches('/'));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<h1>Article</h1>").unwrap();
    }
}

/// A JSON POST with `origin` (None: no `Origin` header) and optional
/// extra headers.
pub fn post_json_from(
    c: &mut Client,
    origin: Option<&str>,
    target: &str,
    json: &serde_json::Value,
    extra: &[(&str, &str)],
) -> Resp {
    let body = json.to_string();
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(o) = origin {
        headers.push(("Origin", o));
    }
    headers.extend_from_slice(extra);
    c.send("POST", target, &headers, Some(body.as_bytes()))
}

/// A JSON POST from this site, as the static pages' scripts send it.
pub fn post_json(c: &mut Client, target: &str, json: &serde_json::Value) -> Resp {
    let origin = c.origin.clone();
    post_json_from(c, origin.as_deref(), target, json, &[])
}

/// A fresh feedback token.
pub fn feedback_token(c: &mut Client) -> String {
    let r = c.get("/api/feedback/token");
    assert_eq!(r.status, 200, "{}", r.body);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    json["token"].as_str().unwrap().to_owned()
}

/// A vote as the widget sends it; `client_ip` goes in `X-Forwarded-For`
/// (servers started with `trusted_proxy_hops = 1` see it as the client).
pub fn vote_as(c: &mut Client, client_ip: &str, article: &str, lang: &str, helpful: bool) -> Resp {
    let token = feedback_token(c);
    let origin = c.origin.clone();
    post_json_from(
        c,
        origin.as_deref(),
        "/api/feedback",
        &serde_json::json!({ "token": token, "article": article, "lang": lang, "helpful": helpful }),
        &[("X-Forwarded-For", client_ip)],
    )
}

/// The JSON body of a response.
pub fn json_of(r: &Resp) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

/// Every text value stored in any table, for "nothing names a visitor".
pub fn all_stored_text(server: &TestServer) -> String {
    let conn = rusqlite::Connection::open(&server.options.database).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut all = String::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                if let Ok(text) = row.get::<_, String>(i) {
                    all.push_str(&text);
                    all.push('\n');
                }
            }
        }
    }
    all
}

//! The tokeniser against the shared vectors in `tests/search/vectors.json`,
//! which `tests/search/tokenize.test.js` checks against the script too.

use docket::search::tokenize;
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    note: String,
    input: String,
    tokens: Vec<String>,
}

fn vectors() -> Vec<Vector> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search/vectors.json");
    let text = std::fs::read_to_string(path).expect("vectors file is readable");
    serde_json::from_str(&text).expect("vectors file is valid JSON")
}

#[test]
fn the_rust_tokeniser_produces_every_shared_vector() {
    let mut failures = Vec::new();
    for vector in vectors() {
        let actual = tokenize(&vector.input);
        if actual != vector.tokens {
            failures.push(format!(
                "{}: {:?} gave {:?}, expected {:?}",
                vector.note, vector.input, actual, vector.tokens
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn there_are_enough_vectors_to_pin_the_rules_down() {
    let vectors = vectors();
    assert!(vectors.len() >= 30);
    assert!(vectors.iter().any(|v| v
        .tokens
        .iter()
        .any(|t| t.chars().count() == 2 && !t.is_ascii())));
}

//! A synthetic help center for measuring the search index at scale; the
//! measuring itself (bytes fetched per query) is `bench/search_size.js`.
//!
//! Ignored by default. `DOCKET_SEARCH_SIZE_OUT=DIR DOCKET_SEARCH_SIZE_DOCS=10000
//! cargo test --release --test search_size -- --ignored` writes the index of
//! that many English and as many Japanese articles under `DIR/search/`.

use docket::search::{build_index, SearchDoc};

/// Words a help center uses a lot, most frequent first; the rest of the
/// vocabulary is made-up words of decreasing frequency (Zipf).
const COMMON_EN: &[&str] = &[
    "the",
    "to",
    "and",
    "a",
    "you",
    "of",
    "your",
    "in",
    "is",
    "for",
    "ticket",
    "account",
    "can",
    "on",
    "with",
    "customer",
    "agent",
    "click",
    "page",
    "settings",
    "email",
    "open",
    "reply",
    "status",
    "new",
    "user",
    "help",
    "article",
    "portal",
    "password",
    "login",
    "message",
    "team",
    "request",
    "select",
    "update",
    "view",
    "search",
    "report",
    "time",
    "list",
    "billing",
    "invoice",
    "refund",
    "payment",
    "plan",
    "export",
    "import",
    "notification",
    "reset",
    "link",
    "access",
    "permission",
    "role",
    "admin",
    "category",
    "tag",
    "field",
    "form",
    "macro",
];
const SYLLABLES: &[&str] = &[
    "ka", "ro", "ti", "mel", "san", "dor", "vek", "li", "nu", "per", "qua", "zen", "bor", "tal",
    "mi", "os", "ful", "gri", "hab", "jo", "lex", "mon", "nar", "pli", "rus", "sto", "tev", "ul",
];
const COMMON_JA: &[&str] = &[
    "チケット",
    "パスワード",
    "ログイン",
    "アカウント",
    "メール",
    "設定",
    "返信",
    "担当者",
    "顧客",
    "画面",
    "表示",
    "変更",
    "確認",
    "登録",
    "削除",
    "検索",
    "記事",
    "通知",
    "請求",
    "返金",
    "支払い",
    "権限",
    "管理者",
    "カテゴリー",
    "タグ",
    "再設定",
    "ステータス",
    "ポータル",
];
const PARTICLES_JA: &[&str] = &[
    "を",
    "に",
    "は",
    "が",
    "の",
    "で",
    "と",
    "から",
    "します。",
    "できます。",
];
const KANJI: &str =
    "日本語文書情報管理時間会社業務対応送信受信作成編集保存共有期限履歴範囲操作選択入力出力";
const KANA: &str =
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロン";

/// A small deterministic generator (xorshift64*), so every run measures the
/// same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A Zipf-like rank in 0..n: small ranks are much more likely.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as usize
    }
}

fn made_up_word(rank: usize) -> String {
    let mut word = String::new();
    let mut r = rank + 7;
    for _ in 0..(2 + rank % 3) {
        word.push_str(SYLLABLES[r % SYLLABLES.len()]);
        r /= SYLLABLES.len();
        r += rank % 5;
    }
    word
}

fn made_up_ja_word(rank: usize) -> String {
    let kanji: Vec<char> = KANJI.chars().collect();
    let kana: Vec<char> = KANA.chars().collect();
    let (alphabet, len) = if rank % 3 == 0 {
        (&kana, 3 + rank % 3)
    } else {
        (&kanji, 2)
    };
    let mut r = rank * 7919 + 13;
    (0..len)
        .map(|_| {
            let c = alphabet[r % alphabet.len()];
            r /= alphabet.len();
            r += rank;
            c
        })
        .collect()
}

fn en_word(rng: &mut Rng) -> String {
    let rank = rng.zipf(20_000);
    match COMMON_EN.get(rank) {
        Some(word) => (*word).to_owned(),
        None => made_up_word(rank),
    }
}

fn ja_word(rng: &mut Rng) -> String {
    let rank = rng.zipf(8_000);
    let word = match COMMON_JA.get(rank) {
        Some(word) => (*word).to_owned(),
        None => made_up_ja_word(rank),
    };
    format!("{word}{}", PARTICLES_JA[rng.below(PARTICLES_JA.len())])
}

fn sentence(rng: &mut Rng, words: usize, ja: bool) -> String {
    let parts: Vec<String> = (0..words)
        .map(|_| if ja { ja_word(rng) } else { en_word(rng) })
        .collect();
    if ja {
        parts.concat()
    } else {
        parts.join(" ")
    }
}

/// `count` articles in `lang` ("en" or "ja").
pub fn synthetic_docs(count: usize, lang: &str, seed: u64) -> Vec<SearchDoc> {
    let mut rng = Rng(seed);
    let ja = lang == "ja";
    (0..count)
        .map(|i| {
            let category = format!("category-{}", i % 40);
            let body_words = 250 + rng.below(500);
            let title_words = 3 + rng.below(4);
            SearchDoc {
                url: format!("{}{category}/article-{i}/", if ja { "ja/" } else { "" }),
                title: sentence(&mut rng, title_words, ja),
                lang: lang.to_owned(),
                breadcrumb: format!("Topic {} › Category {}", i % 8, i % 40),
                description: sentence(&mut rng, 12, ja),
                keywords: (0..3).map(|_| sentence(&mut rng, 1, ja)).collect(),
                headings: (0..4).map(|_| sentence(&mut rng, 3, ja)).collect(),
                body: (0..body_words / 12)
                    .map(|_| sentence(&mut rng, 12, ja))
                    .collect::<Vec<_>>()
                    .join(". ")
                    .into(),
            }
        })
        .collect()
}

#[test]
#[ignore = "writes a large synthetic index; see bench/search_size.js"]
fn write_a_synthetic_index() {
    let Some(out) = std::env::var_os("DOCKET_SEARCH_SIZE_OUT") else {
        return;
    };
    let count = std::env::var("DOCKET_SEARCH_SIZE_DOCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let mut docs = synthetic_docs(count, "en", 0x5EED);
    docs.extend(synthetic_docs(count, "ja", 0xF00D));
    let started = std::time::Instant::now();
    let files = build_index(&docs);
    eprintln!("indexed {} articles in {:?}", docs.len(), started.elapsed());
    let out = std::path::PathBuf::from(out);
    let _ = std::fs::remove_dir_all(out.join("search"));
    for file in files {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("index files live in folders"))
            .expect("mkdir");
        std::fs::write(path, file.bytes).expect("write");
    }
}

#[test]
fn the_synthetic_corpus_is_deterministic() {
    let a = synthetic_docs(3, "ja", 1);
    let b = synthetic_docs(3, "ja", 1);
    assert_eq!(a[2].body, b[2].body);
    assert!(a[0].body.chars().count() > 200);
}

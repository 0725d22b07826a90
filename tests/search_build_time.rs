//! Build time of the search indexes alone, without the page rendering that
//! runs beside them in `docket build` (ignored; a benchmark, not a test):
//!
//! ```sh
//! DOCKET_BENCH_SITE=/tmp/corpus10k/docket \
//!     cargo test --release --locked --test search_build_time -- --ignored --nocapture
//! ```
//!
//! Prints the wall and CPU time of both bundles' indexes built together
//! (`search_docs::index_files_of`, each shared article counted once) and
//! one bundle after the other (`search_docs::index_files`), best of
//! `DOCKET_BENCH_RUNS` (default 3).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use docket::config::Settings;
use docket::model::bundle::BundleKind;
use docket::model::site::Site;

/// User + system CPU time of this process, from `/proc/self/stat`.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0);
    Duration::from_millis(ticks * 10)
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let (wall, cpu_before) = (Instant::now(), cpu());
        std::hint::black_box(f());
        let run = (wall.elapsed(), cpu() - cpu_before);
        if run.0 < best.0 {
            best = run;
        }
    }
    best
}

#[test]
#[ignore = "benchmark: needs DOCKET_BENCH_SITE"]
fn search_index_build_time() {
    let Some(root) = std::env::var_os("DOCKET_BENCH_SITE").map(PathBuf::from) else {
        eprintln!("DOCKET_BENCH_SITE is not set");
        return;
    };
    let runs = std::env::var("DOCKET_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let settings = Settings::load(&root, None).expect("site settings load");
    let mut site = Site::load(&settings, false);
    site.check_urls();
    let theme = docket::render::Theme::load(&settings).expect("theme loads");
    site.render_markdown(&theme);
    let public = site.bundle(BundleKind::Public);
    let internal = site.bundle(BundleKind::Internal);
    let (wall, cpu) = best_of(runs, || {
        docket::search::docs::index_files_of(&[&public, &internal])
    });
    eprintln!(
        "both bundles together: {} ms wall, {} ms CPU ({} + {} articles)",
        wall.as_millis(),
        cpu.as_millis(),
        public.articles.len(),
        internal.articles.len()
    );
    let (wall, cpu) = best_of(runs, || {
        (
            docket::search::docs::index_files(&public),
            docket::search::docs::index_files(&internal),
        )
    });
    eprintln!(
        "one bundle after the other: {} ms wall, {} ms CPU",
        wall.as_millis(),
        cpu.as_millis()
    );
}

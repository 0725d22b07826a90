//! `docket build` and `docket check`: run the build and report it, with
//! every warning as `file:line: warning: message`.

use crate::build::{self, BuildOptions};
use crate::cli::{BuildArgs, CheckArgs};
use crate::config::Settings;
use crate::error::ContentError;

/// `docket build`: builds both bundles and prints what was done.
pub fn build(args: &BuildArgs) -> anyhow::Result<()> {
    let settings = Settings::load(&args.site.site, args.out.as_deref())?;
    let options = BuildOptions {
        drafts: args.drafts,
        write: true,
        use_cache: !args.no_cache,
        strict: args.strict,
    };
    let report = build::build(&settings, &options)?;
    if report.unchanged {
        println!(
            "nothing changed since the last build: {} public + {} internal articles \
             ({} + {} files) are up to date (checked in {} ms; --no-cache rebuilds)",
            report.public,
            report.internal,
            report.public_files,
            report.internal_files,
            report.elapsed.as_millis()
        );
        return Ok(());
    }
    print_warnings(&report.warnings);
    println!(
        "built {} public + {} internal articles ({} + {} files) in {} ms{}",
        report.public,
        report.internal,
        report.public_files,
        report.internal_files,
        report.elapsed.as_millis(),
        warning_count(&report.warnings)
    );
    Ok(())
}

/// `docket check`: builds in memory, writes nothing, prints the verdict.
pub fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let settings = Settings::load(&args.site.site, None)?;
    let options = BuildOptions {
        drafts: args.drafts,
        write: false,
        use_cache: false,
        strict: args.strict,
    };
    let report = build::build(&settings, &options)?;
    print_warnings(&report.warnings);
    let verdict = if report.warnings.is_empty() {
        "no problems".to_owned()
    } else {
        warning_count(&report.warnings)
            .trim_start_matches(", ")
            .to_owned()
    };
    println!(
        "checked {} public + {} internal articles in {} ms: {verdict}",
        report.public,
        report.internal,
        report.elapsed.as_millis()
    );
    Ok(())
}

/// Prints each warning as `file:line: warning: message` (stderr).
fn print_warnings(warnings: &[ContentError]) {
    for w in warnings {
        eprintln!("{}:{}: warning: {}", w.path, w.line, w.message);
    }
}

/// `, N warning(s)` for the summary line, or nothing.
fn warning_count(warnings: &[ContentError]) -> String {
    match warnings.len() {
        0 => String::new(),
        1 => ", 1 warning".to_owned(),
        n => format!(", {n} warnings"),
    }
}

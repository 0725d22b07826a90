//! Splits what a person wrote in a mail from the history their client
//! quoted below it and their signature, so the ticket page can collapse the
//! rest behind "show quoted text". Nothing is thrown away: the caller keeps
//! both parts (and the raw message).

/// The written part and the collapsed rest (`None` when there is none).
pub fn split(text: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = first_marker(&lines) else {
        return (text.trim_end().to_owned(), None);
    };
    let written = lines[..at].join("\n").trim_end().to_owned();
    let rest = lines[at..].join("\n").trim_end().to_owned();
    if written.trim().is_empty() || rest.trim().is_empty() {
        // A mail that is only a quote (a forward) is shown whole.
        return (text.trim_end().to_owned(), None);
    }
    (written, Some(rest))
}

/// The line where quoted history or the signature starts.
fn first_marker(lines: &[&str]) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if *line == "-- " || trimmed == "--" && i + 1 < lines.len() && signature_follows(lines, i) {
            return Some(i);
        }
        if is_quote_header(trimmed) {
            return Some(i);
        }
        // Two-line "On … \n … wrote:" as clients wrap it.
        if trimmed.starts_with("On ")
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim().ends_with("wrote:"))
        {
            return Some(i);
        }
        if is_separator(trimmed) {
            return Some(i);
        }
        // Outlook's header block without a separator line.
        if trimmed.starts_with("From:")
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("Sent:"))
        {
            return Some(i);
        }
        // A trailing `>` block: only when nothing but quotes and blank
        // lines follows (answers written between quotes stay visible).
        if trimmed.starts_with('>')
            && lines[i..]
                .iter()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('>'))
        {
            return Some(i);
        }
    }
    None
}

/// `--` alone, followed by a few short lines: a signature.
fn signature_follows(lines: &[&str], at: usize) -> bool {
    let rest = &lines[at + 1..];
    rest.len() <= 8 && rest.iter().all(|l| l.chars().count() <= 80)
}

/// "On Tue, 1 Dec 2026 at 10:00, Ann <ann@example.com> wrote:", its
/// translations, and Japanese clients' headers such as
/// "2026年12月1日(火) 10:00 山田太郎 <taro@example.jp>:".
fn is_quote_header(line: &str) -> bool {
    let ends_like_header = line.ends_with(':') || line.ends_with('：');
    if !ends_like_header {
        return false;
    }
    if line.starts_with("On ") && line.ends_with("wrote:") {
        return true;
    }
    for word in [
        "schrieb",
        "a écrit",
        "escribió",
        "ha scritto",
        "のメッセージ",
        "のメール",
        "wrote",
    ] {
        if line.contains(word) && (line.contains('@') || line.contains(char::is_numeric)) {
            return true;
        }
    }
    let dated = line.contains('年') && line.contains('月') && line.contains('日');
    let slashed = line.split_whitespace().next().is_some_and(|w| {
        w.matches('/').count() == 2 && w.chars().next().is_some_and(|c| c.is_ascii_digit())
    });
    (dated || slashed) && (line.contains('@') || line.contains("書きました"))
}

/// Separators clients put above a forwarded or answered message.
fn is_separator(line: &str) -> bool {
    let lower = line.to_lowercase();
    let dashed = lower.starts_with("-----") && lower.ends_with("-----");
    (dashed
        && [
            "original message",
            "ursprüngliche nachricht",
            "message d'origine",
            "元のメッセージ",
            "forwarded message",
            "original",
        ]
        .iter()
        .any(|w| lower.contains(w)))
        || (line.len() >= 20 && line.chars().all(|c| c == '_'))
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn gmail_reply_keeps_the_answer_and_collapses_the_history() {
        let (written, rest) = split(
            "Thanks, that worked.\n\nOn Tue, 1 Dec 2026 at 10:00, Support <support@example.com> wrote:\n> Try again.\n",
        );
        assert_eq!(written, "Thanks, that worked.");
        assert!(rest.unwrap().starts_with("On Tue"));
    }

    #[test]
    fn outlook_and_signatures_are_collapsed() {
        let (w, r) = split("Yes.\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold");
        assert_eq!(w, "Yes.");
        assert!(r.unwrap().contains("old"));
        let (w, r) = split("Yes.\n________________________________\nFrom: Support\nSent: Monday\n");
        assert_eq!(w, "Yes.");
        assert!(r.is_some());
        let (w, r) = split("Fine now.\n-- \nAnn Example\nACME Ltd");
        assert_eq!(w, "Fine now.");
        assert_eq!(r.unwrap(), "-- \nAnn Example\nACME Ltd");
    }

    #[test]
    fn japanese_quote_headers_are_recognised() {
        let (w, r) = split("ありがとうございます。\n\n2026年12月1日(火) 10:00 サポート <support@example.com>:\n> 再起動してください。");
        assert_eq!(w, "ありがとうございます。");
        assert!(r.is_some());
    }

    #[test]
    fn interleaved_answers_and_whole_quotes_stay_visible() {
        let text = "> Does it start?\nNo.\n> Which version?\n2.1";
        assert_eq!(split(text), (text.to_owned(), None));
        let only_quote = "> forwarded text\n> more";
        assert_eq!(split(only_quote), (only_quote.to_owned(), None));
    }
}

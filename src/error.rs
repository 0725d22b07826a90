//! Content errors: every problem a build finds names the file (relative to
//! the site root) and the line in that file. A build collects all of them,
//! sorts them and reports them together.

use std::fmt;

/// One content problem: `path:line: message`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContentError {
    /// The file, relative to the site root, with `/` separators.
    pub path: String,
    /// The 1-based line in that file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl ContentError {
    /// A problem at `line` of `path`.
    pub fn new(path: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: line.max(1),
            message: message.into(),
        }
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// Every content problem of a build, sorted by file and line.
#[derive(Debug, Default)]
pub struct ContentErrors(pub Vec<ContentError>);

impl ContentErrors {
    /// Sorts the problems (by file, then line) and drops exact duplicates.
    pub fn sorted(mut errors: Vec<ContentError>) -> Self {
        errors.sort();
        errors.dedup();
        Self(errors)
    }
}

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        let n = self.0.len();
        write!(f, "{n} content error{}", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for ContentErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_as_path_line_message_sorted_by_file() {
        let errors = ContentErrors::sorted(vec![
            ContentError::new("content/b.md", 3, "missing title"),
            ContentError::new("content/a.md", 9, "bad date"),
            ContentError::new("content/a.md", 2, "bad yaml"),
        ]);
        assert_eq!(
            errors.to_string(),
            "content/a.md:2: bad yaml\ncontent/a.md:9: bad date\ncontent/b.md:3: missing title\n3 content errors"
        );
    }
}

//! Hugo shortcodes in Markdown source: a small tokenizer with line
//! tracking and the tree it builds. Pure parsing — expanding a tree into
//! HTML is [`crate::content::markdown`]'s business.
//!
//! Syntax (as in Hugo):
//! - `{{< name arg key="v" >}}`: output is HTML, not Markdown-processed;
//! - `{{% name %}}…{{% /name %}}`: the inner content is Markdown;
//! - `{{< name />}}`: self-closing; a tag without a matching closing tag
//!   stands alone too;
//! - arguments are positional or `key=value`, values bare, `"quoted"`
//!   (backslash escapes) or `` `raw` `` (may span lines);
//! - `{{</* name */>}}` prints `{{< name >}}` literally.

pub mod expand;

use memchr::memmem;

/// Whether `text` may contain a shortcode (the fast path's check: one
/// `memchr` scan, no allocation).
pub fn may_contain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let finder = memmem::find_iter(bytes, b"{{");
    for i in finder {
        if matches!(bytes.get(i + 2), Some(b'<' | b'%')) {
            return true;
        }
    }
    false
}

/// How a shortcode's inner content and output are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delim {
    /// `{{< >}}`: inner passed as written, output is HTML.
    Html,
    /// `{{% %}}`: inner rendered as Markdown first.
    Markdown,
}

/// One shortcode call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The shortcode's name.
    pub name: String,
    /// Positional arguments, in order.
    pub positional: Vec<String>,
    /// Named arguments, in order.
    pub named: Vec<(String, String)>,
    /// The delimiter it was opened with.
    pub delim: Delim,
    /// The line (relative to the text's first line, 0-based) it opens on.
    pub line: usize,
    /// The body between opening and closing tag; `None` for a shortcode
    /// without one.
    pub inner: Option<Vec<Node>>,
    /// The line (0-based) where the body starts.
    pub inner_line: usize,
    /// The line (0-based) the call ends on (its closing tag's, if any).
    pub end_line: usize,
}

/// A piece of text with shortcodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Text as written (an escaped shortcode becomes literal text).
    Text(String),
    /// A shortcode call.
    Call(Call),
}

/// A syntax error at a line (0-based, relative to the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A token of the flat scan.
#[derive(Debug)]
enum Token {
    Text(String),
    Open(Call, bool),
    Close { name: String, line: usize },
}

/// Parses `text` into a tree of text and shortcode calls.
pub fn parse(text: &str) -> Result<Vec<Node>, SyntaxError> {
    let tokens = tokenize(text)?;
    build_tree(tokens)
}

fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut scanner = Scanner {
        text,
        pos: 0,
        line: 0,
    };
    let mut text_start = 0;
    while let Some(found) = scanner.next_opener() {
        let delim = if text.as_bytes()[found + 2] == b'<' {
            Delim::Html
        } else {
            Delim::Markdown
        };
        let before = &text[text_start..found];
        scanner.advance_to(found + 3);
        let tag_line = scanner.line;
        scanner.skip_space();
        let closer = match delim {
            Delim::Html => ">}}",
            Delim::Markdown => "%}}",
        };
        if scanner.rest().starts_with("/*") {
            // Escaped: print the tag without the comment marks.
            let end_mark = format!("*/{}", closer);
            let body_start = scanner.pos + 2;
            let Some(rel) = find_escaped_end(&text[body_start..], &end_mark) else {
                return Err(SyntaxError {
                    line: tag_line,
                    message: format!("escaped shortcode is not closed with `*/{closer}`"),
                });
            };
            let inside = &text[body_start..body_start + rel.0];
            push_text(&mut tokens, before);
            let open = &closer[..1];
            push_text(
                &mut tokens,
                &format!(
                    "{{{{{}{}{}",
                    if open == ">" { "<" } else { "%" },
                    inside,
                    closer
                ),
            );
            scanner.advance_to(body_start + rel.1);
            text_start = scanner.pos;
            continue;
        }
        push_text(&mut tokens, before);
        if scanner.rest().starts_with('/') {
            scanner.advance_to(scanner.pos + 1);
            scanner.skip_space();
            let name = scanner.word();
            scanner.skip_space();
            if !scanner.rest().starts_with(closer) {
                return Err(SyntaxError {
                    line: tag_line,
                    message: format!(
                        "closing shortcode tag \"{name}\" is not ended with `{closer}`"
                    ),
                });
            }
            scanner.advance_to(scanner.pos + 3);
            tokens.push(Token::Close {
                name,
                line: tag_line,
            });
            text_start = scanner.pos;
            continue;
        }
        let name = scanner.word();
        if name.is_empty() {
            return Err(SyntaxError {
                line: tag_line,
                message: "shortcode without a name".to_owned(),
            });
        }
        let mut call = Call {
            name,
            positional: Vec::new(),
            named: Vec::new(),
            delim,
            line: tag_line,
            inner: None,
            inner_line: tag_line,
            end_line: tag_line,
        };
        let self_closing = loop {
            scanner.skip_space();
            let rest = scanner.rest();
            if rest.starts_with(closer) {
                scanner.advance_to(scanner.pos + 3);
                break false;
            }
            if rest.starts_with('/') && rest[1..].starts_with(closer) {
                scanner.advance_to(scanner.pos + 4);
                break true;
            }
            if rest.is_empty() {
                return Err(SyntaxError {
                    line: tag_line,
                    message: format!("shortcode \"{}\" is not closed with `{closer}`", call.name),
                });
            }
            let first = scanner.value(tag_line)?;
            if scanner.rest().starts_with('=') {
                scanner.advance_to(scanner.pos + 1);
                let value = scanner.value(tag_line)?;
                call.named.push((first, value));
            } else {
                call.positional.push(first);
            }
        };
        call.inner_line = scanner.line;
        call.end_line = scanner.line;
        tokens.push(Token::Open(call, self_closing));
        text_start = scanner.pos;
    }
    push_text(&mut tokens, &text[text_start..]);
    Ok(tokens)
}

/// The end of an escaped tag's body: `(body length, bytes to skip past the
/// closer)`, allowing spaces between `*/` and the closer.
fn find_escaped_end(rest: &str, end_mark: &str) -> Option<(usize, usize)> {
    let closer = &end_mark[2..];
    let mut from = 0;
    while let Some(i) = rest[from..].find("*/") {
        let at = from + i;
        let after = rest[at + 2..].trim_start_matches([' ', '\t']);
        if after.starts_with(closer) {
            let skipped = rest.len() - after.len() + closer.len();
            return Some((at, skipped));
        }
        from = at + 2;
    }
    None
}

fn push_text(tokens: &mut Vec<Token>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Token::Text(last)) = tokens.last_mut() {
        last.push_str(text);
    } else {
        tokens.push(Token::Text(text.to_owned()));
    }
}

/// A cursor over the text that counts lines.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The offset of the next `{{<` or `{{%` (lines counted up to it are
    /// not yet advanced).
    fn next_opener(&self) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut from = self.pos;
        while let Some(i) = memmem::find(&bytes[from..], b"{{") {
            let at = from + i;
            if matches!(bytes.get(at + 2), Some(b'<' | b'%')) {
                return Some(at);
            }
            from = at + 1;
        }
        None
    }

    fn advance_to(&mut self, pos: usize) {
        let pos = pos.min(self.text.len());
        self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.pos..pos]).count();
        self.pos = pos;
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.advance_to(self.pos + rest.len() - trimmed.len());
    }

    /// A bare word: up to whitespace, `=`, or the start of a closer.
    fn word(&mut self) -> String {
        let rest = self.rest();
        let end = rest
            .char_indices()
            .find(|&(i, c)| {
                c.is_whitespace()
                    || c == '='
                    || rest[i..].starts_with(">}}")
                    || rest[i..].starts_with("%}}")
                    || rest[i..].starts_with("/>}}")
                    || rest[i..].starts_with("/%}}")
            })
            .map_or(rest.len(), |(i, _)| i);
        let word = rest[..end].to_owned();
        self.advance_to(self.pos + end);
        word
    }

    /// An argument value: `"quoted"`, `` `raw` `` or a bare word.
    fn value(&mut self, tag_line: usize) -> Result<String, SyntaxError> {
        let rest = self.rest();
        if let Some(body) = rest.strip_prefix('`') {
            let Some(end) = body.find('`') else {
                return Err(SyntaxError {
                    line: tag_line,
                    message: "raw string argument is not closed with `".to_owned(),
                });
            };
            let value = body[..end].to_owned();
            self.advance_to(self.pos + end + 2);
            return Ok(value);
        }
        if let Some(body) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = body.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, next)) = chars.next() {
                            value.push(match next {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    '"' => {
                        self.advance_to(self.pos + i + 2);
                        return Ok(value);
                    }
                    other => value.push(other),
                }
            }
            return Err(SyntaxError {
                line: tag_line,
                message: "quoted argument is not closed with \"".to_owned(),
            });
        }
        let word = self.word();
        if word.is_empty() {
            return Err(SyntaxError {
                line: tag_line,
                message: format!(
                    "unexpected {:?} in shortcode",
                    rest.chars().next().unwrap_or(' ')
                ),
            });
        }
        Ok(word)
    }
}

/// Pairs opening and closing tags. An opening tag never closed stands
/// alone (its following text belongs to its parent).
fn build_tree(tokens: Vec<Token>) -> Result<Vec<Node>, SyntaxError> {
    // Each frame: the open call (None for the root) and the nodes after it.
    let mut stack: Vec<(Option<Call>, Vec<Node>)> = vec![(None, Vec::new())];
    for token in tokens {
        match token {
            Token::Text(t) => top(&mut stack).push(Node::Text(t)),
            Token::Open(call, true) => top(&mut stack).push(Node::Call(call)),
            Token::Open(call, false) => stack.push((Some(call), Vec::new())),
            Token::Close { name, line } => {
                let Some(at) = stack
                    .iter()
                    .rposition(|(c, _)| c.as_ref().is_some_and(|c| c.name == name))
                else {
                    return Err(SyntaxError {
                        line,
                        message: format!("closing tag {{{{< /{name} >}}}} without an opening one"),
                    });
                };
                while stack.len() > at + 1 {
                    flatten_top(&mut stack);
                }
                if let Some((Some(mut call), children)) = stack.pop() {
                    call.inner = Some(children);
                    call.end_line = line;
                    top(&mut stack).push(Node::Call(call));
                }
            }
        }
    }
    while stack.len() > 1 {
        flatten_top(&mut stack);
    }
    Ok(stack.pop().map(|(_, nodes)| nodes).unwrap_or_default())
}

fn top(stack: &mut [(Option<Call>, Vec<Node>)]) -> &mut Vec<Node> {
    &mut stack[stack.len() - 1].1
}

/// The top frame's call had no closing tag: it stands alone, followed by
/// the nodes collected after it.
fn flatten_top(stack: &mut Vec<(Option<Call>, Vec<Node>)>) {
    if let Some((call, children)) = stack.pop() {
        let parent = top(stack);
        if let Some(call) = call {
            parent.push(Node::Call(call));
        }
        parent.extend(children);
    }
}

#[cfg(test)]
mod tests;

//! The architecture's one hard rule, pinned: no two sibling modules import
//! each other, directly or around a loop, in the generator (`src/`) or in
//! the sidecar (`sidecar/src/`). A cycle means neither module can be read,
//! tested or moved without the other; this test names the edges of any
//! loop so the fix is to move the shared piece down, not to hide the import.
//!
//! A reference from a file in module `a::x` to `crate::b::y` is an edge
//! between the children of their closest common ancestor (`a` → `b`);
//! a parent using its child (or a child its parent) is not an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One import edge between sibling modules, with where it was seen.
type Edges = BTreeMap<(String, String), String>;

#[test]
fn the_generator_has_no_module_cycles() {
    assert_no_cycles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
}

#[test]
fn the_sidecar_has_no_module_cycles() {
    assert_no_cycles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sidecar/src"));
}

#[test]
fn a_loop_between_siblings_is_found() {
    // The detector itself must be able to fail: a two-module loop.
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("lib.rs", "pub mod a;\npub mod b;\n");
    write("a/mod.rs", "pub mod inner;\n");
    write("a/inner.rs", "use crate::b::Thing;\n");
    write("b.rs", "use super::a::inner::Other;\n");
    let cycles = cycles_in(dir.path());
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert!(cycles[0].contains("a → b") && cycles[0].contains("b → a"));
}

fn assert_no_cycles(root: &Path) {
    let cycles = cycles_in(root);
    assert!(
        cycles.is_empty(),
        "module cycles under {}:\n{}",
        root.display(),
        cycles.join("\n")
    );
}

/// Every strongly connected group of sibling modules, described by its edges.
fn cycles_in(root: &Path) -> Vec<String> {
    let modules = module_files(root);
    let known: BTreeSet<Vec<String>> = modules.iter().map(|(m, _)| m.clone()).collect();
    let mut edges = Edges::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for target in references(line, module) {
                let Some(target) = longest_known(&target, &known) else {
                    continue;
                };
                if let Some((from, to)) = sibling_edge(module, &target) {
                    let place = format!("{}:{}", file.display(), n + 1);
                    edges.entry((from, to)).or_insert(place);
                }
            }
        }
    }
    strongly_connected(&edges)
}

/// `(module path, file)` for every `.rs` file; the crate roots are `[]`.
fn module_files(root: &Path) -> Vec<(Vec<String>, PathBuf)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.expect("walk source tree");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(root).expect("under root");
        let mut parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let last = parts.pop().expect("file name");
        match last.as_str() {
            "lib.rs" | "main.rs" if parts.is_empty() => {}
            "mod.rs" => {}
            name => parts.push(name.trim_end_matches(".rs").to_owned()),
        }
        out.push((parts, path.to_path_buf()));
    }
    out
}

/// The absolute module paths a line names through `crate::`, `super::` or
/// `self::` (a `{…}` group names each of its items).
fn references(line: &str, module: &[String]) -> Vec<Vec<String>> {
    let starts = line
        .match_indices("crate::")
        .chain(line.match_indices("super::"))
        .chain(line.match_indices("self::"));
    let mut out = Vec::new();
    for (start, _) in starts {
        let before = line[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // the middle of a longer path, counted from its start
        }
        let (mut base, mut rest) = match line[start..].strip_prefix("crate::") {
            Some(rest) => (Vec::new(), rest),
            None => (module.to_vec(), line[start..].trim_start_matches("self::")),
        };
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = group.split('}').next().unwrap_or("");
                for item in group.split(',') {
                    out.push([base.clone(), segments(item.trim())].concat());
                }
            }
            None => out.push([base, segments(rest)].concat()),
        }
    }
    out
}

/// The identifiers of a path like `a::b::{c, d}` up to the first non-path character.
fn segments(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in s.split("::") {
        let ident: String = part
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            break;
        }
        out.push(ident);
        if part.len() != out.last().map_or(0, String::len) {
            break;
        }
    }
    out
}

fn longest_known(path: &[String], known: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| known.contains(p))
}

/// The edge between the children of the two modules' closest common
/// ancestor, or `None` when one contains the other.
fn sibling_edge(from: &[String], to: &[String]) -> Option<(String, String)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    let name = |m: &[String]| m[..=common].join("::");
    Some((name(from), name(to)))
}

/// Tarjan's algorithm over the edge list; each group of two or more
/// modules comes back as its edges inside the group.
fn strongly_connected(edges: &Edges) -> Vec<String> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
        graph.entry(to).or_default();
    }
    let mut state = Tarjan::default();
    let nodes: Vec<&str> = graph.keys().copied().collect();
    for node in nodes {
        if !state.index.contains_key(node) {
            state.visit(node, &graph);
        }
    }
    state
        .groups
        .into_iter()
        .filter(|g| g.len() > 1)
        .map(|group| {
            edges
                .iter()
                .filter(|((a, b), _)| group.contains(&a.as_str()) && group.contains(&b.as_str()))
                .map(|((a, b), at)| format!("  {a} → {b} ({at})"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

#[derive(Default)]
struct Tarjan<'g> {
    next: usize,
    index: BTreeMap<&'g str, usize>,
    low: BTreeMap<&'g str, usize>,
    stack: Vec<&'g str>,
    on_stack: BTreeSet<&'g str>,
    groups: Vec<Vec<&'g str>>,
}

impl<'g> Tarjan<'g> {
    fn visit(&mut self, node: &'g str, graph: &BTreeMap<&'g str, Vec<&'g str>>) {
        self.index.insert(node, self.next);
        self.low.insert(node, self.next);
        self.next += 1;
        self.stack.push(node);
        self.on_stack.insert(node);
        for &next in &graph[node] {
            if !self.index.contains_key(next) {
                self.visit(next, graph);
                let low = self.low[node].min(self.low[next]);
                self.low.insert(node, low);
            } else if self.on_stack.contains(next) {
                let low = self.low[node].min(self.index[next]);
                self.low.insert(node, low);
            }
        }
        if self.low[node] == self.index[node] {
            let mut group = Vec::new();
            while let Some(top) = self.stack.pop() {
                self.on_stack.remove(top);
                group.push(top);
                if top == node {
                    break;
                }
            }
            self.groups.push(group);
        }
    }
}

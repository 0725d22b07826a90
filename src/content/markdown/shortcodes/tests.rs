//! Unit tests of the parent module.

use super::*;

fn calls(nodes: &[Node]) -> Vec<&Call> {
    nodes
        .iter()
        .filter_map(|n| match n {
            Node::Call(c) => Some(c),
            Node::Text(_) => None,
        })
        .collect()
}

#[test]
fn text_without_shortcodes_is_not_flagged() {
    assert!(!may_contain("plain {{ tera }} and { < }"));
    assert!(may_contain("a {{< x >}}"));
    assert!(may_contain("a {{% x %}}"));
}

#[test]
fn arguments_positional_named_quoted_and_raw() {
    let nodes =
        parse("a {{< figure src=\"/x.png\" alt=\"A \\\"b\\\"\" caption=`raw\nline` >}} b").unwrap();
    let c = calls(&nodes)[0];
    assert_eq!(c.name, "figure");
    assert_eq!(c.named[0], ("src".to_owned(), "/x.png".to_owned()));
    assert_eq!(c.named[1].1, "A \"b\"");
    assert_eq!(c.named[2].1, "raw\nline");
    let nodes = parse("{{< youtube abc 12 >}}").unwrap();
    assert_eq!(calls(&nodes)[0].positional, ["abc", "12"]);
}

#[test]
fn paired_nested_and_self_closing() {
    let nodes = parse(
        "x\n{{% note %}}\nouter {{< details \"More\" >}}in{{< /details >}}\n{{% /note %}}\n{{< br />}}",
    )
    .unwrap();
    let cs = calls(&nodes);
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0].name, "note");
    assert_eq!(cs[0].line, 1);
    assert_eq!(cs[0].inner_line, 1);
    let inner = cs[0].inner.as_ref().unwrap();
    let nested = calls(inner);
    assert_eq!(nested[0].name, "details");
    assert_eq!(nested[0].line, 2);
    assert!(cs[1].inner.is_none());
}

#[test]
fn an_unclosed_tag_stands_alone() {
    let nodes = parse("{{< param x >}} then text").unwrap();
    assert!(calls(&nodes)[0].inner.is_none());
    assert_eq!(nodes[1], Node::Text(" then text".to_owned()));
}

#[test]
fn escaped_shortcodes_print_literally() {
    let nodes = parse("use {{</* figure src=\"a\" */>}} or {{%/* note */%}}").unwrap();
    assert_eq!(
        nodes,
        [Node::Text(
            "use {{< figure src=\"a\" >}} or {{% note %}}".to_owned()
        )]
    );
}

#[test]
fn syntax_errors_carry_their_line() {
    let e = parse("a\n\n{{< x \"open >}}").unwrap_err();
    assert_eq!(e.line, 2);
    let e = parse("a\n{{< /x >}}").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.message.contains("without an opening"), "{e:?}");
}

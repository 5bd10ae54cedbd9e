//! A template document as a tree, parsed once when the template loads:
//! rendering walks the tree and puts values inside its string scalars (and
//! keys), never into text that YAML reads again. A value can therefore not
//! add, remove or rename a key, an item or a document, whatever it holds
//! (line breaks, `: `, `---`, `{`, quotes, `${OTHER}`): the rendered
//! object has the template's shape, with values where its placeholders
//! were.
//!
//! One thing text substitution did that the tree keeps: a plain (unquoted)
//! scalar that is exactly one user parameter, as in `replicas: ${COUNT}`,
//! is typed the way YAML would type the value there (`3` a number, `true`
//! a boolean, empty a null), so templates render as they always did. A
//! value YAML would read as anything other than that one scalar (`[a`,
//! `a: b`, `x # y`, `'q'`) is refused rather than altered; quoting the
//! placeholder (`"${COUNT}"`) makes it a string whatever it holds.
//! Built-in values (names of tenants, namespaces and owners) are always
//! strings.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// A piece of a string scalar or key: text, or a placeholder's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    Text(String),
    Param(String),
}

/// The template's shape, with placeholders where values go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    /// No placeholder anywhere inside: rendered as it is.
    Fixed(Value),
    /// A string scalar with placeholders: always a string.
    Text(Vec<Part>),
    /// A plain scalar that is exactly one placeholder (see the module
    /// documentation).
    Whole(String),
    List(Vec<Node>),
    Map(Vec<(Vec<Part>, Node)>),
}

/// Where a node sits: keys and item positions from the document's root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// What a placeholder is filled with.
pub(super) enum Fill {
    /// A name tenantry fills in (tenant, namespace, owner): a string.
    Name(String),
    /// A user's parameter value.
    Param(String),
}

/// `${NAME}` placeholders of a string, in order, with the text between.
/// The template's text was checked for well-formed placeholders before
/// YAML read it; a scalar can still carry a malformed one through an
/// escape sequence (`"\x24{"`), which is refused here.
pub(super) fn split(text: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            parts.push(Part::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("{text:?}: \"${{\" is not closed by '}}'"))?;
        let name = &after[..end];
        if !is_parameter_name(name) {
            return Err(format!(
                "{text:?}: \"${{{name}}}\" is not a parameter name (upper-case letters, digits and '_')"
            ));
        }
        parts.push(Part::Param(name.to_string()));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

pub(super) fn is_parameter_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn has_param(parts: &[Part]) -> bool {
    parts.iter().any(|p| matches!(p, Part::Param(_)))
}

/// The placeholders used anywhere in a node (keys included).
pub(super) fn params(node: &Node, out: &mut BTreeSet<String>) {
    let names = |parts: &[Part], out: &mut BTreeSet<String>| {
        for p in parts {
            if let Part::Param(name) = p {
                out.insert(name.clone());
            }
        }
    };
    match node {
        Node::Fixed(_) => {}
        Node::Text(parts) => names(parts, out),
        Node::Whole(name) => {
            out.insert(name.clone());
        }
        Node::List(items) => items.iter().for_each(|n| params(n, out)),
        Node::Map(entries) => {
            for (key, value) in entries {
                names(key, out);
                params(value, out);
            }
        }
    }
}

/// The tree of a document that YAML read as `value` from `text`.
pub(super) fn build(text: &str, value: &Value) -> Result<Node, String> {
    let whole = plain_placeholder_paths(text)?;
    build_at(value, &mut Vec::new(), &whole)
}

fn build_at(
    value: &Value,
    path: &mut Vec<Seg>,
    whole: &BTreeSet<Vec<Seg>>,
) -> Result<Node, String> {
    Ok(match value {
        Value::String(s) => {
            let parts = split(s)?;
            match parts.as_slice() {
                [Part::Param(name)] if whole.contains(path) => Node::Whole(name.clone()),
                _ if has_param(&parts) => Node::Text(parts),
                _ => Node::Fixed(value.clone()),
            }
        }
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                nodes.push(build_at(item, path, whole)?);
                path.pop();
            }
            if nodes.iter().all(|n| matches!(n, Node::Fixed(_))) {
                Node::Fixed(value.clone())
            } else {
                Node::List(nodes)
            }
        }
        Value::Object(map) => {
            let mut entries = Vec::with_capacity(map.len());
            let mut any = false;
            for (key, item) in map {
                path.push(Seg::Key(key.clone()));
                let node = build_at(item, path, whole)?;
                path.pop();
                let key = split(key)?;
                any |= has_param(&key) || !matches!(node, Node::Fixed(_));
                entries.push((key, node));
            }
            if any {
                Node::Map(entries)
            } else {
                Node::Fixed(value.clone())
            }
        }
        other => Node::Fixed(other.clone()),
    })
}

/// Why a rendering stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RenderError {
    /// A parameter in a plain-scalar position whose value YAML would not
    /// read as one scalar equal to itself.
    NotAScalar { param: String, value: String },
    /// Two keys of one mapping came out the same.
    SameKey(String),
}

/// The document with every placeholder filled. Values are placed as
/// scalars and never scanned for placeholders again.
pub(super) fn render(node: &Node, fill: &dyn Fn(&str) -> Fill) -> Result<Value, RenderError> {
    Ok(match node {
        Node::Fixed(value) => value.clone(),
        Node::Text(parts) => Value::String(join(parts, fill)),
        Node::Whole(name) => match fill(name) {
            Fill::Name(text) => Value::String(text),
            Fill::Param(text) => typed(&text).ok_or_else(|| RenderError::NotAScalar {
                param: name.clone(),
                value: text,
            })?,
        },
        Node::List(items) => Value::Array(
            items
                .iter()
                .map(|n| render(n, fill))
                .collect::<Result<_, _>>()?,
        ),
        Node::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let key = join(key, fill);
                let value = render(value, fill)?;
                if map.insert(key.clone(), value).is_some() {
                    return Err(RenderError::SameKey(key));
                }
            }
            Value::Object(map)
        }
    })
}

fn join(parts: &[Part], fill: &dyn Fn(&str) -> Fill) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Param(name) => match fill(name) {
                Fill::Name(text) | Fill::Param(text) => out.push_str(&text),
            },
        }
    }
    out
}

/// The scalar YAML reads `text` as in a plain position, when that is one
/// scalar standing for exactly `text`: a string equal to it, or a null,
/// boolean or number spelled with the characters those use (so `5 # five`
/// or `&a 5` are refused rather than read as `5`).
pub(super) fn typed(text: &str) -> Option<Value> {
    if text.is_empty() {
        return Some(Value::Null);
    }
    if text.chars().any(char::is_control) {
        return None;
    }
    let plain_token = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '~'));
    match serde_saphyr::from_str::<Value>(text).ok()? {
        Value::String(s) if s == text => Some(Value::String(s)),
        v @ (Value::Null | Value::Bool(_) | Value::Number(_)) if plain_token => Some(v),
        _ => None,
    }
}

fn is_single_placeholder(text: &str) -> bool {
    matches!(split(text).as_deref(), Ok([Part::Param(_)]))
}

/// A mapping or sequence being read.
struct Frame {
    /// `None` under a key tenantry does not follow (a complex key).
    path: Option<Vec<Seg>>,
    kind: FrameKind,
    anchor: usize,
    /// Where this node's entries start in the list of found paths.
    found_from: usize,
}

enum FrameKind {
    /// `key` is the key whose value comes next; `None` while a key is
    /// awaited.
    Map {
        key: Option<Option<String>>,
    },
    Seq {
        next: usize,
    },
}

/// Paths of the plain scalars that are exactly one placeholder. The YAML
/// value tree does not say how a scalar was written; the parser's events
/// do. Anchors and aliases (including `<<` merges of an alias) carry their
/// paths along, so an aliased placeholder is typed like its anchor.
fn plain_placeholder_paths(text: &str) -> Result<BTreeSet<Vec<Seg>>, String> {
    let mut found: Vec<Vec<Seg>> = Vec::new();
    let mut anchors: HashMap<usize, Vec<Vec<Seg>>> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Depth inside a complex (mapping or sequence) key: not followed.
    let mut in_complex_key = 0usize;

    fn awaiting_key(stack: &[Frame]) -> bool {
        matches!(
            stack.last(),
            Some(Frame {
                kind: FrameKind::Map { key: None },
                ..
            })
        )
    }
    fn child_path(stack: &[Frame]) -> Option<Vec<Seg>> {
        let Some(top) = stack.last() else {
            return Some(Vec::new());
        };
        let mut path = top.path.clone()?;
        match &top.kind {
            FrameKind::Map { key: Some(Some(k)) } => path.push(Seg::Key(k.clone())),
            FrameKind::Map { .. } => return None,
            FrameKind::Seq { next } => path.push(Seg::Index(*next)),
        }
        Some(path)
    }
    fn advance(stack: &mut [Frame]) {
        match stack.last_mut().map(|f| &mut f.kind) {
            Some(FrameKind::Map { key }) => *key = None,
            Some(FrameKind::Seq { next }) => *next += 1,
            None => {}
        }
    }
    fn set_key(stack: &mut [Frame], value: Option<String>) {
        if let Some(Frame {
            kind: FrameKind::Map { key },
            ..
        }) = stack.last_mut()
        {
            *key = Some(value);
        }
    }

    for event in Parser::new_from_str(text) {
        let (event, _) = event.map_err(|e| e.to_string())?;
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                if in_complex_key > 0 {
                    continue;
                }
                if awaiting_key(&stack) {
                    set_key(&mut stack, Some(value.into_owned()));
                    continue;
                }
                let path = child_path(&stack);
                let whole =
                    style == ScalarStyle::Plain && tag.is_none() && is_single_placeholder(&value);
                if whole && let Some(p) = &path {
                    found.push(p.clone());
                }
                if anchor != 0 {
                    anchors.insert(anchor, if whole { vec![Vec::new()] } else { Vec::new() });
                }
                advance(&mut stack);
            }
            Event::MappingStart(_, anchor, _) | Event::SequenceStart(_, anchor, _) => {
                if in_complex_key > 0 || awaiting_key(&stack) {
                    in_complex_key += 1;
                    continue;
                }
                let kind = if matches!(event, Event::MappingStart(..)) {
                    FrameKind::Map { key: None }
                } else {
                    FrameKind::Seq { next: 0 }
                };
                stack.push(Frame {
                    path: child_path(&stack),
                    kind,
                    anchor,
                    found_from: found.len(),
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if in_complex_key > 0 {
                    in_complex_key -= 1;
                    if in_complex_key == 0 {
                        set_key(&mut stack, None);
                    }
                    continue;
                }
                if let Some(frame) = stack.pop()
                    && frame.anchor != 0
                {
                    let depth = frame.path.as_ref().map_or(0, Vec::len);
                    let relative = found[frame.found_from..]
                        .iter()
                        .map(|p| p[depth..].to_vec())
                        .collect();
                    anchors.insert(frame.anchor, relative);
                }
                advance(&mut stack);
            }
            Event::Alias(id) => {
                if in_complex_key > 0 {
                    continue;
                }
                if awaiting_key(&stack) {
                    set_key(&mut stack, None);
                    continue;
                }
                let merge = matches!(
                    stack.last(),
                    Some(Frame { kind: FrameKind::Map { key: Some(Some(k)) }, .. }) if k == "<<"
                );
                let base = if merge {
                    stack.last().and_then(|f| f.path.clone())
                } else {
                    child_path(&stack)
                };
                if let (Some(base), Some(suffixes)) = (base, anchors.get(&id)) {
                    for suffix in suffixes {
                        let mut p = base.clone();
                        p.extend(suffix.iter().cloned());
                        found.push(p);
                    }
                }
                advance(&mut stack);
            }
            _ => {}
        }
    }
    Ok(found.into_iter().collect())
}

//! Templates: loading edited built-ins and random text.

use super::*;

/// A built-in template with a few generated edits: characters, YAML
/// syntax and placeholder fragments put in, lines cut, or lines swapped.
fn edited_template() -> impl Strategy<Value = String> {
    let base = proptest::sample::select(&BUILTIN_TEMPLATES[..]).prop_map(|(_, text)| text);
    let edit = (any::<prop::sample::Index>(), hostile_string(), 0u8..3);
    (base, proptest::collection::vec(edit, 1..4)).prop_map(|(text, edits)| {
        let mut text = text.to_string();
        for (at, insert, how) in edits {
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let i = boundaries[at.index(boundaries.len())];
            match how {
                0 => text.insert_str(i, &insert),
                1 => {
                    // Cut up to the end of this line.
                    let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
                    text.replace_range(i..end, "");
                }
                _ => {
                    let mut lines: Vec<&str> = text.lines().collect();
                    let n = lines.len();
                    if n > 1 {
                        let k = at.index(n - 1);
                        lines.swap(k, k + 1);
                    }
                    text = lines.join("\n");
                }
            }
        }
        text
    })
}

/// Lines as YAML counts them (at least one): a line ends at `\n`, `\r\n`
/// or a lone `\r`, where `str::lines` knows only the first two.
pub(super) fn yaml_lines(text: &str) -> usize {
    let breaks = text.replace("\r\n", "\n").matches(['\n', '\r']).count();
    let last_open = !text.is_empty() && !text.ends_with(['\n', '\r']);
    (breaks + usize::from(last_open)).max(1)
}

/// `file:LINE:COL` or `file:LINE` at the start of a location, when there.
fn line_of(location: &str, origin: &str) -> Option<usize> {
    let rest = location.strip_prefix(origin)?.strip_prefix(':')?;
    rest.split(':').next()?.parse().ok()
}

proptest! {
    #![proptest_config(cases(TEMPLATE_PARSE_CASES))]

    /// Any text, or a built-in with generated edits: no panic; a refusal
    /// names the file (and a line inside it, when it gives one) and says
    /// what is wrong.
    #[test]
    fn template_loader_refuses_clearly(text in prop_oneof![edited_template(), hostile_string(), any::<String>()]) {
        let origin = "templates/edited.yaml";
        match Template::parse(&text, origin, Source::User(origin.into())) {
            Ok(template) => {
                prop_assert!(!template.name.trim().is_empty());
            }
            Err(err) => {
                prop_assert!(err.location.starts_with(origin), "{:?}", err);
                prop_assert!(!err.message.trim().is_empty(), "{:?}", err);
                if let Some(line) = line_of(&err.location, origin) {
                    let lines = yaml_lines(&text);
                    prop_assert!(line >= 1 && line <= lines + 1, "{:?} in {} lines", err, lines);
                }
            }
        }
    }
}

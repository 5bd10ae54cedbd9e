//! The sanitizer: nothing unsafe left, clean text unchanged, idempotent.

use super::*;

fn text_with_unsafe() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        hostile_string(),
        proptest::collection::vec(
            prop_oneof![
                any::<char>(),
                proptest::sample::select(UNSAFE),
                Just('\\'),
                Just('u'),
                Just('{'),
            ],
            0..40
        )
        .prop_map(|c| c.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(cases(SANITIZE_CASES))]

    /// `sanitize`: nothing unsafe left, clean input unchanged, idempotent,
    /// and every other character kept in order.
    #[test]
    fn sanitize_leaves_nothing_unsafe(text in text_with_unsafe()) {
        let out = sanitize(&text);
        prop_assert!(!out.chars().any(must_escape), "{:?} → {:?}", text, out);
        if !text.chars().any(must_escape) {
            prop_assert_eq!(out.as_ref(), text.as_str());
        }
        prop_assert_eq!(sanitize(&out).to_string(), out.to_string());
        let kept: String = text.chars().filter(|c| !must_escape(*c)).collect();
        let out_kept: String = out.chars().collect();
        // Escapes are ASCII; removing each `\u{…}` the sanitizer wrote
        // leaves exactly the characters that were safe.
        let mut rebuilt = String::new();
        let mut rest = out_kept.as_str();
        let mut escaped = text.chars().filter(|c| must_escape(*c));
        while !rest.is_empty() {
            match escaped.clone().next() {
                Some(c) if rest.starts_with(&format!("\\u{{{:x}}}", c as u32)) => {
                    rest = &rest[format!("\\u{{{:x}}}", c as u32).len()..];
                    escaped.next();
                }
                _ => {
                    let c = rest.chars().next().unwrap_or_default();
                    rebuilt.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        prop_assert_eq!(escaped.next(), None, "an unsafe character of {:?} was dropped", text);
        prop_assert_eq!(rebuilt, kept);
    }

    /// `sanitize_text`: the same, except that line breaks stay.
    #[test]
    fn sanitize_text_keeps_only_line_breaks(text in text_with_unsafe()) {
        let out = sanitize_text(&text);
        prop_assert!(!out.chars().any(|c| c != '\n' && must_escape(c)), "{:?} → {:?}", text, out);
        prop_assert_eq!(out.matches('\n').count(), text.matches('\n').count());
        if !text.chars().any(|c| c != '\n' && must_escape(c)) {
            prop_assert_eq!(out.as_ref(), text.as_str());
        }
        prop_assert_eq!(sanitize_text(&out).to_string(), out.to_string());
        // What is inert as a value is inert as a text.
        let inert = sanitize(&text).to_string();
        prop_assert_eq!(sanitize_text(&inert).to_string(), inert.clone());
    }
}

//! Text helpers: the one gate every cluster string passes before it is
//! drawn (re-exported from `model::text`), widths, truncation and number formatting.

use std::borrow::Cow;

use ratatui::text::Span;

/// The one sanitizer (`model::text`): every cluster string is drawn
/// through it; unsafe characters show as `\u{1b}`-style code points.
pub use crate::model::text::sanitize;

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Cuts `s` to at most `max` cells, ending with `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.len() <= max {
            return Cow::Borrowed(s);
        }
        if max == 0 {
            return Cow::Borrowed("");
        }
        let mut out = String::with_capacity(max + 2);
        out.push_str(&s[..max - 1]);
        out.push('…');
        return Cow::Owned(out);
    }
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = width(&s[i..i + c.len_utf8()]);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

/// Sanitizes then truncates: the usual path for a cluster name in a column.
pub fn cell(s: &str, max: usize) -> String {
    truncate(&sanitize(s), max).into_owned()
}

/// Pads (or truncates) to exactly `w` cells, left aligned.
pub fn pad(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    let fill = w.saturating_sub(width(&t));
    let mut out = t.into_owned();
    out.extend(std::iter::repeat_n(' ', fill));
    out
}

/// Pads (or truncates) to exactly `w` cells, right aligned.
pub fn pad_left(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    let fill = w.saturating_sub(width(&t));
    let mut out: String = std::iter::repeat_n(' ', fill).collect();
    out.push_str(&t);
    out
}

/// Word-wraps `s` into lines of at most `max` cells (a word longer than
/// a line is cut).
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        let needed = if current.is_empty() {
            width(word)
        } else {
            width(&current) + 1 + width(word)
        };
        if needed > max && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        if width(&current) > max {
            lines.push(truncate(&current, max).into_owned());
            current.clear();
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// `1500` → `1,500`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1` → `1 namespace`, `2` → `2 namespaces`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_inert() {
        assert_eq!(sanitize("\x1b[2J"), "\\u{1b}[2J");
        assert_eq!(cell("a\x1b[31mb", 40), "a\\u{1b}[31mb");
        assert!(matches!(sanitize("acme-dev"), Cow::Borrowed(_)));
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("namespace", 20), "namespace");
        assert_eq!(truncate("namespace", 5), "name…");
        assert_eq!(truncate("namespace", 0), "");
        assert_eq!(truncate("ünïcödé-näme", 5), "ünïc…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad_left("ab", 4), "  ab");
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abc…"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1500), "1,500");
        assert_eq!(thousands(15_000_000), "15,000,000");
        assert_eq!(plural(1, "pod", "pods"), "1 pod");
        assert_eq!(plural(2, "pod", "pods"), "2 pods");
    }
}

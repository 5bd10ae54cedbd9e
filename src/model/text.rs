//! The one sanitizer (ARCHITECTURE.md §10): every text from the cluster or the
//! environment passes it before it reaches a terminal or a file, on every
//! path: the console, CLI tables, JSON and YAML output, errors on stderr,
//! log lines and audit records.
//!
//! It makes *visible* what a terminal would otherwise act on: C0 controls
//! (ESC, BEL, CR, newline, tab…), DEL, the C1 range U+0080–U+009F, the
//! bidirectional overrides, embeddings, isolates and marks (U+202A–U+202E,
//! U+2066–U+2069, U+200E, U+200F, U+061C) and the Unicode line and paragraph
//! separators (U+2028, U+2029). Each becomes its code point written the
//! Rust way, `\u{1b}`, `\u{202e}`, `\u{2028}`: readable, unambiguous about
//! which character it was, and plain ASCII, so it stays inert in every
//! terminal, in JSON (valid, and the decoded value is the visible form) and
//! in YAML. Everything else, accents and scripts included, is kept.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::ser::{
    Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

/// Whether a terminal (or a reader of the text) could take `c` as a command
/// or be misled by it.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

fn escape_into(out: &mut String, c: char) {
    // Writing to a String cannot fail.
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

fn escape_where(s: &str, unsafe_here: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&unsafe_here) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_here(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Makes one string inert: every unsafe character, newline and tab
/// included, becomes `\u{…}`. Use it for a value placed into a line (a name,
/// a label, a server message). Clean strings are returned without
/// allocating.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe)
}

/// Makes a whole text that tenantry composed inert while keeping its line
/// structure: `\n` stays a line break, every other unsafe character becomes
/// `\u{…}`. The last gate before stdout and stderr; values inside the text
/// should have gone through [`sanitize`] already, so that they cannot add
/// lines.
pub fn sanitize_text(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && is_unsafe(c))
}

/// Serializes the wrapped value with every string (map keys included)
/// sanitized: the JSON and YAML outputs and the audit records are built
/// through it, so they carry the visible form, never a live control.
pub struct Inert<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Inert<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(InertSerializer(serializer))
    }
}

struct InertSerializer<S>(S);

/// A compound serializer (sequence, map, struct…) whose elements are
/// wrapped in [`Inert`] in turn.
struct InertCompound<C>(C);

impl<S: Serializer> Serializer for InertSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = InertCompound<S::SerializeSeq>;
    type SerializeTuple = InertCompound<S::SerializeTuple>;
    type SerializeTupleStruct = InertCompound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = InertCompound<S::SerializeTupleVariant>;
    type SerializeMap = InertCompound<S::SerializeMap>;
    type SerializeStruct = InertCompound<S::SerializeStruct>;
    type SerializeStructVariant = InertCompound<S::SerializeStructVariant>;

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.0.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.0.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.0.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.0.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v)
    }
    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.0.serialize_i128(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.0.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.0.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.0.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.0.serialize_u128(v)
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.0.serialize_f32(v)
    }
    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.0.serialize_f64(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        if is_unsafe(v) {
            let mut escaped = String::new();
            escape_into(&mut escaped, v);
            self.0.serialize_str(&escaped)
        } else {
            self.0.serialize_char(v)
        }
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(&sanitize(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.serialize_bytes(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Inert(value))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Inert(value))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Inert(value))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(InertCompound)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(InertCompound)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(InertCompound)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(InertCompound)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(InertCompound)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(InertCompound)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(InertCompound)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<C: SerializeSeq> SerializeSeq for InertCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Inert(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTuple> SerializeTuple for InertCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Inert(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTupleStruct> SerializeTupleStruct for InertCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_field(&Inert(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTupleVariant> SerializeTupleVariant for InertCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_field(&Inert(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeMap> SerializeMap for InertCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Inert(key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Inert(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeStruct> SerializeStruct for InertCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        self.0.serialize_field(key, &Inert(value))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeStructVariant> SerializeStructVariant for InertCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        self.0.serialize_field(key, &Inert(value))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every character the sanitizer must neutralise, one per class.
    const HOSTILE: &[char] = &[
        '\u{0}', '\u{7}', '\u{8}', '\t', '\n', '\r', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}',
        '\u{85}', '\u{9b}', '\u{9f}', '\u{61c}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}',
        '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}',
    ];

    fn has_unsafe(s: &str) -> bool {
        s.chars().any(is_unsafe)
    }

    #[test]
    fn clean_strings_are_borrowed() {
        assert!(matches!(sanitize("acme-dev"), Cow::Borrowed(_)));
        assert!(matches!(sanitize("équipe-α 東京"), Cow::Borrowed(_)));
        assert!(matches!(sanitize_text("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_hostile_character_becomes_its_visible_code_point() {
        for &c in HOSTILE {
            let input = format!("a{c}b");
            let out = sanitize(&input);
            assert!(!has_unsafe(&out), "{c:?} survived: {out:?}");
            assert_eq!(out, format!("a\\u{{{:x}}}b", c as u32));
        }
        assert_eq!(sanitize("\x1b[31mred"), "\\u{1b}[31mred");
        assert_eq!(
            sanitize("\x1b]52;c;aGVsbG8=\x07"),
            "\\u{1b}]52;c;aGVsbG8=\\u{7}"
        );
        assert_eq!(sanitize("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
    }

    #[test]
    fn text_keeps_its_lines_but_nothing_else() {
        assert_eq!(
            sanitize_text("line one\nline\x1b[2J two\r\n"),
            "line one\nline\\u{1b}[2J two\\u{d}\n"
        );
        for &c in HOSTILE.iter().filter(|c| **c != '\n') {
            assert!(!has_unsafe(&sanitize_text(&format!("x{c}y"))), "{c:?}");
        }
    }

    #[test]
    fn sanitizing_twice_changes_nothing_more() {
        let once = sanitize("\x1b[31m\u{2028}x").into_owned();
        assert_eq!(sanitize(&once), once);
        assert_eq!(sanitize_text(&once), once);
    }

    #[derive(serde::Serialize)]
    struct Record {
        name: String,
        letter: char,
        labels: BTreeMap<String, String>,
        subjects: Vec<Option<String>>,
        kind: Kind,
    }

    #[derive(serde::Serialize)]
    enum Kind {
        User(String),
    }

    fn hostile_record() -> Record {
        Record {
            name: "\x1b[31mred\u{202e}".into(),
            letter: '\u{9b}',
            labels: [("k\u{2028}ey".to_string(), "v\x07".to_string())].into(),
            subjects: vec![Some("bob\u{2066}".into()), None],
            kind: Kind::User("\x1b]0;title\x07".into()),
        }
    }

    #[test]
    fn json_stays_valid_and_carries_the_visible_form() {
        let json = serde_json::to_string_pretty(&Inert(&hostile_record())).expect("json");
        assert!(!has_unsafe(&json.replace('\n', "")), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back["name"], "\\u{1b}[31mred\\u{202e}");
        assert_eq!(back["letter"], "\\u{9b}");
        assert_eq!(back["labels"]["k\\u{2028}ey"], "v\\u{7}");
        assert_eq!(back["subjects"][0], "bob\\u{2066}");
        assert_eq!(back["kind"]["User"], "\\u{1b}]0;title\\u{7}");
        // Decoded, no value holds a live control either.
        assert!(!has_unsafe(&back.to_string()));
    }

    #[test]
    fn yaml_carries_the_visible_form() {
        let yaml = serde_saphyr::to_string(&Inert(&hostile_record())).expect("yaml");
        assert!(!has_unsafe(&yaml.replace('\n', "")), "{yaml}");
        let back: serde_json::Value = serde_saphyr::from_str(&yaml).expect("valid YAML");
        assert_eq!(back["name"], "\\u{1b}[31mred\\u{202e}");
        assert_eq!(back["labels"]["k\\u{2028}ey"], "v\\u{7}");
    }
}

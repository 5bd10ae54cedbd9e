//! Key names in keymap files (`ctrl-x`, `alt-v`, `shift-tab`, `f1`, `pgup`,
//! `j`) and their crossterm form.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key with its modifiers, normalised so that it compares equal to the
/// events terminals actually send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyBinding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyBinding {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        // Only ctrl, alt and shift are bound; super/hyper/meta are left as
        // sent so they never match a binding by accident.
        let mut modifiers = modifiers;
        // A character already says whether shift was held ('G', '?'), and
        // terminals disagree on whether they also report SHIFT; likewise
        // BackTab *is* shift-tab.
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        Self { code, modifiers }
    }

    pub fn from_event(event: &KeyEvent) -> Self {
        Self::new(event.code, event.modifiers)
    }

    /// Whether this is a key that types text (a character without ctrl or
    /// alt): in text inputs such keys are typed, not looked up globally.
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

impl From<KeyEvent> for KeyBinding {
    fn from(event: KeyEvent) -> Self {
        Self::from_event(&event)
    }
}

impl From<KeyBinding> for KeyEvent {
    fn from(key: KeyBinding) -> Self {
        KeyEvent::new(key.code, key.modifiers)
    }
}

/// Named keys: (name in files, code). The first name for a code is the one
/// shown in help.
const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("space", KeyCode::Char(' ')),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pageup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pagedown", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
];

const MODIFIER_PREFIXES: &[(&str, KeyModifiers)] = &[
    ("ctrl-", KeyModifiers::CONTROL),
    ("alt-", KeyModifiers::ALT),
    ("shift-", KeyModifiers::SHIFT),
];

/// Why a key name could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParseError(pub String);

impl fmt::Display for KeyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyParseError {}

impl FromStr for KeyBinding {
    type Err = KeyParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut rest = text;
        let mut modifiers = KeyModifiers::NONE;
        // Strip prefixes while something is left after them, so that `-`
        // and `alt--` name the minus key.
        'prefixes: loop {
            for (prefix, modifier) in MODIFIER_PREFIXES {
                let matches = rest
                    .get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix));
                if matches && rest.len() > prefix.len() {
                    modifiers |= *modifier;
                    rest = &rest[prefix.len()..];
                    continue 'prefixes;
                }
            }
            break;
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(KeyParseError(format!("empty key name in {text:?}"))),
            (Some(c), None) => KeyCode::Char(c),
            _ => named_code(rest).ok_or_else(|| {
                KeyParseError(format!(
                    "unknown key {text:?} (expected one character, or enter, esc, tab, space, \
                     backspace, up, down, left, right, home, end, pgup, pgdn, f1..f24, \
                     with optional ctrl-, alt-, shift- prefixes)"
                ))
            })?,
        };
        let code = if modifiers.contains(KeyModifiers::SHIFT) {
            match code {
                KeyCode::Tab => KeyCode::BackTab,
                KeyCode::Char(c) if c.is_lowercase() => {
                    let mut upper = c.to_uppercase();
                    match (upper.next(), upper.next()) {
                        (Some(upper), None) => KeyCode::Char(upper),
                        _ => code,
                    }
                }
                other => other,
            }
        } else {
            code
        };
        Ok(KeyBinding::new(code, modifiers))
    }
}

fn named_code(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some(number) = lower.strip_prefix('f')
        && let Ok(n) = number.parse::<u8>()
        && (1..=24).contains(&n)
    {
        return Some(KeyCode::F(n));
    }
    NAMED_KEYS
        .iter()
        .find(|(known, _)| *known == lower)
        .map(|(_, code)| *code)
}

impl fmt::Display for KeyBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (prefix, modifier) in MODIFIER_PREFIXES {
            if self.modifiers.contains(*modifier) {
                f.write_str(prefix)?;
            }
        }
        match self.code {
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            code => match NAMED_KEYS.iter().find(|(_, known)| *known == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{code:?}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> KeyBinding {
        text.parse()
            .unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn parses_names_and_modifiers() {
        let cases = [
            ("j", KeyCode::Char('j'), KeyModifiers::NONE),
            ("G", KeyCode::Char('G'), KeyModifiers::NONE),
            ("shift-g", KeyCode::Char('G'), KeyModifiers::NONE),
            ("/", KeyCode::Char('/'), KeyModifiers::NONE),
            ("-", KeyCode::Char('-'), KeyModifiers::NONE),
            ("space", KeyCode::Char(' '), KeyModifiers::NONE),
            ("ctrl-c", KeyCode::Char('c'), KeyModifiers::CONTROL),
            ("Ctrl-D", KeyCode::Char('D'), KeyModifiers::CONTROL),
            ("alt-v", KeyCode::Char('v'), KeyModifiers::ALT),
            ("alt-<", KeyCode::Char('<'), KeyModifiers::ALT),
            ("alt--", KeyCode::Char('-'), KeyModifiers::ALT),
            (
                "ctrl-alt-x",
                KeyCode::Char('x'),
                KeyModifiers::CONTROL.union(KeyModifiers::ALT),
            ),
            ("shift-tab", KeyCode::BackTab, KeyModifiers::NONE),
            ("backtab", KeyCode::BackTab, KeyModifiers::NONE),
            ("shift-up", KeyCode::Up, KeyModifiers::SHIFT),
            ("f1", KeyCode::F(1), KeyModifiers::NONE),
            ("F12", KeyCode::F(12), KeyModifiers::NONE),
            ("enter", KeyCode::Enter, KeyModifiers::NONE),
            ("esc", KeyCode::Esc, KeyModifiers::NONE),
            ("pgup", KeyCode::PageUp, KeyModifiers::NONE),
            ("pagedown", KeyCode::PageDown, KeyModifiers::NONE),
            ("home", KeyCode::Home, KeyModifiers::NONE),
        ];
        for (text, code, modifiers) in cases {
            assert_eq!(key(text), KeyBinding { code, modifiers }, "{text}");
        }
    }

    #[test]
    fn rejects_bad_names() {
        for text in ["", "ctrl-", "hyper-x", "f0", "f25", "pgupp", "jj"] {
            assert!(text.parse::<KeyBinding>().is_err(), "{text}");
        }
    }

    #[test]
    fn display_round_trips() {
        let texts = [
            "j",
            "G",
            "?",
            "-",
            "space",
            "ctrl-c",
            "alt-v",
            "alt->",
            "ctrl-alt-x",
            "shift-tab",
            "shift-up",
            "f5",
            "enter",
            "esc",
            "tab",
            "backspace",
            "delete",
            "insert",
            "home",
            "end",
            "pgup",
            "pgdn",
            "up",
            "down",
            "left",
            "right",
        ];
        for text in texts {
            let parsed = key(text);
            assert_eq!(parsed.to_string(), text);
            assert_eq!(key(&parsed.to_string()), parsed);
        }
        // Aliases display canonically.
        assert_eq!(key("return").to_string(), "enter");
        assert_eq!(key("shift-g").to_string(), "G");
        assert_eq!(key("backtab").to_string(), "shift-tab");
    }

    #[test]
    fn events_normalise_shift() {
        // Terminals report shifted characters with or without SHIFT.
        let with_shift = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(KeyBinding::from(with_shift), key("G"));
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(KeyBinding::from(back_tab), key("shift-tab"));
        let event: KeyEvent = key("ctrl-c").into();
        assert_eq!(event.modifiers, KeyModifiers::CONTROL);
    }

    #[test]
    fn text_keys() {
        assert!(key("j").is_text());
        assert!(key("G").is_text());
        assert!(key("space").is_text());
        assert!(!key("ctrl-c").is_text());
        assert!(!key("alt-v").is_text());
        assert!(!key("enter").is_text());
    }
}

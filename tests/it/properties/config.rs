//! Keymaps, themes and config.yaml.

use super::template_load::yaml_lines;
use super::*;

const KEY_NAMES: &[&str] = &[
    "q",
    "j",
    "?",
    "+",
    "-",
    "alt--",
    "ctrl-c",
    "ctrl-",
    "shift-tab",
    "f5",
    "f25",
    "pgdn",
    "enter",
    "Esc",
    "ALT-x",
    "ctrl-alt-shift-a",
    "space",
    "tab",
    "",
    "é",
    "ctrl-é",
    "nope",
];
const ACTIONS: &[&str] = &[
    "quit",
    "help",
    "back",
    "filter",
    "refresh",
    "move_down",
    "move_up",
    "open",
    "tab_3",
    "tab_0",
    "tab_300",
    "none",
    "explode",
    "",
];
const CONTEXTS: &[&str] = &[
    "global", "list", "detail", "filter", "input", "help", "confirm", "nowhere",
];
const INHERITS: &[&str] = &[
    "default",
    "emacs",
    "custom",
    "other",
    "missing",
    "../etc/passwd",
    "",
    "dark",
    "light",
    "mono",
];

/// A YAML-ish keymap: known and unknown contexts, keys and actions,
/// inheritance (cycles included), sometimes with generated edits.
fn keymap_text() -> impl Strategy<Value = String> {
    let entry = (
        proptest::collection::vec(
            prop_oneof![4 => proptest::sample::select(KEY_NAMES).prop_map(String::from), 1 => hostile_string()],
            0..3,
        ),
        prop_oneof![4 => proptest::sample::select(ACTIONS).prop_map(String::from), 1 => hostile_string()],
        proptest::option::of(hostile_string()),
    )
        .prop_map(|(keys, action, description)| {
            let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
            let mut line = format!("  - {{keys: [{}], action: {action:?}", keys.join(", "));
            if let Some(d) = description {
                line.push_str(&format!(", description: {d:?}"));
            }
            line.push('}');
            line
        });
    let section = (
        proptest::sample::select(CONTEXTS),
        proptest::collection::vec(entry, 0..4),
    )
        .prop_map(|(context, entries)| format!("{context}:\n{}\n", entries.join("\n")));
    let structured = (
        proptest::option::of(proptest::sample::select(INHERITS)),
        proptest::collection::vec(section, 0..4),
    )
        .prop_map(|(inherits, sections)| {
            let mut text = String::new();
            if let Some(parent) = inherits {
                text.push_str(&format!("inherits: {parent:?}\n"));
            }
            text.push_str(&sections.concat());
            text
        });
    prop_oneof![4 => structured, 1 => hostile_string()]
}

const COLOURS: &[&str] = &[
    "red",
    "Red",
    "lightblue",
    "#ff0000",
    "#FFF",
    "#zzzzzz",
    "#1234567",
    "255",
    "256",
    "-1",
    "reset",
    "text",
    "base",
    "nope",
    "",
];
const MODIFIER_NAMES: &[&str] = &["bold", "dim", "italic", "reversed", "blink", "BOLD", ""];

/// A YAML-ish theme: palette, styles with colours (named, hex, palette
/// entries, nonsense) and modifiers, inheritance.
fn theme_text() -> impl Strategy<Value = String> {
    let colour = prop_oneof![4 => proptest::sample::select(COLOURS).prop_map(String::from), 1 => hostile_string()];
    let palette = proptest::collection::vec(
        (
            proptest::sample::select(&["text", "base", "red", "x y", ""][..]),
            colour.clone(),
        ),
        0..3,
    )
    .prop_map(|entries| {
        entries
            .iter()
            .map(|(name, c)| format!("  {name:?}: {c:?}\n"))
            .collect::<String>()
    });
    let style = (
        proptest::sample::select(&["ui.text", "ui.title", "gauge.high", "unknown.key", ""][..]),
        proptest::option::of(colour.clone()),
        proptest::option::of(colour),
        proptest::collection::vec(proptest::sample::select(MODIFIER_NAMES), 0..3),
    )
        .prop_map(|(key, fg, bg, modifiers)| {
            let mut fields = Vec::new();
            if let Some(fg) = fg {
                fields.push(format!("fg: {fg:?}"));
            }
            if let Some(bg) = bg {
                fields.push(format!("bg: {bg:?}"));
            }
            if !modifiers.is_empty() {
                fields.push(format!("modifiers: [{}]", modifiers.join(", ")));
            }
            format!("  {key:?}: {{{}}}\n", fields.join(", "))
        });
    let structured = (
        proptest::option::of(proptest::sample::select(INHERITS)),
        palette,
        proptest::collection::vec(style, 0..4),
    )
        .prop_map(|(inherits, palette, styles)| {
            let mut text = String::new();
            if let Some(parent) = inherits {
                text.push_str(&format!("inherits: {parent:?}\n"));
            }
            if !palette.is_empty() {
                text.push_str(&format!("palette:\n{palette}"));
            }
            if !styles.is_empty() {
                text.push_str(&format!("styles:\n{}", styles.concat()));
            }
            text
        });
    prop_oneof![4 => structured, 1 => hostile_string()]
}

/// Checks one warning: names a file, says what is wrong in one line
/// without control characters, and, when it gives a line, one inside the
/// file it names.
fn check_warning(
    warning: &tenantry::config::ConfigWarning,
    files: &[(&Path, &str)],
) -> Result<(), TestCaseError> {
    let text = warning.to_string();
    prop_assert!(!warning.problem.trim().is_empty(), "{}", text);
    prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
    prop_assert!(!warning.path.as_os_str().is_empty(), "{}", text);
    if let Some(line) = warning.line
        && let Some((_, content)) = files.iter().find(|(p, _)| *p == warning.path.as_path())
    {
        let lines = yaml_lines(content) as u64;
        prop_assert!(line >= 1 && line <= lines + 1, "{} ({} lines)", text, lines);
    }
    Ok(())
}

/// Writes `files` (relative path, text) under a fresh directory.
fn config_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write: {e}"));
    }
    dir
}

proptest! {
    #![proptest_config(cases(CONFIG_CASES))]

    /// Generated user keymaps (one inheriting the other, so cycles occur):
    /// no panic; the keymap is used when nothing is wrong with it, and
    /// every warning names its file and line and says what is wrong.
    #[test]
    fn keymap_loader_warns_clearly(custom in keymap_text(), other in keymap_text(), default in keymap_text()) {
        let dir = config_dir(&[
            ("keymaps/custom.yaml", &custom),
            ("keymaps/other.yaml", &other),
            ("keymaps/default.yaml", &default),
        ]);
        let custom_path = dir.path().join("keymaps/custom.yaml");
        let other_path = dir.path().join("keymaps/other.yaml");
        let default_path = dir.path().join("keymaps/default.yaml");
        let files = [
            (custom_path.as_path(), custom.as_str()),
            (other_path.as_path(), other.as_str()),
            (default_path.as_path(), default.as_str()),
        ];
        let (keymap, warnings) = load_keymap(Some(dir.path()), Some("custom"));
        for w in &warnings {
            check_warning(w, &files)?;
        }
        if warnings.is_empty() {
            prop_assert_eq!(&keymap.name, "custom");
        }
        if keymap.name != "custom" {
            prop_assert!(warnings.iter().any(|w| w.path == custom_path), "{:?}", warnings);
        }
    }

    /// Generated user themes, the same way.
    #[test]
    fn theme_loader_warns_clearly(custom in theme_text(), other in theme_text(), default in theme_text()) {
        let dir = config_dir(&[
            ("themes/custom.yaml", &custom),
            ("themes/other.yaml", &other),
            ("themes/default.yaml", &default),
        ]);
        let custom_path = dir.path().join("themes/custom.yaml");
        let other_path = dir.path().join("themes/other.yaml");
        let default_path = dir.path().join("themes/default.yaml");
        let files = [
            (custom_path.as_path(), custom.as_str()),
            (other_path.as_path(), other.as_str()),
            (default_path.as_path(), default.as_str()),
        ];
        let (theme, warnings) = load_theme(Some(dir.path()), Some("custom"), ColorSupport::TrueColor);
        for w in &warnings {
            check_warning(w, &files)?;
        }
        if warnings.is_empty() {
            prop_assert_eq!(&theme.name, "custom");
        }
        if theme.name != "custom" {
            prop_assert!(warnings.iter().any(|w| w.path == custom_path), "{:?}", warnings);
        }
        // Every style the theme has can be looked up.
        let _ = theme.style("ui.text");
    }

    /// Generated config.yaml: no panic; a refusal names the file and says
    /// what is wrong; the whole config layers (settings, then the theme and
    /// keymap they name) without panicking either.
    #[test]
    fn settings_refuse_clearly(
        text in prop_oneof![
            3 => (
                proptest::option::of(proptest::sample::select(INHERITS)),
                proptest::option::of(proptest::sample::select(INHERITS)),
                proptest::option::of(proptest::sample::select(&["0", "1", "60", "61", "-1", "x", "1e9"][..])),
                proptest::option::of(proptest::sample::select(&["[]", "[capsule]", "[{label: {key: a}}]", "[nope]", "x"][..])),
                proptest::option::of(proptest::sample::select(&["true", "no", "maybe", "[1]"][..])),
            ).prop_map(|(theme, keymap, rate, resolvers, mouse)| {
                let mut t = String::new();
                if let Some(v) = theme { t.push_str(&format!("theme: {v:?}\n")); }
                if let Some(v) = keymap { t.push_str(&format!("keymap: {v:?}\n")); }
                if let Some(v) = rate { t.push_str(&format!("redraw_per_second: {v}\n")); }
                if let Some(v) = resolvers { t.push_str(&format!("resolvers: {v}\n")); }
                if let Some(v) = mouse { t.push_str(&format!("mouse: {v}\n")); }
                t
            }),
            1 => hostile_string(),
        ]
    ) {
        let path = Path::new("/nowhere/config.yaml");
        if let Err(w) = Settings::from_yaml(&text, path) {
            check_warning(&w, &[(path, &text)])?;
            prop_assert_eq!(w.path.as_path(), path);
        }
        let dir = config_dir(&[("config.yaml", &text)]);
        let config = tenantry::config::Config::load(Some(dir.path()), ColorSupport::Ansi16);
        let config_path = dir.path().join("config.yaml");
        for w in &config.warnings {
            check_warning(w, &[(config_path.as_path(), &text)])?;
        }
    }

    /// Any key name: no panic; a key that parses prints as a name that
    /// parses back to the same key.
    #[test]
    fn key_names_roundtrip(text in prop_oneof![proptest::sample::select(KEY_NAMES).prop_map(String::from), hostile_string(), "(ctrl-|alt-|shift-){0,3}[a-zA-Z0-9 -]{0,4}"]) {
        use tenantry::config::KeyBinding;
        match text.parse::<KeyBinding>() {
            Ok(key) => {
                let shown = key.to_string();
                prop_assert_eq!(shown.parse::<KeyBinding>().ok(), Some(key), "{:?} shown as {:?}", text, shown);
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }
}

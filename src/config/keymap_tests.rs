use std::fs;

use crossterm::event::{KeyCode, KeyEventState, KeyModifiers};

use super::*;

fn user_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("keymaps")).expect("mkdir");
    for (name, text) in files {
        fs::write(dir.path().join("keymaps").join(name), text).expect("write");
    }
    dir
}

fn press(text: &str) -> KeyEvent {
    let key: KeyBinding = text.parse().expect("key");
    key.into()
}

fn default_keymap() -> Keymap {
    Keymap::builtin("default").expect("default keymap")
}

#[test]
fn builtin_keymaps_parse_without_warnings() {
    for (name, _) in BUILTIN_KEYMAPS {
        let (keymap, warnings) = load_keymap(None, Some(name));
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(&keymap.name, name);
        for context in KeyContext::ALL {
            assert!(!keymap.bindings(context).is_empty(), "{name} {context}");
        }
    }
}

#[test]
fn every_builtin_entry_has_its_own_description() {
    for (name, text) in BUILTIN_KEYMAPS {
        let file: KeymapFile = serde_saphyr::from_str(text).expect("built-in parses");
        for context in KeyContext::ALL {
            for entry in file.context(context) {
                let description = entry.description.as_deref().unwrap_or_default();
                assert!(
                    !description.trim().is_empty(),
                    "{name} {context} {} has no description",
                    entry.action.value
                );
            }
        }
    }
}

#[test]
fn default_keymap_binds_the_documented_keys() {
    let keymap = default_keymap();
    let cases = [
        (KeyContext::List, "j", KeyAction::MoveDown),
        (KeyContext::List, "down", KeyAction::MoveDown),
        (KeyContext::List, "k", KeyAction::MoveUp),
        (KeyContext::List, "g", KeyAction::Top),
        (KeyContext::List, "G", KeyAction::Bottom),
        (KeyContext::List, "home", KeyAction::Top),
        (KeyContext::List, "end", KeyAction::Bottom),
        (KeyContext::List, "pgdn", KeyAction::PageDown),
        (KeyContext::List, "pgup", KeyAction::PageUp),
        (KeyContext::List, "ctrl-d", KeyAction::HalfPageDown),
        (KeyContext::List, "ctrl-u", KeyAction::HalfPageUp),
        (KeyContext::List, "enter", KeyAction::Open),
        (KeyContext::List, "s", KeyAction::CycleSort),
        (KeyContext::List, "n", KeyAction::CreateTenant),
        (KeyContext::List, "e", KeyAction::EditQuota),
        (KeyContext::List, "a", KeyAction::ApplyTemplate),
        (KeyContext::Detail, "tab", KeyAction::NextTab),
        (KeyContext::Detail, "shift-tab", KeyAction::PrevTab),
        (KeyContext::Detail, "1", KeyAction::Tab(1)),
        (KeyContext::Detail, "6", KeyAction::Tab(6)),
        // Global keys reached from other contexts.
        (KeyContext::List, "/", KeyAction::Filter),
        (KeyContext::List, ":", KeyAction::Jump),
        (KeyContext::List, "?", KeyAction::Help),
        (KeyContext::List, "q", KeyAction::Quit),
        (KeyContext::Detail, "ctrl-c", KeyAction::Quit),
        (KeyContext::Detail, "r", KeyAction::Refresh),
        (KeyContext::Detail, "esc", KeyAction::Back),
        (KeyContext::Filter, "ctrl-c", KeyAction::Quit),
        (KeyContext::Filter, "esc", KeyAction::Cancel),
        (KeyContext::Help, "q", KeyAction::Back),
    ];
    for (context, key, action) in cases {
        assert_eq!(
            keymap.lookup(context, &press(key)),
            Some(action),
            "{context} {key}"
        );
    }
}

#[test]
fn emacs_keymap_binds_emacs_keys() {
    let keymap = Keymap::builtin("emacs").expect("emacs keymap");
    let cases = [
        (KeyContext::List, "ctrl-n", KeyAction::MoveDown),
        (KeyContext::List, "ctrl-p", KeyAction::MoveUp),
        (KeyContext::List, "ctrl-v", KeyAction::PageDown),
        (KeyContext::List, "alt-v", KeyAction::PageUp),
        (KeyContext::List, "alt-<", KeyAction::Top),
        (KeyContext::List, "alt->", KeyAction::Bottom),
        (KeyContext::List, "ctrl-g", KeyAction::Back),
        (KeyContext::List, "ctrl-s", KeyAction::Filter),
        (KeyContext::Filter, "ctrl-g", KeyAction::Cancel),
        (KeyContext::List, "down", KeyAction::MoveDown),
    ];
    for (context, key, action) in cases {
        assert_eq!(
            keymap.lookup(context, &press(key)),
            Some(action),
            "{context} {key}"
        );
    }
}

#[test]
fn text_inputs_do_not_fall_back_for_printable_keys() {
    let keymap = default_keymap();
    for key in ["q", "j", "/", "?", "1"] {
        assert_eq!(
            keymap.lookup(KeyContext::Filter, &press(key)),
            None,
            "{key}"
        );
        assert_eq!(keymap.lookup(KeyContext::Input, &press(key)), None, "{key}");
    }
}

#[test]
fn lookup_ignores_releases_and_accepts_shift_on_chars() {
    let keymap = default_keymap();
    let mut release = press("q");
    release.kind = KeyEventKind::Release;
    assert_eq!(keymap.lookup(KeyContext::List, &release), None);
    let shifted_g = KeyEvent {
        code: KeyCode::Char('G'),
        modifiers: KeyModifiers::SHIFT,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    };
    assert_eq!(
        keymap.lookup(KeyContext::List, &shifted_g),
        Some(KeyAction::Bottom)
    );
    let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(
        keymap.lookup(KeyContext::Detail, &back_tab),
        Some(KeyAction::PrevTab)
    );
    assert_eq!(keymap.lookup(KeyContext::List, &press("z")), None);
}

#[test]
fn builtin_contexts_bind_each_key_once() {
    for (name, _) in BUILTIN_KEYMAPS {
        let keymap = Keymap::builtin(name).expect("built-in");
        for context in KeyContext::ALL {
            let mut seen = HashSet::new();
            for binding in keymap.bindings(context) {
                for key in &binding.keys {
                    assert!(seen.insert(*key), "{name} {context}: {key} twice");
                }
            }
        }
    }
}

#[test]
fn help_entries_follow_the_keymap() {
    let keymap = default_keymap();
    let entries = keymap.help_entries(KeyContext::List);
    assert_eq!(
        entries.first(),
        Some(&("j, down".to_string(), "Move down".to_string()))
    );
    assert!(
        entries
            .iter()
            .all(|(keys, description)| { !keys.is_empty() && !description.is_empty() })
    );
    let global = keymap.help_entries(KeyContext::Global);
    assert!(global.contains(&("q, ctrl-c".to_string(), "Quit".to_string())));
    assert_eq!(
        keymap.keys_for(KeyContext::List, KeyAction::Help),
        vec![press("?").into(), press("f1").into()]
    );
}

#[test]
fn partial_override_changes_one_action_and_keeps_the_rest() {
    let dir = user_dir(&[(
        "default.yaml",
        "list:\n  - {keys: [x], action: move_down}\n",
    )]);
    let (keymap, warnings) = load_keymap(Some(dir.path()), None);
    assert!(warnings.is_empty(), "{warnings:?}");
    let builtin = default_keymap();
    assert_eq!(
        keymap.lookup(KeyContext::List, &press("x")),
        Some(KeyAction::MoveDown)
    );
    // The old keys for move_down are gone; its description and place stay.
    assert_eq!(keymap.lookup(KeyContext::List, &press("j")), None);
    assert_eq!(
        keymap.help_entries(KeyContext::List)[0],
        ("x".to_string(), "Move down".to_string())
    );
    // Everything else is unchanged.
    assert_eq!(
        keymap.bindings(KeyContext::List)[1..],
        builtin.bindings(KeyContext::List)[1..]
    );
    for context in KeyContext::ALL {
        if context != KeyContext::List {
            assert_eq!(keymap.bindings(context), builtin.bindings(context));
        }
    }
}

#[test]
fn override_takes_a_key_from_another_action_and_unbinds() {
    let dir = user_dir(&[(
        "default.yaml",
        "list:\n  - {keys: [g], action: refresh, description: Reload}\n  - {keys: [s], action: none}\n",
    )]);
    let (keymap, warnings) = load_keymap(Some(dir.path()), None);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        keymap.lookup(KeyContext::List, &press("g")),
        Some(KeyAction::Refresh)
    );
    assert_eq!(
        keymap.lookup(KeyContext::List, &press("home")),
        Some(KeyAction::Top)
    );
    assert_eq!(keymap.lookup(KeyContext::List, &press("s")), None);
    assert!(
        keymap
            .bindings(KeyContext::List)
            .iter()
            .all(|binding| binding.action != KeyAction::CycleSort)
    );
    let help = keymap.help_entries(KeyContext::List);
    assert!(help.contains(&("g".to_string(), "Reload".to_string())));
}

#[test]
fn user_keymap_inheriting_emacs() {
    let dir = user_dir(&[(
        "mine.yaml",
        "inherits: emacs\nglobal:\n  - {keys: [ctrl-q], action: quit}\n",
    )]);
    let (keymap, warnings) = load_keymap(Some(dir.path()), Some("mine"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(keymap.name, "mine");
    assert_eq!(
        keymap.lookup(KeyContext::List, &press("ctrl-q")),
        Some(KeyAction::Quit)
    );
    assert_eq!(
        keymap.lookup(KeyContext::List, &press("ctrl-n")),
        Some(KeyAction::MoveDown)
    );
    // Description defaults to the action's own.
    assert!(
        keymap
            .help_entries(KeyContext::Global)
            .contains(&("ctrl-q".to_string(), "Quit".to_string()))
    );
}

#[test]
fn missing_keymap_falls_back_to_default() {
    let dir = user_dir(&[]);
    let (keymap, warnings) = load_keymap(Some(dir.path()), Some("vi"));
    assert_eq!(keymap.name, "default");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let shown = warnings[0].to_string();
    assert!(shown.contains("keymaps/vi.yaml"), "{shown}");
    assert!(shown.ends_with("using the \"default\" keymap"), "{shown}");
}

/// Each bad file: exactly one warning naming file and line, and the built-in
/// keymap unchanged.
#[test]
fn bad_user_files_give_one_warning_and_keep_defaults() {
    let cases: &[(&str, u64, &str)] = &[
        // YAML syntax error.
        ("list:\n  - {keys: [j], action: move_down\n", 2, "unclosed"),
        // Unknown action.
        (
            "global:\n  - {keys: [q], action: quit}\nlist:\n  - {keys: [x], action: jump_to}\n",
            4,
            "unknown action \"jump_to\"",
        ),
        // Unparsable key.
        (
            "list:\n  - keys: [j, ctrl-]\n    action: move_down\n",
            2,
            "unknown key \"ctrl-\"",
        ),
        (
            "\nlist:\n  - {keys: [hyper-x], action: move_down}\n",
            3,
            "unknown key \"hyper-x\"",
        ),
        // Unknown context.
        ("lsit:\n  - {keys: [j], action: move_down}\n", 1, "lsit"),
        // Unknown entry field.
        (
            "list:\n  - {keys: [j], action: move_down, descripton: x}\n",
            2,
            "descripton",
        ),
        // The same key twice in one context.
        (
            "list:\n  - {keys: [x], action: move_down}\n  - {keys: [x], action: move_up}\n",
            3,
            "bound twice",
        ),
        // No keys.
        ("list:\n  - {keys: [], action: move_down}\n", 2, "no keys"),
        // Missing action.
        ("list:\n  - {keys: [j]}\n", 2, "action"),
    ];
    let builtin = default_keymap();
    for (text, line, needle) in cases {
        let dir = user_dir(&[("default.yaml", text)]);
        let (keymap, warnings) = load_keymap(Some(dir.path()), None);
        assert_eq!(warnings.len(), 1, "{text:?}: {warnings:?}");
        let warning = &warnings[0];
        let shown = warning.to_string();
        assert_eq!(warning.line, Some(*line), "{text:?}: {shown}");
        assert!(shown.contains("keymaps/default.yaml:"), "{shown}");
        assert!(shown.contains(needle), "{needle:?} not in {shown}");
        assert!(shown.ends_with("using the built-in keymap"), "{shown}");
        assert_eq!(keymap, builtin, "{text:?}");
    }
}

/// A binding to an action its context does not handle is named with its
/// file and line and left out; the rest of the file, and the defaults for
/// the key, stay in force.
#[test]
fn a_binding_that_does_nothing_in_its_context_is_named_and_left_out() {
    let dir = user_dir(&[(
        "default.yaml",
        "list:\n  - {keys: [x], action: move_down}\n  - {keys: [enter], action: confirm}\ndetail:\n  - {keys: [o], action: open}\n",
    )]);
    let (keymap, warnings) = load_keymap(Some(dir.path()), None);
    let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].contains("keymaps/default.yaml:3:")
            && shown[0].contains("action \"confirm\" does nothing in list"),
        "{shown:?}"
    );
    assert!(
        shown[1].contains("keymaps/default.yaml:5:")
            && shown[1].contains("action \"open\" does nothing in detail"),
        "{shown:?}"
    );
    // The good binding of the same file applies; enter still opens.
    assert_eq!(
        keymap.lookup(KeyContext::List, &press("x")),
        Some(KeyAction::MoveDown)
    );
    assert_eq!(
        keymap.lookup(KeyContext::List, &press("enter")),
        Some(KeyAction::Open)
    );
    assert_eq!(keymap.lookup(KeyContext::Detail, &press("o")), None);
}

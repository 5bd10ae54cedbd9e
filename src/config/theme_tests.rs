use std::collections::HashSet;
use std::fs;

use super::*;

fn user_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("themes")).expect("mkdir");
    for (name, text) in files {
        fs::write(dir.path().join("themes").join(name), text).expect("write");
    }
    dir
}

#[test]
fn builtin_themes_parse_without_warnings_and_define_every_key() {
    for (name, _) in BUILTIN_THEMES {
        let (theme, warnings) = load_theme(None, Some(name), ColorSupport::TrueColor);
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(&theme.name, name);
        for key in STYLE_KEYS {
            assert!(theme.styles.contains_key(*key), "{name} lacks {key}");
        }
    }
}

#[test]
fn default_theme_uses_only_ansi_colours() {
    let theme = Theme::builtin("default").expect("default theme");
    assert_eq!(theme.needs(), ColorSupport::Ansi16);
    let dark = Theme::builtin("dark").expect("dark theme");
    assert_eq!(dark.needs(), ColorSupport::TrueColor);
}

#[test]
fn mono_theme_has_no_colour_and_distinct_markers() {
    let theme = Theme::builtin("mono").expect("mono theme");
    for (key, style) in &theme.styles {
        for color in [style.fg, style.bg, style.underline_color] {
            assert!(
                matches!(color, None | Some(Color::Reset)),
                "mono {key} has colour {color:?}"
            );
        }
    }
    assert_eq!(theme.needs(), ColorSupport::None);
    let marked = [
        "ui.selection",
        "severity.critical",
        "severity.high",
        "severity.medium",
        "severity.low",
        "severity.info",
    ];
    let modifier_sets: HashSet<Modifier> = marked
        .iter()
        .map(|key| theme.style(key).add_modifier)
        .collect();
    assert_eq!(modifier_sets.len(), marked.len(), "{modifier_sets:?}");
    assert!(
        theme
            .style("ui.selection")
            .add_modifier
            .contains(Modifier::REVERSED)
    );
    // Results must differ from each other too.
    let results: HashSet<Modifier> = ["result.pass", "result.fail", "result.unknown"]
        .iter()
        .map(|key| theme.style(key).add_modifier)
        .collect();
    assert_eq!(results.len(), 3);
}

#[test]
fn style_falls_back_to_parent_key_then_text() {
    let theme = Theme {
        name: "t".into(),
        styles: HashMap::from([
            ("ui.text".to_string(), Style::default().fg(Color::White)),
            ("gauge".to_string(), Style::default().fg(Color::Green)),
            ("gauge.warn".to_string(), Style::default().fg(Color::Yellow)),
        ]),
    };
    assert_eq!(theme.style("gauge.warn").fg, Some(Color::Yellow));
    assert_eq!(theme.style("gauge.critical").fg, Some(Color::Green));
    assert_eq!(theme.style("gauge.critical.extra").fg, Some(Color::Green));
    assert_eq!(theme.style("severity.high").fg, Some(Color::White));
    assert_eq!(Theme::default().style("anything"), Style::default());
}

#[test]
fn no_color_gives_mono_whatever_was_requested() {
    let (theme, warnings) = load_theme(None, Some("dark"), ColorSupport::None);
    assert_eq!(theme.name, "mono");
    assert!(warnings.is_empty());
}

#[test]
fn truecolor_theme_on_ansi_terminal_falls_back_with_warning() {
    let (theme, warnings) = load_theme(None, Some("dark"), ColorSupport::Ansi16);
    assert_eq!(theme.name, "default");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let text = warnings[0].to_string();
    assert!(text.contains("dark"), "{text}");
    assert!(text.contains("24-bit"), "{text}");
    assert!(text.ends_with("using the \"default\" theme"), "{text}");
}

#[test]
fn truecolor_theme_on_truecolor_terminal() {
    let (theme, warnings) = load_theme(None, Some("light"), ColorSupport::TrueColor);
    assert_eq!(theme.name, "light");
    assert!(warnings.is_empty());
    assert!(matches!(
        theme.style("ui.selection").bg,
        Some(Color::Rgb(..))
    ));
}

#[test]
fn unknown_theme_falls_back_with_warning() {
    let dir = user_dir(&[]);
    let (theme, warnings) = load_theme(Some(dir.path()), Some("solarized"), ColorSupport::Ansi16);
    assert_eq!(theme.name, "default");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].to_string().contains("solarized"));
}

#[test]
fn partial_override_changes_one_key_and_keeps_the_rest() {
    let dir = user_dir(&[("default.yaml", "styles:\n  gauge.warn: {fg: magenta}\n")]);
    let (theme, warnings) = load_theme(Some(dir.path()), None, ColorSupport::Ansi16);
    assert!(warnings.is_empty(), "{warnings:?}");
    let builtin = Theme::builtin("default").expect("default theme");
    assert_eq!(
        theme.style("gauge.warn"),
        Style::default().fg(Color::Magenta)
    );
    for (key, style) in &builtin.styles {
        if key != "gauge.warn" {
            assert_eq!(theme.styles.get(key), Some(style), "{key} changed");
        }
    }
}

#[test]
fn override_of_parent_reaches_child() {
    // dark inherits default; a user default.yaml is part of that parent.
    let dir = user_dir(&[("default.yaml", "styles:\n  ui.custom: {fg: red}\n")]);
    let (theme, warnings) = load_theme(Some(dir.path()), Some("dark"), ColorSupport::TrueColor);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(theme.style("ui.custom").fg, Some(Color::Red));
}

#[test]
fn user_theme_with_inherits_and_palette() {
    let dir = user_dir(&[(
        "mine.yaml",
        "name: mine\ninherits: dark\npalette:\n  pink: \"#ff00ff\"\nstyles:\n  ui.title: {fg: pink}\n  ui.border: {fg: blue}\n",
    )]);
    let (theme, warnings) = load_theme(Some(dir.path()), Some("mine"), ColorSupport::TrueColor);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(theme.name, "mine");
    assert_eq!(theme.style("ui.title").fg, Some(Color::Rgb(0xff, 0, 0xff)));
    // `blue` is dark's palette entry, inherited.
    assert_eq!(
        theme.style("ui.border").fg,
        Some(Color::Rgb(0x89, 0xb4, 0xfa))
    );
    let dark = Theme::builtin("dark").expect("dark theme");
    assert_eq!(theme.style("gauge.ok"), dark.style("gauge.ok"));
}

#[test]
fn unknown_style_key_is_allowed() {
    let dir = user_dir(&[("default.yaml", "styles:\n  ui.sparkles: {fg: red}\n")]);
    let (_, warnings) = load_theme(Some(dir.path()), None, ColorSupport::Ansi16);
    assert!(warnings.is_empty(), "{warnings:?}");
}

/// Each bad file: exactly one warning naming the file and line, and the
/// built-in theme unchanged.
#[test]
fn bad_user_files_give_one_warning_and_keep_defaults() {
    let cases: &[(&str, u64, &str)] = &[
        ("styles:\n  ui.text: {fg: red\n", 2, ""),
        (
            "styles:\n  ui.text: {fg: red}\n  gauge.ok: {fg: chartreuse}\n",
            3,
            "unknown colour \"chartreuse\"",
        ),
        (
            "palette:\n  x: \"#12345\"\nstyles: {}\n",
            2,
            "unknown colour \"#12345\"",
        ),
        (
            "styles:\n  ui.text:\n    modifiers: [bold, blinking]\n",
            3,
            "unknown modifier \"blinking\"",
        ),
        ("styles:\n  ui.text: {fgg: red}\n", 2, "fgg"),
        ("name: x\ninherits: nonexistent\n", 2, "unknown theme"),
        ("\ninherits: default\n", 2, "inherits itself"),
    ];
    let builtin = Theme::builtin("default").expect("default theme");
    for (text, line, needle) in cases {
        let dir = user_dir(&[("default.yaml", text)]);
        let (theme, warnings) = load_theme(Some(dir.path()), None, ColorSupport::Ansi16);
        assert_eq!(warnings.len(), 1, "{text:?}: {warnings:?}");
        let warning = &warnings[0];
        let shown = warning.to_string();
        assert_eq!(warning.line, Some(*line), "{text:?}: {shown}");
        assert!(shown.contains("default.yaml:"), "{shown}");
        assert!(shown.contains(needle), "{needle:?} not in {shown}");
        assert!(shown.ends_with("using the built-in theme"), "{shown}");
        assert_eq!(theme.styles, builtin.styles, "{text:?}");
    }
}

#[test]
fn bad_non_builtin_theme_falls_back_to_default() {
    let dir = user_dir(&[("mine.yaml", "styles:\n  ui.text: {fg: nocolour}\n")]);
    let (theme, warnings) = load_theme(Some(dir.path()), Some("mine"), ColorSupport::Ansi16);
    assert_eq!(theme.name, "default");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let shown = warnings[0].to_string();
    assert!(shown.contains("mine.yaml:2:"), "{shown}");
    assert!(shown.ends_with("using the \"default\" theme"), "{shown}");
}

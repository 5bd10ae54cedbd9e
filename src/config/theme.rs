//! Themes: semantic style keys (`gauge.critical`, `severity.high`,
//! `ui.selection`) with a palette and `inherits`, in the manner of helix.
//!
//! ```yaml
//! name: dark
//! inherits: default          # optional
//! palette:
//!   red: "#f38ba8"
//! styles:
//!   severity.high: {fg: red, modifiers: [bold]}
//!   ui.selection: {fg: "#1e1e2e", bg: "#89b4fa"}
//! ```
//!
//! Layering (see `layers.rs`): the inherited theme, the built-in
//! `themes/NAME.yaml`, then the user's `CONFIG_DIR/themes/NAME.yaml`. Each
//! layer replaces the style keys (and palette entries) it sets and keeps the
//! rest. A user file that cannot be used is dropped as a whole, with one
//! warning.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::color::ColorSupport;
use super::layers::{LayerKind, LayeredLoader};
use super::warning::{ConfigWarning, quoted};

/// Built-in themes, embedded in the binary.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.yaml")),
    ("dark", include_str!("../../themes/dark.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    ("mono", include_str!("../../themes/mono.yaml")),
];

/// The theme used when nothing else is asked for or usable.
pub const DEFAULT_THEME: &str = "default";
/// The theme used without colour (`NO_COLOR`, `--color never`).
pub const MONO_THEME: &str = "mono";

/// Style keys every built-in theme defines and the UI relies on.
pub const STYLE_KEYS: &[&str] = &[
    "ui.text",
    "ui.dim",
    "ui.title",
    "ui.border",
    "ui.border.focus",
    "ui.selection",
    "ui.header",
    "ui.status",
    "ui.status.error",
    "ui.tab",
    "ui.tab.active",
    "ui.help.key",
    "ui.filter",
    "ui.warning",
    "gauge.ok",
    "gauge.warn",
    "gauge.critical",
    "gauge.empty",
    "qos.guaranteed",
    "qos.burstable",
    "qos.besteffort",
    "severity.critical",
    "severity.high",
    "severity.medium",
    "severity.low",
    "severity.info",
    "result.pass",
    "result.fail",
    "result.unknown",
    "access.allowed",
    "access.none",
];

/// A resolved theme: semantic key → style.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Theme {
    pub name: String,
    pub styles: HashMap<String, Style>,
}

impl Theme {
    /// The style for `key`, falling back to its parent keys (`gauge.warn` →
    /// `gauge`) and then to `ui.text`.
    pub fn style(&self, key: &str) -> Style {
        let mut key = key;
        loop {
            if let Some(style) = self.styles.get(key) {
                return *style;
            }
            match key.rfind('.') {
                Some(dot) => key = &key[..dot],
                None => break,
            }
        }
        self.styles.get("ui.text").copied().unwrap_or_default()
    }

    /// A built-in theme without any user layer.
    pub fn builtin(name: &str) -> Option<Theme> {
        LayeredLoader::<ThemeKind>::new(None)
            .resolve(name)
            .map(|resolved| Theme {
                name: name.to_string(),
                styles: resolved.styles,
            })
    }

    /// The least colour support needed to show this theme as written:
    /// `None` when it sets no colour, `TrueColor` when it uses `#rrggbb` or
    /// an indexed colour beyond the 16 ANSI ones.
    pub fn needs(&self) -> ColorSupport {
        let colors = self
            .styles
            .values()
            .flat_map(|style| [style.fg, style.bg, style.underline_color])
            .flatten();
        let mut needs = ColorSupport::None;
        for color in colors {
            let level = match color {
                Color::Reset => ColorSupport::None,
                Color::Rgb(..) => ColorSupport::TrueColor,
                Color::Indexed(index) if index >= 16 => ColorSupport::TrueColor,
                _ => ColorSupport::Ansi16,
            };
            needs = needs.max(level);
        }
        needs
    }
}

/// Load the theme to use.
///
/// - `support == None` (`NO_COLOR`, `--color never`) → `mono`, whatever was
///   requested.
/// - otherwise `requested` (or `default`); when it is missing or cannot be
///   used → `default` with a warning; when it needs 24-bit colour and the
///   terminal does not advertise it → `default` with a warning.
///
/// `config_dir` holds user themes under `themes/`; `None` means built-ins only.
pub fn load_theme(
    config_dir: Option<&Path>,
    requested: Option<&str>,
    support: ColorSupport,
) -> (Theme, Vec<ConfigWarning>) {
    let mut loader = LayeredLoader::<ThemeKind>::new(config_dir);
    let name = if support == ColorSupport::None {
        MONO_THEME
    } else {
        requested.unwrap_or(DEFAULT_THEME)
    };
    let load = |loader: &mut LayeredLoader<ThemeKind>, name: &str| {
        loader
            .load(name, DEFAULT_THEME)
            .map(|(name, resolved)| Theme {
                name,
                styles: resolved.styles,
            })
            .unwrap_or_default()
    };
    let mut theme = load(&mut loader, name);
    if theme.needs() > support {
        let warning = ConfigWarning::new(
            &loader.display_path(&theme.name),
            format!(
                "theme {} uses 24-bit colour, which the terminal does not advertise (COLORTERM is not truecolor or 24bit)",
                quoted(&theme.name)
            ),
        )
        .with_fallback(format!("using the {} theme", quoted(DEFAULT_THEME)));
        loader.warnings.push(warning);
        theme = load(&mut loader, DEFAULT_THEME);
    }
    (theme, loader.warnings)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThemeFile {
    #[allow(dead_code)] // informative only; the file name is the theme's name
    name: Option<String>,
    inherits: Option<Spanned<String>>,
    palette: Option<BTreeMap<String, Spanned<String>>>,
    styles: Option<BTreeMap<String, StyleEntry>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleEntry {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    underline: Option<Spanned<String>>,
    modifiers: Option<Vec<Spanned<String>>>,
}

/// Palette and styles after applying some layers.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResolvedTheme {
    palette: HashMap<String, Color>,
    styles: HashMap<String, Style>,
}

pub(crate) struct ThemeKind;

impl LayerKind for ThemeKind {
    type File = ThemeFile;
    type Resolved = ResolvedTheme;
    const DIR: &'static str = "themes";
    const NOUN: &'static str = "theme";
    const BUILTINS: &'static [(&'static str, &'static str)] = BUILTIN_THEMES;

    fn inherits(file: &ThemeFile) -> Option<&Spanned<String>> {
        file.inherits.as_ref()
    }

    /// Palette entries, then styles, each replacing the entry of the same
    /// name.
    fn apply(
        resolved: &mut ResolvedTheme,
        file: &ThemeFile,
        path: &Path,
    ) -> Result<(), ConfigWarning> {
        let error = |problem: String, at: &Spanned<String>| {
            ConfigWarning::new(path, problem).at(at.referenced)
        };
        for (name, value) in file.palette.iter().flatten() {
            let color = Color::from_str(&value.value)
                .map_err(|_| error(format!("unknown colour {}", quoted(&value.value)), value))?;
            resolved.palette.insert(name.clone(), color);
        }
        let palette = &resolved.palette;
        let color = |value: &Spanned<String>| -> Result<Color, ConfigWarning> {
            palette
                .get(&value.value)
                .copied()
                .or_else(|| Color::from_str(&value.value).ok())
                .ok_or_else(|| error(format!("unknown colour {}", quoted(&value.value)), value))
        };
        let mut styles = Vec::new();
        for (key, entry) in file.styles.iter().flatten() {
            let mut style = Style::default();
            if let Some(fg) = &entry.fg {
                style = style.fg(color(fg)?);
            }
            if let Some(bg) = &entry.bg {
                style = style.bg(color(bg)?);
            }
            if let Some(underline) = &entry.underline {
                style = style.underline_color(color(underline)?);
            }
            for modifier in entry.modifiers.iter().flatten() {
                let parsed = parse_modifier(&modifier.value).ok_or_else(|| {
                    error(
                        format!(
                            "unknown modifier {} (expected one of {})",
                            quoted(&modifier.value),
                            MODIFIERS
                                .iter()
                                .map(|(name, _)| *name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        modifier,
                    )
                })?;
                style = style.add_modifier(parsed);
            }
            styles.push((key.clone(), style));
        }
        resolved.styles.extend(styles);
        Ok(())
    }
}

const MODIFIERS: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("slow_blink", Modifier::SLOW_BLINK),
    ("rapid_blink", Modifier::RAPID_BLINK),
    ("reversed", Modifier::REVERSED),
    ("hidden", Modifier::HIDDEN),
    ("crossed_out", Modifier::CROSSED_OUT),
];

fn parse_modifier(name: &str) -> Option<Modifier> {
    MODIFIERS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, modifier)| *modifier)
}

#[cfg(test)]
#[path = "theme_tests.rs"]
mod tests;

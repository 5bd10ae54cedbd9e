//! Configuration: config.yaml, themes and keymaps.
//!
//! Built-ins are embedded with `include_str!` from `themes/` and `keymaps/`;
//! user files in the config dir are layered on top. Nothing here panics or
//! aborts on a bad file: defaults stay and a [`ConfigWarning`] says what was
//! wrong. The only I/O is reading files under the config dir.

mod files;
mod layers;

pub mod action;
pub mod color;
pub mod guard;
pub mod keymap;
pub mod keys;
pub mod paths;
pub mod settings;
pub mod theme;
pub mod warning;

use std::path::Path;

pub use action::{KeyAction, MAX_TAB};
pub use color::{ColorChoice, ColorSupport};
pub use guard::{ClipboardSetting, ContextGuard, ContextGuards};
pub use keymap::{Binding, KeyContext, Keymap, load_keymap};
pub use keys::KeyBinding;
pub use paths::{PathEnv, Paths};
pub use settings::{ResolverSetting, Settings};
pub use theme::{Theme, load_theme};
pub use warning::ConfigWarning;

/// Everything loaded from the config dir.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub theme: Theme,
    pub keymap: Keymap,
    /// One per file that could not be used, in load order.
    pub warnings: Vec<ConfigWarning>,
}

impl Config {
    /// Load `config.yaml`, then the theme and keymap it names. `config_dir`
    /// `None` (no home directory) gives the built-in defaults. To let a
    /// command-line flag pick the theme or keymap, set it on
    /// `settings` and call [`load_theme`] / [`load_keymap`] again, or use
    /// [`Config::load_with`].
    pub fn load(config_dir: Option<&Path>, support: ColorSupport) -> Config {
        Self::load_with(config_dir, support, None, None)
    }

    /// Like [`Config::load`], with `theme` / `keymap` taking precedence over
    /// `config.yaml`.
    pub fn load_with(
        config_dir: Option<&Path>,
        support: ColorSupport,
        theme: Option<&str>,
        keymap: Option<&str>,
    ) -> Config {
        let (settings, mut warnings) = match config_dir {
            Some(dir) => Settings::load(dir),
            None => (Settings::default(), Vec::new()),
        };
        let theme_name = theme.or(settings.theme.as_deref());
        let (theme, theme_warnings) = load_theme(config_dir, theme_name, support);
        let keymap_name = keymap.or(settings.keymap.as_deref());
        let (keymap, keymap_warnings) = load_keymap(config_dir, keymap_name);
        warnings.extend(theme_warnings);
        warnings.extend(keymap_warnings);
        Config {
            settings,
            theme,
            keymap,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_config_dir() {
        let config = Config::load(None, ColorSupport::Ansi16);
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
        assert_eq!(config.settings, Settings::default());
        assert_eq!(config.theme.name, "default");
        assert_eq!(config.keymap.name, "default");
    }

    #[test]
    fn settings_pick_theme_and_keymap() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("config.yaml"),
            "theme: light\nkeymap: emacs\n",
        )
        .expect("write");
        let config = Config::load(Some(dir.path()), ColorSupport::TrueColor);
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
        assert_eq!(config.theme.name, "light");
        assert_eq!(config.keymap.name, "emacs");
        let flagged = Config::load_with(
            Some(dir.path()),
            ColorSupport::TrueColor,
            Some("dark"),
            Some("default"),
        );
        assert_eq!(flagged.theme.name, "dark");
        assert_eq!(flagged.keymap.name, "default");
    }

    #[test]
    fn one_warning_per_bad_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("themes")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("keymaps")).expect("mkdir");
        std::fs::write(dir.path().join("config.yaml"), "mouse: sometimes\n").expect("write");
        std::fs::write(
            dir.path().join("themes/default.yaml"),
            "styles:\n  ui.text: {fg: nope}\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("keymaps/default.yaml"),
            "list:\n  - {keys: [x], action: explode}\n",
        )
        .expect("write");
        let config = Config::load(Some(dir.path()), ColorSupport::None);
        // NO_COLOR: mono is used, so the bad default theme is never read.
        assert_eq!(config.theme.name, "mono");
        assert_eq!(config.warnings.len(), 2, "{:?}", config.warnings);
        assert!(config.warnings[0].to_string().contains("config.yaml:1"));
        assert!(
            config.warnings[1]
                .to_string()
                .contains("keymaps/default.yaml:2")
        );
        let config = Config::load(Some(dir.path()), ColorSupport::Ansi16);
        assert_eq!(config.warnings.len(), 3, "{:?}", config.warnings);
        assert!(
            config.warnings[1]
                .to_string()
                .contains("themes/default.yaml:2")
        );
    }
}

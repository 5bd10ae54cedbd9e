//! What colours the terminal can show (ARCHITECTURE.md §8).

use std::ffi::OsStr;
use std::fmt;
use std::str::FromStr;

/// The `--color` command-line choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    Always,
    #[default]
    Auto,
    Never,
}

impl FromStr for ColorChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "always" => Ok(Self::Always),
            "auto" => Ok(Self::Auto),
            "never" => Ok(Self::Never),
            other => Err(format!(
                "unknown colour choice {other:?} (expected always, auto or never)"
            )),
        }
    }
}

impl fmt::Display for ColorChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Always => "always",
            Self::Auto => "auto",
            Self::Never => "never",
        })
    }
}

/// Colours the terminal can show, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorSupport {
    /// No colour at all: the `mono` theme, meaning carried by modifiers.
    None,
    /// The 16 ANSI colours.
    Ansi16,
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`).
    TrueColor,
}

impl ColorSupport {
    /// Decide from the `--color` choice and the values of `NO_COLOR` and
    /// `COLORTERM`.
    ///
    /// - `never` → `None`; `always` ignores `NO_COLOR`.
    /// - `auto`: `NO_COLOR` set to a non-empty value (no-color.org) → `None`.
    /// - `COLORTERM` of `truecolor` or `24bit` → `TrueColor`, else `Ansi16`.
    pub fn detect(
        choice: ColorChoice,
        no_color: Option<&OsStr>,
        colorterm: Option<&OsStr>,
    ) -> ColorSupport {
        let no_color = no_color.is_some_and(|value| !value.is_empty());
        match choice {
            ColorChoice::Never => return ColorSupport::None,
            ColorChoice::Auto if no_color => return ColorSupport::None,
            ColorChoice::Auto | ColorChoice::Always => {}
        }
        let truecolor = colorterm
            .and_then(OsStr::to_str)
            .map(|value| value.trim().to_ascii_lowercase())
            .is_some_and(|value| value == "truecolor" || value == "24bit");
        if truecolor {
            ColorSupport::TrueColor
        } else {
            ColorSupport::Ansi16
        }
    }

    /// [`ColorSupport::detect`] with the process environment.
    pub fn from_env(choice: ColorChoice) -> ColorSupport {
        Self::detect(
            choice,
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("COLORTERM").as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(value: &str) -> Option<&OsStr> {
        Some(OsStr::new(value))
    }

    #[test]
    fn auto_detection() {
        use ColorChoice::Auto;
        assert_eq!(ColorSupport::detect(Auto, None, None), ColorSupport::Ansi16);
        assert_eq!(
            ColorSupport::detect(Auto, None, os("truecolor")),
            ColorSupport::TrueColor
        );
        assert_eq!(
            ColorSupport::detect(Auto, None, os("24bit")),
            ColorSupport::TrueColor
        );
        assert_eq!(
            ColorSupport::detect(Auto, None, os("yes")),
            ColorSupport::Ansi16
        );
    }

    #[test]
    fn no_color_wins_in_auto_only() {
        assert_eq!(
            ColorSupport::detect(ColorChoice::Auto, os("1"), os("truecolor")),
            ColorSupport::None
        );
        // no-color.org: an empty value does not count.
        assert_eq!(
            ColorSupport::detect(ColorChoice::Auto, os(""), None),
            ColorSupport::Ansi16
        );
        assert_eq!(
            ColorSupport::detect(ColorChoice::Always, os("1"), None),
            ColorSupport::Ansi16
        );
        assert_eq!(
            ColorSupport::detect(ColorChoice::Always, os("1"), os("truecolor")),
            ColorSupport::TrueColor
        );
    }

    #[test]
    fn never_is_none() {
        assert_eq!(
            ColorSupport::detect(ColorChoice::Never, None, os("truecolor")),
            ColorSupport::None
        );
    }

    #[test]
    fn choice_parses() {
        assert_eq!("never".parse(), Ok(ColorChoice::Never));
        assert_eq!("always".parse(), Ok(ColorChoice::Always));
        assert_eq!("auto".parse(), Ok(ColorChoice::Auto));
        assert!("sometimes".parse::<ColorChoice>().is_err());
    }
}

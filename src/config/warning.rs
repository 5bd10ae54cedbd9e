//! One-line warnings about configuration files that could not be used.
//!
//! A bad file never aborts the program: the loader keeps the defaults and
//! returns a [`ConfigWarning`] naming the file, the line (and column when
//! known), the problem and what is used instead.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::{DefaultMessageFormatter, Location, MessageFormatter};

/// A problem with one configuration file. Rendered as one line:
/// `PATH:LINE:COL: PROBLEM; FALLBACK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The file the problem is in (or the file that was looked for).
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// What is wrong, e.g. `unknown action "jump_to"`.
    pub problem: String,
    /// What is used instead, e.g. `using the built-in keymap`.
    pub fallback: String,
}

impl ConfigWarning {
    pub(crate) fn new(path: &Path, problem: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            column: None,
            problem: problem.into(),
            fallback: String::new(),
        }
    }

    pub(crate) fn at(mut self, location: Location) -> Self {
        // `Location::UNKNOWN` has line 0.
        if location.line() > 0 {
            self.line = Some(location.line());
            self.column = (location.column() > 0).then(|| location.column());
        }
        self
    }

    pub(crate) fn with_fallback(mut self, fallback: impl Into<String>) -> Self {
        self.fallback = fallback.into();
        self
    }

    /// A warning for a YAML syntax or shape error reported by serde-saphyr.
    pub(crate) fn from_yaml_error(path: &Path, error: &serde_saphyr::Error) -> Self {
        let message = DefaultMessageFormatter.format_message(error);
        let warning = Self::new(path, one_line(&message));
        match error.location() {
            Some(location) => warning.at(location),
            None => warning,
        }
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.problem)?;
        if !self.fallback.is_empty() {
            write!(f, "; {}", self.fallback)?;
        }
        Ok(())
    }
}

/// Collapse whitespace runs (including newlines) and drop control characters,
/// so the warning fits on one status line and cannot carry escape sequences
/// copied from the file.
pub(crate) fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quote a value taken from a file for a warning message.
pub(crate) fn quoted(text: &str) -> String {
    format!("\"{}\"", one_line(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_line_and_column() {
        let warning = ConfigWarning {
            path: PathBuf::from("keymaps/default.yaml"),
            line: Some(12),
            column: Some(5),
            problem: "unknown action \"jump_to\"".into(),
            fallback: "using the built-in keymap".into(),
        };
        assert_eq!(
            warning.to_string(),
            "keymaps/default.yaml:12:5: unknown action \"jump_to\"; using the built-in keymap"
        );
    }

    #[test]
    fn display_without_location() {
        let warning = ConfigWarning::new(Path::new("themes/x.yaml"), "theme \"x\" not found")
            .with_fallback("using the \"default\" theme");
        assert_eq!(
            warning.to_string(),
            "themes/x.yaml: theme \"x\" not found; using the \"default\" theme"
        );
    }

    #[test]
    fn one_line_strips_controls() {
        assert_eq!(one_line("a\n  b\x1b[31m c"), "a b [31m c");
    }
}

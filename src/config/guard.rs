//! Guardrails per kubeconfig context (`config.yaml` `contexts:`), and the
//! clipboard setting.
//!
//! ```yaml
//! contexts:
//!   "prod-*": {readonly: true}      # a glob, or an exact context name
//!   staging: {confirm: type-name}   # a write needs the tenant's name typed
//! clipboard: osc52                  # or off
//! ```
//!
//! Every entry whose pattern matches the context applies: the guard is
//! their union (a context matched by a read-only glob stays read-only
//! whatever another entry says).

use serde::Deserialize;

/// What `confirm:` may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmSetting {
    /// A write needs the tenant's name typed before `y` takes effect
    /// (headless: `--confirm TENANT`).
    TypeName,
    /// `y` alone (the default).
    Key,
}

/// One `contexts:` entry as the file says it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardSetting {
    #[serde(default)]
    pub readonly: bool,
    pub confirm: Option<ConfirmSetting>,
}

/// `contexts:` entries, pattern (checked glob) and what it asks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextGuards {
    entries: Vec<(String, GuardSetting)>,
}

/// The guard in force on one context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextGuard {
    /// Every write refused, in the write path.
    pub readonly: bool,
    /// A write needs the tenant's name typed.
    pub confirm_name: bool,
    /// The `contexts:` patterns that matched, for messages.
    pub patterns: Vec<String>,
}

impl ContextGuard {
    /// For the status line: "guard: read-only", "guard: type name", or
    /// nothing.
    pub fn label(&self) -> Option<&'static str> {
        if self.readonly {
            Some("guard: read-only")
        } else if self.confirm_name {
            Some("guard: type name")
        } else {
            None
        }
    }

    /// Why writes are refused on `context`, naming the config entries.
    pub fn readonly_reason(&self, context: &str) -> String {
        format!(
            "context {context:?} is read-only (config.yaml contexts: {})",
            self.patterns
                .iter()
                .map(|p| format!("{p:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl ContextGuards {
    /// Checks every pattern; the problem names the bad one.
    pub fn parse(entries: Vec<(String, GuardSetting)>) -> Result<Self, String> {
        for (pattern, _) in &entries {
            glob::Pattern::new(pattern)
                .map_err(|err| format!("contexts: {pattern:?} is not a glob: {err}"))?;
        }
        Ok(ContextGuards { entries })
    }

    /// The union of every entry that matches `context`.
    pub fn guard_for(&self, context: &str) -> ContextGuard {
        let mut guard = ContextGuard::default();
        for (pattern, setting) in &self.entries {
            let matches = pattern == context
                || glob::Pattern::new(pattern).is_ok_and(|glob| glob.matches(context));
            if matches {
                guard.readonly |= setting.readonly;
                guard.confirm_name |= setting.confirm == Some(ConfirmSetting::TypeName);
                guard.patterns.push(pattern.clone());
            }
        }
        guard
    }
}

/// `clipboard:`: how `c` copies. (`off` may reach us as YAML 1.1's
/// boolean false: both spellings are taken.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClipboardSetting {
    /// OSC 52 to the terminal (works over SSH; in tmux with
    /// `set-clipboard on`).
    #[default]
    Osc52,
    Off,
}

impl<'de> Deserialize<'de> for ClipboardSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Flag(bool),
            Name(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Flag(true) => Ok(ClipboardSetting::Osc52),
            Raw::Flag(false) => Ok(ClipboardSetting::Off),
            Raw::Name(name) => match name.as_str() {
                "osc52" => Ok(ClipboardSetting::Osc52),
                "off" => Ok(ClipboardSetting::Off),
                other => Err(serde::de::Error::custom(format!(
                    "clipboard: {other:?} is neither osc52 nor off"
                ))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guards(entries: &[(&str, GuardSetting)]) -> ContextGuards {
        ContextGuards::parse(
            entries
                .iter()
                .map(|(p, s)| ((*p).to_string(), s.clone()))
                .collect(),
        )
        .expect("valid")
    }

    #[test]
    fn globs_and_names_combine_and_others_are_unguarded() {
        let readonly = GuardSetting {
            readonly: true,
            confirm: None,
        };
        let confirm = GuardSetting {
            readonly: false,
            confirm: Some(ConfirmSetting::TypeName),
        };
        let g = guards(&[("prod-*", readonly), ("prod-eu", confirm.clone())]);
        let eu = g.guard_for("prod-eu");
        assert!(eu.readonly && eu.confirm_name, "{eu:?}");
        assert_eq!(eu.label(), Some("guard: read-only"));
        assert!(eu.readonly_reason("prod-eu").contains("\"prod-*\""));
        let us = g.guard_for("prod-us");
        assert!(us.readonly && !us.confirm_name);
        assert_eq!(g.guard_for("staging"), ContextGuard::default());
        assert_eq!(g.guard_for("staging").label(), None);
        let c = guards(&[("staging", confirm)]).guard_for("staging");
        assert_eq!(c.label(), Some("guard: type name"));
    }

    #[test]
    fn a_bad_glob_is_named() {
        let err = ContextGuards::parse(vec![("prod-[".into(), GuardSetting::default())])
            .expect_err("bad glob");
        assert!(err.contains("prod-["), "{err}");
    }
}

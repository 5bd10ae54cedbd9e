//! `config.yaml`: general settings.
//!
//! ```yaml
//! resolvers:            # tried in order; the first that claims a namespace wins
//!   - label: {key: tenantry.dev/tenant}
//!   - capsule
//!   - namespace
//! tenants:              # for users who cannot list namespaces
//!   team-a: [team-a-dev, team-a-prod]
//! namespaces: [shared-tools]
//! theme: dark
//! keymap: emacs
//! readonly: false
//! redraw_per_second: 10
//! mouse: false
//! contexts:             # guardrails per context name or glob (config/guard.rs)
//!   "prod-*": {readonly: true}
//!   staging: {confirm: type-name}
//! clipboard: osc52      # or off
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::files::read_optional;
use super::guard::{ClipboardSetting, ContextGuards, GuardSetting};
use super::warning::{ConfigWarning, quoted};
use crate::model::SystemNamespaces;

pub const CONFIG_FILE: &str = "config.yaml";
const FALLBACK: &str = "using the default settings";
const MAX_REDRAW_PER_SECOND: u32 = 120;

/// How namespaces are grouped into tenants. The model layer has its own
/// `ResolverKind`; this is only what the file can say.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum ResolverSetting {
    /// Namespaces carrying label `key`; the label value names the tenant.
    Label { key: String },
    /// Capsule `Tenant` objects.
    Capsule,
    /// Hierarchical Namespace Controller subnamespaces.
    Hnc,
    /// Rancher projects (`field.cattle.io/projectId`).
    Rancher,
    /// Loft kiosk `Account`s / `Space`s.
    Kiosk,
    /// Every namespace is its own tenant.
    Namespace,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub resolvers: Vec<ResolverSetting>,
    /// Tenant name → namespace names, for users who cannot list namespaces.
    pub tenants: BTreeMap<String, Vec<String>>,
    /// Namespaces to watch when namespaces cannot be listed.
    pub namespaces: Vec<String>,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub readonly: bool,
    pub redraw_per_second: u32,
    pub mouse: bool,
    /// The cluster's own namespaces, as globs (ARCHITECTURE.md §3).
    pub system_namespaces: SystemNamespaces,
    /// Guardrails per kubeconfig context (`contexts:`).
    pub contexts: ContextGuards,
    /// How `c` copies.
    pub clipboard: ClipboardSetting,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            // ARCHITECTURE.md §3: label first; `namespace` (every namespace its
            // own tenant) is off unless config.yaml asks for it.
            resolvers: vec![
                ResolverSetting::Label {
                    key: "tenantry.dev/tenant".into(),
                },
                ResolverSetting::Capsule,
                ResolverSetting::Hnc,
                ResolverSetting::Rancher,
                ResolverSetting::Kiosk,
            ],
            tenants: BTreeMap::new(),
            namespaces: Vec::new(),
            theme: None,
            keymap: None,
            readonly: false,
            redraw_per_second: 10,
            mouse: false,
            system_namespaces: SystemNamespaces::default(),
            contexts: ContextGuards::default(),
            clipboard: ClipboardSetting::default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    resolvers: Option<Spanned<Vec<ResolverSetting>>>,
    tenants: Option<BTreeMap<String, Vec<String>>>,
    namespaces: Option<Vec<String>>,
    theme: Option<String>,
    keymap: Option<String>,
    readonly: Option<bool>,
    redraw_per_second: Option<Spanned<u32>>,
    mouse: Option<bool>,
    system_namespaces: Option<Spanned<Vec<String>>>,
    contexts: Option<Spanned<BTreeMap<String, GuardSetting>>>,
    clipboard: Option<ClipboardSetting>,
}

impl Settings {
    /// Load `config.yaml` from `config_dir`. A missing file gives the
    /// defaults silently; a bad one gives the defaults and one warning.
    pub fn load(config_dir: &Path) -> (Settings, Vec<ConfigWarning>) {
        let path = config_dir.join(CONFIG_FILE);
        match read_optional(&path) {
            Ok(None) => (Settings::default(), Vec::new()),
            Ok(Some(text)) => match Settings::from_yaml(&text, &path) {
                Ok(settings) => (settings, Vec::new()),
                Err(warning) => (Settings::default(), vec![warning]),
            },
            Err(warning) => (Settings::default(), vec![warning.with_fallback(FALLBACK)]),
        }
    }

    /// Parse settings text; `path` is only used in the warning.
    pub fn from_yaml(text: &str, path: &Path) -> Result<Settings, ConfigWarning> {
        // An empty file (or one holding only comments) means "all defaults".
        let raw: Option<RawSettings> = serde_saphyr::from_str(text).map_err(|error| {
            ConfigWarning::from_yaml_error(path, &error).with_fallback(FALLBACK)
        })?;
        let raw = raw.unwrap_or_default();
        let mut settings = Settings::default();
        if let Some(resolvers) = raw.resolvers {
            if resolvers.value.is_empty() {
                return Err(ConfigWarning::new(path, "resolvers must not be empty")
                    .at(resolvers.referenced)
                    .with_fallback(FALLBACK));
            }
            settings.resolvers = resolvers.value;
        }
        if let Some(rate) = raw.redraw_per_second {
            if rate.value == 0 || rate.value > MAX_REDRAW_PER_SECOND {
                return Err(ConfigWarning::new(
                    path,
                    format!(
                        "redraw_per_second must be between 1 and {MAX_REDRAW_PER_SECOND}, not {}",
                        rate.value
                    ),
                )
                .at(rate.referenced)
                .with_fallback(FALLBACK));
            }
            settings.redraw_per_second = rate.value;
        }
        for name in [&raw.theme, &raw.keymap].into_iter().flatten() {
            if !super::files::is_plain_name(name) {
                return Err(ConfigWarning::new(
                    path,
                    format!(
                        "{} is not a theme or keymap name (use the file name without .yaml)",
                        quoted(name)
                    ),
                )
                .with_fallback(FALLBACK));
            }
        }
        if let Some(globs) = raw.system_namespaces {
            settings.system_namespaces =
                SystemNamespaces::parse(&globs.value).map_err(|problem| {
                    ConfigWarning::new(path, format!("system_namespaces: {problem}"))
                        .at(globs.referenced)
                        .with_fallback(FALLBACK)
                })?;
        }
        if let Some(contexts) = raw.contexts {
            settings.contexts = ContextGuards::parse(contexts.value.into_iter().collect())
                .map_err(|problem| {
                    ConfigWarning::new(path, problem)
                        .at(contexts.referenced)
                        .with_fallback(FALLBACK)
                })?;
        }
        settings.clipboard = raw.clipboard.unwrap_or_default();
        settings.tenants = raw.tenants.unwrap_or_default();
        settings.namespaces = raw.namespaces.unwrap_or_default();
        settings.theme = raw.theme;
        settings.keymap = raw.keymap;
        settings.readonly = raw.readonly.unwrap_or(settings.readonly);
        settings.mouse = raw.mouse.unwrap_or(settings.mouse);
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, ConfigWarning> {
        Settings::from_yaml(text, Path::new("config.yaml"))
    }

    #[test]
    fn system_namespaces_are_globs_and_a_bad_one_is_named_with_its_line() {
        let settings = parse("system_namespaces: [kube-*, openshift-*, default]\n").expect("valid");
        assert!(settings.system_namespaces.matches("openshift-ingress"));
        assert!(settings.system_namespaces.matches("default"));
        assert!(!settings.system_namespaces.matches("acme-dev"));
        assert!(
            Settings::default()
                .system_namespaces
                .matches("kube-node-lease")
        );

        let warning = parse("readonly: true\nsystem_namespaces:\n  - kube-*\n  - 'team-[a'\n")
            .expect_err("a bad glob");
        let text = warning.to_string();
        assert!(text.contains("system_namespaces"), "{text}");
        assert!(text.contains("team-[a"), "{text}");
        assert_eq!(warning.line, Some(3), "{text}");
    }

    #[test]
    fn full_file() {
        let settings = parse(
            "resolvers:\n  - label: {key: tenantry.dev/tenant}\n  - capsule\n  - hnc\n  - rancher\n  - kiosk\n  - namespace\n\
             tenants:\n  team-a: [a-dev, a-prod]\n\
             namespaces: [shared]\n\
             theme: dark\nkeymap: emacs\nreadonly: true\nredraw_per_second: 30\nmouse: true\n",
        )
        .expect("valid settings");
        assert_eq!(
            settings.resolvers,
            vec![
                ResolverSetting::Label {
                    key: "tenantry.dev/tenant".into()
                },
                ResolverSetting::Capsule,
                ResolverSetting::Hnc,
                ResolverSetting::Rancher,
                ResolverSetting::Kiosk,
                ResolverSetting::Namespace,
            ]
        );
        assert_eq!(
            settings.tenants.get("team-a"),
            Some(&vec!["a-dev".to_string(), "a-prod".to_string()])
        );
        assert_eq!(settings.namespaces, vec!["shared".to_string()]);
        assert_eq!(settings.theme.as_deref(), Some("dark"));
        assert_eq!(settings.keymap.as_deref(), Some("emacs"));
        assert!(settings.readonly);
        assert!(settings.mouse);
        assert_eq!(settings.redraw_per_second, 30);
    }

    #[test]
    fn empty_and_partial_files_keep_defaults() {
        assert_eq!(parse(""), Ok(Settings::default()));
        assert_eq!(parse("# nothing here\n"), Ok(Settings::default()));
        let settings = parse("readonly: true\n").expect("valid");
        assert!(settings.readonly);
        assert_eq!(settings.redraw_per_second, 10);
        assert!(!settings.mouse);
        assert_eq!(settings.resolvers, Settings::default().resolvers);
    }

    #[test]
    fn unknown_resolver_names_line() {
        let warning = parse("readonly: false\nresolvers:\n  - capsule\n  - vcluster\n")
            .expect_err("unknown resolver");
        assert_eq!(warning.line, Some(4), "{warning}");
        assert!(
            warning.to_string().starts_with("config.yaml:4"),
            "{warning}"
        );
        assert!(warning.to_string().contains("vcluster"), "{warning}");
    }

    #[test]
    fn unknown_field_names_line() {
        let warning = parse("readonly: true\nredraw: 5\n").expect_err("unknown field");
        assert_eq!(warning.line, Some(2), "{warning}");
    }

    #[test]
    fn wrong_type_names_line() {
        let warning = parse("mouse: true\nreadonly: maybe\n").expect_err("bad bool");
        assert_eq!(warning.line, Some(2), "{warning}");
    }

    #[test]
    fn zero_redraw_rate_is_rejected() {
        let warning = parse("\nredraw_per_second: 0\n").expect_err("zero rate");
        assert_eq!(warning.line, Some(2), "{warning}");
        assert!(warning.problem.contains("redraw_per_second"));
    }

    #[test]
    fn load_bad_file_gives_defaults_and_one_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(CONFIG_FILE), "theme: [unclosed\n").expect("write");
        let (settings, warnings) = Settings::load(dir.path());
        assert_eq!(settings, Settings::default());
        assert_eq!(warnings.len(), 1);
        let text = warnings[0].to_string();
        assert!(text.contains("config.yaml:"), "{text}");
        assert!(text.ends_with(FALLBACK), "{text}");
    }

    #[test]
    fn context_guards_and_clipboard() {
        let settings = parse(
            "contexts:\n  \"prod-*\": {readonly: true}\n  staging: {confirm: type-name}\nclipboard: off\n",
        )
        .expect("valid");
        assert!(settings.contexts.guard_for("prod-eu").readonly);
        assert!(settings.contexts.guard_for("staging").confirm_name);
        assert!(!settings.contexts.guard_for("dev").readonly);
        assert_eq!(settings.clipboard, ClipboardSetting::Off);
        assert_eq!(Settings::default().clipboard, ClipboardSetting::Osc52);
        let warning = parse("mouse: true\ncontexts:\n  prod: {readonly: yes-please}\n")
            .expect_err("bad bool");
        assert_eq!(warning.line, Some(3), "{warning}");
        let warning = parse("contexts:\n  prod: {confirm: maybe}\n").expect_err("unknown confirm");
        assert!(warning.to_string().contains("maybe"), "{warning}");
    }

    #[test]
    fn load_missing_file_is_silent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (settings, warnings) = Settings::load(dir.path());
        assert_eq!(settings, Settings::default());
        assert!(warnings.is_empty());
    }
}

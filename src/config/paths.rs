//! Where tenantry keeps its files.
//!
//! - config: `TENANTRY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tenantry`, else
//!   `~/.config/tenantry`
//! - state (logs, audit log, sandbox): `TENANTRY_STATE_DIR`, else
//!   `$XDG_STATE_HOME/tenantry`, else `~/.local/state/tenantry`
//! - cache: `TENANTRY_CACHE_DIR`, else `$XDG_CACHE_HOME/tenantry`, else
//!   `~/.cache/tenantry`
//!
//! The XDG layout is used on every platform (an admin on a macOS laptop and on
//! a Linux bastion finds the files in the same place). The resolution is a pure
//! function of [`PathEnv`], so tests pass the environment in.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

const APP_DIR: &str = "tenantry";

/// The environment variables (and home directory) the paths depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathEnv {
    pub tenantry_config_dir: Option<OsString>,
    pub tenantry_state_dir: Option<OsString>,
    pub tenantry_cache_dir: Option<OsString>,
    pub xdg_config_home: Option<OsString>,
    pub xdg_state_home: Option<OsString>,
    pub xdg_cache_home: Option<OsString>,
    pub home: Option<PathBuf>,
}

impl PathEnv {
    /// Read the variables from the process environment; the home directory
    /// comes from `directories` (which falls back to the passwd entry when
    /// `HOME` is unset).
    pub fn from_process() -> Self {
        Self {
            tenantry_config_dir: std::env::var_os("TENANTRY_CONFIG_DIR"),
            tenantry_state_dir: std::env::var_os("TENANTRY_STATE_DIR"),
            tenantry_cache_dir: std::env::var_os("TENANTRY_CACHE_DIR"),
            xdg_config_home: std::env::var_os("XDG_CONFIG_HOME"),
            xdg_state_home: std::env::var_os("XDG_STATE_HOME"),
            xdg_cache_home: std::env::var_os("XDG_CACHE_HOME"),
            home: directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()),
        }
    }
}

/// The resolved directories. `None` only when neither an override nor a home
/// directory is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config: Option<PathBuf>,
    pub state: Option<PathBuf>,
    pub cache: Option<PathBuf>,
}

impl Paths {
    pub fn resolve(env: &PathEnv) -> Self {
        Self {
            config: config_dir(env),
            state: state_dir(env),
            cache: cache_dir(env),
        }
    }

    pub fn from_process() -> Self {
        Self::resolve(&PathEnv::from_process())
    }

    /// The application log (`tracing-appender` writes here).
    pub fn log_file(&self) -> Option<PathBuf> {
        self.state.as_ref().map(|dir| dir.join("tenantry.log"))
    }

    /// The append-only audit log of every write (ARCHITECTURE.md §5).
    pub fn audit_log(&self) -> Option<PathBuf> {
        self.state.as_ref().map(|dir| dir.join("audit.log"))
    }

    /// Default directory for the local control plane (ARCHITECTURE.md §7).
    pub fn sandbox_dir(&self) -> Option<PathBuf> {
        self.state.as_ref().map(|dir| dir.join("sandbox"))
    }
}

pub fn config_dir(env: &PathEnv) -> Option<PathBuf> {
    resolve(
        env.tenantry_config_dir.as_ref(),
        env.xdg_config_home.as_ref(),
        env.home.as_deref(),
        &[".config"],
    )
}

pub fn state_dir(env: &PathEnv) -> Option<PathBuf> {
    resolve(
        env.tenantry_state_dir.as_ref(),
        env.xdg_state_home.as_ref(),
        env.home.as_deref(),
        &[".local", "state"],
    )
}

pub fn cache_dir(env: &PathEnv) -> Option<PathBuf> {
    resolve(
        env.tenantry_cache_dir.as_ref(),
        env.xdg_cache_home.as_ref(),
        env.home.as_deref(),
        &[".cache"],
    )
}

fn resolve(
    app_override: Option<&OsString>,
    xdg_home: Option<&OsString>,
    home: Option<&Path>,
    home_relative: &[&str],
) -> Option<PathBuf> {
    if let Some(dir) = app_override.filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    // The XDG spec says relative values are invalid and must be ignored.
    if let Some(dir) = xdg_home
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
    {
        return Some(dir.join(APP_DIR));
    }
    let mut dir = home?.to_path_buf();
    dir.extend(home_relative);
    Some(dir.join(APP_DIR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home_only() -> PathEnv {
        PathEnv {
            home: Some(PathBuf::from("/home/ada")),
            ..PathEnv::default()
        }
    }

    #[test]
    fn defaults_under_home() {
        let paths = Paths::resolve(&home_only());
        assert_eq!(
            paths.config,
            Some(PathBuf::from("/home/ada/.config/tenantry"))
        );
        assert_eq!(
            paths.state,
            Some(PathBuf::from("/home/ada/.local/state/tenantry"))
        );
        assert_eq!(
            paths.cache,
            Some(PathBuf::from("/home/ada/.cache/tenantry"))
        );
        assert_eq!(
            paths.audit_log(),
            Some(PathBuf::from("/home/ada/.local/state/tenantry/audit.log"))
        );
    }

    #[test]
    fn xdg_variables_win_over_home() {
        let env = PathEnv {
            xdg_config_home: Some("/xdg/config".into()),
            xdg_state_home: Some("/xdg/state".into()),
            xdg_cache_home: Some("/xdg/cache".into()),
            ..home_only()
        };
        let paths = Paths::resolve(&env);
        assert_eq!(paths.config, Some(PathBuf::from("/xdg/config/tenantry")));
        assert_eq!(paths.state, Some(PathBuf::from("/xdg/state/tenantry")));
        assert_eq!(paths.cache, Some(PathBuf::from("/xdg/cache/tenantry")));
    }

    #[test]
    fn tenantry_variables_win_over_xdg() {
        let env = PathEnv {
            tenantry_config_dir: Some("/etc/tenantry".into()),
            tenantry_state_dir: Some("/var/lib/tenantry".into()),
            tenantry_cache_dir: Some("/tmp/tc".into()),
            xdg_config_home: Some("/xdg/config".into()),
            ..home_only()
        };
        let paths = Paths::resolve(&env);
        assert_eq!(paths.config, Some(PathBuf::from("/etc/tenantry")));
        assert_eq!(paths.state, Some(PathBuf::from("/var/lib/tenantry")));
        assert_eq!(paths.cache, Some(PathBuf::from("/tmp/tc")));
    }

    #[test]
    fn empty_and_relative_values_are_ignored() {
        let env = PathEnv {
            tenantry_config_dir: Some("".into()),
            xdg_config_home: Some("relative/dir".into()),
            ..home_only()
        };
        assert_eq!(
            config_dir(&env),
            Some(PathBuf::from("/home/ada/.config/tenantry"))
        );
    }

    #[test]
    fn no_home_no_override_is_none() {
        assert_eq!(config_dir(&PathEnv::default()), None);
    }
}

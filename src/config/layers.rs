//! Layered loading shared by themes and keymaps.
//!
//! A theme or keymap NAME is built from, in order: the one it `inherits` (if
//! any), the built-in `NAME.yaml` embedded in the binary (if any), then the
//! user's `CONFIG_DIR/<dir>/NAME.yaml` (if any). Each layer changes only
//! what it sets. A user file that cannot be used is dropped as a whole, with
//! one warning naming the file, the line and the problem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;

use super::files::{is_plain_name, read_optional};
use super::warning::{ConfigWarning, quoted};

const MAX_INHERITANCE_DEPTH: usize = 8;

/// What differs between themes and keymaps.
pub(crate) trait LayerKind {
    /// One file as parsed.
    type File: DeserializeOwned + Default;
    /// The result of applying layers.
    type Resolved: Clone + Default;
    /// Sub-directory of the config dir, e.g. `themes`.
    const DIR: &'static str;
    /// Singular noun for messages, e.g. `theme`.
    const NOUN: &'static str;
    /// Built-in (name, YAML text) pairs.
    const BUILTINS: &'static [(&'static str, &'static str)];

    fn inherits(file: &Self::File) -> Option<&Spanned<String>>;

    /// Apply one file onto `resolved`. On error `resolved` may be partly
    /// changed; the caller discards it.
    fn apply(
        resolved: &mut Self::Resolved,
        file: &Self::File,
        path: &Path,
    ) -> Result<(), ConfigWarning>;
}

struct Layer<F> {
    path: PathBuf,
    file: F,
}

pub(crate) struct LayeredLoader<'a, K: LayerKind> {
    config_dir: Option<&'a Path>,
    /// Names already resolved (or found unusable), so a layer inherited twice
    /// is read, and warned about, once.
    cache: HashMap<String, Option<K::Resolved>>,
    pub(crate) warnings: Vec<ConfigWarning>,
}

impl<'a, K: LayerKind> LayeredLoader<'a, K> {
    pub(crate) fn new(config_dir: Option<&'a Path>) -> Self {
        Self {
            config_dir,
            cache: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    /// Resolve `name`; when it is missing or unusable, warn and resolve
    /// `fallback` instead. Returns the name actually used.
    pub(crate) fn load(&mut self, name: &str, fallback: &str) -> Option<(String, K::Resolved)> {
        if let Some(resolved) = self.resolve(name) {
            return Some((name.to_string(), resolved));
        }
        if !self.exists(name) {
            self.warnings.push(
                ConfigWarning::new(
                    &self.display_path(name),
                    format!("{} {} not found", K::NOUN, quoted(name)),
                )
                .with_fallback(format!(
                    "using the {} {}",
                    quoted(fallback),
                    K::NOUN
                )),
            );
        }
        if name == fallback {
            return None;
        }
        self.resolve(fallback)
            .map(|resolved| (fallback.to_string(), resolved))
    }

    pub(crate) fn resolve(&mut self, name: &str) -> Option<K::Resolved> {
        self.resolve_in(name, &mut Vec::new())
    }

    /// The path to name in a warning about `name` as a whole: the user file
    /// when there is one (or would be one), else the built-in.
    pub(crate) fn display_path(&self, name: &str) -> PathBuf {
        match self.user_path(name) {
            Some(path) if path.is_file() || builtin_text::<K>(name).is_none() => path,
            _ => builtin_path::<K>(name),
        }
    }

    fn exists(&self, name: &str) -> bool {
        builtin_text::<K>(name).is_some() || self.user_path(name).is_some_and(|path| path.is_file())
    }

    fn user_path(&self, name: &str) -> Option<PathBuf> {
        if !is_plain_name(name) {
            return None;
        }
        self.config_dir
            .map(|dir| dir.join(K::DIR).join(format!("{name}.yaml")))
    }

    fn fallback_text(name: &str) -> String {
        if builtin_text::<K>(name).is_some() {
            format!("using the built-in {}", K::NOUN)
        } else {
            format!("using the {} {}", quoted("default"), K::NOUN)
        }
    }

    fn resolve_in(&mut self, name: &str, chain: &mut Vec<String>) -> Option<K::Resolved> {
        if let Some(cached) = self.cache.get(name) {
            return cached.clone();
        }
        let resolved = self.resolve_uncached(name, chain);
        self.cache.insert(name.to_string(), resolved.clone());
        resolved
    }

    fn resolve_uncached(&mut self, name: &str, chain: &mut Vec<String>) -> Option<K::Resolved> {
        if !is_plain_name(name) {
            return None;
        }
        let builtin = builtin_text::<K>(name).and_then(|text| {
            let path = builtin_path::<K>(name);
            match parse::<K::File>(text, &path) {
                Ok(file) => Some(Layer { path, file }),
                Err(warning) => {
                    self.warnings.push(warning.with_fallback("ignoring it"));
                    None
                }
            }
        });
        if let Some(user) = self.read_user(name) {
            match self.stack(name, builtin.as_ref(), Some(&user), chain) {
                Ok(resolved) => return Some(resolved),
                Err(warning) => self
                    .warnings
                    .push(warning.with_fallback(Self::fallback_text(name))),
            }
        }
        let builtin = builtin?;
        match self.stack(name, Some(&builtin), None, chain) {
            Ok(resolved) => Some(resolved),
            Err(warning) => {
                self.warnings.push(warning.with_fallback("ignoring it"));
                None
            }
        }
    }

    fn read_user(&mut self, name: &str) -> Option<Layer<K::File>> {
        let path = self.user_path(name)?;
        let parsed = match read_optional(&path) {
            Ok(None) => return None,
            Ok(Some(text)) => parse::<K::File>(&text, &path),
            Err(warning) => Err(warning),
        };
        match parsed {
            Ok(file) => Some(Layer { path, file }),
            Err(warning) => {
                self.warnings
                    .push(warning.with_fallback(Self::fallback_text(name)));
                None
            }
        }
    }

    /// Parent (if any), then the built-in layer, then the user layer. An
    /// error names the layer at fault.
    fn stack(
        &mut self,
        name: &str,
        builtin: Option<&Layer<K::File>>,
        user: Option<&Layer<K::File>>,
        chain: &mut Vec<String>,
    ) -> Result<K::Resolved, ConfigWarning> {
        let inherits = [user, builtin]
            .into_iter()
            .flatten()
            .find_map(|layer| K::inherits(&layer.file).map(|parent| (layer, parent)));
        let mut resolved = match inherits {
            None => K::Resolved::default(),
            Some((layer, parent)) => {
                let at_fault = |problem: String| {
                    ConfigWarning::new(&layer.path, problem).at(parent.referenced)
                };
                if parent.value == name || chain.iter().any(|seen| seen == &parent.value) {
                    return Err(at_fault(format!(
                        "{} {} inherits itself through {}",
                        K::NOUN,
                        quoted(name),
                        quoted(&parent.value)
                    )));
                }
                if chain.len() >= MAX_INHERITANCE_DEPTH {
                    return Err(at_fault(format!("{}s inherit too deeply", K::NOUN)));
                }
                chain.push(name.to_string());
                let base = self.resolve_in(&parent.value, chain);
                chain.pop();
                base.ok_or_else(|| {
                    at_fault(format!(
                        "inherits unknown {} {}",
                        K::NOUN,
                        quoted(&parent.value)
                    ))
                })?
            }
        };
        for layer in [builtin, user].into_iter().flatten() {
            K::apply(&mut resolved, &layer.file, &layer.path)?;
        }
        Ok(resolved)
    }
}

fn builtin_text<K: LayerKind>(name: &str) -> Option<&'static str> {
    K::BUILTINS
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|(_, text)| *text)
}

fn builtin_path<K: LayerKind>(name: &str) -> PathBuf {
    PathBuf::from(format!("(built-in) {}/{name}.yaml", K::DIR))
}

fn parse<F: DeserializeOwned + Default>(text: &str, path: &Path) -> Result<F, ConfigWarning> {
    // An empty file (or only comments) parses as `None`: an empty layer.
    let file: Option<F> = serde_saphyr::from_str(text)
        .map_err(|error| ConfigWarning::from_yaml_error(path, &error))?;
    Ok(file.unwrap_or_default())
}

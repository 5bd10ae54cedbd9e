//! Keymaps: which key does what, per context, each binding with the
//! description the help screen shows.
//!
//! ```yaml
//! name: default
//! inherits: default          # optional
//! global:
//!   - {keys: [q, ctrl-c], action: quit, description: "Quit"}
//! list:
//!   - {keys: [j, down], action: move_down, description: "Move down"}
//!   - {keys: [x], action: none}          # unbind x in this context
//! ```
//!
//! Layering (see `layers.rs`): the inherited keymap, the built-in
//! `keymaps/NAME.yaml`, then the user's `CONFIG_DIR/keymaps/NAME.yaml`. An
//! entry for an action replaces that action's keys in its context (keeping
//! its place in the help list and, when the entry has none, its
//! description); the keys it takes are removed from other actions in that
//! context. A user file that cannot be used is dropped as a whole, with one
//! warning.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crossterm::event::{KeyEvent, KeyEventKind};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::action::KeyAction;
use super::keys::KeyBinding;
use super::layers::{LayerKind, LayeredLoader};
use super::warning::{ConfigWarning, quoted};

/// Built-in keymaps, embedded in the binary.
pub const BUILTIN_KEYMAPS: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.yaml")),
    ("emacs", include_str!("../../keymaps/emacs.yaml")),
];

pub const DEFAULT_KEYMAP: &str = "default";

/// The action name that removes keys instead of binding them.
const UNBIND: &str = "none";

/// Where a key is pressed. Contexts other than `Global` fall back to
/// `Global` for keys they do not bind, except that in text inputs (`Filter`,
/// `Input`) printable keys are typed rather than looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyContext {
    Global,
    /// The tenants list.
    List,
    /// A tenant's detail tabs.
    Detail,
    /// The `/` filter and `:` jump prompt.
    Filter,
    /// Form fields (create tenant, edit quota, template parameters).
    Input,
    /// The help screen.
    Help,
    /// The preview of a write, its refusal or its report.
    Confirm,
    /// A short list to choose from (`v`'s owners).
    Picker,
}

impl KeyContext {
    pub const ALL: [KeyContext; 8] = [
        KeyContext::Global,
        KeyContext::List,
        KeyContext::Detail,
        KeyContext::Filter,
        KeyContext::Input,
        KeyContext::Help,
        KeyContext::Confirm,
        KeyContext::Picker,
    ];

    /// The name used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::List => "list",
            KeyContext::Detail => "detail",
            KeyContext::Filter => "filter",
            KeyContext::Input => "input",
            KeyContext::Help => "help",
            KeyContext::Confirm => "confirm",
            KeyContext::Picker => "picker",
        }
    }

    /// Whether printable keys are typed into a text field here.
    pub fn is_text_input(self) -> bool {
        matches!(self, KeyContext::Filter | KeyContext::Input)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for KeyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Keys bound to one action, with what the help screen says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeyBinding>,
    pub action: KeyAction,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    pub name: String,
    contexts: [Vec<Binding>; KeyContext::ALL.len()],
}

impl Keymap {
    /// A built-in keymap without any user layer.
    pub fn builtin(name: &str) -> Option<Keymap> {
        LayeredLoader::<KeymapKind>::new(None)
            .resolve(name)
            .map(|contexts| Keymap {
                name: name.to_string(),
                contexts: contexts.0,
            })
    }

    /// The action for a key pressed in `context`, falling back to `global`
    /// (not for printable keys in text inputs). Key releases map to nothing.
    pub fn lookup(&self, context: KeyContext, event: &KeyEvent) -> Option<KeyAction> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = KeyBinding::from_event(event);
        self.find(context, key).or_else(|| {
            let typed = context.is_text_input() && key.is_text();
            if context == KeyContext::Global || typed {
                None
            } else {
                self.find(KeyContext::Global, key)
            }
        })
    }

    /// Whether `key`, pressed in `context`, is looked up in `global`: the
    /// context does not bind it, and it is not text typed there.
    pub fn falls_back_to_global(&self, context: KeyContext, key: KeyBinding) -> bool {
        let typed = context.is_text_input() && key.is_text();
        context != KeyContext::Global && self.find(context, key).is_none() && !typed
    }

    fn find(&self, context: KeyContext, key: KeyBinding) -> Option<KeyAction> {
        self.bindings(context)
            .iter()
            .find(|binding| binding.keys.contains(&key))
            .map(|binding| binding.action)
    }

    /// The bindings of one context, in file order.
    pub fn bindings(&self, context: KeyContext) -> &[Binding] {
        &self.contexts[context.index()]
    }

    /// (keys, description) rows for the help screen, e.g.
    /// `("j, down", "Move down")`, for one context (not including `global`).
    pub fn help_entries(&self, context: KeyContext) -> Vec<(String, String)> {
        self.bindings(context)
            .iter()
            .map(|binding| {
                let keys = binding
                    .keys
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                (keys, binding.description.clone())
            })
            .collect()
    }

    /// The keys for `action` in `context` (or `global`), for hints such as
    /// "? help" in a status line.
    pub fn keys_for(&self, context: KeyContext, action: KeyAction) -> Vec<KeyBinding> {
        [context, KeyContext::Global]
            .into_iter()
            .flat_map(|context| self.bindings(context))
            .find(|binding| binding.action == action)
            .map(|binding| binding.keys.clone())
            .unwrap_or_default()
    }
}

/// Load the keymap `requested` (or `default`). A missing or unusable keymap
/// falls back to `default` with a warning. `config_dir` holds user keymaps
/// under `keymaps/`; `None` means built-ins only.
pub fn load_keymap(
    config_dir: Option<&Path>,
    requested: Option<&str>,
) -> (Keymap, Vec<ConfigWarning>) {
    let mut loader = LayeredLoader::<KeymapKind>::new(config_dir);
    let name = requested.unwrap_or(DEFAULT_KEYMAP);
    let (keymap, mut ignored) = loader
        .load(name, DEFAULT_KEYMAP)
        .map(|(name, resolved)| {
            (
                Keymap {
                    name,
                    contexts: resolved.0,
                },
                resolved.1,
            )
        })
        .unwrap_or_default();
    let mut warnings = loader.warnings;
    ignored.dedup();
    warnings.extend(ignored);
    (keymap, warnings)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeymapFile {
    #[allow(dead_code)] // informative only; the file name is the keymap's name
    name: Option<String>,
    inherits: Option<Spanned<String>>,
    global: Option<Vec<EntryFile>>,
    list: Option<Vec<EntryFile>>,
    detail: Option<Vec<EntryFile>>,
    filter: Option<Vec<EntryFile>>,
    input: Option<Vec<EntryFile>>,
    help: Option<Vec<EntryFile>>,
    confirm: Option<Vec<EntryFile>>,
    picker: Option<Vec<EntryFile>>,
}

impl KeymapFile {
    fn context(&self, context: KeyContext) -> &[EntryFile] {
        let entries = match context {
            KeyContext::Global => &self.global,
            KeyContext::List => &self.list,
            KeyContext::Detail => &self.detail,
            KeyContext::Filter => &self.filter,
            KeyContext::Input => &self.input,
            KeyContext::Help => &self.help,
            KeyContext::Confirm => &self.confirm,
            KeyContext::Picker => &self.picker,
        };
        entries.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    keys: Spanned<Vec<Spanned<String>>>,
    action: Spanned<String>,
    description: Option<String>,
}

/// One entry after validation; `action == None` unbinds its keys.
struct Entry {
    keys: Vec<KeyBinding>,
    action: Option<KeyAction>,
    description: Option<String>,
    /// Where the action is named, for warnings.
    at: Option<serde_saphyr::Location>,
}

/// The bindings of each context, and the warnings about entries that were
/// left out (an action its context does not handle).
#[derive(Debug, Clone, Default)]
pub(crate) struct ResolvedKeymap([Vec<Binding>; KeyContext::ALL.len()], Vec<ConfigWarning>);

pub(crate) struct KeymapKind;

impl LayerKind for KeymapKind {
    type File = KeymapFile;
    type Resolved = ResolvedKeymap;
    const DIR: &'static str = "keymaps";
    const NOUN: &'static str = "keymap";
    const BUILTINS: &'static [(&'static str, &'static str)] = BUILTIN_KEYMAPS;

    fn inherits(file: &KeymapFile) -> Option<&Spanned<String>> {
        file.inherits.as_ref()
    }

    fn apply(
        resolved: &mut ResolvedKeymap,
        file: &KeymapFile,
        path: &Path,
    ) -> Result<(), ConfigWarning> {
        for context in KeyContext::ALL {
            let entries = validate(file.context(context), context, path)?;
            for entry in entries {
                // A binding that would do nothing where it is: named with
                // its file and line, and left out (the keys keep what the
                // layers below bound them to).
                if let (Some(action), Some(at)) = (entry.action, entry.at)
                    && !action.handled_in(context)
                {
                    resolved.1.push(
                        ConfigWarning::new(
                            path,
                            format!(
                                "action {} does nothing in {context}",
                                quoted(&action.name())
                            ),
                        )
                        .at(at)
                        .with_fallback("ignoring this binding"),
                    );
                    continue;
                }
                merge(&mut resolved.0[context.index()], entry);
            }
        }
        Ok(())
    }
}

/// Parse one context's entries, rejecting unknown actions, unparsable keys,
/// empty key lists and keys or actions given twice.
fn validate(
    entries: &[EntryFile],
    context: KeyContext,
    path: &Path,
) -> Result<Vec<Entry>, ConfigWarning> {
    let error =
        |problem: String, at: serde_saphyr::Location| ConfigWarning::new(path, problem).at(at);
    let mut seen_keys = HashSet::new();
    let mut seen_actions = HashSet::new();
    let mut parsed = Vec::with_capacity(entries.len());
    for entry in entries {
        let action = if entry.action.value == UNBIND {
            None
        } else {
            let action = KeyAction::from_str(&entry.action.value).map_err(|()| {
                error(
                    format!("unknown action {}", quoted(&entry.action.value)),
                    entry.action.referenced,
                )
            })?;
            if !seen_actions.insert(action) {
                return Err(error(
                    format!(
                        "action {} is listed twice in {context}",
                        quoted(&action.name())
                    ),
                    entry.action.referenced,
                ));
            }
            Some(action)
        };
        if entry.keys.value.is_empty() {
            return Err(error("no keys given".to_string(), entry.keys.referenced));
        }
        let mut keys = Vec::with_capacity(entry.keys.value.len());
        for text in &entry.keys.value {
            let key = KeyBinding::from_str(&text.value)
                .map_err(|problem| error(super::warning::one_line(&problem.0), text.referenced))?;
            if !seen_keys.insert(key) {
                return Err(error(
                    format!(
                        "key {} is bound twice in {context}",
                        quoted(&key.to_string())
                    ),
                    text.referenced,
                ));
            }
            keys.push(key);
        }
        parsed.push(Entry {
            keys,
            action,
            description: entry.description.clone(),
            at: Some(entry.action.referenced),
        });
    }
    Ok(parsed)
}

fn merge(bindings: &mut Vec<Binding>, entry: Entry) {
    for binding in bindings.iter_mut() {
        binding.keys.retain(|key| !entry.keys.contains(key));
    }
    if let Some(action) = entry.action {
        match bindings.iter_mut().find(|binding| binding.action == action) {
            Some(binding) => {
                binding.keys = entry.keys;
                if let Some(description) = entry.description {
                    binding.description = description;
                }
            }
            None => bindings.push(Binding {
                keys: entry.keys,
                action,
                description: entry
                    .description
                    .unwrap_or_else(|| action.default_description()),
            }),
        }
    }
    bindings.retain(|binding| !binding.keys.is_empty());
}

#[path = "keymap_contexts.rs"]
mod contexts;

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;

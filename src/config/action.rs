//! The actions a key can be bound to. The app layer maps these to its own
//! `Action`; the names here are what keymap files say.

use std::fmt;
use std::str::FromStr;

/// Highest tab number `tab_N` accepts: the tenant detail has six tabs
/// (`app::Tab::ALL`, whose tests check they agree); `tab_7` in a keymap
/// file would bind a key to nothing, so it is refused like any unknown
/// action.
pub const MAX_TAB: u8 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAction {
    MoveDown,
    MoveUp,
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    Top,
    Bottom,
    Open,
    Back,
    NextTab,
    PrevTab,
    /// Choose tab N (1-based, 1..=9).
    Tab(u8),
    Filter,
    Jump,
    CycleSort,
    ReverseSort,
    Help,
    Quit,
    Refresh,
    CreateTenant,
    EditQuota,
    ApplyTemplate,
    /// Accept the text being typed (filter, jump, form).
    Submit,
    /// Leave the text being typed without accepting it.
    Cancel,
    NextField,
    PrevField,
    /// Go ahead with the write previewed.
    Confirm,
    /// Retry a write taking over fields other managers own.
    Force,
    /// Open the tenant as one of its owners sees it (read-only); again:
    /// back to the user's own view.
    ViewAs,
    /// Copy what is selected to the clipboard (OSC 52).
    Copy,
    /// In a fleet: the open tenant in the next cluster that has it.
    NextCluster,
}

/// (file name, action, default description) for every action but `Tab(n)`.
const NAMED: &[(&str, KeyAction, &str)] = &[
    ("move_down", KeyAction::MoveDown, "Move down"),
    ("move_up", KeyAction::MoveUp, "Move up"),
    ("page_down", KeyAction::PageDown, "Page down"),
    ("page_up", KeyAction::PageUp, "Page up"),
    (
        "half_page_down",
        KeyAction::HalfPageDown,
        "Half a page down",
    ),
    ("half_page_up", KeyAction::HalfPageUp, "Half a page up"),
    ("top", KeyAction::Top, "Go to the first row"),
    ("bottom", KeyAction::Bottom, "Go to the last row"),
    ("open", KeyAction::Open, "Open the selected item"),
    ("back", KeyAction::Back, "Go back"),
    ("next_tab", KeyAction::NextTab, "Next tab"),
    ("prev_tab", KeyAction::PrevTab, "Previous tab"),
    ("filter", KeyAction::Filter, "Filter rows"),
    ("jump", KeyAction::Jump, "Jump to a tenant or namespace"),
    ("cycle_sort", KeyAction::CycleSort, "Cycle the sort column"),
    (
        "reverse_sort",
        KeyAction::ReverseSort,
        "Reverse the sort order",
    ),
    ("help", KeyAction::Help, "Show the keys"),
    ("quit", KeyAction::Quit, "Quit"),
    ("refresh", KeyAction::Refresh, "Refresh from the cluster"),
    ("create_tenant", KeyAction::CreateTenant, "Create a tenant"),
    ("edit_quota", KeyAction::EditQuota, "Edit the quota"),
    (
        "apply_template",
        KeyAction::ApplyTemplate,
        "Apply a template",
    ),
    ("submit", KeyAction::Submit, "Accept"),
    ("cancel", KeyAction::Cancel, "Cancel"),
    ("next_field", KeyAction::NextField, "Next field"),
    ("prev_field", KeyAction::PrevField, "Previous field"),
    (
        "confirm",
        KeyAction::Confirm,
        "Apply what the preview shows",
    ),
    (
        "force",
        KeyAction::Force,
        "Take over fields another manager owns",
    ),
    (
        "view_as",
        KeyAction::ViewAs,
        "See the tenant as its owner sees it",
    ),
    ("copy", KeyAction::Copy, "Copy what is selected"),
    (
        "next_cluster",
        KeyAction::NextCluster,
        "The tenant in the next cluster",
    ),
];

const TAB_PREFIX: &str = "tab_";

impl KeyAction {
    /// The name used in keymap files, e.g. `move_down`, `tab_3`.
    pub fn name(self) -> String {
        match self {
            KeyAction::Tab(n) => format!("{TAB_PREFIX}{n}"),
            other => NAMED
                .iter()
                .find(|(_, action, _)| *action == other)
                .map(|(name, _, _)| (*name).to_string())
                .unwrap_or_default(),
        }
    }

    /// A description for entries that do not give their own.
    pub fn default_description(self) -> String {
        match self {
            KeyAction::Tab(n) => format!("Show tab {n}"),
            other => NAMED
                .iter()
                .find(|(_, action, _)| *action == other)
                .map(|(_, _, description)| (*description).to_string())
                .unwrap_or_default(),
        }
    }

    /// Every action name a file may use (`tab_N` written once as `tab_1`..`tab_9`).
    pub fn names() -> impl Iterator<Item = String> {
        NAMED
            .iter()
            .map(|(name, _, _)| (*name).to_string())
            .chain(std::iter::once(format!("{TAB_PREFIX}1..{MAX_TAB}")))
    }
}

impl FromStr for KeyAction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(number) = s.strip_prefix(TAB_PREFIX) {
            return match number.parse::<u8>() {
                Ok(n) if (1..=MAX_TAB).contains(&n) => Ok(KeyAction::Tab(n)),
                _ => Err(()),
            };
        }
        NAMED
            .iter()
            .find(|(name, _, _)| *name == s)
            .map(|(_, action, _)| *action)
            .ok_or(())
    }
}

impl fmt::Display for KeyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (name, action, description) in NAMED {
            assert_eq!(name.parse::<KeyAction>(), Ok(*action));
            assert_eq!(action.name(), *name);
            assert!(!description.is_empty());
        }
        for n in 1..=MAX_TAB {
            let action = KeyAction::Tab(n);
            assert_eq!(action.name().parse::<KeyAction>(), Ok(action));
        }
    }

    #[test]
    fn bad_names() {
        for name in ["jump_to", "tab_0", "tab_7", "tab_10", "tab_", "Quit", ""] {
            assert_eq!(name.parse::<KeyAction>(), Err(()), "{name}");
        }
    }
}

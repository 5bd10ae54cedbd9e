//! Where each action does something: the registry the keymap loader checks
//! bindings against, and the help screen lists by. The reducer
//! (`app::update`) is what makes these true; a test there walks every
//! binding of every shipped keymap in every context and checks that it
//! changes the state.

use super::{KeyAction, KeyContext};

/// Contexts whose keys, when a context does not bind them, are looked up in
/// `global`.
const FALLS_BACK_TO_GLOBAL: [KeyContext; 7] = [
    KeyContext::List,
    KeyContext::Detail,
    KeyContext::Filter,
    KeyContext::Input,
    KeyContext::Help,
    KeyContext::Confirm,
    KeyContext::Picker,
];

impl KeyAction {
    /// Whether the console does something with this action in `context`.
    /// A `global` binding is usable when some context that falls back to
    /// `global` handles it; the help lists it only where it works.
    pub fn handled_in(self, context: KeyContext) -> bool {
        use KeyAction as A;
        use KeyContext as C;
        let moves = matches!(
            self,
            A::MoveDown
                | A::MoveUp
                | A::PageDown
                | A::PageUp
                | A::HalfPageDown
                | A::HalfPageUp
                | A::Top
                | A::Bottom
        );
        match context {
            C::Global => FALLS_BACK_TO_GLOBAL
                .into_iter()
                .any(|context| self.handled_in(context)),
            C::List => {
                moves
                    || matches!(
                        self,
                        A::Open
                            | A::Back
                            | A::Filter
                            | A::Jump
                            | A::CycleSort
                            | A::ReverseSort
                            | A::Help
                            | A::Quit
                            | A::Refresh
                            | A::CreateTenant
                            | A::EditQuota
                            | A::ApplyTemplate
                            | A::ViewAs
                            | A::Copy
                    )
            }
            // No row is selected in a tab (the keys scroll it), so `open`
            // has nothing to open there.
            C::Detail => {
                moves
                    || matches!(
                        self,
                        A::Back
                            | A::NextTab
                            | A::PrevTab
                            | A::Tab(_)
                            | A::Filter
                            | A::Jump
                            | A::CycleSort
                            | A::ReverseSort
                            | A::Help
                            | A::Quit
                            | A::Refresh
                            | A::CreateTenant
                            | A::EditQuota
                            | A::ApplyTemplate
                            | A::ViewAs
                            | A::Copy
                            | A::NextCluster
                    )
            }
            // The prompt keeps the view under it moving.
            C::Filter => {
                moves || matches!(self, A::Submit | A::Open | A::Cancel | A::Back | A::Quit)
            }
            C::Input => matches!(
                self,
                A::Submit
                    | A::Open
                    | A::Cancel
                    | A::Back
                    | A::NextField
                    | A::PrevField
                    | A::MoveDown
                    | A::MoveUp
            ),
            C::Help => moves || matches!(self, A::Back | A::Cancel | A::Help | A::Quit),
            C::Confirm => matches!(
                self,
                A::Confirm
                    | A::Force
                    | A::Submit
                    | A::Cancel
                    | A::Back
                    | A::Quit
                    | A::MoveDown
                    | A::MoveUp
                    | A::PageDown
                    | A::PageUp
            ),
            // A short list: moves pick, open or submit chooses, back or
            // cancel closes it.
            C::Picker => {
                moves || matches!(self, A::Open | A::Submit | A::Cancel | A::Back | A::Quit)
            }
        }
    }
}

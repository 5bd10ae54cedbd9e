//! Owners read from the cluster before a template binds them: the
//! subjects of the tenant's admin RoleBindings are written by the tenant's
//! own namespace admins, so each is checked as `--owner` is, and public
//! subjects (system:authenticated and the like) are never copied. An owner
//! that fails is left out of the render and named, with the binding it
//! came from and why.

use std::fmt;

use serde::Serialize;

use super::{owner_text, parse_owner};
use crate::model::checks::public_subjects::why_public;
use crate::model::inventory::Inventory;
use crate::model::projection::Subject;
use crate::model::tenant::Tenant;

/// Why `subject` may not be bound as an owner by a template, if it may
/// not: it must read back from its `user:NAME` form unchanged (no control
/// characters, no surrounding spaces, a known kind, a service account with
/// a valid namespace and name), and must not be a public subject.
pub fn owner_problem(subject: &Subject) -> Option<String> {
    if let Some(why) = why_public(subject) {
        return Some(format!(
            "a public subject ({why}); binding it would open the tenant to everyone"
        ));
    }
    if !matches!(subject.kind.as_str(), "User" | "Group" | "ServiceAccount") {
        return Some(format!(
            "kind {:?} is not an owner kind (User, Group or ServiceAccount)",
            subject.kind
        ));
    }
    if let Some(c) = subject.name.chars().find(|c| c.is_control()) {
        return Some(format!(
            "the name holds the control character {c:?} (a line break or the like): it could not be written as one name"
        ));
    }
    match parse_owner(&owner_text(subject)) {
        Err(e) => Some(e),
        Ok(parsed) if parsed != *subject => {
            Some("the name does not read back as itself (leading or trailing spaces?)".to_string())
        }
        Ok(_) => None,
    }
}

/// An owner left out of a render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedOwner {
    pub subject: Subject,
    /// "RoleBinding acme-dev/owner" (or the Capsule Tenant's spec.owners).
    pub from: String,
    pub why: String,
}

impl fmt::Display for SkippedOwner {
    /// One line: the name is quoted with escapes, so a line break in it
    /// shows as `\n` and cannot start a line of its own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "owner left out: {} {:?} from {}: {}",
            self.subject.kind, self.subject.name, self.from, self.why
        )
    }
}

/// The tenant's owners that a template may bind, and the others with
/// where they came from and why they are left out.
pub fn screen_owners(tenant: &Tenant, inventory: &Inventory) -> (Vec<Subject>, Vec<SkippedOwner>) {
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for owner in &tenant.owners {
        match owner_problem(owner) {
            None => kept.push(owner.clone()),
            Some(why) => skipped.push(SkippedOwner {
                subject: owner.clone(),
                from: owner_origin(owner, tenant, inventory),
                why,
            }),
        }
    }
    (kept, skipped)
}

/// The bindings in the tenant's namespaces that name `owner`.
fn owner_origin(owner: &Subject, tenant: &Tenant, inventory: &Inventory) -> String {
    let mut found: Vec<String> = Vec::new();
    for ns in &tenant.namespaces {
        for b in inventory.role_bindings_in(ns) {
            if b.subjects.contains(owner) {
                found.push(format!("RoleBinding {ns}/{}", b.name));
            }
        }
    }
    match found.len() {
        0 if tenant.source == "capsule" => format!("Capsule Tenant {} spec.owners", tenant.id),
        0 => format!("the owners of tenant {}", tenant.id),
        1..=3 => found.join(", "),
        n => format!("{} and {} more", found[..3].join(", "), n - 3),
    }
}

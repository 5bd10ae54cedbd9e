//! The names a template renders with: owners (`user:NAME`, …) and
//! DNS-1123 names of namespaces, tenants and objects, checked before use.

use crate::model::checks::public_subjects::why_public;
use crate::model::projection::Subject;

/// Who owns a tenant: `user:NAME`, `group:NAME` or
/// `serviceaccount:NAMESPACE:NAME`. Public subjects
/// (`group:system:authenticated` and the like) are refused: they would
/// make everyone an owner.
pub fn parse_owner(text: &str) -> Result<Subject, String> {
    let subject = parse_owner_syntax(text)?;
    match why_public(&subject) {
        Some(who) => Err(format!(
            "{text:?} is a public subject ({who}): it cannot own a tenant"
        )),
        None => Ok(subject),
    }
}

fn parse_owner_syntax(text: &str) -> Result<Subject, String> {
    let hint = "owners are user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME";
    let Some((kind, rest)) = text.split_once(':') else {
        return Err(format!("{text:?} is not an owner: {hint}"));
    };
    let rest = rest.trim();
    match kind.trim().to_ascii_lowercase().as_str() {
        "user" | "group" if !rest.is_empty() && !rest.chars().any(char::is_control) => {
            Ok(Subject {
                kind: if kind.eq_ignore_ascii_case("user") {
                    "User"
                } else {
                    "Group"
                }
                .into(),
                name: rest.to_string(),
                namespace: None,
            })
        }
        "user" | "group" => Err(format!("{text:?} names no {kind}: {hint}")),
        "serviceaccount" | "sa" => {
            let Some((ns, name)) = rest.split_once(':') else {
                return Err(format!(
                    "{text:?}: a service account owner is serviceaccount:NAMESPACE:NAME"
                ));
            };
            check_dns_label(ns, "the service account's namespace")?;
            check_dns_subdomain(name, "the service account's name")?;
            Ok(Subject {
                kind: "ServiceAccount".into(),
                name: name.to_string(),
                namespace: Some(ns.to_string()),
            })
        }
        other => Err(format!("{text:?}: unknown owner kind {other:?}; {hint}")),
    }
}

/// `user:alice`, the form [`parse_owner`] reads.
pub fn owner_text(owner: &Subject) -> String {
    match (owner.kind.as_str(), &owner.namespace) {
        ("ServiceAccount", Some(ns)) => format!("serviceaccount:{ns}:{}", owner.name),
        (kind, _) => format!("{}:{}", kind.to_ascii_lowercase(), owner.name),
    }
}

/// A DNS-1123 label (namespace and tenant names): at most 63 characters,
/// lower-case letters, digits and '-', starting and ending alphanumeric.
/// The error names the first bad character and its position.
pub fn check_dns_label(text: &str, what: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if text.len() > 63 {
        return Err(format!(
            "{what} {text:?} is {} characters long; at most 63",
            text.len()
        ));
    }
    for (i, c) in text.chars().enumerate() {
        let ok = c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !ok {
            return Err(format!(
                "{what} {text:?}: character {c:?} at position {} is not allowed; use lower-case letters, digits and '-'",
                i + 1
            ));
        }
    }
    if text.starts_with('-') || text.ends_with('-') {
        return Err(format!(
            "{what} {text:?} must start and end with a letter or digit"
        ));
    }
    Ok(())
}

/// A DNS-1123 subdomain (object names): labels separated by dots, at most
/// 253 characters.
pub fn check_dns_subdomain(text: &str, what: &str) -> Result<(), String> {
    if text.len() > 253 {
        return Err(format!("{what} is longer than 253 characters"));
    }
    for label in text.split('.') {
        check_dns_label(label, what)
            .map_err(|e| e.replace(&format!("{label:?}"), &format!("{text:?}")))?;
    }
    Ok(())
}

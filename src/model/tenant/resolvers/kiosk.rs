//! `kiosk`: the kiosk account of `kiosk.sh/account` names the tenant.

use super::label_value;
use crate::model::projection::NamespaceInfo;

pub const KIOSK_ACCOUNT_LABEL: &str = "kiosk.sh/account";

/// kiosk's default space role for account subjects.
pub(in crate::model::tenant) const OWNER_ROLES: &[&str] = &["admin", "kiosk-space-admin"];

pub(in crate::model::tenant) fn claim(ns: &NamespaceInfo) -> Option<String> {
    label_value(ns, KIOSK_ACCOUNT_LABEL)
}

#[cfg(test)]
mod tests {
    use crate::model::tenant::ResolverKind;
    use crate::model::tenant::tests::*;
    use serde_json::json;

    #[test]
    fn kiosk_resolver() {
        let nss = [
            labelled("johns-space", json!({"kiosk.sh/account": "johns-account"})),
            labelled(
                "johns-space-2",
                json!({"kiosk.sh/account": "johns-account"}),
            ),
        ];
        let bindings = [rb(
            "johns-space",
            "kiosk-space-admin",
            "kiosk-space-admin",
            json!([{"kind": "User", "name": "john"}]),
        )];
        let r = run(&nss, &[], &bindings, &ResolverKind::default_order());
        assert_eq!(
            ids(&r),
            vec![(
                "johns-account",
                "kiosk",
                vec!["johns-space", "johns-space-2"]
            )]
        );
        assert_eq!(r.tenants[0].owners, vec![user("john")]);
    }
}

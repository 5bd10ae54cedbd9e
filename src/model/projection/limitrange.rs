//! `LimitRange` → [`LimitRangeInfo`].

use k8s_openapi::api::core::v1::LimitRange;

use super::{name_of, namespace_of};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitRangeInfo {
    pub namespace: String,
    pub name: String,
    pub has_container_default: bool,
    pub has_container_default_request: bool,
}

impl LimitRangeInfo {
    pub fn from_limit_range(lr: &LimitRange) -> Self {
        let items = lr
            .spec
            .as_ref()
            .map(|s| s.limits.as_slice())
            .unwrap_or_default();
        let containers = || items.iter().filter(|i| i.type_ == "Container");
        LimitRangeInfo {
            namespace: namespace_of(&lr.metadata),
            name: name_of(&lr.metadata),
            has_container_default: containers()
                .any(|i| i.default.as_ref().is_some_and(|m| !m.is_empty())),
            has_container_default_request: containers()
                .any(|i| i.default_request.as_ref().is_some_and(|m| !m.is_empty())),
        }
    }
}

impl From<&LimitRange> for LimitRangeInfo {
    fn from(lr: &LimitRange) -> Self {
        Self::from_limit_range(lr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limit_range_projection() {
        let lr: LimitRange = serde_json::from_value(json!({
            "metadata": {"name": "defaults", "namespace": "acme"},
            "spec": {"limits": [
                {"type": "Pod", "max": {"cpu": "4"}},
                {"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}
            ]}
        }))
        .unwrap();
        let info = LimitRangeInfo::from(&lr);
        assert!(info.has_container_default && info.has_container_default_request);
        let pod_only: LimitRange = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "acme"},
            "spec": {"limits": [{"type": "Pod", "default": {"cpu": "1"}}]}
        }))
        .unwrap();
        let info = LimitRangeInfo::from(&pod_only);
        assert!(!info.has_container_default && !info.has_container_default_request);
    }
}

//! Label selectors, summarised and matched ([`SelectorSummary`]).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorExpression {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// A label selector, kept whole because the cross-tenant check evaluates
/// namespace selectors against namespace labels.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SelectorSummary {
    pub match_labels: BTreeMap<String, String>,
    pub expressions: Vec<SelectorExpression>,
}

impl SelectorSummary {
    pub fn from_selector(sel: &LabelSelector) -> Self {
        SelectorSummary {
            match_labels: sel.match_labels.clone().unwrap_or_default(),
            expressions: sel
                .match_expressions
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|e| SelectorExpression {
                    key: e.key.clone(),
                    operator: e.operator.clone(),
                    values: e.values.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// An empty selector matches everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Label selector semantics of apimachinery; an unknown operator matches
    /// nothing, as the API server would have rejected it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_with(|k| labels.get(k).map(String::as_str))
    }

    /// [`Self::matches`] over any label lookup (pods keep theirs in a Vec).
    pub fn matches_with<'l>(&self, label: impl Fn(&str) -> Option<&'l str>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| label(k) == Some(v.as_str()))
            && self.expressions.iter().all(|e| {
                let value = label(&e.key);
                match e.operator.as_str() {
                    "In" => value.is_some_and(|v| e.values.iter().any(|x| x == v)),
                    "NotIn" => value.is_none_or(|v| !e.values.iter().any(|x| x == v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }

    /// One-line form for tables, e.g. `team=a,env in (dev,prod),!legacy`.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "{} (all)".to_string();
        }
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for e in &self.expressions {
            parts.push(match e.operator.as_str() {
                "Exists" => e.key.clone(),
                "DoesNotExist" => format!("!{}", e.key),
                "In" => format!("{} in ({})", e.key, e.values.join(",")),
                "NotIn" => format!("{} notin ({})", e.key, e.values.join(",")),
                other => format!("{} {other} ({})", e.key, e.values.join(",")),
            });
        }
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selector_matching() {
        let sel: LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"team": "a"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["dev", "prod"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "owner", "operator": "Exists"}
            ]
        }))
        .unwrap();
        let s = SelectorSummary::from_selector(&sel);
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(s.matches(&labels(&[("team", "a"), ("env", "dev"), ("owner", "x")])));
        assert!(!s.matches(&labels(&[
            ("team", "a"),
            ("env", "dev"),
            ("owner", "x"),
            ("legacy", "1")
        ])));
        assert!(!s.matches(&labels(&[("team", "a"), ("env", "qa"), ("owner", "x")])));
        assert!(!s.matches(&labels(&[
            ("team", "a"),
            ("env", "dev"),
            ("owner", "x"),
            ("tier", "db")
        ])));
        assert!(!s.matches(&labels(&[("team", "a"), ("env", "dev")])));
        assert_eq!(
            s.summary(),
            "team=a,env in (dev,prod),!legacy,tier notin (db),owner"
        );
        assert!(SelectorSummary::default().matches(&BTreeMap::new()));
    }
}

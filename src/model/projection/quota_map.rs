//! Reading quota maps (`hard`, `used`, Kueue amounts) out of custom
//! resources, which arrive as JSON: what tenantry reads from HNC, OpenShift
//! and Kueue objects goes through here, so an odd value is kept visible as
//! invalid (with why) instead of dropped, and never panics.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{InvalidQuantity, QuotaField, SelectorSummary};
use crate::model::quantity::{Quantity, parse_quantity};

/// What JSON value this is, in running text.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// One quantity (int-or-string in these schemas: `10` and `"10"` count).
pub(crate) fn quantity_of(
    value: &Value,
) -> Result<Quantity, (String, crate::model::quantity::QuantityError)> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    parse_quantity(&text).map_err(|e| (text, e))
}

/// A `resource: quantity` map at `value`; values that do not parse go to
/// `invalid`, a value that is not a map counts as empty (and `None` is
/// returned when nothing is there at all).
pub(crate) fn quantity_map(
    value: Option<&Value>,
    field: QuotaField,
    invalid: &mut Vec<InvalidQuantity>,
) -> Option<BTreeMap<String, Quantity>> {
    let map = value?.as_object()?;
    let mut out = BTreeMap::new();
    for (resource, raw) in map {
        match quantity_of(raw) {
            Ok(q) => {
                out.insert(resource.clone(), q);
            }
            Err((raw, error)) => invalid.push(InvalidQuantity {
                field,
                resource: resource.clone(),
                raw,
                error,
            }),
        }
    }
    Some(out)
}

/// A label selector written as JSON; `Err` says what is wrong with it.
pub(crate) fn selector_of(value: &Value) -> Result<SelectorSummary, String> {
    serde_json::from_value::<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>(
        value.clone(),
    )
    .map(|s| SelectorSummary::from_selector(&s))
    .map_err(|e| format!("not a label selector ({e})"))
}

/// A non-negative count (Kueue's workload counts), `None` when missing or odd.
pub(crate) fn count_of(value: Option<&Value>) -> Option<u64> {
    value?.as_u64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_quantities_are_kept_as_invalid() {
        let mut invalid = Vec::new();
        let map = quantity_map(
            Some(&json!({"cpu": "1e3", "pods": 10, "memory": "lots", "gpu": null, "x": [1]})),
            QuotaField::SpecHard,
            &mut invalid,
        )
        .unwrap();
        assert_eq!(map["cpu"], Quantity::from_units(1000));
        assert_eq!(map["pods"], Quantity::from_units(10));
        assert_eq!(map.len(), 2);
        let bad: Vec<&str> = invalid.iter().map(|i| i.resource.as_str()).collect();
        assert_eq!(bad, vec!["gpu", "memory", "x"]);
        assert!(quantity_map(Some(&json!("cpu=1")), QuotaField::SpecHard, &mut invalid).is_none());
        assert!(quantity_map(None, QuotaField::SpecHard, &mut invalid).is_none());
    }

    #[test]
    fn selectors_and_counts() {
        assert!(selector_of(&json!({})).unwrap().is_empty());
        let s = selector_of(&json!({"matchLabels": {"team": "a"}})).unwrap();
        assert_eq!(s.match_labels["team"], "a");
        assert!(selector_of(&json!({"matchLabels": ["team"]})).is_err());
        assert_eq!(count_of(Some(&json!(3))), Some(3));
        assert_eq!(count_of(Some(&json!(-1))), None);
        assert_eq!(count_of(Some(&json!("3"))), None);
    }
}

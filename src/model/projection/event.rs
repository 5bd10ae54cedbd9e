//! `Event` (core/v1) → [`RefusalEvent`]: only the events that say admission
//! refused a workload's pod on a quota or a LimitRange, parsed into what the
//! Quota tab shows. The watch asks the API server for `FailedCreate`
//! warnings only (`kube/watch.rs`), and this projection keeps a few fields
//! of those, so the inventory holds no whole event and no unrelated one.
//!
//! Messages come from the cluster and may be anything: the parser never
//! panics, reads quantities with `model/quantity.rs`, and keeps a message it
//! cannot read whole (bounded) for the views to show through the sanitizer.

use k8s_openapi::api::core::v1::Event;

use super::{name_of, namespace_of};
use crate::model::quantity::{Quantity, parse_quantity};

/// The longest message kept when it cannot be parsed; longer ones are cut
/// (on a character boundary) and marked with "…".
pub const MAX_MESSAGE: usize = 600;

/// What refused the pod, as read from the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefusalCause {
    /// `exceeded quota: NAME, requested: …, used: …, limited: …`
    Quota {
        quota: String,
        shortfalls: Vec<Shortfall>,
    },
    /// `failed quota: NAME: must specify …`: the pod lacks a request or
    /// limit the quota counts.
    QuotaMissing {
        quota: String,
        resources: Vec<String>,
    },
    /// `maximum cpu usage per Container is 1, but limit is 2` and kin.
    LimitRange { violations: Vec<LimitViolation> },
    /// A quota or LimitRange refusal in words tenantry does not know: the
    /// message, whole up to [`MAX_MESSAGE`].
    Unparsed { message: String },
    /// Not a quota or LimitRange refusal (a webhook, Pod Security, a missing
    /// ServiceAccount…): the inventory does not keep it.
    Other,
}

/// One resource of a quota refusal. Quantities that did not parse are
/// `None` (the raw text stays in `raw` for display).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortfall {
    pub resource: String,
    pub requested: Option<Quantity>,
    pub used: Option<Quantity>,
    pub limited: Option<Quantity>,
    /// `requested/used/limited` as the message wrote them.
    pub raw: [String; 3],
}

impl Shortfall {
    /// `limited - used`, never below zero; `None` when either is unknown.
    pub fn remaining(&self) -> Option<Quantity> {
        let (used, limited) = (self.used.as_ref()?, self.limited.as_ref()?);
        let left = limited.checked_sub(used)?;
        Some(if left.is_negative() {
            Quantity::from_nanos(0, limited.format())
        } else {
            left
        })
    }
}

/// One LimitRange rule the pod broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitViolation {
    /// `maximum`, `minimum` or `max limit/request ratio`.
    pub bound: String,
    pub resource: String,
    /// `Container`, `Pod` or `PersistentVolumeClaim`.
    pub per: String,
    /// What the LimitRange allows, as written.
    pub allowed: String,
    /// What the pod asked for (`limit 2`, `request 32Mi`, `ratio 4.000000`).
    pub actual: String,
}

/// A projected refusal event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalEvent {
    pub namespace: String,
    /// The event's own name (its key in the inventory).
    pub name: String,
    /// The refused workload (`involvedObject`): kind and name.
    pub workload_kind: String,
    pub workload: String,
    pub count: u32,
    /// Unix seconds of the last occurrence, when the event says.
    pub last: Option<i64>,
    pub cause: RefusalCause,
}

impl RefusalEvent {
    pub fn from_event(event: &Event) -> Self {
        let involved = &event.involved_object;
        let series = event.series.as_ref();
        let last = series
            .and_then(|s| s.last_observed_time.as_ref())
            .map(|t| t.0.as_second())
            .or_else(|| event.last_timestamp.as_ref().map(|t| t.0.as_second()))
            .or_else(|| event.event_time.as_ref().map(|t| t.0.as_second()))
            .or_else(|| {
                event
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.as_second())
            });
        let count = series
            .and_then(|s| s.count)
            .or(event.count)
            .and_then(|c| u32::try_from(c).ok())
            .unwrap_or(1)
            .max(1);
        let refusal = event.reason.as_deref() == Some("FailedCreate");
        RefusalEvent {
            // The refused object lives in the event's namespace.
            namespace: namespace_of(&event.metadata),
            name: name_of(&event.metadata),
            workload_kind: involved.kind.clone().unwrap_or_default(),
            workload: involved.name.clone().unwrap_or_default(),
            count,
            last,
            cause: if refusal {
                parse_refusal(event.message.as_deref().unwrap_or_default())
            } else {
                RefusalCause::Other
            },
        }
    }
}

/// Reads a controller's `FailedCreate` message.
pub fn parse_refusal(message: &str) -> RefusalCause {
    let mentions_quota = message.contains("exceeded quota") || message.contains("failed quota");
    let mentions_limits = LIMIT_MARKERS.iter().any(|m| message.contains(m));
    if !mentions_quota && !mentions_limits {
        return RefusalCause::Other;
    }
    let parsed = if let Some(rest) = after(message, "exceeded quota: ") {
        parse_exceeded(rest)
    } else if let Some(rest) = after(message, "failed quota: ") {
        parse_missing(rest)
    } else {
        parse_limits(message)
    };
    parsed.unwrap_or_else(|| RefusalCause::Unparsed {
        message: bounded(message),
    })
}

const LIMIT_MARKERS: [&str; 3] = [
    " usage per ",
    " ratio per ",
    "must be less than or equal to",
];

fn after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    text.find(marker).map(|i| &text[i + marker.len()..])
}

pub(super) fn bounded(message: &str) -> String {
    if message.len() <= MAX_MESSAGE {
        return message.to_string();
    }
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

/// `compute, requested: requests.cpu=500m, used: requests.cpu=2, limited: requests.cpu=2`
fn parse_exceeded(rest: &str) -> Option<RefusalCause> {
    let (quota, rest) = rest.split_once(", requested: ")?;
    let (requested, rest) = rest.split_once(", used: ")?;
    let (used, limited) = rest.split_once(", limited: ")?;
    let quota = quota.trim();
    if !is_word(quota) {
        return None;
    }
    let requested = pairs(requested)?;
    let used = pairs(used)?;
    let limited = pairs(limited.trim_end_matches(['.', ' ', '\n']))?;
    let shortfalls: Vec<Shortfall> = requested
        .iter()
        .map(|(resource, req)| {
            let find = |list: &[(String, String)]| {
                list.iter()
                    .find(|(r, _)| r == resource)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let (used, limited) = (find(&used), find(&limited));
            Shortfall {
                resource: resource.clone(),
                requested: parse_quantity(req).ok(),
                used: parse_quantity(&used).ok(),
                limited: parse_quantity(&limited).ok(),
                raw: [req.clone(), used, limited],
            }
        })
        .collect();
    if shortfalls.is_empty() {
        return None;
    }
    Some(RefusalCause::Quota {
        quota: quota.to_string(),
        shortfalls,
    })
}

/// A name or value as Kubernetes writes them: printable ASCII, no spaces.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic())
}

/// `requests.cpu=500m,requests.memory=1Gi` (sorted by the API server).
fn pairs(list: &str) -> Option<Vec<(String, String)>> {
    list.split(',')
        .map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (is_word(k) && is_word(v)).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// `compute: must specify limits.cpu for: app; requests.cpu for: app`
/// (older servers: `must specify limits.cpu,requests.cpu`).
fn parse_missing(rest: &str) -> Option<RefusalCause> {
    let (quota, rest) = rest.split_once(": must specify ")?;
    let quota = quota.trim();
    if !is_word(quota) {
        return None;
    }
    let mut resources = Vec::new();
    for part in rest.split(';') {
        let names = part.split(" for:").next().unwrap_or_default();
        for name in names.split(',') {
            let name = name.trim();
            if !is_word(name) {
                return None;
            }
            resources.push(name.to_string());
        }
    }
    (!resources.is_empty()).then(|| RefusalCause::QuotaMissing {
        quota: quota.to_string(),
        resources,
    })
}

/// `pods "x" is forbidden: [maximum cpu usage per Container is 1, but limit
/// is 2, minimum memory usage per Container is 64Mi, but request is 32Mi]`
fn parse_limits(message: &str) -> Option<RefusalCause> {
    let body = after(message, "forbidden: ").unwrap_or(message);
    let body = body.trim().trim_start_matches('[').trim_end_matches(']');
    let mut violations = Vec::new();
    let mut rest = body;
    while !rest.trim().is_empty() {
        let (violation, next) = limit_item(rest.trim_start_matches([',', ' ']))?;
        violations.push(violation);
        rest = next;
    }
    (!violations.is_empty()).then_some(RefusalCause::LimitRange { violations })
}

/// One `… is A, but B is C` item and what follows it.
fn limit_item(text: &str) -> Option<(LimitViolation, &str)> {
    let (head, tail) = text.split_once(" is ")?;
    let (allowed, tail) = tail.split_once(", but ")?;
    let (what, tail) = tail.split_once(" is ")?;
    // The value ends at the next ", " (another item) or the end.
    let (value, next) = match tail.find(", ") {
        Some(i) => (&tail[..i], &tail[i..]),
        None => (tail, ""),
    };
    let (bound, resource, per) = limit_head(head)?;
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic());
    if !word(allowed) || !word(value) || !word(&resource) || !word(&per) {
        return None;
    }
    Some((
        LimitViolation {
            bound,
            resource,
            per,
            allowed: allowed.to_string(),
            actual: format!("{} {value}", what.trim_start_matches("provided ")),
        },
        next,
    ))
}

/// `maximum cpu usage per Container` → (maximum, cpu, Container);
/// `cpu max limit to request ratio per Container` → (max limit/request
/// ratio, cpu, Container).
fn limit_head(head: &str) -> Option<(String, String, String)> {
    if let Some((left, per)) = head.split_once(" usage per ") {
        let (bound, resource) = left.split_once(' ')?;
        if bound != "maximum" && bound != "minimum" {
            return None;
        }
        return Some((bound.to_string(), resource.to_string(), per.to_string()));
    }
    let (left, per) = head.split_once(" ratio per ")?;
    let resource = left.strip_suffix(" max limit to request")?;
    Some((
        "max limit/request ratio".to_string(),
        resource.to_string(),
        per.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(s: &str) -> Option<Quantity> {
        parse_quantity(s).ok()
    }

    #[test]
    fn exceeded_quota_with_two_resources() {
        let cause = parse_refusal(
            "Error creating: pods \"web-5d8-x2k8z\" is forbidden: exceeded quota: compute, \
             requested: limits.cpu=1,requests.cpu=500m, used: limits.cpu=2,requests.cpu=1500m, \
             limited: limits.cpu=2,requests.cpu=2",
        );
        let RefusalCause::Quota { quota, shortfalls } = cause else {
            panic!("{cause:?}");
        };
        assert_eq!(quota, "compute");
        assert_eq!(shortfalls.len(), 2);
        assert_eq!(shortfalls[0].resource, "limits.cpu");
        assert_eq!(shortfalls[0].remaining(), q("0"));
        assert_eq!(shortfalls[1].requested, q("500m"));
        assert_eq!(shortfalls[1].remaining(), q("500m"));
    }

    #[test]
    fn extended_and_storage_class_resources_parse() {
        let cause = parse_refusal(
            "exceeded quota: gpus, requested: requests.nvidia.com/gpu=2, \
             used: requests.nvidia.com/gpu=3, limited: requests.nvidia.com/gpu=4",
        );
        let RefusalCause::Quota { shortfalls, .. } = cause else {
            panic!("{cause:?}");
        };
        assert_eq!(shortfalls[0].resource, "requests.nvidia.com/gpu");
        assert_eq!(shortfalls[0].remaining(), q("1"));
    }

    #[test]
    fn used_above_limit_leaves_nothing_not_a_negative() {
        let cause =
            parse_refusal("exceeded quota: q, requested: pods=1, used: pods=5, limited: pods=3");
        let RefusalCause::Quota { shortfalls, .. } = cause else {
            panic!("{cause:?}");
        };
        assert_eq!(shortfalls[0].remaining(), q("0"));
    }

    #[test]
    fn missing_requests_old_and_new_forms() {
        for message in [
            "pods \"a\" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app,side",
            "pods \"a\" is forbidden: failed quota: compute: must specify limits.cpu,requests.cpu",
        ] {
            assert_eq!(
                parse_refusal(message),
                RefusalCause::QuotaMissing {
                    quota: "compute".into(),
                    resources: vec!["limits.cpu".into(), "requests.cpu".into()],
                },
                "{message}"
            );
        }
    }

    #[test]
    fn limit_range_items_one_or_many() {
        let one = parse_refusal(
            "Error creating: pods \"w-1\" is forbidden: maximum cpu usage per Container is 1, but limit is 2",
        );
        assert_eq!(
            one,
            RefusalCause::LimitRange {
                violations: vec![LimitViolation {
                    bound: "maximum".into(),
                    resource: "cpu".into(),
                    per: "Container".into(),
                    allowed: "1".into(),
                    actual: "limit 2".into(),
                }]
            }
        );
        let many = parse_refusal(
            "pods \"w\" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, \
             minimum memory usage per Pod is 64Mi, but request is 32Mi, \
             cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000]",
        );
        let RefusalCause::LimitRange { violations } = many else {
            panic!("{many:?}");
        };
        assert_eq!(violations.len(), 3);
        assert_eq!(violations[1].per, "Pod");
        assert_eq!(violations[1].actual, "request 32Mi");
        assert_eq!(violations[2].bound, "max limit/request ratio");
        assert_eq!(violations[2].actual, "ratio 4.000000");
    }

    #[test]
    fn odd_and_hostile_messages_are_kept_whole_or_dropped() {
        // About quotas, but not in the known words: kept whole.
        for message in [
            "exceeded quota: compute",
            "exceeded quota: , requested: a=1, used: a=1, limited: a=1",
            "exceeded quota: x y, requested: a=1, used: a=1, limited: a=1",
            "exceeded quota: q, requested: =1, used: a=1, limited: a=1",
            "failed quota: q: must specify ",
            "maximum cpu usage per Container is \u{1b}[31m1, but limit is 2",
            "maximum cpu usage per Container is 1, but limit is",
        ] {
            assert_eq!(
                parse_refusal(message),
                RefusalCause::Unparsed {
                    message: message.to_string()
                },
                "{message:?}"
            );
        }
        // Nothing about quotas or limits: not a refusal tenantry reports.
        assert_eq!(
            parse_refusal("pods \"a\" is forbidden: violates PodSecurity \"restricted\""),
            RefusalCause::Other
        );
        assert_eq!(parse_refusal(""), RefusalCause::Other);
        // Quantities that do not parse stay as text, never a panic.
        let RefusalCause::Quota { shortfalls, .. } = parse_refusal(
            "exceeded quota: q, requested: cpu=1e999999, used: cpu=NaN, limited: cpu=2",
        ) else {
            panic!("a quota refusal");
        };
        assert_eq!(shortfalls[0].requested, None);
        assert_eq!(shortfalls[0].remaining(), None);
        assert_eq!(shortfalls[0].raw[0], "1e999999");
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let message = format!("exceeded quota: {}", "é".repeat(MAX_MESSAGE));
        let RefusalCause::Unparsed { message: kept } = parse_refusal(&message) else {
            panic!("unparsed");
        };
        assert!(kept.len() <= MAX_MESSAGE + '…'.len_utf8());
        assert!(kept.ends_with('…'));
    }

    #[test]
    fn projection_reads_count_time_and_workload() {
        let event: Event = serde_json::from_value(json!({
            "metadata": {"name": "web-5d8.17a", "namespace": "acme-prod",
                          "creationTimestamp": "2026-12-01T10:00:00Z"},
            "involvedObject": {"kind": "ReplicaSet", "name": "web-5d8", "namespace": "acme-prod"},
            "reason": "FailedCreate",
            "type": "Warning",
            "count": 7,
            "lastTimestamp": "2026-12-01T10:05:00Z",
            "message": "Error creating: pods \"web-5d8-a\" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=2, limited: requests.cpu=2"
        }))
        .unwrap();
        let info = RefusalEvent::from_event(&event);
        assert_eq!(info.workload_kind, "ReplicaSet");
        assert_eq!(info.workload, "web-5d8");
        assert_eq!(info.count, 7);
        assert_eq!(info.last, Some(1_796_119_500));
        assert!(matches!(info.cause, RefusalCause::Quota { .. }));
        // Another reason is not a refusal, whatever its message says.
        let other: Event = serde_json::from_value(json!({
            "metadata": {"name": "e", "namespace": "n"},
            "involvedObject": {},
            "reason": "SuccessfulCreate",
            "message": "exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1"
        }))
        .unwrap();
        let info = RefusalEvent::from_event(&other);
        assert_eq!(info.cause, RefusalCause::Other);
        assert_eq!(info.count, 1);
        assert_eq!(info.last, None);
    }
}

//! The sandbox API server's audit log: every request at the Metadata level
//! (who, verb, resource, user agent; no bodies) in `logs/api-audit.log`,
//! so that tests can count what tenantry sent, and anyone can see it.
//! Requests of the control plane's own components are left out.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// The policy: nothing from the controller manager (its own user, and the
/// ServiceAccounts it runs its controllers as) or the API server itself;
/// everything else at Metadata, once it is answered.
const POLICY: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: [\"system:kube-controller-manager\", \"system:apiserver\"]
  - level: None
    userGroups: [\"system:serviceaccounts:kube-system\"]
  - level: Metadata
";

const POLICY_FILE: &str = "audit-policy.yaml";

/// The audit log of the sandbox in `dir`.
pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("logs").join("api-audit.log")
}

/// The audit log's size before it is rotated (one old file is kept): a
/// tier-M seed writes tens of thousands of events.
pub const MAX_SIZE_MB: u32 = 256;

/// Writes the policy into `dir` and returns its path, for
/// `--audit-policy-file`.
pub fn write_policy(dir: &Path) -> Result<PathBuf> {
    let policy = dir.join(POLICY_FILE);
    std::fs::write(&policy, POLICY).with_context(|| format!("writing {}", policy.display()))?;
    Ok(policy)
}

/// One audit event, the fields the tests read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub verb: String,
    #[serde(default, rename = "requestURI")]
    pub request_uri: String,
    #[serde(default)]
    pub user_agent: String,
    #[serde(default)]
    pub user: AuditUser,
    #[serde(default)]
    pub object_ref: Option<AuditObjectRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditUser {
    #[serde(default)]
    pub username: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditObjectRef {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub api_group: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub name: String,
}

impl AuditEvent {
    /// "create pods (dry run) /api/v1/…", for test messages.
    pub fn describe(&self) -> String {
        let resource = self
            .object_ref
            .as_ref()
            .map(|o| o.resource.as_str())
            .unwrap_or("-");
        format!("{} {resource} {}", self.verb, self.request_uri)
    }
}

/// Where the audit log ends now: read from here later to see only what
/// came after.
pub fn log_end(dir: &Path) -> Result<u64> {
    let path = log_path(dir);
    Ok(std::fs::metadata(&path)
        .with_context(|| {
            format!(
                "the sandbox writes no audit log at {} (a sandbox started by an older tenantry?)",
                path.display()
            )
        })?
        .len())
}

/// The events logged after `offset` (from [`log_end`]). Lines that are
/// not events (a line still being written) are skipped.
pub fn events_since(dir: &Path, offset: u64) -> Result<Vec<AuditEvent>> {
    use std::io::{Read, Seek, SeekFrom};
    let path = log_path(dir);
    let mut file =
        std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    file.seek(SeekFrom::Start(offset))?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_yaml_the_api_server_can_read() {
        let policy: serde_json::Value = serde_saphyr::from_str(POLICY).expect("yaml");
        assert_eq!(policy["kind"], "Policy");
        let rules = policy["rules"].as_array().expect("rules");
        assert_eq!(rules.last().map(|r| &r["level"]), Some(&"Metadata".into()));
        assert_eq!(rules[0]["users"][0], "system:kube-controller-manager");
    }

    #[test]
    fn events_are_read_from_an_offset() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("logs")).expect("logs");
        let first = r#"{"kind":"Event","stage":"ResponseComplete","verb":"list","requestURI":"/api/v1/pods","userAgent":"tenantry/0","user":{"username":"admin"},"objectRef":{"resource":"pods","apiVersion":"v1"}}"#;
        std::fs::write(log_path(dir.path()), format!("{first}\n")).expect("write");
        let offset = log_end(dir.path()).expect("end");
        let second = r#"{"kind":"Event","stage":"ResponseComplete","verb":"create","requestURI":"/apis/authorization.k8s.io/v1/selfsubjectaccessreviews","userAgent":"tenantry/0","user":{"username":"admin"},"objectRef":{"resource":"selfsubjectaccessreviews","apiGroup":"authorization.k8s.io"}}"#;
        let mut text = std::fs::read_to_string(log_path(dir.path())).expect("read");
        text.push_str(second);
        text.push_str("\n{\"half");
        std::fs::write(log_path(dir.path()), text).expect("write");
        let events = events_since(dir.path(), offset).expect("events");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].verb, "create");
        assert_eq!(
            events[0].request_uri,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        );
        assert_eq!(
            events[0].object_ref.as_ref().map(|o| o.api_group.as_str()),
            Some("authorization.k8s.io")
        );
        assert_eq!(all(dir.path()).len(), 2);
    }

    fn all(dir: &Path) -> Vec<AuditEvent> {
        events_since(dir, 0).expect("events")
    }
}

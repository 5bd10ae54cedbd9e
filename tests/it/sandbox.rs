//! The sandbox is a real control plane: RBAC, quota admission, the quota
//! controller and QoS classification all behave as in a cluster.

use crate::common;

use std::time::Duration;

use common::{cluster, create_namespace, eventually, object, status_code, unique_name};
use k8s_openapi::api::core::v1::{Namespace, Pod, ResourceQuota};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, ListParams, PostParams};
use serde_json::json;
use tenantry::sandbox::Persona;

fn pod(name: &str, resources: serde_json::Value) -> Pod {
    object(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{
            "name": "main",
            "image": "registry.k8s.io/pause:3.10",
            "resources": resources,
        }]},
    }))
}

fn admin_binding(user: &str) -> RoleBinding {
    object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "tenant-owner"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }))
}

fn quota(hard: serde_json::Value) -> ResourceQuota {
    object(json!({
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "quota"},
        "spec": {"hard": hard},
    }))
}

#[tokio::test]
async fn bob_cannot_list_namespaces() {
    let bob = cluster().client(Persona::Bob).await;
    let err = Api::<Namespace>::all(bob)
        .list(&ListParams::default())
        .await
        .expect_err("bob has no bindings");
    assert_eq!(status_code(&err), Some(403), "{err}");
}

#[tokio::test]
async fn admin_sees_the_demo_tenants() {
    let admin = cluster().client(Persona::Admin).await;
    let names: Vec<String> = Api::<Namespace>::all(admin)
        .list(&ListParams::default())
        .await
        .expect("admin lists namespaces")
        .items
        .into_iter()
        .filter_map(|ns| ns.metadata.name)
        .collect();
    for expected in [
        "acme-dev",
        "acme-prod",
        "globex-web",
        "initech-app",
        "umbrella-lab",
        "hooli",
        "hooli-search",
        "shared-tools",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn alice_admins_her_tenant_and_nothing_else() {
    let admin = cluster().client(Persona::Admin).await;
    let own = unique_name("alice-own");
    let other = unique_name("alice-other");
    // Tenants of their own: labelled for a demo tenant, they would change
    // what the tests of the demo tenants see in the shared sandbox.
    create_namespace(&admin, &own, &[("tenantry.dev/tenant", &own)]).await;
    create_namespace(&admin, &other, &[("tenantry.dev/tenant", &other)]).await;
    Api::<RoleBinding>::namespaced(admin.clone(), &own)
        .create(&PostParams::default(), &admin_binding("alice"))
        .await
        .expect("binding alice as admin");

    let alice = cluster().client(Persona::Alice).await;
    // The API server authorizes from its RBAC informer, which sees a new
    // binding a moment later (more under load): asked until it does.
    let pods = Api::<Pod>::namespaced(alice.clone(), &own);
    eventually(
        "alice may create a pod in her namespace",
        Duration::from_secs(20),
        || async {
            pods.create(&PostParams::default(), &pod("web", json!({})))
                .await
                .ok()
        },
    )
    .await;

    let err = Api::<Pod>::namespaced(alice.clone(), &other)
        .create(&PostParams::default(), &pod("web", json!({})))
        .await
        .expect_err("alice has no access to another tenant");
    assert_eq!(status_code(&err), Some(403), "{err}");

    // The demo seed binds her the same way in acme's namespaces only.
    Api::<Pod>::namespaced(alice.clone(), "acme-dev")
        .list(&ListParams::default())
        .await
        .expect("alice reads acme-dev");
    let err = Api::<Pod>::namespaced(alice, "globex-web")
        .list(&ListParams::default())
        .await
        .expect_err("alice cannot read globex");
    assert_eq!(status_code(&err), Some(403), "{err}");
}

#[tokio::test]
async fn alice_kubeconfig_names_an_acme_namespace() {
    let text = std::fs::read_to_string(cluster().kubeconfig(Persona::Alice)).expect("kubeconfig");
    assert!(text.contains("namespace: acme-dev"), "{text}");
}

#[tokio::test]
async fn the_quota_controller_fills_quota_status() {
    let admin = cluster().client(Persona::Admin).await;
    let ns = unique_name("quota-status");
    create_namespace(&admin, &ns, &[]).await;
    let quotas = Api::<ResourceQuota>::namespaced(admin.clone(), &ns);
    quotas
        .create(
            &PostParams::default(),
            &quota(json!({"pods": "5", "requests.cpu": "2"})),
        )
        .await
        .expect("creating a quota");
    // As a real workflow would: pods go in once the controller has taken
    // the quota on. A pod admitted while the controller makes its first
    // count can be counted out of `used` (its caches had not seen it yet).
    tenantry::sandbox::seed::wait_for_quota_status(&admin, &ns, "quota")
        .await
        .expect("quota status");
    Api::<Pod>::namespaced(admin.clone(), &ns)
        .create(
            &PostParams::default(),
            &pod("web", json!({"requests": {"cpu": "250m"}})),
        )
        .await
        .expect("creating a pod within quota");

    let status = eventually(
        "quota status with the pod counted",
        Duration::from_secs(30),
        || {
            let quotas = quotas.clone();
            async move {
                let status = quotas.get("quota").await.ok()?.status?;
                let used = status.used.clone()?;
                (used.get("pods")?.0 == "1").then_some(status)
            }
        },
    )
    .await;
    let hard = status.hard.expect("status.hard");
    assert_eq!(hard.get("pods").map(|q| q.0.as_str()), Some("5"));
    let used = status.used.expect("status.used");
    assert_eq!(used.get("requests.cpu").map(|q| q.0.as_str()), Some("250m"));
}

#[tokio::test]
async fn a_pod_beyond_the_quota_is_refused_by_quota_admission() {
    let admin = cluster().client(Persona::Admin).await;
    let ns = unique_name("quota-full");
    create_namespace(&admin, &ns, &[]).await;
    Api::<ResourceQuota>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &quota(json!({"pods": "1"})))
        .await
        .expect("creating a quota");
    tenantry::sandbox::seed::wait_for_quota_status(&admin, &ns, "quota")
        .await
        .expect("quota status");
    let pods = Api::<Pod>::namespaced(admin.clone(), &ns);
    pods.create(&PostParams::default(), &pod("first", json!({})))
        .await
        .expect("the first pod fits");
    let err = pods
        .create(&PostParams::default(), &pod("second", json!({})))
        .await
        .expect_err("the second pod exceeds the quota");
    assert_eq!(status_code(&err), Some(403), "{err}");
    assert!(err.to_string().contains("exceeded quota: quota"), "{err}");
}

#[tokio::test]
async fn the_api_server_classifies_pod_qos() {
    let admin = cluster().client(Persona::Admin).await;
    let ns = unique_name("qos");
    create_namespace(&admin, &ns, &[]).await;
    let pods = Api::<Pod>::namespaced(admin, &ns);
    let cases = [
        ("none", json!({}), "BestEffort"),
        ("some", json!({"requests": {"cpu": "100m"}}), "Burstable"),
        (
            "equal",
            json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}),
            "Guaranteed",
        ),
    ];
    for (name, resources, expected) in cases {
        let created = pods
            .create(&PostParams::default(), &pod(name, resources))
            .await
            .expect("creating a pod");
        let qos = created.status.and_then(|s| s.qos_class);
        assert_eq!(qos.as_deref(), Some(expected), "pod {name}");
    }
}

#[tokio::test]
async fn the_demo_has_a_tenant_over_quota() {
    let admin = cluster().client(Persona::Admin).await;
    let quota = Api::<ResourceQuota>::namespaced(admin, "globex-web")
        .get("compute")
        .await
        .expect("globex's quota");
    let status = quota.status.expect("status");
    let hard = status.hard.expect("hard");
    let used = status.used.expect("used");
    assert_eq!(
        hard.get("requests.memory").map(|q| q.0.as_str()),
        Some("512Mi")
    );
    assert_eq!(
        used.get("requests.memory").map(|q| q.0.as_str()),
        Some("768Mi")
    );
    assert_eq!(used.get("pods").map(|q| q.0.as_str()), Some("3"));
}

/// etcd's client URL, from the state file `up` wrote.
fn etcd_url(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(dir.join("sandbox.json")).expect("sandbox.json");
    let state: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let etcd = state["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "etcd")
        .expect("etcd is recorded");
    etcd["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(|a| a.as_str())
        .find_map(|a| a.strip_prefix("--listen-client-urls="))
        .expect("etcd's client URL")
        .to_string()
}

/// A client of `url` trusting etcd's CA, with the certificate and key in
/// `identity` (PEM files in the sandbox dir), if any.
async fn etcd_client(
    dir: &std::path::Path,
    url: &str,
    identity: Option<(&str, &str)>,
) -> kube::Client {
    use base64::Engine;
    let b64 = |name: &str| {
        let pem = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        base64::engine::general_purpose::STANDARD.encode(pem)
    };
    let user = match identity {
        Some((cert, key)) => format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            b64(cert),
            b64(key)
        ),
        None => "    {}\n".to_string(),
    };
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: etcd\n  cluster:\n    server: {url}\n    \
         certificate-authority-data: {ca}\nusers:\n- name: probe\n  user:\n{user}contexts:\n\
         - name: probe\n  context:\n    cluster: etcd\n    user: probe\ncurrent-context: probe\n",
        ca = b64("etcd-ca.crt"),
    );
    let file = tempfile::NamedTempFile::new().expect("a temp file");
    std::fs::write(file.path(), kubeconfig).expect("writing the kubeconfig");
    tenantry::sandbox::client_from_kubeconfig(file.path())
        .await
        .expect("a client")
}

async fn etcd_version(client: &kube::Client) -> Result<String, kube::Error> {
    let request = http::Request::get("/version")
        .body(Vec::new())
        .expect("request");
    client.request_text(request).await
}

#[tokio::test]
async fn etcd_answers_only_the_api_servers_client_certificate() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = &cluster().dir;
    let url = etcd_url(dir);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // The API server's certificate is let in: the control for the rest.
    let apiserver = etcd_client(
        dir,
        &url,
        Some(("apiserver-etcd-client.crt", "apiserver-etcd-client.key")),
    )
    .await;
    let version = etcd_version(&apiserver)
        .await
        .expect("etcd answers the API server");
    assert!(version.contains("etcdserver"), "{version}");

    // Without a certificate, or with a persona's, the TLS handshake fails.
    let anonymous = etcd_client(dir, &url, None).await;
    let refused = etcd_version(&anonymous).await;
    assert!(
        refused.is_err(),
        "etcd answered a client without a certificate: {refused:?}"
    );
    let admin_kubeconfig =
        std::fs::read_to_string(cluster().kubeconfig(Persona::Admin)).expect("admin.kubeconfig");
    let field = |name: &str| {
        admin_kubeconfig
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .expect("a field of the kubeconfig")
            .trim()
            .to_string()
    };
    use base64::Engine;
    let decode = |b64: String| {
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64")
    };
    let persona_dir = tempfile::tempdir().expect("a temp dir");
    std::fs::copy(
        dir.join("etcd-ca.crt"),
        persona_dir.path().join("etcd-ca.crt"),
    )
    .expect("copying the CA");
    std::fs::write(
        persona_dir.path().join("admin.crt"),
        decode(field("client-certificate-data:")),
    )
    .expect("admin.crt");
    std::fs::write(
        persona_dir.path().join("admin.key"),
        decode(field("client-key-data:")),
    )
    .expect("admin.key");
    let persona = etcd_client(persona_dir.path(), &url, Some(("admin.crt", "admin.key"))).await;
    let refused = etcd_version(&persona).await;
    assert!(
        refused.is_err(),
        "etcd answered the admin persona: {refused:?}"
    );

    // Plain HTTP gets no etcd answer either.
    let address = url.trim_start_matches("https://");
    let mut tcp = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    tcp.write_all(b"GET /version HTTP/1.1\r\nHost: etcd\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(!answer.contains("etcdserver"), "{answer}");
}

/// The sandbox's files as `up` leaves them: no group or other bits.
#[test]
fn sandbox_keys_and_kubeconfigs_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = &cluster().dir;
    let mode = |name: &str| {
        std::fs::metadata(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("."), 0o700);
    for name in [
        "admin.kubeconfig",
        "alice.kubeconfig",
        "bob.kubeconfig",
        "apiserver.key",
        "sa.key",
        "etcd-server.key",
        "apiserver-etcd-client.key",
    ] {
        assert_eq!(mode(name), 0o600, "{name}");
    }
}

//! Several clusters in one headless run (`--context` more than once,
//! `--all-contexts`): the shared sandbox and a second one of this module's
//! own, their admin kubeconfigs merged into one file. The second's API
//! server is killed: the first still answers, and the run exits 2 unless
//! `--skip-unreachable`. The console, open on both while that happens,
//! marks the second unreachable and keeps the first live.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::tmux::Tmux;
use crate::common::{self, Isolation, TestCluster, cluster, create_bare_namespace, unique_name};
use kube::config::{Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext};
use serde_json::Value;
use tenantry::sandbox::Persona;

/// `cluster`'s admin entries renamed for `name`: cluster `name`, user
/// `admin-NAME`, context `name`.
fn renamed(cluster: &TestCluster, name: &str) -> (NamedCluster, NamedAuthInfo, NamedContext) {
    let config = Kubeconfig::read_from(cluster.kubeconfig(Persona::Admin)).expect("a kubeconfig");
    let mut named_cluster = config.clusters.into_iter().next().expect("a cluster");
    named_cluster.name = name.to_string();
    let mut user = config.auth_infos.into_iter().next().expect("a user");
    user.name = format!("admin-{name}");
    let mut context = config.contexts.into_iter().next().expect("a context");
    context.name = name.to_string();
    let inner = context.context.as_mut().expect("a context body");
    inner.cluster = name.to_string();
    inner.user = Some(format!("admin-{name}"));
    (named_cluster, user, context)
}

/// One kubeconfig with contexts `a` (the shared sandbox), `b` (the second
/// one) and `a-again` (the same cluster and user as `a`).
fn merged(first: &TestCluster, second: &TestCluster, dir: &Path) -> PathBuf {
    let (c1, u1, x1) = renamed(first, "a");
    let (c2, u2, x2) = renamed(second, "b");
    let mut again = x1.clone();
    again.name = "a-again".into();
    let config = Kubeconfig {
        clusters: vec![c1, c2],
        auth_infos: vec![u1, u2],
        contexts: vec![x1, again, x2],
        current_context: Some("a".into()),
        ..Kubeconfig::default()
    };
    let path = dir.join("fleet.kubeconfig");
    // JSON is YAML: kube reads it as a kubeconfig.
    let text = serde_json::to_string(&config).expect("a kubeconfig as JSON");
    std::fs::write(&path, text).expect("writing the merged kubeconfig");
    path
}

fn run(kubeconfig: &Path, args: &[&str]) -> common::Run {
    let out = assert_cmd::Command::cargo_bin("tenantry")
        .expect("binary")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env("TENANTRY_CONFIG_DIR", "/nonexistent-tenantry-config")
        .env(
            "TENANTRY_AUDIT_LOG",
            common::audit_path(&unique_name("fleet")),
        )
        .env("NO_COLOR", "1")
        .output()
        .expect("running tenantry");
    common::Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("JSON ({err}): {} / {}", run.stdout, run.stderr))
}

fn contexts(value: &Value, field: &str) -> Vec<String> {
    value[field]
        .as_array()
        .unwrap_or_else(|| panic!("{field}: {value}"))
        .iter()
        .map(|c| c["context"].as_str().unwrap_or("").to_string())
        .collect()
}

fn tenant_names(cluster: &Value) -> Vec<&str> {
    cluster["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .filter_map(|t| t["name"].as_str().or_else(|| t["tenant"].as_str()))
        .collect()
}

#[test]
fn two_clusters_in_one_run_and_one_of_them_goes_away() {
    let second = common::private(Isolation::Fleet);
    let _one = second.serial();
    let dir = tempfile::tempdir().expect("a temp dir");
    let kubeconfig = merged(cluster(), second.cluster(), dir.path());
    // A tenant only the second cluster has.
    let only_b = unique_name("only-b");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let admin = second.cluster().client(Persona::Admin).await;
        create_bare_namespace(
            &admin,
            &format!("{only_b}-ns"),
            &[("tenantry.dev/tenant", &only_b)],
        )
        .await;
    });

    // Every context, the duplicate read once and said so.
    let all = run(&kubeconfig, &["tenants", "-o", "json", "--all-contexts"]);
    assert_eq!(all.code, Some(0), "{}", all.stderr);
    let value = json(&all);
    assert_eq!(contexts(&value, "clusters"), ["a", "b"], "{value}");
    assert!(
        all.stderr
            .contains("contexts a and a-again reach the same cluster")
            && all.stderr.contains("shown once, as a"),
        "{}",
        all.stderr
    );
    let (a, b) = (&value["clusters"][0], &value["clusters"][1]);
    assert!(tenant_names(a).contains(&"acme") && tenant_names(b).contains(&"acme"));
    assert!(tenant_names(b).contains(&only_b.as_str()), "{b}");
    assert!(!tenant_names(a).contains(&only_b.as_str()), "{a}");

    // The table has a CLUSTER column.
    let table = run(
        &kubeconfig,
        &["tenants", "--context", "a", "--context", "b"],
    );
    assert_eq!(table.code, Some(0), "{}", table.stderr);
    assert!(table.stdout.starts_with("CLUSTER"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("b ") && l.contains(&only_b)),
        "{}",
        table.stdout
    );

    // An unknown context is named, exit 2, nothing read.
    let unknown = run(
        &kubeconfig,
        &["tenants", "--context", "a", "--context", "nope"],
    );
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("no context \"nope\""),
        "{}",
        unknown.stderr
    );
    assert!(unknown.stdout.is_empty(), "{}", unknown.stdout);

    // check on both: results per cluster, one verdict.
    let check_args = [
        "check",
        "acme",
        "--context",
        "a",
        "--context",
        "b",
        "-o",
        "json",
    ];
    let check = run(&kubeconfig, &check_args);
    let value = json(&check);
    assert_eq!(contexts(&value, "clusters"), ["a", "b"], "{value}");
    let failed = value["failed"].as_bool().expect("failed");
    assert_eq!(
        check.code,
        Some(if failed { 1 } else { 0 }),
        "{}",
        check.stderr
    );
    // The demo's acme has high findings (its quotas are under pressure and
    // more): the same in both clusters.
    assert_eq!(
        value["clusters"][0]["tenants"][0]["findings"],
        value["clusters"][1]["tenants"][0]["findings"]
    );

    // The machine formats stay valid with several clusters: a SARIF run and
    // a JUnit testsuite per cluster.
    let mut sarif_args = check_args;
    sarif_args[7] = "sarif";
    let sarif = run(&kubeconfig, &sarif_args);
    let log = json(&sarif);
    crate::reports::assert_valid(&crate::reports::sarif_schema(), &log, "the fleet's SARIF");
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(2), "{log}");
    let mut junit_args = check_args;
    junit_args[7] = "junit";
    let junit = run(&kubeconfig, &junit_args);
    assert_eq!(
        crate::reports::junit_problems(&junit.stdout),
        Vec::<String>::new()
    );
    assert!(
        junit.stdout.contains("name=\"a/acme\"") && junit.stdout.contains("name=\"b/acme\""),
        "{}",
        junit.stdout
    );

    // report: one per cluster that has the tenant.
    let report = run(
        &kubeconfig,
        &[
            "report",
            &only_b,
            "--context",
            "a",
            "--context",
            "b",
            "-o",
            "json",
        ],
    );
    assert_eq!(report.code, Some(0), "{}", report.stderr);
    let value = json(&report);
    assert_eq!(contexts(&value, "clusters"), ["b"], "{value}");
    assert_eq!(value["clusters"][0]["tenant"], only_b.as_str(), "{value}");
    assert_eq!(value["absent"], serde_json::json!(["a"]), "{value}");

    // The console on both clusters, one live session each; only_b is on
    // the second's line.
    let console = Tmux::start(
        &format!(
            "env TERM=xterm-256color NO_COLOR=1 TENANTRY_CONFIG_DIR=/nonexistent \
             TENANTRY_AUDIT_LOG={} {} --kubeconfig {} --context a --context b; \
             echo EXITED:$?; sleep 60",
            dir.path().join("audit.log").display(),
            env!("CARGO_BIN_EXE_tenantry"),
            kubeconfig.display()
        ),
        (80, 24),
    );
    let listed = |screen: &str| {
        screen.contains("clusters: a ")
            && screen.contains(" · b ")
            && !screen.contains("loading…")
            && !screen.contains("syncing")
    };
    console.wait_until("both clusters listed", Duration::from_secs(120), listed);
    console.text("/");
    console.text(&only_b);
    console.keys(&["Enter"]);
    // At 80 columns a long name may end in `…`: its start is enough.
    let shown = |name: &str| name.chars().take(14).collect::<String>();
    let screen = console.wait_until("only_b filtered", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(&shown(&only_b)) && l.contains(" b "))
    });
    assert!(screen.contains("2 clusters"), "{screen}");

    // A tenant of the same name in both: one line for two clusters, which
    // opens into a line per cluster; a template applied from b's line
    // lands in b only.
    let both = unique_name("both");
    let both_ns = format!("{both}-ns");
    rt.block_on(async {
        for client in [
            cluster().client(Persona::Admin).await,
            second.cluster().client(Persona::Admin).await,
        ] {
            create_bare_namespace(&client, &both_ns, &[("tenantry.dev/tenant", &both)]).await;
        }
    });
    console.keys(&["Escape"]);
    console.wait_until("filter cleared", Duration::from_secs(10), |s| {
        !s.contains("filter:")
    });
    console.text("/");
    console.text(&both);
    console.keys(&["Enter"]);
    // Its own line: while the filter is still being typed, other groups
    // match too.
    console.wait_until("both grouped", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(&shown(&both)) && l.contains("▸ ×2"))
    });
    // Refused on the group's line: it names no one cluster.
    console.text("a");
    console.wait_for("is in 2 clusters: Enter");
    console.keys(&["Enter"]);
    console.wait_for("▾ ×2");
    console.text("j");
    console.text("j");
    console.text("a");
    let screen = console.wait_for("Apply a template");
    assert!(screen.contains("netpol-default-deny"), "{screen}");
    assert!(
        screen.contains(" b · "),
        "the status line names b:\n{screen}"
    );
    console.keys(&["Enter"]);
    console.wait_for("to create");
    console.text("y");
    console.wait_for("Applied");
    console.keys(&["Enter"]);
    let policies = |client: kube::Client| {
        let ns = both_ns.clone();
        async move {
            kube::Api::<k8s_openapi::api::networking::v1::NetworkPolicy>::namespaced(client, &ns)
                .list(&Default::default())
                .await
                .expect("listing policies")
                .items
                .len()
        }
    };
    let (in_a, in_b) = rt.block_on(async {
        (
            policies(cluster().client(Persona::Admin).await).await,
            policies(second.cluster().client(Persona::Admin).await).await,
        )
    });
    assert!(in_b > 0, "the template landed in b");
    assert_eq!(in_a, 0, "nothing was written to a");
    console.keys(&["Escape"]);
    console.wait_until("filter cleared", Duration::from_secs(10), |s| {
        !s.contains("filter:")
    });
    console.text("/");
    console.text(&only_b);
    console.keys(&["Enter"]);
    console.wait_until("only_b filtered again", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(&shown(&only_b)) && l.contains(" b "))
    });

    // The second cluster's API server goes away.
    second
        .with_sandbox(|sandbox| sandbox.kill_component("kube-apiserver"))
        .expect("killing the second kube-apiserver");
    // The console says so, and since when; the first cluster stays live: a
    // tenant created there now appears.
    let screen = console.wait_until("b marked unreachable", Duration::from_secs(90), |s| {
        s.contains("b unreachable since") && s.contains("!unreach")
    });
    assert!(
        screen.contains(&shown(&only_b)),
        "what b had stays shown:\n{screen}"
    );
    let live_a = unique_name("live-a");
    rt.block_on(async {
        let admin = cluster().client(Persona::Admin).await;
        create_bare_namespace(
            &admin,
            &format!("{live_a}-ns"),
            &[("tenantry.dev/tenant", &live_a)],
        )
        .await;
    });
    console.keys(&["Escape"]);
    console.wait_until("filter cleared", Duration::from_secs(10), |s| {
        !s.contains("filter:")
    });
    console.text("/");
    console.text(&live_a);
    console.keys(&["Enter"]);
    let screen = console.wait_until("a's new tenant listed", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(&shown(&live_a)) && l.contains(" a "))
    });
    assert!(screen.contains("b unreachable since"), "{screen}");
    console.keys(&["q"]);
    let screen = console.wait_for("EXITED:");
    assert!(screen.contains("EXITED:0"), "{screen}");
    let started = Instant::now();
    let gone = run(
        &kubeconfig,
        &[
            "tenants",
            "-o",
            "json",
            "--all-contexts",
            "--connect-timeout",
            "3",
        ],
    );
    let took = started.elapsed();
    assert_eq!(gone.code, Some(2), "{}", gone.stderr);
    let value = json(&gone);
    assert_eq!(contexts(&value, "clusters"), ["a"], "{value}");
    assert_eq!(contexts(&value, "unreachable"), ["b"], "{value}");
    assert!(
        value["unreachable"][0]["error"]
            .as_str()
            .unwrap_or("")
            .contains("cannot reach the API server"),
        "{value}"
    );
    assert!(tenant_names(&value["clusters"][0]).contains(&"acme"));
    assert!(took < Duration::from_secs(60), "took {took:?}");

    let skipped = run(
        &kubeconfig,
        &[
            "check",
            "acme",
            "--context",
            "a",
            "--context",
            "b",
            "-o",
            "json",
            "--connect-timeout",
            "3",
            "--skip-unreachable",
        ],
    );
    let value = json(&skipped);
    assert_eq!(contexts(&value, "clusters"), ["a"], "{value}");
    assert_eq!(contexts(&value, "unreachable"), ["b"], "{value}");
    let failed = value["failed"].as_bool().expect("failed");
    assert_eq!(
        skipped.code,
        Some(if failed { 1 } else { 0 }),
        "{}",
        skipped.stderr
    );
    let strict = run(
        &kubeconfig,
        &[
            "check",
            "acme",
            "--context",
            "a",
            "--context",
            "b",
            "-o",
            "junit",
            "--connect-timeout",
            "3",
        ],
    );
    assert_eq!(strict.code, Some(2), "{}", strict.stderr);
    assert!(
        strict.stdout.contains("name=\"a/acme\"") && !strict.stdout.contains("name=\"b/acme\""),
        "{}",
        strict.stdout
    );
}

//! The console in a real terminal: tmux runs the binary at 80×24 against
//! the sandbox, keys are typed, the screen is read back as text.

use crate::common;

use std::path::Path;

use common::tmux::Tmux;
use common::{Isolation, TestCluster};
use tenantry::sandbox::Persona;

/// A sandbox of this module's own: the tests read the whole tenants list
/// on an 80×24 screen, where the other tests' tenants would push the demo
/// tenants off.
fn cluster() -> &'static TestCluster {
    common::private(Isolation::Console).cluster()
}

/// The context of a sandbox's admin kubeconfig.
const ADMIN_CONTEXT: &str = "admin@tenantry-sandbox";

fn console_command(kubeconfig: &Path) -> String {
    format!(
        "env TERM=xterm-256color NO_COLOR=1 TENANTRY_CONFIG_DIR=/nonexistent {} --kubeconfig {}; \
         echo EXITED:$?; sleep 60",
        env!("CARGO_BIN_EXE_tenantry"),
        kubeconfig.display()
    )
}

#[test]
fn the_console_starts_shows_the_demo_tenants_opens_one_and_quits_cleanly() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Admin)),
        (80, 24),
    );
    let screen = tmux.wait_for("initech");
    for tenant in ["acme", "globex", "hooli", "umbrella"] {
        assert!(screen.contains(tenant), "{tenant} missing:\n{screen}");
    }
    assert!(!screen.contains("EXITED"), "{screen}");

    tmux.text(":");
    tmux.text("globex");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Overview");
    assert!(screen.contains("globex-web"), "{screen}");

    tmux.keys(&["2"]);
    let screen = tmux.wait_for("requests.memory");
    assert!(
        screen.contains("150%"),
        "globex is over its memory quota:\n{screen}"
    );

    tmux.keys(&["Escape"]);
    tmux.wait_for("initech");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("EXITED:");
    assert!(screen.contains("EXITED:0"), "{screen}");
    // The terminal is restored: the shell's output is on the normal screen,
    // not left behind the console's alternate screen.
    assert!(!screen.contains("initech"), "{screen}");
}

#[test]
fn bob_gets_a_plain_explanation_instead_of_an_empty_table() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Bob)),
        (80, 24),
    );
    let screen = tmux.wait_for("no tenant");
    assert!(screen.contains("cannot list namespaces"), "{screen}");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("EXITED:");
    assert!(screen.contains("EXITED:0"), "{screen}");
}

#[test]
fn a_small_terminal_is_told_how_much_room_is_needed() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Admin)),
        (60, 20),
    );
    let screen = tmux.wait_for("80");
    assert!(
        screen.contains("80×24") || screen.contains("80x24"),
        "{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED:0");
}

/// ARCHITECTURE.md §5 and the actions issue: from the console alone, create a
/// tenant from tenant-baseline, raise one of its quotas and apply
/// netpol-default-deny to an existing tenant, each previewed before it is
/// written; the cluster and the audit log show each write.
#[tokio::test]
async fn a_new_user_creates_a_tenant_raises_its_quota_and_applies_a_template_from_the_console() {
    use k8s_openapi::api::core::v1::{Namespace, ResourceQuota};
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    use kube::api::Api;

    let tenant = common::unique_name("tui");
    let other = common::unique_name("tuiold");
    let admin = cluster().client(Persona::Admin).await;
    common::create_namespace(&admin, &other, &[("tenantry.dev/tenant", &other)]).await;
    let audit = common::audit_path(&tenant);
    let command = format!(
        "env TERM=xterm-256color NO_COLOR=1 TENANTRY_CONFIG_DIR=/nonexistent TENANTRY_AUDIT_LOG={} {} --kubeconfig {}; \
         echo EXITED:$?; sleep 60",
        audit.display(),
        env!("CARGO_BIN_EXE_tenantry"),
        cluster().kubeconfig(Persona::Admin).display()
    );
    let tmux = Tmux::start(&command, (80, 24));
    tmux.wait_for("it-tuiold");

    // Create: name, owner, the rest as offered; preview; confirm.
    tmux.text("n");
    tmux.wait_for("Create a tenant");
    tmux.text(&tenant);
    tmux.keys(&["Tab"]);
    tmux.text("user:zoe");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("to create");
    assert!(screen.contains("7 to create"), "{screen}");
    assert!(
        Api::<Namespace>::all(admin.clone())
            .get_opt(&tenant)
            .await
            .expect("get")
            .is_none(),
        "nothing is written before the confirmation"
    );
    tmux.text("y");
    tmux.wait_for("Applied 7 objects");
    tmux.keys(&["Enter"]);
    Api::<Namespace>::all(admin.clone())
        .get(&tenant)
        .await
        .expect("the tenant's namespace exists");

    // Raise its pod quota: the last field adds RESOURCE=QUANTITY.
    tmux.text(":");
    tmux.text(&tenant);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("tenantry › tenant {tenant}"));
    tmux.text("e");
    tmux.wait_for("Edit the quota");
    tmux.keys(&["BTab"]);
    tmux.text("pods=40");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("to change");
    assert!(screen.contains("\"20\" → \"40\""), "{screen}");
    tmux.text("y");
    tmux.wait_for("Applied 1 object");
    tmux.keys(&["Enter"]);
    let quota = Api::<ResourceQuota>::namespaced(admin.clone(), &tenant)
        .get("tenant-quota")
        .await
        .expect("quota");
    let pods = quota
        .spec
        .and_then(|s| s.hard)
        .and_then(|h| h.get("pods").map(|q| q.0.clone()));
    assert_eq!(pods.as_deref(), Some("40"));

    // Apply netpol-default-deny to the other tenant (it has no policy).
    // Escape and the next key sent together read as Alt+key (that is how
    // terminals encode Alt), so the list must be back before ':' is typed,
    // as it is for a person.
    tmux.keys(&["Escape"]);
    tmux.wait_for("tenantry › tenants");
    tmux.text(":");
    tmux.text(&other);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("tenantry › tenant {other}"));
    tmux.text("a");
    let screen = tmux.wait_for("Apply a template");
    assert!(
        screen.contains("netpol-default-deny"),
        "suggested by the failing check:\n{screen}"
    );
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("to create");
    assert!(screen.contains("3 to create"), "{screen}");
    tmux.text("y");
    tmux.wait_for("Applied 3 objects");
    tmux.keys(&["Enter"]);
    let policies = Api::<NetworkPolicy>::namespaced(admin.clone(), &other)
        .list(&Default::default())
        .await
        .expect("policies");
    assert_eq!(policies.items.len(), 3);

    tmux.text("q");
    tmux.wait_for("EXITED:0");
    let lines = common::audit_lines(&audit);
    let results: Vec<&str> = lines.iter().filter_map(|l| l["result"].as_str()).collect();
    assert_eq!(
        results,
        [
            "previewed",
            "applied",
            "previewed",
            "applied",
            "previewed",
            "applied"
        ],
        "{lines:?}"
    );
}

/// The console as admin with `config_dir` as its config dir.
fn console_with_config(config_dir: &Path, audit: &Path) -> String {
    format!(
        "env TERM=xterm-256color NO_COLOR=1 TENANTRY_CONFIG_DIR={} TENANTRY_AUDIT_LOG={} {} \
         --kubeconfig {}; echo EXITED:$?; sleep 60",
        config_dir.display(),
        audit.display(),
        env!("CARGO_BIN_EXE_tenantry"),
        cluster().kubeconfig(Persona::Admin).display()
    )
}

fn pane_buffer(tmux: &Tmux) -> String {
    let out = tmux.command(&["show-buffer"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `c` writes OSC 52; tmux with `set-clipboard on` takes it into its
/// paste buffer, which is what the pane's application copied.
#[test]
fn c_copies_through_osc52_into_the_tmux_buffer() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Admin)),
        (80, 24),
    );
    let out = tmux.command(&["set-option", "-s", "set-clipboard", "on"]);
    assert!(out.status.success(), "{out:?}");
    tmux.wait_for("initech");
    tmux.text(":");
    tmux.text("initech");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Overview");
    tmux.text("c");
    tmux.wait_for("copied the tenant's name: initech");
    assert_eq!(pane_buffer(&tmux), "initech");

    // The Policy tab: the cursor on a failed check copies its fixing
    // command line. The filter leaves that check alone under its line.
    tmux.keys(&["4"]);
    tmux.wait_for("Failed");
    tmux.text("/");
    tmux.text("default-deny-ingress");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter \"default-deny-ingress\"");
    tmux.text("j");
    tmux.text("c");
    let screen = tmux.wait_for("copied the fix of netpol.default-deny-ingress");
    assert_eq!(
        pane_buffer(&tmux),
        format!(
            "tenantry apply netpol-default-deny --tenant initech --kubeconfig {} --context {}",
            cluster().kubeconfig(Persona::Admin).display(),
            ADMIN_CONTEXT
        ),
        "{screen}"
    );

    // The RBAC tab: a who-can line copies its answer.
    // Esc clears the filter; the next key waits for it (an Esc followed
    // at once by a key reads as Alt and that key).
    tmux.keys(&["Escape"]);
    tmux.wait_for("Failed (");
    tmux.keys(&["5"]);
    tmux.wait_for("Personas");
    tmux.text("/");
    tmux.text("get secrets");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter \"get secrets\"");
    tmux.text("j");
    tmux.text("c");
    let screen = tmux.wait_for("copied the who-can answer");
    let copied = pane_buffer(&tmux);
    assert!(
        copied.starts_with("get secrets in initech-app: "),
        "{copied:?}\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED:0");
}

/// A console started with `--as alice` as admin (naming her namespace, as
/// she would): alice's lists, under a banner naming her; the status line names her once the server says who
/// the requests are.
#[test]
fn the_console_under_as_says_whom_it_acts_as() {
    let command = console_command(&cluster().kubeconfig(Persona::Admin)).replacen(
        "; echo EXITED",
        " --as alice -n acme-dev; echo EXITED",
        1,
    );
    let tmux = Tmux::start(&command, (80, 24));
    let screen = tmux.wait_for("AS alice (--as)");
    assert!(
        !screen.contains("read-only"),
        "writes stay the server's: {screen}"
    );
    let screen = tmux.wait_for("acme");
    // Alice sees her tenant, not the admin's whole list.
    assert!(!screen.contains("initech"), "{screen}");
    tmux.wait_for("· alice ·");
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED:0");
}

/// `v` on acme: alice's view under a banner, read-only; `v` again leaves.
#[test]
fn v_shows_a_tenant_as_its_owner_sees_it_read_only() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Admin)),
        (80, 24),
    );
    tmux.wait_for("initech");
    tmux.text(":");
    tmux.text("acme");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Overview");
    tmux.text("v");
    let screen = tmux.wait_for("AS alice");
    assert!(screen.contains("read-only"), "{screen}");
    // Alice's own rules: the status line names her once the server said.
    tmux.wait_for("· alice ·");
    tmux.text("e");
    tmux.wait_for("this view shows what alice sees");
    tmux.keys(&["Escape"]);
    // Alice cannot list namespaces: the other tenants are not hers to see.
    // (The list must be back before `v` is typed: Escape and a key sent
    // together read as Alt+key, as terminals encode it.)
    let screen = tmux.wait_until(
        "the list as alice sees it",
        std::time::Duration::from_secs(30),
        |s| s.contains("› tenants") && s.lines().any(|l| l.starts_with(" acme ")),
    );
    assert!(!screen.contains("initech"), "{screen}");
    tmux.text("v");
    tmux.wait_for("back to your own view");
    let screen = tmux.wait_for("initech");
    assert!(!screen.contains("AS alice"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED:0");
}

/// `contexts: {"*": {confirm: type-name}}`: `y` alone applies nothing; the
/// tenant's name typed, then `y`, does.
#[tokio::test]
async fn a_type_name_context_needs_the_name_typed_in_the_console() {
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    use kube::api::Api;

    let tenant = common::unique_name("tuiguard");
    let admin = cluster().client(Persona::Admin).await;
    common::create_namespace(&admin, &tenant, &[("tenantry.dev/tenant", &tenant)]).await;
    let config = tempfile::tempdir().expect("config dir");
    std::fs::write(
        config.path().join("config.yaml"),
        "contexts:\n  \"*\": {confirm: type-name}\n",
    )
    .expect("config.yaml");
    let audit = common::audit_path(&tenant);
    let tmux = Tmux::start(&console_with_config(config.path(), &audit), (80, 24));
    let screen = tmux.wait_for("initech");
    assert!(screen.contains("guard: type name"), "{screen}");
    tmux.text(":");
    tmux.text(&tenant);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Overview");
    tmux.text("a");
    tmux.wait_for("Apply a template");
    tmux.keys(&["Enter"]);
    tmux.wait_for("to create");
    tmux.text("y");
    tmux.wait_for(&format!("type {tenant}"));
    let policies = Api::<NetworkPolicy>::namespaced(admin.clone(), &tenant);
    let listed = policies.list(&Default::default()).await.expect("list");
    assert!(listed.items.is_empty(), "y alone wrote nothing");
    tmux.text(&tenant);
    tmux.wait_for("typed: y applies");
    tmux.text("y");
    tmux.wait_for("Applied");
    let listed = policies.list(&Default::default()).await.expect("list");
    assert!(!listed.items.is_empty(), "written once the name was typed");
    tmux.keys(&["Enter"]);
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED:0");
}

//! Everything the console shows, derived data included, so rendering is a
//! pure function of `&State`.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::KeyContext;
use crate::model::checks::{CheckContext, CheckResult, FindingCounts, ProbeResults};
use crate::model::rbac::{BindingsTable, PersonaCounts, RiskyRules, SensitiveAction, WhoCan};
use crate::model::{
    self, Inventory, QosBreakdown, Resolution, ResolverKind, RuleInfo, SystemNamespaces, TenantId,
    TenantQuota, TenantRow,
};

/// Admission probes and access reviews of one tenant, run by the kube
/// layer in the background when its detail is opened (or by `check`).
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeStatus {
    Running,
    Done(ProbeResults),
}

/// The current user's own rules in one namespace (SelfSubjectRulesReview).
#[derive(Debug, Clone, PartialEq)]
pub enum OwnRules {
    Loading,
    /// `incomplete`: the server says the list may miss rules.
    Loaded {
        rules: Vec<RuleInfo>,
        incomplete: bool,
    },
    Failed(String),
}

/// The tabs of the tenant detail; Policy, RBAC and Network are filled by
/// later releases and say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Quota,
    Qos,
    Policy,
    Rbac,
    Network,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Overview,
        Tab::Quota,
        Tab::Qos,
        Tab::Policy,
        Tab::Rbac,
        Tab::Network,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Quota => "Quota",
            Tab::Qos => "QoS",
            Tab::Policy => "Policy",
            Tab::Rbac => "RBAC",
            Tab::Network => "Network",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Tenants,
    Detail { tenant: TenantId, tab: Tab },
}

/// Columns the tenants list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    /// Most severe findings first (critical, then high, medium, low).
    Findings,
    Pressure,
    Pods,
    Namespaces,
    BestEffort,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Name => SortKey::Findings,
            SortKey::Findings => SortKey::Pressure,
            SortKey::Pressure => SortKey::Pods,
            SortKey::Pods => SortKey::Namespaces,
            SortKey::Namespaces => SortKey::BestEffort,
            SortKey::BestEffort => SortKey::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Findings => "findings",
            SortKey::Pressure => "quota pressure",
            SortKey::Pods => "pods",
            SortKey::Namespaces => "namespaces",
            SortKey::BestEffort => "BestEffort pods",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `/`: narrows the tenants list as you type.
    Filter,
    /// `:`: opens the tenant (or the tenant of the namespace) typed.
    Jump,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputState {
    pub kind: InputKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Input(InputState),
}

/// Selection and scrolling of the tenants list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListState {
    pub selected: usize,
    pub sort: SortKey,
    pub reverse: bool,
    /// The accepted filter (the one being typed lives in the overlay).
    pub filter: String,
}

/// What a background job (probe, access review, write) was started for:
/// the kube context and the generation of what it was computed from. A
/// result whose ticket is no longer the current one is dropped.
///
/// For reads the generation is [`State::generation`], which advances when
/// the inventory is replaced (refresh, reconnect). For a write it counts the
/// requests the console sent: going back to the form and sending it again
/// replaces the earlier request, whose late answer must not land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub context: String,
    pub generation: u64,
}

/// Who the user is, for the status line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub context: String,
    /// The user as the API server names it, once known.
    pub user: String,
    pub server: String,
}

/// The numbers of the open tenant, recomputed when the inventory changes.
/// (The network view borrows the inventory and is derived while drawing:
/// `model::network::network_view`.)
#[derive(Debug, Clone, PartialEq)]
pub struct DetailData {
    pub tenant: model::Tenant,
    pub quota: TenantQuota,
    pub qos: QosBreakdown,
    /// Every check of ARCHITECTURE.md §6, in catalogue order.
    pub checks: Vec<CheckResult>,
    /// Whether the admission probes have run (their checks are "unknown"
    /// until then).
    pub probes: Option<ProbeStatus>,
    pub bindings: BindingsTable,
    pub personas: PersonaCounts,
    pub risky: RiskyRules,
    pub who_can: Vec<(&'static SensitiveAction, WhoCan)>,
    /// Quota objects that span the tenant's namespaces (issue 11).
    pub quota_objects: model::quota_objects::TenantQuotaObjects,
    /// Why the tenant's workloads are refused (Quota tab), newest first.
    pub refusals: Vec<model::refusal::Refusal>,
    /// Namespaces whose refusal events cannot be read.
    pub refusals_unreadable: Vec<String>,
}

/// Tenants whose derived data lags: all of them, or some.
#[derive(Debug, Clone, Default)]
struct Stale {
    all: bool,
    tenants: BTreeSet<TenantId>,
}

impl Stale {
    fn is_empty(&self) -> bool {
        !self.all && self.tenants.is_empty()
    }
}

/// How tenants are made of namespaces: config.yaml's resolvers, named
/// tenants and system namespaces, the same for every cluster.
#[derive(Debug, Clone, Default)]
pub struct Tenancy {
    pub resolvers: Vec<ResolverKind>,
    /// Tenants named in config.yaml or on the command line, for users who
    /// cannot list namespaces.
    pub extra_tenants: Vec<(TenantId, Vec<String>)>,
    /// The cluster's own namespaces (`config.yaml` `system_namespaces:`).
    pub system_namespaces: SystemNamespaces,
}

/// One cluster (one kube context) as the console knows it: what its
/// watches read, what derives from it, its probes and access reviews, and
/// whether it answers. Each has its own live session (ARCHITECTURE.md §2);
/// a fleet console holds one per context (`State::clusters`).
#[derive(Debug, Clone)]
pub struct Cluster {
    pub inventory: Inventory,
    pub identity: Identity,
    /// The context's guard (config.yaml `contexts:`): the status line
    /// shows it; `confirm: type-name` asks for the tenant's name.
    pub guard: crate::config::ContextGuard,
    /// Set when the watchers could not start at all.
    pub fatal: Option<String>,
    /// Since when (local `HH:MM:SS`) the API server has not been reached,
    /// while the console keeps asking (`Action::NotReached`).
    pub unreachable_since: Option<String>,
    /// Whether access planning has finished (before that nothing is known).
    pub planned: bool,
    /// Advances whenever what the background reads were computed from is
    /// replaced (a refresh, a reconnect); see [`Ticket`].
    pub generation: u64,
    /// Which live session feeds the inventory: advances when everything is
    /// forgotten (a refresh, a `v` switch), so that updates the previous
    /// session had already sent are dropped (`Action::Session`), never
    /// mixed into what the new one lists.
    pub session: u64,
    /// Namespaces named or discovered for a user who cannot list them,
    /// with where each came from (`-n`, `context`, `config.yaml`,
    /// `Capsule tenant NAME`, `role binding NS/NAME`).
    pub namespace_origins: BTreeMap<String, Vec<String>>,

    // Derived from the inventory; see `State::refresh`.
    pub resolution: Resolution,
    /// All tenant rows, by name.
    pub rows: Vec<TenantRow>,
    /// The open tenant's numbers (only the focused cluster has one).
    pub detail: Option<DetailData>,
    /// Findings (failed checks) per tenant, for the tenants list. Running
    /// every check for every tenant costs ~100 ms at tier M (ARCHITECTURE.md §9),
    /// so this is refreshed apart from the rest (`refresh_findings`), at a
    /// pace the event loop sets, never on every watch event.
    pub findings: BTreeMap<TenantId, FindingCounts>,
    /// Tenants whose findings lag behind the inventory or their probes.
    findings_stale: Stale,
    /// Probe results per tenant, filled in by the kube layer.
    pub probes: BTreeMap<TenantId, ProbeStatus>,
    /// The user's own rules per namespace, for the access matrix.
    pub own_rules: BTreeMap<String, OwnRules>,
    derived_generation: Option<u64>,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            inventory: Inventory::new(),
            identity: Identity::default(),
            guard: crate::config::ContextGuard::default(),
            fatal: None,
            unreachable_since: None,
            planned: false,
            generation: 0,
            session: 0,
            namespace_origins: BTreeMap::new(),
            resolution: Resolution::default(),
            rows: Vec::new(),
            detail: None,
            findings: BTreeMap::new(),
            findings_stale: Stale::default(),
            probes: BTreeMap::new(),
            own_rules: BTreeMap::new(),
            derived_generation: None,
        }
    }
}

impl Cluster {
    /// A cluster not listed yet, on this context.
    pub fn new(identity: Identity) -> Self {
        Cluster {
            identity,
            ..Cluster::default()
        }
    }

    /// Recomputes what derives from the inventory, once per batch of
    /// updates and only when the inventory moved, in proportion to what
    /// moved (ARCHITECTURE.md §9): a change inside some namespaces redoes
    /// their tenants' rows; only a change to what tenants are made of
    /// (namespaces, Capsule `Tenant`s, watch states) resolves them again.
    fn refresh_derived(&mut self, tenancy: &Tenancy, now: i64) {
        if self.derived_generation == Some(self.inventory.generation()) {
            return;
        }
        let dirty = self.inventory.take_dirty();
        if self.derived_generation.is_none() || dirty.structure {
            self.resolution = model::resolve_inventory_with_system(
                &self.inventory,
                &tenancy.resolvers,
                &tenancy.extra_tenants,
                &tenancy.system_namespaces,
            );
            self.rows = model::tenant_rows(&self.inventory, &self.resolution);
            for (row, tenant) in self.rows.iter_mut().zip(&self.resolution.tenants) {
                row.blocked = model::refusal::recent_refusals(&self.inventory, tenant, now);
            }
            self.detail = None;
            self.findings_stale.all = true;
        } else {
            let touched: BTreeSet<usize> = dirty
                .namespaces
                .iter()
                .filter_map(|ns| self.resolution.tenant_index_of(ns))
                .collect();
            // Quota objects that span namespaces: none at all in most
            // clusters, so asking for all of them is cheap.
            let mut spanning = if touched.is_empty() {
                Default::default()
            } else {
                model::quota_objects::quota_objects_by_tenant(&self.inventory, &self.resolution)
            };
            for &i in &touched {
                let tenant = &self.resolution.tenants[i];
                let objects = spanning.remove(&tenant.id).unwrap_or_default();
                let mut row = model::tenant_row(&self.inventory, &self.resolution, tenant, objects);
                row.blocked = model::refusal::recent_refusals(&self.inventory, tenant, now);
                if let Some(slot) = self.rows.get_mut(i) {
                    *slot = row;
                }
                self.findings_stale.tenants.insert(tenant.id.clone());
            }
            let open_touched = self.detail.as_ref().is_some_and(|d| {
                touched
                    .iter()
                    .any(|&i| self.resolution.tenants[i].id == d.tenant.id)
            });
            if dirty.cluster_rbac || open_touched {
                self.detail = None;
            }
            if dirty.cluster_rbac {
                self.findings_stale.all = true;
            }
        }
        self.derived_generation = Some(self.inventory.generation());
    }

    fn refresh_detail(&mut self, tenant: &TenantId) {
        if self.detail.as_ref().is_some_and(|d| &d.tenant.id == tenant) {
            return;
        }
        self.detail = self.resolution.tenant(tenant).map(|t| {
            let bindings = model::rbac::bindings_table(&self.inventory, t);
            DetailData {
                tenant: t.clone(),
                quota: model::tenant_quota(&self.inventory, t),
                qos: model::qos_breakdown(&self.inventory, t),
                checks: self.checks_for(t),
                probes: self.probes.get(&t.id).cloned(),
                personas: model::rbac::persona_counts(&bindings),
                bindings,
                risky: model::rbac::risky_rules(&self.inventory, t),
                who_can: model::rbac::who_can_sensitive(&self.inventory, t),
                quota_objects: model::quota_objects::tenant_quota_objects(
                    &self.inventory,
                    &self.resolution,
                    t,
                ),
                refusals: model::refusal::tenant_refusals(&self.inventory, t),
                refusals_unreadable: model::refusal::unreadable_namespaces(&self.inventory, t)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            }
        });
    }

    /// Whether this cluster's findings lag behind its inventory or probes.
    pub fn findings_stale(&self) -> bool {
        self.planned && !self.findings_stale.is_empty()
    }

    /// Recomputes lagging findings until `deadline` (None: all of them).
    /// Returns whether any remain stale.
    fn refresh_findings_until(&mut self, deadline: Option<std::time::Instant>) -> bool {
        if std::mem::take(&mut self.findings_stale.all) {
            self.findings
                .retain(|id, _| self.resolution.tenant(id).is_some());
            self.findings_stale.tenants = self
                .resolution
                .tenants
                .iter()
                .map(|t| t.id.clone())
                .collect();
        }
        while let Some(id) = self.findings_stale.tenants.pop_first() {
            if let Some(tenant) = self.resolution.tenant(&id) {
                let counts = model::checks::summarize(&self.checks_for(tenant));
                self.findings.insert(id, counts);
            } else {
                self.findings.remove(&id);
            }
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                break;
            }
        }
        !self.findings_stale.is_empty()
    }

    /// The checks of one tenant with whatever probe results are known.
    pub fn checks_for(&self, tenant: &model::Tenant) -> Vec<CheckResult> {
        let none = ProbeResults::default();
        let probes = match self.probes.get(&tenant.id) {
            Some(ProbeStatus::Done(results)) => results,
            _ => &none,
        };
        model::checks::run_checks(&CheckContext {
            inventory: &self.inventory,
            resolution: &self.resolution,
            tenant,
            probes,
        })
    }

    /// Forgets derived data so the next refresh recomputes it (new probe
    /// results change checks without an inventory change), the list's
    /// findings included.
    pub fn invalidate(&mut self) {
        self.derived_generation = None;
        self.findings_stale.all = true;
        self.detail = None;
    }

    /// New probe results for one tenant: its findings and, when open, its
    /// detail are recomputed; nothing else is (at tier L every tenant's
    /// probes answer one by one).
    pub fn invalidate_tenant(&mut self, id: &TenantId) {
        self.findings_stale.tenants.insert(id.clone());
        if self.detail.as_ref().is_some_and(|d| &d.tenant.id == id) {
            self.detail = None;
        }
    }

    /// Forgets everything read, for a refresh or an identity switch; the
    /// generation advances so that probes and reviews still running answer
    /// for nothing (ARCHITECTURE.md §2).
    pub fn forget_everything(&mut self) {
        self.inventory = Inventory::new();
        self.planned = false;
        self.fatal = None;
        self.unreachable_since = None;
        self.probes.clear();
        self.own_rules.clear();
        self.generation += 1;
        self.session += 1;
        self.invalidate();
    }

    /// The ticket a background read started now carries.
    pub fn ticket(&self) -> Ticket {
        Ticket {
            context: self.identity.context.clone(),
            generation: self.generation,
        }
    }

    /// Whether the first lists are still loading.
    pub fn loading(&self) -> bool {
        !self.planned
            || crate::model::Kind::ALL.iter().any(|k| {
                matches!(
                    self.inventory.kind_state(*k),
                    crate::model::SyncState::Loading { .. }
                )
            })
            || crate::model::Kind::QUOTA_OBJECTS
                .iter()
                .any(|k| self.inventory.kind_loading(*k))
    }

    /// Since when the cluster has not answered (the wall-clock time the
    /// watches lost it, as HH:MM:SS), or the reason it could not be reached
    /// at all; None while it answers.
    pub fn unreachable(&self) -> Option<String> {
        if let Some(fatal) = &self.fatal {
            return Some(match &self.unreachable_since {
                Some(since) => format!("unreachable since {since}"),
                None => fatal.clone(),
            });
        }
        crate::model::Kind::ALL
            .iter()
            .filter_map(|k| {
                self.inventory
                    .kind_reconnecting(*k)
                    .map(|r| r.since.clone())
            })
            .min()
            .map(|since| format!("unreachable since {since}"))
    }
}

/// One line of the tenants list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// A tenant of one cluster: `row` indexes that cluster's rows.
    /// `member`: drawn under its expanded group.
    Tenant {
        cluster: usize,
        row: usize,
        member: bool,
    },
    /// A tenant name found in several clusters (a fleet): one line with
    /// the count, which `Enter` expands to a line per cluster.
    Group {
        id: TenantId,
        members: Vec<(usize, usize)>,
        expanded: bool,
    },
}

/// A tenant name's row merged over its clusters, its findings summed, and
/// its (cluster, row) members.
type Merged = (TenantRow, FindingCounts, Vec<(usize, usize)>);

/// What the list's selection stays on while rows move.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selected {
    Tenant(usize, TenantId),
    Group(TenantId),
}

#[derive(Debug, Clone)]
pub struct State {
    /// Every cluster the console shows: one, or a fleet's (`--context`
    /// given more than once, `--all-contexts`). `State` reads as the
    /// cluster being worked on through `Deref`: `state.inventory` is that
    /// cluster's inventory.
    pub clusters: Vec<Cluster>,
    /// The cluster the user looks at (the open tenant's, the one writes go
    /// to).
    focus: usize,
    /// The cluster `Deref` reaches: the focused one, except while an
    /// action of another cluster's live session is applied
    /// (`Action::Cluster`).
    current: usize,
    pub tenancy: Tenancy,
    pub view: View,
    pub overlay: Option<Overlay>,
    pub list: ListState,
    /// Tenant names of several clusters whose lines are expanded.
    pub expanded: BTreeSet<TenantId>,
    /// Scroll offset inside the detail's current tab; in a tab with a
    /// cursor line (Policy, RBAC: `copy::has_cursor`), the cursor's line.
    pub detail_selected: usize,
    /// How far the current tab can scroll, once a frame has been drawn
    /// (the event loop sets it from the rendered length); None: unknown.
    pub detail_max_scroll: Option<usize>,
    /// What the lines of the current tab copy (`c`), where the tab has a
    /// cursor (Policy, RBAC): measured by the renderer for each frame
    /// (`Action::DetailTargets`), as `detail_max_scroll` is.
    pub detail_targets: Vec<super::copy::LineTarget>,
    /// The accepted filter of the detail's current tab: only its lines
    /// that contain it are shown (the one being typed is in the overlay).
    pub detail_filter: String,
    /// How far the help is scrolled, and how far it can be (measured
    /// when drawn, like `detail_max_scroll`).
    pub help_scroll: usize,
    pub help_max_scroll: Option<usize>,
    /// Policy tab: show only checks of this severity or above.
    pub policy_filter: Option<crate::model::checks::Severity>,
    pub readonly: bool,
    /// Whom the console shows the cluster as (`v`), when not the user:
    /// read-only, under a banner.
    pub viewing_as: Option<super::view_as::ViewingAs>,
    /// Whom every request acts as when the console was started with
    /// `--as` (a banner says so; writes stay the server's to allow).
    pub started_as: Option<super::view_as::StartedAs>,
    /// The list of owners `v` opens when a tenant has several.
    pub owner_picker: Option<super::view_as::OwnerPicker>,
    /// Whether `c` copies (config.yaml `clipboard:`).
    pub clipboard: bool,
    /// The kubeconfig file the console was given (`--kubeconfig`, the
    /// demo's), for the command lines `c` copies.
    pub kubeconfig: Option<String>,
    /// The tenant's name as typed to confirm a write on a
    /// `confirm: type-name` context.
    pub confirm_typed: String,
    /// A write being prepared, previewed or applied (create tenant, edit
    /// quota, apply template); drawn over the view.
    pub flow: Option<Box<super::form::WriteFlow>>,
    /// Built-in and user templates: empty until the console loads them at
    /// start (the headless commands never need them).
    pub templates: crate::model::template::Catalogue,
    /// One line for the status bar: a problem or a hint, replaced by the next.
    pub message: Option<String>,
    pub quit: bool,
    /// Terminal size, for paging.
    pub size: (u16, u16),
    /// Write requests sent so far; see [`Ticket`].
    pub write_requests: u64,
    /// The list's lines, filtered and sorted as the list shows them.
    pub visible: Vec<ListEntry>,
    /// The line selected when the list went empty (a refresh, a
    /// reconnect): selected again once its tenant is listed again.
    lost_selection: Option<Selected>,
    /// Unix seconds to take as "now" (tests and snapshots); `None` reads
    /// the system clock. Only the refusals' ages and "blocked" read it.
    pub frozen_now: Option<i64>,
}

impl std::ops::Deref for State {
    type Target = Cluster;
    fn deref(&self) -> &Cluster {
        &self.clusters[self.current]
    }
}

impl std::ops::DerefMut for State {
    fn deref_mut(&mut self) -> &mut Cluster {
        &mut self.clusters[self.current]
    }
}

impl State {
    pub fn new(resolvers: Vec<ResolverKind>, extra_tenants: Vec<(TenantId, Vec<String>)>) -> Self {
        State {
            clusters: vec![Cluster::default()],
            focus: 0,
            current: 0,
            tenancy: Tenancy {
                resolvers,
                extra_tenants,
                system_namespaces: SystemNamespaces::default(),
            },
            view: View::Tenants,
            overlay: None,
            list: ListState::default(),
            expanded: BTreeSet::new(),
            detail_selected: 0,
            detail_max_scroll: None,
            detail_targets: Vec::new(),
            detail_filter: String::new(),
            help_scroll: 0,
            help_max_scroll: None,
            policy_filter: None,
            readonly: false,
            viewing_as: None,
            started_as: None,
            owner_picker: None,
            clipboard: true,
            kubeconfig: None,
            confirm_typed: String::new(),
            flow: None,
            templates: crate::model::template::Catalogue::default(),
            message: None,
            quit: false,
            size: (80, 24),
            write_requests: 0,
            visible: Vec::new(),
            lost_selection: None,
            frozen_now: None,
        }
    }

    /// Whether the console shows several clusters.
    pub fn is_fleet(&self) -> bool {
        self.clusters.len() > 1
    }

    /// The cluster the user looks at.
    pub fn focus(&self) -> usize {
        self.focus
    }

    /// The cluster `Deref` reaches now (see `current`).
    pub fn current(&self) -> usize {
        self.current
    }

    /// Looks at another cluster: its detail is built on the next refresh.
    pub fn set_focus(&mut self, cluster: usize) {
        if cluster < self.clusters.len() && cluster != self.focus {
            self.clusters[self.focus].detail = None;
            self.focus = cluster;
            self.current = cluster;
        }
    }

    /// Applies `f` with `Deref` reaching `cluster` (an action of that
    /// cluster's live session), then comes back to the focused one.
    pub fn within<T>(&mut self, cluster: usize, f: impl FnOnce(&mut State) -> T) -> Option<T> {
        if cluster >= self.clusters.len() {
            return None;
        }
        self.current = cluster;
        let out = f(self);
        self.current = self.focus;
        Some(out)
    }

    /// The cluster on this kube context.
    pub fn cluster_of_context(&self, context: &str) -> Option<usize> {
        self.clusters
            .iter()
            .position(|c| c.identity.context == context)
    }

    /// Unix seconds now (see `frozen_now`).
    pub fn now(&self) -> i64 {
        self.frozen_now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        })
    }

    /// Recomputes what derives from the inventories (each cluster's, in
    /// proportion to what moved in it), the list's lines and the open
    /// tenant's detail.
    pub fn refresh(&mut self) {
        // The selection follows the tenant, not the line index: read which
        // tenant it is before the rows change under it.
        let selected = self.selected_key();
        let now = self.now();
        for cluster in &mut self.clusters {
            cluster.refresh_derived(&self.tenancy, now);
        }
        self.refresh_visible_keeping(selected);
        self.refresh_detail();
    }

    /// Re-applies filter and sort, keeping the selected tenant selected.
    pub fn refresh_visible(&mut self) {
        let selected = self.selected_key();
        self.refresh_visible_keeping(selected);
    }

    fn selected_key(&self) -> Option<Selected> {
        match self.visible.get(self.list.selected)? {
            ListEntry::Tenant { cluster, row, .. } => Some(Selected::Tenant(
                *cluster,
                self.clusters.get(*cluster)?.rows.get(*row)?.id.clone(),
            )),
            ListEntry::Group { id, .. } => Some(Selected::Group(id.clone())),
        }
    }

    fn refresh_visible_keeping(&mut self, selected: Option<Selected>) {
        let selected = selected.or_else(|| self.lost_selection.take());
        let had_selection = selected.is_some();
        let filter = self.active_filter().to_lowercase();
        // Each tenant name's rows, over every cluster, that the filter
        // keeps (a cluster's name matches too).
        let mut by_name: BTreeMap<&TenantId, Vec<(usize, usize)>> = BTreeMap::new();
        // An owner's view (`v`) is of one cluster: the list shows that one
        // alone, so that nothing under its banner is what the user sees.
        let only = self.viewing_as.as_ref().map(|_| self.focus);
        for (c, cluster) in self.clusters.iter().enumerate() {
            if only.is_some_and(|only| only != c) {
                continue;
            }
            let cluster_matches = self.clusters.len() > 1
                && !filter.is_empty()
                && cluster.identity.context.to_lowercase().contains(&filter);
            for (r, row) in cluster.rows.iter().enumerate() {
                if filter.is_empty()
                    || cluster_matches
                    || row_matches(row, &cluster.resolution, &filter)
                {
                    by_name.entry(&row.id).or_default().push((c, r));
                }
            }
        }
        let clusters = &self.clusters;
        let key = self.list.sort;
        // A group sorts by its tenant's rows over every cluster merged.
        let merged: Vec<Merged> = by_name
            .into_values()
            .map(|members| {
                let rows: Vec<&TenantRow> =
                    members.iter().map(|&(c, r)| &clusters[c].rows[r]).collect();
                let findings = members
                    .iter()
                    .filter_map(|&(c, r)| clusters[c].findings.get(&clusters[c].rows[r].id))
                    .fold(FindingCounts::default(), |sum, f| sum.plus(f));
                (model::merge_rows(&rows), findings, members)
            })
            .filter_map(|(row, findings, members)| Some((row?, findings, members)))
            .collect();
        let mut order: Vec<usize> = (0..merged.len()).collect();
        order.sort_by(|&a, &b| {
            let (ra, fa, _) = &merged[a];
            let (rb, fb, _) = &merged[b];
            compare_rows(key, (ra, fa), (rb, fb)).then_with(|| ra.id.cmp(&rb.id))
        });
        if self.list.reverse {
            order.reverse();
        }
        let mut visible = Vec::with_capacity(order.len());
        for i in order {
            let (row, _, members) = &merged[i];
            if let [(cluster, row)] = members.as_slice() {
                visible.push(ListEntry::Tenant {
                    cluster: *cluster,
                    row: *row,
                    member: false,
                });
                continue;
            }
            let expanded = self.expanded.contains(&row.id);
            visible.push(ListEntry::Group {
                id: row.id.clone(),
                members: members.clone(),
                expanded,
            });
            if expanded {
                visible.extend(members.iter().map(|&(cluster, row)| ListEntry::Tenant {
                    cluster,
                    row,
                    member: true,
                }));
            }
        }
        self.visible = visible;
        if self.visible.is_empty() && selected.is_some() {
            self.lost_selection = selected.clone();
        }
        let row_id = |cluster: usize, row: usize| &self.clusters[cluster].rows[row].id;
        let found = selected.and_then(|wanted| {
            let exact = self
                .visible
                .iter()
                .position(|entry| match (entry, &wanted) {
                    (ListEntry::Tenant { cluster, row, .. }, Selected::Tenant(c, id)) => {
                        cluster == c && row_id(*cluster, *row) == id
                    }
                    (ListEntry::Group { id, .. }, Selected::Group(wanted)) => id == wanted,
                    _ => false,
                });
            // A tenant that now has company in another cluster: its group;
            // a group left with one cluster: that tenant's line.
            exact.or_else(|| {
                self.visible
                    .iter()
                    .position(|entry| match (entry, &wanted) {
                        (ListEntry::Group { id, .. }, Selected::Tenant(_, wanted)) => id == wanted,
                        (ListEntry::Tenant { cluster, row, .. }, Selected::Group(id)) => {
                            row_id(*cluster, *row) == id
                        }
                        _ => false,
                    })
            })
        });
        // A selected tenant the filter left out: the first line, where the
        // eye goes (the index it had would land anywhere).
        self.list.selected = match (found, had_selection) {
            (Some(line), _) => line,
            (None, true) => 0,
            (None, false) => self.list.selected,
        }
        .min(self.visible.len().saturating_sub(1));
    }

    fn refresh_detail(&mut self) {
        let focus = self.focus;
        for (i, cluster) in self.clusters.iter_mut().enumerate() {
            match &self.view {
                View::Detail { tenant, .. } if i == focus => cluster.refresh_detail(tenant),
                _ => cluster.detail = None,
            }
        }
    }

    /// Whether any cluster's findings lag behind its inventory or probes.
    pub fn findings_stale(&self) -> bool {
        self.clusters.iter().any(Cluster::findings_stale)
    }

    /// Recomputes the findings of every tenant whose findings lag (see
    /// `findings`).
    pub fn refresh_findings(&mut self) {
        self.refresh_findings_for(None);
    }

    /// Like [`Self::refresh_findings`], but stops once `budget` is spent and
    /// leaves the rest stale for the next call, so a large cluster's checks
    /// never hold up a keystroke for long (ARCHITECTURE.md §9). Returns
    /// whether any findings remain stale.
    pub fn refresh_findings_for(&mut self, budget: Option<std::time::Duration>) -> bool {
        self.refresh();
        let deadline = budget.map(|b| std::time::Instant::now() + b);
        let mut stale = false;
        // At least one tenant per call, as a single cluster does.
        let mut worked = false;
        for cluster in &mut self.clusters {
            let lagging = !cluster.findings_stale.is_empty();
            if worked && deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                stale |= lagging;
                continue;
            }
            worked |= lagging;
            stale |= cluster.refresh_findings_until(deadline);
        }
        stale
    }

    /// The ticket of the write flow's latest request.
    pub fn write_ticket(&self) -> Ticket {
        Ticket {
            context: self.identity.context.clone(),
            generation: self.write_requests,
        }
    }

    /// The list's filter in effect: the one being typed, else the
    /// accepted one.
    pub fn active_filter(&self) -> &str {
        match (&self.overlay, &self.view) {
            (
                Some(Overlay::Input(InputState {
                    kind: InputKind::Filter,
                    text,
                })),
                View::Tenants,
            ) => text,
            _ => &self.list.filter,
        }
    }

    /// The detail tab's filter in effect: the one being typed, else the
    /// accepted one.
    pub fn active_detail_filter(&self) -> &str {
        match (&self.overlay, &self.view) {
            (
                Some(Overlay::Input(InputState {
                    kind: InputKind::Filter,
                    text,
                })),
                View::Detail { .. },
            ) => text,
            _ => &self.detail_filter,
        }
    }

    /// The selected line's tenant row: a tenant of one cluster, or for a
    /// group line the first of its clusters.
    pub fn selected_row(&self) -> Option<&TenantRow> {
        let (cluster, row) = match self.visible.get(self.list.selected)? {
            ListEntry::Tenant { cluster, row, .. } => (*cluster, *row),
            ListEntry::Group { members, .. } => *members.first()?,
        };
        self.clusters.get(cluster)?.rows.get(row)
    }

    /// Tenant rows of the list in display order, with their cluster (a
    /// group's line counts once, as its first cluster's row).
    pub fn visible_rows(&self) -> impl Iterator<Item = &TenantRow> {
        self.visible.iter().filter_map(|entry| {
            let (c, r) = match entry {
                ListEntry::Tenant { cluster, row, .. } => (*cluster, *row),
                ListEntry::Group { members, .. } => *members.first()?,
            };
            self.clusters.get(c)?.rows.get(r)
        })
    }

    /// Tenant rows of every cluster.
    pub fn row_count(&self) -> usize {
        self.clusters.iter().map(|c| c.rows.len()).sum()
    }

    /// What the write forms read from the state.
    pub fn form_context(&self) -> super::form::FormContext<'_> {
        super::form::FormContext {
            catalogue: &self.templates,
            resolution: &self.resolution,
            inventory: &self.inventory,
            resolvers: &self.tenancy.resolvers,
            own_rules: &self.own_rules,
        }
    }

    /// Whether the first lists are still loading: in a fleet, whether no
    /// cluster has its lists in yet (the list shows the clusters that
    /// answered and says which still load; a cluster that cannot be
    /// reached never holds up the others).
    pub fn loading(&self) -> bool {
        if self.is_fleet() {
            // A cluster that cannot be reached is not waited for: the
            // fleet loads while every one that can is still loading.
            let mut reachable = self
                .clusters
                .iter()
                .filter(|c| c.fatal.is_none())
                .peekable();
            reachable.peek().is_some() && reachable.all(Cluster::loading)
        } else {
            self.clusters.iter().any(Cluster::loading)
        }
    }
}

fn compare_rows(
    key: SortKey,
    (a, fa): (&TenantRow, &FindingCounts),
    (b, fb): (&TenantRow, &FindingCounts),
) -> std::cmp::Ordering {
    match key {
        SortKey::Name => std::cmp::Ordering::Equal,
        SortKey::Findings => {
            let rank = |f: &FindingCounts| (f.critical, f.high, f.medium, f.low, f.info);
            rank(fb).cmp(&rank(fa))
        }
        SortKey::Pressure => {
            let ratio = |r: &TenantRow| r.worst_pressure.as_ref().map(|p| p.ratio);
            ratio(b)
                .unwrap_or(-1.0)
                .total_cmp(&ratio(a).unwrap_or(-1.0))
        }
        SortKey::Pods => b.pod_count.cmp(&a.pod_count),
        SortKey::Namespaces => b.namespace_count.cmp(&a.namespace_count),
        SortKey::BestEffort => b.qos.best_effort.cmp(&a.qos.best_effort),
    }
}

fn row_matches(row: &TenantRow, resolution: &Resolution, filter: &str) -> bool {
    row.id.as_str().to_lowercase().contains(filter)
        || row.source.to_lowercase().contains(filter)
        || resolution.tenant(&row.id).is_some_and(|t| {
            t.namespaces
                .iter()
                .any(|ns| ns.to_lowercase().contains(filter))
        })
}

/// The key context the user is in: which keymap bindings apply, what help
/// and hints list.
pub fn key_context(state: &State) -> KeyContext {
    if let Some(flow) = &state.flow {
        return match flow.stage {
            super::form::Stage::Editing => KeyContext::Input,
            _ => KeyContext::Confirm,
        };
    }
    if state.owner_picker.is_some() {
        return KeyContext::Picker;
    }
    match (&state.overlay, &state.view) {
        (Some(Overlay::Input(_)), _) => KeyContext::Filter,
        (Some(Overlay::Help), _) => KeyContext::Help,
        (None, View::Tenants) => KeyContext::List,
        (None, View::Detail { .. }) => KeyContext::Detail,
    }
}

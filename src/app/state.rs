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

#[derive(Debug, Clone)]
pub struct State {
    pub inventory: Inventory,
    pub resolvers: Vec<ResolverKind>,
    /// Tenants named in config.yaml or on the command line, for users who
    /// cannot list namespaces.
    pub extra_tenants: Vec<(TenantId, Vec<String>)>,
    /// The cluster's own namespaces (`config.yaml` `system_namespaces:`).
    pub system_namespaces: SystemNamespaces,
    pub view: View,
    pub overlay: Option<Overlay>,
    pub list: ListState,
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
    pub identity: Identity,
    pub readonly: bool,
    /// The context's guard (config.yaml `contexts:`): the status line
    /// shows it; `confirm: type-name` asks for the tenant's name.
    pub guard: crate::config::ContextGuard,
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
    /// Set when the watchers could not start at all.
    pub fatal: Option<String>,
    /// Whether access planning has finished (before that nothing is known).
    pub planned: bool,
    pub quit: bool,
    /// Terminal size, for paging.
    pub size: (u16, u16),
    /// Advances whenever what the background reads were computed from is
    /// replaced (a refresh, a reconnect); see [`Ticket`].
    pub generation: u64,
    /// Write requests sent so far; see [`Ticket`].
    pub write_requests: u64,

    // Derived from the inventory; see `State::refresh`.
    pub resolution: Resolution,
    /// All tenant rows, by name.
    pub rows: Vec<TenantRow>,
    /// Indexes into `rows`, filtered and sorted as the list shows them.
    pub visible: Vec<usize>,
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
    /// Unix seconds to take as "now" (tests and snapshots); `None` reads
    /// the system clock. Only the refusals' ages and "blocked" read it.
    pub frozen_now: Option<i64>,
    /// Namespaces named or discovered for a user who cannot list them,
    /// with where each came from (`-n`, `context`, `config.yaml`,
    /// `Capsule tenant NAME`, `role binding NS/NAME`).
    pub namespace_origins: BTreeMap<String, Vec<String>>,
}

impl State {
    pub fn new(resolvers: Vec<ResolverKind>, extra_tenants: Vec<(TenantId, Vec<String>)>) -> Self {
        State {
            inventory: Inventory::new(),
            resolvers,
            extra_tenants,
            system_namespaces: SystemNamespaces::default(),
            view: View::Tenants,
            overlay: None,
            list: ListState::default(),
            detail_selected: 0,
            detail_max_scroll: None,
            detail_targets: Vec::new(),
            detail_filter: String::new(),
            help_scroll: 0,
            help_max_scroll: None,
            policy_filter: None,
            identity: Identity::default(),
            readonly: false,
            guard: crate::config::ContextGuard::default(),
            viewing_as: None,
            started_as: None,
            owner_picker: None,
            clipboard: true,
            confirm_typed: String::new(),
            flow: None,
            templates: crate::model::template::Catalogue::default(),
            message: None,
            fatal: None,
            planned: false,
            quit: false,
            size: (80, 24),
            generation: 0,
            write_requests: 0,
            resolution: Resolution::default(),
            rows: Vec::new(),
            visible: Vec::new(),
            detail: None,
            findings: BTreeMap::new(),
            findings_stale: Stale::default(),
            probes: BTreeMap::new(),
            own_rules: BTreeMap::new(),
            derived_generation: None,
            frozen_now: None,
            namespace_origins: BTreeMap::new(),
        }
    }

    /// Unix seconds now (see `frozen_now`).
    pub fn now(&self) -> i64 {
        self.frozen_now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        })
    }

    /// Recomputes what derives from the inventory, once per batch of
    /// updates and only when the inventory moved, in proportion to what
    /// moved (ARCHITECTURE.md §9): a change inside some namespaces redoes
    /// their tenants' rows; only a change to what tenants are made of
    /// (namespaces, Capsule `Tenant`s, watch states) resolves them again.
    pub fn refresh(&mut self) {
        // The selection follows the tenant, not the row index: read which
        // tenant it is before the rows change under it.
        let selected_id = self.selected_row().map(|r| r.id.clone());
        if self.derived_generation != Some(self.inventory.generation()) {
            let dirty = self.inventory.take_dirty();
            let now = self.now();
            if self.derived_generation.is_none() || dirty.structure {
                self.resolution = model::resolve_inventory_with_system(
                    &self.inventory,
                    &self.resolvers,
                    &self.extra_tenants,
                    &self.system_namespaces,
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
                    let mut row =
                        model::tenant_row(&self.inventory, &self.resolution, tenant, objects);
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
        self.refresh_visible_keeping(selected_id);
        self.refresh_detail();
    }

    /// Re-applies filter and sort, keeping the selected tenant selected.
    pub fn refresh_visible(&mut self) {
        let selected_id = self.selected_row().map(|r| r.id.clone());
        self.refresh_visible_keeping(selected_id);
    }

    fn refresh_visible_keeping(&mut self, selected_id: Option<TenantId>) {
        let filter = self.active_filter().to_lowercase();
        let mut visible: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| filter.is_empty() || row_matches(row, &self.resolution, &filter))
            .map(|(i, _)| i)
            .collect();
        let rows = &self.rows;
        let findings = &self.findings;
        let key = self.list.sort;
        visible.sort_by(|a, b| {
            let (a, b) = (&rows[*a], &rows[*b]);
            let order = match key {
                SortKey::Name => std::cmp::Ordering::Equal,
                SortKey::Findings => {
                    let rank = |r: &TenantRow| {
                        findings
                            .get(&r.id)
                            .map(|f| (f.critical, f.high, f.medium, f.low, f.info))
                    };
                    rank(b).cmp(&rank(a))
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
            };
            order.then_with(|| a.id.cmp(&b.id))
        });
        if self.list.reverse {
            visible.reverse();
        }
        self.visible = visible;
        self.list.selected = selected_id
            .and_then(|id| self.visible.iter().position(|i| self.rows[*i].id == id))
            .unwrap_or(self.list.selected)
            .min(self.visible.len().saturating_sub(1));
    }

    fn refresh_detail(&mut self) {
        let View::Detail { tenant, .. } = &self.view else {
            self.detail = None;
            return;
        };
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

    /// Whether the findings lag behind the inventory or the probes.
    pub fn findings_stale(&self) -> bool {
        self.planned && !self.findings_stale.is_empty()
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
        let started = std::time::Instant::now();
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
            if budget.is_some_and(|b| started.elapsed() >= b) {
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

    /// The ticket a background read started now carries.
    pub fn ticket(&self) -> Ticket {
        Ticket {
            context: self.identity.context.clone(),
            generation: self.generation,
        }
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

    pub fn selected_row(&self) -> Option<&TenantRow> {
        self.visible
            .get(self.list.selected)
            .and_then(|i| self.rows.get(*i))
    }

    /// Rows of the list in display order.
    pub fn visible_rows(&self) -> impl Iterator<Item = &TenantRow> {
        self.visible.iter().filter_map(|i| self.rows.get(*i))
    }

    /// What the write forms read from the state.
    pub fn form_context(&self) -> super::form::FormContext<'_> {
        super::form::FormContext {
            catalogue: &self.templates,
            resolution: &self.resolution,
            inventory: &self.inventory,
            resolvers: &self.resolvers,
            own_rules: &self.own_rules,
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

//! Everything the console shows, derived data included, so rendering is a
//! pure function of `&State`.

use std::collections::BTreeMap;

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
    /// Why the tenant's workloads are refused (Quota tab), newest first.
    pub refusals: Vec<model::refusal::Refusal>,
    /// Namespaces whose refusal events cannot be read.
    pub refusals_unreadable: Vec<String>,
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
    /// Selected row (and scroll) inside the detail's current tab.
    pub detail_selected: usize,
    /// How far the current tab can scroll, once a frame has been drawn
    /// (the event loop sets it from the rendered length); None: unknown.
    pub detail_max_scroll: Option<usize>,
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
    findings_generation: Option<u64>,
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
            detail_filter: String::new(),
            help_scroll: 0,
            help_max_scroll: None,
            policy_filter: None,
            identity: Identity::default(),
            readonly: false,
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
            findings_generation: None,
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
    /// updates and only when the inventory moved.
    pub fn refresh(&mut self) {
        // The selection follows the tenant, not the row index: read which
        // tenant it is before the rows change under it.
        let selected_id = self.selected_row().map(|r| r.id.clone());
        if self.derived_generation != Some(self.inventory.generation()) {
            self.resolution = model::resolve_inventory_with_system(
                &self.inventory,
                &self.resolvers,
                &self.extra_tenants,
                &self.system_namespaces,
            );
            self.rows = model::tenant_rows(&self.inventory, &self.resolution);
            let now = self.now();
            for row in &mut self.rows {
                if let Some(tenant) = self.resolution.tenant(&row.id) {
                    row.blocked = model::refusal::recent_refusals(&self.inventory, tenant, now);
                }
            }
            self.derived_generation = Some(self.inventory.generation());
            self.detail = None;
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
        self.planned && self.findings_generation != self.derived_generation
    }

    /// Recomputes the findings of every tenant (see `findings`).
    pub fn refresh_findings(&mut self) {
        self.refresh();
        self.findings = self
            .resolution
            .tenants
            .iter()
            .map(|t| (t.id.clone(), model::checks::summarize(&self.checks_for(t))))
            .collect();
        self.findings_generation = self.derived_generation;
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
        self.findings_generation = None;
        self.detail = None;
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
    match (&state.overlay, &state.view) {
        (Some(Overlay::Input(_)), _) => KeyContext::Filter,
        (Some(Overlay::Help), _) => KeyContext::Help,
        (None, View::Tenants) => KeyContext::List,
        (None, View::Detail { .. }) => KeyContext::Detail,
    }
}

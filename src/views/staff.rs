//! Template structs of the staff workspace.

use askama::Template;
use askama_web::WebTemplate;

use super::{Choice, FormErrors, PlaceGroup};
use crate::domain::request::RequestInput;
use crate::i18n::Lang;

/// The bar on top of every staff page.
pub struct StaffNav {
    pub display_name: String,
    pub role: String,
    pub csrf: String,
    /// Which link is the current page.
    pub current: &'static str,
    pub inbox: bool,
    pub overdue: bool,
    pub intake: bool,
    pub dashboard: bool,
    pub fund: bool,
    pub volunteers: bool,
    pub me: bool,
    pub admin: bool,
    /// Planning forms this role may open: path and label.
    pub plans: Vec<(&'static str, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/login.html")]
pub struct LoginPage {
    pub l: Lang,
    pub csrf: String,
    pub next: String,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
pub struct StaffHome {
    pub l: Lang,
    pub nav: StaffNav,
}

/// One line of the inbox.
pub struct InboxRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub state: &'static str,
    pub state_label: String,
    pub channel_label: String,
    pub category: String,
    pub unit: String,
    pub town: String,
    pub received: String,
    /// The deadline at risk: which one ("签收" or "办结"), its day, and how
    /// near it is in words ("超期 2 天", "今天到期", "剩 1 天"; empty when
    /// further off), with `due_class` "overdue", "soon" or "".
    pub due_kind: String,
    pub due: String,
    pub due_note: String,
    pub due_class: &'static str,
    pub overdue: bool,
    /// An urgent safety hazard (紧急安全隐患).
    pub urgent: bool,
    /// Masked (138****1234), and empty for roles that see no citizen data.
    pub phone: String,
}

/// A state with its count, linking to the inbox filtered by it.
pub struct StateTab {
    pub label: String,
    /// "12", or "100+" past the cap.
    pub count: String,
    pub href: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/inbox.html")]
pub struct InboxPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub title: String,
    /// Where the filter form submits.
    pub action: &'static str,
    pub rows: Vec<InboxRow>,
    /// "N matters" in words.
    pub summary: String,
    /// Whether a filter other than the state is set (the filters show open).
    pub filtered: bool,
    /// The rows can be ticked and accepted (and dispatched) together.
    pub bulk: bool,
    /// What the last bulk step did, and what it could not, in words.
    pub bulk_done: Option<String>,
    pub bulk_refused: Option<String>,
    /// A search limited to some states: the same search in every state.
    pub all_states: Option<String>,
    /// A text search: the rows come best match first, not in the sort.
    pub ranked: bool,
    /// The text search was given up at its time limit.
    pub too_slow: bool,
    /// This view as a download.
    pub export_csv: String,
    pub export_xlsx: String,
    /// "Page 3".
    pub page: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub tabs: Vec<StateTab>,
    pub states: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub units: Vec<Choice>,
    pub towns: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub overdue: bool,
    pub overdue_page: bool,
    pub from: String,
    pub to: String,
    pub q: String,
    pub show_phone: bool,
}

/// One event on a staff timeline.
pub struct StaffEventView {
    pub at: String,
    pub label: String,
    pub actor: String,
    pub note: String,
    pub public: bool,
    pub photos: Vec<super::PhotoView>,
}

/// The form of one action the user may take now.
pub struct ActionView {
    pub code: &'static str,
    pub label: String,
    pub note: bool,
    pub note_required: bool,
    pub note_label: String,
    pub public_choice: bool,
    pub unit: bool,
    pub channel: bool,
    pub category: bool,
    pub primary: bool,
    pub days: bool,
    pub decision: bool,
    pub amount: bool,
    pub service: bool,
    pub milestone: bool,
    /// Photos may be attached (a progress note, the resolution).
    pub photos: bool,
    /// No field at all: a button, not a form to open.
    pub simple: bool,
    /// The unit may be left blank (accepting: dispatch later).
    pub unit_optional: bool,
    /// Why the last try of this form was refused.
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/matter.html")]
pub struct MatterPage {
    pub l: Lang,
    /// The citizen's photos with the request.
    pub photos: Vec<super::PhotoView>,
    pub nav: StaffNav,
    pub csrf: String,
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub title: String,
    pub description: String,
    pub state: &'static str,
    pub state_label: String,
    pub channel_label: String,
    pub source_label: String,
    pub category: String,
    pub place: String,
    pub address: String,
    pub citizen_name: Option<String>,
    /// In full for those allowed to handle the matter, masked for others.
    pub phone: String,
    pub unit: Option<String>,
    pub received: String,
    pub due: Option<String>,
    pub sign_due: Option<String>,
    pub overdue: bool,
    /// A pending extension: days and reason.
    pub extension: Option<(i32, String)>,
    pub radio_date: Option<String>,
    /// The matter this one was merged into: id and code.
    pub primary: Option<(i64, String)>,
    /// Possible duplicates, and whether this user may merge this matter
    /// into one of them here.
    pub similar: Vec<SimilarView>,
    pub may_merge: bool,
    pub events: Vec<StaffEventView>,
    pub actions: Vec<ActionView>,
    pub units: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub milestones: Vec<MilestoneView>,
    /// Percent, for leader and department matters.
    pub progress: i32,
    pub claimant: Option<String>,
    pub menu_item: Option<String>,
    pub requested: Option<String>,
    pub approved: Option<String>,
    pub spent: Option<String>,
    pub fund_available: Option<String>,
    pub rating: Option<String>,
    pub rating_comment: String,
    /// Today in China, the default date of a service.
    pub today: String,
    /// What was just done, to confirm it.
    pub done: Option<String>,
}

/// A possible duplicate on a matter's page.
pub struct SimilarView {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub state_label: String,
    pub received: String,
    /// "85%".
    pub likeness: String,
}

pub struct MilestoneView {
    pub id: i64,
    pub title: String,
    pub planned_on: String,
    pub done_on: String,
    pub progress: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/conflict.html")]
pub struct ConflictPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub id: i64,
    pub changes: Vec<StaffEventView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/intake.html")]
pub struct IntakePage {
    pub l: Lang,
    pub nav: StaffNav,
    pub csrf: String,
    pub categories: Vec<Choice>,
    pub places: Vec<PlaceGroup>,
    pub input: RequestInput,
    pub errors: FormErrors,
    pub sources: Vec<Choice>,
    pub radio_date: String,
    pub source_error: Option<String>,
    pub radio_error: Option<String>,
    /// News by e-mail, and by text message, can be asked for.
    pub offer_email: bool,
    pub offer_sms: bool,
}

impl MatterPage {
    /// Whether the matter has channel-specific facts to show.
    pub fn channel_panel(&self) -> bool {
        self.claimant.is_some()
            || self.menu_item.is_some()
            || self.requested.is_some()
            || self.approved.is_some()
            || self.rating.is_some()
            || self.has_milestones()
    }

    /// Leader and department matters track progress by milestones.
    pub fn has_milestones(&self) -> bool {
        !self.milestones.is_empty() || self.actions.iter().any(|a| a.milestone)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/plan.html")]
pub struct PlanPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub csrf: String,
    pub action: &'static str,
    pub title: String,
    pub intro: String,
    pub unit_label: String,
    pub categories: Vec<Choice>,
    pub units: Vec<Choice>,
    pub menu: Vec<Choice>,
    /// Micro-matters ask for an amount.
    pub amount: bool,
    /// Service requests name a menu item.
    pub service: bool,
    pub form_title: String,
    pub description: String,
    pub address: String,
    pub amount_value: String,
    /// Problems by field name, in words.
    pub errors: Vec<(&'static str, String)>,
}

impl PlanPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub struct LedgerRow {
    pub at: String,
    pub kind: String,
    pub amount: String,
    /// The micro-matter it belongs to: id and code.
    pub matter: Option<(i64, String)>,
    pub actor: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/fund.html")]
pub struct FundPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub csrf: String,
    pub allocated: String,
    pub outstanding: String,
    pub spent: String,
    pub available: String,
    pub rows: Vec<LedgerRow>,
    pub page: i64,
    pub pages: i64,
    pub can_allocate: bool,
    pub error: Option<String>,
}

pub struct TeamRow {
    pub name: String,
    pub specialty: String,
    pub unit: String,
    pub items: Vec<String>,
    pub members: usize,
    pub hours: String,
}

pub struct VolunteerRow {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub team: String,
    pub home_unit: String,
    pub community: String,
    pub services: usize,
    pub hours: String,
}

pub struct ServiceRow {
    pub served_on: String,
    pub community: String,
    pub hours: String,
    pub outcome: String,
    pub matter_id: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/volunteers.html")]
pub struct VolunteersPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub csrf: String,
    pub team_count: usize,
    pub item_count: usize,
    pub volunteer_count: usize,
    pub total_hours: String,
    pub teams: Vec<TeamRow>,
    pub volunteers: Vec<VolunteerRow>,
    pub admin: bool,
    pub team_choices: Vec<Choice>,
    pub unit_choices: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/volunteer.html")]
pub struct VolunteerPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub name: String,
    pub team: String,
    pub home_unit: String,
    pub community: String,
    pub reported: String,
    /// Kind, name, community.
    pub claims: Vec<(String, String, String)>,
    pub hours: String,
    pub services: Vec<ServiceRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/me.html")]
pub struct MePage {
    pub l: Lang,
    pub nav: StaffNav,
    pub csrf: String,
    pub id: i64,
    pub error: Option<String>,
    pub reported: Option<String>,
    pub teams: Vec<Choice>,
    pub home_units: Vec<Choice>,
    pub communities: Vec<Choice>,
    pub claims: Vec<(String, String, String)>,
    /// Open requests for this volunteer's team: id, code, title, community, state.
    pub requests: Vec<(i64, String, String, String, String)>,
    pub hours: String,
    pub services: Vec<ServiceRow>,
    pub today: String,
}

/// One channel's headline figures.
pub struct ChannelFigures {
    pub code: &'static str,
    pub name: String,
    pub headline: String,
    /// Label and value.
    pub figures: Vec<(String, String)>,
}

/// The three rates of one group, with the counts behind them.
pub struct RateRow {
    pub label: String,
    pub total: i64,
    pub response: String,
    pub response_parts: String,
    pub resolution: String,
    pub resolution_parts: String,
    pub satisfaction: String,
    pub satisfaction_parts: String,
    pub overdue: i64,
}

/// One month of the trend chart (coordinates in SVG units).
pub struct Bar {
    pub x: i64,
    pub received_h: i64,
    pub closed_h: i64,
    pub received: i64,
    pub closed: i64,
    pub label: String,
}

pub struct Trend {
    pub bars: Vec<Bar>,
    pub max: i64,
    pub width: i64,
    pub height: i64,
    pub caption: String,
    pub received_label: String,
    pub closed_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/dashboard.html")]
pub struct DashboardPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub channels: Vec<ChannelFigures>,
    pub overall: RateRow,
    pub per_channel: Vec<RateRow>,
    pub per_unit: Vec<RateRow>,
    pub trend: Trend,
    pub open: i64,
}

pub struct AdminCategory {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub sign_hours: i32,
    pub resolve_days: i32,
    pub active: bool,
}

pub struct AdminUnit {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub parent: String,
}

pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: String,
    pub active: bool,
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/admin.html")]
pub struct AdminPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub csrf: String,
    pub error: Option<String>,
    /// A key just made, shown this once.
    pub new_key: Option<String>,
    pub keys: Vec<AdminKey>,
    pub categories: Vec<AdminCategory>,
    pub units: Vec<AdminUnit>,
    pub towns: Vec<Choice>,
    pub users: Vec<AdminUser>,
}

pub struct AdminKey {
    pub id: i64,
    pub client: String,
    pub created: String,
    pub revoked: Option<String>,
}

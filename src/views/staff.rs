//! Template structs of the staff workspace.

use askama::Template;
use askama_web::WebTemplate;

use super::{Choice, FormErrors, PlaceGroup};
use crate::domain::request::RequestInput;
use crate::web::i18n::Lang;

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
    pub state: String,
    pub state_label: String,
    pub channel_label: String,
    pub category: String,
    pub unit: String,
    pub town: String,
    pub received: String,
    pub due: String,
    pub overdue: bool,
    /// Masked (138****1234), and empty for roles that see no citizen data.
    pub phone: String,
}

/// A state with its count, linking to the inbox filtered by it.
pub struct StateTab {
    pub label: String,
    pub count: i64,
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
    pub page: i64,
    pub pages: i64,
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
    /// Why the last try of this form was refused.
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/matter.html")]
pub struct MatterPage {
    pub l: Lang,
    pub nav: StaffNav,
    pub csrf: String,
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub title: String,
    pub description: String,
    pub state: String,
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
    pub events: Vec<StaffEventView>,
    pub actions: Vec<ActionView>,
    pub units: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub categories: Vec<Choice>,
    /// What was just done, to confirm it.
    pub done: Option<String>,
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
}

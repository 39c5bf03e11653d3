//! Template structs: what each page needs, nothing more. The markup is in
//! `templates/`; every string shown comes from the locale files through `l`.

use askama::Template;
use askama_web::WebTemplate;

use crate::db::matters::PublicFigures;
use crate::domain::request::{Field, Problem, RequestInput};
use crate::i18n::Lang;

/// One option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(id: i64, label: &str, typed: &str) -> Choice {
        let value = id.to_string();
        let selected = typed.trim() == value;
        Choice {
            value,
            label: label.to_owned(),
            selected,
        }
    }
}

/// A town and its communities, as an optgroup.
pub struct PlaceGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

/// The problems of a posted form, by field.
#[derive(Default)]
pub struct FormErrors(pub Vec<(Field, Problem)>);

impl FormErrors {
    /// The message key for the field named `name`, if it has a problem.
    pub fn of(&self, name: &str) -> Option<&'static str> {
        self.0
            .iter()
            .find(|(f, _)| f.name() == name)
            .map(|(_, p)| p.key())
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    pub l: Lang,
    pub figures: PublicFigures,
    pub channels: Vec<staff::ChannelFigures>,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
}

/// One project on the public list.
pub struct ProjectRow {
    pub code: String,
    pub title: String,
    pub state: &'static str,
    pub state_label: String,
    pub unit: String,
    pub leader: String,
    pub progress: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/projects.html")]
pub struct ProjectsPage {
    pub l: Lang,
    /// The two kinds of project, each a tab with its count.
    pub tabs: Vec<StateTabLink>,
    /// All, under way, accepted: links with their counts.
    pub shows: Vec<StateTabLink>,
    pub rows: Vec<ProjectRow>,
    /// "Page 2 of 9".
    pub page: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// A link that narrows a list, with how many it leads to.
pub struct StateTabLink {
    pub label: String,
    pub count: usize,
    pub href: String,
    pub current: bool,
}

/// `/find`: a lost code sent to the number or address it was given with.
#[derive(Template, WebTemplate)]
#[template(path = "public/find.html")]
pub struct FindPage {
    pub l: Lang,
    pub csrf: String,
    pub typed: String,
    pub error: Option<String>,
    /// The request was taken (the same words whatever was found).
    pub done: bool,
    pub by_email: bool,
    pub by_sms: bool,
    /// Whom to ask when neither can be sent.
    pub contact: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/submit.html")]
pub struct SubmitPage {
    pub l: Lang,
    pub csrf: String,
    pub categories: Vec<Choice>,
    pub places: Vec<PlaceGroup>,
    pub input: RequestInput,
    pub errors: FormErrors,
    /// Photos were chosen but not kept (another field had a problem):
    /// the citizen must choose them again.
    pub photos_again: bool,
    /// News by e-mail, and by text message, can be asked for.
    pub offer_email: bool,
    pub offer_sms: bool,
}

/// One public step of a matter's life.
pub struct EventView {
    pub at: String,
    pub label: String,
    pub note: String,
    /// Photos that came with this step (staff's of the work).
    pub photos: Vec<PhotoView>,
}

/// A photo as a page shows it: a thumbnail that opens the whole photo, or
/// a link to one kept elsewhere.
#[derive(Clone, Debug)]
pub struct PhotoView {
    /// Where the whole photo is.
    pub href: String,
    /// The thumbnail's address, for a photo kept here.
    pub thumb: Option<String>,
    pub width: i32,
    pub height: i32,
}

impl PhotoView {
    pub fn of(p: &crate::db::photos::Photo) -> PhotoView {
        match &p.link {
            Some(link) => PhotoView {
                href: link.clone(),
                thumb: None,
                width: 0,
                height: 0,
            },
            None => PhotoView {
                href: format!("/photos/{}", p.token),
                thumb: Some(format!("/photos/{}/thumb", p.token)),
                width: p.width,
                height: p.height,
            },
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/track.html")]
pub struct TrackPage {
    pub l: Lang,
    /// Shown right after submitting: the receipt with its QR code.
    pub receipt: bool,
    pub code: String,
    /// What the citizen asked, as received: never their name or phone.
    pub asked: Asked,
    /// The request is about an urgent hazard: the receipt says to call
    /// 110, 119 or 120 first.
    pub urgent: bool,
    /// A key project or a department's matter: what it is about, and its
    /// progress by its milestones (percent).
    pub project: bool,
    pub progress: Option<i32>,
    pub state: &'static str,
    pub state_label: String,
    pub channel: String,
    pub unit: Option<String>,
    pub expected: Option<String>,
    pub events: Vec<EventView>,
    /// The reply the rating judges: the resolution's note.
    pub reply: Option<EventView>,
    /// The rating form's CSRF token and the matter's version, when the
    /// citizen may rate now.
    pub rate: Option<(String, i32)>,
    /// Resolved, but recorded without a phone: it cannot be rated here.
    pub rate_without_phone: bool,
    /// The rating given, in words.
    pub rating: Option<String>,
    /// Why the last rating was not taken, in words.
    pub rate_error: Option<String>,
    /// A rating was just taken.
    pub rated: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/privacy.html")]
pub struct PrivacyPage {
    pub l: Lang,
    /// How long personal data is kept, in words.
    pub keep: String,
    /// Whom to ask, in words.
    pub ask: String,
}

/// A request as the office received it, for its status page and receipt.
pub struct Asked {
    pub title: String,
    pub description: String,
    pub category: String,
    pub place: String,
    pub address: String,
    pub received: String,
    /// The photos the citizen sent with it.
    pub photos: Vec<PhotoView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/lookup.html")]
pub struct LookupPage {
    pub l: Lang,
    pub title: String,
    pub typed: String,
    pub message: Option<String>,
}

impl LookupPage {
    pub fn new(l: Lang, typed: &str, message_key: Option<&str>) -> LookupPage {
        LookupPage {
            l,
            title: l.t("track.lookup_title"),
            typed: typed.chars().take(40).collect(),
            message: message_key.map(|k| l.t(k)),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Lang,
    pub title: String,
    pub text: String,
}
pub mod staff;

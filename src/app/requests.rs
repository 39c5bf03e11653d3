//! A request for something to be done, however it arrives: a citizen's
//! web form, a call, a radio show or a visit recorded by staff, or an
//! Open311 client. Each entrance checks its fields with the same rules
//! (`domain::request`) and stores through [`store`]: a new online matter
//! under a fresh tracking code, with its category's resolve-by date.

use chrono::{DateTime, NaiveDate, Utc};

use super::Result;
use super::notify::{self, News};
use super::photos::NewPhoto;
use crate::db::AnyConnection;
use crate::db::catalog::{self, Category, Unit};
use crate::db::matters::{self, ApiOrigin, Intake};
use crate::db::outbox::Contact;
use crate::domain::request::{self, Field, Problem, RequestInput};
use crate::domain::{Channel, Deadlines, Source, UnitKind};

/// What the request forms offer to choose from.
pub struct Catalog {
    /// The active categories, in display order.
    pub categories: Vec<Category>,
    /// Towns and communities.
    pub places: Vec<Unit>,
    /// Every unit, by id (names on staff pages, and each staff member's
    /// scope: their unit and the units under it).
    pub units: Vec<Unit>,
    /// Every category, retired ones too, by id (names of old matters).
    pub all_categories: Vec<Category>,
}

impl Catalog {
    pub fn load(c: &mut AnyConnection) -> Result<Catalog> {
        Ok(Catalog {
            categories: catalog::active_categories(c)?,
            places: catalog::places(c)?,
            units: catalog::all_units(c)?,
            all_categories: catalog::all_categories(c)?,
        })
    }

    /// A category by id, retired ones too (an old matter's).
    pub fn category(&self, id: i64) -> Option<&Category> {
        self.all_categories.iter().find(|c| c.id == id)
    }

    /// A unit (a department, town or community) by id.
    pub fn unit(&self, id: i64) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    pub fn category_ids(&self) -> Vec<i64> {
        self.categories.iter().map(|c| c.id).collect()
    }

    pub fn place_ids(&self) -> Vec<i64> {
        self.places.iter().map(|u| u.id).collect()
    }
}

/// A request that passed every rule, ready to be stored.
#[derive(Clone, Debug)]
pub struct NewRequest {
    pub category: Category,
    pub title: String,
    pub description: String,
    /// The town or community it is about (Open311 requests give a point or
    /// an address instead).
    pub place: Option<Unit>,
    pub address: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Photos the citizen showed (already checked and re-encoded).
    pub photos: Vec<NewPhoto>,
    /// How the citizen asked to hear back (nothing by default).
    pub contact: Contact,
}

/// Checks a request form (the citizen's or staff intake's): every problem,
/// or the request.
pub fn check(input: &RequestInput, catalog: &Catalog) -> Result<NewRequest, Vec<(Field, Problem)>> {
    let valid = request::validate(input, &catalog.category_ids(), &catalog.place_ids())?;
    let category = catalog
        .categories
        .iter()
        .find(|c| c.id == valid.category_id);
    let place = catalog.places.iter().find(|u| u.id == valid.place_id);
    match (category, place) {
        (Some(category), Some(place)) => Ok(NewRequest {
            category: category.clone(),
            title: valid.title,
            description: valid.description,
            place: Some(place.clone()),
            address: valid.address,
            name: valid.name,
            phone: Some(valid.phone),
            photos: Vec::new(),
            contact: Contact {
                email: valid.email,
                sms: valid.sms,
                lang: "zh-CN".into(),
            },
        }),
        // `validate` checked both ids against these very lists.
        _ => Err(vec![(Field::Category, Problem::UnknownChoice)]),
    }
}

/// How a request reached the office.
#[derive(Clone, Debug)]
pub enum Origin {
    /// The citizen's own web form.
    Web,
    /// Taken by phone, on the radio call-in show (with the episode's date)
    /// or at a counter, and recorded by this staff member (id, name).
    Recorded {
        source: Source,
        radio_date: Option<NaiveDate>,
        by: (i64, String),
    },
    /// Posted by an Open311 client.
    Api {
        client: String,
        lat: Option<f64>,
        lng: Option<f64>,
        address_id: Option<String>,
        /// The service's extra fields, as JSON.
        attributes: Option<String>,
    },
}

/// The sources staff record requests from.
pub const RECORDED_SOURCES: [Source; 3] = [Source::Phone, Source::Radio, Source::WalkIn];

/// A radio episode's date is at most ten years back and no later than
/// tomorrow (China time).
pub fn radio_date_ok(day: NaiveDate, today: NaiveDate) -> bool {
    day <= today + chrono::Duration::days(1) && day >= today - chrono::Duration::days(3650)
}

/// What the citizen is given for a stored request.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub id: i64,
    pub code: String,
    /// When it is expected to be resolved.
    pub due: Option<DateTime<Utc>>,
}

/// Stores a checked request as a new online matter, waiting for triage,
/// under a fresh tracking code drawn from `rng`. May run more than once (SQLite's writer
/// reruns a batch in which another write failed); only the last run counts.
pub fn store<R: rand::Rng + ?Sized>(
    c: &mut AnyConnection,
    prefix: &str,
    rng: &mut R,
    req: &NewRequest,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Result<Receipt> {
    let town_id = req.place.as_ref().map(|p| match p.kind {
        UnitKind::Town => p.id,
        _ => p.parent_id.unwrap_or(p.id),
    });
    let due = Deadlines::new(req.category.sign_hours, req.category.resolve_days)
        .map(|d| d.resolve_by(now));
    let (source, radio_date, recorded_by, api) = match origin {
        Origin::Web => (Source::Web, None, None, None),
        Origin::Recorded {
            source,
            radio_date,
            by,
        } => (*source, *radio_date, Some((by.0, by.1.as_str())), None),
        Origin::Api {
            client,
            lat,
            lng,
            address_id,
            attributes,
        } => (
            Source::Api,
            None,
            None,
            Some(ApiOrigin {
                client,
                lat: *lat,
                lng: *lng,
                address_id: address_id.as_deref(),
                attributes: attributes.as_deref(),
            }),
        ),
    };
    let intake = Intake {
        code: "",
        channel: Channel::Online,
        source,
        category_id: req.category.id,
        title: &req.title,
        description: &req.description,
        town_id,
        place_id: req.place.as_ref().map(|p| p.id),
        address: &req.address,
        citizen_name: req.name.as_deref(),
        citizen_phone: req.phone.as_deref(),
        received: now,
        due,
        radio_date,
        recorded_by,
        unit_id: None,
        requested_fen: None,
        menu_item_id: None,
        api,
    };
    // Without photos or a wish to hear back, the matter (with its first
    // event) is the one write, atomic by itself: on PostgreSQL one
    // statement, where a transaction would add two round trips.
    let mut write = |c: &mut AnyConnection| {
        let (id, code) = matters::insert_with_new_code(c, prefix, rng, &intake)?;
        super::photos::keep(c, rng, id, 1, true, true, &req.photos, now)?;
        notify::remember(c, id, &req.contact)?;
        let about = notify::About {
            id,
            code: &code,
            title: &req.title,
            phone: req.phone.as_deref(),
        };
        notify::tell(c, &about, &req.contact, News::Submitted, now)?;
        Ok(Receipt { id, code, due })
    };
    if req.photos.is_empty() && !req.contact.wants_news() {
        write(c)
    } else {
        crate::db::atomic_or(c, write)
    }
}

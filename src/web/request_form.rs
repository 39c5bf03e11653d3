//! What the citizen's form and the staff intake form share: the lists they
//! choose from, and storing a checked request under a fresh tracking code.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::web;
use chrono::{NaiveDate, Utc};

use crate::db::{catalog, matters};
use crate::domain::UnitKind;
use crate::domain::request::CitizenRequest;
use crate::domain::{Channel, Deadlines, Source};
use crate::views::{Choice, PlaceGroup};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Lang;
use crate::web::{db_read, write};

/// What the request forms offer to choose from.
pub struct Catalog {
    pub categories: Vec<catalog::Category>,
    pub places: Vec<catalog::Unit>,
}

/// The lists as last read, shared by every form for a few seconds: the
/// submission form reads them on every request, and they change only when an
/// administrator edits them (which forgets them here at once; another
/// instance sees the change within [`CatalogCache::FRESH`]).
#[derive(Default)]
pub struct CatalogCache(RwLock<Option<(Instant, Arc<Catalog>)>>);

impl CatalogCache {
    pub const FRESH: Duration = Duration::from_secs(5);

    fn fresh(&self) -> Option<Arc<Catalog>> {
        let kept = self.0.read().ok()?;
        let (at, catalog) = kept.as_ref()?;
        (at.elapsed() < Self::FRESH).then(|| catalog.clone())
    }

    fn keep(&self, catalog: Arc<Catalog>) {
        if let Ok(mut kept) = self.0.write() {
            *kept = Some((Instant::now(), catalog));
        }
    }

    /// After an edit of categories or units.
    pub fn forget(&self) {
        if let Ok(mut kept) = self.0.write() {
            *kept = None;
        }
    }
}

pub async fn load_catalog(state: &web::Data<AppState>, l: Lang) -> Result<Arc<Catalog>, AppError> {
    if let Some(catalog) = state.catalog.fresh() {
        return Ok(catalog);
    }
    let catalog = db_read(state, l, |c| {
        Ok(Arc::new(Catalog {
            categories: catalog::active_categories(c)?,
            places: catalog::places(c)?,
        }))
    })
    .await?;
    state.catalog.keep(catalog.clone());
    Ok(catalog)
}

impl Catalog {
    pub fn category_ids(&self) -> Vec<i64> {
        self.categories.iter().map(|c| c.id).collect()
    }

    pub fn place_ids(&self) -> Vec<i64> {
        self.places.iter().map(|u| u.id).collect()
    }

    pub fn category_choices(&self, l: Lang, typed: &str) -> Vec<Choice> {
        self.categories
            .iter()
            .map(|c| Choice::new(c.id, l.pick(&c.name, &c.name_en), typed))
            .collect()
    }

    /// Towns, each with the town as a whole and then its communities.
    pub fn place_groups(&self, l: Lang, typed: &str) -> Vec<PlaceGroup> {
        self.places
            .iter()
            .filter(|u| u.kind == UnitKind::Town)
            .map(|town| {
                let name = l.pick(&town.name, &town.name_en);
                let whole = format!("{name}{}", l.t("submit.place_whole_town"));
                let mut options = vec![Choice::new(town.id, &whole, typed)];
                options.extend(
                    self.places
                        .iter()
                        .filter(|u| u.parent_id == Some(town.id))
                        .map(|u| Choice::new(u.id, l.pick(&u.name, &u.name_en), typed)),
                );
                PlaceGroup {
                    label: name.to_owned(),
                    options,
                }
            })
            .collect()
    }
}

/// How a request reached the office, and who recorded it.
pub struct Origin {
    pub source: Source,
    pub radio_date: Option<NaiveDate>,
    pub recorded_by: Option<(i64, String)>,
}

/// Stores a checked request as a new online matter under a fresh code.
/// Returns its id and code.
pub async fn store(
    state: &web::Data<AppState>,
    l: Lang,
    catalog: &Catalog,
    valid: CitizenRequest,
    origin: Origin,
) -> Result<(i64, String), AppError> {
    let place = catalog.places.iter().find(|u| u.id == valid.place_id);
    let town_id = place.map(|p| {
        if p.kind == UnitKind::Town {
            p.id
        } else {
            p.parent_id.unwrap_or(p.id)
        }
    });
    let deadlines = catalog
        .categories
        .iter()
        .find(|c| c.id == valid.category_id)
        .and_then(|c| Deadlines::new(c.sign_hours, c.resolve_days));
    let prefix = state.settings.code_prefix.clone();
    write(state, l, move |c| {
        let received = Utc::now();
        let intake = matters::Intake {
            code: "",
            channel: Channel::Online,
            source: origin.source,
            category_id: valid.category_id,
            title: &valid.title,
            description: &valid.description,
            town_id,
            place_id: Some(valid.place_id),
            address: &valid.address,
            citizen_name: valid.name.as_deref(),
            citizen_phone: Some(&valid.phone),
            received,
            due: deadlines.map(|d| d.resolve_by(received)),
            radio_date: origin.radio_date,
            recorded_by: origin
                .recorded_by
                .as_ref()
                .map(|(id, name)| (*id, name.as_str())),
            unit_id: None,
            requested_fen: None,
            menu_item_id: None,
            api: None,
        };
        matters::insert_with_new_code(c, &prefix, &mut rand::rng(), &intake)
    })
    .await
}

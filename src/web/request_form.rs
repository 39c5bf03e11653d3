//! What the citizen's form and the staff intake form share: the lists they
//! choose from (kept a few seconds), shown as a form's options, and the
//! way to the writer for a checked request.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::web;
use chrono::Utc;

use crate::app::requests::{self, Catalog, NewRequest, Origin, Receipt};
use crate::domain::UnitKind;
use crate::views::{Choice, PlaceGroup};
use crate::web::AppState;
use crate::web::error::{AppError, from_app};
use crate::web::i18n::Lang;
use crate::web::{db_read, write};

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
    let catalog = db_read(state, l, |c| Catalog::load(c).map(Arc::new)).await?;
    state.catalog.keep(catalog.clone());
    Ok(catalog)
}

/// The name of unit `id` (a department, town or community) in `l`.
pub fn unit_label(catalog: &Catalog, id: Option<i64>, l: Lang) -> Option<String> {
    id.and_then(|id| catalog.unit(id))
        .map(|u| l.pick(&u.name, &u.name_en).to_owned())
}

/// The categories as a select's options.
pub fn category_choices(catalog: &Catalog, l: Lang, typed: &str) -> Vec<Choice> {
    catalog
        .categories
        .iter()
        .map(|c| Choice::new(c.id, l.pick(&c.name, &c.name_en), typed))
        .collect()
}

/// Towns, each with the town as a whole and then its communities.
pub fn place_groups(catalog: &Catalog, l: Lang, typed: &str) -> Vec<PlaceGroup> {
    catalog
        .places
        .iter()
        .filter(|u| u.kind == UnitKind::Town)
        .map(|town| {
            let name = l.pick(&town.name, &town.name_en);
            let whole = format!("{name}{}", l.t("submit.place_whole_town"));
            let mut options = vec![Choice::new(town.id, &whole, typed)];
            options.extend(
                catalog
                    .places
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

/// Stores a checked request (on SQLite in the writer's next batch) and
/// gives its receipt.
pub async fn store(
    state: &web::Data<AppState>,
    l: Lang,
    request: NewRequest,
    origin: Origin,
) -> Result<Receipt, AppError> {
    let prefix = state.settings.code_prefix.clone();
    write(state, l, move |c| {
        requests::store(c, &prefix, &mut rand::rng(), &request, &origin, Utc::now())
    })
    .await?
    .map_err(|e| from_app(e, l))
}

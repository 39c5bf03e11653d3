//! Photos kept with matters (see `app::photos` for what an uploaded file
//! becomes before it is stored here).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::Rng;

use super::AnyConnection;
use super::schema::photos;

/// A photo to store with a matter's step.
pub struct NewRow<'a> {
    pub matter_id: i64,
    /// The matter's version after the step that brought the photo.
    pub matter_version: i32,
    pub by_citizen: bool,
    /// Shown to the citizen (on the status page, through Open311).
    pub public: bool,
    /// The kept JPEG and its thumbnail, or a link given instead.
    pub image: Option<(&'a [u8], &'a [u8], u32, u32)>,
    pub link: Option<&'a str>,
}

/// A photo as listed with its matter (without the pixels).
#[derive(Clone, Debug, Queryable)]
pub struct Photo {
    pub token: String,
    pub matter_id: i64,
    pub matter_version: i32,
    pub by_citizen: bool,
    pub public: bool,
    pub width: i32,
    pub height: i32,
    pub link: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Photo {
    /// Whether the photo is kept here (rather than a link elsewhere).
    pub fn kept(&self) -> bool {
        self.link.is_none()
    }
}

/// A random token by which a photo is addressed (128 bits, hex).
pub fn new_token<R: Rng + ?Sized>(rng: &mut R) -> String {
    let bits: u128 = rng.random();
    format!("{bits:032x}")
}

pub fn insert<R: Rng + ?Sized>(
    c: &mut AnyConnection,
    rng: &mut R,
    row: &NewRow<'_>,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let token = new_token(rng);
    let (image, thumb, width, height) = match row.image {
        Some((image, thumb, w, h)) => (
            Some(image),
            Some(thumb),
            i32::try_from(w).unwrap_or(0),
            i32::try_from(h).unwrap_or(0),
        ),
        None => (None, None, 0, 0),
    };
    diesel::insert_into(photos::table)
        .values((
            photos::token.eq(&token),
            photos::matter_id.eq(row.matter_id),
            photos::matter_version.eq(row.matter_version),
            photos::by_citizen.eq(row.by_citizen),
            photos::public.eq(row.public),
            photos::width.eq(width),
            photos::height.eq(height),
            photos::image.eq(image),
            photos::thumb.eq(thumb),
            photos::link.eq(row.link),
            photos::created_at.eq(now.naive_utc()),
        ))
        .execute(c)?;
    Ok(token)
}

type Columns = (
    photos::token,
    photos::matter_id,
    photos::matter_version,
    photos::by_citizen,
    photos::public,
    photos::width,
    photos::height,
    photos::link,
    photos::created_at,
);

const COLUMNS: Columns = (
    photos::token,
    photos::matter_id,
    photos::matter_version,
    photos::by_citizen,
    photos::public,
    photos::width,
    photos::height,
    photos::link,
    photos::created_at,
);

/// A matter's photos in the order they came; only the public ones unless
/// `all`.
pub fn of_matter(c: &mut AnyConnection, matter_id: i64, all: bool) -> QueryResult<Vec<Photo>> {
    let query = photos::table
        .filter(photos::matter_id.eq(matter_id))
        // Public ones, and when `all` the others too.
        .filter(photos::public.eq(true).or(photos::public.eq(!all)))
        .select(COLUMNS)
        .order(photos::id.asc());
    // On the concrete connection: a statement PostgreSQL keeps prepared
    // (every status page reads it).
    super::on_backend!(c, |c| query.load(c))
}

/// The first public photo of each of these matters (for Open311's
/// `media_url`).
pub fn first_public(c: &mut AnyConnection, matter_ids: &[i64]) -> QueryResult<Vec<Photo>> {
    let mut found: Vec<Photo> = photos::table
        .filter(photos::matter_id.eq_any(matter_ids))
        .filter(photos::public.eq(true))
        .select(COLUMNS)
        .order(photos::id.asc())
        .load(c)?;
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| seen.insert(p.matter_id));
    Ok(found)
}

/// A photo, its image and its thumbnail.
type WithBytes = (Photo, Option<Vec<u8>>, Option<Vec<u8>>);

/// A kept photo's description and its bytes (the thumbnail if `thumb`).
pub fn bytes(
    c: &mut AnyConnection,
    token: &str,
    thumb: bool,
) -> QueryResult<Option<(Photo, Vec<u8>)>> {
    let found: Option<WithBytes> = photos::table
        .filter(photos::token.eq(token))
        .select((COLUMNS, photos::image, photos::thumb))
        .first(c)
        .optional()?;
    Ok(found.and_then(|(p, image, small)| {
        let bytes = if thumb { small } else { image };
        bytes.map(|b| (p, b))
    }))
}

//! `/photos/{token}` and `/photos/{token}/thumb`: a kept photo, by the
//! random token that only the pages showing it know. A public photo (the
//! citizen's with their request, staff's with a public step) is for anyone
//! holding its address; any other only for staff who may see its matter.
//! Anyone else gets the same 404 as for a token that does not exist.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use crate::app;
use crate::db::photos;
use crate::web::AppState;
use crate::web::auth::StaffUser as Staff;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::{db, db_read};

pub async fn full(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve(req, state, l, path.into_inner(), false).await
}

pub async fn thumb(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve(req, state, l, path.into_inner(), true).await
}

async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    token: String,
    thumb: bool,
) -> Result<HttpResponse, AppError> {
    let not_found = || ErrorKind::NotFound.lang(l);
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let Some((photo, bytes)) = db_read(&state, l, move |c| {
        photos::bytes(c, &token, thumb).map_err(Into::into)
    })
    .await?
    else {
        return Err(not_found());
    };
    let cache = if photo.public {
        "public, max-age=86400"
    } else {
        let staff = Staff::extract(&req).await.map_err(|_| not_found())?;
        let matter_id = photo.matter_id;
        let seen = db(&state, l, move |c| {
            match app::matters::visible(c, &staff, matter_id) {
                Ok(_) => Ok(true),
                Err(app::Error::Forbidden | app::Error::NotFound) => Ok(false),
                Err(e) => Err(e),
            }
        })
        .await?;
        if !seen {
            return Err(not_found());
        }
        "private, max-age=3600"
    };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/jpeg"))
        .insert_header((CACHE_CONTROL, cache))
        .body(bytes))
}

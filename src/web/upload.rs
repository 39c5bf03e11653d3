//! Forms that may carry photos. Such a form is posted as
//! `multipart/form-data` (a plain form with a file input: no JavaScript
//! needed); the same handler also takes it URL-encoded (without photos),
//! as clients and tests may post it.
//!
//! Reading is bounded: each text field at most [`TEXT_LIMIT`] bytes, each
//! file at most `app::photos::MAX_BYTES` (a larger one is read to its end
//! and dropped, so that the form can say which), the whole body at most
//! [`BODY_LIMIT`] (beyond it, 413 and nothing read further). Files are
//! only gathered here; `app::photos` decides what they are.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, ResponseError, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use crate::app::photos::{self, NewPhoto};
use crate::domain::request::Problem;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;

/// The name of the file input in every form that takes photos.
pub const FIELD: &str = "photos";
/// Largest text field in a multipart form.
pub const TEXT_LIMIT: usize = 256 * 1024;
/// Largest multipart body: three photos at their largest and the text.
pub const BODY_LIMIT: usize = photos::MAX_COUNT * photos::MAX_BYTES + 2 * 1024 * 1024;

/// A posted form and the files chosen in it.
pub struct Posted<T> {
    pub form: T,
    /// Each file chosen, or why it was dropped unread.
    pub files: Vec<Result<Vec<u8>, Problem>>,
    /// More files than a form takes were chosen.
    pub too_many: bool,
}

impl<T> Posted<T> {
    /// Whether any file was chosen.
    pub fn has_files(&self) -> bool {
        !self.files.is_empty() || self.too_many
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Posted<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let multipart = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
        if !multipart {
            let form = web::Form::<T>::from_request(req, payload);
            return Box::pin(async move {
                Ok(Posted {
                    form: form.await?.into_inner(),
                    files: Vec::new(),
                    too_many: false,
                })
            });
        }
        let parts = Multipart::new(req.headers(), payload.take());
        let l = Lang::of(req);
        let path = req.path().to_owned();
        Box::pin(async move {
            read(parts).await.map_err(|kind| {
                log::info!("unreadable upload to {path}: {kind:?}");
                actix_web::error::InternalError::from_response(
                    format!("{kind:?}"),
                    kind.lang(l).error_response(),
                )
                .into()
            })
        })
    }
}

async fn read<T: DeserializeOwned>(mut parts: Multipart) -> Result<Posted<T>, ErrorKind> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let mut too_many = false;
    let mut total = 0usize;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| ErrorKind::BadRequest)?;
        let name = part.name().unwrap_or_default().to_owned();
        let file_name = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let limit = if file_name.is_some() {
            photos::MAX_BYTES
        } else {
            TEXT_LIMIT
        };
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| ErrorKind::BadRequest)?;
            total += chunk.len();
            if total > BODY_LIMIT {
                return Err(ErrorKind::TooLarge);
            }
            if bytes.len() + chunk.len() > limit {
                over = true;
            }
            if !over {
                bytes.extend_from_slice(&chunk);
            }
        }
        match file_name {
            // A file input with nothing chosen still sends an empty part.
            Some(file) if file.is_empty() && bytes.is_empty() => {}
            Some(_) if name == FIELD => {
                if files.len() == photos::MAX_COUNT {
                    too_many = true;
                } else if over {
                    files.push(Err(Problem::PhotoTooLarge));
                } else {
                    files.push(Ok(bytes));
                }
            }
            Some(_) => {}
            None if over => return Err(ErrorKind::BadRequest),
            None => {
                let text = String::from_utf8(bytes).map_err(|_| ErrorKind::BadRequest)?;
                fields.push((name, text));
            }
        }
    }
    let encoded = serde_urlencoded::to_string(&fields).map_err(|_| ErrorKind::BadRequest)?;
    let form = serde_urlencoded::from_str(&encoded).map_err(|_| ErrorKind::BadRequest)?;
    Ok(Posted {
        form,
        files,
        too_many,
    })
}

/// At most two photos are decoded at once, whatever the number of
/// uploads: each may take up to `app::photos::MAX_ALLOC` of memory.
pub fn decoders() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(2))
}

/// The chosen files as photos to keep, or the first problem with them.
pub async fn prepare(
    decoders: &Semaphore,
    files: Vec<Result<Vec<u8>, Problem>>,
    too_many: bool,
    l: Lang,
) -> Result<Result<Vec<NewPhoto>, Problem>, AppError> {
    if too_many {
        return Ok(Err(Problem::TooManyPhotos));
    }
    let mut kept = Vec::with_capacity(files.len());
    for file in files {
        let bytes = match file {
            Ok(bytes) => bytes,
            Err(problem) => return Ok(Err(problem)),
        };
        let _permit = decoders
            .acquire()
            .await
            .map_err(|_| ErrorKind::Internal.lang(l))?;
        let prepared = web::block(move || photos::prepare(&bytes))
            .await
            .map_err(|_| ErrorKind::Internal.lang(l))?;
        match prepared {
            Ok(p) => kept.push(NewPhoto::Image(p)),
            Err(problem) => return Ok(Err(problem)),
        }
    }
    Ok(Ok(kept))
}

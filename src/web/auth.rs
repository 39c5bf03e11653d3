//! Who is logged in: the session cookie (signed and encrypted by
//! actix-session with the server's key), the `StaffUser` extractor that
//! every staff handler takes, and page-level access checks.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::app::{Staff, accounts};
use crate::db::users;
use crate::domain::access::{Page, may_view};
use crate::web::AppState;
use crate::web::db_read;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;

const USER_ID: &str = "uid";
const SESSION_VERSION: &str = "sv";

/// A logged-in, active staff member (the session's `app::Staff`).
pub type StaffUser = Staff;

/// Page-level access for handlers.
pub trait PageAccess {
    /// 403 unless this user's role may open `page`.
    fn require(&self, page: Page, lang: Lang) -> Result<(), AppError>;
}

impl PageAccess for Staff {
    fn require(&self, page: Page, lang: Lang) -> Result<(), AppError> {
        if may_view(self.role, page) {
            Ok(())
        } else {
            Err(ErrorKind::Forbidden.lang(lang))
        }
    }
}

/// Starts a session for `user`, with a fresh cookie.
pub fn log_in(
    session: &Session,
    user: &users::User,
) -> Result<(), actix_session::SessionInsertError> {
    session.renew();
    session.insert(USER_ID, user.id)?;
    session.insert(SESSION_VERSION, user.session_version)
}

pub fn log_out(session: &Session) {
    session.purge();
}

/// Where an anonymous visitor of `path` is sent.
fn login_redirect(req: &HttpRequest) -> String {
    let wanted = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/staff/matters");
    let mut target = String::from("/staff/login?next=");
    for byte in wanted.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            target.push(char::from(byte));
        } else {
            target.push_str(&format!("%{byte:02X}"));
        }
    }
    target
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Staff, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let lang = Lang::of(&req);
            let anonymous = || ErrorKind::LoginRequired(login_redirect(&req)).lang(lang);
            let session = req.get_session();
            let (Ok(Some(id)), Ok(Some(version))) = (
                session.get::<i64>(USER_ID),
                session.get::<i32>(SESSION_VERSION),
            ) else {
                return Err(anonymous());
            };
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Err(ErrorKind::Internal.lang(lang));
            };
            // The units (for the scope) from the shared catalog; the account
            // itself is read every time (a lapsed or ended session stops at
            // once), in place on SQLite.
            let catalog = crate::web::request_form::load_catalog(&state, lang).await?;
            match db_read(&state, lang, move |c| {
                accounts::session_user(c, id, version, &catalog.units)
            })
            .await?
            {
                Some(staff) => Ok(staff),
                None => {
                    session.purge();
                    Err(anonymous())
                }
            }
        })
    }
}

/// What every staff form's POST checks first, in this order: who is
/// logged in (read only after the body, so a lapsed session does not leave
/// the body unread and the connection dropped under the client), that the
/// form carries this browser's CSRF token, and that the role may use `page`.
pub async fn staff_form(
    req: &HttpRequest,
    posted_token: &str,
    page: Page,
    lang: Lang,
) -> Result<Staff, AppError> {
    let user = Staff::extract(req).await?;
    if !crate::web::csrf::verify(req, posted_token) {
        return Err(ErrorKind::Csrf.lang(lang));
    }
    user.require(page, lang)?;
    Ok(user)
}

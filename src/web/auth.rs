//! Who is logged in: the session cookie (signed and encrypted by
//! actix-session with the server's key), the `StaffUser` extractor that
//! every staff handler takes, and page-level access checks.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::db::{catalog, users};
use crate::domain::Role;
use crate::domain::access::{Page, Scope, may_view};
use crate::web::AppState;
use crate::web::db;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;

const USER_ID: &str = "uid";
const SESSION_VERSION: &str = "sv";

/// A logged-in, active staff member.
#[derive(Clone, Debug)]
pub struct StaffUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    /// Which matters this user sees.
    pub scope: Scope,
}

impl StaffUser {
    /// 403 unless this user's role may open `page`.
    pub fn require(&self, page: Page, lang: Lang) -> Result<(), AppError> {
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

impl FromRequest for StaffUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<StaffUser, AppError>>>>;

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
            let found = db(&state, lang, move |c| {
                let Some(user) = users::by_id(c, id)? else {
                    return Ok(None);
                };
                let tree = match user.unit_id {
                    Some(unit) => catalog::subtree(&catalog::all_units(c)?, unit),
                    None => Vec::new(),
                };
                Ok(Some((user, tree)))
            })
            .await?;
            let Some((user, tree)) = found else {
                session.purge();
                return Err(anonymous());
            };
            let role = Some(user.role);
            match role {
                Some(role) if user.active && user.session_version == version => Ok(StaffUser {
                    id: user.id,
                    username: user.username,
                    display_name: user.display_name,
                    role,
                    unit_id: user.unit_id,
                    scope: Scope::of(role, tree),
                }),
                _ => {
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
) -> Result<StaffUser, AppError> {
    let user = StaffUser::extract(req).await?;
    if !crate::web::csrf::verify(req, posted_token) {
        return Err(ErrorKind::Csrf.lang(lang));
    }
    user.require(page, lang)?;
    Ok(user)
}

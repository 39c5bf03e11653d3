//! Every route the app registers (read from the app, so none is forgotten),
//! asked by an anonymous visitor and by every role, politely and with
//! hostile input: never a 5xx, never a citizen's phone or name where it may
//! not be seen, CSRF on every state-changing request, the security headers
//! on every answer, and nothing stored by a request that was refused.

use crate::helpers::*;
use actix_web::http::Method;
use reqwest::Client;
use shishi::domain::Role;
use shishi::domain::access::{Page, may_view};

const PHONE: &str = "13812345678";
const NAME: &str = "陈美玲";

/// A concrete path for a route pattern, with real ids and codes.
fn concrete(pattern: &str, code: &str, id: i64) -> String {
    pattern
        .replace("{code}", code)
        .replace("{id}", &id.to_string())
        .replace("{action}", "accept")
        .replace("{format}", "csv")
        .replace("{file}", "requests.json")
}

/// The fields a hostile client sends, each on its own.
fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let long = "长".repeat(40_000);
    let mut bodies: Vec<(&'static str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("no fields but the token", b"x=1".to_vec()),
        ("invalid UTF-8", b"title=%FF%FE%FD&amount=%C3%28&version=%80".to_vec()),
        ("NUL and control characters", b"title=a%00b%1B%07&note=%00&version=1%00&username=a%00&password=%00&q=%00&name=%00&code=%00".to_vec()),
        ("huge numbers", b"amount=99999999999999999999999&version=99999999999999999999&category=18446744073709551616&place=-9223372036854775809&hours=1e308".to_vec()),
        ("negative numbers", b"amount=-100&version=-1&category=-1&place=-1&days=-5&spent=-0.01".to_vec()),
        ("wrong types", b"amount=abc&version=x&category=%5B%5D&place=true&active=maybe".to_vec()),
        ("repeated fields", b"version=1&version=2&category=1&category=2&state=closed&state=closed".to_vec()),
        ("markup and SQL", "title=%3Cscript%3Ealert(1)%3C%2Fscript%3E&description=%27%3B+DROP+TABLE+matters%3B--&note=%22+OR+1%3D1--&code=x%27+OR+%271%27%3D%271&name=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E".as_bytes().to_vec()),
    ];
    bodies.push((
        "an overlong field",
        format!("title={long}&description={long}&note={long}&name={long}").into_bytes(),
    ));
    bodies.push(("a body over the limit", vec![b'a'; 2 * 1024 * 1024]));
    bodies
}

/// The page permission a staff route checks, by method and pattern:
/// `Some(None)` for routes open to every account (or to none yet), `None` for
/// a route this table does not know — which fails the test, so a new staff
/// route gets its expected permission written down here.
fn permission(method: &Method, pattern: &str) -> Option<Option<Page>> {
    use Page::*;
    let post = *method == Method::POST;
    Some(match pattern {
        "/staff" | "/staff/" | "/staff/login" | "/staff/logout" => None,
        "/staff/matters" | "/staff/matters.{format}" | "/staff/matters/{id}" => Some(Matters),
        "/staff/matters/{id}/{action}" | "/staff/matters/bulk" => Some(Matters),
        "/staff/overdue" => Some(Overdue),
        "/staff/fund.{format}" => Some(Fund),
        "/staff/fund" => Some(Fund),
        "/staff/fund/allocate" => Some(FundAdmin),
        "/staff/dashboard" | "/staff/dashboard.{format}" => Some(Dashboard),
        "/staff/intake" => Some(Intake),
        "/staff/volunteers" | "/staff/volunteers/{id}" => Some(Volunteers),
        "/staff/volunteers/teams" | "/staff/volunteers/menu" => Some(VolunteerAdmin),
        "/staff/me" | "/staff/me/report" | "/staff/me/claims" | "/staff/me/services" => {
            Some(VolunteerSelf)
        }
        "/staff/plan/project" => Some(PlanProject),
        "/staff/plan/department" => Some(PlanDepartment),
        "/staff/plan/micro" => Some(RaiseMicro),
        "/staff/plan/service" => Some(ServiceRequest),
        p if p.starts_with("/staff/admin") => Some(Administration),
        _ if post && !pattern.starts_with("/staff") => None,
        _ if !pattern.starts_with("/staff") => None,
        _ => return None,
    })
}

fn role_of(who: &str) -> Option<Role> {
    match who {
        "admin" => Some(Role::Admin),
        "dispatcher" => Some(Role::Dispatcher),
        "leader" => Some(Role::Leader),
        "unit" => Some(Role::UnitStaff),
        "volunteer" => Some(Role::Volunteer),
        _ => None,
    }
}

struct Tally {
    tried: usize,
    server_errors: Vec<String>,
}

impl Tally {
    fn see(&mut self, what: String, res: &reqwest::Response) {
        self.tried += 1;
        if res.status().is_server_error() {
            self.server_errors.push(format!("{what}: {}", res.status()));
        }
        let h = res.headers();
        for header in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
        ] {
            assert!(h.contains_key(header), "{what}: no {header}");
        }
        for cookie in h.get_all("set-cookie") {
            let cookie = cookie.to_str().unwrap_or("").to_ascii_lowercase();
            assert!(
                cookie.contains("httponly") && cookie.contains("samesite"),
                "{what}: cookie without HttpOnly/SameSite: {cookie}"
            );
        }
    }
}

async fn send(
    client: &Client,
    base: &str,
    method: &Method,
    path: &str,
    body: Option<Vec<u8>>,
    content_type: &str,
) -> Option<reqwest::Response> {
    let url = format!("{base}{path}");
    let body = body.unwrap_or_default();
    // Twice: a pooled connection the server closed after refusing an
    // oversized body may be picked up again before its closing is seen.
    for _ in 0..2 {
        let req = if *method == Method::POST {
            client
                .post(&url)
                .header("content-type", content_type)
                .body(body.clone())
        } else {
            client.get(&url)
        };
        if let Ok(res) = req.send().await {
            return Some(res);
        }
        if body.len() > shishi::web::routes::FORM_LIMIT {
            return None;
        }
    }
    None
}

fn stored(app: &TestApp) -> (i64, i64, i64) {
    use diesel::prelude::*;
    use shishi::db::schema::{events, fund_ledger, matters};
    let mut c = app.conn();
    (
        matters::table.count().get_result(&mut c).expect("count"),
        events::table.count().get_result(&mut c).expect("count"),
        fund_ledger::table
            .count()
            .get_result(&mut c)
            .expect("count"),
    )
}

#[tokio::test]
async fn every_route_for_every_visitor_with_hostile_input_never_errs_or_leaks() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let routes = shishi::web::routes::list();
    assert!(
        routes.len() > 40,
        "the app lists its routes: {}",
        routes.len()
    );

    let anonymous = browser();
    let mut visitors: Vec<(&str, Client)> = vec![("anonymous", anonymous)];
    for (name, role, unit) in [
        ("a-admin", "admin", None),
        ("a-dispatcher", "dispatcher", None),
        ("a-leader", "leader", None),
        ("a-unit", "unit", Some("JJ")),
        ("a-volunteer", "volunteer", None),
    ] {
        visitors.push((role, app.staff(name, role, unit).await.client));
    }

    let mut tally = Tally {
        tried: 0,
        server_errors: Vec::new(),
    };
    let before = stored(&app);
    for (who, client) in &visitors {
        // Full phone and name: only for roles that see citizens, and of the
        // roles here only the admin and dispatcher may (the unit staff's
        // unit is not this matter's).
        let may_see = matches!(*who, "admin" | "dispatcher");
        // A CSRF token of this visitor's own.
        let form = client
            .get(app.url(if *who == "anonymous" {
                "/submit"
            } else {
                "/staff/matters"
            }))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let token = csrf_of(&form);
        for (method, pattern) in &routes {
            if pattern == "/staff/logout" {
                continue; // asked last, below
            }
            let path = concrete(pattern, &code, id);
            if *method == Method::GET {
                for query in [
                    "",
                    "?state=&q=%00%FF&page=-1&per_page=999999&sort=%27&from=9999-99-99&after=x.y&lang=%3Cx%3E",
                ] {
                    let res = send(
                        client,
                        &app.address,
                        method,
                        &format!("{path}{query}"),
                        None,
                        "",
                    )
                    .await
                    .expect("an answer");
                    let what = format!("{who} GET {path}{query}");
                    tally.see(what.clone(), &res);
                    let page = permission(method, pattern).unwrap_or_else(|| {
                        panic!("{pattern}: say which page permission it checks")
                    });
                    if let (Some(role), Some(page)) = (role_of(who), page) {
                        // A matter or a record is further limited to the
                        // user's scope (checked in tests/api/staff.rs).
                        let scoped = pattern.contains("{id}");
                        if !may_view(role, page) {
                            assert_eq!(res.status(), 403, "{what}: not for {page:?}");
                        } else if !scoped {
                            assert_ne!(res.status(), 403, "{what}: for {page:?}");
                        }
                    }
                    if pattern.starts_with("/staff")
                        && pattern != "/staff/login"
                        && *who == "anonymous"
                    {
                        assert_eq!(res.status(), 303, "{what}: login first");
                    }
                    let body = res.text().await.unwrap_or_default();
                    if !may_see {
                        assert!(!body.contains(PHONE), "{what}: the full phone leaked");
                        assert!(!body.contains(NAME), "{what}: the name leaked");
                    }
                }
                continue;
            }
            // POST: first without a CSRF token (refused unless it is the
            // Open311 API, which has keys instead), then each hostile body
            // with one.
            let res = send(
                client,
                &app.address,
                method,
                &path,
                Some(b"title=x".to_vec()),
                "application/x-www-form-urlencoded",
            )
            .await
            .expect("an answer");
            let what = format!("{who} POST {path} without a token");
            tally.see(what.clone(), &res);
            if !pattern.starts_with("/open311") {
                assert!(
                    matches!(res.status().as_u16(), 403 | 303 | 400 | 413),
                    "{what}: {}",
                    res.status()
                );
            }
            // With a valid token, a role the page is not for is refused
            // before anything else is looked at.
            let page = permission(method, pattern)
                .unwrap_or_else(|| panic!("{pattern}: say which page permission it checks"));
            if let (Some(role), Some(page)) = (role_of(who), page) {
                let res = send(
                    client,
                    &app.address,
                    method,
                    &path,
                    Some(format!("csrf_token={token}").into_bytes()),
                    "application/x-www-form-urlencoded",
                )
                .await
                .expect("an answer");
                tally.see(format!("{who} POST {path} with a token"), &res);
                if !may_view(role, page) {
                    assert_eq!(res.status(), 403, "{who} POST {path}: not for {page:?}");
                }
            }
            for (name, body) in hostile_bodies() {
                let mut with_token = format!("csrf_token={token}&").into_bytes();
                with_token.extend_from_slice(&body);
                for content_type in ["application/x-www-form-urlencoded", "application/json"] {
                    let Some(res) = send(
                        client,
                        &app.address,
                        method,
                        &path,
                        Some(with_token.clone()),
                        content_type,
                    )
                    .await
                    else {
                        // A body over the limit is refused (413) before it
                        // is read, and the connection closed: a client still
                        // writing it sees the connection go.
                        assert!(
                            with_token.len() > shishi::web::routes::FORM_LIMIT,
                            "{who} POST {path} {name}: no answer"
                        );
                        tally.tried += 1;
                        continue;
                    };
                    tally.see(format!("{who} POST {path} {name} as {content_type}"), &res);
                    let body = res.text().await.unwrap_or_default();
                    if !may_see {
                        assert!(
                            !body.contains(PHONE),
                            "{who} POST {path} {name}: the phone leaked"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(stored(&app), before, "no refused request stored anything");
    assert!(
        tally.server_errors.is_empty(),
        "{} of {} requests answered 5xx: {:#?}",
        tally.server_errors.len(),
        tally.tried,
        tally.server_errors
    );
    println!(
        "access and hostile input: {} requests over {} routes, 0 answered 5xx",
        tally.tried,
        routes.len()
    );

    // Logging out needs the token too, and ends the session.
    let (_, dispatcher) = &visitors[2];
    let res = send(
        dispatcher,
        &app.address,
        &Method::POST,
        "/staff/logout",
        Some(Vec::new()),
        "application/x-www-form-urlencoded",
    )
    .await
    .expect("an answer");
    assert_eq!(res.status(), 403, "logout without a token is refused");
    let still = dispatcher
        .get(app.url("/staff/matters"))
        .send()
        .await
        .expect("GET");
    assert_eq!(still.status(), 200, "and the session goes on");
}

#[tokio::test]
async fn the_session_cookie_changes_at_login_and_carries_its_flags() {
    let app = spawn_app().await;
    app.add_user("s-dispatcher", "dispatcher", None);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let cookies_of = |res: &reqwest::Response| -> Vec<String> {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok().map(str::to_owned))
            .collect()
    };
    // A session cookie planted before logging in (session fixation).
    let login_page = client
        .get(app.url("/staff/login"))
        .send()
        .await
        .expect("GET");
    let planted: Vec<String> = cookies_of(&login_page);
    let html = login_page.text().await.expect("body");
    let csrf_cookie = planted
        .iter()
        .find(|c| c.starts_with("shishi_csrf"))
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_owned();
    let res = client
        .post(app.url("/staff/login"))
        .header(
            "cookie",
            format!("{csrf_cookie}; shishi_session=planted-by-an-attacker"),
        )
        .form(&[
            ("csrf_token", csrf_of(&html).as_str()),
            ("username", "s-dispatcher"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303);
    let set = cookies_of(&res);
    let session = set
        .iter()
        .find(|c| c.starts_with("shishi_session="))
        .expect("a session cookie at login");
    assert!(!session.starts_with("shishi_session=planted-by-an-attacker;"));
    assert!(
        !planted.iter().any(|c| c == session),
        "a new session, not one handed out before"
    );
    let lower = session.to_ascii_lowercase();
    assert!(
        lower.contains("httponly") && lower.contains("samesite=lax") && lower.contains("path=/"),
        "{session}"
    );
}

#[tokio::test]
async fn cookies_are_secure_when_configured_and_not_otherwise() {
    for secure in [true, false] {
        let app = spawn_app_with(|s| s.secure_cookies = secure).await;
        app.add_user("c-dispatcher", "dispatcher", None);
        // reqwest keeps Secure cookies off plain HTTP, so the flags are read
        // from the answers themselves.
        let page = app
            .client
            .get(app.url("/staff/login"))
            .send()
            .await
            .expect("GET");
        let mut set: Vec<String> = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok().map(str::to_owned))
            .collect();
        let html = page.text().await.expect("body");
        let csrf = set
            .first()
            .and_then(|c| c.split(';').next())
            .expect("a CSRF cookie")
            .to_owned();
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .post(app.url("/staff/login"))
            .header("cookie", csrf)
            .form(&[
                ("csrf_token", csrf_of(&html).as_str()),
                ("username", "c-dispatcher"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), 303);
        set.extend(
            res.headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|c| c.to_str().ok().map(str::to_owned)),
        );
        assert!(set.iter().any(|c| c.starts_with("shishi_session=")));
        for cookie in &set {
            let flags = cookie.to_ascii_lowercase();
            assert_eq!(flags.contains("; secure"), secure, "{cookie}");
            assert!(flags.contains("httponly"), "{cookie}");
        }
    }
}

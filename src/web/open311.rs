//! Open311 GeoReport v2 under `/open311/v2/`: discovery, services, service
//! definitions, requests (post, list, one) and tokens, each in `.json` and
//! `.xml`, with the specification's errors (`errors` → `error` → `code`,
//! `description`). No GET ever shows a citizen's name, phone or e-mail.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Map, Value, json};

use crate::app::photos::NewPhoto;
use crate::app::requests::{self, NewRequest, Origin};
use crate::db::catalog::{self, Category};
use crate::db::matters::{self, Matter};
use crate::db::online::{self, Listing};
use crate::db::outbox::Contact;
use crate::db::{AnyConnection, DbError, api_keys, photos};
use crate::domain::clock::china;
use crate::domain::request::{self, Problem};
use crate::domain::{Channel, State, clock, tracking};
use crate::web::i18n::Lang;
use crate::web::{AppState, guesses};

/// The formats every endpoint speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// Splits `services.json` into its name and format.
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((name, Format::Json)),
        "xml" => Some((name, Format::Xml)),
        _ => None,
    }
}

/// A document to send: JSON as it is; in XML, arrays become repeated
/// elements named by `item`, inside a root element named `root`.
struct Doc {
    root: &'static str,
    item: &'static str,
    body: Value,
}

fn to_xml(doc: &Doc) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    // Writing into a Vec cannot fail; errors would only come from the sink.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    write_value(&mut w, doc.root, doc.item, &doc.body);
    w.into_inner()
}

/// The element name of the items of a list named `list`.
fn item_name(list: &str) -> &'static str {
    match list {
        "endpoints" => "endpoint",
        "formats" => "format",
        "attributes" => "attribute",
        "values" => "value",
        _ => "item",
    }
}

fn write_value(w: &mut Writer<Vec<u8>>, name: &str, item: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            let _ = w.write_event(Event::Start(BytesStart::new(name)));
            for v in items {
                write_value(w, item, item_name(item), v);
            }
            let _ = w.write_event(Event::End(BytesEnd::new(name)));
        }
        Value::Object(fields) => {
            let _ = w.write_event(Event::Start(BytesStart::new(name)));
            for (k, v) in fields {
                write_value(w, k, item_name(k), v);
            }
            let _ = w.write_event(Event::End(BytesEnd::new(name)));
        }
        Value::Null => {
            let _ = w.write_event(Event::Empty(BytesStart::new(name)));
        }
        Value::String(s) => text(w, name, s),
        other => text(w, name, &other.to_string()),
    }
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, content: &str) {
    let _ = w.write_event(Event::Start(BytesStart::new(name)));
    let _ = w.write_event(Event::Text(BytesText::new(content)));
    let _ = w.write_event(Event::End(BytesEnd::new(name)));
}

fn respond(status: StatusCode, format: Format, doc: Doc) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    match format {
        Format::Json => res
            .insert_header((CONTENT_TYPE, "application/json; charset=utf-8"))
            .body(doc.body.to_string()),
        Format::Xml => res
            .insert_header((CONTENT_TYPE, "text/xml; charset=utf-8"))
            .body(to_xml(&doc)),
    }
}

/// A list of service requests (or of their tokens): the answer of most
/// endpoints.
fn service_requests(format: Format, body: Value) -> HttpResponse {
    respond(
        StatusCode::OK,
        format,
        Doc {
            root: "service_requests",
            item: "request",
            body,
        },
    )
}

/// An error in the specification's shape.
fn error(status: StatusCode, format: Format, description: &str) -> HttpResponse {
    let body = json!([{ "code": status.as_u16(), "description": description }]);
    respond(
        status,
        format,
        Doc {
            root: "errors",
            item: "error",
            body,
        },
    )
}

fn internal(format: Format, e: impl std::fmt::Display) -> HttpResponse {
    log::error!("open311: {e}");
    error(StatusCode::INTERNAL_SERVER_ERROR, format, "internal error")
}

/// Runs database work off the async workers.
async fn run<T: Send + 'static>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
) -> Result<T, String> {
    let pool = state.pool.clone();
    match web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// The query string's pairs (and the form's, for POST).
fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

fn one<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// `jurisdiction_id` is accepted on every call, and must match when configured.
fn check_jurisdiction(
    state: &AppState,
    pairs: &[(String, String)],
    format: Format,
) -> Result<(), HttpResponse> {
    match (
        &state.settings.jurisdiction_id,
        one(pairs, "jurisdiction_id"),
    ) {
        (Some(ours), Some(given)) if ours != given => Err(error(
            StatusCode::NOT_FOUND,
            format,
            "jurisdiction_id not found",
        )),
        _ => Ok(()),
    }
}

/// ISO 8601 with the UTC+8 offset the district keeps.
fn iso(t: &NaiveDateTime) -> String {
    t.and_utc()
        .with_timezone(&china())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn base_url(req: &HttpRequest, state: &AppState) -> String {
    match &state.settings.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// `/open311/v2/discovery.{format}`
pub async fn root_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let Some((name, format)) = split(&path) else {
        return error(
            StatusCode::NOT_FOUND,
            Format::Json,
            "unknown format: use .json or .xml",
        );
    };
    let query = pairs(req.query_string().as_bytes());
    if let Err(res) = check_jurisdiction(&state, &query, format) {
        return res;
    }
    match name {
        "discovery" => discovery(&req, &state, format),
        "services" => services(&state, format).await,
        "requests" => list_requests(&state, &base_url(&req, &state), format, &query).await,
        _ => error(StatusCode::NOT_FOUND, format, "no such endpoint"),
    }
}

fn discovery(req: &HttpRequest, state: &AppState, format: Format) -> HttpResponse {
    let url = format!("{}/open311/v2", base_url(req, state));
    let body = json!({
        "changeset": "2026-11-30T00:00:00+08:00",
        "contact": "南海区“我为群众办实事”线上平台 · Nanhai District online platform",
        "key_service": "API keys are issued by the platform's administrators under /staff/admin.",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": url,
            "changeset": "2026-11-30T00:00:00+08:00",
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    respond(
        StatusCode::OK,
        format,
        Doc {
            root: "discovery",
            item: "item",
            body,
        },
    )
}

fn attributes_of(c: &Category) -> Vec<Value> {
    c.attributes
        .as_deref()
        .and_then(|a| serde_json::from_str::<Vec<Value>>(a).ok())
        .unwrap_or_default()
}

fn service(c: &Category) -> Value {
    json!({
        "service_code": c.code,
        "service_name": c.name,
        "description": format!("{} / {}", c.name, c.name_en),
        "metadata": !attributes_of(c).is_empty(),
        "type": "realtime",
        "keywords": c.name_en.to_lowercase().replace(" and ", ",").replace(' ', ","),
        "group": if crate::domain::category::is_urgent(&c.code) { "紧急" } else { "民生诉求" },
    })
}

async fn services(state: &web::Data<AppState>, format: Format) -> HttpResponse {
    match run(state, |c| Ok(catalog::active_categories(c)?)).await {
        Ok(categories) => {
            let body = Value::Array(categories.iter().map(service).collect());
            respond(
                StatusCode::OK,
                format,
                Doc {
                    root: "services",
                    item: "service",
                    body,
                },
            )
        }
        Err(e) => internal(format, e),
    }
}

/// `/open311/v2/services/{service_code}.{format}`
pub async fn service_definition(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let Some((code, format)) = split(&path) else {
        return error(
            StatusCode::NOT_FOUND,
            Format::Json,
            "unknown format: use .json or .xml",
        );
    };
    if let Err(res) = check_jurisdiction(&state, &pairs(req.query_string().as_bytes()), format) {
        return res;
    }
    let code = code.to_owned();
    let found = run(&state, move |c| {
        Ok(catalog::active_categories(c)?
            .into_iter()
            .find(|x| x.code == code))
    })
    .await;
    match found {
        Ok(Some(category)) => {
            let attributes: Vec<Value> = attributes_of(&category)
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    json!({
                        "variable": true,
                        "code": a.get("code").cloned().unwrap_or(Value::Null),
                        "datatype": a.get("datatype").cloned().unwrap_or_else(|| json!("string")),
                        "required": a.get("required").cloned().unwrap_or(json!(false)),
                        "datatype_description": "",
                        "order": i + 1,
                        "description": a.get("description").cloned().unwrap_or(Value::Null),
                        "values": a.get("values").cloned().unwrap_or_else(|| json!([])),
                    })
                })
                .collect();
            let body = json!({ "service_code": category.code, "attributes": attributes });
            respond(
                StatusCode::OK,
                format,
                Doc {
                    root: "service_definition",
                    item: "item",
                    body,
                },
            )
        }
        Ok(None) => error(StatusCode::NOT_FOUND, format, "service_code not found"),
        Err(e) => internal(format, e),
    }
}

/// Open or closed, as 311 clients understand it: a request with a reply out
/// (resolved) or ended (closed, rejected, merged) is closed.
fn status(state: State) -> &'static str {
    if state.is_open() { "open" } else { "closed" }
}

/// What a GET shows of a matter: never the citizen's name, phone or e-mail.
fn request_doc(
    m: &Matter,
    categories: &[Category],
    unit: Option<&str>,
    notes: Option<&str>,
    media: Option<String>,
) -> Value {
    let category = categories.iter().find(|c| c.id == m.category_id);
    let mut o = Map::new();
    o.insert("service_request_id".into(), json!(m.code));
    o.insert("status".into(), json!(status(m.state)));
    o.insert(
        "status_notes".into(),
        notes.map_or(Value::Null, |n| json!(n)),
    );
    o.insert(
        "service_name".into(),
        category.map_or(Value::Null, |c| json!(c.name)),
    );
    o.insert(
        "service_code".into(),
        category.map_or(Value::Null, |c| json!(c.code)),
    );
    o.insert("description".into(), json!(m.description));
    o.insert(
        "agency_responsible".into(),
        unit.map_or(Value::Null, |u| json!(u)),
    );
    o.insert("service_notice".into(), Value::Null);
    o.insert("requested_datetime".into(), json!(iso(&m.created_at)));
    o.insert("updated_datetime".into(), json!(iso(&m.updated_at)));
    o.insert(
        "expected_datetime".into(),
        m.due_at.as_ref().map_or(Value::Null, |d| json!(iso(d))),
    );
    o.insert("address".into(), json!(m.address));
    o.insert(
        "address_id".into(),
        m.address_id.as_deref().map_or(Value::Null, |a| json!(a)),
    );
    o.insert("zipcode".into(), Value::Null);
    o.insert("lat".into(), m.lat.map_or(Value::Null, |v| json!(v)));
    o.insert("long".into(), m.lng.map_or(Value::Null, |v| json!(v)));
    o.insert("media_url".into(), media.map_or(Value::Null, Value::String));
    Value::Object(o)
}

/// The documents of some matters, with unit names and latest public notes.
/// `base` is the site's address, for the photos' (`media_url`).
fn request_docs(c: &mut AnyConnection, list: &[Matter], base: &str) -> Result<Vec<Value>, DbError> {
    let categories = catalog::all_categories(c)?;
    let units = catalog::all_units(c)?;
    let ids: Vec<i64> = list.iter().map(|m| m.id).collect();
    let latest = online::latest_public_notes(c, &ids)?;
    let media: std::collections::HashMap<i64, String> = photos::first_public(c, &ids)?
        .into_iter()
        .map(|p| {
            let url = p
                .link
                .clone()
                .unwrap_or_else(|| format!("{base}/photos/{}", p.token));
            (p.matter_id, url)
        })
        .collect();
    Ok(list
        .iter()
        .map(|m| {
            let unit = m
                .unit_id
                .and_then(|id| units.iter().find(|u| u.id == id))
                .map(|u| u.name.as_str());
            let notes = latest.get(&m.id).map(String::as_str);
            request_doc(m, &categories, unit, notes, media.get(&m.id).cloned())
        })
        .collect())
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::<FixedOffset>::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// At most this many requests per answer (the specification's default).
const MAX_REQUESTS: i64 = 1000;

/// What a list of requests asks for.
enum Wanted {
    /// These ids, whatever else is asked.
    Codes(Vec<String>),
    /// A listing, by service codes (names, resolved against the catalog).
    Listing(Listing, Option<Vec<String>>),
}

/// A W3C date-time parameter, if given.
fn date_param(
    query: &[(String, String)],
    name: &str,
    example: &str,
) -> Result<Option<DateTime<Utc>>, String> {
    match one(query, name).map(parse_time) {
        Some(None) => Err(format!("{name} is not a W3C date-time, e.g. {example}")),
        Some(t) => Ok(t),
        None => Ok(None),
    }
}

/// Reads a list's parameters (the specification's, with its defaults).
fn wanted(query: &[(String, String)], prefix: &str) -> Result<Wanted, String> {
    // A list of ids overrides every other filter.
    if let Some(ids) = one(query, "service_request_id") {
        return Ok(Wanted::Codes(
            ids.split(',')
                .filter_map(|id| tracking::normalize(prefix, id))
                .take(MAX_REQUESTS as usize)
                .collect(),
        ));
    }
    let start = date_param(query, "start_date", "2026-11-01T00:00:00+08:00")?;
    let end = date_param(query, "end_date", "2026-11-30T00:00:00+08:00")?;
    // Without dates, the last 90 days.
    let (start, end) = match (start, end) {
        (None, None) => (Some(Utc::now() - Duration::days(90)), None),
        (None, Some(e)) => (Some(e - Duration::days(90)), Some(e)),
        other => other,
    };
    let statuses: Vec<&str> = one(query, "status")
        .map(|s| s.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if statuses.iter().any(|x| *x != "open" && *x != "closed") {
        return Err("status must be open or closed".into());
    }
    let states = State::ALL
        .into_iter()
        .filter(|s| statuses.is_empty() || statuses.contains(&status(*s)))
        .collect();
    let codes =
        one(query, "service_code").map(|s| s.split(',').map(|x| x.trim().to_owned()).collect());
    let listing = Listing {
        states,
        category_ids: None,
        start,
        end,
    };
    Ok(Wanted::Listing(listing, codes))
}

async fn list_requests(
    state: &web::Data<AppState>,
    base: &str,
    format: Format,
    query: &[(String, String)],
) -> HttpResponse {
    let Ok(_turn) = state.heavy.acquire().await else {
        return error(StatusCode::SERVICE_UNAVAILABLE, format, "shutting down");
    };
    let base = base.to_owned();
    let wanted = match wanted(query, &state.settings.code_prefix) {
        Ok(w) => w,
        Err(why) => return error(StatusCode::BAD_REQUEST, format, &why),
    };
    let found = run(state, move |c| {
        let list = match wanted {
            Wanted::Codes(codes) => online::by_codes(c, &codes)?,
            Wanted::Listing(mut listing, codes) => {
                if let Some(codes) = codes {
                    let ids = catalog::all_categories(c)?
                        .into_iter()
                        .filter(|x| codes.contains(&x.code))
                        .map(|x| x.id)
                        .collect();
                    listing.category_ids = Some(ids);
                }
                online::listed(c, &listing, MAX_REQUESTS)?
            }
        };
        request_docs(c, &list, &base)
    })
    .await;
    match found {
        Ok(docs) => service_requests(format, Value::Array(docs)),
        Err(e) => internal(format, e),
    }
}

/// `/open311/v2/requests/{id}.{format}`: one request, as an array of one.
pub async fn one_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let Some((id, format)) = split(&path) else {
        return error(
            StatusCode::NOT_FOUND,
            Format::Json,
            "unknown format: use .json or .xml",
        );
    };
    if let Err(res) = check_jurisdiction(&state, &pairs(req.query_string().as_bytes()), format) {
        return res;
    }
    let Some(code) = tracking::normalize(&state.settings.code_prefix, id) else {
        return error(
            StatusCode::NOT_FOUND,
            format,
            "service_request_id not found",
        );
    };
    // Guessing ids here must not pay either (see `web::guesses`).
    if let Some(wait) = guesses::wait(&state, &req) {
        let mut res = error(
            StatusCode::TOO_MANY_REQUESTS,
            format,
            "too many service_request_ids not found from this address: try again later",
        );
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(wait),
        );
        return res;
    }
    let base = base_url(&req, &state);
    let found = run(&state, move |c| match matters::by_code(c, &code)? {
        Some(m) if m.channel == Channel::Online => Ok(Some(request_docs(c, &[m], &base)?)),
        Some(_) => Ok(Some(Vec::new())),
        None => Ok(None),
    })
    .await;
    match found {
        Ok(Some(docs)) if !docs.is_empty() => service_requests(format, Value::Array(docs)),
        Ok(Some(_)) => not_found(format),
        Ok(None) => match guesses::count(&state, &req).await {
            Ok(()) => not_found(format),
            Err(e) => internal(format, e),
        },
        Err(e) => internal(format, e),
    }
}

fn not_found(format: Format) -> HttpResponse {
    error(
        StatusCode::NOT_FOUND,
        format,
        "service_request_id not found",
    )
}

/// `/open311/v2/tokens/{token}.{format}`. Requests are given their id at
/// once, so a token is the id itself.
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let Some((token, format)) = split(&path) else {
        return error(
            StatusCode::NOT_FOUND,
            Format::Json,
            "unknown format: use .json or .xml",
        );
    };
    if let Err(res) = check_jurisdiction(&state, &pairs(req.query_string().as_bytes()), format) {
        return res;
    }
    let Some(code) = tracking::normalize(&state.settings.code_prefix, token) else {
        return error(StatusCode::NOT_FOUND, format, "token not found");
    };
    let lookup = code.clone();
    match run(&state, move |c| {
        Ok(matters::by_code(c, &lookup)?.filter(|m| m.channel == Channel::Online))
    })
    .await
    {
        Ok(Some(m)) => {
            let body = json!([{ "service_request_id": m.code, "token": code }]);
            service_requests(format, body)
        }
        Ok(None) => error(StatusCode::NOT_FOUND, format, "token not found"),
        Err(e) => internal(format, e),
    }
}

/// Why a POST cannot be taken: a status and a description.
struct Refused(StatusCode, String);

fn bad(text: impl Into<String>) -> Refused {
    Refused(StatusCode::BAD_REQUEST, text.into())
}

/// A field's problem, in the specification's words.
fn invalid(field: &str) -> impl Fn(Problem) -> Refused + '_ {
    move |p| bad(format!("{field} {}", p.describe()))
}

/// The fields a client may give only once.
const SINGLE: [&str; 11] = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "phone",
    "first_name",
    "last_name",
    "media_url",
    "email",
];

/// A POST read into a request, with the same field rules as every other
/// entrance (`domain::request`), and where it came from.
fn check_post(
    form: &[(String, String)],
    categories: &[Category],
    client: &str,
) -> Result<(NewRequest, Origin), Refused> {
    if let Some(key) = SINGLE
        .iter()
        .find(|key| form.iter().filter(|(k, _)| k == *key).count() > 1)
    {
        return Err(bad(format!("{key} is given more than once")));
    }
    let code = one(form, "service_code").ok_or_else(|| bad("service_code is required"))?;
    let category = categories
        .iter()
        .find(|c| c.code == code.trim() && c.active)
        .cloned()
        .ok_or_else(|| Refused(StatusCode::NOT_FOUND, "service_code not found".into()))?;
    let (lat, lng) = point(form)?;
    let address = request::optional_address(one(form, "address_string").unwrap_or(""))
        .map_err(invalid("address_string"))?
        .unwrap_or_default();
    let address_id = one(form, "address_id").map(|a| a.trim().to_owned());
    if lat.is_none() && address.is_empty() && address_id.is_none() {
        return Err(bad(
            "a location is required: lat and long, address_string or address_id",
        ));
    }
    if address_id
        .as_deref()
        .is_some_and(|a| request::text(a, (1, 100), false).is_err())
    {
        return Err(bad("address_id is too long or has control characters"));
    }
    let description = request::description(one(form, "description").unwrap_or(""))
        .map_err(invalid("description"))?;
    let phone = one(form, "phone")
        .map(crate::domain::phone::normalize)
        .transpose()
        .map_err(invalid("phone"))?;
    let name = [one(form, "last_name"), one(form, "first_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("");
    let name = request::name(&name).map_err(invalid("first_name and last_name"))?;
    let attributes = attributes(form, &category)?;
    let media_url = one(form, "media_url")
        .filter(|u| !u.trim().is_empty())
        .map(crate::app::photos::link)
        .transpose()
        .map_err(invalid("media_url"))?;
    let email = request::email(one(form, "email").unwrap_or("")).map_err(invalid("email"))?;
    let title =
        request::title(&title_of(&description, &category)).map_err(invalid("description"))?;
    let origin = Origin::Api {
        client: client.to_owned(),
        lat,
        lng,
        address_id,
        attributes,
    };
    let request = NewRequest {
        category,
        title,
        description,
        place: None,
        address,
        name,
        phone,
        photos: media_url.into_iter().map(NewPhoto::Link).collect(),
        contact: Contact {
            email,
            sms: false,
            lang: "zh-CN".into(),
        },
    };
    Ok((request, origin))
}

/// `lat` and `long`, both or neither, as decimal degrees.
fn point(form: &[(String, String)]) -> Result<(Option<f64>, Option<f64>), Refused> {
    let lat = one(form, "lat").map(|v| v.trim().parse::<f64>());
    let lng = one(form, "long").map(|v| v.trim().parse::<f64>());
    match (lat, lng) {
        (Some(Ok(a)), Some(Ok(b)))
            if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b) =>
        {
            Ok((Some(a), Some(b)))
        }
        (None, None) => Ok((None, None)),
        _ => Err(bad(
            "lat and long must be given together as decimal degrees",
        )),
    }
}

/// A title for the office's lists: the description's first line, with
/// the service's name before it when that line is very short.
fn title_of(description: &str, category: &Category) -> String {
    let first: String = description
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(30)
        .collect();
    if first.chars().count() < 4 {
        format!("{}：{first}", category.name)
    } else {
        first
    }
}

/// `attribute[code]=value`, checked against the service definition; the
/// given ones as JSON.
fn attributes(form: &[(String, String)], category: &Category) -> Result<Option<String>, Refused> {
    let mut given = Map::new();
    for def in attributes_of(category) {
        let Some(code) = def.get("code").and_then(Value::as_str) else {
            continue;
        };
        let required = def
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let Some(value) = one(form, &format!("attribute[{code}]")) else {
            if required {
                return Err(bad(format!("attribute[{code}] is required")));
            }
            continue;
        };
        let keys: Vec<&str> = def
            .get("values")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter_map(|x| x.get("key").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        if !keys.is_empty() && !keys.contains(&value) {
            return Err(bad(format!(
                "attribute[{code}] must be one of {}",
                keys.join(", ")
            )));
        }
        if request::text(value, (1, 200), false).is_err() {
            return Err(bad(format!("attribute[{code}] is too long")));
        }
        given.insert(code.to_owned(), json!(value));
    }
    Ok((!given.is_empty()).then(|| Value::Object(given).to_string()))
}

/// `POST /open311/v2/requests.{format}`: form-encoded, with an API key.
pub async fn post_request(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let Some(("requests", format)) = split(&path) else {
        return error(StatusCode::NOT_FOUND, Format::Json, "no such endpoint");
    };
    let form = pairs(&body);
    if let Err(res) = check_jurisdiction(&state, &form, format) {
        return res;
    }
    let Some(key) = one(&form, "api_key").map(str::to_owned) else {
        return error(StatusCode::FORBIDDEN, format, "api_key is required");
    };
    let client = match run(&state, move |c| Ok(api_keys::client_of(c, &key)?)).await {
        Ok(Some(client)) => client,
        Ok(None) => return error(StatusCode::FORBIDDEN, format, "api_key is not valid"),
        Err(e) => return internal(format, e),
    };
    let categories = match run(&state, |c| Ok(catalog::all_categories(c)?)).await {
        Ok(c) => c,
        Err(e) => return internal(format, e),
    };
    let (mut request, origin) = match check_post(&form, &categories, &client) {
        Ok(checked) => checked,
        Err(Refused(status, text)) => return error(status, format, &text),
    };
    // News by e-mail only where this server sends e-mail.
    if !state.settings.email_on() {
        request.contact.email = None;
    }
    let prefix = state.settings.code_prefix.clone();
    let stored = match crate::web::write(&state, Lang::Zh, move |c| {
        requests::store(c, &prefix, &mut rand::rng(), &request, &origin, Utc::now())
    })
    .await
    {
        Ok(Ok(receipt)) => receipt,
        Ok(Err(e)) => return internal(format, e),
        Err(e) => return internal(format, e),
    };
    let l = Lang::Zh;
    let notice = match stored.due {
        Some(d) => l.tf(
            "open311.notice_due",
            &[("date", &clock::today(d).format("%Y-%m-%d").to_string())],
        ),
        None => l.t("open311.notice"),
    };
    let body = json!([{ "service_request_id": stored.code, "service_notice": notice, "account_id": Value::Null }]);
    service_requests(format, body)
}

pub fn routes(t: &mut crate::web::routes::Table<'_>) {
    t.get("/open311/v2/{file}", root_file)
        .post("/open311/v2/{file}", post_request)
        .get("/open311/v2/services/{file}", service_definition)
        .get("/open311/v2/requests/{file}", one_request)
        .get("/open311/v2/tokens/{file}", token);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_declared_escaped_and_nested() {
        let doc = Doc {
            root: "service_requests",
            item: "request",
            body: json!([{ "service_request_id": "NH-AAAA-BBBB", "description": "<b>路灯</b> & 水", "lat": 23.0, "media_url": null }]),
        };
        let xml = String::from_utf8(to_xml(&doc)).expect("utf-8");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(xml.contains(
            "<service_requests><request><service_request_id>NH-AAAA-BBBB</service_request_id>"
        ));
        assert!(xml.contains("&lt;b&gt;路灯&lt;/b&gt; &amp; 水"));
        assert!(xml.contains("<media_url/>"));
    }

    #[test]
    fn lists_inside_objects_name_their_items() {
        let doc = Doc {
            root: "discovery",
            item: "item",
            body: json!({"endpoints": [{"formats": ["text/xml"]}]}),
        };
        let xml = String::from_utf8(to_xml(&doc)).expect("utf-8");
        assert!(xml.contains("<endpoints><endpoint><formats><format>text/xml</format></formats></endpoint></endpoints>"));
    }

    #[test]
    fn formats_and_states() {
        assert_eq!(split("services.json"), Some(("services", Format::Json)));
        assert_eq!(split("requests.xml"), Some(("requests", Format::Xml)));
        assert_eq!(split("requests.csv"), None);
        assert_eq!(status(State::InProgress), "open");
        assert_eq!(status(State::Resolved), "closed");
        assert_eq!(status(State::Rejected), "closed");
    }
}

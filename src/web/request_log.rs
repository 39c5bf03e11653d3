//! One log line per request: an id (sent back as `X-Request-Id`), the
//! method, the route's pattern (never the path or query, which can hold a
//! code or a phone typed into a search), the status, the time taken and
//! the client's address. The same figures feed `/metrics`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

use super::client;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request's id: the one a trusted proxy gave it (so the proxy's log and
/// ours can be matched), or a new one.
fn request_id(req: &ServiceRequest) -> String {
    let peer_trusted = match (
        req.peer_addr(),
        req.app_data::<actix_web::web::Data<super::AppState>>(),
    ) {
        (Some(peer), Some(state)) => state
            .settings
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&peer.ip())),
        _ => false,
    };
    let given = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    match given {
        Some(id) if peer_trusted => id.to_owned(),
        _ => format!("{:016x}", rand::random::<u64>()),
    }
}

/// Middleware: logs and counts every request.
pub async fn requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    let client = client::address(req.request());
    let mut res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    super::metrics::request(method.as_str(), &route, status, seconds);
    log::info!(
        target: "shishi::request",
        id:% = id,
        method:% = method,
        route:% = route,
        status = status,
        ms = (seconds * 1000.0).round() as u64,
        client:% = client;
        "request"
    );
    Ok(res)
}

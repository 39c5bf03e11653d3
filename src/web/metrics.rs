//! Prometheus metrics, in its text format, served only on `--metrics-bind`
//! (an address of its own, off by default), never on the public one:
//! requests and their latency per route pattern and status, the database
//! pool (connections in use and idle, requests waiting for one), the
//! SQLite writer's batches (sizes and commit times, recorded in
//! `db::writer`), downloads running, and the age of the dashboard's
//! figures. Figures are kept by the `metrics` facade; the exporter only
//! renders them.

use std::sync::OnceLock;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Starts recording, once per process (servers in one process share it).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let seconds = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ];
            let sizes = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &seconds)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("shishi_writer_batch_size".into()),
                        &sizes,
                    )
                })
                .and_then(|b| b.install_recorder());
            match recorder {
                Ok(handle) => Some(handle),
                Err(e) => {
                    log::error!("metrics are off: {e}");
                    None
                }
            }
        })
        .as_ref()
}

/// Counts one request (the request log calls this).
pub fn request(method: &str, route: &str, status: u16, seconds: f64) {
    let (method, route) = (method.to_owned(), route.to_owned());
    metrics::counter!(
        "shishi_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!("shishi_http_request_duration_seconds", "method" => method, "route" => route)
        .record(seconds);
}

/// `GET /metrics` on the metrics address.
pub async fn serve(state: web::Data<AppState>) -> HttpResponse {
    let Some(handle) = install() else {
        return HttpResponse::ServiceUnavailable().body("metrics are off");
    };
    let pool = state.pool.state();
    let idle = f64::from(pool.idle_connections);
    metrics::gauge!("shishi_db_connections", "state" => "idle").set(idle);
    metrics::gauge!("shishi_db_connections", "state" => "in_use")
        .set(f64::from(pool.connections) - idle);
    metrics::gauge!("shishi_db_pool_size").set(f64::from(state.pool.max_size()));
    metrics::gauge!("shishi_downloads_running").set(state.downloads.running() as f64);
    if let Some(age) = state.measures.age() {
        metrics::gauge!("shishi_dashboard_figures_age_seconds").set(age.as_secs_f64());
    }
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .body(handle.render())
}

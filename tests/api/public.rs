//! The citizen's side: home, submit, receipt, track, language.

use crate::helpers::*;

#[tokio::test]
async fn health_check_answers_when_the_database_does() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn home_page_offers_submit_lookup_and_figures() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("body");
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("href=\"/submit\""));
    assert!(html.contains("action=\"/track\""));
    assert!(html.contains("已受理诉求"));
}

#[tokio::test]
async fn a_fresh_database_offers_categories_and_every_town() {
    let app = spawn_app().await;
    let html = app.get_text("/submit").await;
    for category in [
        "市政设施",
        "环境卫生",
        "河涌与污水",
        "交通出行",
        "住房与物业",
        "市场监管",
        "教育",
        "医疗卫生",
        "社会保障",
        "其他",
    ] {
        assert!(html.contains(category), "{category}");
    }
    for town in [
        "桂城街道",
        "九江镇",
        "西樵镇",
        "丹灶镇",
        "狮山镇",
        "大沥镇",
        "里水镇",
    ] {
        assert!(html.contains(town), "{town}");
    }
}

#[tokio::test]
async fn submit_leads_to_a_receipt_and_a_status_page() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    assert!(code.starts_with("NH-") && code.len() == 12, "{code}");

    // The receipt: code, QR code, what happens next.
    let receipt = app.get_text(&format!("/track/{code}?new=1")).await;
    assert!(receipt.contains("提交成功"));
    assert!(receipt.contains(&code));
    assert!(receipt.contains(&format!("/track/{code}/qr.svg")));
    assert!(receipt.contains("接下来"));

    let qr = app.get(&format!("/track/{code}/qr.svg")).await;
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.expect("svg").contains("<svg"));

    // The status page: state, channel, unit, expected date, public timeline.
    let status = app.get_text(&format!("/track/{code}")).await;
    assert!(status.contains("待受理"));
    assert!(status.contains("线上平台"));
    assert!(status.contains("待分派"));
    assert!(status.contains("诉求已提交"));
    assert!(status.contains("市政设施"));
    // Never the citizen's name or phone.
    assert!(!status.contains("陈美玲") && !receipt.contains("陈美玲"));
    assert!(!status.contains("13812345678") && !status.contains("1234 5678"));

    // Stored as the issue says: online, web, submitted, one public event.
    use diesel::prelude::*;
    use shishi::db::schema::{events, matters};
    let mut conn = app.conn();
    let (channel, source, state, phone): (String, String, String, Option<String>) = matters::table
        .filter(matters::code.eq(&code))
        .select((
            matters::channel,
            matters::source,
            matters::state,
            matters::citizen_phone,
        ))
        .first(&mut conn)
        .expect("stored");
    assert_eq!(
        (channel.as_str(), source.as_str(), state.as_str()),
        ("online", "web", "submitted")
    );
    assert_eq!(phone.as_deref(), Some("13812345678"));
    let public: Vec<bool> = events::table
        .select(events::public)
        .load(&mut conn)
        .expect("events");
    assert_eq!(public, [true]);
}

#[tokio::test]
async fn the_lookup_box_leads_to_the_status_page() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let typed = code.to_lowercase().replace('-', " ");
    let res = app
        .client
        .get(app.url("/track"))
        .query(&[("code", typed.as_str())])
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/track/{code}").as_str());

    let res = app.get(&format!("/track/{}", code.replace('-', ""))).await;
    assert_eq!(res.status(), 303, "an unformatted code is tidied up");
}

#[tokio::test]
async fn an_unknown_code_gets_a_helpful_404() {
    let app = spawn_app().await;
    for path in [
        "/track/NH-2222-2222",
        "/track/not-a-code",
        "/track/%3Cscript%3E",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let html = res.text().await.expect("body");
        assert!(html.contains("没有找到这个受理编号"), "{path}");
        assert!(
            html.contains("action=\"/track\""),
            "{path} offers the lookup again"
        );
        assert!(!html.contains("<script>"));
    }
    let res = app
        .client
        .get(app.url("/track"))
        .query(&[("code", "hello")])
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 400);
    assert!(res.text().await.expect("body").contains("受理编号格式不对"));
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.expect("body").contains("页面不存在"));
}

#[tokio::test]
async fn english_by_query_is_remembered_in_a_cookie() {
    let app = spawn_app().await;
    let res = app.get("/?lang=en").await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.starts_with("lang=en"), "{cookie}");
    let html = res.text().await.expect("body");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Report a problem"));
    assert!(!html.contains("我要反映问题"));

    // The same browser stays in English without asking again.
    let html = app.get_text("/submit").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Phone number"));

    // And goes back.
    let html = app.get_text("/?lang=zh-CN").await;
    assert!(html.contains("<html lang=\"zh-CN\">"));
}

#[tokio::test]
async fn english_from_accept_language_and_the_whole_path_in_english() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/"))
        .header("Accept-Language", "en-GB,en;q=0.9,zh;q=0.5")
        .send()
        .await
        .expect("GET");
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("<html lang=\"en\">")
    );

    let form = app.valid_request().await;
    app.get("/?lang=en").await;
    let res = app.submit(&form).await;
    assert_eq!(res.status(), 303);
    let code = res.headers()["location"]
        .to_str()
        .expect("loc")
        .trim_start_matches("/track/")
        .replace("?new=1", "");
    let receipt = app.get_text(&format!("/track/{code}?new=1")).await;
    assert!(receipt.contains("Request received"));
    assert!(receipt.contains("Waiting for triage"));
    assert!(receipt.contains("Online platform"));
    assert!(receipt.contains("Municipal facilities"));
}

#[tokio::test]
async fn readiness_says_when_the_database_is_behind_and_liveness_does_not_care() {
    let app = spawn_app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "ready");
    // An older schema under the running server: not ready, still alive.
    shishi::db::revert_last_migration(&app.database_url).expect("revert");
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("migrations pending")
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
    shishi::db::migrate(&shishi::db::Backend::from_url(&app.database_url)).expect("migrate");
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_only() {
    let app = spawn_app_with(|s| s.metrics_bind = Some("127.0.0.1:0".into())).await;
    assert!(app.submit_valid().await.starts_with("NH-"));
    assert_eq!(app.get("/").await.status(), 200);
    let res = app.get("/").await;
    let id = res.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();
    assert_eq!(id.len(), 16, "{id}");
    assert_ne!(
        app.get("/").await.headers()["x-request-id"],
        id.as_str(),
        "one id per request"
    );

    let url = app.metrics_url.clone().expect("a metrics address");
    let res = browser().get(&url).send().await.expect("scrape");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.expect("body");
    for wanted in [
        "shishi_http_requests_total{method=\"POST\",route=\"/submit\",status=\"303\"}",
        "shishi_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}",
        "shishi_http_request_duration_seconds_bucket{method=\"GET\",route=\"/\",le=\"0.1\"}",
        "shishi_db_connections{state=\"in_use\"}",
        "shishi_db_waiting",
        "shishi_db_pool_size 4",
        "shishi_downloads_running",
    ] {
        assert!(text.contains(wanted), "{wanted} in\n{text}");
    }
    if backend_name() == "sqlite" {
        assert!(text.contains("shishi_writer_batch_size_bucket"), "{text}");
        assert!(
            text.contains("shishi_writer_commit_seconds_bucket"),
            "{text}"
        );
    }
    // Never on the public address.
    assert_eq!(app.get("/metrics").await.status(), 404);
}

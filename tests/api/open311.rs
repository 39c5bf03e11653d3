//! Open311 GeoReport v2: every endpoint, both formats, the errors.

use crate::helpers::*;

/// An admin makes a key for a client and reads it off the page, once.
async fn api_key(app: &TestApp) -> String {
    app.api_key().await
}

async fn get_json(app: &TestApp, path: &str) -> (u16, serde_json::Value) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/json"),
        "{path}"
    );
    (
        status,
        serde_json::from_str(&res.text().await.expect("body")).expect("json"),
    )
}

async fn get_xml(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/xml"),
        "{path}"
    );
    let body = res.text().await.expect("body");
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{path}"
    );
    (status, body)
}

async fn post(app: &TestApp, format: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser()
        .post(app.url(&format!("/open311/v2/requests.{format}")))
        .form(fields)
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn discovery_and_services_in_both_formats() {
    let app = spawn_app().await;
    let (status, d) = get_json(&app, "/open311/v2/discovery.json").await;
    assert_eq!(status, 200);
    for field in ["changeset", "contact", "key_service"] {
        assert!(d[field].is_string(), "{field}");
    }
    let endpoint = &d["endpoints"][0];
    assert_eq!(
        endpoint["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert!(
        endpoint["url"]
            .as_str()
            .expect("url")
            .ends_with("/open311/v2")
    );
    assert_eq!(endpoint["type"], "production");
    assert_eq!(
        endpoint["formats"],
        serde_json::json!(["text/xml", "application/json"])
    );
    let (_, xml) = get_xml(&app, "/open311/v2/discovery.xml").await;
    assert!(
        xml.contains("<discovery><changeset>")
            && xml.contains("<endpoints><endpoint><specification>")
    );
    assert!(
        xml.contains(
            "<formats><format>text/xml</format><format>application/json</format></formats>"
        )
    );

    let (_, services) = get_json(&app, "/open311/v2/services.json").await;
    let list = services.as_array().expect("array");
    assert_eq!(list.len(), 11, "one service per category");
    for s in list {
        for field in [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ] {
            assert!(!s[field].is_null(), "{field}");
        }
    }
    let urgent = list
        .iter()
        .find(|s| s["service_code"] == "urgent")
        .expect("urgent");
    assert_eq!(urgent["metadata"], true);
    assert_eq!(
        list.iter()
            .find(|s| s["service_code"] == "municipal")
            .expect("m")["metadata"],
        false
    );
    let (_, xml) = get_xml(&app, "/open311/v2/services.xml").await;
    assert!(xml.contains("<services><service><service_code>urgent</service_code>"));

    let (status, def) = get_json(&app, "/open311/v2/services/urgent.json").await;
    assert_eq!(status, 200);
    assert_eq!(def["service_code"], "urgent");
    let attribute = &def["attributes"][0];
    assert_eq!(attribute["code"], "danger");
    assert_eq!(attribute["datatype"], "singlevaluelist");
    assert_eq!(attribute["required"], true);
    assert_eq!(attribute["order"], 1);
    assert_eq!(attribute["values"][0]["key"], "people");
    let (_, xml) = get_xml(&app, "/open311/v2/services/urgent.xml").await;
    assert!(xml.contains(
        "<service_definition><service_code>urgent</service_code><attributes><attribute>"
    ));
    assert!(xml.contains("<values><value><key>people</key>"));

    let (status, e) = get_json(&app, "/open311/v2/services/nope.json").await;
    assert_eq!(status, 404);
    assert_eq!(e[0]["code"], 404);
    assert!(e[0]["description"].is_string());
    let (status, xml) = get_xml(&app, "/open311/v2/services/nope.xml").await;
    assert_eq!(status, 404);
    assert!(xml.contains("<errors><error><code>404</code><description>"));
}

#[tokio::test]
async fn a_posted_request_is_tracked_handled_and_followed_through_get_requests() {
    let app = spawn_app().await;
    let key = api_key(&app).await;
    let fields = [
        ("api_key", key.as_str()),
        ("service_code", "municipal"),
        ("lat", "23.0301"),
        ("long", "113.1450"),
        ("address_string", "桂城南海大道北 38 号"),
        ("description", "人行道地砖松动，老人容易绊倒。"),
        ("first_name", "美玲"),
        ("last_name", "陈"),
        ("phone", "13812345678"),
        ("email", "chen@example.cn"),
    ];
    let res = post(&app, "json", &fields).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value =
        serde_json::from_str(&res.text().await.expect("body")).expect("json");
    let code = body[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(
        body[0]["service_notice"]
            .as_str()
            .expect("notice")
            .contains("预计")
    );

    // In the staff inbox, marked as coming through the API from that client.
    let dispatcher = app.dispatcher().await;
    let inbox = dispatcher.get_text("/staff/matters").await;
    assert!(inbox.contains(&code));
    let id = app.matter_id(&code);
    assert_eq!(app.matter_field(id, "source").as_deref(), Some("api"));
    assert_eq!(
        app.matter_field(id, "api_client").as_deref(),
        Some("市民通 App")
    );
    // And on the citizen's status page.
    assert!(
        app.get_text(&format!("/track/{code}"))
            .await
            .contains("待受理")
    );

    let (_, one) = get_json(&app, &format!("/open311/v2/requests/{code}.json")).await;
    let r = &one[0];
    assert_eq!(one.as_array().expect("array").len(), 1);
    assert_eq!(r["service_request_id"], code.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], "municipal");
    assert_eq!(r["lat"], 23.0301);
    assert!(
        r["requested_datetime"]
            .as_str()
            .expect("time")
            .ends_with("+08:00")
    );
    assert!(
        r["expected_datetime"]
            .as_str()
            .expect("time")
            .ends_with("+08:00")
    );
    assert!(r["agency_responsible"].is_null());

    // Staff work on it; the progress shows in GET requests.
    let unit = app.staff("gc", "unit", Some("GC")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    unit.must(id, "sign", &[]).await;
    unit.must(
        id,
        "note",
        &[("note", "已安排周五铺设新地砖"), ("public", "1")],
    )
    .await;
    let (_, one) = get_json(&app, &format!("/open311/v2/requests/{code}.json")).await;
    assert_eq!(one[0]["status_notes"], "已安排周五铺设新地砖");
    assert_eq!(one[0]["agency_responsible"], "桂城街道");
    unit.must(id, "resolve", &[("note", "地砖已重新铺设。")])
        .await;
    let (_, xml) = get_xml(&app, &format!("/open311/v2/requests/{code}.xml")).await;
    assert!(xml.contains("<service_requests><request>"));
    assert!(
        xml.contains("<status>closed</status>")
            && xml.contains("<status_notes>地砖已重新铺设。</status_notes>")
    );

    // No GET shows personal data.
    for path in [
        format!("/open311/v2/requests/{code}.json"),
        format!("/open311/v2/requests/{code}.xml"),
        "/open311/v2/requests.json".into(),
        "/open311/v2/requests.xml".into(),
    ] {
        let text = app.get_text(&path).await;
        for secret in ["13812345678", "陈", "美玲", "chen@example.cn"] {
            assert!(!text.contains(secret), "{path} shows {secret}");
        }
    }

    let (status, token) = get_json(&app, &format!("/open311/v2/tokens/{code}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(token[0]["service_request_id"], code.as_str());
    let (status, _) = get_json(&app, "/open311/v2/tokens/NH-2222-2222.json").await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&app, "/open311/v2/requests/NH-2222-2222.json").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn posting_needs_a_key_a_known_service_and_a_location() {
    let app = spawn_app().await;
    let key = api_key(&app).await;
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = vec![
            ("service_code", "municipal"),
            ("address_string", "桂城"),
            ("description", "路灯不亮已经一周了"),
        ];
        f.extend_from_slice(extra);
        f
    };
    let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
        (base(&[]), 403),
        (base(&[("api_key", "not-a-key")]), 403),
        (
            vec![
                ("api_key", key.as_str()),
                ("address_string", "桂城"),
                ("description", "路灯不亮"),
            ],
            400,
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "teleport"),
                ("address_string", "桂城"),
                ("description", "x"),
            ],
            404,
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "municipal"),
                ("description", "路灯不亮已经一周了"),
            ],
            400,
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "municipal"),
                ("lat", "23.0"),
                ("description", "路灯不亮已经一周了"),
            ],
            400,
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "municipal"),
                ("lat", "999"),
                ("long", "1"),
                ("description", "路灯"),
            ],
            400,
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "municipal"),
                ("address_id", "A-1"),
            ],
            400,
        ),
        (
            base(&[("api_key", "x")])
                .into_iter()
                .map(|(k, v)| {
                    if k == "api_key" {
                        (k, key.as_str())
                    } else {
                        (k, v)
                    }
                })
                .chain([("phone", "12345")])
                .collect(),
            400,
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "urgent"),
                ("address_string", "桂城"),
                ("description", "井盖缺失"),
            ],
            400,
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "urgent"),
                ("address_string", "桂城"),
                ("description", "井盖缺失"),
                ("attribute[danger]", "ufo"),
            ],
            400,
        ),
    ];
    for (fields, want) in cases {
        for format in ["json", "xml"] {
            let res = post(&app, format, &fields).await;
            assert_eq!(res.status().as_u16(), want, "{format} {fields:?}");
            let body = res.text().await.expect("body");
            if format == "json" {
                let e: serde_json::Value = serde_json::from_str(&body).expect("json error");
                assert_eq!(e[0]["code"], want);
                assert!(e[0]["description"].as_str().is_some_and(|d| !d.is_empty()));
            } else {
                assert!(
                    body.contains(&format!("<errors><error><code>{want}</code>")),
                    "{body}"
                );
            }
        }
    }
    assert_eq!(app.count("matters"), 0, "nothing stored");

    let res = post(
        &app,
        "xml",
        &[
            ("api_key", key.as_str()),
            ("service_code", "urgent"),
            ("address_id", "NH-GC-0001"),
            ("description", "井盖缺失，夜间危险"),
            ("attribute[danger]", "people"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let xml = res.text().await.expect("body");
    assert!(xml.contains("<service_requests><request><service_request_id>NH-"));
    assert_eq!(app.count("matters"), 1);

    // A revoked key stops working.
    let admin = app.staff("admin2", "admin", None).await;
    let key_id = {
        use diesel::prelude::*;
        use shishi::db::schema::api_keys;
        api_keys::table
            .select(api_keys::id)
            .first::<i64>(&mut app.conn())
            .expect("key")
    };
    admin
        .post_via(
            "/staff/admin",
            &format!("/staff/admin/keys/{key_id}/revoke"),
            &[],
        )
        .await;
    let res = post(
        &app,
        "json",
        &[
            ("api_key", key.as_str()),
            ("service_code", "municipal"),
            ("address_string", "桂城"),
            ("description", "路灯不亮已经一周了"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn get_requests_filters_and_defaults() {
    let app = spawn_app().await;
    let old = app.matter_id(&app.submit_valid().await);
    let open = app.submit_valid().await;
    let closed = app.submit_valid().await;
    {
        use diesel::prelude::*;
        use shishi::db::schema::matters;
        let long_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(120);
        diesel::update(matters::table.find(old))
            .set(matters::created_at.eq(long_ago))
            .execute(&mut app.conn())
            .expect("age");
    }
    let dispatcher = app.dispatcher().await;
    dispatcher
        .must(
            app.matter_id(&closed),
            "reject",
            &[("note", "不属于受理范围")],
        )
        .await;

    let codes = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let (_, all) = get_json(&app, "/open311/v2/requests.json").await;
    assert_eq!(
        all.as_array().expect("array").len(),
        2,
        "the last 90 days by default"
    );
    let (_, only_open) = get_json(&app, "/open311/v2/requests.json?status=open").await;
    assert_eq!(codes(&only_open), vec![open.clone()]);
    let (_, only_closed) = get_json(&app, "/open311/v2/requests.json?status=closed").await;
    assert_eq!(codes(&only_closed), vec![closed.clone()]);
    let (_, with_old) = get_json(
        &app,
        "/open311/v2/requests.json?start_date=2000-01-01T00:00:00%2B08:00",
    )
    .await;
    assert_eq!(with_old.as_array().expect("array").len(), 3);
    let (_, none) = get_json(&app, "/open311/v2/requests.json?service_code=water").await;
    assert!(none.as_array().expect("array").is_empty());
    let (_, by_code) = get_json(
        &app,
        "/open311/v2/requests.json?service_code=municipal,water",
    )
    .await;
    assert_eq!(by_code.as_array().expect("array").len(), 2);
    let old_code = {
        use diesel::prelude::*;
        use shishi::db::schema::matters;
        matters::table
            .find(old)
            .select(matters::code)
            .first::<String>(&mut app.conn())
            .expect("code")
    };
    let (_, by_id) = get_json(
        &app,
        &format!("/open311/v2/requests.json?service_request_id={old_code},{open}&status=closed"),
    )
    .await;
    assert_eq!(
        by_id.as_array().expect("array").len(),
        2,
        "ids override every other filter"
    );
    let (status, e) = get_json(&app, "/open311/v2/requests.json?start_date=yesterday").await;
    assert_eq!((status, e[0]["code"].as_u64()), (400, Some(400)));
    let (status, _) = get_json(&app, "/open311/v2/requests.json?status=pending").await;
    assert_eq!(status, 400);
    let (_, xml) = get_xml(&app, "/open311/v2/requests.xml?status=open").await;
    assert_eq!(xml.matches("<request>").count(), 1);
    assert_eq!(app.get("/open311/v2/requests.csv").await.status(), 404);
}

#[tokio::test]
async fn jurisdiction_id_is_accepted_and_checked_when_configured() {
    let app = spawn_app_with(|s| s.jurisdiction_id = Some("nanhai.foshan.gov.cn".into())).await;
    let (status, _) = get_json(&app, "/open311/v2/services.json").await;
    assert_eq!(
        status, 200,
        "optional when the server answers for one jurisdiction"
    );
    let (status, _) = get_json(
        &app,
        "/open311/v2/services.json?jurisdiction_id=nanhai.foshan.gov.cn",
    )
    .await;
    assert_eq!(status, 200);
    let (status, e) = get_json(&app, "/open311/v2/services.json?jurisdiction_id=elsewhere").await;
    assert_eq!(status, 404);
    assert!(
        e[0]["description"]
            .as_str()
            .expect("text")
            .contains("jurisdiction_id")
    );
}

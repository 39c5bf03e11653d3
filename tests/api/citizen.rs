//! The citizen's side: the status page shows what was asked, phone numbers
//! as people have them, guessing codes does not pay, and only the person
//! who asked may rate.

use crate::helpers::*;

/// Submits `form` and returns the tracking code of the new request.
async fn submit_code(app: &TestApp, form: &[(String, String)]) -> String {
    let res = app.submit(form).await;
    assert_eq!(res.status(), 303, "on {}", backend_name());
    res.headers()["location"]
        .to_str()
        .expect("location")
        .trim_start_matches("/track/")
        .trim_end_matches("?new=1")
        .to_owned()
}

#[tokio::test]
async fn the_status_page_and_the_receipt_show_what_was_asked_and_nothing_private() {
    let app = spawn_app().await;
    let form = app.valid_request().await;
    let form = with(&form, "title", "夏北三巷路灯<b>不亮</b>");
    let form = with(
        &form,
        "description",
        "第一行：路灯坏了一周。\n第二行：晚上很黑 & 老人不敢出门。",
    );
    let first = submit_code(&app, &form).await;
    let other = with(&form, "title", "夏北市场门口积水");
    let other = with(&other, "address", "夏北市场东门");
    let other = with(
        &other,
        "description",
        "下雨后市场门口积水很深，摊贩和顾客都过不去。",
    );
    let second = submit_code(&app, &other).await;

    for page in [format!("/track/{first}?new=1"), format!("/track/{first}")] {
        let html = app.get_text(&page).await;
        assert!(
            html.contains("夏北三巷路灯&#60;b&#62;不亮&#60;/b&#62;")
                || html.contains("夏北三巷路灯&lt;b&gt;不亮&lt;/b&gt;"),
            "{page}: the title, escaped"
        );
        assert!(!html.contains("<b>不亮"), "{page}");
        assert!(html.contains("第一行：路灯坏了一周。"), "{page}");
        assert!(html.contains("老人不敢出门"), "{page}");
        assert!(html.contains("夏北社区"), "{page}: the place");
        assert!(html.contains("夏北三巷12号"), "{page}: the address");
        assert!(html.contains("市政设施"), "{page}: the category");
        // Never the name or the phone (nor its digits in any spacing).
        assert!(!html.contains("陈美玲"), "{page}");
        assert!(
            !html.contains("13812345678") && !html.contains("1234 5678"),
            "{page}"
        );
        assert!(!html.contains("夏北市场"), "{page}: not the other request");
        assert!(!html.contains("积水很深"), "{page}");
    }
    let html = app.get_text(&format!("/track/{second}")).await;
    assert!(html.contains("夏北市场门口积水") && html.contains("夏北市场东门"));

    // Merged into the first, the second still shows what its citizen asked,
    // with the first one's progress.
    let dispatcher = app.dispatcher().await;
    let id = app.matter_id(&second);
    dispatcher.must(id, "merge", &[("primary", &first)]).await;
    let html = app.get_text(&format!("/track/{second}")).await;
    assert!(
        html.contains("夏北市场门口积水") && !html.contains("路灯坏了一周"),
        "{html}"
    );
}

#[tokio::test]
async fn landlines_are_taken_at_every_entrance_stored_alike_and_masked_in_lists() {
    let app = spawn_app().await;
    // The citizen's form, with an extension.
    let form = app.valid_request().await;
    let code = submit_code(&app, &with(&form, "phone", "0757-86221234转808")).await;
    let web = app.matter_id(&code);
    assert_eq!(
        app.matter_field(web, "citizen_phone").as_deref(),
        Some("0757-86221234-808")
    );
    // Refused numbers keep the form and store nothing.
    let before = app.count("matters");
    let res = app.submit(&with(&form, "phone", "86221234")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("带区号的固定电话") && html.contains("value=\"86221234\""));
    assert_eq!(app.count("matters"), before);

    // Staff phone intake, written another way.
    let dispatcher = app.dispatcher().await;
    let html = dispatcher.get_text("/staff/intake").await;
    let intake = [
        ("csrf_token", csrf_of(&html)),
        ("source", "phone".to_owned()),
        ("radio_date", String::new()),
        ("category", option_value(&html, "交通出行")),
        ("title", "公交站牌被撞歪了".to_owned()),
        (
            "description",
            "夏北路口公交站牌被车撞歪，有倒下的危险。".to_owned(),
        ),
        ("place", option_value(&html, "夏北社区")),
        ("address", "夏北路口".to_owned()),
        ("name", "黄伯".to_owned()),
        ("phone", "(0757) 8622 4321".to_owned()),
        ("consent", "yes".to_owned()),
    ];
    let res = dispatcher
        .client
        .post(dispatcher.url("/staff/intake"))
        .form(&intake)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303, "staff intake takes a landline");

    // Open311, with the country code.
    let key = app.api_key().await;
    let res = browser()
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "municipal"),
            ("address_string", "桂城南海大道北 38 号"),
            ("description", "人行道地砖松动，老人容易绊倒。"),
            ("phone", "+86 757 8622 5555"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 200);

    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let mut phones: Vec<String> = matters::table
        .select(matters::citizen_phone.assume_not_null())
        .load(&mut app.conn())
        .expect("phones");
    phones.sort();
    assert_eq!(
        phones,
        ["0757-86221234-808", "0757-86224321", "0757-86225555"]
    );

    // Lists show them masked, area code and last four only.
    let inbox = dispatcher.get_text("/staff/matters").await;
    for masked in ["0757****1234", "0757****4321", "0757****5555"] {
        assert!(inbox.contains(masked), "{masked} in the inbox");
    }
    assert!(!inbox.contains("86221234") && !inbox.contains("0757-8622"));
}

#[tokio::test]
async fn guessing_codes_is_refused_after_the_limit_and_real_codes_count_nothing() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec![shishi::config::proxy("127.0.0.1").expect("proxy")];
        s.track_max_misses = 5;
    })
    .await;
    let code = app.submit_valid().await;
    let citizen = forwarded_for("198.51.100.7");
    let guesser = forwarded_for("203.0.113.66");
    let get = |client: &reqwest::Client, path: String| {
        let request = client.get(app.url(&path));
        async move { request.send().await.expect("GET") }
    };

    // Looking up one's own code again and again is never refused.
    for _ in 0..20 {
        assert_eq!(get(&citizen, format!("/track/{code}")).await.status(), 200);
    }
    // Codes that are not codes cost a guesser nothing and tell nothing.
    assert_eq!(get(&guesser, "/track/hello".into()).await.status(), 404);
    for i in 0..5 {
        let res = get(&guesser, format!("/track/NH-2222-22{}2", i + 2)).await;
        assert_eq!(res.status(), 404, "miss {i}");
    }
    // The limit reached: refused, even for a code that exists.
    for path in ["/track/NH-2222-2292".to_owned(), format!("/track/{code}")] {
        let res = get(&guesser, path.clone()).await;
        assert_eq!(res.status(), 429, "{path}");
        let wait: u64 = res.headers()["retry-after"]
            .to_str()
            .expect("header")
            .parse()
            .expect("seconds");
        assert!(
            (500..=601).contains(&wait),
            "{wait} s: the rest of ten minutes"
        );
        assert!(res.text().await.expect("body").contains("查询太频繁"));
    }
    // The citizen elsewhere is not affected.
    assert_eq!(get(&citizen, format!("/track/{code}")).await.status(), 200);

    // Counted in the database: a second instance refuses the guesser at
    // its first miss there.
    let second = app.second_instance_with(|s| {
        s.trusted_proxies = vec![shishi::config::proxy("127.0.0.1").expect("proxy")];
        s.track_max_misses = 5;
    });
    let there = |path: &str| guesser.get(format!("{second}{path}")).send();
    assert_eq!(
        there(&format!("/track/{code}"))
            .await
            .expect("GET")
            .status(),
        200
    );
    assert_eq!(
        there("/track/NH-3333-3333").await.expect("GET").status(),
        404
    );
    assert_eq!(
        there(&format!("/track/{code}"))
            .await
            .expect("GET")
            .status(),
        429
    );

    // Open311's one-request lookup is refused too, in its own format.
    let res = get(&guesser, format!("/open311/v2/requests/{code}.json")).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let body: serde_json::Value =
        serde_json::from_str(&res.text().await.expect("body")).expect("json");
    assert_eq!(body[0]["code"], 429);
}

#[tokio::test]
async fn open311_misses_count_and_wrong_rating_digits_count() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec![shishi::config::proxy("127.0.0.1").expect("proxy")];
        s.track_max_misses = 4;
    })
    .await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    unit.must(id, "sign", &[]).await;
    unit.must(id, "resolve", &[("note", "已修复")]).await;

    let guesser = forwarded_for("203.0.113.9");
    for i in 0..2 {
        let res = guesser
            .get(app.url(&format!("/open311/v2/requests/NH-2222-222{}.json", i + 2)))
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), 404);
    }
    let html = guesser
        .get(app.url(&format!("/track/{code}")))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    for digits in ["0000", "1111"] {
        let url = app.url(&format!("/track/{code}/rate"));
        let (csrf, version) = (csrf_of(&html), version_of(&html));
        let res = post_rating(&guesser, url, &csrf, &version, digits, "unsatisfied").await;
        assert_eq!(res.status(), 303);
    }
    assert_eq!(app.matter_state(id), "resolved");
    // Two misses in Open311 and two wrong digits: the fifth try is refused,
    // right digits or not.
    let url = app.url(&format!("/track/{code}/rate"));
    let (csrf, version) = (csrf_of(&html), version_of(&html));
    let res = post_rating(&guesser, url, &csrf, &version, "5678", "unsatisfied").await;
    assert_eq!(res.status(), 429);
    assert_eq!(app.matter_state(id), "resolved");
}

#[tokio::test]
async fn a_request_recorded_without_a_phone_cannot_be_rated_online() {
    let app = spawn_app().await;
    let key = app.api_key().await;
    let res = browser()
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "municipal"),
            ("address_string", "桂城南海大道北 38 号"),
            ("description", "人行道地砖松动，老人容易绊倒。"),
        ])
        .send()
        .await
        .expect("POST");
    let body: serde_json::Value =
        serde_json::from_str(&res.text().await.expect("body")).expect("json");
    let code = body[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    unit.must(id, "sign", &[]).await;
    unit.must(id, "resolve", &[("note", "已修复")]).await;
    let html = app.get_text(&format!("/track/{code}")).await;
    assert!(html.contains("没有留电话") && !html.contains("name=\"rating\""));
    let csrf = csrf_of(&app.get_text("/submit").await);
    let url = app.url(&format!("/track/{code}/rate"));
    let res = post_rating(&app.client, url, &csrf, "4", "", "unsatisfied").await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.matter_state(id), "resolved");
}

#[tokio::test]
async fn the_privacy_notice_is_linked_from_the_consent_and_every_page() {
    let app = spawn_app_with(|s| {
        s.retention_days = 730;
        s.privacy_contact = Some("区政务服务数据管理局，电话 0757-86338888".into());
    })
    .await;
    let form = app.get_text("/submit").await;
    let consent = form.find("name=\"consent\"").expect("consent box");
    let link = form[consent..]
        .find("href=\"/privacy\"")
        .expect("a link beside the consent box");
    assert!(link < 600, "the link is right by the box");
    assert!(
        app.get_text("/").await.contains("href=\"/privacy\""),
        "footer"
    );

    let html = app.get_text("/privacy").await;
    for part in [
        "隐私说明",
        "收集哪些信息",
        "用来做什么",
        "谁能看到",
        "保存多久",
        "有疑问找谁",
    ] {
        assert!(html.contains(part), "{part}");
    }
    assert!(html.contains("满 730 天后"), "the retention as configured");
    assert!(html.contains("区政务服务数据管理局，电话 0757-86338888"));
    let html = app.get_text("/privacy?lang=en").await;
    assert!(html.contains("Privacy notice") && html.contains("730 days after a request ends"));

    // The default contact, when none is configured.
    let plain = spawn_app().await;
    assert!(plain.get_text("/privacy").await.contains("12345"));
}

#[tokio::test]
async fn urgent_hazards_say_to_call_110_119_120_first() {
    let app = spawn_app().await;
    let form_page = app.get_text("/submit").await;
    for number in ["tel:110", "tel:119", "tel:120"] {
        assert!(form_page.contains(number), "the form offers {number}");
    }
    let form = app.valid_request().await;
    let plain = submit_code(&app, &form).await;
    let receipt = app.get_text(&format!("/track/{plain}?new=1")).await;
    assert!(!receipt.contains("tel:119"), "not on an ordinary receipt");

    let urgent = with(&form, "category", &option_value(&form_page, "紧急安全隐患"));
    let code = submit_code(&app, &urgent).await;
    let receipt = app.get_text(&format!("/track/{code}?new=1")).await;
    assert!(receipt.contains("紧急安全隐患"));
    for number in ["tel:110", "tel:119", "tel:120"] {
        assert!(
            receipt.contains(number),
            "the urgent receipt offers {number}"
        );
    }
    let english = app.get_text(&format!("/track/{code}?new=1&lang=en")).await;
    assert!(english.contains("life or property in danger"));
}

/// A tracking code already taken is passed over for another, inside the
/// transaction the request is stored in (on PostgreSQL with no savepoint:
/// the clash is not an error there, which would abort the transaction);
/// after five taken in a row nothing is stored (no matter, no event) and
/// the error says so.
#[tokio::test]
async fn a_taken_tracking_code_is_passed_over_for_a_fresh_one() {
    use diesel::Connection;
    use rand::SeedableRng;
    use shishi::db::matters::insert_with_new_code;
    let app = spawn_app().await;
    let category = app.category_id("municipal");
    let intake = intake("", category, "路灯不亮", "晚上路灯不亮。");
    let before = app.count("matters");
    let events_before = app.count("events");
    let mut conn = app.conn();
    let (codes, sixth) = conn
        .transaction::<_, diesel::result::Error, _>(|c| {
            // Each try draws from the same seed: the same codes in order,
            // so the n-th finds n - 1 of them taken.
            let mut codes = Vec::new();
            for _ in 0..5 {
                let mut rng = rand::rngs::StdRng::seed_from_u64(15);
                let (_, code) = insert_with_new_code(c, "NH", &mut rng, &intake).expect("stored");
                codes.push(code);
            }
            let mut rng = rand::rngs::StdRng::seed_from_u64(15);
            let sixth = insert_with_new_code(c, "NH", &mut rng, &intake).map(|(_, code)| code);
            Ok((codes, sixth.map_err(|e| e.to_string())))
        })
        .expect("the transaction commits");
    let distinct: std::collections::BTreeSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), 5, "{codes:?}");
    let error = sixth.expect_err("five taken in a row");
    assert!(error.contains("no free tracking code"), "{error}");
    assert_eq!(app.count("matters"), before + 5);
    // One first event each; a try on a taken code stores none.
    assert_eq!(app.count("events"), events_before + 5);
    for code in &codes {
        let id = app.matter_id(code);
        assert_eq!(app.matter_state(id), "submitted");
    }
}

//! Notifications are written to the outbox with the step that causes them,
//! and only then: here the server runs without its sender (that is
//! `scripts/notify-test.py`, with a real SMTP server and webhook), so every
//! message stays in the outbox to be counted.

use diesel::prelude::*;
use shishi::db::schema::outbox;

use crate::helpers::*;

async fn app_that_sends() -> TestApp {
    spawn_app_with(|s| {
        s.trusted_proxies = vec![shishi::config::proxy("127.0.0.1").expect("proxy")];
        s.smtp_url = Some("smtp://127.0.0.1:1".into());
        s.notify_webhook = Some("http://127.0.0.1:1/sms".into());
        s.notify_secret = Some("webhook-secret".into());
    })
    .await
}

/// The outbox: (kind, transport, recipient), oldest first.
fn messages(app: &TestApp) -> Vec<(String, String, String)> {
    outbox::table
        .order(outbox::id)
        .select((outbox::kind, outbox::transport, outbox::recipient))
        .load(&mut app.conn())
        .expect("outbox")
}

fn kinds(app: &TestApp) -> Vec<String> {
    messages(app)
        .into_iter()
        .map(|(k, t, _)| format!("{k}/{t}"))
        .collect()
}

#[tokio::test]
async fn each_step_writes_its_messages_and_a_refused_one_writes_none() {
    let app = app_that_sends().await;
    let form = app.valid_request().await;
    let html = app.get_text("/submit").await;
    assert!(html.contains("name=\"email\"") && html.contains("name=\"sms\""));

    // Bad input: a message beside the field, nothing stored, nothing sent.
    for (field, value, message) in [
        ("email", "chen@", "请填写有效的电子邮箱地址"),
        ("phone", "0757-86221234", "短信通知需要手机号码"),
    ] {
        let mut bad = with(&form, field, value);
        if field == "email" {
            bad.push(("email".into(), value.into()));
        }
        bad.push(("sms".into(), "yes".into()));
        let res = app.submit(&bad).await;
        assert_eq!(res.status(), 422, "{field}");
        assert!(res.text().await.expect("body").contains(message), "{field}");
        assert_eq!((app.count("matters"), app.count("outbox")), (0, 0));
    }

    let mut asked = form.clone();
    asked.push(("email".into(), "chen@example.cn".into()));
    asked.push(("sms".into(), "yes".into()));
    let code = {
        let res = app.submit(&asked).await;
        assert_eq!(res.status(), 303, "on {}", backend_name());
        app.matter_id(&code_in(&res))
    };
    assert_eq!(
        messages(&app),
        [
            (
                "citizen_submitted".into(),
                "email".into(),
                "chen@example.cn".into()
            ),
            (
                "citizen_submitted".into(),
                "webhook".into(),
                "13812345678".into()
            ),
        ]
    );

    let id = code;
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    let gc_id: i64 = shishi::db::schema::users::table
        .filter(shishi::db::schema::users::username.eq("gc"))
        .select(shishi::db::schema::users::id)
        .first(&mut app.conn())
        .expect("user");
    shishi::db::users::set_email(&mut app.conn(), gc_id, Some("gc@nanhai.example.cn"))
        .expect("email");

    dispatcher.must(id, "accept", &[]).await;
    // A step refused (the form is from before the acceptance): no message.
    let stale = dispatcher
        .act_at(
            id,
            "accept",
            "1",
            &csrf_of(&dispatcher.get_text("/staff/matters").await),
            &[],
        )
        .await;
    assert_ne!(stale.status(), 303);
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    unit.must(id, "sign", &[]).await;
    unit.must(id, "note", &[("note", "已到现场"), ("public", "1")])
        .await;
    unit.must(id, "resolve", &[("note", "已修复")]).await;
    assert_eq!(
        kinds(&app),
        [
            "citizen_submitted/email",
            "citizen_submitted/webhook",
            "citizen_accepted/email",
            "citizen_accepted/webhook",
            "citizen_dispatched/email",
            "citizen_dispatched/webhook",
            "unit_dispatched/email",
            "citizen_resolved/email",
            "citizen_resolved/webhook",
        ],
        "on {}",
        backend_name()
    );
    assert!(messages(&app).contains(&(
        "unit_dispatched".into(),
        "email".into(),
        "gc@nanhai.example.cn".into()
    )));

    // Rated unsatisfied by the citizen: reopened, and told so.
    let page = app
        .get_text(&format!(
            "/track/{}",
            app.matter_field(id, "code").expect("code")
        ))
        .await;
    let code = app.matter_field(id, "code").expect("code");
    let url = app.url(&format!("/track/{code}/rate"));
    let (csrf, version) = (csrf_of(&page), version_of(&page));
    let rate = post_rating(&app.client, url, &csrf, &version, "5678", "unsatisfied").await;
    assert_eq!(rate.status(), 303);
    assert_eq!(
        kinds(&app)[9..],
        ["citizen_reopened/email", "citizen_reopened/webhook"]
    );
}

#[tokio::test]
async fn without_a_mail_server_or_gateway_no_address_is_asked_and_nothing_is_written() {
    let app = spawn_app().await;
    let html = app.get_text("/submit").await;
    assert!(!html.contains("name=\"email\"") && !html.contains("name=\"sms\""));
    // A crafted form asking anyway changes nothing.
    let mut form = app.valid_request().await;
    form.push(("email".into(), "chen@example.cn".into()));
    form.push(("sms".into(), "yes".into()));
    let code = {
        let res = app.submit(&form).await;
        assert_eq!(res.status(), 303);
        res.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned()
    };
    assert!(code.starts_with("/track/"));
    assert_eq!(app.count("outbox"), 0);
    assert_eq!(app.count("citizen_contacts"), 0);
    let find = app.get_text("/find").await;
    assert!(find.contains("12345"), "the page says whom to call instead");
}

#[tokio::test]
async fn lost_codes_are_sent_to_the_number_the_same_answer_either_way_and_limited() {
    let app = app_that_sends().await;
    let mut form = app.valid_request().await;
    form.push(("email".into(), "chen@example.cn".into()));
    form.push(("sms".into(), "yes".into()));
    assert_eq!(app.submit(&form).await.status(), 303);
    let before = app.count("outbox");

    let ask = |client: reqwest::Client, contact: &'static str| {
        let url = app.url("/find");
        async move {
            let html = client
                .get(&url)
                .send()
                .await
                .expect("GET")
                .text()
                .await
                .expect("body");
            let res = client
                .post(&url)
                .form(&[
                    ("csrf_token", csrf_of(&html).as_str()),
                    ("contact", contact),
                ])
                .send()
                .await
                .expect("POST");
            let status = res.status().as_u16();
            (status, res.text().await.expect("body"))
        }
    };
    let (known, known_page) = ask(forwarded_for("198.51.100.1"), "138 1234 5678").await;
    let (unknown, unknown_page) = ask(forwarded_for("198.51.100.1"), "13900001111").await;
    assert_eq!((known, unknown), (200, 200));
    let notice = |html: &str| {
        let at = html.find("role=\"status\"").expect("the notice");
        html[at..].chars().take(200).collect::<String>()
    };
    assert_eq!(
        notice(&known_page),
        notice(&unknown_page),
        "the same answer"
    );
    assert_eq!(
        app.count("outbox"),
        before + 1,
        "sent for the known number only"
    );
    let last = messages(&app).pop().expect("a message");
    assert_eq!(
        last,
        (
            "citizen_found".into(),
            "webhook".into(),
            "13812345678".into()
        )
    );
    // By e-mail too.
    let (status, _) = ask(forwarded_for("198.51.100.2"), "chen@example.cn").await;
    assert_eq!(status, 200);
    assert_eq!(
        messages(&app).pop().expect("a message").2,
        "chen@example.cn"
    );
    // Not a number or address: said beside the field.
    let (status, page) = ask(forwarded_for("198.51.100.2"), "hello").await;
    assert_eq!(status, 422);
    assert!(page.contains("contact-error"));

    // One number gets its codes three times a day, whoever asks.
    let sent_before = app.count("outbox");
    for client in ["198.51.100.3", "198.51.100.4", "198.51.100.5"] {
        assert_eq!(ask(forwarded_for(client), "13812345678").await.0, 200);
    }
    assert_eq!(
        app.count("outbox"),
        sent_before + 2,
        "the third of the day for it"
    );
    // One address asks five times an hour, then 429.
    for _ in 0..3 {
        assert_eq!(
            ask(forwarded_for("198.51.100.1"), "13900002222").await.0,
            200
        );
    }
    let (status, _) = ask(forwarded_for("198.51.100.1"), "13900002222").await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn the_daily_digest_lists_a_units_matters_near_or_past_their_deadline_once_a_day() {
    let app = app_that_sends().await;
    let dispatcher = app.dispatcher().await;
    let gc = app.unit_id("GC").to_string();
    let mut ids = Vec::new();
    for title in ["夏北三巷路灯不亮", "夏北市场门口积水"] {
        let form = with(&app.valid_request().await, "title", title);
        let res = app.submit(&form).await;
        assert_eq!(res.status(), 303);
        let code = code_in(&res);
        let id = app.matter_id(&code);
        dispatcher.must(id, "accept", &[]).await;
        dispatcher.must(id, "dispatch", &[("unit", &gc)]).await;
        ids.push(id);
    }
    app.add_user("li", "unit", Some("GC"));
    app.add_user("wang", "unit", Some("JJ"));
    let mut c = app.conn();
    for name in ["li", "wang"] {
        let id: i64 = shishi::db::schema::users::table
            .filter(shishi::db::schema::users::username.eq(name))
            .select(shishi::db::schema::users::id)
            .first(&mut c)
            .expect("user");
        shishi::db::users::set_email(&mut c, id, Some(&format!("{name}@nanhai.example.cn")))
            .expect("email");
    }
    // One matter overdue, the other due in ten days.
    let now = chrono::Utc::now();
    for (id, due) in [
        (ids[0], now - chrono::Duration::hours(3)),
        (ids[1], now + chrono::Duration::days(10)),
    ] {
        diesel::update(shishi::db::schema::matters::table.find(id))
            .set(shishi::db::schema::matters::due_at.eq(Some(due.naive_utc())))
            .execute(&mut c)
            .expect("due");
    }
    let before = app.count("outbox");
    assert_eq!(
        shishi::app::notify::daily_digests(&mut c, now).expect("digest"),
        1
    );
    // Again that day (another instance, a restart): nothing more.
    shishi::app::notify::daily_digests(&mut c, now).expect("digest");
    assert_eq!(app.count("outbox"), before + 1);
    let (kind, recipient, params): (String, String, String) = outbox::table
        .order(outbox::id.desc())
        .select((outbox::kind, outbox::recipient, outbox::params))
        .first(&mut c)
        .expect("digest row");
    assert_eq!(
        (kind.as_str(), recipient.as_str()),
        ("unit_digest", "li@nanhai.example.cn")
    );
    let params: serde_json::Value = serde_json::from_str(&params).expect("json");
    assert_eq!(params["overdue"], 1);
    assert_eq!(
        params["matters"].as_array().expect("list").len(),
        1,
        "not the one due in ten days"
    );
    assert_eq!(params["matters"][0]["title"], "夏北三巷路灯不亮");
    // Worded from the locale files, as the sender sends it.
    let row = shishi::db::outbox::claim(&mut c, &["email", "webhook"], 100, now)
        .expect("claim")
        .into_iter()
        .find(|m| m.kind == "unit_digest")
        .expect("due");
    let (subject, text) = shishi::notify::words(&row, "https://shishi.example.cn");
    assert!(
        subject.contains("临期和超期诉求 1 件（超期 1 件）"),
        "{subject}"
    );
    assert!(
        text.contains("夏北三巷路灯不亮")
            && text.contains("https://shishi.example.cn/staff/matters"),
        "{text}"
    );
    // The next day, a new one.
    let tomorrow = now + chrono::Duration::days(1);
    assert_eq!(
        shishi::app::notify::daily_digests(&mut c, tomorrow).expect("digest"),
        1
    );
    assert_eq!(app.count("outbox"), before + 2);
}

/// Two senders on one database never take the same message: on
/// PostgreSQL a claimed row is skipped by the other; SQLite has one
/// writer and one sender, which takes every due row.
#[tokio::test]
async fn two_senders_claim_different_messages() {
    use diesel::Connection;
    let app = app_that_sends().await;
    for i in 0..6 {
        let form = with(
            &app.valid_request().await,
            "title",
            &format!("夏北三巷路灯不亮{i}"),
        );
        let mut form = form;
        form.push(("email".into(), format!("c{i}@example.cn")));
        assert_eq!(app.submit(&form).await.status(), 303);
    }
    let now = chrono::Utc::now() + chrono::Duration::seconds(1);
    let mut a = app.conn();
    let mut b = app.conn();
    match backend_name() {
        "postgresql" => {
            a.transaction::<_, diesel::result::Error, _>(|a| {
                let first = shishi::db::outbox::claim(a, &["email"], 4, now)?;
                let second = b.transaction::<_, diesel::result::Error, _>(|b| {
                    shishi::db::outbox::claim(b, &["email"], 10, now)
                })?;
                assert_eq!((first.len(), second.len()), (4, 2));
                assert!(first.iter().all(|m| second.iter().all(|n| n.id != m.id)));
                Ok(())
            })
            .expect("claims");
        }
        _ => {
            assert_eq!(
                shishi::db::outbox::claim(&mut a, &["email"], 10, now)
                    .expect("claim")
                    .len(),
                6
            );
        }
    }
    // A sender claims only what it has a transport for.
    assert!(
        shishi::db::outbox::claim(&mut a, &["webhook"], 10, now)
            .expect("claim")
            .is_empty()
    );
    // Marked sent, a message is not claimed again; failed, not before its wait.
    let all = shishi::db::outbox::claim(&mut a, &["email"], 10, now).expect("claim");
    shishi::db::outbox::mark_sent(&mut a, all[0].id, now).expect("sent");
    shishi::db::outbox::mark_failed(&mut a, &all[1], "refused", now).expect("failed");
    let again: Vec<i64> = shishi::db::outbox::claim(&mut a, &["email"], 10, now)
        .expect("claim")
        .iter()
        .map(|m| m.id)
        .collect();
    assert!(!again.contains(&all[0].id) && !again.contains(&all[1].id));
    let later: Vec<i64> =
        shishi::db::outbox::claim(&mut a, &["email"], 10, now + chrono::Duration::seconds(6))
            .expect("claim")
            .iter()
            .map(|m| m.id)
            .collect();
    assert!(later.contains(&all[1].id), "tried again after 5 s");
}

#[tokio::test]
async fn an_admin_sets_the_address_a_unit_member_is_told_at() {
    let app = app_that_sends().await;
    let admin = app.staff("root", "admin", None).await;
    app.add_user("li", "unit", Some("GC"));
    let li: i64 = shishi::db::schema::users::table
        .filter(shishi::db::schema::users::username.eq("li"))
        .select(shishi::db::schema::users::id)
        .first(&mut app.conn())
        .expect("user");
    let path = format!("/staff/admin/users/{li}/email");
    let bad = admin
        .post_via("/staff/admin", &path, &[("email", "li@")])
        .await;
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text()
            .await
            .expect("body")
            .contains("请填写有效的电子邮箱地址")
    );
    let ok = admin
        .post_via("/staff/admin", &path, &[("email", "li@nanhai.example.cn")])
        .await;
    assert_eq!(ok.status(), 303);
    assert!(
        admin
            .get_text("/staff/admin")
            .await
            .contains("value=\"li@nanhai.example.cn\"")
    );
    assert_eq!(
        shishi::db::users::unit_emails(&mut app.conn(), app.unit_id("GC")).expect("emails"),
        ["li@nanhai.example.cn"]
    );
    // Cleared with a blank.
    let cleared = admin
        .post_via("/staff/admin", &path, &[("email", " ")])
        .await;
    assert_eq!(cleared.status(), 303);
    assert!(
        shishi::db::users::unit_emails(&mut app.conn(), app.unit_id("GC"))
            .expect("emails")
            .is_empty()
    );
    // Not for anyone but admins.
    let unit = app.staff("gc", "unit", Some("GC")).await;
    let refused = unit
        .post_via("/staff/matters", &path, &[("email", "x@example.cn")])
        .await;
    assert_eq!(refused.status(), 403);
}

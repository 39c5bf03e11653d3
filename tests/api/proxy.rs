//! Behind a reverse proxy: per-client limits see the client the proxy
//! names, and only when the proxy is one the server trusts. Here the test
//! itself plays the proxy on 127.0.0.1 (the real nginx in front of the
//! server is `scripts/proxy-test.py`).

use crate::helpers::*;

async fn login_from(
    app: &TestApp,
    client: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let browser = forwarded_for(client);
    let html = browser
        .get(app.url("/staff/login"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    browser
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf_token", csrf_of(&html).as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn a_guesser_at_one_address_cannot_lock_the_owner_out_at_another() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec![shishi::config::proxy("127.0.0.1").expect("proxy")];
        s.login_slowdown_ms = 1;
        s.login_max_per_account = 4;
        s.login_max_per_address = 6;
    })
    .await;
    app.add_user("chen", "dispatcher", None);
    app.add_user("li", "dispatcher", None);
    // Someone at 203.0.113.66 guesses chen's password.
    for attempt in 1..=4 {
        let res = login_from(&app, "203.0.113.66", "chen", "guess-123").await;
        assert_eq!(res.status(), 401, "attempt {attempt}");
    }
    // That address is refused for chen, even with the right password…
    let res = login_from(&app, "203.0.113.66", "chen", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("本机登录失败次数过多")
    );
    // …while chen, at the office, gets in.
    let res = login_from(&app, "198.51.100.10", "chen", PASSWORD).await;
    assert_eq!(res.status(), 303, "the owner is not locked out");
    // An address that keeps failing at every account is refused for all…
    for name in ["li", "wang"] {
        let res = login_from(&app, "203.0.113.66", name, "guess-123").await;
        assert_eq!(res.status(), 401);
    }
    let res = login_from(&app, "203.0.113.66", "li", PASSWORD).await;
    assert_eq!(res.status(), 429);
    // …and nobody else is.
    let res = login_from(&app, "198.51.100.11", "li", PASSWORD).await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn the_submission_limit_is_per_client_and_not_fooled_by_headers() {
    let trusted = spawn_app_with(|s| {
        s.trusted_proxies = vec![shishi::config::proxy("127.0.0.1").expect("proxy")];
        s.submit_burst = 2;
        s.submit_per_hour = 1;
    })
    .await;
    let submit_from = |app: &TestApp, client: &'static str| {
        let browser = forwarded_for(client);
        let url = app.url("/submit");
        async move {
            let html = browser
                .get(&url)
                .send()
                .await
                .expect("GET")
                .text()
                .await
                .expect("body");
            let form = [
                ("csrf_token", csrf_of(&html)),
                ("category", option_value(&html, "市政设施")),
                ("title", "夏北三巷路灯不亮".into()),
                ("description", "夏北社区三巷的路灯已经坏了一个星期。".into()),
                ("place", option_value(&html, "夏北社区")),
                ("address", "夏北三巷12号".into()),
                ("phone", "13812345678".into()),
                ("consent", "yes".into()),
            ];
            browser
                .post(&url)
                .form(&form)
                .send()
                .await
                .expect("POST")
                .status()
                .as_u16()
        }
    };
    // Behind a trusted proxy: one client's burst is used up, another's is not.
    assert_eq!(submit_from(&trusted, "203.0.113.1").await, 303);
    assert_eq!(submit_from(&trusted, "203.0.113.1").await, 303);
    assert_eq!(submit_from(&trusted, "203.0.113.1").await, 429);
    assert_eq!(submit_from(&trusted, "203.0.113.2").await, 303);

    // A server that trusts no proxy keys on the connection: a client that
    // writes X-Forwarded-For itself gets no new allowance from it.
    let direct = spawn_app_with(|s| {
        s.submit_burst = 2;
        s.submit_per_hour = 1;
    })
    .await;
    assert_eq!(submit_from(&direct, "203.0.113.1").await, 303);
    assert_eq!(submit_from(&direct, "203.0.113.2").await, 303);
    assert_eq!(submit_from(&direct, "203.0.113.3").await, 429);
    assert_eq!(direct.count("matters"), 2);
}

//! Bad input, CSRF, escaping, floods and headers: each gets a clear answer
//! and stores nothing.

use crate::helpers::*;

#[tokio::test]
async fn every_validation_error_keeps_the_input_and_stores_nothing() {
    let app = spawn_app().await;
    let good = app.valid_request().await;
    type Form = Vec<(String, String)>;
    let cases: Vec<(Form, &str, &str)> = vec![
        (with(&good, "category", ""), "category", "此项必填"),
        (
            with(&good, "category", "9999"),
            "category",
            "请从列表中选择",
        ),
        (with(&good, "title", "灯"), "title", "内容太短"),
        (with(&good, "title", &"灯".repeat(61)), "title", "内容太长"),
        (with(&good, "title", "路灯\u{7}不亮了"), "title", "控制字符"),
        (without(&good, "description"), "description", "此项必填"),
        (
            with(&good, "description", &"长".repeat(2001)),
            "description",
            "内容太长",
        ),
        (with(&good, "place", "1"), "place", "请从列表中选择"),
        (with(&good, "address", " "), "address", "此项必填"),
        (with(&good, "name", &"名".repeat(31)), "name", "内容太长"),
        (with(&good, "phone", "12345"), "phone", "带区号的固定电话"),
        (without(&good, "phone"), "phone", "此项必填"),
        (without(&good, "consent"), "consent", "隐私说明"),
    ];
    for (form, field, message) in cases {
        let res = app.submit(&form).await;
        assert_eq!(res.status(), 422, "{field}");
        let html = res.text().await.expect("body");
        let error = format!("id=\"{field}-error\">");
        let at = html
            .find(&error)
            .unwrap_or_else(|| panic!("no message beside {field}"));
        assert!(
            html[at..]
                .split("</p>")
                .next()
                .unwrap_or("")
                .contains(message),
            "{field}: {message}"
        );
        // Only that field is marked.
        assert_eq!(html.matches("class=\"field-error\"").count(), 1, "{field}");
        // What was typed is still there.
        if field != "address" {
            assert!(
                html.contains("value=\"夏北三巷12号\""),
                "{field}: address kept"
            );
        }
        if field != "title" {
            assert!(
                html.contains("value=\"夏北三巷路灯不亮\""),
                "{field}: title kept"
            );
        }
    }
    assert_eq!(app.count("matters"), 0);
    assert_eq!(app.count("events"), 0);
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused() {
    let app = spawn_app().await;
    let good = app.valid_request().await;

    let res = app.submit(&without(&good, "csrf_token")).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.expect("body").contains("表单已过期"));

    let res = app.submit(&with(&good, "csrf_token", "forged")).await;
    assert_eq!(res.status(), 403);

    // Another browser's token does not work with this browser's cookie,
    // nor a token with no cookie at all.
    let other = browser();
    let res = other
        .post(app.url("/submit"))
        .form(&good)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 403);

    assert_eq!(app.count("matters"), 0);
    // The token itself still works afterwards.
    assert_eq!(app.submit(&good).await.status(), 303);
    assert_eq!(app.count("matters"), 1);
}

#[tokio::test]
async fn csrf_cookie_is_http_only_and_strict() {
    let app = spawn_app().await;
    let res = app.get("/submit").await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("shishi_csrf="))
        .expect("csrf cookie");
    assert!(
        csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"),
        "{csrf}"
    );
    // The cookie is encrypted: the token in the form is not in it.
    let token = csrf_of(&res.text().await.expect("body"));
    assert!(!csrf.contains(&token));
}

#[tokio::test]
async fn typed_markup_is_shown_as_text() {
    let app = spawn_app().await;
    let form = app.valid_request().await;
    let form = with(&form, "title", "<script>alert(1)</script>路灯");
    let form = with(
        &form,
        "description",
        "<img src=x onerror=alert(1)> 路灯坏了很多天",
    );
    let res = app.submit(&form).await;
    assert_eq!(res.status(), 303);
    let code = res.headers()["location"]
        .to_str()
        .expect("loc")
        .trim_start_matches("/track/")
        .replace("?new=1", "");
    let html = app.get_text(&format!("/track/{code}")).await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(!html.contains("<img src=x"));

    // And echoed back in a failed form, still escaped.
    let form = with(&form, "phone", "bad");
    let html = app.submit(&form).await.text().await.expect("body");
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[tokio::test]
async fn a_flood_from_one_address_gets_429_and_stores_nothing_more() {
    let app = spawn_app_with(|s| {
        s.submit_burst = 2;
        s.submit_per_hour = 1;
    })
    .await;
    let form = app.valid_request().await;
    assert_eq!(app.submit(&form).await.status(), 303);
    assert_eq!(app.submit(&form).await.status(), 303);
    let res = app.submit(&form).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!(retry > 0 && retry <= 3600, "{retry}");
    assert!(res.text().await.expect("body").contains("提交太频繁"));
    assert_eq!(app.count("matters"), 2);
}

#[tokio::test]
async fn oversized_and_malformed_bodies_get_a_clear_answer() {
    let app = spawn_app().await;
    let form = app.valid_request().await;

    // Far past the field's bound, but within the body limit: the form again.
    let long = with(&form, "description", &"长".repeat(30_000));
    let res = app.submit(&long).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("内容太长"));

    // Past the body limit: refused without being read (the connection may
    // be closed before the client has sent it all, so a browser of its own).
    let huge = with(&form, "description", &"x".repeat(2 * 1024 * 1024));
    if let Ok(res) = browser().post(app.url("/submit")).form(&huge).send().await {
        assert!(
            res.status() == 400 || res.status() == 413,
            "{}",
            res.status()
        );
    }

    // Not a form at all.
    let res = app
        .client
        .post(app.url("/submit"))
        .header("content-type", "application/json")
        .body("{\"title\": 1}")
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 400);
    assert!(res.text().await.expect("body").contains("请求无法处理"));

    // A field given twice.
    let mut repeated = form.clone();
    repeated.push(("title".into(), "第二个标题".into()));
    assert_eq!(app.submit(&repeated).await.status(), 400);

    assert_eq!(app.count("matters"), 0);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/submit",
        "/healthz",
        "/track/NH-2222-2222",
        "/nowhere",
        "/static/style.css",
    ] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
}

#[tokio::test]
async fn pages_carry_no_inline_script() {
    let app = spawn_app().await;
    for path in ["/", "/submit", "/track"] {
        let html = app.get_text(path).await;
        assert!(!html.contains("<script"), "{path}");
        assert!(!html.contains(" style=\""), "{path}");
    }
}

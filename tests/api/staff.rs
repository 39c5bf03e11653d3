//! The staff workspace: login, roles, the inbox, and a matter's whole life.

use crate::helpers::*;

/// Every staff page, as (method, path). A new route belongs here.
fn staff_routes(id: i64) -> Vec<(&'static str, String)> {
    vec![
        ("GET", "/staff".into()),
        ("GET", "/staff/matters".into()),
        ("GET", "/staff/overdue".into()),
        ("GET", format!("/staff/matters/{id}")),
        ("GET", "/staff/intake".into()),
        ("GET", "/staff/dashboard".into()),
        ("GET", "/staff/fund".into()),
        ("GET", "/staff/volunteers".into()),
        ("GET", "/staff/volunteers/1".into()),
        ("GET", "/staff/me".into()),
        ("GET", "/staff/plan/project".into()),
        ("GET", "/staff/plan/department".into()),
        ("GET", "/staff/plan/micro".into()),
        ("GET", "/staff/plan/service".into()),
        ("POST", format!("/staff/matters/{id}/accept")),
        ("POST", "/staff/matters/bulk".into()),
        ("POST", "/staff/intake".into()),
        ("POST", "/staff/logout".into()),
        ("POST", "/staff/fund/allocate".into()),
        ("POST", "/staff/volunteers/teams".into()),
        ("POST", "/staff/volunteers/menu".into()),
        ("POST", "/staff/me/report".into()),
        ("POST", "/staff/me/claims".into()),
        ("POST", "/staff/me/services".into()),
        ("POST", "/staff/plan/project".into()),
        ("POST", "/staff/plan/micro".into()),
    ]
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_the_login_page() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let anonymous = browser();
    for (method, path) in staff_routes(id) {
        let req = if method == "GET" {
            anonymous.get(app.url(&path))
        } else {
            anonymous.post(app.url(&path)).form(&[("x", "y")])
        };
        let res = req.send().await.expect("request");
        assert_eq!(res.status(), 303, "{method} {path}");
        let location = res.headers()["location"].to_str().expect("location");
        assert!(
            location.starts_with("/staff/login?next=/staff"),
            "{method} {path} -> {location}"
        );
    }
    // And the login page brings them back where they wanted to go.
    app.add_user("d", "dispatcher", None);
    let html = anonymous
        .get(app.url("/staff/login?next=/staff/overdue"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let res = anonymous
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf_token", csrf_of(&html).as_str()),
            ("username", "d"),
            ("password", PASSWORD),
            ("next", "/staff/overdue"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.headers()["location"], "/staff/overdue");
    assert_eq!(
        app.matter_state(id),
        "submitted",
        "nothing was done on the way"
    );
}

#[tokio::test]
async fn roles_that_may_not_see_a_page_get_403() {
    let app = spawn_app().await;
    let volunteer = app.staff("vol", "volunteer", None).await;
    for path in [
        "/staff/overdue",
        "/staff/intake",
        "/staff/dashboard",
        "/staff/fund",
        "/staff/volunteers",
        "/staff/plan/project",
    ] {
        assert_eq!(volunteer.get(path).await.status(), 403, "{path}");
    }
    assert_eq!(volunteer.get("/staff/me").await.status(), 200);
    let home = volunteer.get("/staff").await;
    assert_eq!(
        home.headers()["location"],
        "/staff/me",
        "volunteers start on their own page"
    );
    let leader = app.staff("lead", "leader", None).await;
    assert_eq!(leader.get("/staff/matters").await.status(), 200);
    assert_eq!(leader.get("/staff/intake").await.status(), 403);
    assert_eq!(leader.get("/staff/overdue").await.status(), 403);
    let unit = app.staff("gc", "unit", Some("GC")).await;
    assert_eq!(unit.get("/staff/intake").await.status(), 403);
    assert_eq!(unit.get("/staff/overdue").await.status(), 200);
    let res = volunteer.get("/staff/fund").await;
    assert!(res.text().await.expect("body").contains("没有权限"));
    assert_eq!(leader.get("/staff/me").await.status(), 403);
    assert_eq!(leader.get("/staff/dashboard").await.status(), 200);
}

#[tokio::test]
async fn a_web_request_goes_from_triage_to_closure_and_the_citizen_sees_each_step() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc-staff", "unit", Some("GC")).await;
    let gc = app.unit_id("GC").to_string();

    // The dispatcher's inbox opens on what waits for triage.
    let inbox = dispatcher.get_text("/staff/matters").await;
    assert!(inbox.contains(&code) && inbox.contains("138****5678"));
    assert!(!inbox.contains("13812345678"), "phones are masked in lists");

    dispatcher.must(id, "accept", &[]).await;
    dispatcher.must(id, "dispatch", &[("unit", &gc)]).await;

    // The unit's inbox opens on what waits for it.
    let inbox = unit.get_text("/staff/matters").await;
    assert!(inbox.contains(&code), "the unit sees its matter");
    let page = unit.get_text(&format!("/staff/matters/{id}")).await;
    assert!(
        page.contains("13812345678") && page.contains("陈美玲"),
        "the handling unit sees the citizen"
    );

    unit.must(id, "sign", &[]).await;
    unit.must(
        id,
        "note",
        &[("note", "已安排电工周三上门检修"), ("public", "1")],
    )
    .await;
    unit.must(id, "note", &[("note", "内部：需采购灯具")]).await;
    unit.must(id, "resolve", &[("note", "路灯已更换，恢复照明。")])
        .await;
    dispatcher.must(id, "close", &[]).await;
    assert_eq!(app.matter_state(id), "closed");

    let status = app.get_text(&format!("/track/{code}")).await;
    for step in [
        "诉求已提交",
        "已受理",
        "已派给责任单位",
        "责任单位已签收",
        "已安排电工周三上门检修",
        "已办结答复",
        "路灯已更换，恢复照明。",
        "已关闭",
    ] {
        assert!(status.contains(step), "citizen sees {step}");
    }
    assert!(status.contains("桂城街道"), "the responsible unit is named");
    assert!(
        !status.contains("内部：需采购灯具"),
        "internal notes stay internal"
    );

    // Staff see the whole timeline, internal events marked.
    let page = dispatcher.get_text(&format!("/staff/matters/{id}")).await;
    assert!(page.contains("内部：需采购灯具") && page.contains("内部"));
}

#[tokio::test]
async fn a_code_typed_in_the_inbox_search_opens_its_matter_in_any_state() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    let gc = app.staff("gc", "unit", Some("GC")).await;
    let jj = app.staff("jj", "unit", Some("JJ")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    gc.must(id, "sign", &[]).await;
    gc.must(id, "resolve", &[("note", "已修复。")]).await;
    dispatcher.must(id, "close", &[]).await;

    // The dispatcher's inbox shows what waits for triage; the closed
    // matter's code, typed as it is read out on the phone, still opens it.
    let spoken = code.to_lowercase().replace('-', " ");
    for typed in [code.as_str(), spoken.as_str()] {
        let res = dispatcher
            .get(&format!(
                "/staff/matters?state=submitted&q={}",
                encode(typed)
            ))
            .await;
        assert_eq!(res.status(), 303, "{typed}");
        assert_eq!(res.headers()["location"], format!("/staff/matters/{id}"));
    }
    // Only for someone who may see it: another town gets no jump.
    let res = jj.get(&format!("/staff/matters?q={}", encode(&code))).await;
    assert_eq!(res.status(), 200);
    assert!(
        !res.text()
            .await
            .expect("body")
            .contains(&format!("/staff/matters/{id}\""))
    );
    // A phone number searched within one state offers every state.
    let html = dispatcher
        .get_text("/staff/matters?state=submitted&q=13812345678")
        .await;
    assert!(html.contains("在全部状态中搜索"), "offers every state");
    let html = dispatcher
        .get_text("/staff/matters?state=&q=13812345678")
        .await;
    assert!(
        html.contains(&format!("/staff/matters/{id}\"")),
        "found in every state"
    );
}

#[tokio::test]
async fn accepting_dispatches_to_the_unit_suggested_by_the_place_in_one_step() {
    let app = spawn_app().await;
    let id = app.matter_id(&app.submit_valid().await);
    let dispatcher = app.dispatcher().await;
    let gc = app.unit_id("GC").to_string();
    // The next step comes first, open, with the place's town chosen
    // (夏北社区 → 桂城街道); sending back comes last.
    let html = dispatcher.get_text(&format!("/staff/matters/{id}")).await;
    let accept = html.find("/accept\"").expect("an accept form");
    let reject = html.find("/reject\"").expect("a reject form");
    assert!(accept < reject, "accept before reject");
    let form = &html[accept..reject];
    assert!(
        form.contains(&format!("<option value=\"{gc}\" selected>")),
        "the place's town is suggested"
    );
    // A unit that does not exist: neither step is taken.
    let res = dispatcher.act(id, "accept", &[("unit", "999999")]).await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.matter_state(id), "submitted");
    // Accepted and dispatched in one form.
    dispatcher.must(id, "accept", &[("unit", &gc)]).await;
    assert_eq!(app.matter_state(id), "assigned");
    assert_eq!(
        app.matter_field(id, "unit_id").as_deref(),
        Some(gc.as_str())
    );
    // The unit signs with one button, not a form to open.
    let unit = app.staff("gc", "unit", Some("GC")).await;
    let page = unit.get_text(&format!("/staff/matters/{id}")).await;
    let sign = page.find("/sign\"").expect("a sign button");
    assert!(page[..sign].ends_with(&format!(
        "<form class=\"action-button\" method=\"post\" action=\"/staff/matters/{id}"
    )));
    unit.must(id, "sign", &[]).await;
    // 办结答复 before 退单.
    let page = unit.get_text(&format!("/staff/matters/{id}")).await;
    assert!(page.find("/resolve\"").expect("resolve") < page.find("/return\"").expect("return"));
}

#[tokio::test]
async fn several_ticked_matters_are_accepted_and_dispatched_at_once() {
    let app = spawn_app().await;
    let ids: Vec<i64> = [
        app.submit_valid().await,
        app.submit_valid().await,
        app.submit_valid().await,
    ]
    .iter()
    .map(|code| app.matter_id(code))
    .collect();
    let dispatcher = app.dispatcher().await;
    let gc = app.unit_id("GC").to_string();
    // The triage queue offers a tick per row and the step for them all.
    let inbox = dispatcher.get_text("/staff/matters").await;
    assert!(inbox.contains(&format!("name=\"m{}\"", ids[0])) && inbox.contains("受理所选"));
    // One of them is taken by someone else first.
    dispatcher
        .must(ids[2], "reject", &[("note", "不属于受理范围")])
        .await;
    let (m0, m1, m2) = (
        format!("m{}", ids[0]),
        format!("m{}", ids[1]),
        format!("m{}", ids[2]),
    );
    // Without the form's token, nothing.
    let res = dispatcher
        .client
        .post(dispatcher.url("/staff/matters/bulk"))
        .form(&[(m0.as_str(), "1"), ("unit", gc.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 403);
    assert_eq!(app.matter_state(ids[0]), "submitted");
    let res = dispatcher
        .post_via(
            "/staff/matters",
            "/staff/matters/bulk",
            &[(&m0, "1"), (&m1, "1"), (&m2, "1"), ("unit", &gc)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    for id in &ids[..2] {
        assert_eq!(app.matter_state(*id), "assigned");
        assert_eq!(
            app.matter_field(*id, "unit_id").as_deref(),
            Some(gc.as_str())
        );
    }
    assert_eq!(app.matter_state(ids[2]), "rejected");
    let page = dispatcher.get_text(&back).await;
    let code2 = app.matter_field(ids[2], "code").expect("code");
    assert!(
        page.contains("已受理 2 件") && page.contains(&code2),
        "{back}"
    );
    // A unit's inbox has no such step.
    let unit = app.staff("gc", "unit", Some("GC")).await;
    assert!(!unit.get_text("/staff/matters").await.contains("受理所选"));
}

#[tokio::test]
async fn return_puts_it_back_in_the_dispatch_queue() {
    let app = spawn_app().await;
    let id = app.matter_id(&app.submit_valid().await);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("jj", "unit", Some("JJ")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("JJ").to_string())])
        .await;

    // A return needs a reason.
    let res = unit.act(id, "return", &[]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("请填写此项"));
    assert_eq!(app.matter_state(id), "assigned");

    unit.must(
        id,
        "return",
        &[("note", "不属于九江镇辖区，应由桂城街道办理")],
    )
    .await;
    assert_eq!(app.matter_state(id), "accepted");
    assert_eq!(
        unit.get(&format!("/staff/matters/{id}")).await.status(),
        403,
        "no longer the unit's"
    );
    let queue = dispatcher.get_text("/staff/matters?state=accepted").await;
    assert!(queue.contains(&format!("/staff/matters/{id}")));
    let page = dispatcher.get_text(&format!("/staff/matters/{id}")).await;
    assert!(page.contains("退回重新派单") && page.contains("应由桂城街道办理"));
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
}

#[tokio::test]
async fn reject_tells_the_citizen_why() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    dispatcher
        .must(
            id,
            "reject",
            &[("note", "属于司法诉讼事项，请通过法院途径解决。")],
        )
        .await;
    let status = app.get_text(&format!("/track/{code}")).await;
    assert!(status.contains("不予受理") && status.contains("请通过法院途径解决"));
}

#[tokio::test]
async fn a_merged_duplicate_shows_the_primarys_progress() {
    let app = spawn_app().await;
    let primary = app.submit_valid().await;
    let duplicate = app.submit_valid().await;
    let (pid, did) = (app.matter_id(&primary), app.matter_id(&duplicate));
    let dispatcher = app.dispatcher().await;

    let res = dispatcher
        .act(did, "merge", &[("primary", &duplicate)])
        .await;
    assert_eq!(res.status(), 422, "a matter is not its own duplicate");
    let res = dispatcher
        .act(did, "merge", &[("primary", "NH-2222-2222")])
        .await;
    assert_eq!(res.status(), 422);

    dispatcher
        .must(did, "merge", &[("primary", &primary.to_lowercase())])
        .await;
    dispatcher.must(pid, "accept", &[]).await;
    dispatcher
        .must(pid, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    let status = app.get_text(&format!("/track/{duplicate}")).await;
    assert!(
        status.contains("已派单"),
        "the duplicate's code shows the primary's state"
    );
    assert!(status.contains("已派给责任单位"));
    assert!(status.contains("与其他诉求合并办理"));
    assert!(
        !status.contains(&primary),
        "the other citizen's code is not shown"
    );
}

#[tokio::test]
async fn an_extension_is_asked_for_and_decided() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    unit.must(id, "sign", &[]).await;

    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let due = || -> Option<chrono::NaiveDateTime> {
        matters::table
            .find(id)
            .select(matters::due_at)
            .first(&mut app.conn())
            .expect("due")
    };
    let before = due().expect("a deadline");

    assert_eq!(
        unit.act(id, "ask_extension", &[("days", "0"), ("note", "需要采购")])
            .await
            .status(),
        422
    );
    unit.must(
        id,
        "ask_extension",
        &[("days", "5"), ("note", "灯具需要采购")],
    )
    .await;
    assert!(
        dispatcher
            .get_text(&format!("/staff/matters/{id}"))
            .await
            .contains("灯具需要采购")
    );
    assert_eq!(
        unit.act(id, "ask_extension", &[("days", "3"), ("note", "再延")])
            .await
            .status(),
        403,
        "one at a time"
    );
    dispatcher
        .must(id, "decide_extension", &[("decision", "approve")])
        .await;
    let after = due().expect("a deadline");
    assert_eq!((after - before).num_days(), 5);
    assert!(
        app.get_text(&format!("/track/{code}"))
            .await
            .contains("期限已延长")
    );

    unit.must(id, "ask_extension", &[("days", "10"), ("note", "还要更久")])
        .await;
    dispatcher
        .must(id, "decide_extension", &[("decision", "refuse")])
        .await;
    assert_eq!(due(), Some(after));
    assert!(
        dispatcher
            .get_text(&format!("/staff/matters/{id}"))
            .await
            .contains("延期申请未获同意")
    );
}

#[tokio::test]
async fn a_closed_matter_can_be_reopened_and_urged() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    dispatcher
        .must(id, "urge", &[("note", "市民再次来电")])
        .await;
    unit.must(id, "sign", &[]).await;
    unit.must(id, "resolve", &[("note", "已处理")]).await;
    dispatcher.must(id, "close", &[]).await;
    assert_eq!(
        dispatcher.act(id, "reopen", &[]).await.status(),
        422,
        "a reopen needs a reason"
    );
    dispatcher
        .must(id, "reopen", &[("note", "市民反映问题仍未解决")])
        .await;
    assert_eq!(app.matter_state(id), "in_progress");
    let status = app.get_text(&format!("/track/{code}")).await;
    assert!(status.contains("重新办理") && status.contains("问题仍未解决"));
    let page = dispatcher.get_text(&format!("/staff/matters/{id}")).await;
    assert!(page.contains("催办") && page.contains("市民再次来电"));
}

#[tokio::test]
async fn a_form_posted_against_an_older_version_is_refused() {
    let app = spawn_app().await;
    let id = app.matter_id(&app.submit_valid().await);
    let first = app.dispatcher().await;
    let second = app.staff("dispatcher2", "dispatcher", None).await;

    // Both open the page.
    let stale = second.get_text(&format!("/staff/matters/{id}")).await;
    first.must(id, "accept", &[("note", "先受理")]).await;
    let events = app.count("events");

    let res = second
        .act_at(
            id,
            "reject",
            &version_of(&stale),
            &csrf_of(&stale),
            &[("note", "重复")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.expect("body");
    assert!(html.contains("该事项已被他人修改"));
    assert!(
        html.contains("已受理") && html.contains("先受理"),
        "says what changed"
    );
    assert_eq!(app.matter_state(id), "accepted", "nothing overwritten");
    assert_eq!(app.count("events"), events, "nothing written");
}

#[tokio::test]
async fn actions_outside_ones_role_state_or_unit_are_refused() {
    let app = spawn_app().await;
    let id = app.matter_id(&app.submit_valid().await);
    let dispatcher = app.dispatcher().await;
    let gc = app.staff("gc", "unit", Some("GC")).await;
    let jj = app.staff("jj", "unit", Some("JJ")).await;

    // A unit may not triage.
    let html = dispatcher.get_text(&format!("/staff/matters/{id}")).await;
    let res = gc
        .act_at(id, "accept", &version_of(&html), &csrf_of(&html), &[])
        .await;
    assert_eq!(res.status(), 403);

    dispatcher.must(id, "accept", &[]).await;
    // A dispatch needs a unit.
    let res = dispatcher.act(id, "dispatch", &[("unit", "")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("请选择承办单位"));
    // Not a state accept is taken from.
    let res = dispatcher.act(id, "accept", &[]).await;
    assert_eq!(res.status(), 403);
    // No such action.
    assert_eq!(dispatcher.act(id, "explode", &[]).await.status(), 404);

    dispatcher
        .must(
            id,
            "dispatch",
            &[("unit", &app.unit_id("GC-XB").to_string())],
        )
        .await;
    // The town sees its community's matter; another town does not.
    assert_eq!(gc.get(&format!("/staff/matters/{id}")).await.status(), 200);
    assert_eq!(jj.get(&format!("/staff/matters/{id}")).await.status(), 403);
    assert!(
        !jj.get_text("/staff/matters?state=")
            .await
            .contains(&format!("/staff/matters/{id}\""))
    );
    let own = jj.get_text("/staff/matters").await;
    let theirs = gc.get_text(&format!("/staff/matters/{id}")).await;
    let res = jj
        .act_at(id, "sign", &version_of(&theirs), &csrf_of(&own), &[])
        .await;
    assert_eq!(res.status(), 403);
    // Leaders see the key projects only.
    let leader = app.staff("lead", "leader", None).await;
    assert_eq!(
        leader.get(&format!("/staff/matters/{id}")).await.status(),
        403
    );
    assert_eq!(app.matter_state(id), "assigned");
}

#[tokio::test]
async fn the_inbox_filters_sorts_and_pages() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.submit_valid().await;
    }
    let form = app.valid_request().await;
    let form = with(&form, "title", "西樵百西村河涌发臭");
    let form = with(&form, "category", "4");
    let res = app.submit(&form).await;
    assert_eq!(res.status(), 303);
    let dispatcher = app.dispatcher().await;

    let all = dispatcher
        .get_text("/staff/matters?state=&per_page=2")
        .await;
    assert!(all.contains("共 4 件"));
    assert!(all.contains("第 1 页") && all.contains("rel=\"next\""));
    let page2 = dispatcher
        .get_text("/staff/matters?state=&per_page=2&page=2")
        .await;
    assert!(page2.contains("第 2 页") && page2.contains("rel=\"prev\""));

    let found = dispatcher
        .get_text("/staff/matters?state=&q=%E6%B2%B3%E6%B6%8C")
        .await;
    assert!(found.contains("共 1 件") && found.contains("西樵百西村河涌发臭"));
    let none = dispatcher.get_text("/staff/matters?state=closed").await;
    assert!(none.contains("共 0 件"));
    let counts = dispatcher.get_text("/staff/matters?state=").await;
    assert!(counts.contains("待受理 <span class=\"count\">4</span>"));
    let by_category = dispatcher
        .get_text("/staff/matters?state=&category=4")
        .await;
    assert!(by_category.contains("共 1 件"));
    let sorted = dispatcher
        .get_text("/staff/matters?state=&sort=oldest")
        .await;
    assert!(sorted.contains("共 4 件"));
    let today = chrono::Utc::now()
        .with_timezone(&shishi::domain::clock::china())
        .format("%Y-%m-%d")
        .to_string();
    let dated = dispatcher
        .get_text(&format!("/staff/matters?state=&from={today}&to={today}"))
        .await;
    assert!(dated.contains("共 4 件"));
    let before = dispatcher
        .get_text("/staff/matters?state=&to=2020-01-01")
        .await;
    assert!(before.contains("共 0 件"));
    // Nonsense in the query string narrows nothing and breaks nothing.
    let odd = dispatcher
        .get_text("/staff/matters?state=&page=-5&per_page=100000&sort=%27%3B--&town=x")
        .await;
    assert!(odd.contains("共 4 件"));
}

#[tokio::test]
async fn overdue_matters_are_marked_and_listed_on_their_own() {
    let app = spawn_app().await;
    let id = app.matter_id(&app.submit_valid().await);
    let fresh = app.matter_id(&app.submit_valid().await);
    {
        use diesel::prelude::*;
        use shishi::db::schema::matters;
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::days(2);
        diesel::update(matters::table.find(id))
            .set(matters::due_at.eq(past))
            .execute(&mut app.conn())
            .expect("update");
    }
    let dispatcher = app.dispatcher().await;
    let overdue = dispatcher.get_text("/staff/overdue").await;
    assert!(overdue.contains(&format!("/staff/matters/{id}\"")));
    assert!(!overdue.contains(&format!("/staff/matters/{fresh}\"")));
    assert!(overdue.contains("class=\"overdue\""));
    let inbox = dispatcher.get_text("/staff/matters").await;
    assert_eq!(inbox.matches("class=\"overdue\"").count(), 1);
}

#[tokio::test]
async fn the_inbox_shows_the_deadline_at_risk_in_words() {
    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let app = spawn_app().await;
    let id = app.matter_id(&app.submit_valid().await);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    dispatcher
        .must(id, "accept", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    let now = chrono::Utc::now().naive_utc();
    let set = |sign: chrono::NaiveDateTime, finish: chrono::NaiveDateTime| {
        diesel::update(matters::table.find(id))
            .set((matters::sign_due_at.eq(sign), matters::due_at.eq(finish)))
            .execute(&mut app.conn())
            .expect("update");
    };
    // Not signed two days after its signing deadline; finishing is weeks
    // away: the signing is the deadline shown, late, in words.
    set(
        now - chrono::Duration::days(2),
        now + chrono::Duration::days(20),
    );
    let inbox = unit.get_text("/staff/matters").await;
    assert!(
        inbox.contains("due-overdue") && inbox.contains("签收 "),
        "the signing"
    );
    assert!(inbox.contains("超期 2 天"));
    // Signed: now the finishing is at risk, due tomorrow.
    unit.must(id, "sign", &[]).await;
    set(now, now + chrono::Duration::days(1));
    let inbox = unit.get_text("/staff/matters").await;
    assert!(inbox.contains("due-soon") && inbox.contains("办结 ") && inbox.contains("剩 1 天"));
}

#[tokio::test]
async fn staff_pages_are_their_own_whole_pages() {
    let app = spawn_app().await;
    let admin = app.staff("root", "admin", None).await;
    // The administration page: its title is words, every section in <main>.
    let html = admin.get_text("/staff/admin").await;
    let title = &html[html.find("<title>").expect("title")..html.find("</title>").expect("end")];
    assert!(!title[7..].contains('<'), "{title}");
    let main = html.find("<main").expect("main");
    assert!(html.find("接口密钥").expect("API keys") > main);
    assert!(!html.contains("<th></th>"), "every column is named");
    // The citizens' privacy line is theirs, not on staff pages.
    assert!(app.get_text("/").await.contains("href=\"/privacy\""));
    assert!(
        !admin
            .get_text("/staff/matters")
            .await
            .contains("href=\"/privacy\"")
    );
    // The intake form's hints speak to staff about the caller.
    let intake = admin.get_text("/staff/intake").await;
    assert!(intake.contains("来电人") && !intake.contains("仅用于工作人员联系您"));
    // The browser's tab icon.
    let icon = app.get("/favicon.ico").await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/x-icon");
}

#[tokio::test]
async fn staff_record_a_radio_request_and_the_citizen_can_track_it() {
    let app = spawn_app().await;
    let dispatcher = app.dispatcher().await;
    let html = dispatcher.get_text("/staff/intake").await;
    let mut form: Vec<(String, String)> = vec![
        ("csrf_token".into(), csrf_of(&html)),
        ("source".into(), "radio".into()),
        ("radio_date".into(), String::new()),
        ("category".into(), option_value(&html, "交通出行")),
        ("title".into(), "桂澜路口红绿灯时间太短".into()),
        (
            "description".into(),
            "老人过马路来不及，希望延长绿灯时间。".into(),
        ),
        ("place".into(), option_value(&html, "夏北社区")),
        ("address".into(), "桂澜路与南海大道交界".into()),
        ("name".into(), "黄伯".into()),
        ("phone".into(), "13900001111".into()),
        ("consent".into(), "yes".into()),
    ];
    let res = dispatcher
        .client
        .post(dispatcher.url("/staff/intake"))
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 422, "the radio show needs its episode date");
    assert!(res.text().await.expect("body").contains("请填写节目日期"));
    assert_eq!(app.count("matters"), 0);

    form[2].1 = "2026-11-28".into();
    let res = dispatcher
        .client
        .post(dispatcher.url("/staff/intake"))
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let page = dispatcher.get_text(&location).await;
    assert!(
        page.contains("已登记") && page.contains("电台民生微访谈") && page.contains("2026-11-28")
    );

    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let (code, source): (String, String) = matters::table
        .select((matters::code, matters::source))
        .first(&mut app.conn())
        .expect("stored");
    assert_eq!(source, "radio");
    let status = app.get_text(&format!("/track/{code}")).await;
    assert!(
        status.contains("待受理") && !status.contains("黄伯") && !status.contains("13900001111")
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_then_refused() {
    let app = spawn_app_with(|s| {
        s.login_slowdown_ms = 10;
        s.login_max_per_account = 4;
    })
    .await;
    app.add_user("clerk", "dispatcher", None);
    app.add_user("other", "dispatcher", None);
    for attempt in 1..=4 {
        let (_, res) = app.login("clerk", "wrong-password").await;
        assert_eq!(res.status(), 401, "attempt {attempt}");
        assert!(
            res.text()
                .await
                .expect("body")
                .contains("用户名或密码不正确")
        );
    }
    // Locked now, even with the right password.
    let (_, res) = app.login("clerk", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.text().await.expect("body").contains("分钟后再试"));
    // Another account is not locked by it.
    let (_, res) = app.login("other", PASSWORD).await;
    assert_eq!(res.status(), 303);
    // An unknown account is refused the same way as a wrong password.
    let (_, res) = app.login("nobody", PASSWORD).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn too_many_failures_from_one_address_are_refused() {
    let app = spawn_app_with(|s| {
        s.login_slowdown_ms = 1;
        s.login_max_per_address = 3;
    })
    .await;
    app.add_user("a", "dispatcher", None);
    for name in ["x1", "x2", "x3"] {
        let (_, res) = app.login(name, "guess").await;
        assert_eq!(res.status(), 401);
    }
    let (_, res) = app.login("a", PASSWORD).await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn sessions_are_safe_cookies_that_end_at_logout_and_when_disabled() {
    let app = spawn_app().await;
    app.add_user("d", "dispatcher", None);
    let (client, res) = app.login("d", PASSWORD).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("shishi_session="))
        .expect("session cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let raw = cookie.split(';').next().expect("value").to_owned();

    // The cookie alone is the session: another client with it is logged in.
    let thief = browser();
    let res = thief
        .get(app.url("/staff/matters"))
        .header("cookie", &raw)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);

    // Logging out ends it everywhere.
    let html = client
        .get(app.url("/staff/matters"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let res = client
        .post(app.url("/staff/logout"))
        .form(&[("csrf_token", csrf_of(&html))])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303);
    let res = thief
        .get(app.url("/staff/matters"))
        .header("cookie", &raw)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 303, "the old cookie no longer works");

    // A disabled account is logged out at once and cannot log in.
    let (client, _) = app.login("d", PASSWORD).await;
    assert_eq!(
        client
            .get(app.url("/staff/matters"))
            .send()
            .await
            .expect("GET")
            .status(),
        200
    );
    shishi::db::users::disable(&mut app.conn(), "d").expect("disable");
    assert_eq!(
        client
            .get(app.url("/staff/matters"))
            .send()
            .await
            .expect("GET")
            .status(),
        303
    );
    let (_, res) = app.login("d", PASSWORD).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_restart_keeps_sessions_because_the_key_is_kept() {
    let app = spawn_app().await;
    app.add_user("d", "dispatcher", None);
    let (client, _) = app.login("d", PASSWORD).await;
    // A second server on the same database: the same key, so the same session works.
    let mut settings = shishi::config::Settings::new(app.database_url.clone());
    settings.bind = "127.0.0.1:0".into();
    settings.workers = Some(1);
    let second = shishi::startup::Application::build(settings).expect("second instance");
    let port = second.port;
    tokio::spawn(second.server);
    let res = client
        .get(format!("http://127.0.0.1:{port}/staff/matters"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn admins_change_categories_units_and_accounts() {
    let app = spawn_app().await;
    let admin = app.staff("root", "admin", None).await;
    let dispatcher = app.dispatcher().await;
    let other = app.staff("clerk", "unit", Some("GC")).await;
    assert_eq!(dispatcher.get("/staff/admin").await.status(), 403);

    // Deadlines change; a category turned off leaves the citizens' form.
    let id = app.category_id("market");
    let path = format!("/staff/admin/categories/{id}");
    let bad = admin
        .post_via(
            "/staff/admin",
            &path,
            &[
                ("name", "市场监管"),
                ("name_en", "Markets"),
                ("sign_hours", "0"),
                ("resolve_days", "7"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let res = admin
        .post_via(
            "/staff/admin",
            &path,
            &[
                ("name", "市场监管"),
                ("name_en", "Markets"),
                ("sign_hours", "12"),
                ("resolve_days", "5"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(!app.get_text("/submit").await.contains("市场监管"));
    let res = dispatcher
        .post_via(
            "/staff/matters",
            &path,
            &[
                ("name", "x"),
                ("name_en", "x"),
                ("sign_hours", "1"),
                ("resolve_days", "1"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);

    let res = admin
        .post_via(
            "/staff/admin",
            "/staff/admin/categories",
            &[
                ("code", "pets"),
                ("name", "宠物管理"),
                ("name_en", "Pets"),
                ("sign_hours", "24"),
                ("resolve_days", "10"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(app.get_text("/submit").await.contains("宠物管理"));

    // A new community under a town appears on the form.
    let gc = app.unit_id("GC").to_string();
    let res = admin
        .post_via(
            "/staff/admin",
            "/staff/admin/units",
            &[
                ("code", "GC-DE"),
                ("name", "东二社区"),
                ("name_en", "Dong'er Community"),
                ("kind", "community"),
                ("parent", &gc),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(app.get_text("/submit").await.contains("东二社区"));
    let res = admin
        .post_via(
            "/staff/admin",
            "/staff/admin/units",
            &[
                ("code", "GC-DE"),
                ("name", "重复"),
                ("name_en", "Again"),
                ("kind", "community"),
                ("parent", &gc),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "codes are unique");

    // An account is disabled, and its session ends.
    let clerk = {
        use diesel::prelude::*;
        use shishi::db::schema::users;
        users::table
            .filter(users::username.eq("clerk"))
            .select(users::id)
            .first::<i64>(&mut app.conn())
            .expect("user")
    };
    let res = admin
        .post_via(
            "/staff/admin",
            &format!("/staff/admin/users/{clerk}/disable"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(other.get("/staff/matters").await.status(), 303);
}

/// The ids of the matters listed on an inbox page, in order.
fn listed(html: &str) -> Vec<i64> {
    let marker = "<a href=\"/staff/matters/";
    html.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"')?].parse().ok()
        })
        .fold(Vec::new(), |mut ids, id| {
            // A row links its code and its title.
            if ids.last() != Some(&id) {
                ids.push(id);
            }
            ids
        })
}

/// The target of the pager's link `rel`, if there is one.
fn pager_link(html: &str, rel: &str) -> Option<String> {
    let end = html.find(&format!("rel=\"{rel}\""))?;
    let start = html[..end].rfind("href=\"")? + 6;
    let href = &html[start..end];
    Some(
        href[..href.find('"')?]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

#[tokio::test]
async fn inbox_pages_follow_each_other_in_every_sort_without_gaps_or_repeats() {
    use chrono::{Duration, Utc};
    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let app = spawn_app().await;
    let category = app.category_id("municipal");
    let start = Utc::now() - Duration::days(30);
    // 23 matters: received in threes at the same instant (so the id breaks
    // ties), every fourth without a deadline, updated in another order.
    {
        let mut conn = app.conn();
        for i in 0..23i64 {
            let code = shishi::domain::tracking::generate("NH", &mut rand::rng());
            let received = start + Duration::hours(i / 3);
            let id = shishi::db::matters::insert_submitted(
                &mut conn,
                &shishi::db::matters::Intake {
                    citizen_phone: Some("13900001111"),
                    received,
                    due: (i % 4 != 0).then(|| received + Duration::days((i * 7) % 5)),
                    ..intake(&code, category, &format!("翻页第{i}件"), "用于测试翻页。")
                },
            )
            .expect("insert");
            diesel::update(matters::table.find(id))
                .set(matters::updated_at.eq((start + Duration::minutes((i * 11) % 7)).naive_utc()))
                .execute(&mut conn)
                .expect("update");
        }
    }
    type Row = (
        i64,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    );
    let rows: Vec<Row> = matters::table
        .select((
            matters::id,
            matters::created_at,
            matters::updated_at,
            matters::due_at,
        ))
        .load(&mut app.conn())
        .expect("rows");
    let dispatcher = app.dispatcher().await;
    for sort in ["newest", "oldest", "updated", "due"] {
        let mut expected = rows.clone();
        match sort {
            "newest" => expected.sort_by_key(|r| std::cmp::Reverse((r.1, r.0))),
            "oldest" => expected.sort_by_key(|r| (r.1, r.0)),
            "updated" => expected.sort_by_key(|r| std::cmp::Reverse((r.2, r.0))),
            _ => expected.sort_by_key(|r| (r.3.is_none(), r.3, r.0)),
        }
        let expected: Vec<i64> = expected.iter().map(|r| r.0).collect();

        let mut pages = Vec::new();
        let mut next = Some(format!("/staff/matters?state=&sort={sort}&per_page=5"));
        while let Some(link) = next {
            let html = dispatcher.get_text(&link).await;
            pages.push(listed(&html));
            assert!(
                html.contains(&format!("第 {} 页", pages.len())),
                "{sort}: {link} {}",
                &html[html.find("class=\"pager\"").unwrap_or(0)..]
            );
            next = pager_link(&html, "next");
            assert!(pages.len() < 10, "{sort}: the pages end");
        }
        assert_eq!(pages.concat(), expected, "{sort}: forward");
        assert_eq!(pages.len(), 5, "{sort}: 23 matters make five pages of five");

        // And back again from the last page, page by page.
        let last = format!(
            "/staff/matters?state=&sort={sort}&per_page=5&page=5&after={}",
            cursor_before(&dispatcher, sort, &pages).await
        );
        let mut html = dispatcher.get_text(&last).await;
        assert_eq!(
            listed(&html),
            pages[4],
            "{sort}: the last page by its cursor"
        );
        for page in (0..4).rev() {
            let link = pager_link(&html, "prev").expect("a previous page");
            html = dispatcher.get_text(&link).await;
            assert_eq!(
                listed(&html),
                pages[page],
                "{sort}: back to page {}",
                page + 1
            );
        }
        assert!(
            pager_link(&html, "prev").is_none(),
            "{sort}: the first page is first"
        );
    }
    // A forged cursor lists nothing and breaks nothing.
    for bad in ["x.1", "n.x", "99999999999999999999.1", ".", "n.5"] {
        let res = dispatcher
            .get(&format!("/staff/matters?state=&sort=newest&after={bad}"))
            .await;
        assert_eq!(res.status(), 200, "{bad}");
    }
}

/// The cursor of the row just before the last page, as page 4 links to it.
async fn cursor_before(staff: &Staff, sort: &str, pages: &[Vec<i64>]) -> String {
    let fourth = staff
        .get_text(&format!(
            "/staff/matters?state=&sort={sort}&per_page=5&page=4"
        ))
        .await;
    assert_eq!(listed(&fourth), pages[3]);
    let next = pager_link(&fourth, "next").expect("page 4 leads on");
    next.split("after=")
        .nth(1)
        .expect("a cursor")
        .split('&')
        .next()
        .unwrap_or("")
        .to_owned()
}

/// The counts on the inbox's tabs, in order (all, then each state).
fn tab_counts(html: &str) -> Vec<&str> {
    html.split("<span class=\"count\">")
        .skip(1)
        .map(|rest| &rest[..rest.find('<').expect("end")])
        .collect()
}

#[tokio::test]
async fn the_inbox_tabs_count_each_state_and_stop_at_the_cap() {
    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let app = spawn_app().await;
    let ids = app.many_matters(106, |i| format!("计数诉求{i}"));
    let mut conn = app.conn();
    for (state, few) in [("accepted", &ids[..3]), ("closed", &ids[3..5])] {
        diesel::update(matters::table.filter(matters::id.eq_any(few)))
            .set(matters::state.eq(state))
            .execute(&mut conn)
            .expect("moved");
    }
    let staff = app.dispatcher().await;
    let html = staff.get_text("/staff/matters?state=").await;
    let counts = tab_counts(&html);
    // All, then each state: 待受理's 101 is past the cap of 100, the
    // others are exact.
    assert_eq!(counts, ["105+", "100+", "3", "0", "0", "0", "2", "0", "0"]);
    // Narrowed by another filter, the counts follow it.
    let none = staff.get_text("/staff/matters?state=&channel=micro").await;
    assert_eq!(none.matches("<span class=\"count\">0<").count(), 9);
}

/// SQLite plans without statistics: of two indexes that serve a filter
/// equally, it takes the one made last. A unit's inbox (several units,
/// several states) is sorted either way, but off the index whose next
/// column is the sort's it stops reading each unit and state at a page:
/// ten times faster at 1,000,000 matters. Each sort must get its own.
/// (PostgreSQL chooses by its statistics, which a test table does not
/// have the size to show.)
#[actix_web::test]
async fn sqlite_reads_each_inbox_sort_off_the_index_that_ends_in_it() {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    if backend_name() != "sqlite" {
        return;
    }
    let app = spawn_app().await;
    let mut conn = app.conn();
    let mut plan = |sql: &str| -> String {
        diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<Step>(&mut conn)
            .expect("plan")
            .into_iter()
            .map(|s| s.detail)
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let units = "matters.unit_id IN (2, 16, 17) AND matters.state IN ('assigned', 'in_progress')";
    let states = "matters.state IN ('accepted', 'assigned')";
    for (sql, index) in [
        (
            format!("SELECT matters.* FROM matters WHERE {units} ORDER BY matters.created_at DESC, matters.id DESC LIMIT 26"),
            "matters_unit_state_created",
        ),
        (
            format!("SELECT matters.id FROM matters WHERE {units} ORDER BY matters.due_at ASC NULLS LAST, matters.id ASC LIMIT 26"),
            "matters_unit_state_due",
        ),
        (
            format!("SELECT matters.* FROM matters WHERE {states} ORDER BY matters.created_at DESC, matters.id DESC LIMIT 26"),
            "matters_state_created",
        ),
        (
            format!("SELECT matters.id FROM matters WHERE {states} ORDER BY matters.due_at ASC NULLS LAST, matters.id ASC LIMIT 26"),
            "matters_state_due",
        ),
        (
            "SELECT matters.id FROM matters WHERE matters.state = 'submitted' ORDER BY matters.due_at ASC NULLS LAST, matters.id ASC LIMIT 26".to_owned(),
            "matters_state_due",
        ),
    ] {
        let found = plan(&sql);
        assert!(
            found.contains(&format!("INDEX {index} ")),
            "{sql}\nread: {found}"
        );
    }
}

/// Dispatchers and units open their inbox on what is due first (the
/// soonest deadline, those without one last); a leader, who follows
/// rather than acts, on what came in last. A chosen sort still rules.
#[actix_web::test]
async fn the_inbox_opens_on_what_is_due_first_for_those_who_act() {
    use chrono::{Duration, Utc};
    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let app = spawn_app().await;
    // Received in this order; due: the second soonest, the first later,
    // the third never.
    let ids = app.many_matters(3, |i| format!("到期排序第{i}件"));
    let now = Utc::now();
    {
        let mut conn = app.conn();
        for (id, due) in ids.iter().zip([Some(5), Some(1), None]) {
            diesel::update(matters::table.find(id))
                .set(matters::due_at.eq(due.map(|d| (now + Duration::days(d)).naive_utc())))
                .execute(&mut conn)
                .expect("due");
        }
    }
    let order = |html: &str| -> Vec<usize> {
        let mut at: Vec<(usize, usize)> = (0..3)
            .map(|i| {
                (
                    html.find(&format!("到期排序第{i}件"))
                        .unwrap_or_else(|| panic!("{i} listed in {html}")),
                    i,
                )
            })
            .collect();
        at.sort();
        at.into_iter().map(|(_, i)| i).collect()
    };
    let dispatcher = app.dispatcher().await;
    let page = dispatcher.get_text("/staff/matters").await;
    assert_eq!(order(&page), [1, 0, 2], "the dispatcher, due first");
    assert!(
        page.contains(r#"<option value="due" selected>"#),
        "and says so"
    );
    let page = dispatcher.get_text("/staff/matters?sort=newest").await;
    assert_eq!(order(&page), [2, 1, 0], "a chosen sort");

    // The same matters as key projects assigned to a town: its staff see
    // them due first, a leader newest first.
    let town = app.unit_id("GC");
    diesel::update(matters::table.filter(matters::id.eq_any(&ids)))
        .set((
            matters::state.eq("assigned"),
            matters::unit_id.eq(town),
            matters::channel.eq("leader"),
        ))
        .execute(&mut app.conn())
        .expect("assign");
    let unit = app.staff("gc-staff", "unit", Some("GC")).await;
    assert_eq!(
        order(&unit.get_text("/staff/matters").await),
        [1, 0, 2],
        "the unit"
    );
    let leader = app.staff("leader-x", "leader", None).await;
    assert_eq!(
        order(&leader.get_text("/staff/matters").await),
        [2, 1, 0],
        "the leader, newest first"
    );
}

/// On PostgreSQL the inbox's statements whose every condition is an
/// equality on one value carry their limit in the text, so the server
/// plans each once and keeps the plan (issue 15: planning was 0.55 ms of
/// a page at 1,000,000 matters, more than its execution): the
/// dispatcher's page and counts, and a unit's, read as one reading per
/// unit and state. A range (here the received date) binds the limit, so
/// that at scale the server plans for the values: a plan kept for any
/// values walked every matter's deadlines for a town's few.
#[actix_web::test]
async fn postgresql_keeps_the_plans_of_inbox_pages_of_plain_equalities() {
    use chrono::{Duration, Utc};
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    use shishi::db::inbox::{Filter, Sort, counts_by_state, search_counted};
    use shishi::domain::State;
    use shishi::domain::access::Scope;
    #[derive(QueryableByName)]
    struct Prepared {
        #[diesel(sql_type = Text)]
        statement: String,
        #[diesel(sql_type = BigInt)]
        generic_plans: i64,
    }
    if backend_name() != "postgresql" {
        return;
    }
    let app = spawn_app().await;
    for _ in 0..3 {
        app.submit_valid().await;
    }
    let (town, community) = (app.unit_id("GC"), app.unit_id("GC-XB"));
    let mut conn = app.conn();
    let plain = Filter {
        states: vec![State::Submitted],
        sort: Sort::Due,
        page: 1,
        per_page: 25,
        ..Filter::default()
    };
    let dated = Filter {
        from: Some(Utc::now() - Duration::days(1)),
        ..plain.clone()
    };
    let units = Scope::Units(vec![town, community]);
    for (scope, filter, expected) in [
        (&Scope::All, &plain, 3),
        (&units, &plain, 0),
        (&Scope::All, &dated, 3),
    ] {
        for _ in 0..8 {
            let (page, _) = search_counted(&mut conn, scope, filter, Utc::now()).expect("page");
            let counts = counts_by_state(&mut conn, scope, filter, Utc::now()).expect("counts");
            assert_eq!(page.rows.len(), expected);
            assert_eq!(counts[0].0, State::Submitted);
            assert_eq!(counts[0].1.to_string(), expected.to_string());
        }
    }
    let prepared: Vec<Prepared> = diesel::sql_query(
        "SELECT statement, generic_plans FROM pg_prepared_statements \
         WHERE statement LIKE '%FROM \"matters\"%'",
    )
    .load(&mut conn)
    .expect("prepared statements");
    let of = |start: &str, units: bool, dated: bool| -> Vec<(&str, i64)> {
        prepared
            .iter()
            .filter(|p| p.statement.starts_with(start))
            .filter(|p| p.statement.contains("\"unit_id\"") == units)
            .filter(|p| p.statement.contains("\"created_at\" >=") == dated)
            .map(|p| (p.statement.as_str(), p.generic_plans))
            .collect()
    };
    let counts = "(SELECT \"matters\".\"state\" FROM";
    let by_deadline = "SELECT \"matters\".\"id\" FROM \"matters\" WHERE";
    let merged = "SELECT id FROM ((SELECT";
    let merged_counts = "(SELECT state FROM ((SELECT";
    for (start, units) in [
        (counts, false),
        (by_deadline, false),
        (merged, true),
        (merged_counts, true),
    ] {
        let found = of(start, units, false);
        assert!(
            !found.is_empty()
                && found
                    .iter()
                    .all(|(sql, generic)| *generic > 0 && !sql.contains("LIMIT $")),
            "kept, {start} (units: {units}): {found:?}"
        );
    }
    for start in [counts, by_deadline] {
        let found = of(start, false, true);
        assert!(
            !found.is_empty() && found.iter().all(|(sql, _)| sql.contains("LIMIT $")),
            "bound, {start}: {found:?}"
        );
    }
    assert!(
        prepared
            .iter()
            .all(|p| !p.statement.contains("\"unit_id\" = ANY")),
        "a unit's page and counts are merged"
    );
}

/// A town's staff whose units hold more than the cap in a state between
/// them see "100+", and the exact count below it.
#[actix_web::test]
async fn a_towns_counts_add_up_its_units_and_stop_at_the_cap() {
    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let app = spawn_app().await;
    let ids = app.many_matters(124, |i| format!("计数诉求{i}"));
    let (gc, xb, zj) = (app.unit_id("GC"), app.unit_id("GC-XB"), app.unit_id("ZJ"));
    let mut conn = app.conn();
    // 60 assigned to the town and 60 to its community (past the cap only
    // together); 3 in progress in the community; one of another town's.
    for (unit, state, few) in [
        (gc, "assigned", &ids[..60]),
        (xb, "assigned", &ids[60..120]),
        (xb, "in_progress", &ids[120..123]),
        (zj, "in_progress", &ids[123..]),
    ] {
        diesel::update(matters::table.filter(matters::id.eq_any(few)))
            .set((matters::state.eq(state), matters::unit_id.eq(unit)))
            .execute(&mut conn)
            .expect("moved");
    }
    let town = app.staff("gc-counts", "unit", Some("GC")).await;
    let html = town.get_text("/staff/matters").await;
    let counts = tab_counts(&html);
    // All, then each state: 已派单 past the cap, 办理中 exact, the rest none.
    assert_eq!(counts, ["103+", "0", "0", "100+", "3", "0", "0", "0", "0"]);
}

/// A town's staff page by deadline through the open matters of the town
/// and its communities (on PostgreSQL read as one ordered reading per unit
/// and state, merged): every one once, in order, forwards and back, and
/// none of another town's or in another state.
#[tokio::test]
async fn a_towns_inbox_by_deadline_pages_through_its_units_in_order() {
    use chrono::{Duration, Utc};
    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let app = spawn_app().await;
    let (gc, xb, zj) = (app.unit_id("GC"), app.unit_id("GC-XB"), app.unit_id("ZJ"));
    let start = Utc::now() - Duration::days(3);
    let mut mine = Vec::new();
    {
        let mut conn = app.conn();
        for i in 0..31i64 {
            let code = app.submit_valid().await;
            let id = app.matter_id(&code);
            let unit = [gc, xb, zj][(i % 3) as usize];
            let state = ["assigned", "in_progress", "closed", "in_progress"][(i % 4) as usize];
            // Deadlines in threes at the same instant (the id breaks ties),
            // every fifth without one.
            let due = (i % 5 != 0).then(|| (start + Duration::hours((i * 7) % 11 / 3)).naive_utc());
            diesel::update(matters::table.find(id))
                .set((
                    matters::unit_id.eq(unit),
                    matters::state.eq(state),
                    matters::due_at.eq(due),
                ))
                .execute(&mut conn)
                .expect("update");
            if unit != zj && state != "closed" {
                mine.push((due.is_none(), due, id));
            }
        }
    }
    mine.sort();
    let expected: Vec<i64> = mine.iter().map(|m| m.2).collect();
    assert!(expected.len() > 10, "enough for three pages");
    let town = app.staff("gc-staff", "unit", Some("GC")).await;
    let mut pages = Vec::new();
    let mut next = Some("/staff/matters?sort=due&per_page=5".to_owned());
    while let Some(link) = next {
        let html = town.get_text(&link).await;
        pages.push(listed(&html));
        next = pager_link(&html, "next");
        assert!(pages.len() < 10, "the pages end");
    }
    assert_eq!(pages.concat(), expected, "forward");
    // Back from the last page (reached by its links), page by page.
    let mut last = "/staff/matters?sort=due&per_page=5".to_owned();
    let mut html = town.get_text(&last).await;
    while let Some(next) = pager_link(&html, "next") {
        last = next;
        html = town.get_text(&last).await;
    }
    assert_eq!(listed(&html), pages[pages.len() - 1], "the last page again");
    for page in (0..pages.len() - 1).rev() {
        let prev = pager_link(&html, "prev").expect("a previous page");
        html = town.get_text(&prev).await;
        assert_eq!(listed(&html), pages[page], "back to page {}", page + 1);
    }
}

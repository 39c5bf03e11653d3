//! Each channel's own rules, through the browser's forms.

use crate::helpers::*;

const DESCRIPTION: &str = "这是一项经过调研确定的民生实事，需要按计划推进并验收。";

#[tokio::test]
async fn a_leader_project_is_claimed_by_one_leader_and_ends_with_acceptance() {
    let app = spawn_app().await;
    let dispatcher = app.dispatcher().await;
    let leader = app.staff("leader-li", "leader", None).await;
    let other = app.staff("leader-wang", "leader", None).await;
    let unit = app.staff("zj", "unit", Some("ZJ")).await;
    let category = app.category_id("water").to_string();
    let place = app.unit_id("GC").to_string();

    let id = dispatcher
        .plan(
            "/staff/plan/project",
            &[
                ("title", "桂城河涌污水整治"),
                ("description", DESCRIPTION),
                ("category", &category),
                ("unit", &place),
            ],
        )
        .await;
    assert_eq!(app.matter_state(id), "accepted");
    assert_eq!(app.matter_field(id, "channel").as_deref(), Some("leader"));

    let zj = app.unit_id("ZJ").to_string();
    assert_eq!(
        leader.act(id, "claim", &[]).await.status(),
        422,
        "a claim names the lead unit"
    );
    leader.must(id, "claim", &[("unit", &zj)]).await;
    assert_eq!(app.matter_field(id, "unit_id"), Some(zj.clone()));

    // One leader per project: the other cannot claim, even after a return.
    let stale = other.get_text(&format!("/staff/matters/{id}")).await;
    assert!(
        !stale.contains("/claim\""),
        "no claim form for the other leader"
    );
    unit.must(id, "return", &[("note", "需要重新明确牵头单位")])
        .await;
    assert_eq!(app.matter_state(id), "accepted");
    let res = other
        .act_at(
            id,
            "claim",
            &version_of(&leader.get_text(&format!("/staff/matters/{id}")).await),
            &csrf_of(&stale),
            &[("unit", &zj)],
        )
        .await;
    assert_eq!(res.status(), 403);
    leader.must(id, "claim", &[("unit", &zj)]).await;

    leader
        .must(id, "instruct", &[("note", "要在汛期前完成截污工程")])
        .await;
    unit.must(id, "sign", &[]).await;
    unit.must(
        id,
        "milestone",
        &[
            ("title", "截污管网完工"),
            ("planned_on", "2026-06-30"),
            ("progress", "40"),
        ],
    )
    .await;
    let page = unit.get_text(&format!("/staff/matters/{id}")).await;
    assert!(page.contains("截污管网完工") && page.contains("40%"));
    assert!(
        page.contains("要在汛期前完成截污工程"),
        "the instruction is on the timeline"
    );
    let milestone_id = {
        use diesel::prelude::*;
        use shishi::db::schema::milestones;
        milestones::table
            .select(milestones::id)
            .first::<i64>(&mut app.conn())
            .expect("milestone")
    };
    unit.must(
        id,
        "milestone",
        &[
            ("milestone", &milestone_id.to_string()),
            ("done_on", "2026-06-20"),
        ],
    )
    .await;
    assert!(
        unit.get_text(&format!("/staff/matters/{id}"))
            .await
            .contains("100%")
    );
    assert_eq!(
        unit.act(
            id,
            "milestone",
            &[("title", "坏日期"), ("planned_on", "明天")]
        )
        .await
        .status(),
        422
    );

    unit.must(id, "resolve", &[("note", "工程完工，河涌水质达标")])
        .await;
    dispatcher
        .must(id, "send_back", &[("note", "验收发现两处排口未截污")])
        .await;
    assert_eq!(
        app.matter_state(id),
        "in_progress",
        "a failed acceptance sends it back to work"
    );
    unit.must(id, "resolve", &[("note", "排口已全部截污")])
        .await;
    assert_eq!(
        dispatcher.act(id, "close", &[]).await.status(),
        403,
        "leader projects end with acceptance, not a close"
    );
    dispatcher.must(id, "verify", &[("note", "验收通过")]).await;
    assert_eq!(app.matter_state(id), "closed");

    let public = app.get_text("/projects").await;
    assert!(
        public.contains("桂城河涌污水整治")
            && public.contains("leader-li")
            && public.contains("100%")
    );
    // Accepted is what the district calls a project done (not 已关闭).
    let done = app.get_text("/projects?channel=leader&show=done").await;
    assert!(done.contains("桂城河涌污水整治") && done.contains("已验收通过"));
    assert!(!done.contains("已关闭"));
    let open = app.get_text("/projects?show=open").await;
    assert!(!open.contains("桂城河涌污水整治"), "not under way any more");
    // Its own page speaks of a project: what it is about, accepted, 100 %.
    let code = app.matter_field(id, "code").expect("code");
    let page = app.get_text(&format!("/track/{code}")).await;
    assert!(page.contains("项目内容") && page.contains("已验收通过"));
    assert!(page.contains("<progress max=\"100\" value=\"100\">"));
    assert!(public.contains("区住房城乡建设和水利局"));
}

#[tokio::test]
async fn a_department_plans_its_own_matter_and_it_is_accepted() {
    let app = spawn_app().await;
    let unit = app.staff("jt", "unit", Some("JT")).await;
    let dispatcher = app.dispatcher().await;
    let category = app.category_id("traffic").to_string();
    let jt = app.unit_id("JT").to_string();
    let gc = app.unit_id("GC").to_string();
    let res = unit
        .post_via(
            "/staff/plan/department",
            "/staff/plan/department",
            &[
                ("title", "学校周边交通整治"),
                ("description", DESCRIPTION),
                ("category", &category),
                ("unit", &gc),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        422,
        "a unit plans for itself, not for another"
    );
    let id = unit
        .plan(
            "/staff/plan/department",
            &[
                ("title", "学校周边交通整治"),
                ("description", DESCRIPTION),
                ("category", &category),
                ("unit", &jt),
            ],
        )
        .await;
    assert_eq!(app.matter_state(id), "assigned");
    unit.must(id, "sign", &[]).await;
    unit.must(id, "resolve", &[("note", "已增设护栏和信号灯")])
        .await;
    dispatcher.must(id, "verify", &[]).await;
    assert_eq!(app.matter_state(id), "closed");
    let departments = app.get_text("/projects?channel=department").await;
    assert!(departments.contains("学校周边交通整治"));
    assert!(
        !app.get_text("/projects").await.contains("学校周边交通整治"),
        "the leaders' tab"
    );
}

#[tokio::test]
async fn micro_matters_reserve_from_the_fund_and_return_what_is_not_spent() {
    let app = spawn_app().await;
    let admin = app.staff("admin", "admin", None).await;
    let community = app.staff("xb", "unit", Some("GC-XB")).await;
    let dispatcher = app.dispatcher().await;

    let res = admin
        .post_via(
            "/staff/fund",
            "/staff/fund/allocate",
            &[("amount", "1,000"), ("note", "首期拨付")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        dispatcher
            .post_via("/staff/fund", "/staff/fund/allocate", &[("amount", "5")])
            .await
            .status(),
        403,
        "only admins allocate"
    );
    assert_eq!(app.fund().available(), 100_000);

    let category = app.category_id("municipal").to_string();
    let xb = app.unit_id("GC-XB").to_string();
    let raise = |title: &'static str, amount: &'static str| {
        let (community, category, xb) = (&community, category.clone(), xb.clone());
        async move {
            community
                .plan(
                    "/staff/plan/micro",
                    &[
                        ("title", title),
                        ("description", DESCRIPTION),
                        ("category", &category),
                        ("unit", &xb),
                        ("amount", amount),
                    ],
                )
                .await
        }
    };
    let first = raise("小区路灯维修", "600").await;
    let second = raise("健身器材更换", "500").await;
    assert_eq!(app.matter_state(first), "submitted");

    dispatcher.must(first, "accept", &[("amount", "600")]).await;
    assert_eq!(app.fund().available(), 40_000);
    let res = dispatcher.act(second, "accept", &[("amount", "500")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("滚动资金余额不足"));
    assert_eq!(app.matter_state(second), "submitted", "nothing written");
    dispatcher
        .must(second, "accept", &[("amount", "400")])
        .await;
    assert_eq!(app.fund().available(), 0);

    dispatcher.must(first, "dispatch", &[("unit", &xb)]).await;
    community.must(first, "sign", &[]).await;
    assert_eq!(
        community
            .act(first, "resolve", &[("note", "已修好"), ("amount", "650")])
            .await
            .status(),
        422,
        "no more than approved"
    );
    community
        .must(
            first,
            "resolve",
            &[("note", "已更换 12 盏路灯"), ("amount", "550")],
        )
        .await;
    dispatcher.must(first, "close", &[]).await;
    let fund = app.fund();
    assert_eq!(
        (
            fund.allocated,
            fund.spent,
            fund.available(),
            fund.outstanding()
        ),
        (100_000, 55_000, 5_000, 40_000)
    );
    let ledger = admin.get_text("/staff/fund").await;
    assert!(
        ledger.contains("¥1,000.00") && ledger.contains("¥550.00") && ledger.contains("¥50.00")
    );
    assert!(ledger.contains("结余退回") && ledger.contains("批准预留"));
}

#[tokio::test]
async fn two_approvals_racing_for_the_last_money_never_overdraw_the_fund() {
    let app = spawn_app_with(|s| s.workers = Some(2)).await;
    let admin = app.staff("admin", "admin", None).await;
    admin
        .post_via("/staff/fund", "/staff/fund/allocate", &[("amount", "1000")])
        .await;
    let community = app.staff("xb", "unit", Some("GC-XB")).await;
    let first = app.dispatcher().await;
    let second = app.staff("dispatcher2", "dispatcher", None).await;
    let approved = race_approvals(&app, &community, &first, &second).await;
    // 1000 yuan hold three approvals of 300, never four.
    assert_eq!(approved, 3);
    assert_eq!(app.fund().available(), 10_000);
}

#[tokio::test]
async fn volunteers_report_claim_take_up_a_service_and_both_units_see_the_record() {
    let app = spawn_app().await;
    let dispatcher = app.dispatcher().await;
    let volunteer = app.staff("zhang", "volunteer", None).await;
    let community = app.staff("xb", "unit", Some("GC-XB")).await;
    let home = app.staff("wj", "unit", Some("WJ")).await;
    let stranger = app.staff("jj", "unit", Some("JJ")).await;

    let res = dispatcher
        .post_via(
            "/staff/volunteers",
            "/staff/volunteers/teams",
            &[
                ("name", "卫健义诊服务队"),
                ("specialty", "医疗义诊"),
                ("unit", &app.unit_id("WJ").to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let team = {
        use diesel::prelude::*;
        use shishi::db::schema::volunteer_teams;
        volunteer_teams::table
            .select(volunteer_teams::id)
            .first::<i64>(&mut app.conn())
            .expect("team")
            .to_string()
    };
    let res = dispatcher
        .post_via(
            "/staff/volunteers",
            "/staff/volunteers/menu",
            &[
                ("team", &team),
                ("title", "上门量血压"),
                ("description", "为行动不便的老人上门测量血压"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let overview = dispatcher.get_text("/staff/volunteers").await;
    assert!(overview.contains("卫健义诊服务队") && overview.contains("上门量血压"));

    let xb = app.unit_id("GC-XB").to_string();
    let wj = app.unit_id("WJ").to_string();
    assert_eq!(
        volunteer
            .post_via(
                "/staff/me",
                "/staff/me/report",
                &[("team", &team), ("home_unit", &wj)]
            )
            .await
            .status(),
        422
    );
    assert_eq!(
        volunteer
            .post_via(
                "/staff/me",
                "/staff/me/report",
                &[("team", &team), ("home_unit", &wj), ("community", &xb)]
            )
            .await
            .status(),
        303
    );
    // Reported: the page says so, and changing it is a form to open, not
    // the big button again.
    let me = volunteer.get_text("/staff/me").await;
    assert!(me.contains("报到日期") && me.contains("更改报到信息"));
    assert!(!me.contains("<button class=\"primary\" type=\"submit\">到村（社区）报到</button>"));
    assert_eq!(
        volunteer
            .post_via(
                "/staff/me",
                "/staff/me/claims",
                &[
                    ("kind", "post"),
                    ("name", "社区卫生站志愿岗"),
                    ("community", &xb)
                ]
            )
            .await
            .status(),
        303
    );
    assert_eq!(
        volunteer
            .post_via(
                "/staff/me",
                "/staff/me/claims",
                &[
                    ("kind", "recipient"),
                    ("name", "独居老人陈伯"),
                    ("community", &xb)
                ]
            )
            .await
            .status(),
        303
    );

    let item = {
        use diesel::prelude::*;
        use shishi::db::schema::menu_items;
        menu_items::table
            .select(menu_items::id)
            .first::<i64>(&mut app.conn())
            .expect("item")
            .to_string()
    };
    let category = app.category_id("health").to_string();
    let id = community
        .plan(
            "/staff/plan/service",
            &[
                ("menu_item", &item),
                ("description", "社区有 12 位独居老人需要每月量血压"),
                ("category", &category),
                ("unit", &xb),
            ],
        )
        .await;
    assert_eq!(app.matter_state(id), "accepted");
    let me = volunteer.get_text("/staff/me").await;
    assert!(
        me.contains(&format!("/staff/matters/{id}")),
        "the team's volunteer sees the request"
    );

    volunteer.must(id, "claim", &[]).await;
    volunteer.must(id, "sign", &[]).await;
    assert_eq!(
        volunteer
            .act(
                id,
                "resolve",
                &[
                    ("note", "已测量"),
                    ("served_on", "2026-11-28"),
                    ("hours", "30")
                ]
            )
            .await
            .status(),
        422
    );
    volunteer
        .must(
            id,
            "resolve",
            &[
                ("note", "为 12 位老人测量血压并建档"),
                ("served_on", "2026-11-28"),
                ("hours", "2.5"),
            ],
        )
        .await;
    dispatcher.must(id, "close", &[]).await;

    let vid = {
        use diesel::prelude::*;
        use shishi::db::schema::users;
        users::table
            .filter(users::username.eq("zhang"))
            .select(users::id)
            .first::<i64>(&mut app.conn())
            .expect("user")
    };
    for (who, staff) in [("community", &community), ("home unit", &home)] {
        let record = staff.get(&format!("/staff/volunteers/{vid}")).await;
        assert_eq!(record.status(), 200, "{who}");
        let html = record.text().await.expect("body");
        assert!(
            html.contains("为 12 位老人测量血压并建档")
                && html.contains("2.5")
                && html.contains("社区卫生站志愿岗"),
            "{who}"
        );
    }
    assert_eq!(
        stranger
            .get(&format!("/staff/volunteers/{vid}"))
            .await
            .status(),
        403
    );
    assert!(
        !stranger
            .get_text("/staff/volunteers")
            .await
            .contains(&format!("/staff/volunteers/{vid}\""))
    );
}

#[tokio::test]
async fn the_citizen_rates_and_unsatisfied_reopens() {
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
    assert!(
        !app.get_text(&format!("/track/{code}"))
            .await
            .contains("请您评价"),
        "no rating before it is resolved"
    );
    unit.must(id, "resolve", &[("note", "已修复")]).await;

    let (app_ref, code_ref) = (&app, &code);
    let rate = |digits: &'static str, rating: &'static str, comment: &'static str| async move {
        let (app, code) = (app_ref, code_ref);
        let html = app.get_text(&format!("/track/{code}")).await;
        assert!(html.contains("请您评价"));
        // The reply comes before the rating that judges it.
        let reply = html.find("办理答复").expect("the reply is shown");
        assert!(reply < html.find("name=\"rating\"").expect("the form"));
        let res = app
            .client
            .post(app.url(&format!("/track/{code}/rate")))
            .form(&[
                ("csrf_token", csrf_of(&html).as_str()),
                ("version", version_of(&html).as_str()),
                ("digits", digits),
                ("rating", rating),
                ("comment", comment),
            ])
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), 303);
        res.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned()
    };
    assert!(rate("5678", "", "").await.contains("rate_error"));
    // Only the person who asked: the last four digits of their phone.
    for wrong in ["1234", "", "45678", "abcd"] {
        let location = rate(wrong, "unsatisfied", "不是我的诉求").await;
        assert!(
            location.ends_with("rate_error=digits"),
            "{wrong}: {location}"
        );
    }
    assert_eq!(
        app.matter_state(id),
        "resolved",
        "wrong digits change nothing"
    );
    let html = app
        .get_text(&format!("/track/{code}?rate_error=digits"))
        .await;
    assert!(html.contains("电话号码后四位不对"));
    assert!(
        rate(" 5678 ", "unsatisfied", "灯还是不亮")
            .await
            .contains("rated")
    );
    assert_eq!(
        app.matter_state(id),
        "in_progress",
        "unsatisfied reopens it"
    );
    assert!(
        dispatcher
            .get_text(&format!("/staff/matters/{id}"))
            .await
            .contains("灯还是不亮")
    );
    unit.must(id, "resolve", &[("note", "更换了整套灯具")])
        .await;
    rate("5678", "basic", "").await;
    assert_eq!(app.matter_state(id), "closed");
    let html = app.get_text(&format!("/track/{code}")).await;
    assert!(html.contains("基本满意") && !html.contains("请您评价"));

    // No rating without the form's token.
    let res = app
        .client
        .post(app.url(&format!("/track/{code}/rate")))
        .form(&[("rating", "satisfied")])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 403);

    let dashboard = dispatcher.get_text("/staff/dashboard").await;
    assert!(
        dashboard.contains("id=\"rate-satisfaction\">50.0%"),
        "one unsatisfied, one basically satisfied: every rating counts"
    );
}

#[tokio::test]
async fn a_resolved_request_nobody_rates_closes_itself_as_unrated() {
    let app = spawn_app().await;
    let old = app.matter_id(&app.submit_valid().await);
    let fresh = app.matter_id(&app.submit_valid().await);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    for id in [old, fresh] {
        dispatcher.must(id, "accept", &[]).await;
        dispatcher
            .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
            .await;
        unit.must(id, "sign", &[]).await;
        unit.must(id, "resolve", &[("note", "已处理")]).await;
    }
    {
        use diesel::prelude::*;
        use shishi::db::schema::matters;
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::days(10);
        diesel::update(matters::table.find(old))
            .set(matters::resolved_at.eq(past))
            .execute(&mut app.conn())
            .expect("update");
    }
    let closed =
        shishi::app::rating::close_unrated(&mut app.conn(), 7, chrono::Utc::now()).expect("sweep");
    assert_eq!(closed, 1);
    assert_eq!(app.matter_state(old), "closed");
    assert_eq!(app.matter_state(fresh), "resolved");
    assert_eq!(app.matter_field(old, "rating"), None, "counted as unrated");
    assert!(
        dispatcher
            .get_text(&format!("/staff/matters/{old}"))
            .await
            .contains("逾期未评价，自动关闭")
    );
    assert_eq!(
        shishi::app::rating::close_unrated(&mut app.conn(), 7, chrono::Utc::now()).expect("sweep"),
        0
    );
}

#[tokio::test]
async fn the_dashboard_counts_what_is_stored() {
    let app = spawn_app().await;
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    let a = app.matter_id(&app.submit_valid().await);
    let _waiting = app.submit_valid().await;
    dispatcher.must(a, "accept", &[]).await;
    dispatcher
        .must(a, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    unit.must(a, "sign", &[]).await;
    unit.must(a, "resolve", &[("note", "已处理")]).await;

    let html = dispatcher.get_text("/staff/dashboard").await;
    assert!(
        html.contains("id=\"rate-response\">100.0%"),
        "signed within its limit"
    );
    assert!(html.contains("id=\"rate-resolution\">100.0%"));
    assert!(html.contains("收到群众需求意见 2 件，已办结 0 件"));
    assert!(html.contains("桂城街道"), "the unit is ranked");
    assert!(html.contains("<svg"), "the trend is drawn on the server");
    assert!(
        html.contains("响应率 = 在签收时限内签收的件数"),
        "formulas are on the page"
    );
    let home = app.get_text("/").await;
    assert!(home.contains("收到群众需求意见 2 件"), "the public version");
}

#[tokio::test]
async fn two_instances_on_one_database_lose_no_update_and_never_overdraw() {
    let app = spawn_app_with(|s| s.workers = Some(2)).await;
    let other = app.second_instance();
    let admin = app.staff("admin", "admin", None).await;
    admin
        .post_via("/staff/fund", "/staff/fund/allocate", &[("amount", "1000")])
        .await;
    let community = app.staff("xb", "unit", Some("GC-XB")).await;
    // One dispatcher's session, on both servers.
    let here = app.dispatcher().await;
    let there = here.via(&other);
    assert_eq!(
        there.get("/staff/matters").await.status(),
        200,
        "logged in on both"
    );

    // The same step on the same matter at the same version, on both servers
    // at once: exactly one is taken.
    for round in 0..5 {
        let id = app.matter_id(&app.submit_valid().await);
        let page = here.get_text(&format!("/staff/matters/{id}")).await;
        let (v, c) = (version_of(&page), csrf_of(&page));
        let (a, b) = tokio::join!(
            here.act_at(id, "accept", &v, &c, &[]),
            there.act_at(id, "accept", &v, &c, &[]),
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "round {round}");
        assert_eq!(app.matter_state(id), "accepted");
        use diesel::prelude::*;
        use shishi::db::schema::events;
        let accepts: i64 = events::table
            .filter(events::matter_id.eq(id))
            .filter(events::to_state.eq("accepted"))
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        assert_eq!(accepts, 1, "round {round}: one step, one event");
    }

    // Approvals racing for the fund's last money across the two servers.
    let approved = race_approvals(&app, &community, &here, &there).await;
    assert_eq!(approved, 3, "1000 yuan hold three approvals of 300");
    assert_eq!(app.fund().available(), 10_000);
}

/// Four rounds of two ¥300 micro-matters approved at once, one by `first`
/// and one by `second` (both forms loaded before either is sent). Each answer
/// is an approval or "not enough money", and the fund never goes below zero.
/// Returns how many were approved.
async fn race_approvals(app: &TestApp, community: &Staff, first: &Staff, second: &Staff) -> usize {
    let category = app.category_id("municipal").to_string();
    let xb = app.unit_id("GC-XB").to_string();
    let mut approved = 0;
    for round in 0..4 {
        let fields = [
            ("title", "社区微改造项目"),
            ("description", DESCRIPTION),
            ("category", category.as_str()),
            ("unit", xb.as_str()),
            ("amount", "300"),
        ];
        let a = community.plan("/staff/plan/micro", &fields).await;
        let b = community.plan("/staff/plan/micro", &fields).await;
        let page_a = first.get_text(&format!("/staff/matters/{a}")).await;
        let page_b = second.get_text(&format!("/staff/matters/{b}")).await;
        let (va, ca) = (version_of(&page_a), csrf_of(&page_a));
        let (vb, cb) = (version_of(&page_b), csrf_of(&page_b));
        let (ra, rb) = tokio::join!(
            first.act_at(a, "accept", &va, &ca, &[("amount", "300")]),
            second.act_at(b, "accept", &vb, &cb, &[("amount", "300")]),
        );
        let statuses = [ra.status().as_u16(), rb.status().as_u16()];
        for s in statuses {
            assert!(s == 303 || s == 422, "round {round}: {statuses:?}");
        }
        approved += statuses.iter().filter(|s| **s == 303).count();
        let fund = app.fund();
        assert!(fund.available() >= 0, "round {round}: {fund:?}");
    }
    approved
}

//! Downloads: CSV with a BOM and .xlsx, the page's columns, Chinese intact.

use std::io::Read;

use crate::helpers::*;

fn xlsx_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).expect("entry");
        if file.name().expect("name").ends_with(".xml") {
            let mut text = String::new();
            file.read_to_string(&mut text).expect("xml");
            all.push_str(&text);
        }
    }
    all
}

#[tokio::test]
async fn the_inbox_downloads_as_csv_and_xlsx_with_what_the_page_shows() {
    let app = spawn_app().await;
    for _ in 0..2 {
        app.submit_valid().await;
    }
    let form = with(&app.valid_request().await, "title", "西樵百西村河涌发臭");
    assert_eq!(app.submit(&form).await.status(), 303);
    let dispatcher = app.dispatcher().await;

    let page = dispatcher.get_text("/staff/matters?state=").await;
    assert!(
        page.contains("/staff/matters.csv?state=") && page.contains("/staff/matters.xlsx?state=")
    );

    let res = dispatcher.get("/staff/matters.csv?state=").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains("attachment")
    );
    let bytes = res.bytes().await.expect("body");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "headers and three matters");
    assert!(
        lines[0]
            .starts_with("受理编号,标题,状态,途径,类别,镇街,承办单位,提交时间,办结期限,超期,电话")
    );
    assert!(
        text.contains("西樵百西村河涌发臭")
            && text.contains("待受理")
            && text.contains("138****5678")
    );
    assert!(!text.contains("13812345678"), "phones stay masked");

    let filtered = dispatcher
        .get_text("/staff/matters.csv?state=&q=%E6%B2%B3%E6%B6%8C")
        .await;
    assert_eq!(filtered.lines().count(), 2, "the filtered view only");

    let res = dispatcher.get("/staff/matters.xlsx?state=").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .contains("spreadsheetml")
    );
    let xml = xlsx_text(&res.bytes().await.expect("body"));
    assert!(
        xml.contains("西樵百西村河涌发臭")
            && xml.contains("受理编号")
            && xml.contains("138****5678")
    );

    // A leader's download has no phone column at all.
    let leader = app.staff("lead", "leader", None).await;
    let text = leader.get_text("/staff/matters.csv?state=").await;
    assert!(!text.contains("电话") && !text.contains("138"));
    // Others may not download.
    assert_eq!(
        browser()
            .get(app.url("/staff/matters.csv"))
            .send()
            .await
            .expect("GET")
            .status(),
        303
    );
    let volunteer = app.staff("vol", "volunteer", None).await;
    assert_eq!(volunteer.get("/staff/fund.csv").await.status(), 403);
    assert_eq!(dispatcher.get("/staff/matters.pdf").await.status(), 404);
}

#[tokio::test]
async fn a_large_inbox_streams_in_pieces() {
    let app = spawn_app().await;
    {
        use diesel::Connection;
        let mut conn = app.conn();
        let category = app.category_id("municipal");
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            for i in 0..2500 {
                let code = shishi::domain::tracking::generate("NH", &mut rand::rng());
                shishi::db::matters::insert_submitted(
                    c,
                    &shishi::db::matters::Intake {
                        code: &code,
                        channel: shishi::domain::Channel::Online,
                        source: shishi::domain::Source::Web,
                        category_id: category,
                        title: &format!("批量诉求第{i}件"),
                        description: "用于测试大批量导出的诉求内容。",
                        town_id: None,
                        place_id: None,
                        address: "",
                        citizen_name: None,
                        citizen_phone: Some("13900001111"),
                        received: chrono::Utc::now(),
                        due: None,
                        radio_date: None,
                        recorded_by: None,
                        unit_id: None,
                        requested_fen: None,
                        menu_item_id: None,
                        api: None,
                    },
                )?;
            }
            Ok(())
        })
        .expect("bulk insert");
    }
    let dispatcher = app.dispatcher().await;
    let text = dispatcher.get_text("/staff/matters.csv?state=").await;
    assert_eq!(text.lines().count(), 2501, "every page, not just the first");
    assert!(text.contains("批量诉求第0件") && text.contains("批量诉求第2499件"));
    let bytes = dispatcher
        .get("/staff/matters.xlsx?state=")
        .await
        .bytes()
        .await
        .expect("body");
    let xml = xlsx_text(&bytes);
    assert!(xml.contains("批量诉求第2499件"));
}

#[tokio::test]
async fn the_fund_ledger_and_dashboard_tables_download() {
    let app = spawn_app().await;
    let admin = app.staff("admin", "admin", None).await;
    admin
        .post_via(
            "/staff/fund",
            "/staff/fund/allocate",
            &[("amount", "150000000"), ("note", "首期拨付")],
        )
        .await;
    let csv = admin.get_text("/staff/fund.csv").await;
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("拨入") && csv.contains("¥150,000,000.00") && csv.contains("首期拨付"));
    let xml = xlsx_text(
        &admin
            .get("/staff/fund.xlsx")
            .await
            .bytes()
            .await
            .expect("body"),
    );
    assert!(xml.contains("首期拨付"));

    app.submit_valid().await;
    let csv = admin.get_text("/staff/dashboard.csv").await;
    assert!(csv.contains("响应率") && csv.contains("线上平台") && csv.contains("全部"));
    let bytes = admin
        .get("/staff/dashboard.xlsx")
        .await
        .bytes()
        .await
        .expect("body");
    let xml = xlsx_text(&bytes);
    assert!(
        xml.contains("各途径") && xml.contains("镇街和部门排名"),
        "one sheet per table"
    );
}

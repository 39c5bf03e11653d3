//! Downloads: CSV with a BOM and .xlsx, the page's columns, Chinese intact.

use std::io::Read;

use diesel::RunQueryDsl;

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
                        citizen_phone: Some("13900001111"),
                        ..intake(
                            &code,
                            category,
                            &format!("批量诉求第{i}件"),
                            "用于测试大批量导出的诉求内容。",
                        )
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

/// Reads a download to its end, or to the error that ends it; returns the
/// bytes that arrived and whether it ended cleanly.
async fn read_to_end(mut res: reqwest::Response) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    loop {
        match res.chunk().await {
            Ok(Some(piece)) => got.extend_from_slice(&piece),
            Ok(None) => return (got, true),
            Err(_) => return (got, false),
        }
    }
}

#[tokio::test]
async fn a_download_that_fails_midway_ends_broken_after_the_rows_it_sent() {
    let app = spawn_app().await;
    let ids = app.many_matters(3000, |i| format!("导出诉求第{i}件"));
    // A row that cannot be read, three pages in (oldest first): a state no
    // version of Shishi ever wrote.
    diesel::sql_query(format!(
        "UPDATE matters SET state = 'vanished' WHERE id = {}",
        ids[2500]
    ))
    .execute(&mut app.conn())
    .expect("break a row");
    let dispatcher = app.dispatcher().await;

    let res = dispatcher
        .get("/staff/matters.csv?state=&sort=oldest")
        .await;
    assert_eq!(res.status(), 200, "the download had started");
    let (bytes, clean) = read_to_end(res).await;
    assert!(!clean, "the client is told the file is incomplete");
    let text = String::from_utf8_lossy(&bytes);
    // The first two pages arrived before the reader reached the broken
    // row: the file is sent while it is read, not after.
    assert!(text.contains("导出诉求第0件") && text.contains("导出诉求第1999件"));
    assert!(!text.contains("导出诉求第2999件"));
    assert!(
        text.lines().count() > 2000,
        "{} lines",
        text.lines().count()
    );

    let res = dispatcher
        .get("/staff/matters.xlsx?state=&sort=oldest")
        .await;
    assert_eq!(res.status(), 200);
    let (_, clean) = read_to_end(res).await;
    assert!(!clean, "a broken workbook is not sent as a whole one");

    // Without the broken row, the same downloads end cleanly and whole.
    diesel::sql_query(format!(
        "UPDATE matters SET state = 'submitted' WHERE id = {}",
        ids[2500]
    ))
    .execute(&mut app.conn())
    .expect("mend the row");
    let (bytes, clean) = read_to_end(
        dispatcher
            .get("/staff/matters.csv?state=&sort=oldest")
            .await,
    )
    .await;
    assert!(clean);
    assert_eq!(String::from_utf8_lossy(&bytes).lines().count(), 3001);
    // The thread gives its turn back as it ends, just after its last piece.
    let ended = std::time::Instant::now();
    while app.state.downloads.running() > 0 && ended.elapsed().as_secs() < 10 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        app.state.downloads.running(),
        0,
        "every turn was given back"
    );
}

/// A download whose client reads its headers and then nothing at all: the
/// server's writes back up until the download's thread waits.
async fn stalled_download(app: &TestApp, cookie: &str, path: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.expect("headers");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

#[tokio::test]
async fn downloads_take_turns_and_the_rest_of_the_office_keeps_working() {
    let app = spawn_app().await;
    // About 8 MB of CSV: more than the socket buffers (4 MB at most for the
    // server's writes here) and the download's queue together, so a client
    // that reads nothing holds its download still.
    let long = "桂城街道夏北社区三巷十二号楼下路灯已经坏了一个多星期晚上很黑老人出行不便请尽快派人维修谢谢";
    app.many_matters(30_000, |i| format!("{long}{i}"));
    let dispatcher = app.dispatcher().await;
    app.add_user("exporter", "dispatcher", None);
    let (_, login) = app.login("exporter", PASSWORD).await;
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("shishi_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session")
        .to_owned();
    let path = "/staff/matters.csv?state=";

    // Two downloads whose clients read nothing: they hold both turns.
    assert_eq!(shishi::web::staff::export::Downloads::AT_ONCE, 2);
    let first = stalled_download(&app, &cookie, path).await;
    let second = stalled_download(&app, &cookie, path).await;
    assert_eq!(app.state.downloads.running(), 2);

    // A third waits for a turn: no answer while both are held.
    let third = tokio::spawn({
        let (client, url) = (dispatcher.client.clone(), dispatcher.url(path));
        async move {
            let res = client.get(&url).send().await.expect("third");
            read_to_end(res).await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(!third.is_finished(), "the third download waits its turn");
    assert_eq!(app.state.downloads.running(), 2);

    // Meanwhile the office works: pages that need the database answer.
    assert_eq!(dispatcher.get("/staff/matters").await.status(), 200);

    // The first client goes away: its turn passes to the third.
    drop(first);
    let (bytes, clean) = tokio::time::timeout(std::time::Duration::from_secs(120), third)
        .await
        .expect("the third got its turn")
        .expect("task");
    assert!(clean);
    assert_eq!(String::from_utf8_lossy(&bytes).lines().count(), 30_001);
    drop(second);
    assert_eq!(app.state.downloads.most(), 2, "never more than two at once");
}

/// Titles a spreadsheet would run as formulas if written as they are.
const HOSTILE: [&str; 4] = [
    "=HYPERLINK(\"http://evil.example/x\",\"点击查看\")",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+86 13812345678 路灯不亮",
    "-2+3 夏北三巷路灯不亮",
];

#[tokio::test]
async fn titles_that_look_like_formulas_stay_text_in_both_formats() {
    let app = spawn_app().await;
    for title in HOSTILE {
        let form = with(&app.valid_request().await, "title", title);
        assert_eq!(app.submit(&form).await.status(), 303, "{title}");
    }
    let dispatcher = app.dispatcher().await;
    let bytes = dispatcher
        .get("/staff/matters.csv?state=")
        .await
        .bytes()
        .await
        .expect("csv");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let titles: Vec<String> = reader
        .records()
        .map(|r| r.expect("a record")[1].to_owned())
        .collect();
    for title in HOSTILE {
        assert!(
            titles.contains(&format!("'{title}")),
            "{title} in {titles:?}"
        );
    }

    let bytes = dispatcher
        .get("/staff/matters.xlsx?state=")
        .await
        .bytes()
        .await
        .expect("xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut read = |name: &str| {
        let mut text = String::new();
        if let Ok(mut file) = zip.by_name(name) {
            file.read_to_string(&mut text).expect("xml");
        }
        text
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    // Strings are inline (large workbooks) or shared.
    let strings = sheet.clone() + &read("xl/sharedStrings.xml");
    let styles = read("xl/styles.xml");
    assert!(!sheet.contains("<f>"), "no cell is a formula");
    for title in HOSTILE {
        let escaped = title
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;");
        assert!(
            strings.contains(&escaped) || strings.contains(title),
            "{title} is a string"
        );
    }
    assert!(styles.contains("quotePrefix=\"1\""), "and marked as text");
}

//! `shishi demo` reproduces the district's figures, through real steps.

use crate::helpers::*;

#[tokio::test]
async fn the_demo_district_shows_the_seeds_figures_on_the_dashboard() {
    let app = spawn_app().await;
    let report = shishi::demo::load(&app.database_url, "NH").expect("demo loads");
    assert!(report.matters > 3500, "{}", report.matters);
    assert!(
        report.events > report.matters * 5,
        "every matter has a real timeline"
    );
    assert_eq!(report.accounts.len(), 5, "an account of each role");

    // A second load refuses clearly and changes nothing.
    let again = shishi::demo::load(&app.database_url, "NH")
        .err()
        .expect("refused");
    assert!(again.to_string().contains("not empty"), "{again}");
    assert_eq!(app.count("matters"), report.matters);

    app.add_user("inspector", "admin", None);
    let (client, _) = app.login("inspector", PASSWORD).await;
    let html = read(&client, &app, "/staff/dashboard").await;
    for figure in [
        "区领导认领 55 项，已验收通过 53 项",
        "谋划区级重点民生实事 153 项，已验收通过 153 项",
        "收集微实事 926 项，已办结 926 项",
        "42 支党员志愿服务队，110 项服务菜单",
        "已办结 2210 件",
        "¥150,000,000.00",
    ] {
        assert!(html.contains(figure), "dashboard shows {figure}");
    }
    // The fund adds up: total = used + reserved + balance.
    let fund = app.fund();
    assert_eq!(fund.allocated, 15_000_000_000);
    assert_eq!(fund.outstanding(), 0, "every micro-matter is settled");
    assert_eq!(
        fund.allocated,
        fund.spent + fund.outstanding() + fund.available()
    );
    assert!(fund.spent > 0 && fund.available() > 0);

    // Every page has something to show: open, overdue and unrated matters.
    let overdue = read(&client, &app, "/staff/overdue").await;
    assert!(overdue.contains("class=\"overdue\""));
    let unrated = read(
        &client,
        &app,
        "/staff/matters?state=resolved&channel=online",
    )
    .await;
    assert!(!unrated.contains("共 0 件"));
    let projects = app.get_text("/projects").await;
    assert!(projects.contains("河涌污水整治"));
    // A page at a time: 25 projects, and the way on.
    assert_eq!(projects.matches("class=\"project-title\"").count(), 25);
    assert!(projects.contains("rel=\"next\""));
    let last = app.get_text("/projects?channel=department&page=999").await;
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    // The fund's ledger in date order, newest first.
    let ledger = read(&client, &app, "/staff/fund").await;
    let dates: Vec<&str> = ledger
        .split("<tr><td>")
        .skip(1)
        .map(|row| &row[..row.find('<').expect("cell")])
        .collect();
    assert!(dates.len() > 10, "{} entries", dates.len());
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");

    // Each matter's state matches its last event.
    #[derive(diesel::QueryableByName)]
    struct Mismatch {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel::RunQueryDsl;
    let row: Mismatch = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM matters m WHERE m.state <> (
           SELECT e.to_state FROM events e WHERE e.matter_id = m.id AND e.to_state IS NOT NULL ORDER BY e.id DESC LIMIT 1)",
    )
    .get_result(&mut app.conn())
    .expect("query");
    assert_eq!(row.n, 0);
}

#[tokio::test]
async fn generated_matters_have_timelines_that_lead_to_their_state() {
    let app = spawn_app().await;
    let report = shishi::demo::generate(&app.database_url, 3000, "NH", 11).expect("generated");
    assert_eq!(report.matters, 3000);
    assert!(report.events > 3000 * 3, "{}", report.events);
    assert_eq!(app.count("matters"), 3000);

    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel::RunQueryDsl;
    let mismatched: N = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM matters m WHERE m.state <> (
           SELECT e.to_state FROM events e WHERE e.matter_id = m.id AND e.to_state IS NOT NULL ORDER BY e.id DESC LIMIT 1)
         OR m.version <> (SELECT COUNT(*) FROM events e WHERE e.matter_id = m.id)",
    )
    .get_result(&mut app.conn())
    .expect("query");
    assert_eq!(mismatched.n, 0, "state and version follow the events");
    let channels: N = diesel::sql_query("SELECT COUNT(DISTINCT channel) AS n FROM matters")
        .get_result(&mut app.conn())
        .expect("q");
    assert_eq!(channels.n, 5);
    let states: N = diesel::sql_query("SELECT COUNT(DISTINCT state) AS n FROM matters")
        .get_result(&mut app.conn())
        .expect("q");
    assert!(states.n >= 6, "{}", states.n);
    // On PostgreSQL the planner has its statistics at once (ANALYZE at the
    // end), not when autovacuum next comes by.
    if backend_name() == "postgresql" {
        let analyzed: N = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM pg_stats WHERE tablename IN ('matters', 'events')",
        )
        .get_result(&mut app.conn())
        .expect("q");
        assert!(analyzed.n > 10, "{}", analyzed.n);
    }

    // The ids it chose leave the next real submission a free one.
    app.submit_valid().await;
    assert_eq!(app.count("matters"), 3001);
}

/// The page at `path` as `client` (a logged-in browser) sees it.
async fn read(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.expect("GET");
    res.text().await.expect("body")
}

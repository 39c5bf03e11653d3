//! `spawn_app()` and the typed helpers the tests share.

use diesel::prelude::*;
use rand::Rng;
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use shishi::config::Settings;
use shishi::db::{self, AnyConnection};
use shishi::startup::Application;

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    /// A browser: keeps cookies, does not follow redirects.
    pub client: Client,
    /// The server's shared state, for what only the server knows (the
    /// downloads running now, say).
    pub state: actix_web::web::Data<shishi::web::AppState>,
    /// `/metrics`, when the settings asked for a metrics address.
    pub metrics_url: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

/// The backend the tests run on, for messages.
pub fn backend_name() -> &'static str {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        "postgresql"
    } else {
        "sqlite"
    }
}

pub fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) => {
            let name = format!("shishi_test_{:016x}", rand::rng().random::<u64>());
            let mut admin = db::open(&admin_url).expect("connect to TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .expect("create test database");
            let base = admin_url.split('?').next().unwrap_or(&admin_url);
            let (server, _) = base
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL names a database");
            (format!("{server}/{name}"), None)
        }
        Err(_) => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("shishi.db");
            (path.to_string_lossy().into_owned(), Some(dir))
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (database_url, dir) = fresh_database();
    let mut settings = Settings::new(database_url.clone());
    settings.bind = "127.0.0.1:0".into();
    settings.workers = Some(1);
    settings.pool_size = Some(4);
    settings.submit_burst = 1000;
    settings.submit_per_hour = 1000;
    // Figures counted afresh on every request, so tests see their own changes.
    settings.measures_ttl_secs = 0;
    configure(&mut settings);
    let app = Application::build(settings).expect("app starts");
    tokio::spawn(app.server);
    let metrics_url = app.metrics.map(|m| {
        tokio::spawn(m.server);
        format!("http://{}/metrics", m.address)
    });
    TestApp {
        address: format!("http://127.0.0.1:{}", app.port),
        database_url,
        client: browser(),
        state: app.state,
        metrics_url,
        _dir: dir,
    }
}

impl TestApp {
    /// A second server on this app's database (as a second instance behind
    /// a load balancer would be); returns its base URL.
    pub fn second_instance(&self) -> String {
        self.second_instance_with(|_| {})
    }

    /// [`TestApp::second_instance`] with some settings of its own.
    pub fn second_instance_with(&self, configure: impl FnOnce(&mut Settings)) -> String {
        let mut settings = Settings::new(self.database_url.clone());
        settings.bind = "127.0.0.1:0".into();
        settings.workers = Some(2);
        settings.pool_size = Some(4);
        settings.measures_ttl_secs = 0;
        configure(&mut settings);
        let app = Application::build(settings).expect("second instance starts");
        tokio::spawn(app.server);
        format!("http://127.0.0.1:{}", app.port)
    }
}

/// A new browser with its own cookies.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// A browser whose every request says it was forwarded for `client`.
pub fn forwarded_for(client: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        reqwest::header::HeaderValue::from_str(client).expect("header"),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

/// The hidden CSRF field of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    let end = html[start..].find('"').expect("field ends");
    html[start..start + end].to_owned()
}

/// The `value` of the first `<option>` whose label contains `label`.
pub fn option_value(html: &str, label: &str) -> String {
    let at = html
        .find(&format!(">{label}"))
        .unwrap_or_else(|| panic!("no option {label}"));
    let open = html[..at].rfind("value=\"").expect("option has a value") + 7;
    let close = html[open..].find('"').expect("value ends");
    html[open..open + close].to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    pub fn conn(&self) -> AnyConnection {
        db::open(&self.database_url).expect("open test database")
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let row: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result(&mut self.conn())
            .expect("count");
        row.n
    }

    /// A complete, valid request form with this browser's CSRF token.
    pub async fn valid_request(&self) -> Vec<(String, String)> {
        let html = self.get_text("/submit").await;
        vec![
            ("csrf_token".into(), csrf_of(&html)),
            ("category".into(), option_value(&html, "市政设施")),
            ("title".into(), "夏北三巷路灯不亮".into()),
            (
                "description".into(),
                "夏北社区三巷的路灯已经坏了一个星期，晚上很黑。".into(),
            ),
            ("place".into(), option_value(&html, "夏北社区")),
            ("address".into(), "夏北三巷12号".into()),
            ("name".into(), "陈美玲".into()),
            ("phone".into(), "13812345678".into()),
            ("consent".into(), "yes".into()),
        ]
    }

    pub async fn submit(&self, form: &[(String, String)]) -> Response {
        self.client
            .post(self.url("/submit"))
            .form(form)
            .send()
            .await
            .expect("POST /submit")
    }

    /// Submits a valid request and returns its tracking code.
    pub async fn submit_valid(&self) -> String {
        let form = self.valid_request().await;
        let res = self.submit(&form).await;
        assert_eq!(res.status(), 303, "on {}", backend_name());
        let location = res.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        location
            .strip_prefix("/track/")
            .and_then(|l| l.strip_suffix("?new=1"))
            .expect("redirect to the receipt")
            .to_owned()
    }
}

/// The tracking code a submission's answer (303 to its receipt) names.
pub fn code_in(res: &Response) -> String {
    res.headers()["location"]
        .to_str()
        .expect("location")
        .trim_start_matches("/track/")
        .trim_end_matches("?new=1")
        .to_owned()
}

/// Posts a rating form (`/track/{code}/rate`) as a citizen's browser does.
pub async fn post_rating(
    client: &Client,
    url: String,
    csrf: &str,
    version: &str,
    digits: &str,
    rating: &str,
) -> Response {
    client
        .post(url)
        .form(&[
            ("csrf_token", csrf),
            ("version", version),
            ("digits", digits),
            ("rating", rating),
        ])
        .send()
        .await
        .expect("POST rating")
}

/// Replaces one field of a form.
pub fn with(form: &[(String, String)], field: &str, value: &str) -> Vec<(String, String)> {
    form.iter()
        .map(|(k, v)| {
            if k == field {
                (k.clone(), value.to_owned())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

/// Drops one field of a form.
pub fn without(form: &[(String, String)], field: &str) -> Vec<(String, String)> {
    form.iter().filter(|(k, _)| k != field).cloned().collect()
}

/// A staff member's browser, logged in.
pub struct Staff {
    pub client: Client,
    pub username: String,
    base: String,
}

pub const PASSWORD: &str = "s3cret-passw0rd";

impl TestApp {
    /// Creates an account the way `shishi user add` does.
    pub fn add_user(&self, username: &str, role: &str, unit: Option<&str>) {
        shishi::app::accounts::add_user(
            &mut self.conn(),
            &shishi::app::accounts::UserSpec {
                username,
                display_name: username,
                role,
                unit_code: unit,
                password: PASSWORD,
            },
        )
        .expect("user added");
    }

    /// Logs a fresh browser in; returns the login's response too.
    pub async fn login(&self, username: &str, password: &str) -> (Client, Response) {
        let client = browser();
        let html = client
            .get(self.url("/staff/login"))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        let res = client
            .post(self.url("/staff/login"))
            .form(&[
                ("csrf_token", csrf_of(&html).as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .expect("POST login");
        (client, res)
    }

    /// A new account of this role (and unit), logged in.
    pub async fn staff(&self, username: &str, role: &str, unit: Option<&str>) -> Staff {
        self.add_user(username, role, unit);
        let (client, res) = self.login(username, PASSWORD).await;
        assert_eq!(res.status(), 303, "{username} logs in");
        Staff {
            client,
            username: username.into(),
            base: self.address.clone(),
        }
    }

    pub async fn dispatcher(&self) -> Staff {
        self.staff("dispatcher1", "dispatcher", None).await
    }

    /// The id of the matter with this tracking code.
    pub fn matter_id(&self, code: &str) -> i64 {
        use shishi::db::schema::matters;
        matters::table
            .filter(matters::code.eq(code))
            .select(matters::id)
            .first(&mut self.conn())
            .expect("matter")
    }

    pub fn matter_state(&self, id: i64) -> String {
        use shishi::db::schema::matters;
        matters::table
            .find(id)
            .select(matters::state)
            .first(&mut self.conn())
            .expect("matter")
    }

    /// The id of the unit with this code.
    pub fn unit_id(&self, code: &str) -> i64 {
        use shishi::db::schema::units;
        units::table
            .filter(units::code.eq(code))
            .select(units::id)
            .first(&mut self.conn())
            .expect("unit")
    }
}

/// The hidden `version` field of a matter page.
pub fn version_of(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("page has a version field") + marker.len();
    let end = html[start..].find('"').expect("field ends");
    html[start..start + end].to_owned()
}

impl Staff {
    /// The same browser (and session), talking to another server.
    pub fn via(&self, base: &str) -> Staff {
        Staff {
            client: self.client.clone(),
            username: self.username.clone(),
            base: base.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// Takes an action on a matter through its page's form.
    pub async fn act(&self, id: i64, action: &str, fields: &[(&str, &str)]) -> Response {
        let html = self.get_text(&format!("/staff/matters/{id}")).await;
        let csrf = csrf_of(&html);
        let version = version_of(&html);
        self.act_at(id, action, &version, &csrf, fields).await
    }

    /// Posts an action form as loaded earlier, at `version`.
    pub async fn act_at(
        &self,
        id: i64,
        action: &str,
        version: &str,
        csrf: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf), ("version", version)];
        form.extend_from_slice(fields);
        self.client
            .post(self.url(&format!("/staff/matters/{id}/{action}")))
            .form(&form)
            .send()
            .await
            .expect("POST action")
    }

    /// Takes an action and insists it worked.
    pub async fn must(&self, id: i64, action: &str, fields: &[(&str, &str)]) {
        let res = self.act(id, action, fields).await;
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(
            status,
            303,
            "{} {action} on {}: {}",
            self.username,
            backend_name(),
            body.chars().take(3000).collect::<String>()
        );
    }
}

impl Staff {
    /// Fills the form at `path` (for its CSRF token) and posts `fields` to `action`.
    pub async fn post_via(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let html = self.get_text(page).await;
        let csrf = csrf_of(&html);
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(self.url(action))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// Plans a matter through one of the planning forms; returns its id.
    pub async fn plan(&self, path: &str, fields: &[(&str, &str)]) -> i64 {
        let res = self.post_via(path, path, fields).await;
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(
            status,
            303,
            "plan {path}: {}",
            body.chars().take(2000).collect::<String>()
        );
        location
            .trim_start_matches("/staff/matters/")
            .parse()
            .expect("matter id")
    }
}

/// What a stored matter says (see [`TestApp::store_online`]).
pub struct Texts {
    pub title: String,
    pub description: String,
    pub address: String,
    pub phone: Option<String>,
}

impl TestApp {
    /// Stores `n` online matters straight into the tables (many rows a
    /// statement), received a minute apart in the order of `i`, titled by
    /// `title(i)`; returns their ids in that order.
    pub fn many_matters(&self, n: usize, title: impl Fn(usize) -> String) -> Vec<i64> {
        let texts = (0..n).map(|i| Texts {
            title: title(i),
            description: "用于测试导出的诉求内容。".into(),
            address: String::new(),
            phone: Some("13900001111".into()),
        });
        self.store_online(30, texts)
    }

    /// Stores online matters with these texts straight into the tables,
    /// received a minute apart from `days_ago` on, in order; returns their
    /// ids in that order.
    pub fn store_online(&self, days_ago: i64, texts: impl Iterator<Item = Texts>) -> Vec<i64> {
        let first = shishi::db::bulk::next_matter_id(&mut self.conn()).expect("next id");
        self.store_online_at(first, days_ago, texts)
    }

    /// [`Self::store_online`], numbered from id `first` on (above every
    /// matter stored before).
    pub fn store_online_at(
        &self,
        first: i64,
        days_ago: i64,
        texts: impl Iterator<Item = Texts>,
    ) -> Vec<i64> {
        use shishi::db::bulk::{BulkMatter, write};
        use shishi::domain::{Channel, Source, State};
        let mut conn = self.conn();
        let category = self.category_id("municipal");
        let start = chrono::Utc::now() - chrono::Duration::days(days_ago);
        let batch: Vec<BulkMatter> = texts
            .enumerate()
            .map(|(i, t)| {
                let at = (start + chrono::Duration::minutes(i as i64)).naive_utc();
                BulkMatter {
                    id: first + i as i64,
                    code: shishi::domain::tracking::generate("NH", &mut rand::rng()),
                    channel: Channel::Online,
                    source: Source::Web,
                    state: State::Submitted,
                    category_id: category,
                    title: t.title,
                    description: t.description,
                    town_id: None,
                    place_id: None,
                    address: t.address,
                    citizen_name: None,
                    citizen_phone: t.phone,
                    unit_id: None,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                    sign_due_at: None,
                    due_at: None,
                    accepted_at: None,
                    dispatched_at: None,
                    signed_at: None,
                    resolved_at: None,
                    closed_at: None,
                    rating: None,
                    search: None,
                }
            })
            .collect();
        write(&mut conn, &batch, &[]).expect("bulk insert");
        shishi::db::bulk::sync_sequences(&mut conn).expect("sequences");
        batch.iter().map(|m| m.id).collect()
    }

    /// A new Open311 API key, made by an administrator under 系统管理.
    pub async fn api_key(&self) -> String {
        let admin = self.staff("keymaster", "admin", None).await;
        let res = admin
            .post_via(
                "/staff/admin",
                "/staff/admin/keys",
                &[("client", "市民通 App")],
            )
            .await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.expect("body");
        let marker = "<code id=\"new-key\">";
        let start = html.find(marker).expect("key shown") + marker.len();
        let end = html[start..].find("</code>").expect("end");
        html[start..start + end].to_owned()
    }

    /// A matter's column, as text, for assertions.
    pub fn matter_field(&self, id: i64, column: &str) -> Option<String> {
        #[derive(QueryableByName)]
        struct Field {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            v: Option<String>,
        }
        let row: Field = diesel::sql_query(format!(
            "SELECT CAST({column} AS TEXT) AS v FROM matters WHERE id = {id}"
        ))
        .get_result(&mut self.conn())
        .expect("field");
        row.v
    }

    pub fn fund(&self) -> shishi::domain::money::Fund {
        shishi::db::fund::position(&mut self.conn()).expect("fund")
    }

    pub fn category_id(&self, code: &str) -> i64 {
        use shishi::db::schema::categories;
        categories::table
            .filter(categories::code.eq(code))
            .select(categories::id)
            .first(&mut self.conn())
            .expect("category")
    }
}

/// `q` percent-encoded for a query string.
pub fn encode(q: &str) -> String {
    let pair = serde_urlencoded::to_string([("q", q)]).expect("encode");
    pair["q=".len()..].to_owned()
}

/// A web request to store with `db::matters::insert_submitted` (or with a
/// fresh code): no place, phone, deadline or recorder; change what a test
/// needs with `..intake(…)`.
pub fn intake<'a>(
    code: &'a str,
    category_id: i64,
    title: &'a str,
    description: &'a str,
) -> shishi::db::matters::Intake<'a> {
    shishi::db::matters::Intake {
        code,
        channel: shishi::domain::Channel::Online,
        source: shishi::domain::Source::Web,
        category_id,
        title,
        description,
        town_id: None,
        place_id: None,
        address: "",
        citizen_name: None,
        citizen_phone: None,
        received: chrono::Utc::now(),
        due: None,
        radio_date: None,
        recorded_by: None,
        unit_id: None,
        requested_fen: None,
        menu_item_id: None,
        api: None,
    }
}

//! The binary itself: `migrate`, and `serve` with no configuration.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn shishi() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shishi"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("SHISHI_BIND")
        .env_remove("SHISHI_POOL_SIZE")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn migrate_creates_the_sqlite_file_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let out = shishi()
        .args(["migrate", "--database-url", &url])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        said.starts_with("sqlite: ")
            && said.contains("migration(s) applied")
            && !said.contains(": 0 "),
        "{said}"
    );
    assert!(dir.path().join("x.db").exists());
    let again = shishi()
        .args(["migrate"])
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 migration(s)"));
}

#[test]
fn a_bad_postgres_url_fails_clearly_and_creates_no_file() {
    let dir = tempfile::tempdir().expect("dir");
    let out = shishi()
        .current_dir(dir.path())
        .args([
            "migrate",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect to the database"));
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn serve_with_no_configuration_uses_a_sqlite_file_in_the_working_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = shishi()
        .current_dir(dir.path())
        .env("SHISHI_BIND", format!("127.0.0.1:{port}"))
        .args(["serve", "--workers", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let started = Instant::now();
    let mut health = None;
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(answer) = get(port, "/healthz") {
            health = Some(answer);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let health = health.expect("the server answered");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(dir.path().join("shishi.db").exists());
}

#[test]
fn users_are_added_with_a_password_from_stdin_listed_and_disabled() {
    let dir = tempfile::tempdir().expect("dir");
    let url = dir.path().join("u.db").display().to_string();
    let add = |args: &[&str], password: &str| {
        let mut child = shishi()
            .args(["user", "add"])
            .args(args)
            .env("DATABASE_URL", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run");
        if let Some(mut stdin) = child.stdin.take() {
            writeln!(stdin, "{password}").expect("write password");
        }
        child.wait_with_output().expect("wait")
    };
    let out = add(
        &[
            "chen",
            "--role",
            "unit",
            "--unit",
            "GC",
            "--display-name",
            "陈承办",
        ],
        "long-enough-1",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = add(&["wang", "--role", "dispatcher"], "long-enough-2");
    assert!(out.status.success());

    // Clear refusals.
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["x", "--role", "unit"],
            "long-enough",
            "unit staff need --unit",
        ),
        (&["x", "--role", "king"], "long-enough", "unknown role"),
        (
            &["x", "--role", "unit", "--unit", "ZZ"],
            "long-enough",
            "no unit with code ZZ",
        ),
        (&["x", "--role", "admin"], "short", "at least 8"),
        (
            &["chen", "--role", "admin"],
            "long-enough",
            "already exists",
        ),
    ];
    for (args, password, message) in cases {
        let out = add(args, password);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let list = shishi()
        .args(["user", "list"])
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("chen")
            && text.contains("GC")
            && text.contains("陈承办")
            && text.contains("active")
    );
    assert!(!text.contains("long-enough"), "no password is printed");

    let out = shishi()
        .args(["user", "disable", "chen"])
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(out.status.success());
    let list = shishi()
        .args(["user", "list"])
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&list.stdout).contains("disabled"));
    let out = shishi()
        .args(["user", "disable", "nobody"])
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(!out.status.success());
}

/// The pool's size as the server reports it at /metrics, started with
/// `extra` arguments and environment.
fn pool_size_served(extra: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let (port, metrics) = (free_port(), free_port());
    let url = format!("sqlite://{}", dir.path().join("pool.db").display());
    let mut child = shishi()
        .args(["--database-url", &url, "serve", "--workers", "1"])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--metrics-bind", &format!("127.0.0.1:{metrics}")])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let started = Instant::now();
    let mut found = None;
    while started.elapsed() < Duration::from_secs(20) && found.is_none() {
        found = get(metrics, "/metrics").and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("shishi_db_pool_size "))
                .map(str::to_owned)
        });
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    found.expect("the pool's size at /metrics")
}

#[test]
fn the_pool_is_as_large_as_told_or_sixteen_on_sqlite() {
    assert_eq!(pool_size_served(&[], &[]), "16");
    assert_eq!(pool_size_served(&["--pool-size", "7"], &[]), "7");
    assert_eq!(pool_size_served(&[], &[("SHISHI_POOL_SIZE", "3")]), "3");
}

/// A free local port.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

/// `shishi serve` on `url`, answering on the port it returns.
fn serve(url: &str) -> (std::process::Child, u16) {
    let port = free_port();
    let mut child = shishi()
        .args(["--database-url", url, "serve", "--workers", "1"])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if get(port, "/healthz").is_some_and(|a| a.starts_with("HTTP/1.1 200")) {
            return (child, port);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

fn run(args: &[&str]) -> std::process::Output {
    shishi().args(args).output().expect("run")
}

/// Stores `n` requests straight through the library; returns their codes.
fn store_requests(url: &str, n: usize) -> Vec<String> {
    let mut conn = shishi::db::open(url).expect("open");
    (0..n)
        .map(|i| {
            let code = shishi::domain::tracking::generate("NH", &mut rand::rng());
            shishi::db::matters::insert_submitted(
                &mut conn,
                &shishi::db::matters::Intake {
                    code: &code,
                    channel: shishi::domain::Channel::Online,
                    source: shishi::domain::Source::Web,
                    category_id: 1,
                    title: &format!("备份测试第{i}件"),
                    description: "用于测试备份与匿名化。",
                    town_id: None,
                    place_id: None,
                    address: "",
                    citizen_name: Some("张三"),
                    citizen_phone: Some("13812345678"),
                    received: chrono::Utc::now(),
                    due: None,
                    radio_date: None,
                    recorded_by: None,
                    unit_id: None,
                    requested_fen: None,
                    menu_item_id: None,
                    api: None,
                },
            )
            .expect("insert");
            code
        })
        .collect()
}

#[test]
fn a_live_database_is_backed_up_and_the_copy_serves() {
    let dir = tempfile::tempdir().expect("dir");
    let url = dir.path().join("live.db").display().to_string();
    assert!(run(&["--database-url", &url, "migrate"]).status.success());
    let before = store_requests(&url, 50);
    let (mut server, _) = serve(&url);
    // Writes go on while the copy is taken.
    let writer = {
        let url = url.clone();
        std::thread::spawn(move || store_requests(&url, 200))
    };
    let copy = dir.path().join("copy.db").display().to_string();
    let out = run(&["--database-url", &url, "backup", &copy]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.join().expect("writer");
    // A second backup to the same file is refused, not overwritten.
    let again = run(&["--database-url", &url, "backup", &copy]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    let _ = server.kill();
    let _ = server.wait();

    // The copy is whole and consistent, and serves every request it holds.
    let check = run(&["--database-url", &copy, "check"]);
    let report = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(
        check.status.success() && report.contains("sound"),
        "{report}"
    );
    let held: usize = report
        .lines()
        .find_map(|l| l.strip_prefix("matters: "))
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!((50..=250).contains(&held), "{held}");
    let (mut restored, port) = serve(&copy);
    for code in &before {
        let answer = get(port, &format!("/track/{code}")).expect("answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{code}");
    }
    let _ = restored.kill();
    let _ = restored.wait();
}

#[test]
fn anonymize_forgets_who_asked_once_a_matter_has_long_ended_and_keeps_every_figure() {
    use diesel::prelude::*;
    use shishi::db::schema::matters;
    let dir = tempfile::tempdir().expect("dir");
    let url = dir.path().join("a.db").display().to_string();
    assert!(run(&["--database-url", &url, "migrate"]).status.success());
    let codes = store_requests(&url, 4);
    let mut conn = shishi::db::open(&url).expect("open");
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(400)).naive_utc();
    let lately = (chrono::Utc::now() - chrono::Duration::days(10)).naive_utc();
    // Closed long ago, closed lately, rejected long ago, still open.
    for (code, state, at) in [
        (&codes[0], "closed", long_ago),
        (&codes[1], "closed", lately),
        (&codes[2], "rejected", long_ago),
    ] {
        diesel::update(matters::table.filter(matters::code.eq(code)))
            .set((
                matters::state.eq(state),
                matters::closed_at.eq((state == "closed").then_some(at)),
                matters::updated_at.eq(at),
            ))
            .execute(&mut conn)
            .expect("update");
    }
    let before_events: i64 = shishi::db::schema::events::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    // Photos: the citizen's and staff's of the one closed long ago, the
    // citizen's of the one closed lately.
    let id_of = |conn: &mut shishi::db::AnyConnection, code: &str| -> i64 {
        matters::table
            .filter(matters::code.eq(code))
            .select(matters::id)
            .first(conn)
            .expect("id")
    };
    let mut photo = |code: &str, by_citizen: bool| {
        let matter_id = id_of(&mut conn, code);
        let row = shishi::db::photos::NewRow {
            matter_id,
            matter_version: 1,
            by_citizen,
            public: true,
            image: Some((b"jpeg", b"thumb", 1, 1)),
            link: None,
        };
        shishi::db::photos::insert(&mut conn, &mut rand::rng(), &row, chrono::Utc::now())
            .expect("photo")
    };
    let citizens_old = photo(&codes[0], true);
    let staffs_old = photo(&codes[0], false);
    let citizens_lately = photo(&codes[1], true);

    let out = run(&["--database-url", &url, "anonymize", "--older-than", "365"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 matter(s) anonymized"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 citizen photo(s) removed"));
    let photos: Vec<String> = shishi::db::schema::photos::table
        .select(shishi::db::schema::photos::token)
        .load(&mut conn)
        .expect("photos");
    assert!(
        !photos.contains(&citizens_old),
        "the citizen's photo is gone"
    );
    assert!(
        photos.contains(&staffs_old),
        "staff's photo of the work stays"
    );
    assert!(photos.contains(&citizens_lately), "not yet past retention");
    let people: Vec<(String, Option<String>, Option<String>)> = matters::table
        .order(matters::id)
        .select((matters::code, matters::citizen_name, matters::citizen_phone))
        .load(&mut conn)
        .expect("load");
    for (code, name, phone) in &people {
        let forgotten = code == &codes[0] || code == &codes[2];
        assert_eq!(name.is_none(), forgotten, "{code}");
        assert_eq!(phone.is_none(), forgotten, "{code}");
    }
    assert_eq!(people.len(), 4, "every matter stays");
    let after_events: i64 = shishi::db::schema::events::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(before_events, after_events, "every timeline stays");
    // Running it again changes nothing more.
    let out = run(&["--database-url", &url, "anonymize", "--older-than", "365"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 matter(s) anonymized"));
}

#[test]
fn the_demo_stops_with_a_message_when_the_database_cannot_be_migrated() {
    // A SQLite file some other program made, with a `matters` table of its
    // own: the first migration cannot create Shishi's.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("other.db");
    let url = path.display().to_string();
    {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::SqliteConnection::establish(&url).expect("open");
        diesel::sql_query("CREATE TABLE matters (x INTEGER)")
            .execute(&mut c)
            .expect("table");
    }
    for args in [&["demo"][..], &["demo", "--matters", "3"][..]] {
        let out = shishi()
            .args(["--database-url", &url])
            .args(args)
            .output()
            .expect("run");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {said}");
        assert!(
            said.contains("cannot migrate the database"),
            "{args:?}: {said}"
        );
    }
}

/// Sends one request and reads the whole answer.
fn exchange(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_before_the_server_exits() {
    let dir = tempfile::tempdir().expect("dir");
    let url = dir.path().join("t.db").display().to_string();
    let port = free_port();
    let mut server = shishi()
        .args(["--database-url", &url, "serve", "--workers", "1"])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    // The server's log, line by line, as it comes.
    let (lines, log) = std::sync::mpsc::channel::<String>();
    let stderr = server.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let wait_for = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Ok(line) = log.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            if line.contains(what) {
                return;
            }
        }
        panic!("the server never logged {what:?}");
    };
    wait_for("listening on");
    // A login form: its CSRF cookie and token.
    let form = exchange(
        port,
        "GET /staff/login HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n",
    );
    let cookie = form
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_owned();
    let marker = "name=\"csrf_token\" value=\"";
    let start = form.find(marker).expect("a token") + marker.len();
    let token = &form[start..start + form[start..].find('"').expect("end")];
    let body = format!("csrf_token={token}&username=nobody&password=wrong-password");
    let failed_login = format!(
        "POST /staff/login HTTP/1.1\r\nHost: l\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len(),
    );
    // After three failures each attempt is held back a second: a slow request.
    for _ in 0..3 {
        exchange(port, &failed_login);
    }
    let slow = {
        let request = failed_login.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            (exchange(port, &request), started.elapsed())
        })
    };
    // Signal once the server says it holds the request back (a second),
    // a third of the way into that second.
    wait_for("held back 1000 ms");
    std::thread::sleep(Duration::from_millis(300));
    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let (answer, took) = slow.join().expect("request");
    assert!(
        (answer.starts_with("HTTP/1.1 401") || answer.starts_with("HTTP/1.1 200"))
            && answer.contains("</html>"),
        "the request in flight got no whole answer after {took:?}: {:?}",
        answer.lines().next()
    );
    assert!(
        took >= Duration::from_millis(900),
        "it was held back: {took:?}"
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server exits"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a clean exit: {status:?}");
    // And no new connection is taken after it.
    assert!(get(port, "/healthz").is_none());
}

#[test]
fn every_request_is_one_json_line_with_its_id_and_no_citizen_in_the_log() {
    let dir = tempfile::tempdir().expect("dir");
    let url = dir.path().join("log.db").display().to_string();
    let port = free_port();
    let mut server = shishi()
        .args(["--database-url", &url, "--log-format", "json", "serve"])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let started = Instant::now();
    while get(port, "/healthz").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server starts"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // A citizen's request, with a name and a phone that must not be logged.
    let form = exchange(
        port,
        "GET /submit HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n",
    );
    let cookie = form
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_owned();
    let value_after = |marker: &str| {
        let start = form.find(marker).expect(marker) + marker.len();
        form[start..start + form[start..].find('"').expect("end")].to_owned()
    };
    let token = value_after("name=\"csrf_token\" value=\"");
    let option = |label: &str| {
        let at = form.find(label).expect(label);
        let open = form[..at].rfind("value=\"").expect("value") + 7;
        form[open..open + form[open..].find('"').expect("end")].to_owned()
    };
    let (category, place) = (option(">市政设施"), option(">夏北社区"));
    let body = format!(
        "csrf_token={token}&category={category}&title=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE\
         &description=%E5%A4%8F%E5%8C%97%E4%B8%89%E5%B7%B7%E8%B7%AF%E7%81%AF%E5%9D%8F%E4%BA%86%E4%B8%80%E5%91%A8\
         &place={place}&address=%E5%A4%8F%E5%8C%97%E4%B8%89%E5%B7%B712%E5%8F%B7\
         &name=%E9%BB%84%E4%BC%AF%E4%BC%AF&phone=13912345678&consent=yes"
    );
    let answer = exchange(
        port,
        &format!(
            "POST /submit HTTP/1.1\r\nHost: l\r\nConnection: close\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let id = answer
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("an id")
        .trim()
        .to_owned();
    // The search box is another way a phone could reach a log line.
    exchange(
        port,
        "GET /staff/matters?q=13912345678 HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n",
    );
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    let mut log = String::new();
    server
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("log");
    server.wait().expect("exit");

    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let submit = lines
        .iter()
        .find(|l| {
            l["target"] == "shishi::request" && l["route"] == "/submit" && l["method"] == "POST"
        })
        .expect("the submission's line");
    assert_eq!(submit["id"], id.as_str());
    assert_eq!(submit["status"], 303);
    assert_eq!(submit["client"], "127.0.0.1");
    assert!(submit["ms"].is_u64() && submit["ts"].is_string() && submit["level"] == "INFO");
    let search = lines
        .iter()
        .find(|l| l["route"] == "/staff/matters")
        .expect("the search's line");
    assert_eq!(search["status"], 303, "to the login page");
    assert!(
        !log.contains("13912345678") && !log.contains("黄伯伯"),
        "{log}"
    );
}

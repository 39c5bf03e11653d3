//! The binary itself: `migrate`, and `serve` with no configuration.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn shishi() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shishi"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("SHISHI_BIND")
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

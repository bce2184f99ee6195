//! The merchant's settings file through the real binary: `--check-config` reports every
//! problem with its key and exits 2, a server refuses to start on a bad file, and the
//! availability it sets reaches the widget with its session.

mod common;

use common::process::{spawn, Process, SHOP};
use serde_json::{json, Value};

fn settings_file(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("connect360.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn server_binary() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_connect360-server"))
}

#[test]
fn check_config_lists_every_problem_with_its_key_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = settings_file(
        &dir,
        "[availability]\ntimezone = \"Nowhere/City\"\nmon = \"18:00-09:00\"\nreply_minutes = -3\n",
    );
    let output = server_binary()
        .arg("--check-config")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    for key in [
        "availability.timezone: \"Nowhere/City\"",
        "availability.mon: \"18:00-09:00\" ends before it starts",
        "availability.reply_minutes: must be a whole number",
    ] {
        assert!(said.contains(key), "{key} missing from {said}");
    }

    let good = settings_file(
        &dir,
        "[availability]\ntimezone = \"UTC\"\nmon = \"09:00-17:00\"\n",
    );
    let output = server_binary()
        .arg("--check-config")
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("valid"));
}

#[test]
fn a_server_does_not_start_on_a_bad_or_missing_settings_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = settings_file(&dir, "[availabilty]\nreply_minutes = 5\n");
    for (file, says) in [
        (bad, "availabilty: is not a setting"),
        (dir.path().join("missing.toml"), "cannot be read"),
    ] {
        let output = server_binary()
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--config")
            .arg(&file)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(says), "{said}");
    }
}

async fn session_of(server: &Process) -> Value {
    connect360_server::upstream::install_tls_provider();
    let response = reqwest::Client::new()
        .post(format!("{}/api/widget/session", server.base))
        .header("origin", SHOP)
        .json(&json!({"channelIdentifier": "example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_session_tells_the_widget_whether_the_team_is_in() {
    let dir = tempfile::tempdir().unwrap();
    // Always in, with a reply time: online, nothing changes within the horizon.
    let open = settings_file(
        &dir,
        "[availability]\ntimezone = \"Asia/Tokyo\"\nmon = \"00:00-24:00\"\ntue = \"00:00-24:00\"\nwed = \"00:00-24:00\"\nthu = \"00:00-24:00\"\nfri = \"00:00-24:00\"\nsat = \"00:00-24:00\"\nsun = \"00:00-24:00\"\nreply_minutes = 7\n",
    );
    let server = spawn(&["--no-demo-bot", "--config", open.to_str().unwrap()], &[]).await;
    assert_eq!(
        session_of(&server).await["availability"],
        json!({"online": true, "replyMinutes": 7})
    );
    drop(server);

    // Closed every day: away, with no return time.
    let closed = settings_file(
        &dir,
        "[availability]\ntimezone = \"UTC\"\nmon = \"closed\"\n",
    );
    let server = spawn(
        &["--no-demo-bot", "--config", closed.to_str().unwrap()],
        &[],
    )
    .await;
    assert_eq!(
        session_of(&server).await["availability"],
        json!({"online": false})
    );
    drop(server);

    // Weekdays only, in a zone far from UTC: when away, the return is a future instant on
    // the hour; when in, the closing time is.
    let weekdays = settings_file(
        &dir,
        "[availability]\ntimezone = \"Pacific/Auckland\"\nmon = \"09:00-17:00\"\ntue = \"09:00-17:00\"\nwed = \"09:00-17:00\"\nthu = \"09:00-17:00\"\nfri = \"09:00-17:00\"\n",
    );
    let server = spawn(
        &["--no-demo-bot", "--config", weekdays.to_str().unwrap()],
        &[],
    )
    .await;
    let availability = session_of(&server).await["availability"].clone();
    let changes_at = availability["changesAt"]
        .as_str()
        .expect("a change within two weeks");
    let changes_at = connect360_server::clock::parse_millis(changes_at).unwrap();
    let now = connect360_server::clock::now_millis();
    assert!(
        changes_at > now && changes_at - now <= 3 * 24 * 3_600_000,
        "{availability}"
    );
    assert_eq!(
        changes_at % 3_600_000,
        0,
        "on the hour in Auckland (UTC+12/+13)"
    );

    // Without --config: nothing is said.
    let plain = spawn(&["--no-demo-bot"], &[]).await;
    assert!(session_of(&plain).await.get("availability").is_none());
}

#[test]
fn the_demo_ships_a_valid_settings_file_with_opening_hours() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/connect360.toml");
    let settings = connect360_server::settings::Settings::load(&demo).unwrap();
    let availability = settings
        .availability
        .expect("the demo shows its opening hours");
    assert!(availability.hours.is_some());
    assert_eq!(availability.reply_minutes, Some(5));
    let form = settings.prechat.expect("and its contact form");
    assert_eq!(form.when, connect360_model::contact::When::Always);
}

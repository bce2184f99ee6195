//! The gateway's records in Redis (`--state`) answer exactly as they do in SQLite: one
//! scenario — sessions, new chats, a sign-in merging a guest, files, quotas, the sweeps,
//! idempotency keys, sign-in states, ratings, away flags, history pages, rate limits — runs
//! against both, with what each step must answer checked on the way, and the two transcripts
//! compared whole. A Redis that goes away answers 503 with a Retry-After, and the same
//! connection serves again once it is back.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::process::RedisServer;
use connect360_model::wire::{ErrorCode, FileRef};
use connect360_server::clock::now_millis;
use connect360_server::gateway::quota::Reservations;
use connect360_server::gateway::rate_limit::{Rate, RateLimiter};
use connect360_server::gateway::records::redis::RedisState;
use connect360_server::gateway::records::{Records, SignInState};
use connect360_server::store::grants::Idempotency;
use connect360_server::store::Store;

/// Every step's answer, in order, for comparing the two stores.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    /// Notes `value` and hands it back for the step's own check.
    fn note<T: std::fmt::Debug>(&mut self, step: &str, value: T) -> T {
        self.0.push(format!("{step}: {value:?}"));
        value
    }
}

fn some(id: &str) -> Option<String> {
    Some(id.to_owned())
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The scenario as of `now` (Unix milliseconds; the same for both stores).
async fn scenario(records: &Records, now: i64) -> Vec<String> {
    let mut t = Transcript::default();
    let (d1, d2, d3, d4) = (
        "2026-01-01T00:00:00.000Z",
        "2026-01-02T00:00:00.000Z",
        "2026-01-03T00:00:00.000Z",
        "2026-01-04T00:00:00.000Z",
    );

    // A guest's first session: their top-level conversation is theirs, and where they write.
    let opened = records
        .open_session("guest_a", "conv_top", d1, None)
        .await
        .unwrap();
    assert_eq!(t.note("first session", opened.current), None);
    let mine = records
        .has_conversation("guest_a", "conv_top")
        .await
        .unwrap();
    let theirs = records
        .has_conversation("guest_b", "conv_top")
        .await
        .unwrap();
    assert_eq!(t.note("granted", (mine, theirs)), (true, false));
    let access = records.access("guest_a", "conv_top").await.unwrap();
    assert_eq!(t.note("access", access), (true, some("conv_top")));

    // A new chat after an end; a second tab racing it loses.
    let moved = records
        .start_chat("guest_a", "conv_top", "conv_2", d2, "conv_top")
        .await
        .unwrap();
    let raced = records
        .start_chat("guest_a", "conv_top", "conv_3", d3, "conv_top")
        .await
        .unwrap();
    assert_eq!(t.note("new chat, race", (moved, raced)), (true, false));
    let current = records.current_chat("guest_a").await.unwrap();
    assert_eq!(t.note("current", current), some("conv_2"));
    let chats = records.chats("guest_a", 20).await.unwrap();
    assert_eq!(
        t.note("chats", chats),
        (owned(&[("conv_2", d2), ("conv_top", d1)]), some("conv_2"))
    );
    let limited = records.chats("guest_a", 1).await.unwrap();
    assert_eq!(t.note("chats, one", limited.0), owned(&[("conv_2", d2)]));
    let again = records
        .open_session("guest_a", "conv_top", d1, None)
        .await
        .unwrap();
    assert_eq!(t.note("next session", again.current), some("conv_2"));

    // The empty-chat sweep: the parent of a chat is kept; the new chat is idle until kept.
    let idle = records
        .idle_guest_conversations(now + 60_000, 10)
        .await
        .unwrap();
    assert_eq!(t.note("idle", idle), vec!["conv_2".to_owned()]);
    records.keep_conversation("conv_2").await.unwrap();
    let idle = records
        .idle_guest_conversations(now + 60_000, 10)
        .await
        .unwrap();
    assert!(t.note("idle after keep", idle).is_empty());
    let not_yet = records
        .idle_guest_conversations(now - 60_000, 10)
        .await
        .unwrap();
    assert!(t.note("idle, too early", not_yet).is_empty());

    // Files: one shown, one uploaded (100 bytes under two quota keys).
    records
        .grant_shown_files("guest_a", owned(&[("file_s", "key_s")]))
        .await
        .unwrap();
    let upload = FileRef {
        id: "file_u".into(),
        s3_key: "key_u".into(),
        ..Default::default()
    };
    let quota_keys = vec!["visitor:guest_a".to_owned(), "address:x".to_owned()];
    records
        .record_uploads("guest_a", vec![(upload, 100)], quota_keys)
        .await
        .unwrap();
    let checks = (
        records.uploaded_file("guest_a", "file_u").await.unwrap(),
        records.uploaded_file("guest_a", "file_s").await.unwrap(),
        records.may_download("guest_a", "key_s").await.unwrap(),
        records.may_download("guest_b", "key_u").await.unwrap(),
    );
    assert_eq!(t.note("files", checks), (true, false, true, false));
    let keys = ["visitor:guest_a", "address:x", "visitor:nobody"].map(str::to_owned);
    let spent = records
        .spent_since(keys.to_vec(), now - 60_000)
        .await
        .unwrap();
    assert_eq!(t.note("spent", spent), [100, 100, 0]);
    let later = records
        .spent_since(keys.to_vec(), now + 60_000)
        .await
        .unwrap();
    assert_eq!(t.note("spent, later window", later), [0, 0, 0]);
    // Uploads under way hold their bytes (on every replica, with Redis) until released.
    let reservations = Reservations::default();
    let hold_keys = vec!["visitor:guest_h".to_owned(), "address:y".to_owned()];
    let hold =
        |declared| records.hold_upload(&reservations, hold_keys.clone(), vec![150, 1000], declared);
    let first = hold(Some(100)).await.unwrap();
    let second = hold(Some(100)).await.unwrap();
    let third = hold(None).await.unwrap();
    let lefts = (first.left, second.left, third.left);
    assert_eq!(t.note("holds", lefts), (150, 50, 0));
    for held in [first, second, third] {
        held.release().await;
    }
    let again = hold(None).await.unwrap();
    assert_eq!(t.note("holds released", again.left), 150);
    again.release().await;
    let unattached = records.unattached_uploads(now + 60_000, 10).await.unwrap();
    assert_eq!(
        t.note("unattached", unattached),
        owned(&[("file_u", "key_u")])
    );
    // Another visitor cannot mark it attached; its uploader can.
    records
        .mark_attached("guest_b", vec!["file_u".into()])
        .await
        .unwrap();
    let unattached = records.unattached_uploads(now + 60_000, 10).await.unwrap();
    assert_eq!(t.note("still unattached", unattached.len()), 1);
    records
        .mark_attached("guest_a", vec!["file_u".into()])
        .await
        .unwrap();
    let unattached = records.unattached_uploads(now + 60_000, 10).await.unwrap();
    assert!(t.note("attached", unattached).is_empty());

    // The guest signs in as user_1: everything the guest could reach is user_1's alone.
    assert_eq!(
        t.note(
            "merged before",
            records.merged_into("guest_a").await.unwrap()
        ),
        None
    );
    let signed_in = records
        .open_session("user_1", "conv_u", d3, Some("guest_a"))
        .await
        .unwrap();
    assert_eq!(t.note("signed-in session", signed_in.current), None);
    assert_eq!(
        t.note("merged", records.merged_into("guest_a").await.unwrap()),
        some("user_1")
    );
    let after = (
        records
            .has_conversation("guest_a", "conv_top")
            .await
            .unwrap(),
        records.has_conversation("user_1", "conv_2").await.unwrap(),
        records.may_download("user_1", "key_u").await.unwrap(),
        records.uploaded_file("user_1", "file_u").await.unwrap(),
        records.may_download("guest_a", "key_u").await.unwrap(),
        records.current_chat("guest_a").await.unwrap(),
    );
    assert_eq!(
        t.note("after the merge", after),
        (false, true, true, true, false, None)
    );
    let chats = records.chats("user_1", 20).await.unwrap();
    assert_eq!(
        t.note("chats after the merge", chats),
        (
            owned(&[("conv_u", d3), ("conv_2", d2), ("conv_top", d1)]),
            some("conv_u")
        )
    );

    // Deleted conversations and files are nobody's any more.
    records
        .revoke_conversations(&["conv_2".into()])
        .await
        .unwrap();
    let chats = records.chats("user_1", 20).await.unwrap();
    assert_eq!(
        t.note("chats after a deletion", chats.0),
        owned(&[("conv_u", d3), ("conv_top", d1)])
    );
    records.revoke_files(vec!["file_u".into()]).await.unwrap();
    let gone = (
        records.may_download("user_1", "key_u").await.unwrap(),
        records.uploaded_file("user_1", "file_u").await.unwrap(),
        records.may_download("user_1", "key_s").await.unwrap(),
    );
    assert_eq!(t.note("file revoked", gone), (false, false, true));

    // A current chat deleted upstream: back to the top-level conversation.
    let moved = records
        .start_chat("user_1", "conv_u", "conv_5", d4, "conv_u")
        .await
        .unwrap();
    assert!(t.note("user's new chat", moved));
    records
        .fall_back_to_top("user_1", "conv_5", "conv_u")
        .await
        .unwrap();
    let fallen = (
        records.current_chat("user_1").await.unwrap(),
        records.has_conversation("user_1", "conv_5").await.unwrap(),
    );
    assert_eq!(t.note("fell back", fallen), (some("conv_u"), false));

    // History page starts: in page order (numerically), the first write of a page stays.
    for page in (1..=11).rev() {
        records
            .record_page_start("conv_u", page, &format!("msg_{page}"))
            .await
            .unwrap();
    }
    records
        .record_page_start("conv_u", 1, "msg_other")
        .await
        .unwrap();
    let starts = records.page_starts("conv_u").await.unwrap();
    let expected: Vec<String> = (1..=11).map(|p| format!("msg_{p}")).collect();
    assert_eq!(t.note("pages", starts), expected);
    records.forget_pages("conv_u").await.unwrap();
    assert!(t
        .note(
            "pages forgotten",
            records.page_starts("conv_u").await.unwrap()
        )
        .is_empty());

    // One away flag a stretch; one rating a chat.
    let back = now + 3_600_000;
    let away = (
        records.first_while_away("conv_u", back).await.unwrap(),
        records.first_while_away("conv_u", back).await.unwrap(),
        records.first_while_away("conv_u", -7).await.unwrap(),
    );
    assert_eq!(t.note("away", away), (true, false, true));
    records.forget_away("conv_u", back).await.unwrap();
    assert!(t.note(
        "away again",
        records.first_while_away("conv_u", back).await.unwrap()
    ));
    let rated = (
        records.take_rating("conv_u").await.unwrap(),
        records.take_rating("conv_u").await.unwrap(),
    );
    assert_eq!(t.note("rating", rated), (true, false));
    records.give_back_rating("conv_u").await.unwrap();
    assert!(t.note(
        "rating given back",
        records.take_rating("conv_u").await.unwrap()
    ));

    // Idempotency keys: claimed, in flight, another body, answered; released after a failure.
    let claims = (
        records
            .claim_idempotency_key("user_1", "k1", "h1")
            .await
            .unwrap(),
        records
            .claim_idempotency_key("user_1", "k1", "h1")
            .await
            .unwrap(),
        records
            .claim_idempotency_key("user_1", "k1", "h2")
            .await
            .unwrap(),
        records
            .claim_idempotency_key("user_2", "k1", "h1")
            .await
            .unwrap(),
    );
    assert_eq!(
        t.note("claims", claims),
        (
            Idempotency::Claimed,
            Idempotency::InFlight,
            Idempotency::OtherBody,
            Idempotency::Claimed
        )
    );
    records
        .finish_idempotency_key("user_1", "k1", "h1", Some(r#"{"id":"msg_1"}"#.into()))
        .await
        .unwrap();
    let done = records
        .claim_idempotency_key("user_1", "k1", "h1")
        .await
        .unwrap();
    assert_eq!(
        t.note("answered", done),
        Idempotency::Done(r#"{"id":"msg_1"}"#.into())
    );
    records
        .finish_idempotency_key("user_2", "k1", "h1", None)
        .await
        .unwrap();
    let released = records
        .claim_idempotency_key("user_2", "k1", "h1")
        .await
        .unwrap();
    assert_eq!(t.note("released", released), Idempotency::Claimed);

    // Sign-in states: bound to their browser, taken once, never after they expire.
    let state = SignInState {
        external_id: "user_1".into(),
        conversation_id: "conv_u".into(),
        message_id: "msg_9".into(),
        suggestion: "0".into(),
        lang: "ar".into(),
        expires_at: now + 600_000,
        browser_hash: "browser_1".into(),
    };
    records
        .start_sign_in("state_1", state.clone())
        .await
        .unwrap();
    let waiting = (
        records
            .sign_in_waiting("browser_1", "user_1")
            .await
            .unwrap(),
        records
            .sign_in_waiting("browser_2", "user_1")
            .await
            .unwrap(),
        records
            .sign_in_waiting("browser_1", "user_2")
            .await
            .unwrap(),
    );
    assert_eq!(t.note("waiting", waiting), (true, false, false));
    let other_browser = records.take_sign_in("state_1", "browser_2").await.unwrap();
    assert_eq!(t.note("taken by another browser", other_browser), None);
    let taken = records.take_sign_in("state_1", "browser_1").await.unwrap();
    assert_eq!(t.note("taken", taken), Some(state.clone()));
    let twice = (
        records.take_sign_in("state_1", "browser_1").await.unwrap(),
        records
            .sign_in_waiting("browser_1", "user_1")
            .await
            .unwrap(),
    );
    assert_eq!(t.note("taken twice", twice), (None, false));
    // Expired a moment ago (kept in either store for a while): the take's own check refuses.
    let expired = SignInState {
        expires_at: now_millis() - 1,
        ..state
    };
    records.start_sign_in("state_2", expired).await.unwrap();
    let late = records.take_sign_in("state_2", "browser_1").await.unwrap();
    assert_eq!(t.note("expired", late), None);

    // Rate limits: a burst of three, then 429 with a wait.
    let limiter = RateLimiter::default();
    let rate = Rate::per_minute(3);
    for _ in 0..3 {
        records
            .rate_check(&limiter, "send:user_1", rate)
            .await
            .unwrap();
    }
    let refused = records
        .rate_check(&limiter, "send:user_1", rate)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::TooManyRequests);
    assert!(refused.retry_after.is_some_and(|s| (1..=20).contains(&s)));
    t.note("limited", (refused.code, refused.message));
    t.0
}

#[tokio::test]
async fn the_records_answer_alike_in_sqlite_and_in_redis() {
    let redis = RedisServer::start().await;
    let sqlite = Records::Sqlite(Arc::new(Store::in_memory().unwrap()));
    let shared = Records::Redis(RedisState::connect(&redis.url(), None).unwrap());
    let now = now_millis();
    let from_sqlite = scenario(&sqlite, now).await;
    let from_redis = scenario(&shared, now).await;
    assert_eq!(from_sqlite, from_redis);
    assert!(shared.ping().await.is_ok());
    assert_eq!(shared.check_name(), "redis");
}

#[tokio::test]
async fn a_redis_that_goes_away_answers_503_and_the_same_connection_serves_once_it_is_back() {
    let mut redis = RedisServer::start().await;
    let shared = Records::Redis(RedisState::connect(&redis.url(), None).unwrap());
    shared
        .open_session("guest_z", "conv_z", "2026-01-01T00:00:00.000Z", None)
        .await
        .unwrap();

    redis.stop().await;
    let limiter = RateLimiter::default();
    let refused = [
        shared.ping().await.unwrap_err(),
        shared
            .has_conversation("guest_z", "conv_z")
            .await
            .unwrap_err(),
        shared
            .rate_check(&limiter, "send:guest_z", Rate::per_minute(3))
            .await
            .unwrap_err(),
    ];
    for error in refused {
        assert_eq!(error.code, ErrorCode::ServiceUnavailable);
        assert_eq!(error.retry_after, Some(2));
        assert!(error.message.contains("shared state"), "{}", error.message);
    }

    // Back, with what it held; the connection comes back by itself.
    redis.start_again().await;
    let mut answered = false;
    for _ in 0..50 {
        if shared.ping().await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "the connection did not come back");
    assert!(shared.has_conversation("guest_z", "conv_z").await.unwrap());
}

#[test]
fn a_state_url_with_a_password_or_of_another_scheme_is_refused_without_repeating_it() {
    use connect360_server::config::check_state_url;
    assert_eq!(check_state_url("redis://10.0.0.5:6379/2"), Ok(()));
    let tls = check_state_url("rediss://cache.internal:6380/0").unwrap_err();
    assert!(tls.contains("not built in"), "{tls}");
    let with_password = check_state_url("redis://:hunter2@10.0.0.5:6379/0").unwrap_err();
    assert!(
        with_password.contains("CONNECT360_STATE_PASSWORD"),
        "{with_password}"
    );
    assert!(!with_password.contains("hunter2"), "{with_password}");
    let with_user = check_state_url("http://admin:hunter2@10.0.0.5/").unwrap_err();
    assert!(!with_user.contains("hunter2"), "{with_user}");
    assert!(check_state_url("http://10.0.0.5:6379")
        .unwrap_err()
        .contains("not a Redis URL"));
    assert!(check_state_url("10.0.0.5:6379").is_err());
}

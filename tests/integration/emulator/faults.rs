//! The faults that answer oddly or not at all (another writer, exact bodies, huge streamed bodies,
//! hangs), over real HTTP.

use onesignal_emulator::{Emulator, Fault, Route};
use reqwest::{Method, StatusCode};

use super::{call, raw_call};
use crate::support::{app_key_status, http, start};

#[tokio::test]
async fn another_writer_makes_a_working_key_just_before_or_just_after_a_create() {
    for before in [true, false] {
        let em = start(Emulator::generated()).await;
        let app = em.app();
        em.emulator.inject(Fault::other_writer(
            Some(Route::CreateKey),
            1,
            "svc",
            before,
        ));
        let tokens = format!("/apps/{app}/auth/tokens");
        let (status, created) = call(
            &em.url,
            Method::POST,
            &tokens,
            &em.org_key(),
            Some(r#"{"name":"svc"}"#),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        let ours = created["token_id"].as_str().unwrap();
        let keys = em.emulator.keys(&app).unwrap();
        assert_eq!(keys.len(), 2, "before: {before}");
        assert!(
            keys.iter()
                .all(|k| k.name == "svc" && k.ip_allowlist_mode == "disabled")
        );
        let other = keys.iter().find(|k| k.token_id != ours).unwrap();
        let position = keys.iter().position(|k| k.token_id == ours).unwrap();
        assert_eq!(
            position,
            usize::from(before),
            "the other key is made {}",
            if before { "first" } else { "second" }
        );
        assert_eq!(
            app_key_status(&em.url, &app, created["formatted_token"].as_str().unwrap()).await,
            200
        );
        assert_eq!(
            app_key_status(&em.url, &app, &other.secret).await,
            200,
            "the other writer's key works"
        );
        // Used up: the next create is alone.
        call(
            &em.url,
            Method::POST,
            &tokens,
            &em.org_key(),
            Some(r#"{"name":"next"}"#),
        )
        .await;
        assert_eq!(em.emulator.keys(&app).unwrap().len(), 3);
        assert_eq!(
            em.emulator.request_count(Route::CreateKey),
            2,
            "the other writer is not a request"
        );
        em.stop().await;
    }
}

#[tokio::test]
async fn another_writer_with_a_lost_answer_leaves_both_keys() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    em.emulator
        .inject(Fault::other_writer(Some(Route::CreateKey), 1, "svc", false));
    em.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), 1));
    let error = http()
        .post(format!("{}/apps/{app}/auth/tokens", em.url))
        .header("Authorization", format!("Key {}", em.org_key()))
        .body(r#"{"name":"svc"}"#)
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_connect(), "{error:?}");
    let keys = em.emulator.keys(&app).unwrap();
    assert_eq!(keys.len(), 2);
    for key in &keys {
        assert_eq!(app_key_status(&em.url, &app, &key.secret).await, 200);
    }
    assert!(em.emulator.pending_faults().is_empty());
    em.stop().await;
}

#[tokio::test]
async fn an_injected_body_is_answered_exactly_without_acting() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    let tokens = format!("/apps/{app}/auth/tokens");
    em.emulator.inject(Fault::body(
        Some(Route::CreateKey),
        1,
        502,
        Some("text/html; charset=utf-8".into()),
        "<html>bad gateway</html>",
    ));
    em.emulator
        .inject(Fault::body(Some(Route::ListKeys), 1, 200, None, "not json"));
    let answer = raw_call(&em, Method::POST, &tokens, Some(r#"{"name":"k"}"#)).await;
    assert_eq!(
        answer,
        (
            StatusCode::BAD_GATEWAY,
            Some("text/html; charset=utf-8".into()),
            "<html>bad gateway</html>".into()
        )
    );
    let answer = raw_call(&em, Method::GET, &tokens, None).await;
    assert_eq!(answer, (StatusCode::OK, None, "not json".into()));
    assert!(em.emulator.keys(&app).unwrap().is_empty(), "nothing acted");
    assert_eq!(em.emulator.request_count(Route::CreateKey), 1);
    // Over the hook, too.
    let response = http()
        .post(format!("{}/_emulator/faults", em.url))
        .body(r#"{"route":"get_app","kind":"body","count":1,"status":418,"body":"{\"errors\":\"teapot\"}"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer = raw_call(&em, Method::GET, &format!("/apps/{app}"), None).await;
    assert_eq!(
        answer,
        (
            StatusCode::IM_A_TEAPOT,
            None,
            r#"{"errors":"teapot"}"#.into()
        )
    );
    em.stop().await;
}

/// The peak resident memory of this process (Linux `VmHWM`), in bytes.
fn peak_resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn a_huge_body_is_streamed_without_acting() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    let tokens = format!("/apps/{app}/auth/tokens");
    // An odd size: whole chunks and a tail.
    em.emulator
        .inject(Fault::huge_body(Some(Route::ListKeys), 1, 500, 200_003));
    let (status, content_type, body) = raw_call(&em, Method::GET, &tokens, None).await;
    assert_eq!(
        (status, content_type.as_deref()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("text/plain"))
    );
    assert_eq!(body.len(), 200_003);
    assert!(body.bytes().all(|b| b == b'a'));

    const GIB: u64 = 1 << 30;
    em.emulator
        .inject(Fault::huge_body(Some(Route::CreateKey), 1, 400, GIB));
    let peak_before = peak_resident_bytes();
    let mut response = http()
        .post(format!("{}{tokens}", em.url))
        .header("Authorization", format!("Key {}", em.org_key()))
        .body(r#"{"name":"k"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let mut received = 0u64;
    while let Some(chunk) = response.chunk().await.unwrap() {
        received += chunk.len() as u64;
    }
    assert_eq!(received, GIB);
    let grown = peak_resident_bytes().saturating_sub(peak_before);
    assert!(
        grown < 128 << 20,
        "the peak grew by {} MiB while 1 GiB went through",
        grown >> 20
    );
    assert!(em.emulator.keys(&app).unwrap().is_empty(), "nothing acted");
    em.stop().await;
}

#[tokio::test]
async fn a_hang_answers_nothing_and_does_not_hold_up_shutdown() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    em.emulator.inject(Fault::hang(Some(Route::ListKeys), 1));
    let request = http()
        .get(format!("{}/apps/{app}/auth/tokens", em.url))
        .header("Authorization", format!("Key {}", em.org_key()))
        .send();
    let pending = tokio::spawn(request);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(!pending.is_finished(), "no answer while the server runs");
    assert_eq!(em.emulator.request_count(Route::ListKeys), 1);
    assert!(em.emulator.pending_faults().is_empty());
    // The next request on another connection is answered normally.
    let (status, _) = call(
        &em.url,
        Method::GET,
        &format!("/apps/{app}/auth/tokens"),
        &em.org_key(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let started = std::time::Instant::now();
    em.stop().await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "shutdown took {:?} (the drain timeout is 5 s)",
        started.elapsed()
    );
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), pending)
        .await
        .expect("the hanging request ends with the server")
        .unwrap();
    let error = outcome.expect_err("closed without an answer");
    assert!(!error.is_connect(), "{error:?}");
}

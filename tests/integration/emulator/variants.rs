//! The run-time variants (`/_emulator/variants`, `Emulator::set_variants`), CIDR enforcement, the
//! proxy-like 404 for unknown paths, and the faults that answer oddly (another writer, exact
//! bodies, huge bodies, hangs), over real HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use terraform_provider_onesignal::emulator::{Emulator, Fault, Route, Variants};

use super::{call, errors};
use crate::support::{Running, app_key_status, http, start};

/// The `{"success":false,"errors":[message],"reference":[…]}` shape, checked whole.
fn assert_generic_error(value: &Value, message: &str) {
    assert_eq!(value["success"], false, "{value}");
    assert_eq!(errors(value), vec![message.to_owned()], "{value}");
    assert!(value["reference"].is_array(), "{value}");
}

/// A key made by hand, returning its token id.
fn key(em: &Running, body: Value) -> String {
    em.emulator.create_key(&em.app(), &body).unwrap().token_id
}

#[tokio::test]
async fn variants_hook_round_trips_and_unknown_paths_answer_like_a_proxy() {
    let em = start(Emulator::generated()).await;
    let url = em.url.clone();
    let response = http()
        .get(format!("{url}/_emulator/variants"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Variants>().await.unwrap(),
        Variants::default()
    );
    let wanted = Variants {
        unknown_as_400: true,
        routes_down: vec![Route::ListKeys, Route::DeleteKey],
        ..Variants::default()
    };
    let response = http()
        .put(format!("{url}/_emulator/variants"))
        .body(serde_json::to_string(&wanted).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Variants>().await.unwrap(), wanted);
    assert_eq!(em.emulator.variants(), wanted);
    // A partial body sets what it names and clears the rest.
    let response = http()
        .put(format!("{url}/_emulator/variants"))
        .body(r#"{"respell_cidrs":true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        em.emulator.variants(),
        Variants {
            respell_cidrs: true,
            ..Variants::default()
        }
    );
    let response = http()
        .put(format!("{url}/_emulator/variants"))
        .body(r#"{"routes_down":["nowhere"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        em.emulator.variants().respell_cidrs,
        "a refused body changes nothing"
    );

    // A wrong base URL (a `/v1` prefix) meets an HTML 404 page, as from a proxy.
    let app = em.app();
    for path in [
        format!("/v1/apps/{app}/auth/tokens"),
        "/no/such/route".to_owned(),
    ] {
        let response = http()
            .get(format!("{url}{path}"))
            .header("Authorization", format!("Key {}", em.org_key()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let text = response.text().await.unwrap();
        assert!(text.contains("<h1>404 Not Found</h1>"), "{text}");
    }
    assert_eq!(
        em.emulator.request_counts().values().sum::<u64>(),
        0,
        "unknown paths are no route's requests"
    );
    em.stop().await;
}

#[tokio::test]
async fn bare_addresses_are_refused_and_cidrs_stored_as_sent() {
    let em = start(Emulator::generated()).await;
    let (url, org, app) = (em.url.clone(), em.org_key(), em.app());
    let tokens = format!("/apps/{app}/auth/tokens");
    let (status, value) = call(
        &url,
        Method::POST,
        &tokens,
        &org,
        Some(r#"{"name":"n","ip_allowlist_mode":"explicit","ip_allowlist":["192.0.2.0/24","198.51.100.7","2001:db8::1"]}"#),
    )
    .await;
    assert_eq!(status, 400, "{value}");
    let messages = errors(&value);
    assert_eq!(messages.len(), 2, "each bare entry is named: {value}");
    assert!(messages[0].contains(r#""198.51.100.7""#) && messages[0].contains("198.51.100.7/32"));
    assert!(messages[1].contains(r#""2001:db8::1""#) && messages[1].contains("2001:db8::1/128"));
    assert!(
        em.emulator.keys(&app).unwrap().is_empty(),
        "nothing created"
    );

    let sent = json!([
        "192.0.2.0/24",
        "198.51.100.7/32",
        "2001:DB8::/32",
        "2001:db8::1/128"
    ]);
    let (status, created) = call(
        &url,
        Method::POST,
        &tokens,
        &org,
        Some(
            &json!({"name": "n", "ip_allowlist_mode": "explicit", "ip_allowlist": sent})
                .to_string(),
        ),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let token_id = created["token_id"].as_str().unwrap().to_owned();
    let (_, listed) = call(&url, Method::GET, &tokens, &org, None).await;
    assert_eq!(
        listed["tokens"][0]["ip_allowlist"], sent,
        "the spelling sent"
    );

    // An update with a bare address is refused and changes nothing.
    let before = em.emulator.key(&app, &token_id).unwrap();
    let (status, value) = call(
        &url,
        Method::PATCH,
        &format!("{tokens}/{token_id}"),
        &org,
        Some(r#"{"name":"renamed","ip_allowlist":["127.0.0.1"]}"#),
    )
    .await;
    assert_eq!(status, 400, "{value}");
    assert!(errors(&value)[0].contains(r#""127.0.0.1""#), "{value}");
    assert_eq!(em.emulator.key(&app, &token_id).unwrap(), before);
    em.stop().await;
}

/// Sends a request with the organization key and returns status, content type and raw body.
async fn raw_call(
    em: &Running,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut request = http()
        .request(method, format!("{}{path}", em.url))
        .header("Authorization", format!("Key {}", em.org_key()));
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.expect("an answer");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_type, response.text().await.unwrap())
}

/// Every API route's request, with the organization key, for an app and a key.
fn every_route(app: &str, token_id: &str) -> Vec<(Route, Method, String, Option<&'static str>)> {
    let tokens = format!("/apps/{app}/auth/tokens");
    vec![
        (Route::ListApps, Method::GET, "/apps".into(), None),
        (
            Route::CreateApp,
            Method::POST,
            "/apps".into(),
            Some(r#"{"name":"new app"}"#),
        ),
        (Route::GetApp, Method::GET, format!("/apps/{app}"), None),
        (Route::ListKeys, Method::GET, tokens.clone(), None),
        (
            Route::CreateKey,
            Method::POST,
            tokens.clone(),
            Some(r#"{"name":"new key"}"#),
        ),
        (
            Route::UpdateKey,
            Method::PATCH,
            format!("{tokens}/{token_id}"),
            Some(r#"{"name":"renamed"}"#),
        ),
        (
            Route::RotateKey,
            Method::POST,
            format!("{tokens}/{token_id}/rotate"),
            None,
        ),
        (
            Route::DeleteKey,
            Method::DELETE,
            format!("{tokens}/{token_id}"),
            None,
        ),
    ]
}

#[tokio::test]
async fn unknown_apps_and_keys_can_be_answered_400_generic_error() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    let token_id = key(&em, json!({"name": "kept"}));
    em.emulator.set_variants(Variants {
        unknown_as_400: true,
        ..Variants::default()
    });
    let before = em.emulator.snapshot();
    let ghost_app = "00000000-0000-4000-8000-000000000000";
    let ghost_key = "00000000-0000-4000-8000-00000000000f";
    let mut cases = Vec::new();
    // Every key route of an unknown app, and GET /apps/{id}.
    for (route, method, path, body) in every_route(ghost_app, ghost_key) {
        if !matches!(route, Route::ListApps | Route::CreateApp) {
            cases.push((method, path, body, "app_id not found"));
        }
    }
    // Every route of an unknown key in a known app.
    for (route, method, path, body) in every_route(&app, ghost_key) {
        if matches!(
            route,
            Route::UpdateKey | Route::RotateKey | Route::DeleteKey
        ) {
            cases.push((method, path, body, "token_id not found"));
        }
    }
    assert_eq!(cases.len(), 9);
    for (method, path, body, message) in cases {
        let (status, value) = call(&em.url, method.clone(), &path, &em.org_key(), body).await;
        assert_eq!(status, 400, "{method} {path}: {value}");
        assert_generic_error(&value, message);
    }
    assert_eq!(em.emulator.snapshot(), before, "nothing acted");
    // Known things are unaffected, and other refusals keep their status.
    let (status, _) = call(
        &em.url,
        Method::PATCH,
        &format!("/apps/{app}/auth/tokens/{token_id}"),
        &em.org_key(),
        Some(r#"{"name":"renamed"}"#),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &em.url,
        Method::GET,
        &format!("/apps/{ghost_app}/auth/tokens"),
        "os_v2_org_wrong",
        None,
    )
    .await;
    assert_eq!(status, 403);
    // Switched off: the documented 404 again.
    em.emulator.set_variants(Variants::default());
    let (status, value) = call(
        &em.url,
        Method::GET,
        &format!("/apps/{ghost_app}/auth/tokens"),
        &em.org_key(),
        None,
    )
    .await;
    assert_eq!(status, 404, "{value}");
    em.stop().await;
}

#[tokio::test]
async fn list_items_can_lack_the_mode_and_respell_cidrs() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    let sent = json!([
        "192.0.2.0/24",
        "198.51.100.7/32",
        "2001:db8::/32",
        "2001:db8::ab/128"
    ]);
    let explicit = key(
        &em,
        json!({"name": "explicit", "ip_allowlist_mode": "explicit", "ip_allowlist": sent}),
    );
    let disabled = key(&em, json!({"name": "disabled"}));
    let tokens = format!("/apps/{app}/auth/tokens");
    let list = || async {
        call(&em.url, Method::GET, &tokens, &em.org_key(), None)
            .await
            .1
    };

    em.emulator.set_variants(Variants {
        omit_allowlist_mode: true,
        ..Variants::default()
    });
    let listed = list().await;
    let items = listed["tokens"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert!(item.get("ip_allowlist_mode").is_none(), "{item}");
        assert!(
            item["token_id"].is_string()
                && item["name"].is_string()
                && item["ip_allowlist"].is_array()
        );
    }
    assert_eq!(items[0]["ip_allowlist"], sent, "only the mode is left out");
    assert_eq!(
        em.emulator.key(&app, &explicit).unwrap().ip_allowlist_mode,
        "explicit",
        "stored as it was"
    );

    em.emulator.set_variants(Variants {
        respell_cidrs: true,
        ..Variants::default()
    });
    let listed = list().await;
    assert_eq!(listed["tokens"][0]["ip_allowlist_mode"], "explicit");
    assert_eq!(
        listed["tokens"][0]["ip_allowlist"],
        json!([
            "192.0.2.0/24",
            "198.51.100.7",
            "2001:DB8::/32",
            "2001:DB8::AB"
        ])
    );
    assert_eq!(listed["tokens"][1]["ip_allowlist"], json!([]));
    assert_eq!(
        em.emulator.key(&app, &explicit).unwrap().ip_allowlist,
        vec![
            "192.0.2.0/24".to_owned(),
            "198.51.100.7/32".into(),
            "2001:db8::/32".into(),
            "2001:db8::ab/128".into()
        ]
    );

    // An unknown mode value (one OneSignal might add) is listed as stored.
    em.emulator.set_variants(Variants::default());
    em.emulator
        .set_raw_mode(&app, &disabled, "allowlist_v2")
        .unwrap();
    let listed = list().await;
    assert_eq!(listed["tokens"][1]["ip_allowlist_mode"], "allowlist_v2");
    assert_eq!(listed["tokens"][0]["ip_allowlist_mode"], "explicit");
    assert_eq!(
        em.emulator
            .set_raw_mode(&app, "ghost", "x")
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(
        em.emulator
            .set_raw_mode("ghost", &disabled, "x")
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(em.emulator.request_count(Route::ListKeys), 3);
    em.stop().await;
}

#[tokio::test]
async fn patch_and_delete_can_answer_an_empty_body_without_content_type() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    let token_id = key(&em, json!({"name": "k"}));
    em.emulator.set_variants(Variants {
        empty_write_bodies: true,
        ..Variants::default()
    });
    let path = format!("/apps/{app}/auth/tokens/{token_id}");
    let answer = raw_call(&em, Method::PATCH, &path, Some(r#"{"name":"renamed"}"#)).await;
    assert_eq!(answer, (StatusCode::OK, None, String::new()));
    assert_eq!(
        em.emulator.key(&app, &token_id).unwrap().name,
        "renamed",
        "it acted"
    );
    // Create, list and rotate keep their JSON answers.
    let (status, content_type, body) =
        raw_call(&em, Method::POST, &format!("{path}/rotate"), None).await;
    assert_eq!(
        (status, content_type.as_deref()),
        (StatusCode::OK, Some("application/json"))
    );
    assert!(body.contains("formatted_token"));
    let answer = raw_call(&em, Method::DELETE, &path, None).await;
    assert_eq!(answer, (StatusCode::OK, None, String::new()));
    assert!(em.emulator.key(&app, &token_id).is_none(), "it acted");
    // Errors are untouched.
    let (status, _, body) = raw_call(&em, Method::DELETE, &path, None).await;
    assert_eq!(status, 404, "{body}");
    em.stop().await;
}

#[tokio::test]
async fn everything_can_be_rejected_400_without_acting_and_still_counted() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    let token_id = key(&em, json!({"name": "k"}));
    em.emulator.set_variants(Variants {
        reject_everything_400: true,
        ..Variants::default()
    });
    let before = em.emulator.snapshot();
    for (route, method, path, body) in every_route(&app, &token_id) {
        let (status, value) = call(&em.url, method, &path, &em.org_key(), body).await;
        assert_eq!(status, 400, "{route:?}: {value}");
        assert_generic_error(&value, "Bad Request");
    }
    let (status, value) = call(&em.url, Method::GET, "/v1/apps", &em.org_key(), None).await;
    assert_eq!(status, 400, "unknown paths too: {value}");
    // A wrong key gets the same 400: nothing is looked at.
    let (status, _) = call(&em.url, Method::GET, "/apps", "os_v2_org_wrong", None).await;
    assert_eq!(status, 400);
    assert_eq!(em.emulator.snapshot(), before, "nothing acted");
    let counts = em.emulator.request_counts();
    assert_eq!(counts[&Route::ListApps], 2);
    for route in Route::ALL.into_iter().filter(|r| *r != Route::ListApps) {
        assert_eq!(counts[&route], 1, "{route:?}");
    }
    // The hooks still answer.
    let response = http()
        .get(format!("{}/_emulator/variants", em.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    em.emulator.set_variants(Variants::default());
    assert_eq!(
        call(&em.url, Method::GET, "/apps", &em.org_key(), None)
            .await
            .0,
        200
    );
    em.stop().await;
}

#[tokio::test]
async fn a_route_down_answers_500_without_acting_until_cleared() {
    let em = start(Emulator::generated()).await;
    let app = em.app();
    let token_id = key(&em, json!({"name": "k"}));
    em.emulator.set_variants(Variants {
        routes_down: vec![Route::ListKeys, Route::DeleteKey],
        ..Variants::default()
    });
    let before = em.emulator.snapshot();
    for (route, method, path, body) in every_route(&app, &token_id) {
        if !matches!(route, Route::ListKeys | Route::DeleteKey) {
            continue;
        }
        for _ in 0..3 {
            let (status, value) = call(&em.url, method.clone(), &path, &em.org_key(), body).await;
            assert_eq!(status, 500, "{route:?}: {value}");
            assert!(!errors(&value).is_empty());
        }
    }
    assert_eq!(em.emulator.snapshot(), before, "nothing acted");
    assert_eq!(em.emulator.request_count(Route::DeleteKey), 3);
    // The other routes work meanwhile.
    let tokens = format!("/apps/{app}/auth/tokens");
    let (status, _) = call(
        &em.url,
        Method::POST,
        &tokens,
        &em.org_key(),
        Some(r#"{"name":"new"}"#),
    )
    .await;
    assert_eq!(status, 200);
    em.emulator.set_variants(Variants::default());
    let (status, value) = call(
        &em.url,
        Method::DELETE,
        &format!("{tokens}/{token_id}"),
        &em.org_key(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{value}");
    assert!(em.emulator.key(&app, &token_id).is_none());
    em.stop().await;
}

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

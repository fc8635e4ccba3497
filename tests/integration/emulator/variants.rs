//! The run-time variants (`/_emulator/variants`, `Emulator::set_variants`), CIDR enforcement and
//! the proxy-like 404 for unknown paths, over real HTTP.

use std::collections::BTreeMap;

use onesignal_emulator::{Emulator, Route, Variants};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{call, errors, key, raw_call};
use crate::support::{http, start};

/// The `{"success":false,"errors":[message],"reference":[…]}` shape, checked whole.
fn assert_generic_error(value: &Value, message: &str) {
    assert_eq!(value["success"], false, "{value}");
    assert_eq!(errors(value), vec![message.to_owned()], "{value}");
    assert!(value["reference"].is_array(), "{value}");
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
    // Every request was counted: each route of `every_route` once, `GET /apps` twice.
    let mut expected: BTreeMap<Route, u64> = every_route(&app, &token_id)
        .into_iter()
        .map(|(route, ..)| (route, 1))
        .collect();
    expected.insert(Route::ListApps, 2);
    for (route, count) in em.emulator.request_counts() {
        assert_eq!(
            count,
            expected.get(&route).copied().unwrap_or(0),
            "{route:?}"
        );
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

//! The emulator's own behaviour over real HTTP (raw requests, no provider client), in-process.
//! The run-time variants are in `emulator/variants.rs`, the faults that answer oddly or not at all
//! in `emulator/faults.rs`, the built `onesignal-emulator` binary in `emulator/binary.rs`.

mod binary;
mod faults;
mod variants;

use std::time::Duration;

use onesignal_emulator::{Emulator, KEY_LIMIT_MESSAGE, Route};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Running, app_key_status, assert_no_secret, http, start};

const DENIED: &str = r#"{"errors":["Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."]}"#;

/// Sends a request with `Authorization: Key <key>` and returns status and parsed JSON body.
pub(crate) async fn call(
    url: &str,
    method: Method,
    path: &str,
    key: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = http()
        .request(method, format!("{url}{path}"))
        .header("Authorization", format!("Key {key}"));
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.unwrap();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, value)
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

/// A key made by hand, returning its token id.
fn key(em: &Running, body: Value) -> String {
    em.emulator.create_key(&em.app(), &body).unwrap().token_id
}

fn errors(value: &Value) -> Vec<String> {
    value["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array in {value}"))
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_whole_key_lifecycle_over_http() {
    let em = start(Emulator::new(
        "os_v2_org_test",
        ["2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f"],
    ))
    .await;
    let url = em.url.clone();
    let app = em.app();
    let org = em.org_key();
    let tokens = format!("/apps/{app}/auth/tokens");

    // create
    let (status, created) =
        call(&url, Method::POST, &tokens, &org, Some(r#"{"name":"svc"}"#)).await;
    assert_eq!(status, 200, "{created}");
    let token_id = created["token_id"].as_str().unwrap().to_owned();
    let secret = created["formatted_token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("os_v2_app_") && secret.len() == 113);
    assert!(
        secret[10..]
            .bytes()
            .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
    );

    // list: no secret
    let response = http()
        .get(format!("{url}{tokens}"))
        .header("Authorization", format!("Key {org}"))
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    assert_no_secret(&text, std::slice::from_ref(&secret));
    let listed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(listed["tokens"][0]["token_id"], token_id.as_str());
    assert_eq!(listed["tokens"][0]["ip_allowlist_mode"], "disabled");
    assert!(listed["tokens"][0].get("formatted_token").is_none());

    // the app key works on GET /apps/{id}, and only for its own app
    assert_eq!(app_key_status(&url, &app, &secret).await, 200);
    let other = em.emulator.create_app("other").unwrap().id;
    assert_eq!(app_key_status(&url, &other, &secret).await, 403);

    // allowlist enforced against the TCP peer (127.0.0.1)
    let key_path = format!("{tokens}/{token_id}");
    let patch = |body: &'static str| {
        let (url, org, key_path) = (url.clone(), org.clone(), key_path.clone());
        async move { call(&url, Method::PATCH, &key_path, &org, Some(body)).await }
    };
    let (status, body) =
        patch(r#"{"ip_allowlist_mode":"explicit","ip_allowlist":["192.0.2.0/24"]}"#).await;
    assert_eq!((status.as_u16(), body), (200, json!({})));
    let outside = http()
        .get(format!("{url}/apps/{app}"))
        .header("Authorization", format!("Key {secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 403);
    assert_eq!(
        outside.text().await.unwrap(),
        r#"{"errors":["Access Denied"]}"#
    );
    assert_eq!(
        patch(r#"{"ip_allowlist":["127.0.0.0/8","::1/128"]}"#)
            .await
            .0,
        200
    );
    assert_eq!(app_key_status(&url, &app, &secret).await, 200);

    // patch name only: the rest is kept
    assert_eq!(
        patch(r#"{"name":"renamed","unknown_field":true}"#).await.0,
        200
    );
    let (_, listed) = call(&url, Method::GET, &tokens, &org, None).await;
    let key = &listed["tokens"][0];
    assert_eq!(key["name"], "renamed");
    assert_eq!(key["ip_allowlist_mode"], "explicit");
    assert_eq!(key["ip_allowlist"], json!(["127.0.0.0/8", "::1/128"]));
    assert_ne!(key["updated_at"], key["created_at"]);

    // rotate: same id, old refused, new accepted
    let (status, rotated) = call(
        &url,
        Method::POST,
        &format!("{key_path}/rotate"),
        &org,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let new_secret = rotated["formatted_token"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let old = http()
        .get(format!("{url}/apps/{app}"))
        .header("Authorization", format!("Key {secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 403);
    assert_eq!(old.text().await.unwrap(), DENIED);
    assert_eq!(app_key_status(&url, &app, &new_secret).await, 200);
    let (_, listed) = call(&url, Method::GET, &tokens, &org, None).await;
    assert_eq!(listed["tokens"][0]["token_id"], token_id.as_str());
    assert_eq!(listed["tokens"][0]["name"], "renamed");

    // validation 400s, each with an errors array
    let long_name = format!(r#"{{"name":"{}"}}"#, "x".repeat(129));
    for (body, needle) in [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[]", "JSON object"),
        (r#"{"ip_allowlist_mode":"disabled"}"#, "name is required"),
        (r#"{"name":""}"#, "between 1 and 128"),
        (long_name.as_str(), "between 1 and 128"),
        (r#"{"name":5}"#, "must be a string"),
        (
            r#"{"name":"n","ip_allowlist_mode":"open"}"#,
            "ip_allowlist_mode",
        ),
        (
            r#"{"name":"n","ip_allowlist":["10.0.0.0/33"]}"#,
            "10.0.0.0/33",
        ),
        (
            r#"{"name":"n","ip_allowlist":["10.0.0.5/24"]}"#,
            "10.0.0.0/24",
        ),
        // OneSignal's docs ask for CIDR notation: a bare address is named, with the CIDR meant.
        (
            r#"{"name":"n","ip_allowlist":["10.0.0.0/8","198.51.100.7"]}"#,
            r#""198.51.100.7" is not in CIDR notation; did you mean "198.51.100.7/32""#,
        ),
        (r#"{"name":"n","ip_allowlist":["::1"]}"#, "\"::1/128\""),
        (r#"{"name":"n","ip_allowlist":"10.0.0.0/8"}"#, "array"),
        (
            r#"{"name":"n","ip_allowlist_mode":"explicit"}"#,
            "at least one entry",
        ),
        (
            r#"{"name":"n","ip_allowlist_mode":"explicit","ip_allowlist":[]}"#,
            "at least one entry",
        ),
    ] {
        let (status, value) = call(&url, Method::POST, &tokens, &org, Some(body)).await;
        assert_eq!(status, 400, "{body} -> {value}");
        assert!(
            errors(&value).iter().any(|m| m.contains(needle)),
            "{body} -> {value}"
        );
    }
    let (status, value) = call(
        &url,
        Method::PATCH,
        &key_path,
        &org,
        Some(r#"{"ip_allowlist":[]}"#),
    )
    .await;
    assert_eq!(status, 400, "explicit with the list emptied: {value}");
    assert_eq!(
        em.emulator.keys(&app).unwrap().len(),
        1,
        "no 400 created anything"
    );

    // 16-key cap
    for i in 1..16 {
        let (status, _) = call(
            &url,
            Method::POST,
            &tokens,
            &org,
            Some(&format!(r#"{{"name":"k{i}"}}"#)),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, value) = call(&url, Method::POST, &tokens, &org, Some(r#"{"name":"k17"}"#)).await;
    assert_eq!(
        (status.as_u16(), errors(&value)),
        (400, vec![KEY_LIMIT_MESSAGE.to_owned()])
    );
    let (_, listed) = call(&url, Method::GET, &tokens, &org, None).await;
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 16);

    // 404s
    let ghost_app = "/apps/00000000-0000-4000-8000-000000000000/auth/tokens";
    for (method, path, body) in [
        (Method::GET, ghost_app.to_owned(), None),
        (Method::POST, ghost_app.to_owned(), Some(r#"{"name":"x"}"#)),
        (
            Method::PATCH,
            format!("{tokens}/ghost"),
            Some(r#"{"name":"x"}"#),
        ),
        (Method::POST, format!("{tokens}/ghost/rotate"), None),
        (Method::DELETE, format!("{tokens}/ghost"), None),
        (
            Method::GET,
            "/apps/00000000-0000-4000-8000-000000000000".to_owned(),
            None,
        ),
    ] {
        let (status, value) = call(&url, method.clone(), &path, &org, body).await;
        assert_eq!(status, 404, "{method} {path} -> {value}");
        assert!(!errors(&value).is_empty());
    }
    // A wrong method is answered in the same JSON shape.
    let (status, value) = call(&url, Method::PUT, &tokens, &org, None).await;
    assert_eq!(
        (status.as_u16(), errors(&value)),
        (405, vec!["Method Not Allowed".to_owned()])
    );

    // credentials: wrong, missing, wrong scheme — all the documented 403
    for header in [
        Some("Key os_v2_org_wrong".to_owned()),
        None,
        Some(format!("Bearer {org}")),
    ] {
        let mut request = http().get(format!("{url}{tokens}"));
        if let Some(header) = header {
            request = request.header("Authorization", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403);
        assert_eq!(response.text().await.unwrap(), DENIED);
    }
    // an app key is not an organization key
    assert_eq!(
        call(&url, Method::GET, &tokens, &new_secret, None).await.0,
        403
    );

    // apps endpoints
    let (status, apps) = call(&url, Method::GET, "/apps", &org, None).await;
    assert_eq!(status, 200);
    let ids: Vec<_> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![app.clone(), other.clone()]);
    assert!(
        apps.to_string().find("tokens").is_none(),
        "apps never include keys"
    );
    let (status, made) = call(
        &url,
        Method::POST,
        "/apps",
        &org,
        Some(
            &json!({"name": "made over http", "organization_id": em.emulator.organization_id()})
                .to_string(),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let made_id = made["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(made_id).is_ok());
    let (status, viewed) = call(&url, Method::GET, &format!("/apps/{made_id}"), &org, None).await;
    assert_eq!(
        (status.as_u16(), viewed["name"].as_str()),
        (200, Some("made over http"))
    );
    assert_eq!(
        call(&url, Method::POST, "/apps", &org, Some("{}")).await.0,
        400
    );
    assert_eq!(
        call(
            &url,
            Method::POST,
            "/apps",
            "os_v2_org_wrong",
            Some(r#"{"name":"x"}"#)
        )
        .await
        .0,
        403
    );

    // delete: the key is refused from then on
    let (status, body) = call(&url, Method::DELETE, &key_path, &org, None).await;
    assert_eq!((status.as_u16(), body), (200, json!({})));
    assert_eq!(app_key_status(&url, &app, &new_secret).await, 403);
    assert_eq!(
        call(&url, Method::DELETE, &key_path, &org, None).await.0,
        404
    );
    em.stop().await;
}

#[tokio::test]
async fn state_file_keeps_everything_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested-ok.json");
    let first = start(Emulator::open(&path, None, vec![]).unwrap()).await;
    let (url, org, app) = (first.url.clone(), first.org_key(), first.app());
    let (status, created) = call(
        &url,
        Method::POST,
        &format!("/apps/{app}/auth/tokens"),
        &org,
        Some(r#"{"name":"kept","ip_allowlist_mode":"explicit","ip_allowlist":["127.0.0.1/32"]}"#),
    )
    .await;
    assert_eq!(status, 200);
    let (_, new_app) = call(
        &url,
        Method::POST,
        "/apps",
        &org,
        Some(
            &json!({"name": "second", "organization_id": first.emulator.organization_id()})
                .to_string(),
        ),
    )
    .await;
    let before = first.emulator.snapshot();
    first.stop().await;

    let second = start(Emulator::open(&path, None, vec![]).unwrap()).await;
    assert_eq!(second.emulator.snapshot(), before);
    assert_eq!(second.org_key(), org);
    assert_eq!(
        second.emulator.app_ids(),
        vec![app.clone(), new_app["id"].as_str().unwrap().to_owned()]
    );
    let secret = created["formatted_token"].as_str().unwrap();
    assert_eq!(
        app_key_status(&second.url, &app, secret).await,
        200,
        "the secret survives a restart"
    );
    second.stop().await;
}

#[tokio::test]
async fn hooks_over_http_inject_faults_and_count() {
    let em = start(Emulator::generated()).await;
    let (url, org, app) = (em.url.clone(), em.org_key(), em.app());
    let hook = |method: Method, path: &str, body: Option<Value>| {
        let request = http().request(method, format!("{url}/_emulator/{path}"));
        let request = match body {
            Some(body) => request.body(body.to_string()),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let injected = hook(
        Method::POST,
        "faults",
        Some(
            json!({"route": "list_keys", "kind": "rate_limit", "count": 1, "retry_after_secs": 7}),
        ),
    )
    .await;
    assert_eq!(injected, (200, json!({})));
    assert_eq!(
        hook(Method::GET, "faults", None).await.1[0]["retry_after_secs"],
        7
    );
    let response = http()
        .get(format!("{url}/apps/{app}/auth/tokens"))
        .header("Authorization", format!("Key {org}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"errors":["API rate limit exceeded."]}"#
    );

    hook(
        Method::POST,
        "faults",
        Some(json!({"kind": "unavailable", "count": 1})),
    )
    .await;
    let response = http()
        .get(format!("{url}/apps"))
        .header("Authorization", format!("Key {org}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.text().await.unwrap(),
        "Service temporarily unavailable"
    );

    // drop after act: the server creates the key, then the connection closes with no answer
    hook(
        Method::POST,
        "faults",
        Some(json!({"route": "create_key", "kind": "drop_after_act", "count": 1})),
    )
    .await;
    let dropped = http()
        .post(format!("{url}/apps/{app}/auth/tokens"))
        .header("Authorization", format!("Key {org}"))
        .body(r#"{"name":"acted"}"#)
        .send()
        .await;
    let error = dropped.expect_err("no HTTP answer at all, not even a 500");
    assert!(!error.is_connect(), "the request was sent: {error:?}");
    assert_eq!(em.emulator.keys(&app).unwrap().len(), 1);

    // latency
    hook(
        Method::POST,
        "faults",
        Some(json!({"route": "get_app", "kind": "latency", "count": 1, "millis": 300})),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(
        call(&url, Method::GET, &format!("/apps/{app}"), &org, None)
            .await
            .0,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));

    let (status, counts) = hook(Method::GET, "counters", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        counts,
        json!({"list_apps": 1, "create_app": 0, "get_app": 1, "list_keys": 1, "create_key": 1,
               "update_key": 0, "rotate_key": 0, "delete_key": 0, "update_app": 0})
    );
    assert_eq!(em.emulator.request_count(Route::CreateKey), 1);
    assert_eq!(
        hook(Method::DELETE, "counters", None).await,
        (200, json!({}))
    );
    assert_eq!(em.emulator.request_count(Route::CreateKey), 0);

    hook(
        Method::POST,
        "faults",
        Some(json!({"kind": "unavailable", "count": 5})),
    )
    .await;
    assert_eq!(hook(Method::DELETE, "faults", None).await, (200, json!({})));
    assert!(em.emulator.pending_faults().is_empty());
    let (status, value) = hook(Method::POST, "faults", Some(json!({"kind": "explode"}))).await;
    assert_eq!(status, 400, "{value}");
    em.stop().await;
}

//! The run-time variants (`/_emulator/variants`, `Emulator::set_variants`), CIDR enforcement, the
//! proxy-like 404 for unknown paths, and the faults that answer oddly (another writer, exact
//! bodies, huge bodies, hangs), over real HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use terraform_provider_onesignal::emulator::{Emulator, Route, Variants};

use super::{call, errors};
use crate::support::{Running, http, start};

/// The `{"success":false,"errors":[message],"reference":[…]}` shape, checked whole.
#[allow(dead_code)] // used by the variant tests that follow
fn assert_generic_error(value: &Value, message: &str) {
    assert_eq!(value["success"], false, "{value}");
    assert_eq!(errors(value), vec![message.to_owned()], "{value}");
    assert!(value["reference"].is_array(), "{value}");
}

/// A key made by hand, returning its token id.
#[allow(dead_code)] // used by the variant tests that follow
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

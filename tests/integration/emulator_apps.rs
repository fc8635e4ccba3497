//! The app endpoints: the emulator's rules over raw HTTP, and the OneSignal client's app calls
//! against it (what reaches the server, what comes back, what never does).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use onesignal_emulator::{Emulator, Fault, Route};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use terraform_provider_onesignal::onesignal::{AppCredentials, AppSettings, Error};
use terraform_provider_onesignal::secret::Secret;

use crate::support::{app_key_status, start_fresh};

/// Base64 of a (fake) Firebase service account file.
const FCM: &str = "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50IiwicHJvamVjdF9pZCI6InNob3AifQ==";
/// Base64 of a (fake) APNs p8 key.
const P8: &str = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JR1RBZ0VBCg==";

/// [`crate::emulator::call`] with a JSON body.
async fn call(
    url: &str,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let body = body.map(|b| b.to_string());
    crate::emulator::call(url, method, path, key, body.as_deref()).await
}

fn errors(value: &Value) -> String {
    value["errors"].to_string()
}

fn web_push() -> Value {
    json!({
        "site_name": "Shop",
        "chrome_web_origin": "https://shop.example.com",
        "safari_site_origin": "https://shop.example.com",
    })
}

fn merged(a: Value, b: Value) -> Value {
    let (Value::Object(mut a), Value::Object(b)) = (a, b) else {
        panic!("objects only");
    };
    a.extend(b);
    Value::Object(a)
}

#[tokio::test]
async fn create_enforces_the_documented_rules_and_stores_what_was_sent() {
    let em = start_fresh().await;
    let (url, key, org) = (em.url.clone(), em.org_key(), em.emulator.organization_id());
    let before = em.emulator.app_ids();
    let named = |extra: Value| merged(json!({"name": "Shop", "organization_id": org}), extra);
    let refused: Vec<(Value, &str)> = vec![
        (json!({"name": "Shop"}), "organization_id is required"),
        (
            json!({"name": "Shop", "organization_id": "00000000-0000-4000-8000-000000000000"}),
            "not the organization",
        ),
        (json!({"organization_id": org}), "name is required"),
        (named(json!({"name": "n".repeat(129)})), "128"),
        (
            named(json!({"site_name": "Shop", "chrome_web_origin": "https://a.example"})),
            "missing: safari_site_origin",
        ),
        (
            named(merged(
                web_push(),
                json!({"chrome_web_origin": "http://shop.example.com"}),
            )),
            "chrome_web_origin must be the site's https:// origin",
        ),
        (
            named(json!({"fcm_v1_service_account_json": "{\"type\": \"service_account\"}"})),
            "fcm_v1_service_account_json must be Base64",
        ),
        (
            named(json!({"apns_p8": "-----BEGIN"})),
            "apns_p8 must be Base64",
        ),
        (named(json!({"apns_env": "prod"})), "apns_env"),
    ];
    for (body, expected) in refused {
        let (status, answer) = call(&url, Method::POST, "/apps", &key, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
        assert!(errors(&answer).contains(expected), "{body} → {answer}");
        assert!(
            !errors(&answer).contains("BEGIN"),
            "a credential was quoted: {answer}"
        );
    }
    assert_eq!(
        em.emulator.app_ids(),
        before,
        "no refused create made an app"
    );

    let body = named(merged(
        web_push(),
        json!({"fcm_v1_service_account_json": FCM, "apns_p8": P8, "apns_env": "sandbox",
               "apns_p12_password": "pw", "safari_apns_p12": "", "safari_apns_p12_password": "",
               "additional_data_is_root_payload": true, "unknown_field": 1}),
    ));
    let (status, created) = call(&url, Method::POST, "/apps", &key, Some(body.clone())).await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["organization_id"], org.as_str());
    assert_eq!(created["name"], "Shop");

    let record = em.emulator.app_record(&id).unwrap();
    assert_eq!(record.settings["fcm_v1_service_account_json"], FCM);
    assert_eq!(record.settings["apns_p12_password"], "pw");
    assert_eq!(record.settings["safari_apns_p12"], "");
    assert_eq!(record.settings["additional_data_is_root_payload"], true);
    assert!(!record.settings.contains_key("unknown_field"));
    assert_eq!(em.emulator.app_writes(&id), vec![body]);

    // The view: settings, the two credentials the docs show, basic_auth_key, players.
    let (status, view) = call(&url, Method::GET, &format!("/apps/{id}"), &key, None).await;
    assert_eq!(status, 200);
    assert_eq!(view["chrome_web_origin"], "https://shop.example.com");
    assert_eq!(view["apns_env"], "sandbox");
    assert_eq!(view["fcm_v1_service_account_json"], FCM);
    assert_eq!(view["apns_p8"], P8);
    assert_eq!(view["basic_auth_key"], record.basic_auth_key.as_str());
    assert!(view["players"].is_i64() && view["messageable_players"].is_i64());
    assert!(view["created_at"].is_string() && view["updated_at"].is_string());
    for never in [
        "apns_p12_password",
        "safari_apns_p12",
        "additional_data_is_root_payload",
    ] {
        assert!(view.get(never).is_none(), "{never} in {view}");
    }
    let (_, list) = call(&url, Method::GET, "/apps", &key, None).await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap();
    assert_eq!(listed["organization_id"], org.as_str());
    assert!(listed.get("fcm_v1_service_account_json").is_none());
    assert_eq!(em.emulator.request_count(Route::CreateApp), 10);
    em.stop().await;
}

#[tokio::test]
async fn put_updates_partially_and_an_organization_id_moves_the_app_out() {
    let em = start_fresh().await;
    let (url, key, org) = (em.url.clone(), em.org_key(), em.emulator.organization_id());
    let (_, created) = call(
        &url,
        Method::POST,
        "/apps",
        &key,
        Some(merged(
            json!({"name": "Shop", "organization_id": org, "apns_p8": P8}),
            web_push(),
        )),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/apps/{id}");

    let (status, view) = call(
        &url,
        Method::PUT,
        &path,
        &key,
        Some(json!({"name": "Renamed"})),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["name"], "Renamed");
    assert_eq!(view["site_name"], "Shop", "settings left out are kept");
    assert_eq!(em.emulator.app_record(&id).unwrap().settings["apns_p8"], P8);

    let partial = json!({"site_name": "Other"});
    let (status, answer) = call(&url, Method::PUT, &path, &key, Some(partial.clone())).await;
    assert_eq!(status, 400);
    assert!(errors(&answer).contains("missing: chrome_web_origin, safari_site_origin"));
    assert_eq!(
        em.emulator.app_record(&id).unwrap().settings["site_name"],
        "Shop"
    );
    let bad_name = json!({"name": ""});
    assert_eq!(
        call(&url, Method::PUT, &path, &key, Some(bad_name.clone()))
            .await
            .0,
        400
    );
    let writes = em.emulator.app_writes(&id);
    assert_eq!(
        writes.len(),
        4,
        "the create and every PUT, refused ones too"
    );
    assert_eq!(writes[1], json!({"name": "Renamed"}));
    assert_eq!(writes[2], partial);
    assert_eq!(
        call(
            &url,
            Method::PUT,
            "/apps/00000000-0000-4000-8000-000000000000",
            &key,
            Some(json!({"name": "x"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(
            &url,
            Method::PUT,
            &path,
            "os_v2_org_wrong",
            Some(json!({"name": "x"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(em.emulator.request_count(Route::UpdateApp), 5);

    // Dashboard edits.
    em.emulator.rename_app(&id, "From the dashboard").unwrap();
    em.emulator
        .edit_app_setting(&id, "apns_env", json!("production"))
        .unwrap();
    let (_, view) = call(&url, Method::GET, &path, &key, None).await;
    assert_eq!(
        (view["name"].as_str(), view["apns_env"].as_str()),
        (Some("From the dashboard"), Some("production"))
    );
    assert_eq!(
        em.emulator.app_writes(&id).len(),
        4,
        "dashboard edits are not API writes"
    );

    // Naming the organization it is in changes nothing; naming another moves it out.
    let (status, _) = call(
        &url,
        Method::PUT,
        &path,
        &key,
        Some(json!({"organization_id": org})),
    )
    .await;
    assert_eq!(status, 200);
    let moved_to = "00000000-0000-4000-8000-0000000000aa";
    let (status, view) = call(
        &url,
        Method::PUT,
        &path,
        &key,
        Some(json!({"organization_id": moved_to})),
    )
    .await;
    assert_eq!(
        (status.as_u16(), view["organization_id"].as_str()),
        (200, Some(moved_to))
    );
    let (_, list) = call(&url, Method::GET, "/apps", &key, None).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id.as_str())
    );
    assert_eq!(call(&url, Method::GET, &path, &key, None).await.0, 404);
    assert_eq!(
        em.emulator.app_record(&id).unwrap().moved_to.as_deref(),
        Some(moved_to)
    );
    em.stop().await;
}

#[tokio::test]
async fn an_app_key_still_views_its_app() {
    let em = start_fresh().await;
    let app = em.app();
    let key = em.emulator.create_key(&app, &json!({"name": "k"})).unwrap();
    assert_eq!(app_key_status(&em.url, &app, &key.secret).await, 200);
    let other = em.emulator.create_app("other").unwrap().id;
    assert_eq!(app_key_status(&em.url, &other, &key.secret).await, 403);
    em.stop().await;
}

fn credentials() -> AppCredentials {
    AppCredentials {
        fcm_v1_service_account_json: Some(Secret::new(FCM)),
        apns_p8: Some(Secret::new(P8)),
        ..AppCredentials::default()
    }
}

fn shop() -> AppSettings {
    AppSettings {
        name: Some("Shop".into()),
        site_name: Some("Shop".into()),
        chrome_web_origin: Some("https://shop.example.com".into()),
        safari_site_origin: Some("https://shop.example.com".into()),
        apns_env: Some("production".into()),
        apns_key_id: Some("ABC123DEFG".into()),
        additional_data_is_root_payload: Some(false),
        ..AppSettings::default()
    }
}

#[tokio::test]
async fn the_client_creates_updates_and_reads_apps_without_keeping_secrets() {
    let em = start_fresh().await;
    let client = em.client(2);
    let org = em.emulator.organization_id();

    let created = client
        .create_app(&org, &shop(), &credentials())
        .await
        .unwrap();
    let id = created.id.clone();
    assert_eq!(created.organization_id.as_deref(), Some(org.as_str()));
    assert_eq!(created.settings.name.as_deref(), Some("Shop"));
    assert!(created.created_at.is_some());
    // The server got the settings, the organization and the credentials.
    let writes = em.emulator.app_writes(&id);
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0]["organization_id"], org.as_str());
    assert_eq!(writes[0]["fcm_v1_service_account_json"], FCM);
    assert_eq!(writes[0]["additional_data_is_root_payload"], false);
    assert!(
        writes[0].get("apns_p12").is_none(),
        "unset credentials are not sent"
    );

    let viewed = client.get_app(&id).await.unwrap();
    let mut expected = shop();
    expected.additional_data_is_root_payload = None; // never returned
    assert_eq!(viewed.settings, expected);
    let basic_auth_key = em.emulator.app_record(&id).unwrap().basic_auth_key;
    let shown = format!("{viewed:?} {created:?} {:?}", credentials());
    for secret in [FCM, P8, basic_auth_key.as_str(), "players"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }

    // An update: no organization_id, only what is set, credentials only when given.
    let rename = AppSettings {
        name: Some("Shop 2".into()),
        ..AppSettings::default()
    };
    let updated = client
        .update_app(&id, &rename, &AppCredentials::default())
        .await
        .unwrap();
    assert_eq!(updated.settings.name.as_deref(), Some("Shop 2"));
    assert_eq!(updated.settings.apns_key_id.as_deref(), Some("ABC123DEFG"));
    assert_eq!(em.emulator.app_writes(&id)[1], json!({"name": "Shop 2"}));
    let rotated = AppCredentials {
        fcm_v1_service_account_json: Some(Secret::new("bmV3")),
        ..AppCredentials::default()
    };
    client.update_app(&id, &rename, &rotated).await.unwrap();
    assert_eq!(
        em.emulator.app_writes(&id)[2],
        json!({"name": "Shop 2", "fcm_v1_service_account_json": "bmV3"})
    );
    let writes = em.emulator.app_writes(&id);
    assert!(
        writes[1..]
            .iter()
            .all(|w| w.get("organization_id").is_none())
    );

    // The list: organization and timestamps, nothing secret.
    let listed = client.list_apps().await.unwrap();
    let app = listed.iter().find(|a| a.id == id).unwrap();
    assert_eq!(app.name, "Shop 2");
    assert_eq!(app.organization_id.as_deref(), Some(org.as_str()));
    assert!(app.created_at.is_some() && app.updated_at.is_some());
    assert!(!format!("{listed:?}").contains(&basic_auth_key));

    // A dashboard rename shows; an app deleted by Support is 404 and missing from the list.
    em.emulator.rename_app(&id, "Dashboard").unwrap();
    assert_eq!(
        client.get_app(&id).await.unwrap().settings.name.as_deref(),
        Some("Dashboard")
    );
    em.emulator.remove_app(&id).unwrap();
    assert!(matches!(
        client.get_app(&id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(client.list_apps().await.unwrap().iter().all(|a| a.id != id));
    em.stop().await;
}

#[tokio::test]
async fn client_validation_errors_name_the_problem_and_never_a_credential() {
    let em = start_fresh().await;
    let client = em.client(0);
    let org = em.emulator.organization_id();
    let bad = AppSettings {
        apns_env: Some("prod".into()),
        ..shop()
    };
    let error = client
        .create_app(&org, &bad, &credentials())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 400, .. }),
        "{error:?}"
    );
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("apns_env"), "{shown}");
    assert!(!shown.contains(FCM) && !shown.contains(P8), "{shown}");
    let error = client
        .create_app(
            "00000000-0000-4000-8000-000000000000",
            &shop(),
            &credentials(),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("organization"), "{error}");
    assert_eq!(em.emulator.app_ids().len(), 1, "nothing was created");
    em.stop().await;
}

#[tokio::test]
async fn a_create_that_may_have_acted_is_not_retried() {
    let em = start_fresh().await;
    let client = em.client(3);
    let org = em.emulator.organization_id();
    // The server creates the app and the answer is lost: ambiguous, and sent once.
    em.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateApp), 1));
    let error = client
        .create_app(&org, &shop(), &credentials())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Ambiguous { .. }), "{error:?}");
    assert!(!format!("{error} {error:?}").contains(FCM));
    assert_eq!(em.emulator.request_count(Route::CreateApp), 1);
    assert_eq!(em.emulator.app_ids().len(), 2, "the lost create did act");
    // A gateway 502 may hide a create too.
    em.emulator
        .inject(Fault::status(Some(Route::CreateApp), 1, 502));
    let error = client
        .create_app(&org, &shop(), &credentials())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Ambiguous { .. }), "{error:?}");
    assert_eq!(em.emulator.request_count(Route::CreateApp), 2);
    // A 503 provably did not act: retried, one app made.
    em.emulator
        .inject(Fault::unavailable(Some(Route::CreateApp), 1));
    client
        .create_app(&org, &shop(), &credentials())
        .await
        .unwrap();
    assert_eq!(em.emulator.request_count(Route::CreateApp), 4);
    assert_eq!(em.emulator.app_ids().len(), 3);
    // An update repeats harmlessly: retried after a gateway error, unlike the create.
    let id = em.emulator.app_ids()[2].clone();
    em.emulator
        .inject(Fault::status(Some(Route::UpdateApp), 1, 502));
    let rename = AppSettings {
        name: Some("again".into()),
        ..AppSettings::default()
    };
    client
        .update_app(&id, &rename, &AppCredentials::default())
        .await
        .unwrap();
    assert_eq!(em.emulator.request_count(Route::UpdateApp), 2);
    em.stop().await;
}

#[test]
fn the_organization_id_is_announced_settable_and_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state = state.to_str().unwrap();
    let chosen = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";
    let first_line = |args: &[&str]| {
        let mut child = Command::new(crate::support::emulator_binary())
            .args(args)
            .arg("--quiet")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn onesignal-emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        serde_json::from_str::<Value>(&line).unwrap()
    };
    let generated = first_line(&[]);
    let generated = generated["organization_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok());
    let given = first_line(&["--organization-id", chosen, "--state", state]);
    assert_eq!(given["organization_id"], chosen);
    let restarted = first_line(&["--state", state]);
    assert_eq!(
        restarted["organization_id"], chosen,
        "kept in the state file"
    );

    // In-process: a state file reopened keeps it too.
    let path = dir.path().join("lib.json");
    let first = Emulator::open(&path, None, vec![]).unwrap();
    let again = Emulator::open(&path, None, vec![]).unwrap();
    assert_eq!(first.organization_id(), again.organization_id());
    assert_ne!(
        first.organization_id(),
        Emulator::generated().organization_id()
    );
}

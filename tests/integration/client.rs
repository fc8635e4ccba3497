//! The OneSignal client against the emulator (in-process, real HTTP on 127.0.0.1:0); its bounds
//! against scripted servers are in [`limits`].

mod limits;

use std::time::{Duration, Instant};

use onesignal_emulator::{Fault, Route};
use serde_json::json;
use terraform_provider_onesignal::onesignal::{
    AllowlistMode, Client, ClientConfig, Error, KeySpec, Limits,
};
use terraform_provider_onesignal::secret::Secret;
use tokio_util::sync::CancellationToken;

use crate::support::{
    app_key_status, assert_no_secret, eventually, serve_in_turn, serve_once, spec, start_fresh,
};

#[tokio::test]
async fn every_operation_round_trips() {
    let em = start_fresh().await;
    let app = em.app();
    let client = em.client(0);

    let apps = client.list_apps().await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].id, app);
    assert!(client.list_keys(&app).await.unwrap().is_empty());

    let created = client
        .create_key(
            &app,
            &KeySpec {
                name: "backend".into(),
                ip_allowlist_mode: AllowlistMode::Explicit,
                ip_allowlist: vec!["127.0.0.1/32".into(), "2001:DB8::/32".into()],
            },
        )
        .await
        .unwrap();
    assert!(created.token.expose().starts_with("os_v2_app_"));
    assert_eq!(created.token.expose().len(), 113);
    assert_eq!(
        app_key_status(&em.url, &app, created.token.expose()).await,
        200
    );

    let keys = client.list_keys(&app).await.unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key.token_id, created.token_id);
    assert_eq!(key.name, "backend");
    assert_eq!(key.ip_allowlist_mode, AllowlistMode::Explicit);
    // The emulator answers in the spelling sent.
    assert_eq!(key.ip_allowlist, vec!["127.0.0.1/32", "2001:DB8::/32"]);
    assert!(key.created_at.is_some() && key.updated_at.is_some());

    client
        .update_key(
            &app,
            &created.token_id,
            &KeySpec {
                name: "renamed".into(),
                ip_allowlist_mode: AllowlistMode::Disabled,
                ip_allowlist: vec![],
            },
        )
        .await
        .unwrap();
    let key = &client.list_keys(&app).await.unwrap()[0];
    assert_eq!(key.name, "renamed");
    assert_eq!(key.ip_allowlist_mode, AllowlistMode::Disabled);
    assert!(
        key.ip_allowlist.is_empty(),
        "update sends all three fields, so the list is cleared"
    );

    let rotated = client.rotate_key(&app, &created.token_id).await.unwrap();
    assert_ne!(rotated, created.token);
    assert_eq!(app_key_status(&em.url, &app, rotated.expose()).await, 200);
    assert_eq!(
        app_key_status(&em.url, &app, created.token.expose()).await,
        403
    );
    assert_eq!(
        client.list_keys(&app).await.unwrap()[0].token_id,
        created.token_id
    );

    client.delete_key(&app, &created.token_id).await.unwrap();
    assert!(client.list_keys(&app).await.unwrap().is_empty());
    assert_eq!(app_key_status(&em.url, &app, rotated.expose()).await, 403);
    let again = client
        .delete_key(&app, &created.token_id)
        .await
        .unwrap_err();
    assert!(again.is_not_found(), "{again:?}");
    em.stop().await;
}

#[tokio::test]
async fn every_error_kind_from_the_server() {
    let em = start_fresh().await;
    let app = em.app();
    let client = em.client(0);

    let wrong = em.client_with("os_v2_org_wrong".into(), 0, CancellationToken::new());
    match wrong.list_keys(&app).await.unwrap_err() {
        Error::CredentialsRejected {
            status: 403,
            messages,
            ..
        } => assert_eq!(
            messages,
            vec![
                "Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."
            ]
        ),
        other => panic!("expected CredentialsRejected, got {other:?}"),
    }

    let unknown_app = "00000000-0000-4000-8000-000000000000";
    let e = client.list_keys(unknown_app).await.unwrap_err();
    assert!(matches!(&e, Error::NotFound { status: 404, .. }), "{e:?}");
    assert!(e.to_string().contains(unknown_app), "{e}");
    for e in [
        client
            .update_key(&app, "no-such-key", &spec("x"))
            .await
            .unwrap_err(),
        client
            .rotate_key(&app, "no-such-key")
            .await
            .map(drop)
            .unwrap_err(),
        client.delete_key(&app, "no-such-key").await.unwrap_err(),
    ] {
        assert!(matches!(e, Error::NotFound { status: 404, .. }), "{e:?}");
    }

    let bad_cidr = KeySpec {
        name: "bad".into(),
        ip_allowlist_mode: AllowlistMode::Explicit,
        ip_allowlist: vec!["300.1.2.3/8".into()],
    };
    match client.create_key(&app, &bad_cidr).await.unwrap_err() {
        Error::Validation {
            status: 400,
            messages,
            ..
        } => {
            assert!(messages[0].contains("300.1.2.3/8"), "{messages:?}")
        }
        other => panic!("expected Validation, got {other:?}"),
    }
    let long = client
        .create_key(&app, &spec(&"n".repeat(129)))
        .await
        .unwrap_err();
    assert!(
        matches!(long, Error::Validation { status: 400, .. }),
        "{long:?}"
    );
    assert!(long.to_string().contains("HTTP 400"), "{long}");

    for i in 0..16 {
        client
            .create_key(&app, &spec(&format!("k{i}")))
            .await
            .unwrap();
    }
    let e = client
        .create_key(&app, &spec("seventeenth"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::KeyLimitReached { status: 400, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("16"), "{e}");
    assert_eq!(em.emulator.keys(&app).unwrap().len(), 16);
    em.stop().await;
}

#[tokio::test]
async fn transport_errors_and_connect_failures_are_retried_even_for_create() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(ClientConfig {
        base_url: url,
        organization_api_key: Secret::new("os_v2_org_x"),
        max_retries: 1,
        user_agent: "t".into(),
        limits: Limits::default(),
    })
    .unwrap();
    match client.create_key("app", &spec("x")).await.unwrap_err() {
        // A refused connection provably never reached a server: retried, and not ambiguous.
        Error::Transport {
            attempts: 2,
            waited,
            ..
        } => assert!(waited > Duration::ZERO),
        other => panic!("expected Transport after 2 attempts, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limit_retry_after_is_honoured() {
    let em = start_fresh().await;
    let app = em.app();
    em.emulator
        .inject(Fault::rate_limit(Some(Route::ListKeys), 1, 1));
    let started = Instant::now();
    em.client(3).list_keys(&app).await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1),
        "Retry-After: 1 must be waited out, took {took:?}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(em.emulator.request_count(Route::ListKeys), 2);
    em.stop().await;
}

#[tokio::test]
async fn rate_limit_and_unavailable_are_retried_even_for_create() {
    let em = start_fresh().await;
    let app = em.app();
    em.emulator
        .inject(Fault::rate_limit(Some(Route::CreateKey), 1, 0));
    em.emulator
        .inject(Fault::unavailable(Some(Route::CreateKey), 1));
    em.client(5)
        .create_key(&app, &spec("after 503s"))
        .await
        .unwrap();
    assert_eq!(em.emulator.request_count(Route::CreateKey), 3);
    assert_eq!(em.emulator.keys(&app).unwrap().len(), 1);
    em.stop().await;
}

#[tokio::test]
async fn retries_stop_at_max_retries() {
    let em = start_fresh().await;
    let app = em.app();
    em.emulator
        .inject(Fault::unavailable(Some(Route::ListKeys), 10));
    match em.client(2).list_keys(&app).await.unwrap_err() {
        e @ Error::Server {
            status: 503,
            attempts: 3,
            ..
        } => {
            let text = e.to_string();
            assert!(
                text.contains("HTTP 503") && text.contains("3 attempts"),
                "{text}"
            );
            assert!(text.contains("Service temporarily unavailable"), "{text}");
        }
        other => panic!("expected Server after 3 attempts, got {other:?}"),
    }
    assert_eq!(em.emulator.request_count(Route::ListKeys), 3);

    em.emulator.clear_faults();
    em.emulator.reset_counters();
    em.emulator
        .inject(Fault::rate_limit(Some(Route::ListApps), 10, 0));
    match em.client(1).list_apps().await.unwrap_err() {
        e @ Error::RateLimited { attempts: 2, .. } => {
            let text = e.to_string();
            assert!(
                text.contains("2 attempts") && text.contains("of waiting"),
                "{text}"
            );
            assert!(text.contains("API rate limit exceeded."), "{text}");
        }
        other => panic!("expected RateLimited after 2 attempts, got {other:?}"),
    }
    assert_eq!(em.emulator.request_count(Route::ListApps), 2);

    // Zero retries: exactly one request.
    em.emulator.reset_counters();
    em.emulator.clear_faults();
    em.emulator
        .inject(Fault::unavailable(Some(Route::ListApps), 1));
    assert!(matches!(
        em.client(0).list_apps().await,
        Err(Error::Server { attempts: 1, .. })
    ));
    assert_eq!(em.emulator.request_count(Route::ListApps), 1);
    em.stop().await;
}

#[tokio::test]
async fn dropped_create_answer_is_ambiguous_and_not_retried() {
    let em = start_fresh().await;
    let app = em.app();
    em.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), 1));
    let e = em
        .client(5)
        .create_key(&app, &spec("maybe"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Ambiguous { .. }), "{e:?}");
    assert_eq!(
        em.emulator.request_count(Route::CreateKey),
        1,
        "a create is never retried blindly"
    );
    let keys = em.emulator.keys(&app).unwrap();
    assert_eq!(keys.len(), 1, "exactly one key exists");
    assert_eq!(keys[0].name, "maybe");
    em.stop().await;
}

#[tokio::test]
async fn dropped_rotate_answer_is_retried_and_the_final_secret_works() {
    let em = start_fresh().await;
    let app = em.app();
    let client = em.client(3);
    let created = client.create_key(&app, &spec("rotating")).await.unwrap();
    em.emulator
        .inject(Fault::drop_after_act(Some(Route::RotateKey), 1));
    let secret = client.rotate_key(&app, &created.token_id).await.unwrap();
    assert_eq!(em.emulator.request_count(Route::RotateKey), 2);
    assert_eq!(
        em.emulator.key(&app, &created.token_id).unwrap().secret,
        secret.expose()
    );
    assert_eq!(app_key_status(&em.url, &app, secret.expose()).await, 200);
    assert_eq!(
        app_key_status(&em.url, &app, created.token.expose()).await,
        403
    );
    em.stop().await;
}

#[tokio::test]
async fn cancellation_stops_a_retry_wait_within_100ms() {
    let em = start_fresh().await;
    em.emulator
        .inject(Fault::rate_limit(Some(Route::ListApps), 1, 30));
    let cancel = CancellationToken::new();
    let client = em.client_with(em.org_key(), 5, cancel.clone());
    let call = tokio::spawn(async move { client.list_apps().await });
    let emulator = em.emulator.clone();
    eventually(|| emulator.request_count(Route::ListApps) == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await; // now inside the 30 s wait
    let cancelled_at = Instant::now();
    cancel.cancel();
    let result = call.await.unwrap();
    let took = cancelled_at.elapsed();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(took < Duration::from_millis(100), "took {took:?}");
    em.stop().await;
}

#[tokio::test]
async fn cancellation_stops_an_in_flight_request() {
    let em = start_fresh().await;
    let app = em.app();
    em.emulator
        .inject(Fault::latency(Some(Route::ListKeys), 1, 5_000));
    let cancel = CancellationToken::new();
    let client = em.client_with(em.org_key(), 5, cancel.clone());
    let call = tokio::spawn(async move { client.list_keys(&app).await });
    let emulator = em.emulator.clone();
    eventually(|| emulator.request_count(Route::ListKeys) == 1).await;
    let cancelled_at = Instant::now();
    cancel.cancel();
    let result = call.await.unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(cancelled_at.elapsed() < Duration::from_millis(100));
    // A cancelled client refuses further work at once.
    let client = em.client_with(em.org_key(), 0, cancel);
    assert!(matches!(client.list_apps().await, Err(Error::Cancelled)));
    em.stop().await;
}

/// One client, two calls: cancelling one call's handle ends that call only, and the client goes
/// on serving the other and later calls.
#[tokio::test]
async fn cancelling_one_handle_leaves_the_others_working() {
    let em = start_fresh().await;
    let app = em.app();
    em.emulator
        .inject(Fault::latency(Some(Route::ListKeys), 2, 1_000));
    let client = em.client(0);
    let (stopped, going) = (CancellationToken::new(), CancellationToken::new());
    let call = |cancel: &CancellationToken| {
        let (client, app) = (client.with_cancel(cancel.clone()), app.clone());
        tokio::spawn(async move { client.list_keys(&app).await })
    };
    let (first, second) = (call(&stopped), call(&going));
    let emulator = em.emulator.clone();
    eventually(|| emulator.request_count(Route::ListKeys) == 2).await;
    let cancelled_at = Instant::now();
    stopped.cancel();
    let result = first.await.unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(cancelled_at.elapsed() < Duration::from_millis(500));
    let result = second.await.unwrap();
    assert!(matches!(&result, Ok(keys) if keys.is_empty()), "{result:?}");
    assert!(!going.is_cancelled());
    // A fresh token after the stop, as the provider's next call gets: it works normally.
    let result = call(&CancellationToken::new()).await.unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(em.emulator.request_count(Route::ListKeys), 3);
    em.stop().await;
}

#[tokio::test]
async fn formatting_errors_and_models_never_shows_a_secret() {
    let em = start_fresh().await;
    let app = em.app();
    let org_key = em.org_key();
    let client = em.client(0);
    let created = client.create_key(&app, &spec("s")).await.unwrap();
    let rotated = client.rotate_key(&app, &created.token_id).await.unwrap();
    let keys = client.list_keys(&app).await.unwrap();
    let apps = client.list_apps().await.unwrap();

    let mut errors = vec![
        em.client_with(
            "os_v2_org_wrongwrongwrong".into(),
            0,
            CancellationToken::new(),
        )
        .list_apps()
        .await
        .unwrap_err(),
        client.list_keys("nope").await.unwrap_err(),
        client.create_key(&app, &spec("")).await.unwrap_err(),
    ];
    em.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), 1));
    errors.push(client.create_key(&app, &spec("dropped")).await.unwrap_err());
    em.emulator.inject(Fault::unavailable(None, 1));
    errors.push(client.list_apps().await.unwrap_err());
    em.emulator.inject(Fault::rate_limit(None, 1, 0));
    errors.push(client.list_apps().await.unwrap_err());
    for _ in 0..14 {
        client.create_key(&app, &spec("filler")).await.unwrap();
    }
    errors.push(client.create_key(&app, &spec("17th")).await.unwrap_err());
    errors.push(Error::Cancelled);
    // A connection refused (a port nobody listens on), an answer that quotes the organization
    // key back, and a configuration the client refuses.
    // Bound but never listening: the port stays ours, and connections to it are refused.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let dead_url = format!("http://{}", closed.local_addr().unwrap());
    let with_url = |base_url: String| ClientConfig {
        base_url,
        organization_api_key: Secret::new(org_key.clone()),
        max_retries: 0,
        user_agent: "t".into(),
        limits: Limits::default(),
    };
    let echo: &'static str =
        Box::leak(format!("<html>{org_key} {}</html>", rotated.expose()).into_boxed_str());
    let (echo_url, _server) = serve_once(200, echo).await;
    for url in [dead_url, echo_url] {
        let client = Client::new(with_url(url)).unwrap();
        errors.push(client.list_apps().await.unwrap_err());
    }
    errors.push(Client::new(with_url(format!("ftp://{org_key}@x"))).unwrap_err());

    let config = ClientConfig {
        base_url: em.url.clone(),
        organization_api_key: Secret::new(org_key.clone()),
        max_retries: 0,
        user_agent: "t".into(),
        limits: Limits::default(),
    };
    let mut formatted = vec![
        format!("{created:?}"),
        format!("{rotated:?} {rotated}"),
        format!("{keys:?} {apps:?}"),
        format!("{client:?}"),
        format!("{config:?}"),
    ];
    for e in &errors {
        formatted.push(format!("{e} {e:?}"));
    }
    let secrets = vec![
        org_key,
        created.token.expose().to_owned(),
        rotated.expose().to_owned(),
    ];
    let kinds: Vec<_> = errors
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "CredentialsRejected",
            "NotFound",
            "Validation",
            "Ambiguous",
            "Server",
            "RateLimited",
            "KeyLimitReached",
            "Cancelled",
            "Transport",
            "InvalidResponse",
            "InvalidConfig"
        ]
    );
    for text in formatted {
        assert_no_secret(&text, &secrets);
    }
    em.stop().await;
}

#[tokio::test]
async fn requests_carry_the_documented_headers() {
    let (url, server) = serve_once(200, "[]").await;
    let client = Client::new(ClientConfig {
        base_url: url,
        organization_api_key: Secret::new("os_v2_org_headers"),
        max_retries: 0,
        user_agent: terraform_provider_onesignal::provider::user_agent(Some("1.9.8")),
        limits: Limits::default(),
    })
    .unwrap();
    assert!(client.list_apps().await.unwrap().is_empty());
    let head = server.await.unwrap();
    assert!(head.starts_with("get /apps http/1.1\r\n"), "{head}");
    assert!(
        head.contains("\r\nauthorization: key os_v2_org_headers\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\ncontent-type: application/json\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!(
            "\r\nuser-agent: terraform-provider-onesignal/{} (+terraform 1.9.8)\r\n",
            terraform_provider_onesignal::provider::VERSION
        )),
        "{head}"
    );
}

#[tokio::test]
async fn update_always_sends_all_three_fields() {
    let em = start_fresh().await;
    let app = em.app();
    let key = em
        .emulator
        .create_key(
            &app,
            &json!({"name": "k", "ip_allowlist_mode": "explicit", "ip_allowlist": ["10.0.0.0/8"]}),
        )
        .unwrap();
    // A spec with an empty list and mode "disabled" must clear both, which only happens when the
    // fields are sent rather than left out.
    em.client(0)
        .update_key(&app, &key.token_id, &spec("k"))
        .await
        .unwrap();
    let now = em.emulator.key(&app, &key.token_id).unwrap();
    assert_eq!(now.ip_allowlist_mode, "disabled");
    assert!(now.ip_allowlist.is_empty());
    em.stop().await;
}

/// The process-wide capture of tracing events (installed by the first test that needs it).
static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();

/// Collects every tracing event as `field=value` text.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

struct FieldText(String);

impl tracing::field::Visit for FieldText {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Captured {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut text = FieldText(String::new());
        event.record(&mut text);
        self.0.lock().unwrap().push(text.0);
    }
}

#[tokio::test]
async fn tracing_reports_each_attempt_without_secrets() {
    use tracing_subscriber::layer::SubscriberExt;
    // One global subscriber for the whole test binary: a thread-local one races with the other
    // tests' threads over tracing's global per-callsite interest cache. Events of other tests
    // land in it too; the assertions below pick this test's by its app id.
    let captured = CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let _ = tracing::subscriber::set_global_default(
                tracing_subscriber::registry().with(captured.clone()),
            );
            captured
        })
        .clone();
    let em = start_fresh().await;
    let app = em.app();
    let org_key = em.org_key();
    em.emulator
        .inject(Fault::unavailable(Some(Route::CreateKey), 1));
    let client = em.client(2);
    let created = client.create_key(&app, &spec("traced")).await.unwrap();
    let rotated = client.rotate_key(&app, &created.token_id).await.unwrap();
    em.stop().await;

    let events = captured.0.lock().unwrap().clone();
    let path = format!("path=\"/apps/{app}/auth/tokens\"");
    let attempt = |n: u32, status: u16| {
        events.iter().any(|e| {
            e.contains("method=POST")
                && e.contains(&path)
                && e.contains(&format!("status={status} "))
                && e.contains(&format!("attempt={n} "))
                && e.contains("duration_ms=")
        })
    };
    assert!(attempt(1, 503), "{events:#?}");
    assert!(attempt(2, 200), "{events:#?}");
    assert!(
        events
            .iter()
            .any(|e| e.contains("wait_ms=") && e.contains(&path)),
        "the retry is reported: {events:#?}"
    );
    let all = events.join("\n");
    assert_no_secret(
        &all,
        &[
            org_key,
            created.token.expose().to_owned(),
            rotated.expose().to_owned(),
        ],
    );
    assert!(!all.to_ascii_lowercase().contains("authorization"), "{all}");
}

#[tokio::test]
async fn gateway_errors_retry_reads_but_make_a_create_ambiguous() {
    let em = start_fresh().await;
    let app = em.app();
    let client = em.client(3);
    em.emulator
        .inject(Fault::status(Some(Route::ListKeys), 2, 502));
    em.emulator
        .inject(Fault::status(Some(Route::ListKeys), 1, 504));
    client.list_keys(&app).await.unwrap();
    assert_eq!(em.emulator.request_count(Route::ListKeys), 4);

    // A 502 on create: the origin may have acted, so no retry and no plain server error.
    em.emulator
        .inject(Fault::status(Some(Route::CreateKey), 1, 502));
    let e = client.create_key(&app, &spec("x")).await.unwrap_err();
    assert!(
        matches!(&e, Error::Ambiguous { detail } if detail.contains("502")),
        "{e:?}"
    );
    assert_eq!(em.emulator.request_count(Route::CreateKey), 1);

    // A 500 on create may come after the key was made: ambiguous, like a gateway's.
    em.emulator
        .inject(Fault::status(Some(Route::CreateKey), 1, 500));
    let e = client.create_key(&app, &spec("y")).await.unwrap_err();
    assert!(
        matches!(&e, Error::Ambiguous { detail } if detail.contains("answered HTTP 500")),
        "{e:?}"
    );
    assert_eq!(em.emulator.request_count(Route::CreateKey), 2);

    // ... but an update, which converges, is retried after a 500.
    let key = client.create_key(&app, &spec("z")).await.unwrap();
    em.emulator
        .inject(Fault::status(Some(Route::UpdateKey), 1, 500));
    client
        .update_key(&app, &key.token_id, &spec("renamed"))
        .await
        .unwrap();
    assert_eq!(em.emulator.request_count(Route::UpdateKey), 2);
    assert_eq!(
        em.emulator.key(&app, &key.token_id).unwrap().name,
        "renamed"
    );
    em.stop().await;
}

#[tokio::test]
async fn garbled_success_answers() {
    let client = |url: String| {
        Client::new(ClientConfig {
            base_url: url,
            organization_api_key: Secret::new("os_v2_org_garbled"),
            max_retries: 3,
            user_agent: "t".into(),
            limits: Limits::default(),
        })
        .unwrap()
    };
    let (url, _server) = serve_once(200, "<html>surprise</html>").await;
    let e = client(url).list_keys("app").await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidResponse { status: 200, .. }),
        "{e:?}"
    );
    // A rotate answered 200 without a readable secret did rotate: it is rotated again.
    let secret = format!("os_v2_app_{}", "a".repeat(103));
    let good: &'static str =
        Box::leak(format!(r#"{{"formatted_token":"{secret}"}}"#).into_boxed_str());
    let (url, server) = serve_in_turn(vec![(200, "{}"), (200, good)]).await;
    let rotated = client(url).rotate_key("app", "t").await.unwrap();
    assert_eq!(rotated.expose(), secret);
    let heads = server.await.unwrap();
    assert!(
        heads
            .iter()
            .all(|h| h.starts_with("post /apps/app/auth/tokens/t/rotate")),
        "{heads:?}"
    );
    // ... but not forever: after max_retries more unreadable answers it is an error.
    let (url, server) = serve_in_turn(vec![(200, "{}"); 4]).await;
    let e = client(url).rotate_key("app", "t").await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidResponse { status: 200, .. }),
        "{e:?}"
    );
    assert_eq!(server.await.unwrap().len(), 4);

    // A create answered 200 without a readable secret: the key exists, its secret is lost.
    let (url, _server) = serve_once(200, r#"{"token_id":"t"}"#).await;
    let e = client(url).create_key("app", &spec("x")).await.unwrap_err();
    assert!(
        matches!(&e, Error::Ambiguous { detail } if detail.contains("HTTP 200")),
        "{e:?}"
    );
}

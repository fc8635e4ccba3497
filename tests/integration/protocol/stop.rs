//! `StopProvider` stops the calls in flight, not the provider: each call has its own token,
//! derived from the server's, and a stop arms a fresh one for the calls that follow (as
//! terraform-plugin-go's server does).

use std::time::{Duration, Instant};

use terraform_provider_onesignal::emulator::{Fault, Route};
use terraform_provider_onesignal::tfplugin::{Value, msgpack};

use super::{dynamic, key_config, object, provider_type, resource_type, s};
use crate::harness::{Plugin, pb};
use crate::support::{self, Running};

type ProviderClient = pb::provider_client::ProviderClient<tonic::transport::Channel>;

/// `ConfigureProvider` against the emulator `em`, asserting that it succeeds.
async fn configure(client: &mut ProviderClient, em: &Running) {
    let configured = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dynamic(
                &object(&[
                    ("organization_api_key", s(&em.org_key())),
                    ("api_url", s(&em.url)),
                    ("max_retries", Value::int(2)),
                ]),
                &provider_type(),
            ),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(configured.diagnostics.is_empty(), "{configured:?}");
}

fn errors(diagnostics: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

/// Ctrl-C during a refresh: the read waiting on a list that OneSignal never answers ends at once,
/// with a "Stopped by Terraform" error and the state exactly as it was; then a later read on the
/// same provider process succeeds.
#[tokio::test]
async fn stop_provider_cancels_the_calls_in_flight_not_the_provider() {
    let em = support::start_fresh().await;
    let app = em.app();
    let key = em
        .client(0)
        .create_key(&app, &support::spec("on the server"))
        .await
        .unwrap();
    let plugin = Plugin::start();
    let mut client = plugin.provider_client().await;
    configure(&mut client, &em).await;

    let ty = resource_type();
    let state = key_config(&[
        ("id", s(&format!("{app}/{}", key.token_id))),
        ("app_id", s(&app)),
        ("token_id", s(&key.token_id)),
        ("name", s("as last refreshed")),
        ("ip_allowlist_mode", s("disabled")),
    ]);
    let request = pb::read_resource::Request {
        type_name: "onesignal_app_api_key".into(),
        current_state: dynamic(&state, &ty),
        ..Default::default()
    };

    // The next list of the app's keys is accepted and never answered: without a stop, the read
    // would wait out the 30 s attempt timeout, and retry.
    em.emulator.inject(Fault::hang(Some(Route::ListKeys), 1));
    let mut reading = client.clone();
    let stuck = tokio::spawn({
        let request = request.clone();
        async move { reading.read_resource(request).await }
    });
    let emulator = em.emulator.clone();
    support::eventually(|| emulator.request_count(Route::ListKeys) == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let asked = Instant::now();
    let stop = client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stop.error, "");
    let response = tokio::time::timeout(Duration::from_secs(10), stuck)
        .await
        .expect("the read ended long before the 30 s attempt timeout")
        .unwrap()
        .unwrap()
        .into_inner();
    // Generous for a loaded machine; what it cuts short is 30 s.
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let stopped = errors(&response.diagnostics);
    assert_eq!(stopped.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(stopped[0].summary, "Stopped by Terraform");
    assert!(stopped[0].detail.contains("Ctrl-C"), "{}", stopped[0].detail);
    assert!(
        stopped[0].detail.contains(&key.token_id),
        "{}",
        stopped[0].detail
    );
    let kept = msgpack::decode(&response.new_state.unwrap().msgpack, &ty).unwrap();
    assert_eq!(kept, state, "a stopped read leaves the state as it was");
    assert_eq!(
        em.emulator.request_count(Route::ListKeys),
        1,
        "no retry after the stop"
    );

    // The same provider process, the same read: the stop ended that call only.
    let response = client.read_resource(request).await.unwrap().into_inner();
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{:?}",
        response.diagnostics
    );
    let refreshed = msgpack::decode(&response.new_state.unwrap().msgpack, &ty).unwrap();
    assert_eq!(
        refreshed.get_attr("name").as_str(),
        Some("on the server"),
        "the later read refreshed the state from OneSignal"
    );
    assert_eq!(refreshed.get_attr("token_id").as_str(), Some(&*key.token_id));
    assert_eq!(em.emulator.request_count(Route::ListKeys), 2);
    assert_eq!(
        em.emulator.keys(&app).unwrap().len(),
        1,
        "nothing was written"
    );
}

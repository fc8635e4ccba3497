//! `StopProvider` stops the calls in flight, not the provider: each call has its own token,
//! derived from the server's, and a stop arms a fresh one for the calls that follow (as
//! terraform-plugin-go's server does). The built binary against the emulator for a refresh, and
//! `tfplugin::grpc` serving a provider of the test's own for every kind of call.

use std::time::{Duration, Instant};

use onesignal_emulator::{Fault, Route};
use terraform_provider_onesignal::tfplugin::{Type, Value, msgpack};

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
    assert!(
        stopped[0].detail.contains("Ctrl-C"),
        "{}",
        stopped[0].detail
    );
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
    assert_eq!(
        refreshed.get_attr("token_id").as_str(),
        Some(&*key.token_id)
    );
    assert_eq!(em.emulator.request_count(Route::ListKeys), 2);
    assert_eq!(
        em.emulator.keys(&app).unwrap().len(),
        1,
        "nothing was written"
    );
}

/// A provider of the test's own whose every call that may wait on the network reports whether
/// its token was cancelled: while `hold` is set, each waits for its token (10 s at most).
mod waiting {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;

    use terraform_provider_onesignal::tfplugin::{
        ApplyRequest, ApplyResponse, Attribute, Block, ConfigureRequest, DataReadRequest,
        DataSource, Diagnostic, Diagnostics, ImportRequest, ImportResponse, PlanRequest,
        PlanResponse, Presence, Provider, ReadRequest, ReadResponse, Resource, Schema, Type, Value,
    };
    use tokio_util::sync::CancellationToken;

    /// What the calls share with the test.
    #[derive(Default)]
    pub struct Calls {
        /// Calls that have started.
        pub entered: AtomicUsize,
        /// Whether calls wait for their token.
        pub hold: AtomicBool,
    }

    impl Calls {
        /// One call: a warning "stopped" if its token was cancelled, "ran" if not.
        async fn run(&self, cancel: &CancellationToken) -> Diagnostics {
            let stopped_before = cancel.is_cancelled();
            self.entered.fetch_add(1, Ordering::SeqCst);
            if self.hold.load(Ordering::SeqCst) {
                let _ = tokio::time::timeout(Duration::from_secs(10), cancel.cancelled()).await;
            }
            let summary = match (stopped_before, cancel.is_cancelled()) {
                (true, _) => "stopped before it began",
                (false, true) => "stopped",
                (false, false) => "ran",
            };
            Diagnostic::warning(summary, "").into()
        }
    }

    pub fn schema() -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::new(
                    "id",
                    Type::String,
                    Presence::Optional,
                    "The id.",
                )],
                ..Block::default()
            },
        }
    }

    pub struct TestProvider(pub Arc<Calls>);
    struct TestResource(Arc<Calls>);
    struct TestData(Arc<Calls>);

    #[async_trait::async_trait]
    impl Provider for TestProvider {
        fn type_name(&self) -> &'static str {
            "test"
        }
        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block::default(),
            }
        }
        fn resources(&self) -> Vec<Arc<dyn Resource>> {
            vec![Arc::new(TestResource(self.0.clone()))]
        }
        fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
            vec![Arc::new(TestData(self.0.clone()))]
        }
        async fn validate(&self, _: &Value) -> Diagnostics {
            Diagnostics::new()
        }
        async fn configure(&self, request: ConfigureRequest) -> Diagnostics {
            self.0.run(&request.cancel).await
        }
    }

    #[async_trait::async_trait]
    impl Resource for TestResource {
        fn type_name(&self) -> &'static str {
            "test_waiting"
        }
        fn schema(&self) -> Schema {
            schema()
        }
        async fn validate(&self, _: &Value) -> Diagnostics {
            Diagnostics::new()
        }
        async fn plan(&self, request: PlanRequest) -> PlanResponse {
            PlanResponse {
                diagnostics: self.0.run(&request.cancel).await,
                planned_state: request.proposed_new_state,
                ..PlanResponse::default()
            }
        }
        async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
            ApplyResponse {
                diagnostics: self.0.run(&request.cancel).await,
                new_state: request.planned_state,
                ..ApplyResponse::default()
            }
        }
        async fn read(&self, request: ReadRequest) -> ReadResponse {
            ReadResponse {
                diagnostics: self.0.run(&request.cancel).await,
                new_state: request.current_state,
                ..ReadResponse::default()
            }
        }
        async fn import(&self, request: ImportRequest) -> ImportResponse {
            ImportResponse {
                diagnostics: self.0.run(&request.cancel).await,
                ..ImportResponse::default()
            }
        }
    }

    #[async_trait::async_trait]
    impl DataSource for TestData {
        fn type_name(&self) -> &'static str {
            "test_waiting"
        }
        fn schema(&self) -> Schema {
            schema()
        }
        async fn validate(&self, _: &Value) -> Diagnostics {
            Diagnostics::new()
        }
        async fn read(&self, request: DataReadRequest) -> (Value, Diagnostics) {
            let diags = self.0.run(&request.cancel).await;
            (request.config, diags)
        }
    }
}

/// Every kind of call that may wait (configure, plan, apply, read, import, data source read)
/// gets its own token: a stop cancels all those in flight at once, and the same six calls made
/// after it run with tokens that are not cancelled.
#[tokio::test]
async fn every_call_gets_a_token_that_a_stop_cancels_and_later_calls_do_not_share() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use terraform_provider_onesignal::tfplugin::grpc;
    use tokio_util::sync::CancellationToken;

    let calls = Arc::new(waiting::Calls::default());
    let provider = Arc::new(waiting::TestProvider(calls.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_routes(grpc::routes(provider, CancellationToken::new()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let mut client: ProviderClient = pb::provider_client::ProviderClient::new(
        tonic::transport::Endpoint::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
            .unwrap(),
    );

    calls.hold.store(true, Ordering::SeqCst);
    let in_flight = tokio::spawn(six_calls(client.clone()));
    let entered = calls.clone();
    support::eventually(|| entered.entered.load(Ordering::SeqCst) == 6).await;
    let asked = Instant::now();
    client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap();
    let answers = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("every call in flight ends at the stop")
        .unwrap();
    assert!(asked.elapsed() < Duration::from_secs(5));
    assert_eq!(answers, [(); 6].map(|()| vec!["stopped".to_owned()]));

    calls.hold.store(false, Ordering::SeqCst);
    let answers = six_calls(client.clone()).await;
    assert_eq!(answers, [(); 6].map(|()| vec!["ran".to_owned()]));
    assert_eq!(calls.entered.load(Ordering::SeqCst), 12);
}

/// Configure, plan, apply, read, import and data source read of the waiting test provider, all
/// at once; each answers the summaries of its diagnostics.
async fn six_calls(client: ProviderClient) -> [Vec<String>; 6] {
    let ty = waiting::schema().object_type();
    let value = dynamic(&object(&[("id", s("x"))]), &ty);
    let no_config = dynamic(&object(&[]), &Type::Object(Default::default()));
    let summaries = |d: Vec<pb::Diagnostic>| d.into_iter().map(|d| d.summary).collect();
    let mut c = [(); 6].map(|()| client.clone());
    let [c0, c1, c2, c3, c4, c5] = &mut c;
    let (configure, plan, apply, read, import, data) = tokio::join!(
        c0.configure_provider(pb::configure_provider::Request {
            config: no_config,
            ..Default::default()
        }),
        c1.plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_waiting".into(),
            prior_state: value.clone(),
            proposed_new_state: value.clone(),
            config: value.clone(),
            ..Default::default()
        }),
        c2.apply_resource_change(pb::apply_resource_change::Request {
            type_name: "test_waiting".into(),
            prior_state: value.clone(),
            planned_state: value.clone(),
            config: value.clone(),
            ..Default::default()
        }),
        c3.read_resource(pb::read_resource::Request {
            type_name: "test_waiting".into(),
            current_state: value.clone(),
            ..Default::default()
        }),
        c4.import_resource_state(pb::import_resource_state::Request {
            type_name: "test_waiting".into(),
            id: "x".into(),
            ..Default::default()
        }),
        c5.read_data_source(pb::read_data_source::Request {
            type_name: "test_waiting".into(),
            config: value.clone(),
            ..Default::default()
        }),
    );
    [
        summaries(configure.unwrap().into_inner().diagnostics),
        summaries(plan.unwrap().into_inner().diagnostics),
        summaries(apply.unwrap().into_inner().diagnostics),
        summaries(read.unwrap().into_inner().diagnostics),
        summaries(import.unwrap().into_inner().diagnostics),
        summaries(data.unwrap().into_inner().diagnostics),
    ]
}

//! Write-only attributes and client capabilities through the plugin protocol: a small provider
//! of the test's own is served by `tfplugin::grpc` on loopback and driven with Terraform's
//! messages, so the protocol layer is proven without depending on any OneSignal resource.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use terraform_provider_onesignal::tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, ClientCapabilities,
    ConfigureRequest, DataSource, Diagnostic, Diagnostics, ImportRequest, ImportResponse,
    PlanRequest, PlanResponse, Presence, Provider, ReadRequest, ReadResponse, Resource, Schema,
    Type, ValidateRequest, Value, grpc, msgpack,
};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::harness::pb;

/// What the resources saw: the capabilities each call carried.
#[derive(Default)]
struct Seen {
    validate: Vec<ClientCapabilities>,
    plan: Vec<ClientCapabilities>,
}

/// `test_secret`: a write-only `secret_wo` and its trigger `secret_wo_version`. Careless on
/// purpose: its plan, apply and read hand the secret back, and the protocol layer must drop it.
struct SecretResource {
    seen: Arc<Mutex<Seen>>,
}

fn secret_schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            attributes: vec![
                Attribute::new("id", Type::String, Presence::Computed, "The id."),
                Attribute::new("secret_wo", Type::String, Presence::Optional, "A secret.")
                    .sensitive()
                    .write_only(),
                Attribute::new(
                    "secret_wo_version",
                    Type::String,
                    Presence::Optional,
                    "Its trigger.",
                ),
            ],
            ..Block::default()
        },
    }
}

#[async_trait::async_trait]
impl Resource for SecretResource {
    fn type_name(&self) -> &'static str {
        "test_secret"
    }
    fn schema(&self) -> Schema {
        secret_schema()
    }
    async fn validate(&self, _: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn validate_config(&self, request: ValidateRequest) -> Diagnostics {
        self.seen
            .lock()
            .unwrap()
            .validate
            .push(request.client_capabilities);
        let mut diags = self.validate(&request.config).await;
        if !request.config.get_attr("secret_wo").is_null()
            && !request.client_capabilities.write_only_attributes_allowed
        {
            diags.push(
                Diagnostic::error(
                    "Write-only attribute not supported",
                    "Needs Terraform 1.11.",
                )
                .at(AttributePath::attribute("secret_wo")),
            );
        }
        diags
    }
    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        self.seen
            .lock()
            .unwrap()
            .plan
            .push(request.client_capabilities);
        let mut planned = request.config;
        if let Value::Object(attributes) = &mut planned {
            attributes.insert("id".into(), Value::unknown());
        }
        PlanResponse {
            planned_state: planned,
            ..PlanResponse::default()
        }
    }
    async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
        let mut state = request.config;
        if let Value::Object(attributes) = &mut state {
            attributes.insert("id".into(), Value::string("made"));
        }
        ApplyResponse {
            new_state: state,
            ..ApplyResponse::default()
        }
    }
    async fn read(&self, _: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: secret_state("made", Some("leaked")),
            ..ReadResponse::default()
        }
    }
    async fn import(&self, request: ImportRequest) -> ImportResponse {
        ImportResponse {
            state: secret_state(&request.id, Some("leaked")),
            ..ImportResponse::default()
        }
    }
}

fn secret_state(id: &str, secret: Option<&str>) -> Value {
    Value::Object(BTreeMap::from([
        ("id".to_owned(), Value::string(id)),
        (
            "secret_wo".to_owned(),
            secret.map_or(Value::Null, Value::string),
        ),
        ("secret_wo_version".to_owned(), Value::string("1")),
    ]))
}

/// `test_plain`: overrides only `validate`, as every resource written before write-only
/// attributes does; the default `validate_config` must still reach it.
struct PlainResource;

#[async_trait::async_trait]
impl Resource for PlainResource {
    fn type_name(&self) -> &'static str {
        "test_plain"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::new(
                    "name",
                    Type::String,
                    Presence::Required,
                    "A name.",
                )],
                ..Block::default()
            },
        }
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        match config.get_attr("name").as_str() {
            Some("") => Diagnostic::error("Invalid name", "Empty.")
                .at(AttributePath::attribute("name"))
                .into(),
            _ => Diagnostics::new(),
        }
    }
    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned_state: request.proposed_new_state,
            ..PlanResponse::default()
        }
    }
    async fn apply(&self, _: ApplyRequest) -> ApplyResponse {
        ApplyResponse::default()
    }
    async fn read(&self, _: ReadRequest) -> ReadResponse {
        ReadResponse::default()
    }
    async fn import(&self, _: ImportRequest) -> ImportResponse {
        ImportResponse::default()
    }
}

struct TestProvider {
    seen: Arc<Mutex<Seen>>,
}

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
        vec![
            Arc::new(SecretResource {
                seen: self.seen.clone(),
            }),
            Arc::new(PlainResource),
        ]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    async fn validate(&self, _: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn configure(&self, _: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }
    async fn stop(&self) {}
}

/// Serves the test provider's gRPC routes on loopback; the server ends with the test's runtime.
async fn serve() -> (
    pb::provider_client::ProviderClient<Channel>,
    Arc<Mutex<Seen>>,
) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let provider = Arc::new(TestProvider { seen: seen.clone() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let routes = grpc::routes(provider, CancellationToken::new());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    (pb::provider_client::ProviderClient::new(channel), seen)
}

fn secret_config(secret: Option<&str>) -> pb::DynamicValue {
    let mut value = secret_state("", secret);
    if let Value::Object(attributes) = &mut value {
        attributes.insert("id".into(), Value::Null);
    }
    pb::DynamicValue {
        msgpack: msgpack::encode(&value, &secret_schema().object_type()).unwrap(),
        json: Vec::new(),
    }
}

fn capabilities(write_only: bool) -> Option<pb::ClientCapabilities> {
    Some(pb::ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: write_only,
    })
}

#[tokio::test]
async fn the_schema_marks_write_only_attributes() {
    let (mut client, _) = serve().await;
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let attributes = schema.resource_schemas["test_secret"]
        .block
        .clone()
        .unwrap()
        .attributes;
    let attr = |name: &str| attributes.iter().find(|a| a.name == name).unwrap().clone();
    let secret = attr("secret_wo");
    assert!(secret.write_only && secret.sensitive && secret.optional);
    assert!(!attr("secret_wo_version").write_only);
    assert!(!attr("id").write_only);
    let plain = &schema.resource_schemas["test_plain"].block.clone().unwrap();
    assert!(plain.attributes.iter().all(|a| !a.write_only));
}

#[tokio::test]
async fn validate_config_receives_the_client_capabilities() {
    let (mut client, seen) = serve().await;
    let validate = |caps: Option<pb::ClientCapabilities>, secret: Option<&str>| {
        pb::validate_resource_config::Request {
            type_name: "test_secret".into(),
            config: Some(secret_config(secret)),
            client_capabilities: caps,
        }
    };
    // Terraform 1.11: allowed.
    let allowed = client
        .validate_resource_config(validate(capabilities(true), Some("s3cr3t")))
        .await
        .unwrap()
        .into_inner();
    assert!(allowed.diagnostics.is_empty(), "{:?}", allowed.diagnostics);
    // Terraform 1.0 sends no capabilities: the resource sees "not allowed" and refuses.
    let old = client
        .validate_resource_config(validate(None, Some("s3cr3t")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(old.diagnostics.len(), 1, "{:?}", old.diagnostics);
    assert_eq!(
        old.diagnostics[0].severity,
        pb::diagnostic::Severity::Error as i32
    );
    // A 1.10-style client that sends capabilities without the write-only flag.
    let without = client
        .validate_resource_config(validate(capabilities(false), None))
        .await
        .unwrap()
        .into_inner();
    assert!(without.diagnostics.is_empty());

    let seen = seen.lock().unwrap();
    let flags: Vec<bool> = seen
        .validate
        .iter()
        .map(|c| c.write_only_attributes_allowed)
        .collect();
    assert_eq!(flags, [true, false, false]);
}

#[tokio::test]
async fn resources_without_validate_config_still_validate() {
    let (mut client, _) = serve().await;
    let ty = Type::object([("name", Type::String)]);
    let config = |name: &str| pb::DynamicValue {
        msgpack: msgpack::encode(
            &Value::Object(BTreeMap::from([("name".to_owned(), Value::string(name))])),
            &ty,
        )
        .unwrap(),
        json: Vec::new(),
    };
    let bad = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "test_plain".into(),
            config: Some(config("")),
            client_capabilities: capabilities(true),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bad.diagnostics.len(), 1);
    assert_eq!(bad.diagnostics[0].summary, "Invalid name");
    let good = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "test_plain".into(),
            config: Some(config("ok")),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(good.diagnostics.is_empty());
}

#[tokio::test]
async fn plan_receives_the_client_capabilities_and_config() {
    let (mut client, seen) = serve().await;
    let ty = secret_schema().object_type();
    for caps in [capabilities(true), None] {
        let response = client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: "test_secret".into(),
                prior_state: None,
                proposed_new_state: Some(secret_config(Some("s3cr3t"))),
                config: Some(secret_config(Some("s3cr3t"))),
                client_capabilities: caps,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        let planned = msgpack::decode(&response.planned_state.unwrap().msgpack, &ty).unwrap();
        assert!(planned.get_attr("secret_wo").is_null());
        assert_eq!(planned.get_attr("secret_wo_version").as_str(), Some("1"));
    }
    let seen = seen.lock().unwrap();
    let flags: Vec<bool> = seen
        .plan
        .iter()
        .map(|c| c.write_only_attributes_allowed)
        .collect();
    assert_eq!(flags, [true, false]);
}

/// Whatever a resource returns, no write-only value reaches Terraform from plan, apply, read,
/// import or a state upgrade.
#[tokio::test]
async fn write_only_values_never_leave_the_provider() {
    let (mut client, _) = serve().await;
    let ty = secret_schema().object_type();
    let decode = |v: Option<pb::DynamicValue>| msgpack::decode(&v.unwrap().msgpack, &ty).unwrap();

    let applied = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "test_secret".into(),
            planned_state: Some(secret_config(None)),
            config: Some(secret_config(Some("s3cr3t"))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = decode(applied.new_state);
    assert_eq!(state.get_attr("id").as_str(), Some("made"));
    assert!(state.get_attr("secret_wo").is_null());

    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "test_secret".into(),
            current_state: Some(secret_config(None)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(decode(read.new_state).get_attr("secret_wo").is_null());

    let imported = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_secret".into(),
            id: "imported".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = decode(imported.imported_resources[0].state.clone());
    assert_eq!(state.get_attr("id").as_str(), Some("imported"));
    assert!(state.get_attr("secret_wo").is_null());

    // A state written by a Terraform that stored the value (before 1.11) is cleaned on upgrade.
    let upgraded = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_secret".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: br#"{"id":"old","secret_wo":"stored","secret_wo_version":"1"}"#.to_vec(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let state = decode(upgraded.upgraded_state);
    assert_eq!(state.get_attr("id").as_str(), Some("old"));
    assert!(state.get_attr("secret_wo").is_null());
}

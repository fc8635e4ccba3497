//! The built binary driven over the plugin protocol as Terraform drives it; `StopProvider` during
//! a call is in [`stop`].

mod stop;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use terraform_provider_onesignal::tfplugin::{Type, Value, msgpack};

use crate::harness::{ClientIdentity, Plugin, go_plugin, pb};

fn resource_type() -> Type {
    terraform_provider_onesignal::provider::app_api_key::schema::schema().object_type()
}

fn provider_type() -> Type {
    terraform_provider_onesignal::provider::config::schema().object_type()
}

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).unwrap(),
        json: Vec::new(),
    })
}

fn object(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

/// An `onesignal_app_api_key` configuration: every attribute null but those given.
fn key_config(given: &[(&str, Value)]) -> Value {
    let Type::Object(types) = resource_type() else {
        panic!("a resource's type is an object");
    };
    let mut attributes: BTreeMap<String, Value> =
        types.into_keys().map(|name| (name, Value::Null)).collect();
    for (name, value) in given {
        attributes.insert((*name).to_owned(), value.clone());
    }
    Value::Object(attributes)
}

/// `ValidateResourceConfig` of an `onesignal_app_api_key` configuration.
async fn validate_key(
    client: &mut pb::provider_client::ProviderClient<tonic::transport::Channel>,
    config: &Value,
) -> Result<pb::validate_resource_config::Response, tonic::Status> {
    client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "onesignal_app_api_key".into(),
            config: dynamic(config, &resource_type()),
            client_capabilities: None,
        })
        .await
        .map(tonic::Response::into_inner)
}

fn path_of(d: &pb::Diagnostic) -> String {
    use pb::attribute_path::step::Selector;
    let Some(path) = &d.attribute else {
        return String::new();
    };
    path.steps
        .iter()
        .map(|step| match &step.selector {
            Some(Selector::AttributeName(n)) => n.clone(),
            Some(Selector::ElementKeyString(k)) => format!("[{k:?}]"),
            Some(Selector::ElementKeyInt(i)) => format!("[{i}]"),
            None => "?".into(),
        })
        .collect()
}

#[test]
fn run_by_hand_explains_it_is_a_plugin() {
    let output = Command::new(env!("CARGO_BIN_EXE_terraform-provider-onesignal"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("This binary is a plugin"), "{stderr}");
    assert!(stderr.contains("Terraform"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn protocol_5_only_is_refused_clearly() {
    let output = Command::new(env!("CARGO_BIN_EXE_terraform-provider-onesignal"))
        .env("TF_PLUGIN_MAGIC_COOKIE", crate::harness::MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .env("PLUGIN_CLIENT_CERT", ClientIdentity::p521().cert_pem)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("protocol 6"), "{stderr}");
}

#[tokio::test]
async fn schema_validation_and_shutdown_over_mtls() {
    let mut plugin = Plugin::start();
    assert!(plugin.socket.ends_with(".sock"));
    let mut client = plugin.provider_client().await;

    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    // Terraform reuses this schema in its other processes of the provider and skips the call
    // there; `upgrade_resource_state_without_a_schema_call_first` holds the promise.
    assert!((schema.server_capabilities.as_ref()).is_some_and(|c| c.get_provider_schema_optional));
    let provider = schema.provider.unwrap().block.unwrap();
    let key = provider
        .attributes
        .iter()
        .find(|a| a.name == "organization_api_key")
        .unwrap();
    assert!(key.sensitive && key.optional);
    let resource = schema.resource_schemas["onesignal_app_api_key"]
        .block
        .clone()
        .unwrap();
    assert_eq!(resource.attributes.len(), 10);
    for attribute in &resource.attributes {
        assert!(
            !attribute.description.is_empty(),
            "{} has no description",
            attribute.name
        );
    }
    let attr = |name: &str| {
        resource
            .attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        String::from_utf8(attr("ip_allowlist").r#type).unwrap(),
        r#"["set","string"]"#
    );
    assert!(attr("token").computed && attr("token").sensitive);
    assert!(attr("app_id").required && attr("name").required);

    // A bad configuration: every problem reported, each at its attribute.
    let config = key_config(&[
        ("app_id", s("not-a-uuid")),
        ("name", s("")),
        ("ip_allowlist_mode", s("explicit")),
        (
            "ip_allowlist",
            Value::Set(vec![s("10.0.0.5/24"), s("example.com")]),
        ),
    ]);
    let response = validate_key(&mut client, &config).await.unwrap();
    let mut paths: Vec<String> = response.diagnostics.iter().map(path_of).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "app_id",
            "ip_allowlist[\"10.0.0.5/24\"]",
            "ip_allowlist[\"example.com\"]",
            "name"
        ]
    );
    assert!(
        response
            .diagnostics
            .iter()
            .all(|d| d.severity == pb::diagnostic::Severity::Error as i32)
    );

    // Provider configuration: bad URL named.
    let response = client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: dynamic(
                &object(&[
                    ("organization_api_key", Value::unknown()),
                    ("api_url", s("http://api.example.com")),
                    ("max_retries", Value::Null),
                ]),
                &provider_type(),
            ),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        response.diagnostics.iter().map(path_of).collect::<Vec<_>>(),
        ["api_url"]
    );

    // Missing key at configure names both the attribute and the environment variable.
    let response = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dynamic(
                &object(&[
                    ("organization_api_key", Value::Null),
                    ("api_url", Value::Null),
                    ("max_retries", Value::Null),
                ]),
                &provider_type(),
            ),
            client_capabilities: None,
        })
        .await;
    // The test process may have the variable set; only judge when it does not.
    if std::env::var_os("ONESIGNAL_ORGANIZATION_API_KEY").is_none() {
        let diags = response.unwrap().into_inner().diagnostics;
        assert!(
            diags[0].detail.contains("ONESIGNAL_ORGANIZATION_API_KEY"),
            "{:?}",
            diags[0]
        );
        assert!(diags[0].detail.contains("organization_api_key"));
    }

    // Stopping is answered.
    let stop = client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stop.error, "");

    // Shutdown: the process exits within one second.
    let mut controller =
        go_plugin::grpc_controller_client::GrpcControllerClient::new(plugin.channel().await);
    let asked = Instant::now();
    controller.shutdown(go_plugin::Empty {}).await.unwrap();
    let status = plugin.wait_exit(Duration::from_secs(1));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit after {:?}: {status:?}",
        asked.elapsed()
    );
    assert!(
        !std::path::Path::new(&plugin.socket).exists(),
        "socket directory removed"
    );
}

/// Also the first call of its process: no `GetProviderSchema` before it, as Terraform 1.6+ does
/// with a provider that says the schema call is optional.
#[tokio::test]
async fn upgrade_resource_state_without_a_schema_call_first() {
    let plugin = Plugin::start();
    let mut client = plugin.provider_client().await;
    let raw = br#"{"id":"a/b","app_id":"2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f","name":"svc","ip_allowlist_mode":"explicit","ip_allowlist":["10.0.0.1"],"rotation_trigger":null,"token":"os_v2_app_x","token_id":"b","created_at":"t","updated_at":"t"}"#;
    let response = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "onesignal_app_api_key".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: raw.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let state =
        msgpack::decode(&response.upgraded_state.unwrap().msgpack, &resource_type()).unwrap();
    assert_eq!(state.get_attr("name").as_str(), Some("svc"));
    assert_eq!(
        state.get_attr("ip_allowlist"),
        &Value::Set(vec![s("10.0.0.1")])
    );
    assert!(state.get_attr("rotation_trigger").is_null());
}

#[tokio::test]
async fn clients_without_terraforms_certificate_get_no_answer() {
    let plugin = Plugin::start();
    // No certificate at all.
    let none = plugin.channel_as(None).await;
    if let Ok(channel) = none {
        let mut client = pb::provider_client::ProviderClient::new(channel);
        assert!(
            client
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .is_err()
        );
    }
    // Another certificate of the same kind.
    let stranger = ClientIdentity::p521();
    let other = plugin.channel_as(Some(&stranger)).await;
    if let Ok(channel) = other {
        let mut client = pb::provider_client::ProviderClient::new(channel);
        assert!(
            client
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .is_err()
        );
    }
    // Raw TLS without a certificate: the handshake fails or the connection closes; no HTTP/2
    // SETTINGS frame ever arrives.
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(plugin.tls_config(None)));
    let stream = tokio::net::UnixStream::connect(&plugin.socket)
        .await
        .unwrap();
    if let Ok(mut tls) = connector
        .connect(
            rustls::pki_types::ServerName::try_from("localhost").unwrap(),
            stream,
        )
        .await
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let _ = tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(2), tls.read(&mut buf)).await;
        assert!(
            !matches!(read, Ok(Ok(n)) if n > 0),
            "server answered a client without a certificate"
        );
    }
    // Terraform's own certificate still works afterwards.
    let mut client = plugin.provider_client().await;
    client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap();
}

#[tokio::test]
async fn debug_mode_prints_reattach_settings_and_serves_plaintext() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-onesignal"))
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut reattach = None;
    for _ in 0..10 {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(value) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(value.trim_end_matches('\'').to_owned());
            break;
        }
    }
    let reattach: serde_json::Value =
        serde_json::from_str(&reattach.expect("TF_REATTACH_PROVIDERS line")).unwrap();
    let entry = &reattach["registry.terraform.io/onesignal/onesignal"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], child.id());
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"].as_str().unwrap().to_owned();

    let channel = tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            }
        }))
        .await
        .unwrap();
    let mut client = pb::provider_client::ProviderClient::new(channel);
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        schema
            .resource_schemas
            .contains_key("onesignal_app_api_key")
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Ctrl-C during an apply: Terraform sends `StopProvider` while a create waits out a long
/// `Retry-After`. The apply must end at once with a "Stopped by Terraform" error and no key.
#[tokio::test]
async fn stop_provider_ends_a_retry_after_wait_at_once() {
    use onesignal_emulator::{Fault, Route};

    let em = crate::support::start_fresh().await;
    // Every create is refused with a 30 s Retry-After: without StopProvider this apply would
    // take minutes.
    em.emulator
        .inject(Fault::rate_limit(Some(Route::CreateKey), u32::MAX, 30));
    let plugin = Plugin::start();
    let mut client = plugin.provider_client().await;
    let configured = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dynamic(
                &object(&[
                    ("organization_api_key", s(&em.org_key())),
                    ("api_url", s(&em.url)),
                    ("max_retries", Value::int(5)),
                ]),
                &provider_type(),
            ),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(configured.diagnostics.is_empty(), "{configured:?}");

    let ty = resource_type();
    let Type::Object(attributes) = &ty else {
        panic!("the resource type is an object")
    };
    let config = Value::Object(
        attributes
            .keys()
            .map(|name| {
                let value = match name.as_str() {
                    "app_id" => s(&em.app()),
                    "name" => s("stopped"),
                    _ => Value::Null,
                };
                (name.clone(), value)
            })
            .collect(),
    );
    let planned = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "onesignal_app_api_key".into(),
            prior_state: dynamic(&Value::Null, &ty),
            proposed_new_state: dynamic(&config, &ty),
            config: dynamic(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(planned.diagnostics.is_empty(), "{planned:?}");

    let mut applying = client.clone();
    let apply = tokio::spawn(async move {
        applying
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "onesignal_app_api_key".into(),
                prior_state: dynamic(&Value::Null, &ty),
                planned_state: planned.planned_state,
                config: dynamic(&config, &ty),
                planned_private: planned.planned_private,
                ..Default::default()
            })
            .await
    });
    // The first create has been refused: the provider is now waiting out the Retry-After.
    let emulator = em.emulator.clone();
    crate::support::eventually(|| emulator.request_count(Route::CreateKey) >= 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = Instant::now();
    client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), apply)
        .await
        .expect("the apply ended long before the 30 s Retry-After")
        .unwrap()
        .unwrap()
        .into_inner();
    // Generous bound for a loaded machine; the wait it cuts short is 30 s.
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let errors: Vec<&pb::Diagnostic> = response
        .diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(errors[0].summary, "Stopped by Terraform");
    assert!(errors[0].detail.contains("Ctrl-C"), "{}", errors[0].detail);
    assert!(!errors[0].detail.contains(&em.org_key()));
    assert_eq!(
        em.emulator.request_count(Route::CreateKey),
        1,
        "no retry after the stop"
    );
    assert!(
        em.emulator.keys(&em.app()).unwrap().is_empty(),
        "no key was made"
    );
}

#[tokio::test]
async fn health_service_and_messages_beyond_grpcs_default_limit() {
    let plugin = Plugin::start();
    // go-plugin's client asks the health service for "plugin".
    let mut health = tonic_health::pb::health_client::HealthClient::new(plugin.channel().await);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    // A configuration of 8 MiB, twice gRPC's default 4 MiB limit, is read and answered.
    let mut client = plugin.provider_client().await;
    let huge_name = "n".repeat(8 * 1024 * 1024);
    let config = key_config(&[
        ("app_id", s("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f")),
        ("name", s(&huge_name)),
    ]);
    let response = validate_key(&mut client, &config)
        .await
        .expect("an 8 MiB request is within the provider's limit");
    let paths: Vec<String> = response.diagnostics.iter().map(path_of).collect();
    assert_eq!(paths, ["name"], "the 8 MiB name is too long, and said so");
}

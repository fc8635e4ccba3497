//! Starts the built provider binary exactly as Terraform does, and talks to it over mutual TLS.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint};

/// The generated tfplugin6 and go-plugin (its own services) types, from the protocol library
/// the provider is built with.
pub use tfplugin::wire::{plugin as go_plugin, tfplugin6 as pb};

pub const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity like Terraform's: a self-signed ECDSA P-521 CA certificate.
pub struct ClientIdentity {
    pub cert_pem: String,
    pub cert_der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

impl ClientIdentity {
    pub fn p521() -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).unwrap();
        Self {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }
}

/// A running provider process and what its handshake line said.
pub struct Plugin {
    pub child: Child,
    pub socket: String,
    pub server_cert_der: Vec<u8>,
    pub client: ClientIdentity,
}

impl Plugin {
    /// Starts the provider with Terraform's environment and a fresh P-521 client certificate.
    pub fn start() -> Self {
        Self::start_command(Command::new(env!(
            "CARGO_BIN_EXE_terraform-provider-onesignal"
        )))
    }

    /// Like [`Plugin::start`], through `sh -c '<prelude>; exec <provider>'`: the shell sets up
    /// what a parent would (a umask, a limit, a redirection) and becomes the provider, whose pid
    /// is then the child's.
    pub fn start_in_shell(prelude: &str) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("{prelude}\nexec \"$0\""))
            .arg(env!("CARGO_BIN_EXE_terraform-provider-onesignal"));
        Self::start_command(command)
    }

    /// Starts `command` with Terraform's environment and reads the handshake line.
    fn start_command(mut command: Command) -> Self {
        let client = ClientIdentity::p521();
        let mut child = command
            .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_CLIENT_CERT", &client.cert_pem)
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the provider binary");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let line = line.trim_end().to_owned();
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(parts.len(), 6, "handshake line: {line:?}");
        assert_eq!(&parts[..3], ["1", "6", "unix"], "handshake line: {line:?}");
        assert_eq!(parts[4], "grpc");
        let server_cert_der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("certificate is standard base64 without padding");
        Self {
            child,
            socket: parts[3].to_owned(),
            server_cert_der,
            client,
        }
    }

    /// TLS client settings: trust the server's certificate, present `identity` (or none).
    pub fn tls_config(&self, identity: Option<&ClientIdentity>) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.server_cert_der.clone()))
            .unwrap();
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let mut config = match identity {
            Some(id) => builder
                .with_client_auth_cert(
                    vec![id.cert_der.clone()],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone())),
                )
                .unwrap(),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        config
    }

    /// A gRPC channel over mutual TLS, presenting `identity`.
    pub async fn channel_as(
        &self,
        identity: Option<&ClientIdentity>,
    ) -> Result<Channel, tonic::transport::Error> {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(self.tls_config(identity)));
        let socket = self.socket.clone();
        Endpoint::from_static("http://localhost")
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(5))
            .connect_with_connector(tower::service_fn(move |_| {
                let connector = connector.clone();
                let socket = socket.clone();
                async move {
                    let stream = UnixStream::connect(socket).await?;
                    let tls = connector
                        .connect(ServerName::try_from("localhost").unwrap(), stream)
                        .await?;
                    Ok::<_, std::io::Error>(TokioIo::new(tls))
                }
            }))
            .await
    }

    /// A gRPC channel presenting Terraform's certificate.
    pub async fn channel(&self) -> Channel {
        self.channel_as(Some(&self.client))
            .await
            .expect("mTLS connection")
    }

    /// A tfplugin6 client presenting Terraform's certificate.
    pub async fn provider_client(&self) -> pb::provider_client::ProviderClient<Channel> {
        pb::provider_client::ProviderClient::new(self.channel().await)
            .max_decoding_message_size(64 * 1024 * 1024)
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

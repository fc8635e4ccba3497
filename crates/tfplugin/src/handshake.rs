//! go-plugin's handshake: what Terraform puts in the environment, and the line it reads back.
//!
//! Terraform starts the plugin with a magic cookie, the protocol versions it speaks and its
//! client certificate, then reads exactly one line from stdout telling it where to connect and
//! which server certificate to trust.

use std::fmt;
use std::path::Path;

use base64::Engine as _;

/// The cookie Terraform sets so that a plugin knows it was started by Terraform.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The cookie's value, fixed by Terraform.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version, the first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The only Terraform plugin protocol this provider speaks.
pub const PLUGIN_PROTOCOL_VERSION: u32 = 6;

/// What the environment told us about how to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginEnv {
    /// Terraform's client certificate (PEM) that every connection must present.
    pub client_cert_pem: String,
    /// Where to create the socket's private directory, if Terraform chose one.
    pub unix_socket_dir: Option<String>,
}

/// Why the plugin cannot serve with the environment it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// Started by hand rather than by Terraform; `provider` is the provider's type name.
    NotLaunchedByTerraform {
        /// The provider's type name, e.g. `random`.
        provider: &'static str,
    },
    /// `PLUGIN_PROTOCOL_VERSIONS` is missing.
    NoProtocolVersions,
    /// Terraform offered protocol versions this provider does not speak.
    UnsupportedProtocol(String),
    /// `PLUGIN_CLIENT_CERT` is missing: AutoMTLS is off, and serving without it is refused.
    NoClientCertificate,
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotLaunchedByTerraform { provider } => write!(
                f,
                "This binary is a plugin: terraform-provider-{provider} is a Terraform provider and \
                 is not meant to be executed directly.\n\
                 Terraform starts it itself when a configuration uses the \"{provider}\" provider: \
                 install it with `terraform init` (or point a dev_overrides CLI configuration at its \
                 directory) and run `terraform plan` or `terraform apply`.\n\
                 To attach a debugger, run it with --debug and export the TF_REATTACH_PROVIDERS value \
                 it prints."
            ),
            Self::NoProtocolVersions => f.write_str(
                "PLUGIN_PROTOCOL_VERSIONS is not set: this provider needs a Terraform client that \
                 offers plugin protocol 6 (Terraform 1.0 or later).",
            ),
            Self::UnsupportedProtocol(offered) => write!(
                f,
                "Terraform offered plugin protocol versions {offered:?}, but this provider speaks only \
                 protocol 6: use Terraform 1.0 or later."
            ),
            Self::NoClientCertificate => f.write_str(
                "PLUGIN_CLIENT_CERT is not set: this provider serves only over mutual TLS with \
                 Terraform's client certificate. Terraform sets it unless TF_DISABLE_PLUGIN_TLS is \
                 set; unset that variable.",
            ),
        }
    }
}

impl std::error::Error for HandshakeError {}

/// Reads the handshake environment through `var` (a lookup such as `std::env::var`) for the
/// provider whose type name is `provider` (named in the refusal to run by hand).
pub fn read_env(
    provider: &'static str,
    var: impl Fn(&str) -> Option<String>,
) -> Result<PluginEnv, HandshakeError> {
    if var(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotLaunchedByTerraform { provider });
    }
    let versions = var("PLUGIN_PROTOCOL_VERSIONS").ok_or(HandshakeError::NoProtocolVersions)?;
    let speaks_ours = versions
        .split(',')
        .any(|v| v.trim().parse::<u32>() == Ok(PLUGIN_PROTOCOL_VERSION));
    if !speaks_ours {
        return Err(HandshakeError::UnsupportedProtocol(versions));
    }
    let client_cert_pem = var("PLUGIN_CLIENT_CERT")
        .filter(|pem| !pem.trim().is_empty())
        .ok_or(HandshakeError::NoClientCertificate)?;
    Ok(PluginEnv {
        client_cert_pem,
        unix_socket_dir: var("PLUGIN_UNIX_SOCKET_DIR").filter(|d| !d.is_empty()),
    })
}

/// The line Terraform reads: `1|6|unix|<socket>|grpc|<server cert DER, base64 without padding>`.
pub fn handshake_line(socket: &Path, server_cert_der: &[u8]) -> String {
    let cert = base64::engine::general_purpose::STANDARD_NO_PAD.encode(server_cert_der);
    format!(
        "{CORE_PROTOCOL_VERSION}|{PLUGIN_PROTOCOL_VERSION}|unix|{}|grpc|{cert}",
        socket.display()
    )
}

/// The `TF_REATTACH_PROVIDERS` value for a provider serving in `--debug` mode.
pub fn reattach_json(provider_address: &str, pid: u32, socket: &Path) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PLUGIN_PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "unix", "String": socket.display().to_string() },
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    #[test]
    fn accepts_what_terraform_sets() {
        let got = read_env(
            "example",
            env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
                ("PLUGIN_CLIENT_CERT", CERT),
            ]),
        )
        .unwrap();
        assert_eq!(got.client_cert_pem, CERT);
        assert_eq!(got.unix_socket_dir, None);
    }

    #[test]
    fn refuses_wrong_starts() {
        assert_eq!(
            read_env("example", env(&[])),
            Err(HandshakeError::NotLaunchedByTerraform {
                provider: "example"
            })
        );
        assert_eq!(
            read_env("example", env(&[(MAGIC_COOKIE_KEY, "nope")])),
            Err(HandshakeError::NotLaunchedByTerraform {
                provider: "example"
            })
        );
        let cookie = (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE);
        assert_eq!(
            read_env("example", env(&[cookie])),
            Err(HandshakeError::NoProtocolVersions)
        );
        assert_eq!(
            read_env(
                "example",
                env(&[cookie, ("PLUGIN_PROTOCOL_VERSIONS", "4,5")])
            ),
            Err(HandshakeError::UnsupportedProtocol("4,5".into()))
        );
        assert_eq!(
            read_env("example", env(&[cookie, ("PLUGIN_PROTOCOL_VERSIONS", "6")])),
            Err(HandshakeError::NoClientCertificate)
        );
        assert!(
            HandshakeError::NotLaunchedByTerraform {
                provider: "example"
            }
            .to_string()
            .contains("terraform-provider-example is a Terraform provider")
        );
    }

    #[test]
    fn handshake_line_is_go_plugin_format() {
        let line = handshake_line(
            Path::new("/tmp/plugin123/plugin.sock"),
            &[0xde, 0xad, 0xbe, 0xef, 0x01],
        );
        // Standard alphabet, no padding: 5 bytes -> 7 characters.
        assert_eq!(line, "1|6|unix|/tmp/plugin123/plugin.sock|grpc|3q2+7wE");
    }

    #[test]
    fn reattach_value_names_the_socket() {
        let json = reattach_json(
            "registry.terraform.io/example/example",
            42,
            Path::new("/tmp/s.sock"),
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let entry = &v["registry.terraform.io/example/example"];
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 42);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/s.sock");
    }
}

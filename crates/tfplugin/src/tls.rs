//! AutoMTLS: the server's throwaway certificate, and the one client certificate it accepts.
//!
//! Terraform hands the plugin its client certificate in `PLUGIN_CLIENT_CERT` and trusts the server
//! certificate printed in the handshake line. The provider holds the organization API key, so the
//! server must refuse anyone else on the machine: client authentication is mandatory and pinned to
//! exactly the certificate Terraform sent. Terraform's certificate is a self-signed ECDSA P-521 CA
//! certificate, which webpki's path building would reject as an end entity, so it is compared
//! byte for byte instead; the TLS handshake still proves possession of its private key through the
//! signature checks below (aws-lc-rs verifies P-521; ring does not).

use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::DistinguishedName;
use rustls::SignatureScheme;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};

/// Why the TLS server could not be set up.
#[derive(Debug)]
pub struct TlsSetupError(pub String);

impl std::fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot set up the plugin's TLS server: {}", self.0)
    }
}

impl std::error::Error for TlsSetupError {}

/// A freshly generated server identity.
pub struct ServerIdentity {
    /// The certificate, DER; printed in the handshake line.
    pub cert_der: CertificateDer<'static>,
    key_der: PrivateKeyDer<'static>,
}

/// Generates a self-signed certificate for `localhost` with an ECDSA P-256 key: cheap to make at
/// every start, and what Terraform's client verifies the server name against.
pub fn generate_server_identity() -> Result<ServerIdentity, TlsSetupError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| TlsSetupError(format!("key generation failed: {e}")))?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .map_err(|e| TlsSetupError(format!("bad certificate parameters: {e}")))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params
        .self_signed(&key)
        .map_err(|e| TlsSetupError(format!("certificate signing failed: {e}")))?;
    Ok(ServerIdentity {
        cert_der: cert.der().clone(),
        key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// The rustls server configuration: TLS 1.2+, ALPN `h2`, client certificate required and pinned.
pub fn server_config(
    identity: ServerIdentity,
    client_cert_pem: &str,
) -> Result<rustls::ServerConfig, TlsSetupError> {
    let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|e| TlsSetupError(format!("PLUGIN_CLIENT_CERT is not a PEM certificate: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedClientCert {
        pinned: client_cert.into_owned(),
        provider: provider.clone(),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsSetupError(e.to_string()))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.cert_der], identity.key_der)
        .map_err(|e| TlsSetupError(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts exactly one client certificate, and checks the handshake signatures made with its key.
#[derive(Debug)]
struct PinnedClientCert {
    pinned: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for PinnedClientCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_identity_is_a_localhost_certificate() {
        let identity = generate_server_identity().unwrap();
        assert!(identity.cert_der.len() > 100);
        let client = rcgen::generate_simple_self_signed(vec!["client".into()]).unwrap();
        let config = server_config(identity, &client.cert.pem()).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
    }

    #[test]
    fn client_cert_must_be_pem() {
        let identity = generate_server_identity().unwrap();
        let err = server_config(identity, "not a certificate").err().unwrap();
        assert!(err.to_string().contains("PLUGIN_CLIENT_CERT"));
    }
}

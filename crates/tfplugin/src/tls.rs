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

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};

use rustls::DigitallySignedStruct;
use rustls::DistinguishedName;
use rustls::SignatureScheme;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::sign::{CertifiedKey, Signer, SigningKey, SingleCertAndKey};

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
    key: Arc<ServerKey>,
}

/// Generates a self-signed certificate for `localhost` with an ECDSA P-256 key: cheap to make at
/// every start, and what Terraform's client verifies the server name against.
///
/// One key object signs both the certificate and the TLS handshakes. Going through PKCS#8 (rcgen's
/// `KeyPair`, rustls's `with_single_cert`) would parse the new key twice, and each parse checks
/// it with a scalar multiplication: half of the key work of every start.
pub fn generate_server_identity() -> Result<ServerIdentity, TlsSetupError> {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
        .map_err(|e| TlsSetupError(format!("key generation failed: {e}")))?;
    let key = Arc::new(ServerKey(key));
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .map_err(|e| TlsSetupError(format!("bad certificate parameters: {e}")))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params
        .self_signed(key.as_ref())
        .map_err(|e| TlsSetupError(format!("certificate signing failed: {e}")))?;
    Ok(ServerIdentity {
        cert_der: cert.der().clone(),
        key,
    })
}

/// The server's ECDSA P-256 key, for rcgen (the certificate) and rustls (the handshakes).
#[derive(Debug)]
struct ServerKey(EcdsaKeyPair);

impl ServerKey {
    fn sign_ecdsa(&self, message: &[u8]) -> Option<Vec<u8>> {
        let signature = self.0.sign(&SystemRandom::new(), message).ok()?;
        Some(signature.as_ref().to_vec())
    }
}

impl rcgen::PublicKeyData for ServerKey {
    fn der_bytes(&self) -> &[u8] {
        self.0.public_key().as_ref()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for ServerKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.sign_ecdsa(message)
            .ok_or(rcgen::Error::RingUnspecified)
    }
}

/// [`ServerKey`] as rustls signs with it: ECDSA P-256 with SHA-256, the one scheme it offers.
#[derive(Debug)]
struct TlsServerKey(Arc<ServerKey>);

impl SigningKey for TlsServerKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        (offered.contains(&SignatureScheme::ECDSA_NISTP256_SHA256))
            .then(|| Box::new(TlsServerKey(self.0.clone())) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ECDSA
    }
}

impl Signer for TlsServerKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        (self.0.sign_ecdsa(message))
            .ok_or_else(|| rustls::Error::General("ECDSA signing failed".into()))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP256_SHA256
    }
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
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(CertifiedKey::new(
            vec![identity.cert_der],
            Arc::new(TlsServerKey(identity.key)),
        ))));
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

    /// A client whose only root is the certificate of the handshake line, as Terraform's is,
    /// completes the handshake in both versions: the certificate's self-signature and the
    /// server's handshake signatures verify against that certificate's key.
    #[test]
    fn handshakes_verify_against_the_printed_certificate() {
        for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
            let identity = generate_server_identity().unwrap();
            let mut roots = rustls::RootCertStore::empty();
            roots.add(identity.cert_der.clone()).unwrap();
            let client_identity =
                rcgen::generate_simple_self_signed(vec!["client".into()]).unwrap();
            let server = Arc::new(server_config(identity, &client_identity.cert.pem()).unwrap());
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let client = rustls::ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(&[version])
                .unwrap()
                .with_root_certificates(roots)
                .with_client_auth_cert(
                    vec![client_identity.cert.der().clone()],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(
                        client_identity.signing_key.serialize_der().into(),
                    ),
                )
                .unwrap();
            let mut client =
                rustls::ClientConnection::new(Arc::new(client), "localhost".try_into().unwrap())
                    .unwrap();
            let mut server = rustls::ServerConnection::new(server).unwrap();
            for _ in 0..10 {
                let mut bytes = Vec::new();
                client.write_tls(&mut bytes).unwrap();
                server.read_tls(&mut bytes.as_slice()).unwrap();
                server.process_new_packets().unwrap();
                let mut bytes = Vec::new();
                server.write_tls(&mut bytes).unwrap();
                client.read_tls(&mut bytes.as_slice()).unwrap();
                client.process_new_packets().unwrap();
            }
            assert!(!client.is_handshaking() && !server.is_handshaking());
            assert_eq!(client.protocol_version(), Some(version.version));
        }
    }

    #[test]
    fn client_cert_must_be_pem() {
        let identity = generate_server_identity().unwrap();
        let err = server_config(identity, "not a certificate").err().unwrap();
        assert!(err.to_string().contains("PLUGIN_CLIENT_CERT"));
    }
}

//! The client's bounds against local servers that misbehave in ways the emulator does not: which
//! failures are retried for which requests, `Retry-After` up to 120 s, the per-operation deadline,
//! certificate failures, 1 GiB answers, error bodies of every shape, any 2xx body for writes, and
//! secrets in whatever a server sends back.
//!
//! Where a wait is what is tested, tokio's clock is paused: it jumps over waits while the servers,
//! in the same runtime on loopback, answer at once.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use terraform_provider_onesignal::onesignal::{
    Client, ClientConfig, DEFAULT_DEADLINE, Error, GaveUp, Limits, MAX_BODY_BYTES, MAX_ERROR_TEXT,
};
use terraform_provider_onesignal::secret::Secret;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

use crate::support::{assert_no_secret, spec};

/// The organization key the test clients send (an `os_v2_` key).
const ORG_KEY: &str = "os_v2_org_limitstestkey0123456789abcdefghijklmnopqrstuvwxyz";

/// What a scripted server does with one connection.
#[derive(Clone)]
enum Reply {
    /// Answers these bytes, then closes.
    Raw(Vec<u8>),
    /// Reads the request and never answers.
    Hang,
    /// Answers `head`, then up to `bytes` bytes of `a`, written lazily (64 KiB at a time) for as
    /// long as the client reads.
    Stream { head: String, bytes: u64 },
}

/// An answer with a body and its `Content-Length`; `headers` are `name: value` lines.
fn answer(status: u16, headers: &[&str], body: &str) -> Reply {
    let mut head = format!("HTTP/1.1 {status} X\r\nconnection: close\r\n");
    for header in headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    Reply::Raw([head.as_bytes(), body.as_bytes()].concat())
}

/// A JSON answer.
fn json(status: u16, body: &str) -> Reply {
    answer(status, &["content-type: application/json"], body)
}

/// A server on 127.0.0.1:0 that answers its connections with `replies` in turn (the last one
/// for every further connection), over TLS when given an acceptor.
struct Scripted {
    url: String,
    /// Connections accepted (TLS or not, whether or not a request followed).
    connections: Arc<AtomicUsize>,
    /// Body bytes written by `Reply::Stream` answers.
    streamed: Arc<AtomicU64>,
    /// The request lines received, e.g. `PATCH /apps/a/auth/tokens/t HTTP/1.1`.
    requests: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn scripted(replies: Vec<Reply>) -> Scripted {
    scripted_over(replies, None, "http").await
}

async fn scripted_over(
    replies: Vec<Reply>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    scheme: &str,
) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("{scheme}://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let streamed = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let server = Scripted {
        url,
        connections: connections.clone(),
        streamed: streamed.clone(),
        requests: requests.clone(),
    };
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let n = connections.fetch_add(1, Ordering::SeqCst);
            let reply = replies[n.min(replies.len() - 1)].clone();
            let (streamed, requests, tls) = (streamed.clone(), requests.clone(), tls.clone());
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(socket).await {
                            handle(stream, reply, streamed, requests).await;
                        }
                    }
                    None => handle(socket, reply, streamed, requests).await,
                }
            });
        }
    });
    server
}

/// Reads one request (head and `Content-Length` body), then replies.
async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
    mut socket: S,
    reply: Reply,
    streamed: Arc<AtomicU64>,
    requests: Arc<Mutex<Vec<String>>>,
) {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(i) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => received.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while received.len() < end + length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => received.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&received[..end]);
    requests
        .lock()
        .unwrap()
        .push(line.lines().next().unwrap_or_default().to_owned());
    match reply {
        Reply::Raw(bytes) => {
            let _ = socket.write_all(&bytes).await;
            let _ = socket.shutdown().await;
        }
        Reply::Hang => std::future::pending::<()>().await,
        Reply::Stream { head, bytes } => {
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'a'; 64 * 1024];
            let mut sent = 0u64;
            while sent < bytes {
                let n = chunk.len().min((bytes - sent) as usize);
                if socket.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                sent += n as u64;
                streamed.fetch_add(n as u64, Ordering::SeqCst);
            }
        }
    }
}

fn client_with(url: &str, max_retries: u32, limits: Limits) -> Client {
    Client::new(ClientConfig {
        base_url: url.to_owned(),
        organization_api_key: Secret::new(ORG_KEY),
        max_retries,
        user_agent: "limits-test".into(),
        limits,
    })
    .unwrap()
}

fn client(url: &str, max_retries: u32) -> Client {
    client_with(url, max_retries, Limits::default())
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_of_100_seconds_is_waited_out() {
    let server = scripted(vec![
        answer(
            429,
            &["retry-after: 100", "content-type: application/json"],
            r#"{"errors":["API rate limit exceeded."]}"#,
        ),
        json(200, "[]"),
    ])
    .await;
    let started = Instant::now();
    client(&server.url, 5).list_apps().await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(100) && took <= Duration::from_secs(102),
        "Retry-After: 100 waited, plus at most 1 s of spread: {took:?}"
    );
    assert_eq!(server.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_would_end_past_the_deadline_fails_at_once() {
    let server = scripted(vec![answer(
        429,
        &["retry-after: 100", "content-type: application/json"],
        r#"{"errors":["API rate limit exceeded."]}"#,
    )])
    .await;
    let started = Instant::now();
    let e = client(&server.url, 5).list_apps().await.unwrap_err();
    let took = started.elapsed();
    // The first 100 s wait fits in the 120 s deadline; the second would not, so no second wait.
    assert!(
        took >= Duration::from_secs(100) && took <= Duration::from_secs(102),
        "{took:?}"
    );
    assert_eq!(server.connections(), 2);
    assert!(
        matches!(
            &e,
            Error::RateLimited {
                attempts: 2,
                gave_up: Some(GaveUp::Deadline(d)),
                ..
            } if *d == DEFAULT_DEADLINE
        ),
        "{e:?}"
    );
    assert!(e.hit_deadline());
    let text = e.to_string();
    assert!(
        text.contains("gave up after 120 s, the per-operation deadline"),
        "{text}"
    );
    assert!(text.contains("API rate limit exceeded."), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_fails_at_the_deadline() {
    let server = scripted(vec![Reply::Hang]).await;
    let started = Instant::now();
    let e = client(&server.url, 5).list_apps().await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(119) && took <= DEFAULT_DEADLINE + Duration::from_millis(100),
        "{took:?}"
    );
    // 30 s attempts with backoff between them: the fourth is cut short by the deadline.
    assert_eq!(server.connections(), 4);
    assert!(
        matches!(
            &e,
            Error::Transport {
                attempts: 4,
                gave_up: Some(GaveUp::Deadline(_)),
                ..
            }
        ),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("no answer before the per-operation deadline (120 s) ran out")
            && text.contains("gave up after 120 s, the per-operation deadline")
            && text.contains(&format!("GET {}/apps", server.url)),
        "{text}"
    );

    // A create that got no answer may have acted: one attempt, then it is the caller's to recover.
    let server = scripted(vec![Reply::Hang]).await;
    let started = Instant::now();
    let e = client(&server.url, 5)
        .create_key("app", &spec("k"))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(30) && took < Duration::from_millis(30_100),
        "{took:?}"
    );
    assert_eq!(server.connections(), 1);
    assert!(
        matches!(&e, Error::Ambiguous { detail } if detail.contains("no answer within 30 s")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_shortened_deadline_holds_in_real_time() {
    let server = scripted(vec![Reply::Hang]).await;
    let limits = Limits {
        deadline: Duration::from_millis(1500),
        attempt_timeout: Duration::from_millis(400),
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let e = client_with(&server.url, 20, limits)
        .list_keys("app")
        .await
        .unwrap_err();
    let took = started.elapsed();
    // Two 0.4 s attempts at least; then, as soon as a backoff would end past 1.5 s, it stops.
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_millis(1800),
        "{took:?}"
    );
    assert_eq!(server.connections(), 2);
    assert!(e.hit_deadline(), "{e:?}");
    assert!(
        e.to_string()
            .contains("gave up after 1.5 s, the per-operation deadline"),
        "{e}"
    );
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_for_requests_that_converge() {
    let secret = format!("os_v2_app_{}", "r".repeat(103));
    let rotated: &'static str =
        Box::leak(format!(r#"{{"formatted_token":"{secret}"}}"#).into_boxed_str());
    let failing = || {
        vec![
            json(500, r#"{"errors":["Internal Server Error"]}"#),
            answer(
                502,
                &["content-type: text/html"],
                "<html>Bad Gateway</html>",
            ),
            answer(
                503,
                &["content-type: text/plain"],
                "Service temporarily unavailable",
            ),
            json(504, "{}"),
        ]
    };
    let then = |last: Reply| {
        let mut replies = failing();
        replies.push(last);
        replies
    };
    let server = scripted(then(json(200, "[]"))).await;
    client(&server.url, 5).list_keys("app").await.unwrap();
    assert_eq!(server.connections(), 5, "GET");
    let server = scripted(then(json(200, "{}"))).await;
    client(&server.url, 5)
        .update_key("app", "t", &spec("k"))
        .await
        .unwrap();
    assert_eq!(server.connections(), 5, "PATCH");
    let server = scripted(then(json(200, "{}"))).await;
    client(&server.url, 5).delete_key("app", "t").await.unwrap();
    assert_eq!(server.connections(), 5, "DELETE");
    let server = scripted(then(json(200, rotated))).await;
    let got = client(&server.url, 5).rotate_key("app", "t").await.unwrap();
    assert_eq!(got.expose(), secret);
    assert_eq!(server.connections(), 5, "rotate");

    // ... up to max_retries, which the error names.
    let server = scripted(failing()).await;
    let e = client(&server.url, 2).list_keys("app").await.unwrap_err();
    assert_eq!(server.connections(), 3);
    assert!(
        matches!(
            &e,
            Error::Server {
                status: 503,
                attempts: 3,
                gave_up: Some(GaveUp::MaxRetries(2)),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("max_retries (2) reached"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn a_create_is_retried_only_when_it_provably_did_not_act() {
    for status in [500, 502, 504] {
        let server = scripted(vec![json(status, r#"{"errors":["oops"]}"#)]).await;
        let e = client(&server.url, 5)
            .create_key("app", &spec("k"))
            .await
            .unwrap_err();
        assert_eq!(server.connections(), 1, "HTTP {status}");
        assert!(
            matches!(&e, Error::Ambiguous { detail }
                if detail.contains(&format!("POST {}/apps/app/auth/tokens answered HTTP {status}: oops", server.url))),
            "{e:?}"
        );
    }
    // 429 and 503 come before acting.
    let created = r#"{"token_id":"t","formatted_token":"os_v2_app_x"}"#;
    let server = scripted(vec![
        answer(429, &["retry-after: 1"], ""),
        answer(503, &[], ""),
        json(200, created),
    ])
    .await;
    let key = client(&server.url, 5)
        .create_key("app", &spec("k"))
        .await
        .unwrap();
    assert_eq!(key.token_id, "t");
    assert_eq!(server.connections(), 3);
}

/// A self-signed certificate for `localhost` and 127.0.0.1, and a TLS acceptor serving it.
fn self_signed() -> (String, tokio_rustls::TlsAcceptor) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (
        cert.pem(),
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    )
}

#[tokio::test]
async fn a_certificate_that_is_not_trusted_is_not_retried() {
    let (_, acceptor) = self_signed();
    let server = scripted_over(vec![json(200, "[]")], Some(acceptor), "https").await;
    let started = std::time::Instant::now();
    for e in [
        client(&server.url, 5).list_apps().await.unwrap_err(),
        client(&server.url, 5)
            .create_key("app", &spec("k"))
            .await
            .unwrap_err(),
    ] {
        let text = e.to_string();
        assert!(
            matches!(
                &e,
                Error::Transport {
                    attempts: 1,
                    gave_up: None,
                    ..
                }
            ),
            "{e:?}"
        );
        for wanted in [
            "TLS certificate was not trusted",
            "UnknownIssuer",
            "SSL_CERT_FILE",
            "not retried",
        ] {
            assert!(text.contains(wanted), "{wanted:?} missing: {text}");
        }
    }
    assert_eq!(
        server.connections(),
        2,
        "one connection per request, no retry"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        server.requests.lock().unwrap().is_empty(),
        "nothing was sent"
    );
}

/// Where the child process of the test below finds its server, and what it must see there.
const PRIVATE_CA_URL: &str = "ONESIGNAL_TEST_PRIVATE_CA_URL";
const PRIVATE_CA_EXPECT: &str = "ONESIGNAL_TEST_PRIVATE_CA_EXPECT";

/// What docs/guides/reliability.md tells users: `SSL_CERT_FILE` makes this build trust a private
/// CA, and a file that cannot be read trusts nothing. The variable is read when the client is
/// built, so each case runs in a child process (this test binary again, running only this test)
/// with its environment set from the start; the child's assertions decide its exit status.
#[tokio::test]
async fn a_private_ca_is_trusted_through_ssl_cert_file() {
    if let Ok(url) = std::env::var(PRIVATE_CA_URL) {
        let expect = std::env::var(PRIVATE_CA_EXPECT).unwrap();
        let built = Client::new(ClientConfig {
            base_url: url,
            organization_api_key: Secret::new(ORG_KEY),
            max_retries: 3,
            user_agent: "t".into(),
            limits: Limits::default(),
        });
        match expect.as_str() {
            "trusted" => {
                let apps = built.unwrap().list_apps().await;
                assert!(apps.expect("trusted through SSL_CERT_FILE").is_empty());
            }
            "untrusted" => {
                let e = built.unwrap().list_apps().await.unwrap_err();
                assert!(
                    e.to_string().contains("TLS certificate was not trusted"),
                    "{e}"
                );
            }
            "unreadable" => {
                let e = built.unwrap_err();
                assert!(
                    matches!(&e, Error::InvalidConfig { detail }
                        if detail.contains("No CA certificates were loaded")),
                    "{e:?}"
                );
            }
            other => panic!("unknown expectation {other}"),
        }
        return;
    }
    let (pem, acceptor) = self_signed();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("private-ca.pem");
    std::fs::write(&bundle, pem).unwrap();
    let server = scripted_over(vec![json(200, "[]")], Some(acceptor), "https").await;
    let child = |ssl_cert_file: Option<&std::path::Path>, expect: &str| {
        let mut command = tokio::process::Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "client::limits::a_private_ca_is_trusted_through_ssl_cert_file",
                "--exact",
                "--test-threads=1",
            ])
            .env(PRIVATE_CA_URL, &server.url)
            .env(PRIVATE_CA_EXPECT, expect)
            .env_remove("SSL_CERT_DIR")
            .env_remove("SSL_CERT_FILE");
        if let Some(file) = ssl_cert_file {
            command.env("SSL_CERT_FILE", file);
        }
        command.output()
    };
    let missing = dir.path().join("missing.pem");
    for (file, expect, requests) in [
        (Some(bundle.as_path()), "trusted", 1),
        // The control: the system's CAs do not know this one, and nothing is sent.
        (None, "untrusted", 1),
        (Some(missing.as_path()), "unreadable", 1),
    ] {
        let out = child(file, expect).await.unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{expect}: {printed}");
        assert!(printed.contains("1 passed"), "{expect}: {printed}");
        assert_eq!(server.requests.lock().unwrap().len(), requests, "{expect}");
    }
}

/// The peak resident memory of this process, from /proc.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[tokio::test]
async fn a_gigabyte_answer_is_never_held() {
    const GIB: u64 = 1 << 30;
    let unannounced = |status: u16, content_type: &str| Reply::Stream {
        head: format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\nconnection: close\r\n\r\n"
        ),
        bytes: GIB,
    };
    let cases: Vec<(Reply, &str)> = vec![
        (unannounced(200, "application/json"), "list"),
        (unannounced(200, "application/json"), "create"),
        (unannounced(503, "text/plain"), "list"),
        (
            Reply::Stream {
                head: format!(
                    "HTTP/1.1 200 X\r\ncontent-type: application/json\r\ncontent-length: {GIB}\r\nconnection: close\r\n\r\n"
                ),
                bytes: GIB,
            },
            "list",
        ),
    ];
    for (reply, operation) in cases {
        let server = scripted(vec![reply]).await;
        let c = client(&server.url, 0);
        let e = match operation {
            "create" => c.create_key("app", &spec("k")).await.map(drop),
            _ => c.list_keys("app").await.map(drop),
        }
        .unwrap_err();
        let text = e.to_string();
        match &e {
            Error::InvalidResponse { status: 200, .. } | Error::Ambiguous { .. } => {
                assert!(text.contains("larger than 4 MiB"), "{text}");
            }
            Error::Server { status: 503, .. } => {
                assert!(text.len() < 1000, "a short snippet: {}", text.len());
                assert!(text.contains("text/plain body: aaaa"), "{text}");
            }
            other => panic!("unexpected {other:?}"),
        }
        if operation == "create" {
            assert!(matches!(e, Error::Ambiguous { .. }), "it acted: {e:?}");
        }
        // The client stopped reading at the cap: the server could not write much more than
        // that (socket buffers), nowhere near the gigabyte.
        let written = server.streamed.load(Ordering::SeqCst);
        assert!(written < 64 << 20, "{written} bytes written");
    }
    let peak_mib = vm_hwm_kib() / 1024;
    assert!(
        peak_mib < 256,
        "the test process peaked at {peak_mib} MiB; the cap is {} MiB",
        MAX_BODY_BYTES >> 20
    );
}

#[tokio::test]
async fn writes_accept_any_2xx_body() {
    let replies = [
        json(200, "{}"),
        json(200, r#""{}""#),
        answer(200, &[], ""),
        answer(204, &[], ""),
        answer(200, &["content-type: text/html"], "<html>ok</html>"),
        json(202, r#"{"success":true,"id":"x"}"#),
        Reply::Raw(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec()),
    ];
    for reply in replies {
        let server = scripted(vec![reply.clone()]).await;
        client(&server.url, 0)
            .update_key("app", "t", &spec("k"))
            .await
            .unwrap();
        let server = scripted(vec![reply]).await;
        client(&server.url, 0).delete_key("app", "t").await.unwrap();
        assert_eq!(
            server.requests.lock().unwrap().as_slice(),
            ["DELETE /apps/app/auth/tokens/t HTTP/1.1"]
        );
    }
}

#[tokio::test]
async fn error_bodies_of_every_shape_are_shown_with_the_request() {
    let cases = [
        (
            json(400, r#"{"errors":["name is too long"]}"#),
            "name is too long",
        ),
        (
            json(
                400,
                r#"{"errors":[{"code":"invalid_cidr","title":"Bad CIDR","meta":{"at":0}}]}"#,
            ),
            "Bad CIDR (invalid_cidr)",
        ),
        (json(400, r#"{"errors":"just one"}"#), "just one"),
        (
            json(
                400,
                r#"{"success":false,"errors":["app_id not found"],"reference":["https://documentation.onesignal.com"]}"#,
            ),
            "app_id not found",
        ),
        (
            json(422, r#"{"status":"odd","why":7}"#),
            r#"{"status":"odd","why":7}"#,
        ),
        (
            answer(
                404,
                &["content-type: text/html; charset=utf-8"],
                "<html>\n<body><h1>404 Not Found</h1></body>\n</html>",
            ),
            "text/html; charset=utf-8 body: <html> <body><h1>404 Not Found</h1></body> </html>",
        ),
    ];
    for (reply, shown) in cases {
        // A path prefix, as in a mistaken api_url: the error shows the URL asked, prefix and all.
        let server = scripted(vec![reply]).await;
        let e = client(&format!("{}/v1", server.url), 0)
            .list_keys("0f0e0d0c-0000-4000-8000-000000000001")
            .await
            .unwrap_err();
        let status = e.status().expect("an HTTP status");
        let text = e.to_string();
        let asked = format!(
            "GET {}/v1/apps/0f0e0d0c-0000-4000-8000-000000000001/auth/tokens answered HTTP {status}: {shown}",
            server.url
        );
        assert!(text.contains(&asked), "{asked:?} missing: {text}");
        assert_eq!(
            e.request(),
            Some(
                format!(
                    "GET {}/v1/apps/0f0e0d0c-0000-4000-8000-000000000001/auth/tokens",
                    server.url
                )
                .as_str()
            )
        );
    }
}

#[tokio::test]
async fn secrets_never_reach_an_error_whole_or_in_part() {
    // An organization key of another shape (a legacy key), scrubbed by value.
    let legacy = "LegacyOrganizationKeyZZ0123456789abcdefghijklmn";
    let app_key = format!("os_v2_app_{}", "k".repeat(103));
    let legacy_client = |url: &str| {
        Client::new(ClientConfig {
            base_url: url.to_owned(),
            organization_api_key: Secret::new(legacy),
            max_retries: 0,
            user_agent: "t".into(),
            limits: Limits::default(),
        })
        .unwrap()
    };
    // The key straddles where a snippet is cut; a token follows.
    let html = format!(
        "<html>{}{legacy} {app_key} {ORG_KEY}</html>",
        "x".repeat(280)
    );
    let huge_json = serde_json::json!({
        "errors": [format!("{}{legacy}{}", "y".repeat(MAX_ERROR_TEXT - 10), "z".repeat(10_000_000))]
    })
    .to_string();
    let replies = vec![
        answer(404, &["content-type: text/html"], &html),
        json(400, &huge_json),
        json(
            400,
            &format!(r#"{{"errors":["bad key {app_key}","{legacy}"]}}"#),
        ),
        // A success answer whose decoding error could quote what it read.
        json(200, &format!(r#""{app_key}""#)),
        json(200, &format!(r#"{{"tokens":"{app_key}"}}"#)),
        json(200, &format!(r#"[{{"token_id":5,"name":"{app_key}"}}]"#)),
    ];
    let secrets = [
        legacy.to_owned(),
        legacy[..20].to_owned(),
        app_key[..20].to_owned(),
        "os_v2_".to_owned(),
        ORG_KEY.to_owned(),
    ];
    for reply in replies {
        let server = scripted(vec![reply]).await;
        let e = legacy_client(&server.url)
            .list_keys("app")
            .await
            .unwrap_err();
        let text = format!("{e} {e:?}");
        assert_no_secret(&text, &secrets);
        assert!(text.len() < 2 * MAX_ERROR_TEXT + 1000, "{}", text.len());
    }
}

#[test]
fn the_reliability_guide_states_the_limits_the_client_keeps() {
    use terraform_provider_onesignal::onesignal::{
        ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, MAX_RETRY_AFTER,
    };
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guides/reliability.md"),
    )
    .unwrap();
    let flat = guide.split_whitespace().collect::<Vec<_>>().join(" ");
    for wanted in [
        format!("| connect timeout | {} s |", CONNECT_TIMEOUT.as_secs()),
        format!("| per-attempt timeout | {} s |", ATTEMPT_TIMEOUT.as_secs()),
        format!(
            "| per-operation deadline | {} s |",
            DEFAULT_DEADLINE.as_secs()
        ),
        format!(
            "gave up after {} s, the per-operation deadline",
            DEFAULT_DEADLINE.as_secs()
        ),
        format!("at most {} s", MAX_RETRY_AFTER.as_secs()),
        format!("at most **{} MiB**", MAX_BODY_BYTES >> 20),
        format!("at most {} KiB", MAX_ERROR_TEXT >> 10),
        "SSL_CERT_FILE".to_owned(),
        "ONESIGNAL_ORGANIZATION_API_KEY".to_owned(),
    ] {
        assert!(flat.contains(&wanted), "{wanted:?} missing from the guide");
    }
}

//! The HTTP surface: the emulated API routes, the `/_emulator/` hooks, and two middleware layers.
//!
//! - `faults_layer` (API routes only) counts the request, applies the run-time [`Variants`] and the
//!   injected faults, and implements "drop after act" and "another writer".
//! - `outer_layer` (everything) turns any non-JSON error — axum's plain-text rejections for a bad
//!   path, a wrong method, an oversized body — into OneSignal's `{"errors": [...]}` shape, and
//!   writes the request log line when enabled.
//!
//! Unknown paths answer 404 with an HTML page, as a proxy or a wrong base URL would.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, MatchedPath, Path, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde_json::{Value, json};

use super::apps;
use super::faults::{APP, APPS, FaultKind, ROTATE, Route, TOKEN, TOKENS};
use super::server::ConnControl;
use super::variants::generic_error;
use super::{Emulator, Fault, Rejection, Variants};

/// What a proxy or a wrong base URL answers for a path the API does not have.
const NOT_FOUND_PAGE: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// Marks a response whose body is deliberately not JSON (the 503 fault, injected bodies, the 404
/// page), so `outer_layer` leaves it.
#[derive(Clone, Copy)]
struct RawBody;

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(json!({ "errors": self.messages }))).into_response()
    }
}

type Answer = Result<axum::Json<Value>, Rejection>;

pub(crate) fn router(emulator: Emulator) -> Router {
    let api = Router::new()
        .route(APPS, get(list_apps).post(apps::create_app))
        .route(APP, get(get_app).put(apps::update_app))
        .route(TOKENS, get(list_keys).post(create_key))
        .route(TOKEN, patch(update_key).delete(delete_key))
        .route(ROTATE, post(rotate_key))
        .route_layer(middleware::from_fn_with_state(
            emulator.clone(),
            faults_layer,
        ));
    let hooks = Router::new()
        .route(
            "/_emulator/faults",
            get(list_faults).post(inject_fault).delete(clear_faults),
        )
        .route("/_emulator/counters", get(counters).delete(reset_counters))
        .route("/_emulator/variants", get(variants).put(set_variants));
    api.merge(hooks)
        .fallback(unknown_path)
        .layer(middleware::from_fn_with_state(
            emulator.clone(),
            outer_layer,
        ))
        .with_state(emulator)
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
}

async fn list_apps(State(em): State<Emulator>, headers: HeaderMap) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    Ok(axum::Json(em.list_apps_view()))
}

async fn get_app(
    State(em): State<Emulator>,
    Path(app_id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answer {
    em.view_app(&app_id, authorization(&headers), peer.ip())
        .map(axum::Json)
}

async fn list_keys(
    State(em): State<Emulator>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    em.list_keys_view(&app_id).map(axum::Json)
}

async fn create_key(
    State(em): State<Emulator>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    let key = em.create_key_from(&app_id, &body)?;
    Ok(axum::Json(
        json!({ "token_id": key.token_id, "formatted_token": key.secret }),
    ))
}

async fn update_key(
    State(em): State<Emulator>,
    Path((app_id, token_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    em.update_key_from(&app_id, &token_id, &body)?;
    Ok(axum::Json(json!({})))
}

async fn rotate_key(
    State(em): State<Emulator>,
    Path((app_id, token_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    let secret = em.rotate_key(&app_id, &token_id)?;
    // Newer OneSignal docs say only `formatted_token` is populated; answer that way so clients
    // are exercised on the leanest shape.
    Ok(axum::Json(json!({ "formatted_token": secret })))
}

async fn delete_key(
    State(em): State<Emulator>,
    Path((app_id, token_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    em.delete_key(&app_id, &token_id)?;
    Ok(axum::Json(json!({})))
}

async fn list_faults(State(em): State<Emulator>) -> axum::Json<Vec<Fault>> {
    axum::Json(em.pending_faults())
}

async fn inject_fault(State(em): State<Emulator>, body: Bytes) -> Answer {
    let fault: Fault = serde_json::from_slice(&body)
        .map_err(|e| Rejection::bad_request(vec![format!("Not a fault: {e}")]))?;
    em.inject(fault);
    Ok(axum::Json(json!({})))
}

async fn clear_faults(State(em): State<Emulator>) -> axum::Json<Value> {
    em.clear_faults();
    axum::Json(json!({}))
}

async fn counters(State(em): State<Emulator>) -> axum::Json<Value> {
    let counts = em
        .request_counts()
        .into_iter()
        .map(|(route, n)| (route.as_str().to_owned(), json!(n)));
    axum::Json(Value::Object(counts.collect()))
}

async fn reset_counters(State(em): State<Emulator>) -> axum::Json<Value> {
    em.reset_counters();
    axum::Json(json!({}))
}

async fn variants(State(em): State<Emulator>) -> axum::Json<Variants> {
    axum::Json(em.variants())
}

async fn set_variants(
    State(em): State<Emulator>,
    body: Bytes,
) -> Result<axum::Json<Variants>, Rejection> {
    let variants: Variants = serde_json::from_slice(&body)
        .map_err(|e| Rejection::bad_request(vec![format!("Not variants: {e}")]))?;
    em.set_variants(variants.clone());
    Ok(axum::Json(variants))
}

/// Any path the API does not have: a proxy's HTML 404 (or the GenericError 400 when every request
/// is rejected, since that server answers everything so).
async fn unknown_path(State(em): State<Emulator>, request: Request) -> Response {
    if em.variants().reject_everything_400 && !request.uri().path().starts_with("/_emulator/") {
        return generic_answer(StatusCode::BAD_REQUEST, "Bad Request");
    }
    raw(
        StatusCode::NOT_FOUND,
        Some("text/html"),
        Body::from(NOT_FOUND_PAGE),
    )
}

/// A response that `outer_layer` leaves as it is.
fn raw(status: StatusCode, content_type: Option<&str>, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    if let Some(value) = content_type.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response.extensions_mut().insert(RawBody);
    response
}

fn generic_answer(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(generic_error(message))).into_response()
}

/// The app id of a path under `/apps/{app_id}`.
fn app_in_path(path: &str) -> Option<String> {
    let id = path.strip_prefix("/apps/")?.split('/').next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// The faults that answer instead of the handler.
fn answers_without_acting(kind: &FaultKind) -> bool {
    matches!(
        kind,
        FaultKind::RateLimit { .. }
            | FaultKind::Unavailable { .. }
            | FaultKind::Status { .. }
            | FaultKind::Body { .. }
            | FaultKind::HugeBody { .. }
            | FaultKind::Hang { .. }
    )
}

async fn fault_answer(kind: FaultKind, control: Option<ConnControl>) -> Response {
    match kind {
        FaultKind::RateLimit {
            retry_after_secs, ..
        } => {
            let mut response = Rejection {
                status: 429,
                messages: vec!["API rate limit exceeded.".into()],
            }
            .into_response();
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        FaultKind::Status { status, .. } => {
            let status = if (400..600).contains(&status) {
                status
            } else {
                500
            };
            let message = format!("Injected HTTP {status}");
            Rejection {
                status,
                messages: vec![message],
            }
            .into_response()
        }
        FaultKind::Body {
            status,
            content_type,
            body,
            ..
        } => raw(
            any_status(status),
            content_type.as_deref(),
            Body::from(body),
        ),
        FaultKind::HugeBody { status, bytes, .. } => {
            raw(any_status(status), Some("text/plain"), huge_body(bytes))
        }
        FaultKind::Hang { .. } => match control {
            Some(control) => control.hang().await,
            None => std::future::pending().await,
        },
        // `Unavailable`; `answers_without_acting` lets no other kind through.
        _ => raw(
            StatusCode::SERVICE_UNAVAILABLE,
            Some("text/plain"),
            Body::from("Service temporarily unavailable"),
        ),
    }
}

fn any_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `bytes` bytes of `a`, produced chunk by chunk as the connection takes them: every chunk borrows
/// the same static buffer, so a gigabyte costs no memory.
fn huge_body(bytes: u64) -> Body {
    static CHUNK: [u8; 64 * 1024] = [b'a'; 64 * 1024];
    let size = CHUNK.len() as u64;
    let rest = (bytes % size) as usize;
    let chunks = (0..bytes / size)
        .map(|_| Bytes::from_static(&CHUNK))
        .chain((rest > 0).then(|| Bytes::from_static(&CHUNK[..rest])))
        .map(Ok::<_, std::convert::Infallible>);
    Body::from_stream(tokio_stream::iter(chunks))
}

/// "Another writer" makes an ordinary key in the app, as a colleague or a script would.
fn other_writer(em: &Emulator, app_id: Option<&str>, name: &str) {
    let Some(app_id) = app_id else { return };
    if let Err(e) = em.create_key(app_id, &json!({ "name": name })) {
        eprintln!("onesignal-emulator: the other writer could not create {name:?}: {e}");
    } else if em.request_log() {
        eprintln!("onesignal-emulator: another writer created a key named {name:?}");
    }
}

/// The variants that reshape an answer the handler gave.
fn reshape(
    em: &Emulator,
    variants: &Variants,
    route: Route,
    app_id: Option<&str>,
    response: Response,
) -> Response {
    let status = response.status();
    if variants.unknown_as_400 && status == StatusCode::NOT_FOUND {
        let known_app = app_id.is_some_and(|id| em.has_app(id));
        let message = if known_app {
            "token_id not found"
        } else {
            "app_id not found"
        };
        return generic_answer(StatusCode::BAD_REQUEST, message);
    }
    if variants.empty_write_bodies
        && status.is_success()
        && matches!(route, Route::UpdateKey | Route::DeleteKey)
    {
        return Response::new(Body::empty());
    }
    response
}

async fn faults_layer(State(em): State<Emulator>, request: Request, next: Next) -> Response {
    let pattern = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let Some(route) = pattern.and_then(|p| Route::from_request(request.method(), &p)) else {
        return next.run(request).await;
    };
    em.count(route);
    let variants = em.variants();
    if variants.reject_everything_400 {
        return generic_answer(StatusCode::BAD_REQUEST, "Bad Request");
    }
    if variants.routes_down.contains(&route) {
        return Rejection {
            status: 500,
            messages: vec!["Internal Server Error".into()],
        }
        .into_response();
    }
    if let Some(FaultKind::Latency { millis, .. }) =
        em.take_fault(route, |k| matches!(k, FaultKind::Latency { .. }))
    {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
    let control = request.extensions().get::<ConnControl>().cloned();
    if let Some(kind) = em.take_fault(route, answers_without_acting) {
        return fault_answer(kind, control).await;
    }
    let app_id = app_in_path(request.uri().path());
    let other = match em.take_fault(route, |k| matches!(k, FaultKind::OtherWriter { .. })) {
        Some(FaultKind::OtherWriter { name, before, .. }) => Some((name, before)),
        _ => None,
    };
    if let Some((name, true)) = &other {
        other_writer(&em, app_id.as_deref(), name);
    }
    let response = next.run(request).await;
    if let Some((name, false)) = &other {
        other_writer(&em, app_id.as_deref(), name);
    }
    let response = reshape(&em, &variants, route, app_id.as_deref(), response);
    if let Some(control) = control.filter(|_| response.status().is_success())
        && em
            .take_fault(route, |k| matches!(k, FaultKind::DropAfterAct { .. }))
            .is_some()
    {
        if em.request_log() {
            eprintln!(
                "onesignal-emulator: {} acted, dropping the connection without answering",
                route.as_str()
            );
        }
        control.drop_connection();
        return std::future::pending().await;
    }
    response
}

/// The largest error body that is rewrapped as JSON (axum's rejections are one line).
const MAX_REWRAP: usize = 64 * 1024;

async fn outer_layer(State(em): State<Emulator>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let status = response.status();
    if (status.is_client_error() || status.is_server_error())
        && !is_json
        && response.extensions().get::<RawBody>().is_none()
    {
        let (parts, body) = response.into_parts();
        let text = axum::body::to_bytes(body, MAX_REWRAP)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        let message = if text.is_empty() {
            status.canonical_reason().unwrap_or("Error").to_owned()
        } else {
            text
        };
        let mut rebuilt = Response::from_parts(
            parts,
            Body::from(json!({ "errors": [message] }).to_string()),
        );
        rebuilt
            .headers_mut()
            .remove(axum::http::header::CONTENT_LENGTH);
        rebuilt
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response = rebuilt;
    }
    if em.request_log() {
        eprintln!(
            "onesignal-emulator: {method} {path} -> {} ({} ms)",
            response.status().as_u16(),
            started.elapsed().as_millis()
        );
    }
    response
}

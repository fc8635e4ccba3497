//! The HTTP surface: the emulated API routes, the `/_emulator/` hooks, and two middleware layers.
//!
//! - `faults_layer` (API routes only) counts the request, applies injected faults, and implements
//!   "drop after act".
//! - `outer_layer` (everything) turns any non-JSON error — axum's plain-text rejections for a bad
//!   path, a wrong method, an oversized body — into OneSignal's `{"errors": [...]}` shape, and
//!   writes the request log line when enabled.

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
use super::{Emulator, Fault, Rejection};

/// Marks a response whose body is deliberately not JSON (the 503 fault), so `outer_layer` leaves it.
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
        .route("/_emulator/counters", get(counters).delete(reset_counters));
    api.merge(hooks)
        .fallback(|| async {
            Rejection {
                status: 404,
                messages: vec!["Not Found".into()],
            }
        })
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

async fn faults_layer(State(em): State<Emulator>, request: Request, next: Next) -> Response {
    let pattern = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let Some(route) = pattern.and_then(|p| Route::from_request(request.method(), &p)) else {
        return next.run(request).await;
    };
    em.count(route);
    if let Some(FaultKind::Latency { millis, .. }) =
        em.take_fault(route, |k| matches!(k, FaultKind::Latency { .. }))
    {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
    let refusal = |k: &FaultKind| {
        matches!(
            k,
            FaultKind::RateLimit { .. } | FaultKind::Unavailable { .. } | FaultKind::Status { .. }
        )
    };
    match em.take_fault(route, refusal) {
        Some(FaultKind::RateLimit {
            retry_after_secs, ..
        }) => {
            let mut response = Rejection {
                status: 429,
                messages: vec!["API rate limit exceeded.".into()],
            }
            .into_response();
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return response;
        }
        Some(FaultKind::Status { status, .. }) => {
            let status = if (400..600).contains(&status) {
                status
            } else {
                500
            };
            let message = format!("Injected HTTP {status}");
            return Rejection {
                status,
                messages: vec![message],
            }
            .into_response();
        }
        Some(_) => {
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                [(CONTENT_TYPE, "text/plain")],
                "Service temporarily unavailable",
            )
                .into_response();
            response.extensions_mut().insert(RawBody);
            return response;
        }
        None => {}
    }
    let control = request.extensions().get::<ConnControl>().cloned();
    let response = next.run(request).await;
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

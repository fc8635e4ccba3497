//! Routes as named things, injectable faults, and per-route request counters.
//!
//! A fault is consumed one request at a time: `count` requests to the matching route (any API
//! route when `route` is absent) get it, then it is gone. A *periodic* fault (`every = N`) lets
//! N − 1 matching requests pass between two hits, so "every 3rd request is rate limited" can run
//! through a whole Terraform apply while the retry policy works; `count` then bounds the hits.
//! Faults and counters never touch the `/_emulator/` hooks themselves.

use axum::http::Method;
use serde::{Deserialize, Serialize};

/// One of the emulated API operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// `GET /apps`
    ListApps,
    /// `POST /apps`
    CreateApp,
    /// `GET /apps/{app_id}`
    GetApp,
    /// `GET /apps/{app_id}/auth/tokens`
    ListKeys,
    /// `POST /apps/{app_id}/auth/tokens`
    CreateKey,
    /// `PATCH /apps/{app_id}/auth/tokens/{token_id}`
    UpdateKey,
    /// `POST /apps/{app_id}/auth/tokens/{token_id}/rotate`
    RotateKey,
    /// `DELETE /apps/{app_id}/auth/tokens/{token_id}`
    DeleteKey,
    /// `PUT /apps/{app_id}`
    UpdateApp,
}

/// Path patterns as registered with the router (and as `MatchedPath` reports them).
pub(crate) const APPS: &str = "/apps";
pub(crate) const APP: &str = "/apps/{app_id}";
pub(crate) const TOKENS: &str = "/apps/{app_id}/auth/tokens";
pub(crate) const TOKEN: &str = "/apps/{app_id}/auth/tokens/{token_id}";
pub(crate) const ROTATE: &str = "/apps/{app_id}/auth/tokens/{token_id}/rotate";

impl Route {
    /// Every route, in a stable order.
    pub const ALL: [Route; 9] = [
        Route::ListApps,
        Route::CreateApp,
        Route::GetApp,
        Route::ListKeys,
        Route::CreateKey,
        Route::UpdateKey,
        Route::RotateKey,
        Route::DeleteKey,
        Route::UpdateApp,
    ];

    /// The snake_case name used in hook bodies and counter output, e.g. `create_key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::ListApps => "list_apps",
            Route::CreateApp => "create_app",
            Route::GetApp => "get_app",
            Route::ListKeys => "list_keys",
            Route::CreateKey => "create_key",
            Route::UpdateKey => "update_key",
            Route::RotateKey => "rotate_key",
            Route::DeleteKey => "delete_key",
            Route::UpdateApp => "update_app",
        }
    }

    /// Which route a request matched, from its method and the router's path pattern.
    pub(crate) fn from_request(method: &Method, pattern: &str) -> Option<Route> {
        Some(match (method.as_str(), pattern) {
            ("GET", APPS) => Route::ListApps,
            ("POST", APPS) => Route::CreateApp,
            ("GET", APP) => Route::GetApp,
            ("PUT", APP) => Route::UpdateApp,
            ("GET", TOKENS) => Route::ListKeys,
            ("POST", TOKENS) => Route::CreateKey,
            ("PATCH", TOKEN) => Route::UpdateKey,
            ("DELETE", TOKEN) => Route::DeleteKey,
            ("POST", ROTATE) => Route::RotateKey,
            _ => return None,
        })
    }
}

impl std::str::FromStr for Route {
    type Err = String;

    /// Parses a snake_case route name such as `list_keys`.
    fn from_str(name: &str) -> Result<Route, String> {
        Route::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Route::ALL.iter().map(|r| r.as_str()).collect();
                format!("{name:?} is not a route (one of: {})", names.join(", "))
            })
    }
}

/// A fault to inject into the next `count` requests of a route (or into every `every`-th one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// The route it applies to; `None` (absent in JSON) means every API route.
    #[serde(default)]
    pub route: Option<Route>,
    /// `Some(n)`: only every n-th request that could get this fault gets it (the n-th, 2n-th, …
    /// counted from injection), until `count` hits are used up. `None`, 0 and 1 mean every such
    /// request. For [`FaultKind::DropAfterAct`] only successful operations are counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u32>,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer 429 `{"errors":["API rate limit exceeded."]}` with `Retry-After: retry_after_secs`,
    /// without acting.
    RateLimit {
        /// How many requests get it.
        count: u32,
        /// The `Retry-After` value, whole seconds.
        retry_after_secs: u64,
    },
    /// Answer 503 `Service temporarily unavailable`, without acting.
    Unavailable {
        /// How many requests get it.
        count: u32,
    },
    /// Answer `status` with `{"errors":["Injected HTTP <status>"]}`, without acting (e.g. 500, 502, 504).
    Status {
        /// How many requests get it.
        count: u32,
        /// The HTTP status to answer (400–599).
        status: u16,
    },
    /// Wait `millis` before handling the request.
    Latency {
        /// How many requests get it.
        count: u32,
        /// The delay.
        millis: u64,
    },
    /// Perform the operation, then close the TCP connection without sending any answer. Only
    /// successful operations consume it.
    DropAfterAct {
        /// How many requests get it.
        count: u32,
    },
    /// "Another writer" creates an ordinary key named `name` in the same app just before
    /// (`before: true`) or just after the matching request acts. Meant for [`Route::CreateKey`];
    /// on a route without an app in its path it does nothing but is still consumed.
    OtherWriter {
        /// How many requests get it.
        count: u32,
        /// The other writer's key name.
        name: String,
        /// Whether the other key is made before the request acts (else right after).
        before: bool,
    },
    /// Answer exactly this status, content type and body, without acting.
    Body {
        /// How many requests get it.
        count: u32,
        /// The HTTP status to answer (100–999; anything else becomes 500).
        status: u16,
        /// The `Content-Type`, if any.
        #[serde(default)]
        content_type: Option<String>,
        /// The body, verbatim.
        body: String,
    },
    /// Answer `status` with a body of `bytes` bytes of `a`, streamed in chunks (the emulator
    /// never holds it in memory), without acting.
    HugeBody {
        /// How many requests get it.
        count: u32,
        /// The HTTP status to answer.
        status: u16,
        /// The body's length.
        bytes: u64,
    },
    /// Accept the request and never answer, without acting. The connection is closed without an
    /// answer when the server shuts down (so shutdown is never held up by it).
    Hang {
        /// How many requests get it.
        count: u32,
    },
}

impl Fault {
    /// `count` × 429 with `Retry-After: retry_after_secs`.
    pub fn rate_limit(route: Option<Route>, count: u32, retry_after_secs: u64) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::RateLimit {
                count,
                retry_after_secs,
            },
        }
    }

    /// `count` × 503.
    pub fn unavailable(route: Option<Route>, count: u32) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::Unavailable { count },
        }
    }

    /// `count` × an answer with `status`, without acting.
    pub fn status(route: Option<Route>, count: u32, status: u16) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::Status { count, status },
        }
    }

    /// `count` requests delayed by `millis`.
    pub fn latency(route: Option<Route>, count: u32, millis: u64) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::Latency { count, millis },
        }
    }

    /// `count` successful requests acted upon, then their connection closed without an answer.
    pub fn drop_after_act(route: Option<Route>, count: u32) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::DropAfterAct { count },
        }
    }

    /// `count` matching requests during which another writer makes a key named `name` in the same
    /// app, just `before` the request acts or just after.
    pub fn other_writer(
        route: Option<Route>,
        count: u32,
        name: impl Into<String>,
        before: bool,
    ) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::OtherWriter {
                count,
                name: name.into(),
                before,
            },
        }
    }

    /// `count` × exactly this answer, without acting.
    pub fn body(
        route: Option<Route>,
        count: u32,
        status: u16,
        content_type: Option<String>,
        body: impl Into<String>,
    ) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::Body {
                count,
                status,
                content_type,
                body: body.into(),
            },
        }
    }

    /// `count` × `status` with a streamed body of `bytes` bytes, without acting.
    pub fn huge_body(route: Option<Route>, count: u32, status: u16, bytes: u64) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::HugeBody {
                count,
                status,
                bytes,
            },
        }
    }

    /// `count` requests accepted and never answered (until the server shuts down).
    pub fn hang(route: Option<Route>, count: u32) -> Fault {
        Fault {
            route,
            every: None,
            kind: FaultKind::Hang { count },
        }
    }

    /// The same fault, hitting only every `n`-th matching request (see [`Fault::every`]).
    pub fn every(self, n: u32) -> Fault {
        Fault {
            every: Some(n),
            ..self
        }
    }

    fn count_mut(&mut self) -> &mut u32 {
        match &mut self.kind {
            FaultKind::RateLimit { count, .. }
            | FaultKind::Unavailable { count }
            | FaultKind::Status { count, .. }
            | FaultKind::Latency { count, .. }
            | FaultKind::DropAfterAct { count }
            | FaultKind::OtherWriter { count, .. }
            | FaultKind::Body { count, .. }
            | FaultKind::HugeBody { count, .. }
            | FaultKind::Hang { count } => count,
        }
    }

    fn applies_to(&self, route: Route) -> bool {
        self.route.is_none_or(|r| r == route)
    }
}

/// A pending fault and how many of its candidate requests it has seen.
#[derive(Debug)]
struct Pending {
    fault: Fault,
    seen: u64,
}

/// The pending faults, in injection order.
#[derive(Debug, Default)]
pub(crate) struct Faults(Vec<Pending>);

impl Faults {
    pub(crate) fn push(&mut self, fault: Fault) {
        let mut fault = fault;
        if *fault.count_mut() > 0 {
            self.0.push(Pending { fault, seen: 0 });
        }
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn pending(&self) -> Vec<Fault> {
        self.0.iter().map(|p| p.fault.clone()).collect()
    }

    /// Offers one request of `route` to the faults that `select` picks, in injection order, and
    /// returns the kind of the first that hits (consuming one of its uses). Every periodic fault
    /// offered the request counts it, whether or not an earlier fault hit, so "every 3rd" and
    /// "every 7th" keep their own rhythm side by side.
    pub(crate) fn take(
        &mut self,
        route: Route,
        select: impl Fn(&FaultKind) -> bool,
    ) -> Option<FaultKind> {
        let mut hit = None;
        for (index, pending) in self.0.iter_mut().enumerate() {
            if !(pending.fault.applies_to(route) && select(&pending.fault.kind)) {
                continue;
            }
            pending.seen += 1;
            let period = u64::from(pending.fault.every.unwrap_or(1).max(1));
            if hit.is_none() && pending.seen % period == 0 {
                hit = Some(index);
            }
        }
        let index = hit?;
        let fault = &mut self.0[index].fault;
        let kind = fault.kind.clone();
        *fault.count_mut() -= 1;
        if *fault.count_mut() == 0 {
            self.0.remove(index);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_consumed_per_route_in_order() {
        let mut faults = Faults::default();
        faults.push(Fault::unavailable(Some(Route::CreateKey), 2));
        faults.push(Fault::rate_limit(None, 1, 3));
        faults.push(Fault::latency(None, 0, 5)); // count 0: ignored
        let refusal = |k: &FaultKind| {
            matches!(
                k,
                FaultKind::RateLimit { .. } | FaultKind::Unavailable { .. }
            )
        };
        assert_eq!(
            faults.take(Route::ListKeys, refusal),
            Some(FaultKind::RateLimit {
                count: 1,
                retry_after_secs: 3
            })
        );
        assert_eq!(faults.take(Route::ListKeys, refusal), None);
        assert!(faults.take(Route::CreateKey, refusal).is_some());
        assert!(faults.take(Route::CreateKey, refusal).is_some());
        assert!(faults.take(Route::CreateKey, refusal).is_none());
        assert!(faults.pending().is_empty());
    }

    #[test]
    fn periodic_faults_hit_every_nth_candidate_and_keep_their_own_rhythm() {
        let mut faults = Faults::default();
        faults.push(Fault::rate_limit(None, u32::MAX, 1).every(3));
        faults.push(Fault::unavailable(None, u32::MAX).every(7));
        let refusal = |k: &FaultKind| {
            matches!(
                k,
                FaultKind::RateLimit { .. } | FaultKind::Unavailable { .. }
            )
        };
        let hits: Vec<(u32, &str)> = (1..=21)
            .filter_map(|n| {
                let route = if n % 2 == 0 {
                    Route::CreateKey
                } else {
                    Route::ListKeys
                };
                faults.take(route, refusal).map(|kind| {
                    let name = match kind {
                        FaultKind::RateLimit { .. } => "429",
                        _ => "503",
                    };
                    (n, name)
                })
            })
            .collect();
        // The 21st is both a 3rd and a 7th: the first injected wins, the other's turn is spent.
        assert_eq!(
            hits,
            [
                (3, "429"),
                (6, "429"),
                (7, "503"),
                (9, "429"),
                (12, "429"),
                (14, "503"),
                (15, "429"),
                (18, "429"),
                (21, "429")
            ]
        );
        assert_eq!(faults.take(Route::GetApp, refusal), None);
        assert_eq!(faults.take(Route::GetApp, refusal), None);
        assert!(faults.take(Route::GetApp, refusal).is_some(), "24th");
    }

    #[test]
    fn periodic_faults_are_bounded_by_count_and_only_count_their_route() {
        let mut faults = Faults::default();
        faults.push(Fault::drop_after_act(Some(Route::CreateKey), 2).every(2));
        let drop = |k: &FaultKind| matches!(k, FaultKind::DropAfterAct { .. });
        let pattern: Vec<bool> = (0..8)
            .map(|_| {
                // Requests of other routes neither hit nor advance the rhythm.
                assert_eq!(faults.take(Route::RotateKey, drop), None);
                faults.take(Route::CreateKey, drop).is_some()
            })
            .collect();
        assert_eq!(
            pattern,
            [false, true, false, true, false, false, false, false]
        );
        assert!(faults.pending().is_empty());
        // 0 and 1 mean every request.
        faults.push(Fault::unavailable(None, 2).every(0));
        let any = |_: &FaultKind| true;
        assert!(faults.take(Route::ListApps, any).is_some());
        assert!(faults.take(Route::ListApps, any).is_some());
        assert!(faults.take(Route::ListApps, any).is_none());
    }

    #[test]
    fn fault_json_shape() {
        let fault: Fault = serde_json::from_str(
            r#"{"route":"create_key","kind":"rate_limit","count":2,"retry_after_secs":1}"#,
        )
        .unwrap();
        assert_eq!(fault, Fault::rate_limit(Some(Route::CreateKey), 2, 1));
        let fault: Fault =
            serde_json::from_str(r#"{"kind":"status","count":1,"status":502}"#).unwrap();
        assert_eq!(fault, Fault::status(None, 1, 502));
        let fault: Fault = serde_json::from_str(r#"{"kind":"drop_after_act","count":1}"#).unwrap();
        assert_eq!(fault, Fault::drop_after_act(None, 1));
        let fault: Fault = serde_json::from_str(
            r#"{"route":"rotate_key","kind":"drop_after_act","count":5,"every":2}"#,
        )
        .unwrap();
        assert_eq!(
            fault,
            Fault::drop_after_act(Some(Route::RotateKey), 5).every(2)
        );
        assert!(
            !serde_json::to_string(&Fault::unavailable(None, 1))
                .unwrap()
                .contains("every")
        );
        for route in Route::ALL {
            assert_eq!(serde_json::to_value(route).unwrap(), route.as_str());
            assert_eq!(route.as_str().parse::<Route>(), Ok(route));
        }
        assert!("nope".parse::<Route>().unwrap_err().contains("list_keys"));
        for (text, fault) in [
            (
                r#"{"route":"create_key","kind":"other_writer","count":1,"name":"x","before":true}"#,
                Fault::other_writer(Some(Route::CreateKey), 1, "x", true),
            ),
            (
                r#"{"kind":"body","count":2,"status":404,"content_type":"text/html","body":"<h1>no</h1>"}"#,
                Fault::body(None, 2, 404, Some("text/html".into()), "<h1>no</h1>"),
            ),
            (
                r#"{"kind":"body","count":1,"status":200,"body":""}"#,
                Fault::body(None, 1, 200, None, ""),
            ),
            (
                r#"{"kind":"huge_body","count":1,"status":500,"bytes":1073741824}"#,
                Fault::huge_body(None, 1, 500, 1 << 30),
            ),
            (
                r#"{"route":"list_keys","kind":"hang","count":3}"#,
                Fault::hang(Some(Route::ListKeys), 3),
            ),
        ] {
            assert_eq!(
                serde_json::from_str::<Fault>(text).unwrap(),
                fault,
                "{text}"
            );
        }
    }
}

//! CORS, as the reference server's `cors` option (the npm `cors` package):
//! which origins may read the answers, whether credentials are allowed, and
//! the preflight answer.
//!
//! - Any origin (the default): `Access-Control-Allow-Origin: *`.
//! - One fixed origin: that origin on every answer, with `Vary: Origin`.
//! - A list or a predicate: the request's `Origin` echoed when allowed, no
//!   `Access-Control-Allow-Origin` at all otherwise, and `Vary: Origin`.
//! - Credentials: `Access-Control-Allow-Credentials: true` on every answer.
//! - Preflight (`OPTIONS`): `204` with the allowed methods (default
//!   `GET,POST`) and the requested headers echoed (with
//!   `Vary: Access-Control-Request-Headers`), as the package does when no
//!   header list is configured.

use std::fmt;
use std::sync::Arc;

use http::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_HEADERS, ORIGIN, VARY,
};

/// Decides whether an `Origin` header value may read the answers.
pub type OriginPredicate = Arc<dyn Fn(&HeaderValue) -> bool + Send + Sync>;

/// Which origins the answers are shared with.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum CorsOrigin {
    /// Every origin: `Access-Control-Allow-Origin: *`.
    #[default]
    Any,
    /// This origin, whatever the request's: sent as is.
    Exact(HeaderValue),
    /// The request's origin when it is one of these.
    List(Vec<HeaderValue>),
    /// The request's origin when the predicate accepts it.
    Predicate(OriginPredicate),
}

impl fmt::Debug for CorsOrigin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsOrigin::Any => formatter.write_str("Any"),
            CorsOrigin::Exact(origin) => formatter.debug_tuple("Exact").field(origin).finish(),
            CorsOrigin::List(origins) => formatter.debug_tuple("List").field(origins).finish(),
            CorsOrigin::Predicate(_) => formatter.write_str("Predicate(..)"),
        }
    }
}

impl PartialEq for CorsOrigin {
    /// Predicates are equal when they are the same closure.
    fn eq(&self, other: &CorsOrigin) -> bool {
        match (self, other) {
            (CorsOrigin::Any, CorsOrigin::Any) => true,
            (CorsOrigin::Exact(a), CorsOrigin::Exact(b)) => a == b,
            (CorsOrigin::List(a), CorsOrigin::List(b)) => a == b,
            (CorsOrigin::Predicate(a), CorsOrigin::Predicate(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for CorsOrigin {}

/// The CORS policy of a server; the default shares answers with any origin,
/// without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cors {
    /// Which origins may read the answers.
    pub origin: CorsOrigin,
    /// Whether `Access-Control-Allow-Credentials: true` is sent.
    pub credentials: bool,
    /// The `Access-Control-Allow-Methods` of a preflight answer.
    pub methods: HeaderValue,
}

impl Default for Cors {
    fn default() -> Cors {
        Cors { origin: CorsOrigin::Any, credentials: false, methods: HeaderValue::from_static("GET,POST") }
    }
}

impl Cors {
    /// Any origin, no credentials (the default).
    pub fn any() -> Cors {
        Cors::default()
    }

    /// Only `origin`, sent on every answer.
    pub fn exact(origin: HeaderValue) -> Cors {
        Cors { origin: CorsOrigin::Exact(origin), ..Cors::default() }
    }

    /// The request's origin when it is one of `origins`.
    pub fn list(origins: impl IntoIterator<Item = HeaderValue>) -> Cors {
        Cors { origin: CorsOrigin::List(origins.into_iter().collect()), ..Cors::default() }
    }

    /// The request's origin when `allowed` accepts it.
    pub fn predicate(allowed: impl Fn(&HeaderValue) -> bool + Send + Sync + 'static) -> Cors {
        Cors { origin: CorsOrigin::Predicate(Arc::new(allowed)), ..Cors::default() }
    }

    /// Sets [`Cors::credentials`].
    pub fn with_credentials(mut self, credentials: bool) -> Cors {
        self.credentials = credentials;
        self
    }

    /// Sets [`Cors::methods`].
    pub fn with_methods(mut self, methods: HeaderValue) -> Cors {
        self.methods = methods;
        self
    }

    /// The `Access-Control-Allow-Origin` for a request with these headers;
    /// `None` when the origin is not allowed (or absent, for a list or predicate).
    fn allowed_origin(&self, request: &HeaderMap) -> Option<HeaderValue> {
        let requested = request.get(ORIGIN);
        match &self.origin {
            CorsOrigin::Any => Some(HeaderValue::from_static("*")),
            CorsOrigin::Exact(origin) => Some(origin.clone()),
            CorsOrigin::List(origins) => requested.filter(|origin| origins.contains(origin)).cloned(),
            CorsOrigin::Predicate(allowed) => requested.filter(|origin| allowed(origin)).cloned(),
        }
    }

    /// Adds the headers every answer carries.
    pub(crate) fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if let Some(origin) = self.allowed_origin(request) {
            response.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        if !matches!(self.origin, CorsOrigin::Any) {
            response.append(VARY, HeaderValue::from_static("Origin"));
        }
        if self.credentials {
            response.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        }
    }

    /// Adds what a preflight answer carries besides [`Cors::apply`]'s. The
    /// requested headers are echoed only up to `max_echo` bytes (a longer
    /// list, possible when mounted in a stack with a larger header limit,
    /// gets no `Access-Control-Allow-Headers`, so the browser refuses it).
    pub(crate) fn apply_preflight(&self, request: &HeaderMap, response: &mut HeaderMap, max_echo: usize) {
        response.insert(ACCESS_CONTROL_ALLOW_METHODS, self.methods.clone());
        let requested = request.get(ACCESS_CONTROL_REQUEST_HEADERS).filter(|requested| requested.len() <= max_echo);
        if let Some(requested) = requested {
            response.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
            response.append(VARY, HeaderValue::from_static("Access-Control-Request-Headers"));
        }
    }
}

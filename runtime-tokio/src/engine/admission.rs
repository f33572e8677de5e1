//! Who may open a session: the reference's `allowRequest(req, fn)` hook,
//! asked on handshakes only (requests without a sid), and the peer address
//! it is given ([`RemoteAddr`]).

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

/// The verdict of an [`AllowRequest`] hook: `Err(message)` refuses the
/// handshake with `403 {"code":4,"message":<message>}`.
pub type Verdict = Result<(), String>;

/// The future an asynchronous [`AllowRequest`] hook returns.
pub type VerdictFuture = Pin<Box<dyn Future<Output = Verdict> + Send + 'static>>;

type Hook = dyn Fn(&Parts, Option<SocketAddr>) -> VerdictFuture + Send + Sync;

/// The peer address of a request, as a request extension. The accept loops
/// of this crate insert it; an application mounting the server behind
/// another HTTP stack (see [`crate::tower`]) inserts it itself if its
/// [`AllowRequest`] hook wants it (with axum: from `ConnectInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// A hook deciding whether a handshake request may open a session, given
/// the request head and the peer address (when known, see [`RemoteAddr`]).
/// Cheap to clone; two hooks are equal when they are the same closure.
#[derive(Clone)]
pub struct AllowRequest(Arc<Hook>);

impl AllowRequest {
    /// A synchronous hook.
    pub fn new<F>(allow: F) -> AllowRequest
    where
        F: Fn(&Parts, Option<SocketAddr>) -> Verdict + Send + Sync + 'static,
    {
        AllowRequest(Arc::new(move |parts: &Parts, peer: Option<SocketAddr>| {
            let verdict = allow(parts, peer);
            Box::pin(async move { verdict }) as VerdictFuture
        }))
    }

    /// An asynchronous hook: it reads what it needs from the request head
    /// and returns a future owning its data.
    pub fn new_async<F, Fut>(allow: F) -> AllowRequest
    where
        F: Fn(&Parts, Option<SocketAddr>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Verdict> + Send + 'static,
    {
        AllowRequest(Arc::new(move |parts: &Parts, peer: Option<SocketAddr>| {
            Box::pin(allow(parts, peer)) as VerdictFuture
        }))
    }

    /// Asks the hook about one request.
    pub(crate) fn check(&self, parts: &Parts) -> VerdictFuture {
        let peer = parts.extensions.get::<RemoteAddr>().map(|RemoteAddr(addr)| *addr);
        (self.0)(parts, peer)
    }
}

impl fmt::Debug for AllowRequest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("AllowRequest(..)")
    }
}

impl PartialEq for AllowRequest {
    fn eq(&self, other: &AllowRequest) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for AllowRequest {}

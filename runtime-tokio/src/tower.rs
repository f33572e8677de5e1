//! Mounting a server into a tower stack (axum, tonic, a hyper service
//! through `hyper_util`'s adapters): [`SocketIoService`] answers the
//! server's path alone, [`SocketIoLayer`] wraps an application's service and
//! takes the requests under the path, passing every other request to the
//! application unchanged.
//!
//! Both work with a Socket.IO server ([`SocketIo`]) and an Engine.IO-only
//! one ([`EngineServer`]). Request bodies may be any [`http_body::Body`];
//! answers have a [`BoxBody`] (the application's own answers are boxed too).
//! WebSocket upgrades need the request as hyper's server connection gave it
//! (its upgrade extension), on a connection served with upgrades enabled, as
//! axum's `serve` does. Connection-level settings are the hosting server's:
//! [`EngineOptions::header_read_timeout`](crate::engine::EngineOptions::header_read_timeout)
//! applies only where this crate serves the connections, and the
//! [`AllowRequest`](crate::engine::AllowRequest) hook sees a peer address
//! only if the application puts a [`RemoteAddr`](crate::engine::RemoteAddr)
//! in the request's extensions (with axum, from its `ConnectInfo`).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use runtime_tokio::socketio::SocketIo;
//! use runtime_tokio::tokio::TokioRuntime;
//! use runtime_tokio::tower::SocketIoLayer;
//!
//! let io = SocketIo::builder().build(Arc::new(TokioRuntime::current().map_err(std::io::Error::other)?));
//! io.ns("/", |_socket| async {});
//! let app = axum::Router::new()
//!     .route("/hello", axum::routing::get(|| async { "hello" }))
//!     .layer(SocketIoLayer::from(&io));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::BodyExt;
use tower_layer::Layer;
use tower_service::Service;

use crate::engine::EngineServer;
use crate::socketio::SocketIo;

/// A boxed error, as the bodies and services here carry them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of every answer: a boxed body of [`Bytes`] (`Send`, not `Sync`,
/// like axum's own body).
pub type BoxBody = UnsyncBoxBody<Bytes, BoxError>;

/// The future of [`SocketIoService`] and [`SocketIoMount`].
pub type ResponseFuture<E> = Pin<Box<dyn Future<Output = Result<Response<BoxBody>, E>> + Send + 'static>>;

/// A tower `Service` answering the requests of one server's path (others get
/// `404`). Never fails; cheap to clone.
#[derive(Debug, Clone)]
pub struct SocketIoService {
    engine: EngineServer,
}

impl SocketIoService {
    /// The service of `engine` (an Engine.IO server, or [`SocketIo::engine`]).
    pub fn new(engine: EngineServer) -> SocketIoService {
        SocketIoService { engine }
    }

    /// Whether `request` is for this server's path.
    fn serves<B>(&self, request: &Request<B>) -> bool {
        request.uri().path().starts_with(self.engine.options().path.as_str())
    }
}

impl From<&SocketIo> for SocketIoService {
    fn from(io: &SocketIo) -> SocketIoService {
        SocketIoService::new(io.engine().clone())
    }
}

impl<B> Service<Request<B>> for SocketIoService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<BoxBody>;
    type Error = Infallible;
    type Future = ResponseFuture<Infallible>;

    fn poll_ready(&mut self, _context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let engine = self.engine.clone();
        Box::pin(async move {
            let response = engine.handle(request).await;
            Ok(response.map(|body| body.map_err(|never| match never {}).boxed_unsync()))
        })
    }
}

/// A tower `Layer` putting a server in front of an application's service:
/// requests under the server's path go to the server, the others to the
/// application, unchanged.
#[derive(Debug, Clone)]
pub struct SocketIoLayer {
    server: SocketIoService,
}

impl SocketIoLayer {
    /// The layer of `engine` (an Engine.IO server, or [`SocketIo::engine`]).
    pub fn new(engine: EngineServer) -> SocketIoLayer {
        SocketIoLayer { server: SocketIoService::new(engine) }
    }
}

impl From<&SocketIo> for SocketIoLayer {
    fn from(io: &SocketIo) -> SocketIoLayer {
        SocketIoLayer::new(io.engine().clone())
    }
}

impl<S> Layer<S> for SocketIoLayer {
    type Service = SocketIoMount<S>;

    fn layer(&self, inner: S) -> SocketIoMount<S> {
        SocketIoMount { server: self.server.clone(), inner }
    }
}

/// The service of a [`SocketIoLayer`]: the server under its path, the
/// application `S` elsewhere. Readiness is the application's.
#[derive(Debug, Clone)]
pub struct SocketIoMount<S> {
    server: SocketIoService,
    inner: S,
}

impl<S, B, ResBody> Service<Request<B>> for SocketIoMount<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<BoxBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if self.server.serves(&request) {
            let answer = self.server.call(request);
            return Box::pin(async move {
                match answer.await {
                    Ok(response) => Ok(response),
                    Err(never) => match never {},
                }
            });
        }
        // The ready clone answers; a fresh clone stays for the next call (tower's usual dance).
        let fresh = self.inner.clone();
        let mut ready = std::mem::replace(&mut self.inner, fresh);
        let answer = ready.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| body.map_err(Into::into).boxed_unsync()))
        })
    }
}

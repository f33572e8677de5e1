//! The HTTP side: one hyper request in, one response out. Requests are
//! classified by `engineio_proto::server::classify`; those for a session
//! become [`Command`]s to its task, and the answer comes back on a oneshot.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use engineio_proto::server::{
    classify, ContentEncoding, ErrorResponse, Handshake, Method, PostBody, RequestId, Response, Route, Session,
    SessionRequest, UpgradeVerdict,
};
use engineio_proto::sid::SID_RANDOM_BYTES;
use engineio_proto::{ProtocolVersion, Sid, TransportKind};
use http::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use http::StatusCode;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Body;
use tokio::sync::oneshot;

use crate::queue;

use super::session_task::{Command, EngineMachine, SessionTask, Target};
use super::socket::EngineSocket;
use super::{websocket, Application, Shared};

/// The body type of every answer.
pub(crate) type ResponseBody = Full<Bytes>;

/// Answers one request; see the module docs. Every answer under the path
/// carries the CORS headers.
pub(crate) async fn handle<B>(shared: &Arc<Shared>, request: http::Request<B>) -> http::Response<ResponseBody>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if !request.uri().path().starts_with(shared.options.path.as_str()) {
        return plain(StatusCode::NOT_FOUND);
    }
    let mut cors_headers = HeaderMap::new();
    shared.options.cors.apply(request.headers(), &mut cors_headers);
    let mut response = route(shared, request).await;
    // The CORS headers first, as the reference's middleware sets them before the answer's own.
    let own_headers = std::mem::replace(response.headers_mut(), cors_headers);
    let headers = response.headers_mut();
    for (name, value) in &own_headers {
        headers.append(name, value.clone());
    }
    response
}

/// Routes one request under the path; see the module docs.
async fn route<B>(shared: &Arc<Shared>, request: http::Request<B>) -> http::Response<ResponseBody>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let method = Method::from_name(request.method().as_str());
    let websocket_upgrade = websocket::is_upgrade_request(request.headers());
    let query = request.uri().query().unwrap_or_default().to_owned();
    let refuse = |error: ErrorResponse| refusal(&error, websocket_upgrade);
    match classify(&shared.options.config, method, &query, websocket_upgrade) {
        Route::Preflight => preflight(shared, &request),
        Route::Reject(error) => refuse(error),
        Route::Handshake(handshake) => {
            let request = match admit(shared, request).await {
                Ok(request) => request,
                Err(message) => return refuse(ErrorResponse::forbidden(message)),
            };
            open(shared, handshake, query, request).await
        }
        Route::Existing { sid, request: kind, transport, protocol } => {
            let Some(commands) = shared.registry.get(&sid) else {
                return refuse(ErrorResponse::unknown_sid());
            };
            let target = Target { transport, protocol };
            match kind {
                SessionRequest::Poll => poll(shared, &commands, target, accept_encoding(&request)).await,
                SessionRequest::Post => post(shared, &commands, target, request).await,
                SessionRequest::WebSocket => upgrade(shared, commands, protocol, request).await,
            }
        }
    }
}

/// Asks the [`AllowRequest`](super::AllowRequest) hook, if any, about a
/// handshake; gives the request back when it may go on.
async fn admit<B>(shared: &Shared, request: http::Request<B>) -> Result<http::Request<B>, String> {
    let Some(allow) = &shared.options.allow_request else {
        return Ok(request);
    };
    let (parts, body) = request.into_parts();
    allow.check(&parts).await?;
    Ok(http::Request::from_parts(parts, body))
}

/// Opens a session for an admitted handshake: its first poll's answer, or
/// the `101` of its WebSocket.
async fn open<B>(
    shared: &Arc<Shared>,
    handshake: Handshake,
    query: String,
    mut request: http::Request<B>,
) -> http::Response<ResponseBody> {
    match handshake.transport {
        TransportKind::WebSocket => {
            let Some(accept) = websocket::accept_key(request.headers()) else {
                return refusal(&ErrorResponse::bad_request(), true);
            };
            let upgrade = hyper::upgrade::on(&mut request);
            let task_shared = Arc::clone(shared);
            let origin = HandshakeOrigin::of(&request, query);
            shared.runtime.spawn(Box::pin(async move {
                if let Ok(upgraded) = upgrade.await {
                    let websocket = websocket::accept(upgraded, &task_shared.options.config).await;
                    // Without randomness the client only sees its WebSocket close.
                    let _ = open_session(&task_shared, &handshake, origin, Some(websocket)).await;
                }
            }));
            websocket::switching_protocols(accept)
        }
        TransportKind::Polling => {
            let origin = HandshakeOrigin::of(&request, query);
            match open_session(shared, &handshake, origin, None).await {
                Some(commands) => {
                    let target = Target { transport: TransportKind::Polling, protocol: handshake.protocol };
                    poll(shared, &commands, target, accept_encoding(&request)).await
                }
                None => plain(StatusCode::INTERNAL_SERVER_ERROR),
            }
        }
    }
}

/// The handshake request as the application may want to see it (the
/// Socket.IO middlewares read its headers and query).
#[derive(Debug, Clone, Default)]
pub(crate) struct HandshakeOrigin {
    /// The request headers.
    pub(crate) headers: http::HeaderMap,
    /// The raw query string.
    pub(crate) query: String,
    /// The client's address, when the server knows it (see [`RemoteAddr`](super::RemoteAddr)).
    pub(crate) address: Option<std::net::SocketAddr>,
}

impl HandshakeOrigin {
    fn of<B>(request: &http::Request<B>, query: String) -> HandshakeOrigin {
        let address = request.extensions().get::<super::RemoteAddr>().map(|super::RemoteAddr(address)| *address);
        HandshakeOrigin { headers: compact_headers(request.headers()), query, address }
    }
}

/// A copy of `headers` that owns its values. hyper parses header values as
/// slices of its 8 KiB read buffer, so a plain clone kept for the life of
/// the connection (the handshake the middlewares and sockets read) would
/// keep that whole buffer alive: 8 KiB of every idle connection.
fn compact_headers(headers: &HeaderMap) -> HeaderMap {
    let mut compact = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if let Ok(mut copy) = HeaderValue::from_bytes(value.as_bytes()) {
            copy.set_sensitive(value.is_sensitive());
            compact.append(name.clone(), copy);
        }
    }
    compact
}

/// Creates a session and its task and hands it to the application; returns
/// the task's inbox. `None` when no random sid could be drawn.
async fn open_session(
    shared: &Arc<Shared>,
    handshake: &Handshake,
    origin: HandshakeOrigin,
    websocket: Option<websocket::WsStream>,
) -> Option<queue::UnboundedSender<Command>> {
    let mut random = [0u8; SID_RANDOM_BYTES];
    getrandom::fill(&mut random).ok()?;
    let sid = Sid::from_random(random);
    let now = shared.runtime.now();
    let session = Session::new(&shared.options.config, handshake, sid.clone(), now);
    let (commands, inbox) = queue::unbounded_channel();
    let runtime = Arc::clone(&shared.runtime);
    let registry = Arc::clone(&shared.registry);
    shared.registry.insert(sid.clone(), commands.clone());
    match &shared.application {
        Application::Engine(connections) => {
            let (events, event_receiver) = queue::unbounded_channel();
            let mut task = SessionTask::new(EngineMachine { session, events }, runtime, registry, inbox);
            if let Some(websocket) = websocket {
                task.attach(websocket);
            }
            shared.runtime.spawn(Box::pin(task.run()));
            // When the application no longer listens, the refused socket drops and closes the session.
            let _ = connections.send(EngineSocket::new(sid, commands.clone(), event_receiver)).await;
        }
        Application::SocketIo(server) => {
            let machine = crate::socketio::open_connection(server, session, now, origin, commands.clone());
            let mut task = SessionTask::new(machine, runtime, registry, inbox);
            if let Some(websocket) = websocket {
                task.attach(websocket);
            }
            shared.runtime.spawn(Box::pin(task.run()));
        }
    }
    Some(commands)
}

/// A parked GET: when the HTTP side drops it unanswered (hyper drops the
/// request's future when the client's connection closes), the session hears
/// of it and closes, as the reference does for an aborted poll.
struct ParkedPoll<'a> {
    commands: &'a queue::UnboundedSender<Command>,
    request: RequestId,
    answered: bool,
}

impl Drop for ParkedPoll<'_> {
    fn drop(&mut self) {
        if !self.answered {
            let _ = self.commands.send(Command::PollAborted(self.request));
        }
    }
}

/// The request's `Accept-Encoding`, for the compression of its answer.
fn accept_encoding<B>(request: &http::Request<B>) -> Option<HeaderValue> {
    request.headers().get(ACCEPT_ENCODING).cloned()
}

async fn poll(
    shared: &Shared,
    commands: &queue::UnboundedSender<Command>,
    target: Target,
    accept_encoding: Option<HeaderValue>,
) -> http::Response<ResponseBody> {
    let request = RequestId(shared.next_request.fetch_add(1, Ordering::Relaxed));
    let (responder, answer) = oneshot::channel();
    if commands.send(Command::Poll { request, target, responder }).is_err() {
        return respond(ErrorResponse::unknown_sid().to_response());
    }
    let mut parked = ParkedPoll { commands, request, answered: false };
    let answer = answer.await;
    parked.answered = true;
    let answer = answer.unwrap_or_else(|_| ErrorResponse::unknown_sid().to_response());
    let accept_encoding = accept_encoding.as_ref().and_then(|value| value.to_str().ok());
    let threshold = shared.options.config.http_compression_threshold;
    match ContentEncoding::negotiate(accept_encoding, &answer, threshold) {
        Some(coding) => respond_compressed(answer, coding),
        None => respond(answer),
    }
}

/// A polling answer compressed with `coding` (the reference
/// `httpCompression`); sent as is if compressing fails.
fn respond_compressed(mut answer: Response, coding: ContentEncoding) -> http::Response<ResponseBody> {
    let compressed = match coding {
        ContentEncoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&answer.body).and_then(|()| encoder.finish())
        }
        ContentEncoding::Deflate => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&answer.body).and_then(|()| encoder.finish())
        }
    };
    let Ok(compressed) = compressed else {
        return respond(answer);
    };
    answer.body = Bytes::from(compressed);
    let mut response = respond(answer);
    response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static(coding.as_str()));
    response
}

async fn post<B>(
    shared: &Shared,
    commands: &queue::UnboundedSender<Command>,
    target: Target,
    request: http::Request<B>,
) -> http::Response<ResponseBody>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let binary_content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("application/octet-stream"));
    let limit = shared.options.config.max_http_buffer_size;
    let body = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => PostBody::Complete { body: collected.to_bytes(), binary_content_type },
        Err(error) if error.is::<LengthLimitError>() => PostBody::TooLarge,
        // The client broke off its upload: nobody reads this answer.
        Err(_) => return respond(ErrorResponse::bad_request().to_response()),
    };
    let (responder, answer) = oneshot::channel();
    if commands.send(Command::Post { target, body, responder }).is_err() {
        return respond(ErrorResponse::unknown_sid().to_response());
    }
    respond(answer.await.unwrap_or_else(|_| ErrorResponse::unknown_sid().to_response()))
}

/// A WebSocket for an existing session: the session refuses it or gives its
/// [`UpgradeVerdict`], the 101 goes out, and once hyper hands over the
/// connection the WebSocket reaches the session's task (a probe) or is
/// closed at once (the session has one already).
async fn upgrade<B>(
    shared: &Arc<Shared>,
    commands: queue::UnboundedSender<Command>,
    protocol: ProtocolVersion,
    mut request: http::Request<B>,
) -> http::Response<ResponseBody> {
    let Some(accept) = websocket::accept_key(request.headers()) else {
        return refusal(&ErrorResponse::bad_request(), true);
    };
    let (responder, verdict) = oneshot::channel();
    if commands.send(Command::Upgrade { protocol, responder }).is_err() {
        return refusal(&ErrorResponse::unknown_sid(), true);
    }
    let verdict = match verdict.await {
        Ok(Ok(verdict)) => verdict,
        Ok(Err(error)) => return refusal(&error, true),
        Err(_) => return refusal(&ErrorResponse::unknown_sid(), true),
    };
    let upgrade = hyper::upgrade::on(&mut request);
    let task_shared = Arc::clone(shared);
    shared.runtime.spawn(Box::pin(async move {
        let config = &task_shared.options.config;
        match (verdict, upgrade.await) {
            (UpgradeVerdict::Probe, Ok(upgraded)) => {
                let websocket = websocket::accept(upgraded, config).await;
                let _ = commands.send(Command::WebSocketReady(Box::new(websocket)));
            }
            (UpgradeVerdict::Probe, Err(_)) => {
                let _ = commands.send(Command::WebSocketFailed);
            }
            (UpgradeVerdict::Close { code }, Ok(upgraded)) => {
                let websocket = websocket::accept(upgraded, config).await;
                let runtime = &task_shared.runtime;
                let linger = runtime.sleep_until(runtime.now() + websocket::FAREWELL_LINGER);
                websocket::farewell(websocket, VecDeque::new(), code, linger).await;
            }
            (UpgradeVerdict::Close { .. }, Err(_)) => {}
        }
    }));
    websocket::switching_protocols(accept)
}

/// A refused request: the JSON error body, or for a WebSocket upgrade
/// request the reference's `400` with the message as `text/html`.
fn refusal(error: &ErrorResponse, websocket_upgrade: bool) -> http::Response<ResponseBody> {
    if websocket_upgrade {
        let body = Bytes::copy_from_slice(error.message().as_bytes());
        respond(Response::new(400, Some("text/html"), body))
    } else {
        respond(error.to_response())
    }
}

/// The CORS preflight answer: `204` with the allowed origin, the Engine.IO
/// methods, and the headers the browser asked for.
fn preflight<B>(shared: &Shared, request: &http::Request<B>) -> http::Response<ResponseBody> {
    let mut response = respond(Response::new(204, None, Bytes::new()));
    let max_echo = shared.options.max_header_size;
    shared.options.cors.apply_preflight(request.headers(), response.headers_mut(), max_echo);
    response
}

/// A machine's answer as an HTTP response (the CORS headers come in [`handle`]).
fn respond(response: Response) -> http::Response<ResponseBody> {
    let mut http_response = plain(StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    *http_response.body_mut() = Full::new(response.body);
    let headers = http_response.headers_mut();
    if let Some(content_type) = response.content_type.and_then(|value| HeaderValue::from_str(value).ok()) {
        headers.insert(CONTENT_TYPE, content_type);
    }
    http_response
}

fn plain(status: StatusCode) -> http::Response<ResponseBody> {
    let mut response = http::Response::new(Full::default());
    *response.status_mut() = status;
    response
}

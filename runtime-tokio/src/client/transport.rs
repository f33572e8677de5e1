//! The I/O tasks of the driver: one HTTP request per connection (polling),
//! and WebSockets (a reader task and a writer task each). They report to the
//! driver through [`IoEvent`]s; they decide nothing about the protocol.

use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use engineio_proto::client::{HttpMethod, RequestId, SocketId};
use engineio_proto::{Frame, Instant, Str};
use futures_util::future::{AbortHandle, Abortable, Either};
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full, Limited};
use socketio_proto::client::{EngineId, SocketHandle};
use socketio_proto::Json;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message as WsMessage, Utf8Bytes};

use crate::client::io::{BoxStream, Connector};
use crate::client::tls;
use crate::client::url::ServerUrl;
use crate::io_compat::HyperIoCompat;
use crate::runtime::Runtime;

/// What an I/O task reports to the driver.
pub(crate) enum IoEvent {
    /// A polling request was answered.
    HttpResponse { engine: EngineId, request: RequestId, status: u16, binary: bool, body: Bytes },
    /// A polling request failed without an answer, for `cause`.
    HttpFailed { engine: EngineId, request: RequestId, cause: String },
    /// A WebSocket connected; frames for it go to `writer`.
    WebSocketOpened { engine: EngineId, socket: SocketId, writer: mpsc::UnboundedSender<Frame> },
    /// A WebSocket could not connect, or closed, for `cause` (its task
    /// ended: the last event of the socket). `too_large`: it received a
    /// message over its limit.
    WebSocketFailed { engine: EngineId, socket: SocketId, cause: String, too_large: bool },
    /// A frame arrived on a WebSocket. The reader takes permits for it (one
    /// frame, its bytes), given back when this event is dropped: the socket
    /// is not read while the driver holds the session's [`PendingBound`].
    Frame { engine: EngineId, socket: SocketId, frame: Frame, _held: HeldFrame },
    /// `count` more frames were written to a WebSocket.
    FramesWritten { engine: EngineId, socket: SocketId, count: usize },
    /// The application's auth function answered for `socket`.
    Auth { socket: SocketHandle, auth: Option<Json> },
}

/// Everything an I/O task needs to reach the server.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) url: Arc<ServerUrl>,
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) runtime: Arc<dyn Runtime>,
    /// The TLS configuration, for `https`/`wss` servers.
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    /// Headers of every polling request and WebSocket handshake.
    pub(crate) headers: Arc<http::HeaderMap>,
    /// Idle polling connections.
    pub(crate) pool: Arc<ConnectionPool>,
}

impl Endpoint {
    /// A stream to the server from the connector, inside TLS when the URL
    /// asks for it.
    async fn open_stream(&self) -> std::io::Result<BoxStream> {
        let stream = self.connector.connect(&self.url.host, self.url.port).await?;
        match &self.tls {
            Some(config) => tls::handshake(config.clone(), &self.url.host, stream).await,
            None => Ok(stream),
        }
    }
}

/// One polling request, on its own connection.
pub(crate) struct HttpRequest {
    pub(crate) engine: EngineId,
    pub(crate) request: RequestId,
    pub(crate) method: HttpMethod,
    pub(crate) query: String,
    pub(crate) body: Option<Bytes>,
    pub(crate) content_type: Option<&'static str>,
    /// The most bytes of answer body to read.
    pub(crate) max_response_bytes: u64,
    /// When to give up on it.
    pub(crate) timeout: Option<Duration>,
}

/// Starts `request` in a task; its outcome comes back as an [`IoEvent`].
/// Aborting the handle drops the request and closes its connection; the
/// task then reports nothing.
pub(crate) fn spawn_http_request(
    endpoint: &Endpoint,
    request: HttpRequest,
    events: mpsc::UnboundedSender<IoEvent>,
) -> AbortHandle {
    let (abort, registration) = AbortHandle::new_pair();
    let endpoint_for_task = endpoint.clone();
    let task = async move {
        let (engine, id) = (request.engine, request.request);
        let outcome = match request.timeout {
            Some(timeout) => {
                let deadline = endpoint_for_task.runtime.now() + timeout;
                let sleep = endpoint_for_task.runtime.sleep_until(deadline);
                let request = pin!(perform_http_request(&endpoint_for_task, request));
                match futures_util::future::select(request, sleep).await {
                    Either::Left((outcome, _)) => outcome,
                    Either::Right(((), _)) => Err(format!("no answer within {} ms", timeout.as_millis())),
                }
            }
            None => perform_http_request(&endpoint_for_task, request).await,
        };
        let event = match outcome {
            Ok((status, binary, body)) => IoEvent::HttpResponse { engine, request: id, status, binary, body },
            Err(cause) => IoEvent::HttpFailed { engine, request: id, cause },
        };
        let _ = events.send(event);
    };
    endpoint.runtime.spawn(Box::pin(async move {
        let _ = Abortable::new(task, registration).await;
    }));
    abort
}

/// How long an idle polling connection is kept for reuse: well under the
/// keep-alive timeouts of common servers (node's is 5 s), so a reused
/// connection is rarely one the server is closing.
const MAX_IDLE_MILLIS: u64 = 2000;

/// The sending half of an HTTP/1.1 connection of the polling transport;
/// dropping it ends the connection's task, which closes the socket (also
/// when a request on it is given up halfway through its answer).
struct Sender {
    send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    connection: AbortHandle,
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

/// Polling connections between requests (keep-alive): the polling loop has
/// at most one `GET` and one `POST` in flight, so this holds two at most.
#[derive(Default)]
pub(crate) struct ConnectionPool {
    idle: Mutex<Vec<(Sender, Instant)>>,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("ConnectionPool").field("idle", &idle).finish()
    }
}

impl ConnectionPool {
    /// An idle connection still open and ready, not idle for too long.
    fn take(&self, now: Instant) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some((sender, since)) = idle.pop() {
            let fresh = now.saturating_duration_since(since) < Duration::from_millis(MAX_IDLE_MILLIS);
            if fresh && sender.send.is_ready() && !sender.send.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    /// Keeps `sender` for the next request.
    fn put(&self, sender: Sender, now: Instant) {
        if !sender.send.is_closed() {
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).push((sender, now));
        }
    }

    /// Closes every idle connection (the session that used them is over,
    /// or moved to a WebSocket).
    pub(crate) fn clear(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        drop(idle);
    }
}

/// Sends the request and reads the whole answer: `(status, binary, body)`,
/// or what went wrong (a connection, TLS or protocol error, an answer over
/// the limit). An idle connection is reused when there is one; a request
/// it gives back unsent (the server closed it) goes on a new connection,
/// so nothing is ever sent twice.
async fn perform_http_request(endpoint: &Endpoint, request: HttpRequest) -> Result<(u16, bool, Bytes), String> {
    let mut builder = http::Request::builder()
        .method(request.method.as_str())
        .uri(endpoint.url.target(&request.query))
        .header(http::header::HOST, endpoint.url.host_header());
    if let Some(content_type) = request.content_type {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    if let Some(headers) = builder.headers_mut() {
        for (name, value) in endpoint.headers.iter() {
            headers.append(name, value.clone());
        }
    }
    let mut http_request = builder
        .body(Full::new(request.body.unwrap_or_default()))
        .map_err(|error| format!("invalid request: {error}"))?;
    let limit = request.max_response_bytes;
    if let Some(mut sender) = endpoint.pool.take(endpoint.runtime.now()) {
        match sender.send.try_send_request(http_request).await {
            Ok(response) => return read_response(endpoint, sender, response, limit).await,
            Err(mut error) => match error.take_message() {
                Some(unsent) => http_request = unsent,
                None => return Err(error.into_error().to_string()),
            },
        }
    }
    let stream = endpoint.open_stream().await.map_err(|error| error.to_string())?;
    let (send, connection) = hyper::client::conn::http1::handshake(stream).await.map_err(|error| error.to_string())?;
    let (abort, registration) = AbortHandle::new_pair();
    endpoint.runtime.spawn(Box::pin(async move {
        // Ends when the server closes it or its `Sender` is dropped.
        let _ = Abortable::new(connection, registration).await;
    }));
    let mut sender = Sender { send, connection: abort };
    let response = sender.send.send_request(http_request).await.map_err(|error| error.to_string())?;
    read_response(endpoint, sender, response, limit).await
}

/// Reads the whole answer, at most `limit` bytes of body, then pools the
/// connection.
async fn read_response(
    endpoint: &Endpoint,
    sender: Sender,
    response: http::Response<hyper::body::Incoming>,
    limit: u64,
) -> Result<(u16, bool, Bytes), String> {
    let status = response.status().as_u16();
    let binary = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/octet-stream"));
    let too_large = || format!("the answer is larger than the limit of {limit} bytes");
    let announced = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let limit_in_memory = usize::try_from(limit).unwrap_or(usize::MAX);
    let body = Limited::new(response.into_body(), limit_in_memory).collect().await.map_err(|error| {
        if error.is::<http_body_util::LengthLimitError>() {
            too_large()
        } else {
            error.to_string()
        }
    })?;
    endpoint.pool.put(sender, endpoint.runtime.now());
    Ok((status, binary, body.to_bytes()))
}

/// How long a WebSocket the client closes waits for the server to end it
/// (its Close frame, or the hang-up) after the client's Close frame, or for
/// that frame to be written: past it the socket is closed regardless.
pub(crate) const WEBSOCKET_CLOSE_WAIT: Duration = Duration::from_secs(2);

/// What a WebSocket task needs besides the endpoint.
pub(crate) struct WebSocketRequest {
    pub(crate) engine: EngineId,
    pub(crate) socket: SocketId,
    pub(crate) query: String,
    /// The most bytes of one message to read.
    pub(crate) max_message_bytes: u64,
    /// What the driver may hold of this socket's frames before it is not read.
    pub(crate) pending: PendingBound,
}

/// How much of one WebSocket's received frames the driver may hold before
/// the socket is not read (`max_pending_frames`, `max_pending_bytes`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingBound {
    pub(crate) frames: usize,
    pub(crate) bytes: usize,
}

/// The permits one received frame holds until the driver is done with it.
pub(crate) struct HeldFrame {
    _frame: OwnedSemaphorePermit,
    _bytes: OwnedSemaphorePermit,
}

/// How a WebSocket task ended.
struct WebSocketEnd {
    cause: String,
    too_large: bool,
    /// The server sent a Close, which the client answers before it hangs up.
    closed_by_server: bool,
}

impl WebSocketEnd {
    fn because(cause: impl Into<String>) -> WebSocketEnd {
        WebSocketEnd { cause: cause.into(), too_large: false, closed_by_server: false }
    }
}

/// Opens a WebSocket in a task: reports [`IoEvent::WebSocketOpened`], then its
/// frames, then [`IoEvent::WebSocketFailed`] when it ends (or could not
/// open, or was aborted through the returned handle, which drops the
/// connection at once).
pub(crate) fn spawn_websocket(
    endpoint: &Endpoint,
    request: WebSocketRequest,
    events: mpsc::UnboundedSender<IoEvent>,
) -> AbortHandle {
    let (abort, registration) = AbortHandle::new_pair();
    let endpoint_for_task = endpoint.clone();
    endpoint.runtime.spawn(Box::pin(async move {
        let (engine, socket) = (request.engine, request.socket);
        let end = Abortable::new(run_websocket(endpoint_for_task, request, &events), registration)
            .await
            .unwrap_or_else(|_| WebSocketEnd::because("closed by the client"));
        let _ = events.send(IoEvent::WebSocketFailed { engine, socket, cause: end.cause, too_large: end.too_large });
    }));
    abort
}

/// Connects, then reads and writes until the socket ends. Returns why it
/// ended.
async fn run_websocket(
    endpoint: Endpoint,
    request: WebSocketRequest,
    events: &mpsc::UnboundedSender<IoEvent>,
) -> WebSocketEnd {
    let WebSocketRequest { engine, socket, query, max_message_bytes, pending } = request;
    let stream = match endpoint.open_stream().await {
        Ok(stream) => stream,
        Err(error) => return WebSocketEnd::because(error.to_string()),
    };
    let scheme = if endpoint.url.tls { "wss" } else { "ws" };
    let uri = format!("{scheme}://{}{}", endpoint.url.host_header(), endpoint.url.target(&query));
    let mut request = match uri.into_client_request() {
        Ok(request) => request,
        Err(error) => return WebSocketEnd::because(error.to_string()),
    };
    for (name, value) in endpoint.headers.iter() {
        request.headers_mut().append(name, value.clone());
    }
    let limit = usize::try_from(max_message_bytes).unwrap_or(usize::MAX);
    let config = WebSocketConfig::default().max_message_size(Some(limit)).max_frame_size(Some(limit));
    let connecting = tokio_tungstenite::client_async_with_config(request, HyperIoCompat::new(stream), Some(config));
    let websocket = match connecting.await {
        Ok((websocket, _response)) => websocket,
        Err(error) => return WebSocketEnd::because(error.to_string()),
    };
    let (mut sink, mut stream) = websocket.split();
    let (writer, mut outgoing) = mpsc::unbounded_channel::<Frame>();
    if events.send(IoEvent::WebSocketOpened { engine, socket, writer }).is_err() {
        return WebSocketEnd::because("the client is gone");
    }
    let end = {
        let reading = pin!(read_websocket(&mut stream, engine, socket, pending, events));
        let writing = pin!(write_websocket(&mut sink, &mut outgoing, engine, socket, events));
        match futures_util::future::select(reading, writing).await {
            Either::Left((end, _)) => end,
            Either::Right(((), reading)) => {
                // The client's Close went out (or the connection failed): the
                // server has a bounded time to end the connection.
                let deadline = endpoint.runtime.now() + WEBSOCKET_CLOSE_WAIT;
                match futures_util::future::select(reading, endpoint.runtime.sleep_until(deadline)).await {
                    Either::Left((end, _)) => end,
                    Either::Right(_) => WebSocketEnd::because("closed by the client"),
                }
            }
        }
    };
    if end.closed_by_server {
        answer_close(&mut sink, &mut stream, endpoint.runtime.as_ref()).await;
    }
    end
}

/// After the server's Close: tungstenite queued the Close that answers it
/// (RFC 6455 §5.5.1); flushing writes it. Then the client waits for the
/// server to hang up (§7.1.1: the server closes the TCP connection first),
/// at most [`WEBSOCKET_CLOSE_WAIT`].
async fn answer_close<W, R>(sink: &mut W, stream: &mut R, runtime: &dyn Runtime)
where
    W: futures_util::Sink<WsMessage> + Unpin,
    R: futures_util::Stream + Unpin,
{
    let deadline = runtime.now() + WEBSOCKET_CLOSE_WAIT;
    let answer_and_wait = async {
        let _ = sink.flush().await;
        // Anything after a Close is an error or the end: one read is enough.
        let _ = stream.next().await;
    };
    let _ = futures_util::future::select(pin!(answer_and_wait), runtime.sleep_until(deadline)).await;
}

/// Reads frames until the socket ends, the driver holding at most
/// `pending` of those it has not taken yet (and one frame larger than the
/// byte bound alone). Returns why it ended.
async fn read_websocket<S>(
    stream: &mut S,
    engine: EngineId,
    socket: SocketId,
    pending: PendingBound,
    events: &mpsc::UnboundedSender<IoEvent>,
) -> WebSocketEnd
where
    S: futures_util::Stream<Item = Result<WsMessage, WsError>> + Unpin,
{
    let frame_credits = Arc::new(Semaphore::new(pending.frames.max(1)));
    let byte_bound = pending.bytes.clamp(1, Semaphore::MAX_PERMITS);
    let byte_credits = Arc::new(Semaphore::new(byte_bound));
    loop {
        // Backpressure: no read while the driver holds every frame permit,
        // nor while the bytes of the frame read last do not fit.
        let Ok(frame_permit) = Arc::clone(&frame_credits).acquire_owned().await else {
            return WebSocketEnd::because("the client is gone");
        };
        let message = match stream.next().await {
            Some(Ok(message)) => message,
            Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                let cause = format!("a message of {size} bytes, over the limit of {max_size}");
                return WebSocketEnd { cause, too_large: true, closed_by_server: false };
            }
            Some(Err(error)) => return WebSocketEnd::because(error.to_string()),
            None => return WebSocketEnd::because("the connection ended"),
        };
        let frame = match message {
            WsMessage::Text(text) => Str::from_utf8(Bytes::from(text)).ok().map(Frame::Text),
            WsMessage::Binary(bytes) => Some(Frame::Binary(bytes)),
            WsMessage::Close(_) => {
                return WebSocketEnd { closed_by_server: true, ..WebSocketEnd::because("closed by the server") }
            }
            WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_) => None,
        };
        if let Some(frame) = frame {
            let size = match &frame {
                Frame::Text(text) => text.len(),
                Frame::Binary(bytes) => bytes.len(),
            };
            // A frame larger than the whole bound waits until nothing else is held.
            let wanted = u32::try_from(size.min(byte_bound)).unwrap_or(u32::MAX);
            let Ok(byte_permit) = Arc::clone(&byte_credits).acquire_many_owned(wanted).await else {
                return WebSocketEnd::because("the client is gone");
            };
            let held = HeldFrame { _frame: frame_permit, _bytes: byte_permit };
            if events.send(IoEvent::Frame { engine, socket, frame, _held: held }).is_err() {
                return WebSocketEnd::because("the client is gone");
            }
        }
    }
}

/// How many queued frames the writer hands to the socket before one flush
/// and one report of them written.
const WRITE_BATCH: usize = 64;

/// Sends the driver's frames until it drops the writer (the session is done
/// with this socket: a close frame follows) or the connection fails;
/// reports each batch written.
async fn write_websocket<S>(
    sink: &mut S,
    outgoing: &mut mpsc::UnboundedReceiver<Frame>,
    engine: EngineId,
    socket: SocketId,
    events: &mpsc::UnboundedSender<IoEvent>,
) where
    S: futures_util::Sink<WsMessage> + Unpin,
{
    while let Some(frame) = outgoing.recv().await {
        if sink.feed(to_ws_message(frame)).await.is_err() {
            return;
        }
        let mut count = 1;
        while count < WRITE_BATCH {
            let Ok(frame) = outgoing.try_recv() else {
                break;
            };
            if sink.feed(to_ws_message(frame)).await.is_err() {
                return;
            }
            count += 1;
        }
        if sink.flush().await.is_err() {
            return;
        }
        let _ = events.send(IoEvent::FramesWritten { engine, socket, count });
    }
    let _ = sink.send(WsMessage::Close(None)).await;
    let _ = sink.close().await;
}

/// An Engine.IO frame as a WebSocket message.
fn to_ws_message(frame: Frame) -> WsMessage {
    match frame {
        Frame::Text(text) => match Utf8Bytes::try_from(text.as_bytes().clone()) {
            Ok(text) => WsMessage::Text(text),
            // `Str` is valid UTF-8: this branch only copies in theory.
            Err(_) => WsMessage::Text(Utf8Bytes::from(text.as_str())),
        },
        Frame::Binary(bytes) => WsMessage::Binary(bytes),
    }
}

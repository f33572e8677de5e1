//! The I/O tasks of the driver: one HTTP request per connection (polling),
//! and WebSockets (a reader task and a writer task each). They report to the
//! driver through [`IoEvent`]s; they decide nothing about the protocol.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use engineio_proto::client::{HttpMethod, RequestId, SocketId};
use engineio_proto::{Frame, Instant, Str};
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use socketio_proto::client::{EngineId, SocketHandle};
use socketio_proto::Json;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
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
    /// A WebSocket could not connect, or closed, for `cause`.
    WebSocketFailed { engine: EngineId, socket: SocketId, cause: String },
    /// A frame arrived on a WebSocket.
    Frame { engine: EngineId, socket: SocketId, frame: Frame },
    /// The application's auth function answered for `socket`.
    Auth { socket: SocketHandle, auth: Option<Json> },
    /// A WebSocket writer task started (a closing driver waits for it).
    WriterStarted,
    /// A WebSocket writer task sent its last frame and ended.
    WriterFinished,
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
}

/// Starts `request` in a task; its outcome comes back as an [`IoEvent`].
pub(crate) fn spawn_http_request(endpoint: &Endpoint, request: HttpRequest, events: mpsc::UnboundedSender<IoEvent>) {
    let endpoint_for_task = endpoint.clone();
    endpoint.runtime.spawn(Box::pin(async move {
        let (engine, id) = (request.engine, request.request);
        let event = match perform_http_request(&endpoint_for_task, request).await {
            Ok((status, binary, body)) => IoEvent::HttpResponse { engine, request: id, status, binary, body },
            Err(cause) => IoEvent::HttpFailed { engine, request: id, cause },
        };
        let _ = events.send(event);
    }));
}

/// How long an idle polling connection is kept for reuse: well under the
/// keep-alive timeouts of common servers (node's is 5 s), so a reused
/// connection is rarely one the server is closing.
const MAX_IDLE_MILLIS: u64 = 2000;

/// The sending half of an HTTP/1.1 connection of the polling transport.
type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Polling connections between requests (keep-alive): the polling loop has
/// at most one `GET` and one `POST` in flight, so this holds two at most.
#[derive(Debug, Default)]
pub(crate) struct ConnectionPool {
    idle: Mutex<Vec<(Sender, Instant)>>,
}

impl ConnectionPool {
    /// An idle connection still open and ready, not idle for too long.
    fn take(&self, now: Instant) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some((sender, since)) = idle.pop() {
            let fresh = now.saturating_duration_since(since) < Duration::from_millis(MAX_IDLE_MILLIS);
            if fresh && sender.is_ready() && !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    /// Keeps `sender` for the next request.
    fn put(&self, sender: Sender, now: Instant) {
        if !sender.is_closed() {
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).push((sender, now));
        }
    }
}

/// Sends the request and reads the whole answer: `(status, binary, body)`,
/// or what went wrong (a connection, TLS or protocol error). An idle connection is reused
/// when there is one; a request it gives back unsent (the server closed it)
/// goes on a new connection, so nothing is ever sent twice.
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
    if let Some(mut sender) = endpoint.pool.take(endpoint.runtime.now()) {
        match sender.try_send_request(http_request).await {
            Ok(response) => return read_response(endpoint, sender, response).await,
            Err(mut error) => match error.take_message() {
                Some(unsent) => http_request = unsent,
                None => return Err(error.into_error().to_string()),
            },
        }
    }
    let stream = endpoint.open_stream().await.map_err(|error| error.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(stream).await.map_err(|error| error.to_string())?;
    endpoint.runtime.spawn(Box::pin(async move {
        // Ends when the server closes it or the pool drops its sender.
        let _ = connection.await;
    }));
    let response = sender.send_request(http_request).await.map_err(|error| error.to_string())?;
    read_response(endpoint, sender, response).await
}

/// Reads the whole answer, then pools the connection.
async fn read_response(
    endpoint: &Endpoint,
    sender: Sender,
    response: http::Response<hyper::body::Incoming>,
) -> Result<(u16, bool, Bytes), String> {
    let status = response.status().as_u16();
    let binary = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/octet-stream"));
    let body = response.into_body().collect().await.map_err(|error| error.to_string())?.to_bytes();
    endpoint.pool.put(sender, endpoint.runtime.now());
    Ok((status, binary, body))
}

/// Opens a WebSocket in a task: reports [`IoEvent::WebSocketOpened`], then its
/// frames, then [`IoEvent::WebSocketFailed`] when it ends (or could not open).
pub(crate) fn spawn_websocket(
    endpoint: &Endpoint,
    engine: EngineId,
    socket: SocketId,
    query: String,
    events: mpsc::UnboundedSender<IoEvent>,
) {
    let endpoint_for_task = endpoint.clone();
    endpoint.runtime.spawn(Box::pin(async move {
        let cause = run_websocket(endpoint_for_task, engine, socket, query, &events).await;
        let _ = events.send(IoEvent::WebSocketFailed { engine, socket, cause });
    }));
}

/// Connects, then reads until the socket ends; the writer runs in its own
/// task. Returns why it ended.
async fn run_websocket(
    endpoint: Endpoint,
    engine: EngineId,
    socket: SocketId,
    query: String,
    events: &mpsc::UnboundedSender<IoEvent>,
) -> String {
    let stream = match endpoint.open_stream().await {
        Ok(stream) => stream,
        Err(error) => return error.to_string(),
    };
    let scheme = if endpoint.url.tls { "wss" } else { "ws" };
    let uri = format!("{scheme}://{}{}", endpoint.url.host_header(), endpoint.url.target(&query));
    let mut request = match uri.into_client_request() {
        Ok(request) => request,
        Err(error) => return error.to_string(),
    };
    for (name, value) in endpoint.headers.iter() {
        request.headers_mut().append(name, value.clone());
    }
    let websocket = match tokio_tungstenite::client_async(request, HyperIoCompat::new(stream)).await {
        Ok((websocket, _response)) => websocket,
        Err(error) => return error.to_string(),
    };
    let (mut sink, mut stream) = websocket.split();
    let (writer, mut outgoing) = mpsc::unbounded_channel::<Frame>();
    if events.send(IoEvent::WriterStarted).is_err()
        || events.send(IoEvent::WebSocketOpened { engine, socket, writer }).is_err()
    {
        return String::from("the client is gone");
    }
    let writer_events = events.clone();
    endpoint.runtime.spawn(Box::pin(async move {
        write_websocket(&mut sink, &mut outgoing).await;
        let _ = writer_events.send(IoEvent::WriterFinished);
    }));
    loop {
        let message = match stream.next().await {
            Some(Ok(message)) => message,
            Some(Err(error)) => return error.to_string(),
            None => return String::from("the connection ended"),
        };
        let frame = match message {
            WsMessage::Text(text) => Str::from_utf8(Bytes::from(text)).ok().map(Frame::Text),
            WsMessage::Binary(bytes) => Some(Frame::Binary(bytes)),
            WsMessage::Close(_) => {
                answer_close(&mut stream, endpoint.runtime.as_ref()).await;
                return String::from("closed by the server");
            }
            WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_) => None,
        };
        if let Some(frame) = frame {
            if events.send(IoEvent::Frame { engine, socket, frame }).is_err() {
                return String::from("the client is gone");
            }
        }
    }
}

/// How long the client waits, once it answered the server's Close, for
/// the server to hang up (RFC 6455 §7.1.1: the server closes first).
const CLOSE_ANSWER_WAIT: Duration = Duration::from_secs(2);

/// After the server's Close: reading on lets tungstenite write the Close it
/// queued in answer (RFC 6455 §5.5.1), then waits for the server to hang
/// up, at most [`CLOSE_ANSWER_WAIT`].
async fn answer_close<S>(stream: &mut S, runtime: &dyn Runtime)
where
    S: futures_util::Stream + Unpin,
{
    let deadline = Instant::from_millis(
        runtime.now().as_millis().saturating_add(u64::try_from(CLOSE_ANSWER_WAIT.as_millis()).unwrap_or(u64::MAX)),
    );
    let hang_up = async {
        // Anything after a Close is an error or the end: one read is enough.
        let _ = stream.next().await;
    };
    let _ = futures_util::future::select(std::pin::pin!(hang_up), runtime.sleep_until(deadline)).await;
}

/// Sends the driver's frames until it drops the writer (the session is done
/// with this socket: a close frame follows) or the connection fails.
async fn write_websocket<S>(sink: &mut S, outgoing: &mut mpsc::UnboundedReceiver<Frame>)
where
    S: futures_util::Sink<WsMessage> + Unpin,
{
    while let Some(frame) = outgoing.recv().await {
        if sink.send(to_ws_message(frame)).await.is_err() {
            return;
        }
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

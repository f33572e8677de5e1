//! The driver task: one per [`Manager`]. It feeds the manager the
//! application's commands, the I/O tasks' outcomes and its timer, and carries
//! out what the manager asks. Every protocol decision is the manager's.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use engineio_proto::client::{ClientEvent as EngineEvent, ClientOutput, RequestId, SocketId};
use engineio_proto::time::earliest;
use engineio_proto::{Frame, Instant};
use futures_util::future::AbortHandle;
use socketio_proto::client::{
    AckError, AckToken, DisconnectReason, EmitError, EmitOptions, EngineId, Event, Manager, Output, SocketHandle,
};
use socketio_proto::packet::Event as EventPacket;
use socketio_proto::{Args, Json};
use tokio::sync::{mpsc, oneshot};

use crate::client::transport::{
    spawn_http_request, spawn_websocket, Endpoint, HttpRequest, IoEvent, PendingBound, WebSocketRequest,
    WEBSOCKET_CLOSE_WAIT,
};
use crate::client::{AckResponder, ClientError};
use crate::runtime::BoxFuture;

/// A handler of one server event: the arguments and, if the server asked for
/// one, the responder of its acknowledgement.
pub(crate) type EventHandler = Box<dyn FnMut(Args, Option<AckResponder>) + Send>;

/// What the application asks the driver.
pub(crate) enum Command {
    /// Join `namespace`; answer once the CONNECT is acknowledged (or refused).
    Connect { namespace: String, done: oneshot::Sender<Result<(), ClientError>> },
    /// Emit an event; `accepted` answers at once, `ack` once acknowledged.
    Emit {
        namespace: String,
        name: String,
        args: Args,
        options: EmitOptions,
        accepted: oneshot::Sender<Result<(), EmitError>>,
        ack: Option<oneshot::Sender<Result<Args, AckError>>>,
    },
    /// Answer an event the server sent with an ack id.
    Ack { namespace: String, ack_id: u64, args: Args },
    /// Register a handler.
    On { namespace: String, handler: Handler },
    /// Leave `namespace`.
    Disconnect { namespace: String },
    /// Register a handler of the manager's reconnection events.
    OnManager(ManagerHandler),
    /// Close the connection for good and end the driver once the last
    /// packets left; `done` answers then.
    Close { done: Option<oneshot::Sender<()>> },
}

/// A `connect` handler.
pub(crate) type ConnectHandler = Box<dyn FnMut() + Send>;
/// A `disconnect` handler.
pub(crate) type DisconnectHandler = Box<dyn FnMut(DisconnectReason) + Send>;
/// A `connect_error` handler.
pub(crate) type ConnectErrorHandler = Box<dyn FnMut(&str) + Send>;
/// A catch-all event handler: the event name, its arguments, the responder.
pub(crate) type AnyHandler = Box<dyn FnMut(&str, Args, Option<AckResponder>) + Send>;

/// A handler of the events sent to the server: name and arguments.
pub(crate) type OutgoingHandler = Box<dyn FnMut(&str, &Args) + Send>;

/// A handler of the manager's reconnection events.
pub(crate) enum ManagerHandler {
    /// `reconnect_attempt`, with the attempt number.
    ReconnectAttempt(Box<dyn FnMut(u32) + Send>),
    /// `reconnect`, with the attempt number that succeeded.
    Reconnect(Box<dyn FnMut(u32) + Send>),
    /// `reconnect_error`, with the message.
    ReconnectError(Box<dyn FnMut(&str) + Send>),
    /// `reconnect_failed`.
    ReconnectFailed(Box<dyn FnMut() + Send>),
    /// `error`, with the message.
    Error(Box<dyn FnMut(&str) + Send>),
}

/// The auth of the namespaces' CONNECTs.
#[derive(Debug, Clone)]
pub(crate) enum ClientAuth {
    /// No auth.
    None,
    /// The same object each time.
    Value(Json),
    /// Evaluated before each CONNECT.
    Callback(AuthCallback),
}

/// An application's auth function.
#[derive(Clone)]
pub(crate) struct AuthCallback(Arc<dyn Fn() -> BoxAuthFuture + Send + Sync>);

/// The future of an auth function.
type BoxAuthFuture = std::pin::Pin<Box<dyn std::future::Future<Output = serde_json::Value> + Send>>;

impl AuthCallback {
    pub(crate) fn new<F, Fut>(callback: F) -> AuthCallback
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = serde_json::Value> + Send + 'static,
    {
        AuthCallback(Arc::new(move || Box::pin(callback()) as BoxAuthFuture))
    }
}

impl std::fmt::Debug for AuthCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCallback")
    }
}

/// How long a closing driver waits for the last packets to leave.
const CLOSE_LINGER: Duration = Duration::from_secs(3);

/// A handler registration.
pub(crate) enum Handler {
    Event(String, EventHandler),
    Connect(ConnectHandler),
    Disconnect(DisconnectHandler),
    ConnectError(ConnectErrorHandler),
    Any(AnyHandler),
    AnyOutgoing(OutgoingHandler),
}

/// What a socket handle reads without asking the driver.
#[derive(Debug, Default)]
pub(crate) struct SocketFlags {
    /// The namespace is joined.
    pub(crate) connected: AtomicBool,
    /// The last join restored the previous session (connection state recovery).
    pub(crate) recovered: AtomicBool,
    /// The socket is connected or will (re)connect by itself.
    pub(crate) active: AtomicBool,
}

/// The flags of the sockets, shared with their handles.
pub(crate) type ConnectedFlags = Arc<Mutex<HashMap<String, Arc<SocketFlags>>>>;

/// The flags of `namespace` in `flags`, created unset on first use.
pub(crate) fn connected_flag(flags: &ConnectedFlags, namespace: &str) -> Arc<SocketFlags> {
    let mut flags = flags.lock().unwrap_or_else(PoisonError::into_inner);
    flags.entry(namespace.to_string()).or_default().clone()
}

/// The application side of one namespace socket.
struct SocketEntry {
    handle: Option<SocketHandle>,
    flags: Arc<SocketFlags>,
    events: HashMap<String, EventHandler>,
    on_connect: Vec<ConnectHandler>,
    on_disconnect: Vec<DisconnectHandler>,
    on_connect_error: Vec<ConnectErrorHandler>,
    on_any: Vec<AnyHandler>,
    on_any_outgoing: Vec<OutgoingHandler>,
    connect_waiters: Vec<oneshot::Sender<Result<(), ClientError>>>,
}

impl SocketEntry {
    fn new(flags: Arc<SocketFlags>) -> SocketEntry {
        SocketEntry {
            handle: None,
            flags,
            events: HashMap::new(),
            on_connect: Vec::new(),
            on_disconnect: Vec::new(),
            on_connect_error: Vec::new(),
            on_any: Vec::new(),
            on_any_outgoing: Vec::new(),
            connect_waiters: Vec::new(),
        }
    }
}

/// The driver's state.
pub(crate) struct Driver {
    manager: Manager,
    endpoint: Endpoint,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Given to [`AckResponder`]s.
    command_sender: mpsc::WeakUnboundedSender<Command>,
    io_sender: mpsc::UnboundedSender<IoEvent>,
    io_events: mpsc::UnboundedReceiver<IoEvent>,
    flags: ConnectedFlags,
    sockets: HashMap<String, SocketEntry>,
    namespaces: HashMap<SocketHandle, String>,
    acks: HashMap<AckToken, oneshot::Sender<Result<Args, AckError>>>,
    /// The polling requests in flight.
    requests: HashMap<(EngineId, RequestId), AbortHandle>,
    /// The WebSocket tasks running, until they report their end.
    websockets: HashMap<(EngineId, SocketId), WebSocketTask>,
    manager_handlers: Vec<ManagerHandler>,
    /// What a WebSocket may have waiting for the driver of its received frames.
    pending: PendingBound,
    /// Set once closing: when to stop waiting, and who waits for the end.
    closing: Option<(Instant, Vec<oneshot::Sender<()>>)>,
    auth: ClientAuth,
}

impl Driver {
    pub(crate) fn new(
        manager: Manager,
        endpoint: Endpoint,
        commands: mpsc::UnboundedReceiver<Command>,
        command_sender: mpsc::WeakUnboundedSender<Command>,
        flags: ConnectedFlags,
        auth: ClientAuth,
        pending: PendingBound,
    ) -> Driver {
        let (io_sender, io_events) = mpsc::unbounded_channel();
        Driver {
            manager,
            endpoint,
            commands,
            command_sender,
            io_sender,
            io_events,
            flags,
            sockets: HashMap::new(),
            namespaces: HashMap::new(),
            acks: HashMap::new(),
            requests: HashMap::new(),
            websockets: HashMap::new(),
            manager_handlers: Vec::new(),
            pending,
            closing: None,
            auth,
        }
    }

    /// The entry of `namespace`, created on first use.
    fn entry(&mut self, namespace: &str) -> &mut SocketEntry {
        let flags = &self.flags;
        self.sockets.entry(namespace.to_string()).or_insert_with(|| SocketEntry::new(connected_flag(flags, namespace)))
    }

    /// The run loop: until [`Command::Close`] or every handle is dropped,
    /// then until the last packets left (at most [`CLOSE_LINGER`]).
    pub(crate) async fn run(mut self) {
        let mut timer: Option<(Instant, BoxFuture)> = None;
        let mut commands_open = true;
        loop {
            self.execute_outputs();
            if let Some((linger_end, _)) = &self.closing {
                let now = self.endpoint.runtime.now();
                if (!self.manager.has_sessions() && self.websockets.is_empty()) || *linger_end <= now {
                    break;
                }
            }
            let deadline = earliest(self.manager.poll_timeout(), self.closing.as_ref().map(|(at, _)| *at));
            let deadline = earliest(deadline, self.websockets.values().filter_map(|task| task.abort_at).min());
            if timer.as_ref().map(|(at, _)| *at) != deadline {
                timer = deadline.map(|at| (at, self.endpoint.runtime.sleep_until(at)));
            }
            let woken = poll_fn(|cx| {
                if commands_open {
                    if let Poll::Ready(command) = self.commands.poll_recv(cx) {
                        return Poll::Ready(Wake::Command(command));
                    }
                }
                if let Poll::Ready(Some(event)) = self.io_events.poll_recv(cx) {
                    return Poll::Ready(Wake::Io(event));
                }
                if let Some((_, sleep)) = timer.as_mut() {
                    if sleep.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Wake::Timer);
                    }
                }
                Poll::Pending
            })
            .await;
            let now = self.endpoint.runtime.now();
            match woken {
                Wake::Command(None) => {
                    commands_open = false;
                    self.start_closing(now, None);
                }
                Wake::Command(Some(Command::Close { done })) => self.start_closing(now, done),
                Wake::Command(Some(command)) => self.handle_command(now, command),
                Wake::Io(event) => self.handle_io(now, event),
                Wake::Timer => {
                    timer = None;
                    self.abort_lingering_websockets(now);
                    self.manager.handle_timeout(now);
                }
            }
        }
        // What is still running belongs to no session any more.
        for (_, request) in self.requests.drain() {
            request.abort();
        }
        for (_, websocket) in self.websockets.drain() {
            websocket.abort.abort();
        }
        self.endpoint.pool.clear();
        if let Some((_, waiters)) = self.closing.take() {
            for waiter in waiters {
                let _ = waiter.send(());
            }
        }
    }

    /// Closes the manager (once) and fails what waits on the connection;
    /// the run loop ends when the sessions finished their I/O.
    fn start_closing(&mut self, now: Instant, done: Option<oneshot::Sender<()>>) {
        match self.closing.as_mut() {
            Some((_, waiters)) => waiters.extend(done),
            None => {
                self.closing = Some((now + CLOSE_LINGER, done.into_iter().collect()));
                self.manager.close(now);
                self.execute_outputs();
                self.fail_connect_waiters_all();
            }
        }
    }

    fn handle_command(&mut self, now: Instant, command: Command) {
        if self.closing.is_some() {
            // Dropping the command's answer channels reports `Closed`.
            return;
        }
        match command {
            Command::Connect { namespace, done } => {
                let existing = self.sockets.get(&namespace).and_then(|entry| entry.handle);
                let handle = match existing {
                    // `Manager::connect` would send a second CONNECT for a
                    // socket already joining: only an inactive one is connected.
                    Some(handle) => {
                        if !self.manager.active(handle) {
                            self.manager.connect(now, handle);
                        }
                        handle
                    }
                    None => self.ensure_socket(now, &namespace),
                };
                if self.manager.connected(handle) {
                    let _ = done.send(Ok(()));
                } else if let Some(entry) = self.sockets.get_mut(&namespace) {
                    entry.connect_waiters.push(done);
                }
            }
            Command::Emit { namespace, name, args, options, accepted, ack } => {
                let handle = self.ensure_socket(now, &namespace);
                match self.manager.emit(now, handle, name, args, options) {
                    Ok(token) => {
                        if let (Some(token), Some(ack)) = (token, ack) {
                            self.acks.insert(token, ack);
                        }
                        let _ = accepted.send(Ok(()));
                    }
                    Err(error) => {
                        let _ = accepted.send(Err(error));
                    }
                }
            }
            Command::Ack { namespace, ack_id, args } => {
                if let Some(handle) = self.sockets.get(&namespace).and_then(|entry| entry.handle) {
                    self.manager.ack(now, handle, ack_id, args);
                }
            }
            Command::On { namespace, handler } => {
                let entry = self.entry(&namespace);
                match handler {
                    Handler::Event(name, handler) => {
                        entry.events.insert(name, handler);
                    }
                    Handler::Connect(handler) => entry.on_connect.push(handler),
                    Handler::Disconnect(handler) => entry.on_disconnect.push(handler),
                    Handler::ConnectError(handler) => entry.on_connect_error.push(handler),
                    Handler::Any(handler) => entry.on_any.push(handler),
                    Handler::AnyOutgoing(handler) => {
                        entry.on_any_outgoing.push(handler);
                        self.manager.report_outgoing(true);
                    }
                }
            }
            Command::Disconnect { namespace } => {
                if let Some(handle) = self.sockets.get(&namespace).and_then(|entry| entry.handle) {
                    self.manager.disconnect(now, handle);
                }
            }
            Command::OnManager(handler) => self.manager_handlers.push(handler),
            Command::Close { .. } => {}
        }
    }

    /// The manager's socket of `namespace`, created (and connecting) on first use.
    fn ensure_socket(&mut self, now: Instant, namespace: &str) -> SocketHandle {
        if let Some(handle) = self.entry(namespace).handle {
            return handle;
        }
        let handle = match &self.auth {
            ClientAuth::None => self.manager.socket(now, namespace, None),
            ClientAuth::Value(auth) => self.manager.socket(now, namespace, Some(auth.clone())),
            ClientAuth::Callback(_) => self.manager.socket_with_auth_callback(now, namespace),
        };
        self.entry(namespace).handle = Some(handle);
        self.namespaces.insert(handle, namespace.to_string());
        handle
    }

    fn handle_io(&mut self, now: Instant, event: IoEvent) {
        match event {
            IoEvent::HttpResponse { engine, request, status, binary, body } => {
                self.requests.remove(&(engine, request));
                self.manager.handle_http_response(now, engine, request, status, binary, body);
            }
            IoEvent::HttpFailed { engine, request, cause } => {
                self.requests.remove(&(engine, request));
                self.manager.handle_http_failed(now, engine, request, &cause);
            }
            IoEvent::WebSocketOpened { engine, socket, writer } => match self.websockets.get_mut(&(engine, socket)) {
                // Closed by the session while connecting: the task ends soon.
                Some(task) if task.closed => {}
                Some(task) => {
                    task.writer = Some(writer);
                    self.manager.handle_websocket_opened(now, engine, socket);
                }
                None => {}
            },
            IoEvent::WebSocketFailed { engine, socket, cause, too_large } => {
                self.websockets.remove(&(engine, socket));
                if too_large {
                    self.manager.handle_message_too_large(now, engine, socket);
                } else {
                    self.manager.handle_websocket_failed(now, engine, socket, &cause);
                }
            }
            IoEvent::Frame { engine, socket, frame, _held } => {
                self.manager.handle_frame(now, engine, socket, frame);
            }
            IoEvent::FramesWritten { engine, socket, count } => {
                self.manager.handle_frames_written(now, engine, socket, count);
            }
            IoEvent::Auth { socket, auth } => self.manager.provide_auth(now, socket, auth),
        }
    }

    /// Ends the WebSockets the session closed that did not end within
    /// their close wait.
    fn abort_lingering_websockets(&mut self, now: Instant) {
        for task in self.websockets.values_mut() {
            if task.abort_at.is_some_and(|at| at <= now) {
                task.abort_at = None;
                task.abort.abort();
            }
        }
    }

    /// Drains the manager's outputs and carries them out.
    fn execute_outputs(&mut self) {
        while let Some(output) = self.manager.poll_output() {
            match output {
                Output::Engine { engine, output } => self.execute_engine_output(engine, output),
                Output::RandomNeeded => {
                    let random = getrandom::u32().unwrap_or_else(|_| {
                        // No OS randomness: the clock still spreads clients apart.
                        (self.endpoint.runtime.now().as_millis() as u32).wrapping_mul(2_654_435_761)
                    });
                    let now = self.endpoint.runtime.now();
                    self.manager.handle_random(now, random);
                }
                Output::Event(event) => self.dispatch_event(event),
            }
        }
        for entry in self.sockets.values() {
            let connected = entry.handle.is_some_and(|handle| self.manager.connected(handle));
            let recovered = entry.handle.is_some_and(|handle| self.manager.recovered(handle));
            entry.flags.connected.store(connected, Ordering::Release);
            entry.flags.recovered.store(recovered, Ordering::Release);
            let active = entry.handle.is_some_and(|handle| self.manager.active(handle));
            entry.flags.active.store(active, Ordering::Release);
        }
    }

    fn execute_engine_output(&mut self, engine: EngineId, output: ClientOutput) {
        match output {
            ClientOutput::HttpRequest { id, method, query, body, content_type, max_response_bytes, timeout } => {
                let request =
                    HttpRequest { engine, request: id, method, query, body, content_type, max_response_bytes, timeout };
                let abort = spawn_http_request(&self.endpoint, request, self.io_sender.clone());
                self.requests.insert((engine, id), abort);
            }
            ClientOutput::CancelRequest { id } => {
                if let Some(request) = self.requests.remove(&(engine, id)) {
                    request.abort();
                }
            }
            ClientOutput::OpenWebSocket { id, query, max_message_bytes } => {
                let request = WebSocketRequest { engine, socket: id, query, max_message_bytes, pending: self.pending };
                let abort = spawn_websocket(&self.endpoint, request, self.io_sender.clone());
                let task = WebSocketTask { abort, writer: None, closed: false, abort_at: None };
                self.websockets.insert((engine, id), task);
            }
            ClientOutput::Transmit { socket, frame } => {
                if let Some(writer) = self.websockets.get(&(engine, socket)).and_then(|task| task.writer.as_ref()) {
                    // A closed writer shows up as `WebSocketFailed` from the task.
                    let _ = writer.send(frame);
                }
            }
            ClientOutput::CloseWebSocket { socket } => {
                if let Some(task) = self.websockets.get_mut(&(engine, socket)) {
                    task.closed = true;
                    match task.writer.take() {
                        // Dropping the writer makes the task send a close
                        // frame; it is ended if the server does not close.
                        Some(_) => {
                            let now = self.endpoint.runtime.now();
                            task.abort_at = Some(now + WEBSOCKET_CLOSE_WAIT + WEBSOCKET_CLOSE_WAIT);
                        }
                        // Still connecting: given up at once.
                        None => task.abort.abort(),
                    }
                }
            }
            ClientOutput::Event(EngineEvent::Upgraded | EngineEvent::Closed(_)) => {
                // The session's polling connections are of no further use.
                self.endpoint.pool.clear();
            }
            ClientOutput::Event(_) => {}
        }
    }

    fn dispatch_event(&mut self, event: Event) {
        match event {
            Event::Connect { socket } => {
                let recovered = self.manager.recovered(socket);
                if let Some(entry) = self.entry_mut(socket) {
                    entry.flags.connected.store(true, Ordering::Release);
                    entry.flags.recovered.store(recovered, Ordering::Release);
                    for waiter in entry.connect_waiters.drain(..) {
                        let _ = waiter.send(Ok(()));
                    }
                    for handler in &mut entry.on_connect {
                        handler();
                    }
                }
            }
            Event::ConnectError { socket, message, .. } => {
                // `connect()` gives up when the manager will not try again by itself.
                let gives_up = !self.manager.active(socket) || !self.manager.reconnecting();
                if let Some(entry) = self.entry_mut(socket) {
                    for handler in &mut entry.on_connect_error {
                        handler(&message);
                    }
                    if gives_up {
                        for waiter in entry.connect_waiters.drain(..) {
                            let _ = waiter.send(Err(ClientError::ConnectFailed(message.clone())));
                        }
                    }
                }
            }
            Event::Disconnect { socket, reason } => {
                if let Some(entry) = self.entry_mut(socket) {
                    entry.flags.connected.store(false, Ordering::Release);
                    for handler in &mut entry.on_disconnect {
                        handler(reason);
                    }
                }
            }
            Event::Received { socket, event } => self.dispatch_received(socket, event),
            Event::AckReceived { token, args, .. } => {
                if let Some(waiter) = self.acks.remove(&token) {
                    let _ = waiter.send(Ok(args));
                }
            }
            Event::AckFailed { token, error, .. } => {
                if let Some(waiter) = self.acks.remove(&token) {
                    let _ = waiter.send(Err(error));
                }
            }
            Event::ReconnectFailed => {
                for entry in self.sockets.values_mut() {
                    for waiter in entry.connect_waiters.drain(..) {
                        let _ = waiter.send(Err(ClientError::ConnectFailed(String::from("reconnection failed"))));
                    }
                }
                for handler in &mut self.manager_handlers {
                    if let ManagerHandler::ReconnectFailed(handler) = handler {
                        handler();
                    }
                }
            }
            Event::ReconnectAttempt { attempt } => {
                for handler in &mut self.manager_handlers {
                    if let ManagerHandler::ReconnectAttempt(handler) = handler {
                        handler(attempt);
                    }
                }
            }
            Event::Reconnect { attempt } => {
                for handler in &mut self.manager_handlers {
                    if let ManagerHandler::Reconnect(handler) = handler {
                        handler(attempt);
                    }
                }
            }
            Event::ReconnectError { message } => {
                for handler in &mut self.manager_handlers {
                    if let ManagerHandler::ReconnectError(handler) = handler {
                        handler(&message);
                    }
                }
            }
            Event::AuthNeeded { socket } => self.evaluate_auth(socket),
            Event::Sent { socket, event } => {
                if let Some(entry) = self.entry_mut(socket) {
                    for handler in &mut entry.on_any_outgoing {
                        handler(event.name.as_str(), &event.arguments);
                    }
                }
            }
            Event::Error { message } => {
                for handler in &mut self.manager_handlers {
                    if let ManagerHandler::Error(handler) = handler {
                        handler(&message);
                    }
                }
            }
            Event::Open | Event::Close { .. } => {}
        }
    }

    /// Runs the auth function in a task; its value comes back as an
    /// [`IoEvent::Auth`].
    fn evaluate_auth(&self, socket: SocketHandle) {
        let ClientAuth::Callback(AuthCallback(callback)) = &self.auth else {
            // Only sockets made with a callback ask; answer with nothing.
            let _ = self.io_sender.send(IoEvent::Auth { socket, auth: None });
            return;
        };
        let future = callback();
        let events = self.io_sender.clone();
        self.endpoint.runtime.spawn(Box::pin(async move {
            let value = future.await;
            let auth = if value.is_object() { Json::from_serialize(&value).ok() } else { None };
            let _ = events.send(IoEvent::Auth { socket, auth });
        }));
    }

    fn dispatch_received(&mut self, socket: SocketHandle, event: EventPacket) {
        let Some(namespace) = self.namespaces.get(&socket).cloned() else {
            return;
        };
        let responder = |commands: &mpsc::WeakUnboundedSender<Command>| {
            event.ack_id.map(|ack_id| AckResponder { commands: commands.clone(), namespace: namespace.clone(), ack_id })
        };
        let Some(entry) = self.sockets.get_mut(&namespace) else {
            return;
        };
        // As in `socket.io-client`, catch-all handlers run first and every
        // handler gets the acknowledgement callback (only the first answer
        // is sent).
        let name = event.name.as_str();
        for handler in &mut entry.on_any {
            handler(name, event.arguments.clone(), responder(&self.command_sender));
        }
        if let Some(handler) = entry.events.get_mut(name) {
            handler(event.arguments, responder(&self.command_sender));
        }
    }

    fn entry_mut(&mut self, socket: SocketHandle) -> Option<&mut SocketEntry> {
        let namespace = self.namespaces.get(&socket)?;
        self.sockets.get_mut(namespace)
    }

    fn fail_connect_waiters_all(&mut self) {
        for entry in self.sockets.values_mut() {
            entry.flags.connected.store(false, Ordering::Release);
            for waiter in entry.connect_waiters.drain(..) {
                let _ = waiter.send(Err(ClientError::Closed));
            }
        }
        for (_, waiter) in self.acks.drain() {
            let _ = waiter.send(Err(AckError::Disconnected));
        }
    }
}

/// A WebSocket task of the driver.
struct WebSocketTask {
    /// Ends the task and drops its connection.
    abort: AbortHandle,
    /// Where the session's frames go, once open and until closed.
    writer: Option<mpsc::UnboundedSender<Frame>>,
    /// The session closed it.
    closed: bool,
    /// Set once the session closed it: when to end it if it has not ended.
    abort_at: Option<Instant>,
}

/// Why the run loop woke up.
enum Wake {
    Command(Option<Command>),
    Io(IoEvent),
    Timer,
}

//! The task of one session: it owns the session's machine and runs the
//! proto crate's run loop over an inbox of [`Command`]s, the session's
//! WebSocket (if any) and the timer from the machine's `poll_timeout`.
//!
//! The machine is a [`Machine`]: the Engine.IO [`Session`] alone
//! ([`EngineMachine`], for the Engine.IO server), or the Socket.IO
//! `Connection` that owns one (`crate::socketio`). Both take the same
//! transport inputs; this one loop moves the bytes and arms the timer for
//! either, and each machine hands its application outputs on itself.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll, Waker};

use engineio_proto::server::{
    CloseReason, ErrorResponse, Event, Output, PostBody, RequestId, Response, SendError, Session, UpgradeVerdict,
};
use engineio_proto::{Frame, Instant, Message, ProtocolVersion, Sid, TransportKind};
use futures_util::task::AtomicWaker;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::oneshot;

use crate::queue;
use crate::spare_capacity::release_spare_capacity;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use super::websocket::{self, WsStream};
use crate::runtime::{BoxFuture, Runtime};

/// What the HTTP side and the application ask of a session task.
pub(crate) enum Command {
    /// A polling GET; the answer goes to `responder` (perhaps much later).
    Poll { request: RequestId, target: Target, responder: oneshot::Sender<Response> },
    /// The HTTP side dropped the parked GET `request` (its connection closed).
    PollAborted(RequestId),
    /// A polling POST with its body read.
    Post { target: Target, body: PostBody, responder: oneshot::Sender<Response> },
    /// A WebSocket upgrade request for this session (naming `protocol`):
    /// refused, or what to do with its WebSocket.
    Upgrade { protocol: ProtocolVersion, responder: oneshot::Sender<Result<UpgradeVerdict, ErrorResponse>> },
    /// The upgrade's WebSocket is open.
    WebSocketReady(Box<WsStream>),
    /// The accepted upgrade never produced a connection.
    WebSocketFailed,
    /// The application sends a message.
    Send { message: Message, responder: oneshot::Sender<Result<(), SendError>> },
    /// The application (or the server) closes the session.
    Close(CloseReason),
    /// A Socket.IO request (accept, emit, ack, …) for a Socket.IO connection.
    SocketIo(crate::socketio::Command),
}

/// The transport and protocol revision a request to a session names (see
/// [`Session::check_request`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub(crate) transport: TransportKind,
    pub(crate) protocol: ProtocolVersion,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Poll { .. } => "Poll",
            Command::PollAborted(_) => "PollAborted",
            Command::Post { .. } => "Post",
            Command::Upgrade { .. } => "Upgrade",
            Command::WebSocketReady(_) => "WebSocketReady",
            Command::WebSocketFailed => "WebSocketFailed",
            Command::Send { .. } => "Send",
            Command::Close(_) => "Close",
            Command::SocketIo(_) => "SocketIo",
        })
    }
}

/// The live sessions: sid → the inbox of its task.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    sessions: Mutex<HashMap<Sid, queue::UnboundedSender<Command>>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Sid, queue::UnboundedSender<Command>>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn insert(&self, sid: Sid, commands: queue::UnboundedSender<Command>) {
        self.lock().insert(sid, commands);
    }

    pub(crate) fn get(&self, sid: &Sid) -> Option<queue::UnboundedSender<Command>> {
        self.lock().get(sid).cloned()
    }

    fn remove(&self, sid: &Sid) {
        let mut sessions = self.lock();
        sessions.remove(sid);
        release_spare_capacity(&mut sessions);
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Sends `command` to every live session.
    pub(crate) fn broadcast(&self, command: impl Fn() -> Command) {
        for commands in self.lock().values() {
            let _ = commands.send(command());
        }
    }
}

/// The machine a session task drives: the transport inputs of the
/// Engine.IO [`Session`] (which a Socket.IO `Connection` mirrors), its timer,
/// and the application side, which each machine serves itself.
pub(crate) trait Machine: Send + 'static {
    /// The Engine.IO session (its sid and [`Session::check_request`]).
    fn engine(&self) -> &Session;
    /// See [`Session::handle_poll`].
    fn handle_poll(&mut self, now: Instant, request: RequestId);
    /// See [`Session::handle_poll_aborted`].
    fn handle_poll_aborted(&mut self, now: Instant, request: RequestId);
    /// See [`Session::handle_post`].
    fn handle_post(&mut self, now: Instant, body: PostBody) -> Response;
    /// See [`Session::handle_websocket_upgrade`].
    fn handle_websocket_upgrade(&mut self, now: Instant) -> Result<UpgradeVerdict, ErrorResponse>;
    /// See [`Session::handle_frame`].
    fn handle_frame(&mut self, now: Instant, frame: Frame);
    /// See [`Session::handle_frame_too_large`].
    fn handle_frame_too_large(&mut self, now: Instant);
    /// See [`Session::handle_frames_written`].
    fn handle_frames_written(&mut self, count: usize);
    /// See [`Session::handle_control_frame_queued`].
    fn handle_control_frame_queued(&mut self, now: Instant, bytes: usize);
    /// See [`Session::handle_websocket_flushed`].
    fn handle_websocket_flushed(&mut self);
    /// See [`Session::handle_websocket_closed`].
    fn handle_websocket_closed(&mut self, now: Instant);
    /// See [`Session::handle_websocket_error`].
    fn handle_websocket_error(&mut self, now: Instant);
    /// Fires what is due at `now`.
    fn handle_timeout(&mut self, now: Instant);
    /// When [`Machine::handle_timeout`] next needs calling.
    fn poll_timeout(&self) -> Option<Instant>;
    /// Whether the machine has ended (the task stops).
    fn is_closed(&self) -> bool;
    /// The server closes the session for `reason`.
    fn close(&mut self, now: Instant, reason: CloseReason);
    /// The next transport output (an HTTP answer, a frame, a WebSocket
    /// close); application outputs met on the way are handed on by the
    /// machine itself. `None` when drained.
    fn poll_transport_output(&mut self, now: Instant) -> Option<Output>;
    /// The application sends an Engine.IO message.
    fn on_send(&mut self, message: Message, responder: oneshot::Sender<Result<(), SendError>>);
    /// A Socket.IO command.
    fn on_socketio(&mut self, now: Instant, command: crate::socketio::Command);
}

/// The Engine.IO server's machine: the [`Session`], whose events go to its
/// [`EngineSocket`](super::EngineSocket).
pub(crate) struct EngineMachine {
    pub(crate) session: Session,
    pub(crate) events: queue::UnboundedSender<Event>,
}

impl Machine for EngineMachine {
    fn engine(&self) -> &Session {
        &self.session
    }
    fn handle_poll(&mut self, now: Instant, request: RequestId) {
        self.session.handle_poll(now, request);
    }
    fn handle_poll_aborted(&mut self, now: Instant, request: RequestId) {
        self.session.handle_poll_aborted(now, request);
    }
    fn handle_post(&mut self, now: Instant, body: PostBody) -> Response {
        self.session.handle_post(now, body)
    }
    fn handle_websocket_upgrade(&mut self, now: Instant) -> Result<UpgradeVerdict, ErrorResponse> {
        self.session.handle_websocket_upgrade(now)
    }
    fn handle_frame(&mut self, now: Instant, frame: Frame) {
        self.session.handle_frame(now, frame);
    }
    fn handle_frame_too_large(&mut self, now: Instant) {
        self.session.handle_frame_too_large(now);
    }
    fn handle_frames_written(&mut self, count: usize) {
        self.session.handle_frames_written(count);
    }
    fn handle_control_frame_queued(&mut self, now: Instant, bytes: usize) {
        self.session.handle_control_frame_queued(now, bytes);
    }
    fn handle_websocket_flushed(&mut self) {
        self.session.handle_websocket_flushed();
    }
    fn handle_websocket_closed(&mut self, now: Instant) {
        self.session.handle_websocket_closed(now);
    }
    fn handle_websocket_error(&mut self, now: Instant) {
        self.session.handle_websocket_error(now);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.session.poll_timeout()
    }
    fn is_closed(&self) -> bool {
        self.session.is_closed()
    }
    fn close(&mut self, now: Instant, reason: CloseReason) {
        self.session.close(now, reason);
    }
    fn poll_transport_output(&mut self, _now: Instant) -> Option<Output> {
        loop {
            match self.session.poll_output()? {
                Output::Event(event) => {
                    let _ = self.events.send(event);
                }
                transport => return Some(transport),
            }
        }
    }
    fn on_send(&mut self, message: Message, responder: oneshot::Sender<Result<(), SendError>>) {
        let _ = responder.send(self.session.send(message));
    }
    fn on_socketio(&mut self, _now: Instant, _command: crate::socketio::Command) {}
}

/// The session's WebSocket, read and written by the session task itself:
/// frames the machine transmits wait in `outgoing` until the socket takes
/// them (no writer task, no channel, no extra wake per frame).
struct Attached {
    stream: Box<WsStream>,
    outgoing: VecDeque<WsMessage>,
    /// Frames were given to the stream since its last flush.
    unflushed: bool,
    /// Set when the read side may have something: the stream is polled for
    /// reading only then (each read attempt clears tungstenite's 4 KiB read
    /// buffer, and most wakes of a busy session are for sending).
    read_signal: Arc<ReadSignal>,
    /// The waker given to the stream's read side: sets `read_signal`.
    read_waker: Waker,
}

/// See [`Attached::read_signal`]: a waker that notes the read side was
/// signalled and wakes the session task.
#[derive(Debug, Default)]
struct ReadSignal {
    signalled: AtomicBool,
    task: AtomicWaker,
}

impl std::task::Wake for ReadSignal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.signalled.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl Attached {
    fn new(stream: WsStream) -> Attached {
        let read_signal = Arc::new(ReadSignal { signalled: AtomicBool::new(true), task: AtomicWaker::new() });
        let read_waker = Waker::from(read_signal.clone());
        Attached { stream: Box::new(stream), outgoing: VecDeque::new(), unflushed: false, read_signal, read_waker }
    }

    /// Reads the next message if the read side was signalled since the
    /// last read came up empty.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<WsMessage, WsError>>> {
        self.read_signal.task.register(cx.waker());
        if !self.read_signal.signalled.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        let mut read_cx = Context::from_waker(&self.read_waker);
        let item = ready!(self.stream.poll_next_unpin(&mut read_cx));
        // More may be buffered: read again at the next poll.
        self.read_signal.signalled.store(true, Ordering::Release);
        Poll::Ready(item)
    }

    /// Gives queued frames to the stream as far as it takes them (it buffers
    /// up to its write buffer, then waits for the socket); returns how many
    /// it took, or the write error.
    fn poll_feed(&mut self, cx: &mut Context<'_>) -> Result<usize, WsError> {
        let mut taken = 0;
        while !self.outgoing.is_empty() {
            match self.stream.poll_ready_unpin(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => break,
            }
            if let Some(message) = self.outgoing.pop_front() {
                self.stream.start_send_unpin(message)?;
                self.unflushed = true;
                taken += 1;
            }
        }
        Ok(taken)
    }

    /// Flushes what the stream holds once everything queued was given to
    /// it; `Ok(true)` when a flush completed.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Result<bool, WsError> {
        if self.unflushed && self.outgoing.is_empty() {
            if let Poll::Ready(result) = self.stream.poll_flush_unpin(cx) {
                self.unflushed = false;
                result?;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// What woke the task.
enum Wake {
    Command(Option<Command>),
    WebSocket(Option<Result<WsMessage, WsError>>),
    /// Writing to the WebSocket failed.
    WriteFailed,
    Timer,
}

/// One session's task; see the module docs.
pub(crate) struct SessionTask<M> {
    machine: M,
    runtime: Arc<dyn Runtime>,
    registry: Arc<Registry>,
    inbox: queue::UnboundedReceiver<Command>,
    parked_polls: HashMap<RequestId, oneshot::Sender<Response>>,
    websocket: Option<Attached>,
    timer: Option<(Instant, BoxFuture)>,
}

impl<M: Machine> SessionTask<M> {
    pub(crate) fn new(
        machine: M,
        runtime: Arc<dyn Runtime>,
        registry: Arc<Registry>,
        inbox: queue::UnboundedReceiver<Command>,
    ) -> SessionTask<M> {
        SessionTask { machine, runtime, registry, inbox, parked_polls: HashMap::new(), websocket: None, timer: None }
    }

    /// Gives the session its WebSocket (a WebSocket handshake, or an upgrade).
    pub(crate) fn attach(&mut self, websocket: WsStream) {
        if let Some(previous) = self.websocket.replace(Attached::new(websocket)) {
            self.let_go(previous, None);
        }
    }

    /// Hands a WebSocket the session no longer uses to a farewell task that
    /// writes what is queued (and a close frame with `code`) within
    /// [`websocket::FAREWELL_LINGER`].
    fn let_go(&self, websocket: Attached, code: Option<u16>) {
        let Attached { stream, outgoing, .. } = websocket;
        let linger = self.runtime.sleep_until(self.runtime.now() + websocket::FAREWELL_LINGER);
        self.runtime.spawn(Box::pin(websocket::farewell(*stream, outgoing, code, linger)));
    }

    /// The run loop: perform the outputs, wait for the next input, feed it.
    pub(crate) async fn run(mut self) {
        loop {
            self.perform_outputs();
            if self.machine.is_closed() {
                break;
            }
            let wake = self.next_wake().await;
            let now = self.runtime.now();
            match wake {
                Wake::Command(Some(command)) => self.on_command(now, command),
                // Every sender is gone: nobody can reach the session any more.
                Wake::Command(None) => self.machine.close(now, CloseReason::ServerShuttingDown),
                Wake::WebSocket(item) => self.on_websocket(now, item),
                Wake::WriteFailed => {
                    self.websocket = None;
                    self.machine.handle_websocket_error(now);
                }
                Wake::Timer => {
                    self.timer = None;
                    self.machine.handle_timeout(now);
                }
            }
        }
        // Requests still waiting get "unknown sid" from the HTTP side when
        // their responders drop with the task.
        self.registry.remove(self.machine.engine().sid());
        if let Some(websocket) = self.websocket.take() {
            self.let_go(websocket, None);
        }
    }

    /// Carries out the machine's transport outputs: polling answers to their
    /// parked requests, frames to the WebSocket's queue.
    fn perform_outputs(&mut self) {
        let now = self.runtime.now();
        while let Some(output) = self.machine.poll_transport_output(now) {
            match output {
                Output::Respond { request, response } => {
                    if let Some(responder) = self.parked_polls.remove(&request) {
                        let _ = responder.send(response);
                    }
                }
                Output::Transmit(frame) => {
                    if let Some(websocket) = self.websocket.as_mut() {
                        websocket.outgoing.push_back(websocket::to_ws_message(frame));
                    }
                }
                Output::CloseWebSocket { code } => {
                    if let Some(websocket) = self.websocket.take() {
                        self.let_go(websocket, Some(code));
                    }
                }
                // Machines hand their events on themselves.
                Output::Event(_) => {}
            }
        }
    }

    /// Waits for a command, a WebSocket message or the session's deadline,
    /// polled in that order so the application and HTTP requests go first.
    async fn next_wake(&mut self) -> Wake {
        match (self.machine.poll_timeout(), &self.timer) {
            (None, _) => self.timer = None,
            (Some(deadline), Some((armed, _))) if *armed == deadline => {}
            (Some(deadline), _) => self.timer = Some((deadline, self.runtime.sleep_until(deadline))),
        }
        poll_fn(|cx| {
            // Frames go to the socket first, so a steady stream of commands
            // cannot hold them back; the flush waits until the inbox is empty,
            // so a burst of commands goes out in few writes.
            if let Some(websocket) = self.websocket.as_mut() {
                match websocket.poll_feed(cx) {
                    Ok(0) => {}
                    Ok(taken) => self.machine.handle_frames_written(taken),
                    Err(_) => return Poll::Ready(Wake::WriteFailed),
                }
            }
            if let Poll::Ready(command) = self.inbox.poll_recv(cx) {
                return Poll::Ready(Wake::Command(command));
            }
            if let Some(websocket) = self.websocket.as_mut() {
                match websocket.poll_flush(cx) {
                    Ok(false) => {}
                    Ok(true) => self.machine.handle_websocket_flushed(),
                    Err(_) => return Poll::Ready(Wake::WriteFailed),
                }
                if let Poll::Ready(item) = websocket.poll_read(cx) {
                    return Poll::Ready(Wake::WebSocket(item));
                }
            }
            if let Some((_, sleep)) = self.timer.as_mut() {
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Wake::Timer);
                }
            }
            Poll::Pending
        })
        .await
    }

    fn on_command(&mut self, now: Instant, command: Command) {
        match command {
            Command::Poll { request, target, responder } => {
                if let Err(error) = self.machine.engine().check_request(target.transport, false, target.protocol) {
                    let _ = responder.send(error.to_response());
                    return;
                }
                self.parked_polls.insert(request, responder);
                self.machine.handle_poll(now, request);
            }
            Command::PollAborted(request) => {
                if self.parked_polls.remove(&request).is_some() {
                    self.machine.handle_poll_aborted(now, request);
                }
            }
            Command::Post { target, body, responder } => {
                let response = match self.machine.engine().check_request(target.transport, false, target.protocol) {
                    Ok(()) => self.machine.handle_post(now, body),
                    Err(error) => error.to_response(),
                };
                let _ = responder.send(response);
            }
            Command::Upgrade { protocol, responder } => {
                let verdict = self
                    .machine
                    .engine()
                    .check_request(TransportKind::WebSocket, true, protocol)
                    .and_then(|()| self.machine.handle_websocket_upgrade(now));
                let _ = responder.send(verdict);
            }
            Command::WebSocketReady(websocket) => self.attach(*websocket),
            Command::WebSocketFailed => self.machine.handle_websocket_error(now),
            Command::Send { message, responder } => self.machine.on_send(message, responder),
            Command::Close(reason) => self.machine.close(now, reason),
            Command::SocketIo(command) => self.machine.on_socketio(now, command),
        }
    }

    fn on_websocket(&mut self, now: Instant, item: Option<Result<WsMessage, WsError>>) {
        match item {
            None => {
                self.websocket = None;
                self.machine.handle_websocket_closed(now);
            }
            Some(Ok(WsMessage::Close(_))) => {
                // tungstenite queued the answering Close (RFC 6455 §5.5.1: the
                // peer's code echoed, 1002 for a code not allowed on the
                // wire): the farewell writes it, then hangs up. Nothing may
                // follow it.
                if let Some(mut websocket) = self.websocket.take() {
                    websocket.outgoing.clear();
                    self.let_go(websocket, None);
                }
                self.machine.handle_websocket_closed(now);
            }
            Some(Ok(WsMessage::Ping(payload))) => {
                // tungstenite queued the pong itself; it counts against the
                // send buffer until a flush takes it to the socket.
                if let Some(websocket) = self.websocket.as_mut() {
                    websocket.unflushed = true;
                }
                self.machine.handle_control_frame_queued(now, websocket::pong_frame_len(payload.len()));
            }
            Some(Ok(message)) => {
                if let Some(frame) = websocket::to_frame(message) {
                    self.machine.handle_frame(now, frame);
                }
            }
            Some(Err(WsError::Capacity(CapacityError::MessageTooLong { .. }))) => {
                // The session answers with `CloseWebSocket { code: 1009 }`.
                self.machine.handle_frame_too_large(now);
            }
            Some(Err(error)) => {
                // RFC 6455 §7.1.7: fail the connection with a Close frame
                // saying why (1007 for invalid UTF-8, as the reference's `ws`;
                // 1002 for a frame breaking the protocol), unless the peer is
                // gone.
                let websocket = self.websocket.take();
                if let (Some(code), Some(websocket)) = (websocket::failure_close_code(&error), websocket) {
                    self.let_go(websocket, Some(code));
                }
                self.machine.handle_websocket_error(now);
            }
        }
    }
}

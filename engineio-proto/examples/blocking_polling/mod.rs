//! A blocking, std-only HTTP long-polling server for any sans-IO machine that
//! sits on an Engine.IO `Session`: a thread per TCP connection, a minimal
//! HTTP/1.1 parser, one mutex around the machines, a condition variable for
//! parked GETs and a timer thread. The protocol is all in the machine; this
//! module only moves bytes and time. Shared by `polling_server.rs` (the
//! Engine.IO session itself, echoing) and socketio-proto's
//! `blocking_server.rs` (a Socket.IO `Connection`).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use engineio_proto::server::{
    classify, ErrorResponse, Handshake, Method, PostBody, RequestId, Response, Route, ServerConfig, Session,
    SessionRequest,
};
use engineio_proto::sid::SID_RANDOM_BYTES;
use engineio_proto::{Instant, Sid};

const MAX_HEADER_BYTES: usize = 16 * 1024;

/// What the server needs from a machine: its inputs, its timer, and a way
/// to drain its outputs after each input.
pub trait PollingMachine: Send + 'static {
    /// The machine of a new session, created from `handshake`.
    fn open(config: &ServerConfig, handshake: &Handshake, sid: Sid, now: Instant) -> Self;
    /// The Engine.IO session it sits on (to check requests against it).
    fn session(&self) -> &Session;
    /// A GET, parked until the machine answers it.
    fn handle_poll(&mut self, now: Instant, request: RequestId);
    /// A POST body, answered at once.
    fn handle_post(&mut self, now: Instant, body: PostBody) -> Response;
    /// The deadline of [`PollingMachine::poll_timeout`] passed.
    fn handle_timeout(&mut self, now: Instant);
    /// When the machine next needs [`PollingMachine::handle_timeout`].
    fn poll_timeout(&self) -> Option<Instant>;
    /// Drains every output: HTTP answers go to `respond`, the rest is the
    /// application's. Returns `false` once the session has closed.
    fn drain(&mut self, now: Instant, ids: &Ids, respond: &mut dyn FnMut(RequestId, Response)) -> bool;
}

/// The input and timer methods of [`PollingMachine`] for a machine held in
/// field `$field`, whose own methods have the same names and signatures (as
/// engineio-proto's `Session` and socketio-proto's `Connection` do).
macro_rules! forward_polling_inputs {
    ($field:tt) => {
        fn handle_poll(&mut self, now: Instant, request: RequestId) {
            self.$field.handle_poll(now, request);
        }

        fn handle_post(&mut self, now: Instant, body: PostBody) -> Response {
            self.$field.handle_post(now, body)
        }

        fn handle_timeout(&mut self, now: Instant) {
            self.$field.handle_timeout(now);
        }

        fn poll_timeout(&self) -> Option<Instant> {
            self.$field.poll_timeout()
        }
    };
}
pub(crate) use forward_polling_inputs;

/// Fresh ids from the process's random hasher keys (fine for a demo, not a CSPRNG).
pub struct Ids {
    random: RandomState,
    counter: Mutex<u64>,
}

impl Ids {
    /// An id of the Engine.IO sid format (also used for Socket.IO socket ids).
    pub fn next(&self) -> Sid {
        let counter = {
            let mut counter = self.counter.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *counter += 1;
            *counter
        };
        let mut bytes = [0u8; SID_RANDOM_BYTES];
        for (index, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut hasher = self.random.build_hasher();
            hasher.write_u64(counter);
            hasher.write_usize(index);
            let word = hasher.finish().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Sid::from_random(bytes)
    }
}

struct State<M> {
    machines: HashMap<Sid, M>,
    /// Answers for parked GETs, picked up by the thread that holds the request.
    answers: HashMap<u64, Response>,
    next_request: u64,
}

/// The server: the machines by sid, and what the connection threads share.
pub struct Server<M> {
    path: String,
    config: ServerConfig,
    state: Mutex<State<M>>,
    answered: Condvar,
    clock: std::time::Instant,
    ids: Ids,
}

struct Request {
    method: Method,
    query: String,
    path: String,
    websocket_upgrade: bool,
    body: PostBody,
    keep_alive: bool,
}

impl<M: PollingMachine> Server<M> {
    /// A server answering under `path` with `config` (its WebSocket should be off).
    pub fn new(path: &str, config: ServerConfig) -> Server<M> {
        Server {
            path: path.to_owned(),
            config,
            state: Mutex::new(State { machines: HashMap::new(), answers: HashMap::new(), next_request: 0 }),
            answered: Condvar::new(),
            clock: std::time::Instant::now(),
            ids: Ids { random: RandomState::new(), counter: Mutex::new(0) },
        }
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn lock(&self) -> MutexGuard<'_, State<M>> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drains a machine's outputs and wakes the parked GETs.
    fn pump(&self, state: &mut State<M>, sid: &Sid, now: Instant) {
        let State { machines, answers, .. } = state;
        let Some(machine) = machines.get_mut(sid) else { return };
        let open = machine.drain(now, &self.ids, &mut |request, response| {
            answers.insert(request.0, response);
        });
        if !open {
            machines.remove(sid);
        }
        self.answered.notify_all();
    }

    fn handle(&self, request: Request) -> Response {
        if !request.path.starts_with(&self.path) {
            return Response::new(404, None, Default::default());
        }
        let now = self.now();
        let mut state = self.lock();
        let sid = match classify(&self.config, request.method, &request.query, request.websocket_upgrade) {
            Route::Preflight => return Response::new(204, None, Default::default()),
            Route::Reject(error) => return error.to_response(),
            Route::Handshake(handshake) => {
                let sid = self.ids.next();
                eprintln!("{sid}: open");
                let machine = M::open(&self.config, &handshake, sid.clone(), now);
                state.machines.insert(sid.clone(), machine);
                sid
            }
            Route::Existing { sid, request: kind, transport, protocol } => {
                let Some(machine) = state.machines.get_mut(&sid) else {
                    return ErrorResponse::unknown_sid().to_response();
                };
                if let Err(error) =
                    machine.session().check_request(transport, kind == SessionRequest::WebSocket, protocol)
                {
                    return error.to_response();
                }
                match kind {
                    SessionRequest::Poll => sid,
                    SessionRequest::Post => {
                        let response = machine.handle_post(now, request.body);
                        self.pump(&mut state, &sid, now);
                        return response;
                    }
                    SessionRequest::WebSocket => return ErrorResponse::bad_request().to_response(),
                }
            }
        };
        state.next_request += 1;
        let id = state.next_request;
        if let Some(machine) = state.machines.get_mut(&sid) {
            machine.handle_poll(now, RequestId(id));
        }
        self.pump(&mut state, &sid, now);
        // Park until the machine answers this GET (a send, a ping, a close…).
        loop {
            if let Some(response) = state.answers.remove(&id) {
                return response;
            }
            if !state.machines.contains_key(&sid) {
                return ErrorResponse::unknown_sid().to_response();
            }
            state = self.answered.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Fires the machines' timers (heartbeat, timeouts) forever.
    fn run_timers(&self) {
        loop {
            let now = self.now();
            let mut state = self.lock();
            let due: Vec<Sid> = state
                .machines
                .iter()
                .filter(|(_, machine)| machine.poll_timeout().is_some_and(|deadline| deadline <= now))
                .map(|(sid, _)| sid.clone())
                .collect();
            for sid in due {
                if let Some(machine) = state.machines.get_mut(&sid) {
                    machine.handle_timeout(now);
                }
                self.pump(&mut state, &sid, now);
            }
            let next = state.machines.values().filter_map(M::poll_timeout).min();
            drop(state);
            let wait = next.map_or(Duration::from_millis(500), |deadline| deadline - now);
            thread::sleep(wait.clamp(Duration::from_millis(5), Duration::from_millis(500)));
        }
    }

    /// Serves `listener` forever: the timer thread, then a thread per connection.
    pub fn serve(self, listener: TcpListener) -> io::Result<()> {
        let server = Arc::new(self);
        let timers = Arc::clone(&server);
        thread::spawn(move || timers.run_timers());
        for stream in listener.incoming() {
            let stream = stream?;
            let server = Arc::clone(&server);
            thread::spawn(move || {
                if let Err(error) = server.serve_connection(stream) {
                    eprintln!("connection: {error}");
                }
            });
        }
        Ok(())
    }

    fn serve_connection(&self, stream: TcpStream) -> io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        let mut writer = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        while let Some(request) = read_request(&mut reader, self.config.max_http_buffer_size)? {
            let keep_alive = request.keep_alive;
            let response = self.handle(request);
            write_response(&mut writer, &response, keep_alive)?;
            if !keep_alive {
                break;
            }
        }
        Ok(())
    }
}

/// Reads one HTTP/1.1 request; `Ok(None)` when the peer closed the connection.
fn read_request(reader: &mut BufReader<TcpStream>, max_body: usize) -> io::Result<Option<Request>> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.by_ref().take(MAX_HEADER_BYTES as u64).read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        head.push(line.trim_end().to_owned());
        if head.len() > 100 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "too many headers"));
        }
    }
    let mut request_line = head.first().map(String::as_str).unwrap_or_default().split(' ');
    let method = Method::from_name(request_line.next().unwrap_or_default());
    let target = request_line.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut content_length = 0usize;
    let mut binary_content_type = false;
    let mut websocket_upgrade = false;
    let mut keep_alive = true;
    for header in head.iter().skip(1) {
        let Some((name, value)) = header.split_once(':') else { continue };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                content_length =
                    value.parse().map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?
            }
            "content-type" => binary_content_type = value.eq_ignore_ascii_case("application/octet-stream"),
            "upgrade" => websocket_upgrade = value.eq_ignore_ascii_case("websocket"),
            "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    let body = if content_length > max_body {
        // The body stays unread; the connection is closed after the 413.
        keep_alive = false;
        PostBody::TooLarge
    } else {
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        PostBody::Complete { body: body.into(), binary_content_type }
    };
    let (path, query) = (path.to_owned(), query.to_owned());
    Ok(Some(Request { method, query, path, websocket_upgrade, body, keep_alive }))
}

fn write_response(stream: &mut TcpStream, response: &Response, keep_alive: bool) -> io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        _ => "Unknown",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\n", response.status, response.body.len());
    if let Some(content_type) = response.content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("Cache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\n");
    head.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

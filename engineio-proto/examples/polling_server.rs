//! An Engine.IO v4 echo server over HTTP long-polling, with nothing but `std`:
//! a thread per TCP connection, a minimal HTTP/1.1 parser, one mutex around
//! the sessions and a condition variable for parked GETs. The protocol is all
//! in `engineio_proto::server`; this file only moves bytes and time.
//!
//! ```text
//! cargo run -p engineio-proto --example polling_server        # PORT=3000 by default
//! curl 'http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling'
//! curl -d 4hello 'http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling&sid=<sid>'
//! curl 'http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling&sid=<sid>'   # → 4hello
//! ```

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use engineio_proto::server::{
    classify, ErrorResponse, Event, Method, Output, PostBody, RequestId, Response, Route, ServerConfig, Session,
    SessionRequest,
};
use engineio_proto::sid::SID_RANDOM_BYTES;
use engineio_proto::{Instant, Sid};

const PATH: &str = "/engine.io/";
const MAX_HEADER_BYTES: usize = 16 * 1024;

#[derive(Default)]
struct State {
    sessions: HashMap<Sid, Session>,
    /// Answers for parked GETs, picked up by the thread that holds the request.
    answers: HashMap<u64, Response>,
    next_request: u64,
}

struct Server {
    config: ServerConfig,
    state: Mutex<State>,
    answered: Condvar,
    clock: std::time::Instant,
    random: RandomState,
}

struct Request {
    method: Method,
    query: String,
    path: String,
    websocket_upgrade: bool,
    body: PostBody,
    keep_alive: bool,
}

impl Server {
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh sid from the process's random hasher keys (fine for a demo, not a CSPRNG).
    fn new_sid(&self, counter: u64) -> Sid {
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

    /// Drains a session's outputs: answers go to `answers`, messages are echoed.
    fn pump(&self, state: &mut State, sid: &Sid) {
        let Some(session) = state.sessions.get_mut(sid) else { return };
        let mut closed = false;
        while let Some(output) = session.poll_output() {
            match output {
                Output::Respond { request, response } => {
                    state.answers.insert(request.0, response);
                }
                Output::Event(Event::Message(message)) => {
                    if let Err(error) = session.send(message) {
                        eprintln!("{sid}: echo refused: {error}");
                    }
                }
                Output::Event(Event::Closed(reason)) => {
                    eprintln!("{sid}: closed ({reason})");
                    closed = true;
                }
                Output::Event(event) => eprintln!("{sid}: {event:?}"),
                // This example serves no WebSocket.
                Output::Transmit(_) | Output::CloseWebSocket { .. } => {}
            }
        }
        if closed {
            state.sessions.remove(sid);
        }
        self.answered.notify_all();
    }

    fn handle(&self, request: Request) -> Response {
        if !request.path.starts_with(PATH) {
            return Response::new(404, None, Default::default());
        }
        let now = self.now();
        let mut state = self.lock();
        let sid = match classify(&self.config, request.method, &request.query, request.websocket_upgrade) {
            Route::Preflight => return Response::new(204, None, Default::default()),
            Route::Reject(error) => return error.to_response(),
            Route::Handshake(handshake) => {
                state.next_request += 1;
                let sid = self.new_sid(state.next_request);
                eprintln!("{sid}: open");
                state.sessions.insert(sid.clone(), Session::new(&self.config, &handshake, sid.clone(), now));
                sid
            }
            Route::Existing { sid, request: kind, transport } => {
                let Some(session) = state.sessions.get_mut(&sid) else {
                    return ErrorResponse::unknown_sid().to_response();
                };
                if let Err(error) = session.check_request(transport, kind == SessionRequest::WebSocket) {
                    return error.to_response();
                }
                match kind {
                    SessionRequest::Poll => sid,
                    SessionRequest::Post => {
                        let response = session.handle_post(now, request.body);
                        self.pump(&mut state, &sid);
                        return response;
                    }
                    SessionRequest::WebSocket => return ErrorResponse::bad_request().to_response(),
                }
            }
        };
        state.next_request += 1;
        let id = state.next_request;
        if let Some(session) = state.sessions.get_mut(&sid) {
            session.handle_poll(now, RequestId(id));
        }
        self.pump(&mut state, &sid);
        // Park until the session answers this GET (a send, a ping, a close…).
        loop {
            if let Some(response) = state.answers.remove(&id) {
                return response;
            }
            if !state.sessions.contains_key(&sid) {
                return ErrorResponse::unknown_sid().to_response();
            }
            state = self.answered.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Fires the sessions' timers (heartbeat, timeouts) forever.
    fn run_timers(&self) {
        loop {
            let now = self.now();
            let mut state = self.lock();
            let due: Vec<Sid> = state
                .sessions
                .iter()
                .filter(|(_, session)| session.poll_timeout().is_some_and(|deadline| deadline <= now))
                .map(|(sid, _)| sid.clone())
                .collect();
            for sid in due {
                if let Some(session) = state.sessions.get_mut(&sid) {
                    session.handle_timeout(now);
                }
                self.pump(&mut state, &sid);
            }
            let next = state.sessions.values().filter_map(Session::poll_timeout).min();
            drop(state);
            let wait = next.map_or(Duration::from_millis(500), |deadline| deadline - now);
            thread::sleep(wait.clamp(Duration::from_millis(5), Duration::from_millis(500)));
        }
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

fn serve_connection(server: &Server, stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader, server.config.max_http_buffer_size)? {
        let keep_alive = request.keep_alive;
        let response = server.handle(request);
        write_response(&mut writer, &response, keep_alive)?;
        if !keep_alive {
            break;
        }
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    eprintln!("Engine.IO v4 echo over polling on http://127.0.0.1:{port}{PATH}");
    let server = Arc::new(Server {
        config: ServerConfig::default().with_websocket(false),
        state: Mutex::new(State::default()),
        answered: Condvar::new(),
        clock: std::time::Instant::now(),
        random: RandomState::new(),
    });
    let timers = Arc::clone(&server);
    thread::spawn(move || timers.run_timers());
    for stream in listener.incoming() {
        let stream = stream?;
        let server = Arc::clone(&server);
        thread::spawn(move || {
            if let Err(error) = serve_connection(&server, stream) {
                eprintln!("connection: {error}");
            }
        });
    }
    Ok(())
}

//! A Socket.IO v5 server over HTTP long-polling with nothing but `std`: no
//! async, no runtime. It is engineio-proto's blocking server
//! (`engineio-proto/examples/blocking_polling/`: a thread per TCP
//! connection, one mutex around the machines, a condition variable for
//! parked GETs, a timer thread) driving `socketio_proto::server::Connection`s
//! instead of bare Engine.IO sessions — the proof that the proto crates run
//! in any event loop. The protocol is all in the machine; this file only
//! answers its outputs:
//!
//! - a CONNECT to `/` is accepted (any other namespace is refused with
//!   "Invalid namespace", as the reference says);
//! - on connection it emits `hello` ("world", a binary) and asks `welcome`
//!   ("hi") with an ack; the answer comes back as `welcome-answer`;
//! - `echo` is acknowledged with its arguments, binary attachments included.
//!
//! ```text
//! cargo run -p socketio-proto --example blocking_server        # PORT=3000 by default
//! # then any socket.io-client with transports: ["polling"] on http://127.0.0.1:3000
//! ```

#[path = "../../engineio-proto/examples/blocking_polling/mod.rs"]
mod blocking_polling;

use std::io;
use std::net::TcpListener;
use std::time::Duration;

use blocking_polling::{Ids, PollingMachine, Server};
use bytes::Bytes;
use engineio_proto::server::{self as engine, Handshake, PostBody, RequestId, Response, Session};
use engineio_proto::{Instant, Sid};
use socketio_proto::server::{Connection, Output, ServerConfig};
use socketio_proto::{Args, Packet};

/// The Engine.IO path of Socket.IO servers.
pub const PATH: &str = "/socket.io/";

/// How long the server waits for the answer to `welcome`.
const WELCOME_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// One Socket.IO connection and what this application does with it.
struct SocketIoConnection(Connection);

impl SocketIoConnection {
    /// Answers one output of the machine (other than an HTTP answer); an
    /// error is a refusal of the machine (the connection closed meanwhile).
    fn react(&mut self, now: Instant, ids: &Ids, output: Output) -> Result<(), Box<dyn std::error::Error>> {
        let connection = &mut self.0;
        match output {
            Output::ConnectRequest { namespace, .. } if namespace.as_str() == "/" => {
                connection.accept(now, &namespace, ids.next(), None)?;
            }
            Output::ConnectRequest { namespace, .. } => {
                connection.reject(now, &namespace, "Invalid namespace", None)?;
            }
            Output::Connected { namespace, socket_id, .. } => {
                eprintln!("{socket_id}: joined {namespace}");
                let hello = Args::builder().arg("world")?.binary(Bytes::from_static(&[1, 2, 3])).build();
                connection.emit(&namespace, &Packet::event(namespace.clone(), "hello", hello, None).encode())?;
                let question = Args::from_tuple(&("hi",))?;
                connection.emit_with_ack(now, &namespace, "welcome", question, Some(WELCOME_ACK_TIMEOUT))?;
                // This "connection handler" is done: the CONNECT reply may go out.
                connection.connect_handled(&socket_id);
            }
            Output::Event { namespace, event } => {
                eprintln!("{namespace}: event {} {}", event.name.as_str(), event.arguments.json().as_str());
                if let (Some(ack_id), "echo") = (event.ack_id, event.name.as_str()) {
                    connection.ack(&namespace, ack_id, event.arguments)?;
                }
            }
            Output::AckReceived { namespace, args, .. } => {
                let answer = Packet::event(namespace.clone(), "welcome-answer", args, None).encode();
                connection.emit(&namespace, &answer)?;
            }
            Output::Closed(reason) => eprintln!("{}: closed ({reason})", connection.engine().sid()),
            other => eprintln!("{}: {other:?}", connection.engine().sid()),
        }
        Ok(())
    }
}

impl PollingMachine for SocketIoConnection {
    fn open(config: &engine::ServerConfig, handshake: &Handshake, sid: Sid, now: Instant) -> Self {
        let session = Session::new(config, handshake, sid, now);
        SocketIoConnection(Connection::new(&ServerConfig::default(), session, now))
    }

    fn session(&self) -> &Session {
        self.0.engine()
    }

    blocking_polling::forward_polling_inputs!(0);

    fn drain(&mut self, now: Instant, ids: &Ids, respond: &mut dyn FnMut(RequestId, Response)) -> bool {
        while let Some(output) = self.0.poll_output() {
            match output {
                Output::Engine(engine::Output::Respond { request, response }) => respond(request, response),
                // This example serves no WebSocket.
                Output::Engine(_) => {}
                output => {
                    if let Err(error) = self.react(now, ids, output) {
                        eprintln!("{}: {error}", self.0.engine().sid());
                    }
                }
            }
        }
        !self.0.is_closed()
    }
}

/// Serves Socket.IO over long-polling on `listener`, forever.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    Server::<SocketIoConnection>::new(PATH, engine::ServerConfig::default().with_websocket(false)).serve(listener)
}

fn main() -> io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    eprintln!("Socket.IO v5 over polling on http://127.0.0.1:{port}{PATH}");
    serve(listener)
}

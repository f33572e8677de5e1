//! An Engine.IO v4 echo server over HTTP long-polling, with nothing but `std`:
//! the blocking server of `blocking_polling/` (a thread per TCP connection, a
//! minimal HTTP/1.1 parser, one mutex around the sessions and a condition
//! variable for parked GETs) driving `engineio_proto::server::Session`s. The
//! protocol is all in the session; this file only says what to do with its
//! events: echo every message.
//!
//! ```text
//! cargo run -p engineio-proto --example polling_server        # PORT=3000 by default
//! curl 'http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling'
//! curl -d 4hello 'http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling&sid=<sid>'
//! curl 'http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling&sid=<sid>'   # → 4hello
//! ```

mod blocking_polling;

use std::io;
use std::net::TcpListener;

use blocking_polling::{Ids, PollingMachine, Server};
use engineio_proto::server::{Event, Handshake, Output, PostBody, RequestId, Response, ServerConfig, Session};
use engineio_proto::{Instant, Sid};

const PATH: &str = "/engine.io/";

/// An Engine.IO session that echoes every message.
struct EchoSession(Session);

impl PollingMachine for EchoSession {
    fn open(config: &ServerConfig, handshake: &Handshake, sid: Sid, now: Instant) -> Self {
        EchoSession(Session::new(config, handshake, sid, now))
    }

    fn session(&self) -> &Session {
        &self.0
    }

    blocking_polling::forward_polling_inputs!(0);

    fn drain(&mut self, _now: Instant, _ids: &Ids, respond: &mut dyn FnMut(RequestId, Response)) -> bool {
        let session = &mut self.0;
        let sid = session.sid().clone();
        let mut open = true;
        while let Some(output) = session.poll_output() {
            match output {
                Output::Respond { request, response } => respond(request, response),
                Output::Event(Event::Message(message)) => {
                    if let Err(error) = session.send(message) {
                        eprintln!("{sid}: echo refused: {error}");
                    }
                }
                Output::Event(Event::Closed(reason)) => {
                    eprintln!("{sid}: closed ({reason})");
                    open = false;
                }
                Output::Event(event) => eprintln!("{sid}: {event:?}"),
                // This example serves no WebSocket.
                Output::Transmit(_) | Output::CloseWebSocket { .. } => {}
            }
        }
        open
    }
}

fn main() -> io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    eprintln!("Engine.IO v4 echo over polling on http://127.0.0.1:{port}{PATH}");
    Server::<EchoSession>::new(PATH, ServerConfig::default().with_websocket(false)).serve(listener)
}

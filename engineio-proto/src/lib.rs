//! Engine.IO, sans I/O: packets, polling payloads, and the server and client
//! session machines of Engine.IO v4 (and v3), with no sockets, no clock, no
//! threads and no async.
//!
//! ```text
//!   network side                                          application side
//!  ┌──────────────────────┐   handle_*(now, input)   ┌──────────────────────┐
//!  │ HTTP GET / POST      │ ───────────────────────▶ │                      │
//!  │ WebSocket frames     │                          │   Session (server)   │ ──▶ Event::Message / Upgraded / Closed
//!  │ timers               │ ◀─────────────────────── │   ClientSession      │ ◀── send(message), close()
//!  └──────────────────────┘   poll_output()          └──────────────────────┘
//!        Respond / Transmit / CloseWebSocket / HttpRequest / OpenWebSocket
//! ```
//!
//! # The run loop
//!
//! Every machine is driven the same way, by one loop the driver owns:
//!
//! 1. Read `deadline = machine.poll_timeout()`.
//! 2. Wait for the first of: an HTTP request or response, a WebSocket frame,
//!    a command from the application, or the deadline.
//! 3. Stamp it with the driver's clock as an [`Instant`] and hand it to the
//!    matching `handle_*` method (`handle_timeout(now)` for the deadline;
//!    a spurious call is a no-op).
//! 4. Drain `poll_output()` until it returns `None`, performing each output:
//!    answer a request, send a frame, open or close a socket, tell the
//!    application.
//! 5. Go to 1.
//!
//! No protocol decision is left to the driver: heartbeats, the upgrade,
//! buffering, payload framing and every error answer come out of the
//! machines as values. Time never advances inside the crate, so tests (and
//! simulations, see `tests/simulation.rs`) run hours of protocol in
//! microseconds.
//!
//! ```
//! use engineio_proto::server::{classify, Event, Method, Output, PostBody, RequestId, Route, ServerConfig, Session};
//! use engineio_proto::{Instant, Message, Sid};
//! use bytes::Bytes;
//!
//! let config = ServerConfig::default();
//! let mut now = Instant::from_millis(0);
//! // A polling handshake: classify the request, make a session, answer the GET.
//! let Route::Handshake(handshake) = classify(&config, Method::Get, "EIO=4&transport=polling", false) else {
//!     panic!("not a handshake")
//! };
//! let mut session = Session::new(&config, &handshake, Sid::from_random([42; 15]), now);
//! session.handle_poll(now, RequestId(1));
//! while let Some(output) = session.poll_output() {
//!     if let Output::Respond { response, .. } = output {
//!         assert!(response.body.starts_with(b"0{\"sid\":"));
//!     }
//! }
//! // The client posts a message; the session hands it to the application.
//! let body = PostBody::Complete { body: Bytes::from_static(b"4hello"), binary_content_type: false };
//! assert_eq!(session.handle_post(now, body).status, 200);
//! assert_eq!(session.poll_output(), Some(Output::Event(Event::Message(Message::from("hello")))));
//! // Nothing to do until the first heartbeat, 25 s after the handshake.
//! assert_eq!(session.poll_timeout(), Some(Instant::from_millis(25_000)));
//! now = Instant::from_millis(25_000);
//! session.handle_timeout(now);
//! ```
//!
//! Modules: [`packet`] (packets, WebSocket frames), [`payload`] (polling
//! bodies), [`server`] (request classification, the server session),
//! [`client`] (the client session), [`time`] ([`Instant`]), [`sid`],
//! [`str`](mod@str) (zero-copy UTF-8), [`error`].
//!
//! The crate works with `no_std` + `alloc` when the default `std` feature is off.
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

mod base64;
pub mod client;
pub mod error;
pub mod packet;
pub mod payload;
pub mod server;
pub mod sid;
pub mod str;
pub mod time;

pub use error::DecodeError;
pub use packet::{Frame, Message, OpenPacket, Packet, PacketType, ProtocolVersion, TransportKind};
pub use sid::Sid;
pub use str::Str;
pub use time::Instant;

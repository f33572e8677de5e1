//! The Engine.IO server, sans I/O.
//!
//! - [`classify`] tells what an HTTP request is: a CORS preflight, a
//!   handshake, a request for an existing session, or an error answer
//!   ([`ErrorResponse`], with the reference codes and bodies).
//! - [`Session`] is the machine of one connection: polling GETs and POSTs,
//!   WebSocket frames, the upgrade from polling to WebSocket, the heartbeat
//!   (v4: the server pings; v3: the client pings), and closing.
//!
//! The driver keeps the map from [`Sid`](crate::Sid) to [`Session`], reads
//! requests and frames, and writes what [`Session::poll_output`] says.
//!
//! ```
//! use engineio_proto::server::{classify, Method, Output, RequestId, Route, ServerConfig, Session};
//! use engineio_proto::{Instant, Sid};
//!
//! let config = ServerConfig::default();
//! let Route::Handshake(handshake) = classify(&config, Method::Get, "EIO=4&transport=polling", false) else {
//!     unreachable!()
//! };
//! let mut session = Session::new(&config, &handshake, Sid::new("abc"), Instant::ZERO);
//! session.handle_poll(Instant::ZERO, RequestId(1));
//! let Some(Output::Respond { response, .. }) = session.poll_output() else { unreachable!() };
//! assert!(response.body.starts_with(b"0{\"sid\":\"abc\""));
//! ```

mod config;
mod request;
mod response;
mod session;

pub use config::ServerConfig;
pub use request::{classify, percent_decode, EngineQuery, Handshake, Method, Route, SessionRequest};
pub use response::{ContentEncoding, ErrorCode, ErrorResponse, Response, HTML_CONTENT_TYPE, JSON_CONTENT_TYPE};
pub use session::{
    CloseReason, Event, Output, PostBody, RequestId, SendError, Session, UpgradeVerdict, POLLING_CLOSE_TIMEOUT,
    WS_CLOSE_NORMAL, WS_CLOSE_TOO_BIG,
};

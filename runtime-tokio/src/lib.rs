//! Socket.IO server and client on tokio: a thin driver that moves bytes between
//! real sockets and the `engineio-proto` / `socketio-proto` machines.
//!
//! Today: [`engine`], an Engine.IO server, and [`socketio`], the Socket.IO
//! server on top of it (issue #4), mountable into axum or any tower stack
//! with [`tower`]; and [`client`], the Socket.IO client (issue #5). With
//! the `redis` feature, `redis` is the Redis adapter: several servers (ours
//! and node ones with `@socket.io/redis-adapter`) act as one (issue #8).
//!
//! # One driver, small runtimes
//!
//! The driver is written once, generic over the small [`runtime::Runtime`]
//! trait (spawn, sleep until, now — in the style of quinn's), and uses only
//! executor-neutral pieces: hyper 1's HTTP/1.1 server connection through
//! hyper's own I/O traits, `tokio::sync` channels (no reactor needed),
//! `futures-util`, and tokio-tungstenite over the `tokio::io` traits.
//! Everything tokio-specific — [`tokio::TokioRuntime`], the TCP accept
//! loop, `hyper_util::rt::TokioIo` — sits in the [`tokio`] module behind the
//! `tokio` feature (on by default).
//!
//! `runtime-async-std` depends on this crate with the `tokio` feature off and
//! adds its own `Runtime` implementations and TCP types for async-std and
//! smol; the accept loop itself is written once here
//! ([`engine::EngineServer::serve_incoming`]), so the two runtime crates hold
//! no twin of the driver (issue #6).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use runtime_tokio::engine::{EngineOptions, Event};
//!
//! let (addr, _server, mut connections) = runtime_tokio::tokio::bind("127.0.0.1:3000", EngineOptions::default()).await?;
//! println!("listening on http://{addr}/engine.io/");
//! while let Some(mut socket) = connections.accept().await {
//!     tokio::spawn(async move {
//!         while let Some(event) = socket.recv().await {
//!             if let Event::Message(message) = event {
//!                 let _ = socket.send(message).await;
//!             }
//!         }
//!     });
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod client;
pub mod engine;
mod io_compat;
mod queue;
#[cfg(feature = "redis")]
pub mod redis;
pub mod runtime;
pub mod socketio;
mod spare_capacity;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod tower;

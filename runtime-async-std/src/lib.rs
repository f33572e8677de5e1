//! Socket.IO server and client on smol and async-std: the same API as
//! `runtime-tokio`, because it is the same driver.
//!
//! # One driver, two more executors
//!
//! `runtime-tokio`'s driver (the Engine.IO and Socket.IO servers, the tower
//! layer and the client) is written once over its small
//! [`Runtime`](runtime_tokio::runtime::Runtime) trait (spawn, sleep until,
//! now) and executor-neutral pieces: hyper 1 through its `rt` I/O traits,
//! `tokio::sync` channels (no tokio reactor), `futures-util`, and
//! tokio-tungstenite over the `tokio::io` traits. This crate depends on it
//! with its `tokio` feature off — no tokio runtime, reactor or timer is
//! compiled in for it — and adds only what differs per executor:
//!
//! - a `Runtime`: `smol::SmolRuntime` and `async_std::AsyncStdRuntime`
//!   (their spawn, their timer, a monotonic clock);
//! - TCP: the accept loop (`serve`, `bind`, `bind_socketio`) and the
//!   client's `Connector` (with `build(builder)`), with the names and shapes
//!   of `runtime_tokio::tokio`;
//! - [`FuturesIo`]: any `futures-io` stream seen through hyper's I/O traits.
//!
//! What both executors share is written once: the accept loop itself is
//! `runtime-tokio`'s [`EngineServer::serve_incoming`](runtime_tokio::engine::EngineServer::serve_incoming)
//! (the tokio module uses it too), and the clock, accepted-connection stream,
//! server start and client connect are one private generic module over an
//! executor's TCP types. The server and client APIs are re-exported from
//! `runtime-tokio` ([`engine`], [`socketio`], [`client`], [`tower`]).
//!
//! Cargo features: `smol` (default) and `async-std`; both may be on.
//!
//! ```no_run
//! # #[cfg(feature = "smol")]
//! # fn main() -> std::io::Result<()> {
//! use runtime_async_std::socketio::{AckSender, Socket, SocketIo};
//! use runtime_async_std::socketio_proto::Args;
//!
//! smol::block_on(async {
//!     let (addr, io) = runtime_async_std::smol::bind_socketio("127.0.0.1:3000", SocketIo::builder()).await?;
//!     io.ns("/", |socket: Socket| async move {
//!         socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
//!             if let Some(ack) = ack {
//!                 let _ = ack.send_args(args);
//!             }
//!         });
//!     });
//!     println!("listening on http://{addr}");
//!     std::future::pending::<()>().await;
//!     Ok(())
//! })
//! # }
//! # #[cfg(not(feature = "smol"))]
//! # fn main() {}
//! ```
#![deny(missing_docs)]

#[cfg(feature = "async-std")]
pub mod async_std;
mod io;
#[cfg(any(feature = "smol", feature = "async-std"))]
mod net;
#[cfg(feature = "smol")]
pub mod smol;

/// The Engine.IO protocol crate (transport kinds, messages, options).
pub use engineio_proto;
pub use io::FuturesIo;
pub use runtime_tokio::{client, engine, runtime, socketio, tower};
/// The Socket.IO protocol crate (argument and packet types of the API).
pub use socketio_proto;

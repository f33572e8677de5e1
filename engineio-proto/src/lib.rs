//! Engine.IO, sans I/O: packets, polling payloads, and the server and client
//! session machines of Engine.IO v4 (and v3), with no sockets, no clock, no
//! threads and no async.
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

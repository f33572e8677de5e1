//! Sans-IO Socket.IO protocol (v5 over Engine.IO v4, v4 over Engine.IO v3).
//!
//! This part is the packet codec: [`Packet`] is what a namespace sends or
//! receives; [`Decoder`] turns Engine.IO messages into packets (joining a
//! binary packet with its attachments); [`Packet::encode`] turns a packet into
//! an [`Encoded`] value, cheap to clone, whose [`Encoded::messages`] go to
//! Engine.IO.
//!
//! ```text
//!  engineio_proto::Message ──▶ Decoder::decode ──▶ Packet { namespace, data }
//!                                                    │  Event::args::<T>()
//!  engineio_proto::Message ◀── Encoded::messages ◀── Packet::encode
//! ```
//!
//! Arguments stay JSON text ([`Args`]): decoding reads only the header and the
//! event name and checks the rest is well-formed; the application deserializes
//! into its own types. Binary values travel as [`Binary`] attachments.
//!
//! [`server::Connection`] is the server machine of one connection, stacked on
//! the Engine.IO server session: namespaces, events, acks, disconnects.
//! [`server::Namespace`] is the state the connections of one namespace share:
//! rooms, broadcasts, broadcast acks, connection state recovery.
//!
//! The crate works with `no_std` + `alloc` when the default `std` feature is off.
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod args;
pub mod broadcast;
pub mod broadcast_ack;
pub mod client;
pub mod decode;
pub mod encode;
pub mod error;
pub mod json;
mod json_writer;
#[cfg(feature = "msgpack")]
pub mod msgpack;
pub mod packet;
pub mod placeholder;
pub mod recovery;
#[cfg(feature = "msgpack")]
pub mod redis_adapter;
pub mod rooms;
mod scan;
pub mod server;

pub use args::{Args, ArgsBuilder};
pub use decode::{decode_text, Decoder, DecoderLimits};
pub use encode::Encoded;
pub use error::DecodeError;
pub use json::Json;
pub use packet::{Ack, Event, EventName, Packet, PacketData, PacketType, ProtocolVersion};
pub use placeholder::{Binary, BinaryRef};

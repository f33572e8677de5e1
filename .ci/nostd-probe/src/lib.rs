//! Calls into the proto crates from a `#![no_std]` crate. Compiling this is the
//! test: a second panic handler (std's) would be a duplicate lang item.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::panic::PanicInfo;

use engineio_proto::payload::{self, PayloadFormat};
use engineio_proto::{DecodeError, Packet};

// Keeps socketio-proto in the dependency graph even before it has an API.
use socketio_proto as _;

/// Decodes a v4 polling body and encodes its packets back into one body.
pub fn echo_v4_payload(body: bytes::Bytes) -> Result<bytes::Bytes, DecodeError> {
    let packets = payload::decode(PayloadFormat::V4, body).collect::<Result<Vec<Packet>, DecodeError>>()?;
    Ok(payload::encode(PayloadFormat::V4, &packets))
}

#[panic_handler]
fn panic(_info: &PanicInfo<'_>) -> ! {
    loop {}
}

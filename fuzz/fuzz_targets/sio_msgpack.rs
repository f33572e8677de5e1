//! The `socket.io-msgpack-parser` codec (`socketio_proto::msgpack`, feature
//! `msgpack`) on arbitrary binary messages (see
//! `engineio_fuzz::socketio::check_msgpack`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    engineio_fuzz::socketio::check_msgpack(data);
});

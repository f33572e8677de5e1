//! The Socket.IO decoder fed an arbitrary sequence of text and binary
//! messages with small limits (see `engineio_fuzz::socketio::run_decoder`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: engineio_fuzz::socketio::DecoderScenario| {
    engineio_fuzz::socketio::run_decoder(&scenario);
});

//! The Engine.IO client session under arbitrary responses, WebSocket events,
//! sends, closes and time steps (see `engineio_fuzz::client_session`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: engineio_fuzz::client_session::ClientScenario| {
    engineio_fuzz::client_session::run(&scenario);
});

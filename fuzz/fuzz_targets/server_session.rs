//! The Engine.IO server session under an arbitrary sequence of requests,
//! frames, sends, closes and time steps (see `engineio_fuzz::server_session`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: engineio_fuzz::server_session::ServerScenario| {
    engineio_fuzz::server_session::run(&scenario);
});

//! See `engineio_fuzz::sio_server`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: engineio_fuzz::sio_server::SioServerScenario| {
    engineio_fuzz::sio_server::run(&scenario);
});

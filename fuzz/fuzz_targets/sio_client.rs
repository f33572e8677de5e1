//! See `engineio_fuzz::sio_client`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: engineio_fuzz::sio_client::SioClientScenario| {
    engineio_fuzz::sio_client::run(&scenario);
});

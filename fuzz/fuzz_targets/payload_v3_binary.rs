//! Engine.IO v3 binary polling bodies (`<0|1><digits>\xff<packet>` records): see
//! [`engineio_fuzz::assert_payload_invariants`].
#![no_main]

use engineio_proto::payload::PayloadFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    engineio_fuzz::assert_payload_invariants(PayloadFormat::V3Binary, body);
});

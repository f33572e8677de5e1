//! The decoders of the Redis adapter's msgpack messages
//! (`socketio_proto::redis_adapter`: broadcasts, requests and responses
//! published by other servers, so by anyone who can publish to Redis) fed
//! arbitrary bytes. Beyond not panicking: whatever decodes re-encodes, what
//! we encode decodes, and one encode/decode pass reaches a fixed point. (One
//! pass may drop what the wire does not carry for that message: the flags of
//! a fetch/join/leave/disconnect request, which the reference never sends.)
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::redis_adapter::{BroadcastMessage, Request, Response};

/// Encodes a broadcast back into its wire form.
fn encode_broadcast(message: &BroadcastMessage) -> Bytes {
    let packet = &message.packet;
    BroadcastMessage::encode(&message.uid, &packet.namespace, &packet.event, &packet.args, &message.options)
        .expect("a decoded broadcast encodes")
}

fuzz_target!(|data: &[u8]| {
    let bytes = Bytes::copy_from_slice(data);
    if let Ok(message) = BroadcastMessage::decode(&bytes) {
        let normal = BroadcastMessage::decode(&encode_broadcast(&message)).expect("an encoded broadcast decodes");
        assert_eq!(normal, message, "a broadcast carries all it decodes");
    }
    if let Ok(request) = Request::decode(&bytes) {
        let normal =
            Request::decode(&request.encode().expect("a decoded request encodes")).expect("an encoded request decodes");
        let again = Request::decode(&normal.encode().expect("re-encodes")).expect("decodes again");
        assert_eq!(again, normal, "request round trip reaches a fixed point");
    }
    if let Ok(response) = Response::decode(&bytes) {
        let normal = Response::decode(&response.encode().expect("a decoded response encodes"))
            .expect("an encoded response decodes");
        assert_eq!(normal, response, "a response carries all it decodes");
    }
});

//! Regression tests for what the fuzz targets (`fuzz/`) found, one per
//! finding, named after the behaviour pinned down. The inputs are kept
//! under `fuzz/regressions/<target>/`.

mod client_support;

/// `sio_msgpack` (`fuzz/regressions/sio_msgpack/namespace_without_leading_slash`):
/// msgpack carries any namespace string, as `socket.io-msgpack-parser`
/// does, so a namespace without a leading `/` decodes and encodes back to
/// the same bytes. The text form cannot carry it (its encoding would not
/// decode to the same packet); the server refuses it like any unknown
/// namespace, so it is never relayed to text clients.
#[cfg(feature = "msgpack")]
#[test]
fn msgpack_namespace_without_a_leading_slash_round_trips_in_msgpack() {
    use bytes::Bytes;
    use socketio_proto::msgpack;

    // {type: 2, data: ["e"], nsp: ";"}
    let message = Bytes::from_static(b"\x83\xa4type\x02\xa4data\x91\xa1e\xa3nsp\xa1;");
    let packet = msgpack::decode(&message).expect("any namespace string decodes");
    assert_eq!(packet.namespace.as_str(), ";");
    assert_eq!(msgpack::encode(&packet).expect("it encodes"), message);
}

/// `sio_msgpack`, the same input from the fuzzer byte for byte: an event
/// with every scalar type on namespace `;` survives the msgpack round trip.
#[cfg(feature = "msgpack")]
#[test]
fn fuzzed_event_on_a_namespace_without_a_leading_slash_survives_the_msgpack_round_trip() {
    use bytes::Bytes;
    use socketio_proto::msgpack;

    let found: &[u8] = &[
        132, 164, 116, 121, 112, 101, 2, 164, 100, 97, 116, 97, 151, 164, 101, 99, 104, 111, 166, 104, 195, 169, 108,
        108, 111, 1, 251, 203, 64, 4, 158, 0, 0, 0, 0, 0, 192, 129, 161, 97, 146, 195, 194, 162, 105, 100, 3, 163, 110,
        115, 112, 161, 59,
    ];
    let packet = msgpack::decode(&Bytes::from_static(found)).expect("the fuzzed message decodes");
    let encoded = msgpack::encode(&packet).expect("it encodes");
    assert_eq!(msgpack::decode(&encoded).expect("its encoding decodes"), packet);
}

/// `sio_client` (`fuzz/regressions/sio_client/connect_error_after_connect`):
/// a CONNECT_ERROR for a socket that had already joined its namespace
/// ends that socket's connection — `Disconnect` ("io server disconnect")
/// before the `ConnectError` — so that it is not left `connected` once
/// the manager is closed and nothing reaches it any more.
#[test]
fn connect_error_for_a_joined_socket_disconnects_it_before_reporting_the_refusal() {
    use socketio_proto::client::{DisconnectReason, Event};

    let mut h = client_support::Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1","pid":"p1"}"#);
    h.take_events();
    h.server(r#"44{"message":"refused late"}"#);
    let events = h.take_events();
    let disconnect = Event::Disconnect { socket: main, reason: DisconnectReason::IoServerDisconnect };
    let refusal = Event::ConnectError { socket: main, message: "refused late".into(), data: None };
    let position = |wanted: &Event| events.iter().position(|event| event == wanted);
    assert!(position(&disconnect) < position(&refusal), "disconnect, then refusal: {events:?}");
    assert!(position(&disconnect).is_some(), "{events:?}");
    assert!(!h.manager.connected(main));
    h.manager.close(h.now);
    assert!(!h.manager.connected(main));
}

/// `sio_msgpack` (`fuzz/regressions/sio_msgpack/connect_error_with_a_string`):
/// `socket.io-msgpack-parser` takes a string as CONNECT_ERROR payload, and
/// so does the text parser (socket.io-parser 4: a string or an object), so
/// the packet crosses from msgpack to text and back. The text decoder used
/// to want an object only.
#[cfg(feature = "msgpack")]
#[test]
fn msgpack_connect_error_with_a_string_payload_decodes_from_its_text_form() {
    use bytes::Bytes;
    use socketio_proto::{decode_text, msgpack, ProtocolVersion};

    // {type: 4, data: "mess\\as", nsp: "/"}
    let message = Bytes::from_static(b"\x83\xa4type\x04\xa4data\xa7mess\\as\xa3nsp\xa1/");
    let packet = msgpack::decode(&message).expect("a string CONNECT_ERROR payload decodes");
    let encoded = packet.encode();
    let text = encoded.text();
    assert_eq!(text.as_str(), r#"4"mess\\as""#);
    let (from_text, _) = decode_text(ProtocolVersion::V5, text, 0).expect("the text form decodes");
    assert_eq!(from_text, packet);
}

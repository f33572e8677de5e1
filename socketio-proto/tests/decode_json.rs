//! How the decoder judges the JSON of a packet's payload.

use engineio_proto::Str;
use socketio_proto::{decode_text, DecodeError, PacketData, ProtocolVersion};

fn decode(text: String) -> Result<PacketData, DecodeError> {
    decode_text(ProtocolVersion::V5, &Str::from(text), 10).map(|(packet, _)| packet.data)
}

#[test]
fn arguments_nested_100_000_deep_are_invalid_json_not_a_stack_overflow() {
    let text = format!(r#"2["x",{}{}]"#, "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(decode(text), Err(DecodeError::InvalidJson { .. })));
}

#[test]
fn binary_arguments_nested_100_000_deep_are_invalid_json_not_a_stack_overflow() {
    let text = format!(r#"51-["x",{}{}]"#, r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    assert!(matches!(decode(text), Err(DecodeError::InvalidJson { .. })));
}

#[test]
fn arguments_nested_as_deep_as_serde_json_reads_are_accepted() {
    // The payload array itself is one level.
    let text = format!(r#"2["x",{}{}]"#, "[".repeat(126), "]".repeat(126));
    assert!(decode(text).is_ok());
}

#[test]
fn lone_surrogate_escape_in_arguments_is_accepted_as_json_parse_does() {
    assert!(decode(r#"2["x","\ud800"]"#.to_string()).is_ok());
}

#[test]
fn lone_surrogate_escape_in_binary_arguments_is_accepted_as_json_parse_does() {
    assert!(decode(r#"51-["x","\ud800",{"_placeholder":true,"num":0}]"#.to_string()).is_ok());
}

#[test]
fn lone_surrogate_escape_in_event_name_is_refused() {
    let error = decode(r#"2["\ud800"]"#.to_string());
    assert!(matches!(error, Err(DecodeError::InvalidPayload { expected: "a string", .. })), "{error:?}");
}

#[test]
fn escaped_event_name_is_unescaped() {
    let Ok(PacketData::Event(event)) = decode(r#"2["a\u00e9\n"]"#.to_string()) else { panic!("event expected") };
    assert_eq!(event.name.as_str(), "aé\n");
}

#[test]
fn numeric_event_name_keeps_its_text() {
    let Ok(PacketData::Event(event)) = decode(r#"2[-1.5e3,"a"]"#.to_string()) else { panic!("event expected") };
    assert_eq!(event.name.as_str(), "-1.5e3");
    assert_eq!(event.arguments.json().as_str(), r#""a""#);
}

#[test]
fn whitespace_around_the_name_and_arguments_is_kept_out_of_the_name() {
    let Ok(PacketData::Event(event)) = decode("2[ \"x\" , 1 ]".to_string()) else { panic!("event expected") };
    assert_eq!(event.name.as_str(), "x");
    assert_eq!(event.args::<(u8,)>().ok(), Some((1,)));
}

#[test]
fn invalid_json_reports_the_offset_of_the_offending_byte() {
    let error = decode(r#"2["x",tru]"#.to_string());
    assert!(matches!(error, Err(DecodeError::InvalidJson { offset: 9, .. })), "{error:?}");
}

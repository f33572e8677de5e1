//! `Json::from_v4_query`: the auth a v4 (Socket.IO v2 client) CONNECT
//! carries in its namespace query, shaped as the reference server's
//! `url.parse(nsp, true).query`.

use serde_json::{json, Value};
use socketio_proto::Json;

fn auth(query: Option<&str>) -> Value {
    Json::from_v4_query(query).to_owned_value().expect("the auth is JSON")
}

#[test]
fn no_query_is_an_empty_object() {
    assert_eq!(auth(None), json!({}));
    assert_eq!(auth(Some("")), json!({}));
}

#[test]
fn each_parameter_becomes_a_string_field() {
    assert_eq!(auth(Some("token=secret&user=ann")), json!({ "token": "secret", "user": "ann" }));
}

#[test]
fn plus_and_percent_escapes_are_decoded() {
    assert_eq!(auth(Some("name=a+b%26c&k%3D=%C3%A9")), json!({ "name": "a b&c", "k=": "é" }));
}

#[test]
fn a_malformed_escape_is_kept_as_it_is() {
    assert_eq!(auth(Some("a=%zz&b=%4")), json!({ "a": "%zz", "b": "%4" }));
}

#[test]
fn a_key_without_value_is_an_empty_string_and_empty_pairs_are_skipped() {
    assert_eq!(auth(Some("flag&&x=1")), json!({ "flag": "", "x": "1" }));
}

#[test]
fn a_repeated_key_gives_an_array_of_its_values() {
    assert_eq!(auth(Some("a=1&a=2&a=3")), json!({ "a": ["1", "2", "3"] }));
}

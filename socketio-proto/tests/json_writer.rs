//! Arguments are written as compact JSON byte for byte as
//! `serde_json::to_string` writes them, whatever the value: both through
//! `ArgsBuilder::arg` and through `Encoded::event(…).arg`.

use std::collections::BTreeMap;

use bytes::Bytes;
use proptest::prelude::*;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use socketio_proto::{Args, Binary, Encoded};

/// The argument text written by `ArgsBuilder::arg`.
fn built<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    Ok(Args::builder().arg(value)?.build().json().as_str().to_owned())
}

/// The argument text written by `Encoded::event(…).arg`.
fn direct<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let encoded = Encoded::event("/", "e", None).arg(value)?.finish();
    let text = encoded.text().as_str();
    let inner = text.strip_prefix("2[\"e\",").and_then(|rest| rest.strip_suffix(']'));
    Ok(inner.expect("an event array").to_owned())
}

/// Both writers produce serde_json's text, or both fail where it fails.
fn assert_like_serde_json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string(value) {
        Ok(expected) => {
            assert_eq!(built(value).expect("ArgsBuilder::arg"), expected);
            assert_eq!(direct(value).expect("PacketWriter::arg"), expected);
        }
        Err(_) => {
            assert!(built(value).is_err());
            assert!(direct(value).is_err());
        }
    }
}

// ---------------------------------------------------------------- strategies

/// Characters from every escape class: control characters (short and
/// `\u00XX` escapes), quote, backslash, DEL, slash, ASCII, multi-byte.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0u8..0x20).prop_map(char::from),
        Just('"'),
        Just('\\'),
        Just('/'),
        Just('\u{7f}'),
        Just('\u{2028}'),
        proptest::char::range('a', 'z'),
        any::<char>(),
    ]
}

fn any_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(any_char(), 0..24).prop_map(|chars| chars.into_iter().collect())
}

/// Doubles with a few decimals (the fast path), around its edges, and any bits.
fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1_000_000_000_000i64..1_000_000_000_000, 0i32..12).prop_map(|(m, k)| m as f64 / 10f64.powi(k)),
        (-100_000i64..100_000, 0i32..8).prop_map(|(m, k)| m as f64 / 10f64.powi(k)),
        (1u64..1 << 53, -60i32..60).prop_map(|(m, e)| m as f64 * 2f64.powi(e)),
        any::<f64>(),
        Just(0.001),
        Just(0.000_999_999_999_999_999_9),
        Just(1_125_899_906_842_624.0),
        Just(1e15),
        Just(1e16),
        Just(-0.0),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any_f64().prop_map(Value::from),
        any_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((any_string(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

// ---------------------------------------------------------------- derived types

#[derive(Serialize, Debug, Clone)]
struct UnitStruct;

#[derive(Serialize, Debug, Clone)]
struct Newtype(f64);

#[derive(Serialize, Debug, Clone)]
struct TupleStruct(i16, String);

#[derive(Serialize, Debug, Clone)]
struct EmptyStruct {}

#[derive(Serialize, Debug, Clone)]
enum Kind {
    Unit,
    Newtype(String),
    Tuple(i32, f64),
    Struct {
        a: u8,
        b: Option<String>,
    },
    EmptyTuple(),
    EmptyStruct {},
    #[serde(rename = "re\"named")]
    Renamed,
}

/// A unit variant used as a map key (serde_json writes its name).
#[derive(Serialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum KeyVariant {
    First,
    Second,
}

/// `serialize_bytes` (serde_json writes an array of numbers).
#[derive(Debug, Clone)]
struct RawBytes(Vec<u8>);

impl Serialize for RawBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

#[derive(Serialize, Debug, Clone)]
struct Everything {
    id: u32,
    /// Only there to be skipped.
    #[serde(skip)]
    #[allow(dead_code)]
    hidden: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    maybe: Option<i64>,
    kinds: Vec<Kind>,
    int_keys: BTreeMap<i32, char>,
    bool_keys: BTreeMap<bool, ()>,
    char_keys: BTreeMap<char, UnitStruct>,
    variant_keys: BTreeMap<String, Newtype>,
    bytes: RawBytes,
    pair: TupleStruct,
    empty: EmptyStruct,
    small: (i8, u8, i16, u16, i32, u64),
    wide: (i128, u128),
    single: f32,
    text: String,
    nothing: (),
}

fn any_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Unit),
        any_string().prop_map(Kind::Newtype),
        (any::<i32>(), any_f64()).prop_map(|(a, b)| Kind::Tuple(a, b)),
        (any::<u8>(), proptest::option::of(any_string())).prop_map(|(a, b)| Kind::Struct { a, b }),
        Just(Kind::EmptyTuple()),
        Just(Kind::EmptyStruct {}),
        Just(Kind::Renamed),
    ]
}

prop_compose! {
    fn any_everything()(
        id in any::<u32>(),
        hidden in any::<u8>(),
        maybe in proptest::option::of(any::<i64>()),
        kinds in proptest::collection::vec(any_kind(), 0..6),
        int_keys in proptest::collection::btree_map(any::<i32>(), any_char(), 0..4),
        bool_keys in proptest::collection::btree_map(any::<bool>(), Just(()), 0..2),
        char_keys in proptest::collection::btree_map(any_char(), Just(UnitStruct), 0..4),
        variant_keys in proptest::collection::btree_map(any_string(), any_f64().prop_map(Newtype), 0..4),
        bytes in proptest::collection::vec(any::<u8>(), 0..16),
        pair in (any::<i16>(), any_string()),
        small in any::<(i8, u8, i16, u16, i32, u64)>(),
        wide in any::<(i128, u128)>(),
        single in any::<f32>(),
        text in any_string(),
    ) -> Everything {
        Everything {
            id, hidden, maybe, kinds, int_keys, bool_keys, char_keys, variant_keys,
            bytes: RawBytes(bytes), pair: TupleStruct(pair.0, pair.1), empty: EmptyStruct {},
            small, wide, single, text, nothing: (),
        }
    }
}

proptest! {
    #[test]
    fn any_json_value_is_written_like_serde_json(value in any_value()) {
        assert_like_serde_json(&value);
    }

    #[test]
    fn any_f64_is_written_like_serde_json(value in any_f64()) {
        assert_like_serde_json(&value);
    }

    #[test]
    fn any_f32_is_written_like_serde_json(value in any::<f32>()) {
        assert_like_serde_json(&value);
    }

    #[test]
    fn any_integer_is_written_like_serde_json(
        wide in any::<(i128, u128, i64, u64)>(),
        narrow in any::<(i8, u8, i16, u16, i32, u32)>(),
    ) {
        assert_like_serde_json(&wide);
        assert_like_serde_json(&narrow);
    }

    #[test]
    fn any_string_is_escaped_like_serde_json(text in any_string()) {
        assert_like_serde_json(&text);
    }

    #[test]
    fn any_derived_value_is_written_like_serde_json(value in any_everything()) {
        assert_like_serde_json(&value);
    }

    #[test]
    fn any_char_is_written_like_serde_json(value in any_char()) {
        assert_like_serde_json(&value);
    }

    #[test]
    fn float_keys_are_written_like_serde_json(key in any_f64()) {
        assert_like_serde_json(&OneEntry(key));
    }
}

// ---------------------------------------------------------------- examples

#[test]
fn every_control_character_is_escaped_like_serde_json() {
    let text: String = (0u8..0x20).map(char::from).chain(['"', '\\', '\u{7f}']).collect();
    assert_eq!(built(&text).unwrap(), serde_json::to_string(&text).unwrap());
    assert_eq!(built("\u{1f}\n").unwrap(), r#""\u001f\n""#);
}

#[test]
fn an_escape_at_any_position_of_a_short_string_is_seen() {
    for len in 0..=20 {
        for at in 0..len {
            for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', ' ', '\u{7f}', 'é'] {
                let text: String = (0..len).map(|index| if index == at { special } else { 'a' }).collect();
                assert_eq!(built(&text).unwrap(), serde_json::to_string(&text).unwrap(), "{text:?}");
            }
        }
    }
}

#[test]
fn non_finite_floats_are_written_as_null() {
    assert_eq!(built(&(f64::NAN, f64::INFINITY, f32::NEG_INFINITY)).unwrap(), "[null,null,null]");
}

#[test]
fn common_floats_keep_their_shortest_digits() {
    let floats = [1.5, 100.0, -0.25, 0.1, 0.001, 123_456.789, 1e15, -0.0, 0.0, 1e-7, 1e16, 2.5e300];
    assert_eq!(
        built(&floats).unwrap(),
        "[1.5,100.0,-0.25,0.1,0.001,123456.789,1000000000000000.0,-0.0,0.0,1e-7,1e+16,2.5e+300]"
    );
    assert_like_serde_json(&floats);
    let decimals = [0.5, 0.05, 1.0000001, 0.12345678, 1.123456789, 0.0010001, 123_456_789.5, 1e-10, 1.0000000001];
    assert_like_serde_json(&decimals);
}

#[test]
fn enum_variants_are_written_like_serde_json() {
    let kinds = [
        Kind::Unit,
        Kind::Newtype("x".into()),
        Kind::Tuple(-1, 0.5),
        Kind::Struct { a: 1, b: None },
        Kind::EmptyTuple(),
        Kind::EmptyStruct {},
        Kind::Renamed,
    ];
    assert_eq!(
        built(&kinds).unwrap(),
        r#"["Unit",{"Newtype":"x"},{"Tuple":[-1,0.5]},{"Struct":{"a":1,"b":null}},{"EmptyTuple":[]},{"EmptyStruct":{}},"re\"named"]"#
    );
    assert_like_serde_json(&kinds);
}

#[test]
fn non_string_map_keys_are_quoted_like_serde_json() {
    assert_like_serde_json(&BTreeMap::from([(KeyVariant::First, 1i8), (KeyVariant::Second, 2)]));
    assert_like_serde_json(&BTreeMap::from([(-3i64, 1u8), (7, 2)]));
    assert_like_serde_json(&BTreeMap::from([(u128::MAX, 1u8)]));
    assert_like_serde_json(&BTreeMap::from([(true, 1u8), (false, 2)]));
    assert_like_serde_json(&BTreeMap::from([('"', 1u8)]));
    assert_like_serde_json(&BTreeMap::from([(Some("k"), 1u8)]));
}

#[test]
fn keys_serde_json_refuses_are_refused() {
    assert!(serde_json::to_string(&OneEntry(f64::NAN)).is_err());
    assert!(built(&OneEntry(f64::NAN)).is_err());
    assert!(direct(&OneEntry(f32::INFINITY)).is_err());
    assert_like_serde_json(&BTreeMap::from([(vec![1u8], 1u8)]));
    assert_like_serde_json(&BTreeMap::from([((), 1u8)]));
    assert_like_serde_json(&BTreeMap::from([(None::<&str>, 1u8)]));
    assert_like_serde_json(&BTreeMap::from([(UnitStructKey, 1u8)]));
}

#[test]
fn an_error_after_a_binary_value_fails_the_argument() {
    let value = BinaryThenBadKey(Binary(Bytes::from_static(b"x")));
    assert!(built(&value).is_err());
    assert!(direct(&value).is_err());
    assert!(Args::from_tuple(&(&value,)).is_err());
}

#[test]
fn binary_values_in_maps_and_variants_become_placeholders() {
    #[derive(Serialize)]
    enum Upload {
        File { name: &'static str, data: Binary },
    }
    let map = BTreeMap::from([("a", Binary(Bytes::from_static(b"1")))]);
    let upload = Upload::File { name: "f", data: Binary(Bytes::from_static(b"2")) };
    let args = Args::builder().arg(&map).unwrap().arg(&upload).unwrap().build();
    assert_eq!(
        args.json().as_str(),
        r#"{"a":{"_placeholder":true,"num":0}},{"File":{"name":"f","data":{"_placeholder":true,"num":1}}}"#
    );
    assert_eq!(args.attachments(), [Bytes::from_static(b"1"), Bytes::from_static(b"2")]);
}

// ---------------------------------------------------------------- helpers

/// A map with one float key (serde_json quotes finite ones, refuses others).
#[derive(Debug)]
struct OneEntry<K>(K);

impl<K: Serialize> Serialize for OneEntry<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.0, &1)?;
        map.end()
    }
}

/// A unit struct used as a map key (serde_json refuses it).
#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct UnitStructKey;

/// A binary value (an attachment), then a map with a NaN key (an error).
struct BinaryThenBadKey(Binary);

impl Serialize for BinaryThenBadKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(2)?;
        tuple.serialize_element(&self.0)?;
        tuple.serialize_element(&OneEntry(f64::NAN))?;
        tuple.end()
    }
}

//! Binary values inside arguments: the [`Binary`] type, and the serde adapters
//! that turn it into an attachment placeholder `{"_placeholder":true,"num":N}`
//! when encoding, and back into bytes when decoding.
//!
//! The crate's JSON writer (encoding) and an adapter around serde_json's
//! deserializer (decoding) watch for [`Binary`]'s private newtype name;
//! everything else passes through. A
//! [`Binary`] inside `#[serde(flatten)]` or an untagged/internally tagged enum
//! is not seen (serde buffers those values first), so keep binary values in
//! plain fields, sequences, maps and externally tagged enums.

use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use serde::de::{self, DeserializeSeed, IgnoredAny, Visitor};
use serde::ser::{self, Serialize, Serializer};
use serde::{Deserialize, Deserializer};

/// The newtype name [`Binary`] serializes under; the adapters look for it.
pub(crate) const TOKEN: &str = "$socketio_proto::Binary";

/// A binary value inside event or ack arguments.
///
/// Encoded through [`crate::Args`], it becomes a placeholder
/// `{"_placeholder":true,"num":N}` plus attachment `N`. Decoded through
/// [`crate::Args::deserialize`], a placeholder becomes the attachment's bytes
/// (copied into the `Binary`; borrow a `&[u8]` field with `#[serde(borrow)]`
/// via [`BinaryRef`] to avoid the copy).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Binary(pub Bytes);

/// A borrowed binary value: decodes a placeholder into the attachment's bytes
/// without copying (the arguments must outlive it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BinaryRef<'a>(pub &'a [u8]);

struct RawBytes<'a>(&'a [u8]);

impl Serialize for RawBytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(TOKEN, &RawBytes(&self.0))
    }
}

impl Serialize for BinaryRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(TOKEN, &RawBytes(self.0))
    }
}

struct BinaryVisitor;

impl<'de> Visitor<'de> for BinaryVisitor {
    type Value = Bytes;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a binary attachment placeholder")
    }
    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
        Ok(Bytes::copy_from_slice(bytes))
    }
    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
        Ok(Bytes::from(bytes))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Bytes, D::Error> {
        deserializer.deserialize_byte_buf(self)
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Binary, D::Error> {
        deserializer.deserialize_newtype_struct(TOKEN, BinaryVisitor).map(Binary)
    }
}

struct BinaryRefVisitor;

impl<'de> Visitor<'de> for BinaryRefVisitor {
    type Value = &'de [u8];
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a binary attachment placeholder")
    }
    fn visit_borrowed_bytes<E: de::Error>(self, bytes: &'de [u8]) -> Result<&'de [u8], E> {
        Ok(bytes)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<&'de [u8], D::Error> {
        deserializer.deserialize_bytes(self)
    }
}

impl<'de> Deserialize<'de> for BinaryRef<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<BinaryRef<'de>, D::Error> {
        deserializer.deserialize_newtype_struct(TOKEN, BinaryRefVisitor).map(BinaryRef)
    }
}

// ---------------------------------------------------------------- encoding

#[derive(serde::Deserialize)]
struct Placeholder {
    #[serde(rename = "_placeholder")]
    placeholder: bool,
    num: u64,
}

/// Captures the bytes a [`Binary`] hands to `serialize_bytes` (used by the
/// JSON writer when it meets [`TOKEN`]).
pub(crate) struct Capture;

impl Capture {
    fn refuse<E: ser::Error>() -> E {
        E::custom("binary placeholder expects bytes")
    }
}

macro_rules! capture_refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Bytes, serde_json::Error> { Err(Capture::refuse()) })*
    };
}

impl Serializer for Capture {
    type Ok = Bytes;
    type Error = serde_json::Error;
    type SerializeSeq = ser::Impossible<Bytes, serde_json::Error>;
    type SerializeTuple = ser::Impossible<Bytes, serde_json::Error>;
    type SerializeTupleStruct = ser::Impossible<Bytes, serde_json::Error>;
    type SerializeTupleVariant = ser::Impossible<Bytes, serde_json::Error>;
    type SerializeMap = ser::Impossible<Bytes, serde_json::Error>;
    type SerializeStruct = ser::Impossible<Bytes, serde_json::Error>;
    type SerializeStructVariant = ser::Impossible<Bytes, serde_json::Error>;

    fn serialize_bytes(self, bytes: &[u8]) -> Result<Bytes, serde_json::Error> {
        Ok(Bytes::copy_from_slice(bytes))
    }
    capture_refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Bytes, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Bytes, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Bytes, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, serde_json::Error> {
        Err(Capture::refuse())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, serde_json::Error> {
        Err(Capture::refuse())
    }
}

// ---------------------------------------------------------------- decoding

/// Deserializes through `inner`, turning placeholders wanted as [`Binary`]
/// into the attachments' bytes.
pub(crate) struct AttachDe<'de, D> {
    pub(crate) inner: D,
    pub(crate) attachments: &'de [Bytes],
}

struct AttachVisitor<'de, V> {
    visitor: V,
    attachments: &'de [Bytes],
}

struct AttachSeed<'de, S> {
    seed: S,
    attachments: &'de [Bytes],
}

struct AttachAccess<'de, A> {
    access: A,
    attachments: &'de [Bytes],
}

macro_rules! forward_de {
    ($($method:ident$(($($arg:ident: $ty:ty),*))?),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method($($($arg,)*)? AttachVisitor { visitor, attachments: self.attachments })
        })*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for AttachDe<'de, D> {
    type Error = D::Error;

    forward_de!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_unit_struct(name: &'static str),
        deserialize_seq,
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map,
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        if name != TOKEN {
            let visitor = AttachVisitor { visitor, attachments: self.attachments };
            return self.inner.deserialize_newtype_struct(name, visitor);
        }
        let placeholder = Placeholder::deserialize(self.inner)?;
        let bytes = usize::try_from(placeholder.num)
            .ok()
            .filter(|_| placeholder.placeholder)
            .and_then(|num| self.attachments.get(num))
            .ok_or_else(|| <D::Error as de::Error>::custom("invalid attachment placeholder"))?;
        visitor.visit_borrowed_bytes(bytes)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> { self.visitor.$method(v) })*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for AttachVisitor<'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(alloc::string::String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(AttachDe { inner, attachments: self.attachments })
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(AttachDe { inner, attachments: self.attachments })
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, access: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(AttachAccess { access, attachments: self.attachments })
    }
    fn visit_map<A: de::MapAccess<'de>>(self, access: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(AttachAccess { access, attachments: self.attachments })
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, access: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(AttachAccess { access, attachments: self.attachments })
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for AttachSeed<'de, S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(AttachDe { inner, attachments: self.attachments })
    }
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for AttachAccess<'de, A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.access.next_element_seed(AttachSeed { seed, attachments: self.attachments })
    }
    fn size_hint(&self) -> Option<usize> {
        self.access.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for AttachAccess<'de, A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.access.next_key_seed(AttachSeed { seed, attachments: self.attachments })
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.access.next_value_seed(AttachSeed { seed, attachments: self.attachments })
    }
    fn size_hint(&self) -> Option<usize> {
        self.access.size_hint()
    }
}

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for AttachAccess<'de, A> {
    type Error = A::Error;
    type Variant = AttachAccess<'de, A::Variant>;
    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, access) = self.access.variant_seed(AttachSeed { seed, attachments: self.attachments })?;
        Ok((value, AttachAccess { access, attachments: self.attachments }))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for AttachAccess<'de, A> {
    type Error = A::Error;
    fn unit_variant(self) -> Result<(), A::Error> {
        self.access.unit_variant()
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.access.newtype_variant_seed(AttachSeed { seed, attachments: self.attachments })
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.access.tuple_variant(len, AttachVisitor { visitor, attachments: self.attachments })
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.access.struct_variant(fields, AttachVisitor { visitor, attachments: self.attachments })
    }
}

/// The top-level deserializer of an argument list: reads the JSON array,
/// optionally skips its first element (the event name), and hands the rest to
/// the target type as a sequence.
pub(crate) struct ArgsDe<'de, D> {
    pub(crate) inner: D,
    pub(crate) attachments: &'de [Bytes],
    pub(crate) skip_first: bool,
}

struct SkipFirst<'de, V> {
    visitor: AttachVisitor<'de, V>,
    skip_first: bool,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for SkipFirst<'de, V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an argument array")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut access: A) -> Result<V::Value, A::Error> {
        if self.skip_first {
            access.next_element::<IgnoredAny>()?;
        }
        self.visitor.visit_seq(access)
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ArgsDe<'de, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = AttachVisitor { visitor, attachments: self.attachments };
        self.inner.deserialize_seq(SkipFirst { visitor, skip_first: self.skip_first })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

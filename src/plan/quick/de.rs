//! A serde deserializer over a [`Doc`]: it makes the same visitor calls as `toml`'s does for
//! the same tree (borrowed strings as borrowed, datetimes as `toml_datetime`'s one-entry map,
//! keys in sorted order), so the typed plan comes out the same. Any error means "not sure":
//! the loader then deserializes with `toml`, whose message the user sees.

use std::borrow::Cow;

use serde::Deserialize as _;
use serde::de::{self, IntoDeserializer as _, Visitor};
use toml_datetime::de::DatetimeDeserializer;

use super::{Doc, Key, Node, Table, Value};
use crate::plan::model::Plan;

/// The typed plan of a document, or `None` when the model refuses something in it.
pub fn plan(doc: Doc<'_>) -> Option<Plan> {
    Plan::deserialize(ValueDe(Value::Table(doc.root))).ok()
}

/// Deserialization gave up; the loader asks `toml` what went wrong.
#[derive(Debug)]
pub struct Unsure;

impl std::fmt::Display for Unsure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("left to toml")
    }
}

impl std::error::Error for Unsure {}

impl de::Error for Unsure {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsure
    }
}

struct ValueDe<'i>(Value<'i>);

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = Unsure;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsure> {
        match self.0 {
            Value::String(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Value::String(Cow::Owned(s)) => visitor.visit_string(s),
            Value::Integer(i) => visitor.visit_i64(i),
            Value::Float(f) => visitor.visit_f64(f),
            Value::Boolean(b) => visitor.visit_bool(b),
            Value::Datetime(d) => visitor.visit_map(DatetimeDeserializer::new(d)),
            Value::Array(items, _) => visitor.visit_seq(Items(items.into_iter())),
            Value::Table(t) => visitor.visit_map(Entries::of(t)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsure> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Unsure> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsure> {
        // `toml::Spanned` reads the span from `toml`'s own deserializer only.
        if name.contains("serde_spanned") {
            return Err(Unsure);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsure> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            // A variant written as a table: not in the plan model; `toml` decides.
            _ => Err(Unsure),
        }
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 f32 f64 char str string seq
        bytes byte_buf map unit ignored_any unit_struct tuple_struct tuple identifier
    }
}

struct Items<'i>(std::vec::IntoIter<Node<'i>>);

impl<'de> de::SeqAccess<'de> for Items<'de> {
    type Error = Unsure;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Unsure> {
        self.0.next().map(|n| seed.deserialize(ValueDe(n.value))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'i> {
    iter: std::vec::IntoIter<(Key<'i>, Node<'i>)>,
    value: Option<Value<'i>>,
}

impl<'i> Entries<'i> {
    fn of(t: Table<'i>) -> Self {
        Entries { iter: t.entries.into_iter(), value: None }
    }
}

impl<'de> de::MapAccess<'de> for Entries<'de> {
    type Error = Unsure;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Unsure> {
        let Some((key, node)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some(node.value);
        seed.deserialize(key.name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Unsure> {
        seed.deserialize(ValueDe(self.value.take().ok_or(Unsure)?))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

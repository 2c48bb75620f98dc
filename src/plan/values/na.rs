//! Sections that may not apply: `{ na = "reason" }`.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A section that may not apply: either its content, or `{ na = "reason" }`.
#[derive(Debug, Clone, PartialEq)]
pub enum Na<T> {
    Applies(T),
    NotApplicable(String),
}

impl<T> Na<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Na::Applies(t) => Some(t),
            Na::NotApplicable(_) => None,
        }
    }
}

impl<T: Default> Default for Na<T> {
    fn default() -> Self {
        Na::Applies(T::default())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Na<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Na<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table, or { na = \"reason\" } when the section does not apply")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Na<T>, A::Error> {
                let Some(first) = map.next_key::<String>()? else {
                    let empty = std::iter::empty::<(String, String)>();
                    return T::deserialize(de::value::MapDeserializer::new(empty)).map(Na::Applies);
                };
                if first == "na" {
                    let reason: String = map.next_value()?;
                    if reason.trim().is_empty() {
                        return Err(de::Error::custom("`na` needs a reason: na = \"why this section does not apply\""));
                    }
                    if let Some(other) = map.next_key::<String>()? {
                        return Err(de::Error::custom(format!(
                            "a section marked `na` takes no other keys, found `{other}`; remove `na` or the other keys"
                        )));
                    }
                    return Ok(Na::NotApplicable(reason));
                }
                T::deserialize(de::value::MapAccessDeserializer::new(Replay { first: Some(first), inner: map }))
                    .map(Na::Applies)
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Hands a map's first key (already read to look for `na`) back to the real deserializer.
struct Replay<A> {
    first: Option<String>,
    inner: A,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Replay<A> {
    type Error = A::Error;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(key) => seed.deserialize(de::value::StringDeserializer::new(key)).map(Some),
            None => self.inner.next_key_seed(seed),
        }
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

impl<T: Serialize> Serialize for Na<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Na::Applies(t) => t.serialize(serializer),
            Na::NotApplicable(reason) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("na", reason)?;
                map.end()
            }
        }
    }
}

impl<T: JsonSchema> JsonSchema for Na<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Na_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let inner = generator.subschema_for::<T>();
        json_schema!({
            "anyOf": [
                inner,
                {
                    "type": "object",
                    "description": "The section does not apply; say why.",
                    "properties": { "na": { "type": "string", "minLength": 1 } },
                    "required": ["na"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

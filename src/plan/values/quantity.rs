//! Quantities with units, percentages, money and acceptance targets.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A physical dimension; values of one dimension convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Time,
    Bytes,
    Rate,
    Ratio,
    Count,
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dimension::Time => "a time",
            Dimension::Bytes => "a size in bytes",
            Dimension::Rate => "a rate",
            Dimension::Ratio => "a ratio or percentage",
            Dimension::Count => "a count",
        })
    }
}

/// Units a quantity or a metric may carry, with their factor to the dimension's base unit
/// (seconds, bytes, per second, ratio 0..1, count).
const UNITS: &[(&str, Dimension, f64)] = &[
    ("ns", Dimension::Time, 1e-9),
    ("us", Dimension::Time, 1e-6),
    ("µs", Dimension::Time, 1e-6),
    ("ms", Dimension::Time, 1e-3),
    ("s", Dimension::Time, 1.0),
    ("min", Dimension::Time, 60.0),
    ("h", Dimension::Time, 3600.0),
    ("d", Dimension::Time, 86400.0),
    ("B", Dimension::Bytes, 1.0),
    ("KB", Dimension::Bytes, 1e3),
    ("MB", Dimension::Bytes, 1e6),
    ("GB", Dimension::Bytes, 1e9),
    ("TB", Dimension::Bytes, 1e12),
    ("KiB", Dimension::Bytes, 1024.0),
    ("MiB", Dimension::Bytes, 1_048_576.0),
    ("GiB", Dimension::Bytes, 1_073_741_824.0),
    ("TiB", Dimension::Bytes, 1_099_511_627_776.0),
    ("rps", Dimension::Rate, 1.0),
    ("rpm", Dimension::Rate, 1.0 / 60.0),
    ("ops", Dimension::Rate, 1.0),
    ("%", Dimension::Ratio, 0.01),
    ("ratio", Dimension::Ratio, 1.0),
    ("count", Dimension::Count, 1.0),
];

pub const UNIT_NAMES: &str =
    "ns, us, ms, s, min, h, d, B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, rps, rpm, ops, %, ratio, count";

/// A unit of measure, as declared on evidence metrics (`unit = "ms"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub name: &'static str,
    pub dimension: Dimension,
    pub factor: f64,
}

impl Unit {
    pub fn parse(text: &str) -> Result<Self, String> {
        UNITS
            .iter()
            .find(|(n, _, _)| *n == text)
            .map(|(name, dimension, factor)| Unit { name, dimension: *dimension, factor: *factor })
            .ok_or_else(|| format!("unknown unit `{text}`; known units: {UNIT_NAMES}"))
    }

    pub fn count() -> Self {
        Unit { name: "count", dimension: Dimension::Count, factor: 1.0 }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

string_value!(Unit, "^.+$", "A unit: ns, us, ms, s, min, h, d, B … TiB, rps, rpm, ops, %, ratio, count");

/// A number with a unit: `"250ms"`, `"500rps"`, `"120GiB"`, `"99.9%"`, or a bare count `"0"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
}

impl Quantity {
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let split =
            trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let hint = format!(
            "write a number and a unit without a space, e.g. \"250ms\", \"500rps\", \"120GiB\", \"99.9%\"; known units: {UNIT_NAMES}"
        );
        let value: f64 = number.parse().map_err(|_| format!("`{text}` is not a quantity; {hint}"))?;
        if !value.is_finite() {
            return Err(format!("`{text}` is not a finite number"));
        }
        if unit.starts_with(' ') {
            return Err(format!("`{text}` is not a quantity; {hint}"));
        }
        let unit = if unit.is_empty() {
            Unit::count()
        } else {
            Unit::parse(unit).map_err(|e| format!("`{text}` is not a quantity: {e}"))?
        };
        Ok(Quantity { value, unit })
    }

    /// The value in the dimension's base unit.
    pub fn base(&self) -> f64 {
        self.value * self.unit.factor
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unit.name == "count" {
            write!(f, "{}", self.value)
        } else {
            write!(f, "{}{}", self.value, self.unit.name)
        }
    }
}

string_value!(
    Quantity,
    "^[0-9.+-]+[A-Za-z%µ]*$",
    "A quantity: a number and a unit, e.g. \"250ms\", \"500rps\", \"120GiB\", \"99.9%\""
);

/// A percentage written as a number from 0 to 100 (`99.9`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Percent(pub f64);

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Percent;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percentage: a number from 0 to 100, such as 99.9")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Percent, E> {
                if (0.0..=100.0).contains(&v) {
                    Ok(Percent(v))
                } else {
                    Err(E::custom(format!("{v} is not a percentage; use a number from 0 to 100 (99.9 means 99.9 %)")))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Percent, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Percent, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Percent, E> {
                Err(E::custom(format!(
                    "expected a percentage as a number from 0 to 100 (99.9), found the string \"{v}\""
                )))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for Percent {
    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "A percentage from 0 to 100", "type": "number", "minimum": 0, "maximum": 100 })
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// How often a money amount recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Once,
    Month,
    Quarter,
    Year,
}

/// An amount of money: `{ amount = 24000, currency = "EUR", per = "year" }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub amount: f64,
    pub currency: Currency,
    #[serde(default = "per_once")]
    pub per: Per,
}

fn per_once() -> Per {
    Per::Once
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = match self.per {
            Per::Once => "",
            Per::Month => "/month",
            Per::Quarter => "/quarter",
            Per::Year => "/year",
        };
        write!(f, "{} {}{per}", self.amount, self.currency.0)
    }
}

/// An ISO 4217 currency code (`EUR`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Currency(pub String);

impl Currency {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Currency(text.to_owned()))
        } else {
            Err(format!("`{text}` is not a currency code; use ISO 4217, e.g. \"EUR\" or \"USD\""))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Currency::parse(&String::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

impl JsonSchema for Currency {
    fn schema_name() -> Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "ISO 4217 currency code", "type": "string", "pattern": "^[A-Z]{3}$" })
    }
}

/// A target of an acceptance criterion: a quantity (`"250ms"`, `0`) or money.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Quantity(Quantity),
    Money(Money),
}

impl Target {
    /// The value in base units (seconds, bytes, ratio…), or the amount of money.
    pub fn base(&self) -> f64 {
        match self {
            Target::Quantity(q) => q.base(),
            Target::Money(m) => m.amount,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Quantity(q) => q.fmt(f),
            Target::Money(m) => m.fmt(f),
        }
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Target;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a quantity such as \"250ms\" or 0, or money { amount, currency, per }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Target, E> {
                Quantity::parse(v).map(Target::Quantity).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Target, E> {
                Ok(Target::Quantity(Quantity { value: v as f64, unit: Unit::count() }))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Target, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Target, E> {
                Ok(Target::Quantity(Quantity { value: v, unit: Unit::count() }))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Target, A::Error> {
                Money::deserialize(de::value::MapAccessDeserializer::new(map)).map(Target::Money)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Target::Quantity(q) => q.serialize(serializer),
            Target::Money(m) => m.serialize(serializer),
        }
    }
}

impl JsonSchema for Target {
    fn schema_name() -> Cow<'static, str> {
        "Target".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let q = generator.subschema_for::<Quantity>();
        let m = generator.subschema_for::<Money>();
        json_schema!({ "anyOf": [q, { "type": "number" }, m] })
    }
}

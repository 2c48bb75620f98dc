//! Typed values of the plan format, parsed once when a plan loads: dates, fixed durations,
//! calendar periods, percentages, quantities with units and money. Each type rejects bad
//! input with a message that says what a good value looks like; the loader attaches the span.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A calendar date (TOML local date, `2026-05-15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub jiff::civil::Date);

impl Date {
    pub fn new(year: i16, month: i8, day: i8) -> Option<Self> {
        jiff::civil::Date::new(year, month, day).ok().map(Date)
    }

    /// Parses `YYYY-MM-DD` (used by `--now` and in record files).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.trim().splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2026-05-15"));
        };
        let bad = || format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2026-05-15");
        let (y, m, d) = (
            y.parse::<i16>().map_err(|_| bad())?,
            m.parse::<i8>().map_err(|_| bad())?,
            d.parse::<i8>().map_err(|_| bad())?,
        );
        Date::new(y, m, d).ok_or_else(|| format!("{text} does not exist in the calendar (month {m} has no day {d})"))
    }

    /// The UTC date of a Unix timestamp (seconds).
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date(jiff::civil::Date::constant(1970, 1, 1)).add_days(seconds.div_euclid(86_400))
    }

    /// Days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: Date) -> i64 {
        let span = self.0.until(other.0).unwrap_or_default();
        // `until` between civil dates yields days only (largest unit = days).
        i64::from(span.get_days())
    }

    pub fn add_days(self, days: i64) -> Date {
        let span = jiff::Span::new().days(days.clamp(-7_000_000, 7_000_000));
        Date(self.0.checked_add(span).unwrap_or(self.0))
    }

    pub fn add_months(self, months: i64) -> Date {
        let span = jiff::Span::new().months(months.clamp(-200_000, 200_000));
        Date(self.0.checked_add(span).unwrap_or(self.0))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let dt = toml::value::Datetime::deserialize(deserializer)?;
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => Date::new(d.year as i16, d.month as i8, d.day as i8).ok_or_else(|| {
                de::Error::custom(format!(
                    "{dt} does not exist in the calendar (month {} has no day {})",
                    d.month, d.day
                ))
            }),
            _ => Err(de::Error::custom(format!("expected a date such as 2026-05-15, found the date-time {dt}"))),
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let date =
            toml::value::Date { year: self.0.year() as u16, month: self.0.month() as u8, day: self.0.day() as u8 };
        toml::value::Datetime { date: Some(date), time: None, offset: None }.serialize(serializer)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "A TOML local date, e.g. 2026-05-15", "type": "string", "format": "date" })
    }
}

/// A time of day (TOML local time, `08:00:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let dt = toml::value::Datetime::deserialize(deserializer)?;
        match (dt.date, dt.time) {
            (None, Some(t)) => Ok(TimeOfDay { hour: t.hour, minute: t.minute }),
            _ => Err(de::Error::custom(format!("expected a local time such as 08:00:00, found {dt}"))),
        }
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = toml::value::Time { hour: self.hour, minute: self.minute, second: Some(0), nanosecond: None };
        toml::value::Datetime { date: None, time: Some(time), offset: None }.serialize(serializer)
    }
}

impl JsonSchema for TimeOfDay {
    fn schema_name() -> Cow<'static, str> {
        "TimeOfDay".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "A TOML local time, e.g. 08:00:00", "type": "string", "format": "partial-time" })
    }
}

const FIXED_UNITS: &[(&str, u64)] =
    &[("ms", 1), ("s", 1_000), ("min", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)];
const CALENDAR_UNITS: &[(&str, i64)] = &[("mo", 1), ("q", 3), ("y", 12)];

/// Splits `"1h30min"` into `[(1, "h"), (30, "min")]`.
fn split_amounts(text: &str) -> Option<Vec<(u64, &str)>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let letters = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        if letters == 0 {
            return None;
        }
        out.push((number, &rest[..letters]));
        rest = &rest[letters..];
    }
    (!out.is_empty()).then_some(out)
}

const DURATION_HINT: &str =
    "write a number and a unit without spaces: ms, s, min, h, d or w (\"15min\", \"4h\", \"1h30min\")";

/// A fixed-length duration: `"15min"`, `"4h"`, `"1h30min"`. Compared by length, so `"60min"` equals `"1h"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    pub millis: u64,
}

impl Duration {
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts = split_amounts(text).ok_or_else(|| format!("`{text}` is not a duration; {DURATION_HINT}"))?;
        let mut millis: u64 = 0;
        for (n, unit) in parts {
            let Some((_, factor)) = FIXED_UNITS.iter().find(|(u, _)| *u == unit) else {
                let hint = if CALENDAR_UNITS.iter().any(|(u, _)| *u == unit) {
                    format!("`{unit}` is a calendar unit, and this field takes a fixed duration; {DURATION_HINT}")
                } else {
                    format!("unknown unit `{unit}`; {DURATION_HINT}")
                };
                return Err(format!("`{text}` is not a duration: {hint}"));
            };
            millis = n
                .checked_mul(*factor)
                .and_then(|v| millis.checked_add(v))
                .ok_or_else(|| format!("`{text}` is too long a duration"))?;
        }
        Ok(Duration { millis })
    }

    pub fn as_days_ceil(self) -> i64 {
        (self.millis.div_ceil(86_400_000)) as i64
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis == 0 {
            return write!(f, "0s");
        }
        let mut rest = self.millis;
        for (unit, factor) in FIXED_UNITS.iter().rev() {
            if *unit == "w" && !rest.is_multiple_of(*factor) {
                continue;
            }
            if rest >= *factor {
                write!(f, "{}{unit}", rest / factor)?;
                rest %= factor;
            }
        }
        Ok(())
    }
}

/// A review or test interval: either a fixed duration (`"90d"`) or a calendar period
/// (`"6mo"`, `"1q"`, `"1y"`), added to dates the way a calendar does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Fixed(Duration),
    Months(i64),
}

impl Period {
    pub fn parse(text: &str) -> Result<Self, String> {
        let hint = "write a number and a unit: d or w for days and weeks, mo, q or y for calendar months, quarters and years (\"90d\", \"6mo\", \"1y\")";
        let parts = split_amounts(text).ok_or_else(|| format!("`{text}` is not a period; {hint}"))?;
        if let [(n, unit)] = parts.as_slice()
            && let Some((_, months)) = CALENDAR_UNITS.iter().find(|(u, _)| u == unit)
        {
            return Ok(Period::Months(*n as i64 * months));
        }
        Duration::parse(text).map(Period::Fixed).map_err(|_| format!("`{text}` is not a period; {hint}"))
    }

    pub fn after(self, date: Date) -> Date {
        match self {
            Period::Fixed(d) => date.add_days(d.as_days_ceil()),
            Period::Months(m) => date.add_months(m),
        }
    }

    /// Approximate length in days, for comparisons between periods.
    pub fn approx_days(self) -> f64 {
        match self {
            Period::Fixed(d) => d.millis as f64 / 86_400_000.0,
            Period::Months(m) => m as f64 * 30.436875,
        }
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.approx_days().partial_cmp(&other.approx_days())
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Fixed(d) => d.fmt(f),
            Period::Months(m) if m % 12 == 0 => write!(f, "{}y", m / 12),
            Period::Months(m) => write!(f, "{m}mo"),
        }
    }
}

macro_rules! string_value {
    ($ty:ident, $pattern:expr, $desc:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $ty::parse(&text).map_err(de::Error::custom)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                stringify!($ty).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "description": $desc, "type": "string", "pattern": $pattern })
            }
        }
    };
}

string_value!(
    Duration,
    "^([0-9]+(ms|s|min|h|d|w))+$",
    "A fixed duration: a number and a unit (ms, s, min, h, d, w), e.g. \"15min\", \"4h\", \"1h30min\""
);
string_value!(
    Period,
    "^([0-9]+(mo|q|y)|([0-9]+(ms|s|min|h|d|w))+)$",
    "A period: fixed (\"90d\", \"2w\") or calendar (\"6mo\", \"1q\", \"1y\")"
);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_compare_by_length() {
        assert_eq!(Duration::parse("60min").unwrap(), Duration::parse("1h").unwrap());
        assert_eq!(Duration::parse("1h30min").unwrap().millis, 5_400_000);
        assert_eq!(Duration::parse("90min").unwrap().to_string(), "1h30min");
        assert_eq!(Duration::parse("14d").unwrap().to_string(), "2w");
    }

    #[test]
    fn durations_reject_prose_and_calendar_units() {
        let err = Duration::parse("15 minutes").unwrap_err();
        assert!(err.contains("\"15min\""), "{err}");
        assert!(Duration::parse("6mo").unwrap_err().contains("calendar unit"));
        assert!(Duration::parse("").is_err());
        assert!(Duration::parse("h").is_err());
    }

    #[test]
    fn periods_add_calendar_months() {
        let d = Date::new(2026, 8, 31).unwrap();
        assert_eq!(Period::parse("6mo").unwrap().after(d).to_string(), "2027-02-28");
        assert_eq!(Period::parse("1y").unwrap(), Period::Months(12));
        assert_eq!(Period::parse("90d").unwrap().after(d).to_string(), "2026-11-29");
    }

    #[test]
    fn quantities_carry_units() {
        let q = Quantity::parse("250ms").unwrap();
        assert_eq!(q.unit.dimension, Dimension::Time);
        assert!((q.base() - 0.25).abs() < 1e-12);
        assert_eq!(Quantity::parse("120GiB").unwrap().unit.dimension, Dimension::Bytes);
        assert_eq!(Quantity::parse("99.9%").unwrap().unit.dimension, Dimension::Ratio);
        assert_eq!(Quantity::parse("0").unwrap().unit.dimension, Dimension::Count);
        assert!(Quantity::parse("250 ms").is_err());
        assert!(Quantity::parse("250parsecs").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn dates_must_exist() {
        assert!(Date::parse("2026-02-30").unwrap_err().contains("does not exist"));
        assert_eq!(Date::parse("2026-02-28").unwrap().add_days(1).to_string(), "2026-03-01");
    }
}

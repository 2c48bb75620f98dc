//! Calendar and clock values: dates, times of day, fixed durations and calendar periods.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer};
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
        // Past the calendar's end, the end (a period of 99999999 years is "never").
        Date(self.0.checked_add(span).unwrap_or(if days > 0 { jiff::civil::Date::MAX } else { jiff::civil::Date::MIN }))
    }

    pub fn add_months(self, months: i64) -> Date {
        let span = jiff::Span::new().months(months.clamp(-200_000, 200_000));
        Date(self.0.checked_add(span).unwrap_or(if months > 0 {
            jiff::civil::Date::MAX
        } else {
            jiff::civil::Date::MIN
        }))
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
    pub second: u8,
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
            (None, Some(t)) => Ok(TimeOfDay { hour: t.hour, minute: t.minute, second: t.second.unwrap_or(0) }),
            _ => Err(de::Error::custom(format!("expected a local time such as 08:00:00, found {dt}"))),
        }
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time =
            toml::value::Time { hour: self.hour, minute: self.minute, second: Some(self.second), nanosecond: None };
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

    /// The date this period before `date` (a notice period before an expiry).
    pub fn before(self, date: Date) -> Date {
        match self {
            Period::Fixed(d) => date.add_days(-d.as_days_ceil()),
            Period::Months(m) => date.add_months(-m),
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

//! Typed values of the plan format, parsed once when a plan loads: dates, fixed durations,
//! calendar periods, percentages, quantities with units and money. Each type rejects bad
//! input with a message that says what a good value looks like; the loader attaches the span.

/// Implements Deserialize, Serialize and JsonSchema for a type written as a string in the
/// plan and parsed with its own `parse`.
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

mod na;
mod quantity;
mod time;

pub use na::Na;
pub use quantity::*;
pub use time::*;

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

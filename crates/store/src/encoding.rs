//! How domain values sit in columns both backends share: UTC timestamps without a
//! zone, JSON as text.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde_json::{Map, Value};

/// The column value for a point in time. PostgreSQL keeps microseconds; truncating
/// here makes SQLite store the same value, so both backends read back alike.
pub(crate) fn db_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

/// A stored timestamp, which is UTC by convention.
pub(crate) fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// A JSON object as column text.
pub(crate) fn object_text(map: &Map<String, Value>) -> String {
    // Display of a `Value` cannot fail, unlike `serde_json::to_string`.
    Value::Object(map.clone()).to_string()
}

/// A list of strings as column text (a JSON array).
pub(crate) fn strings_text(items: &[String]) -> String {
    Value::from(items.to_vec()).to_string()
}

/// Column text that must hold a JSON object.
pub(crate) fn parse_object(text: &str) -> Result<Map<String, Value>, serde_json::Error> {
    serde_json::from_str(text)
}

/// Column text that must hold a JSON array of strings.
pub(crate) fn parse_strings(text: &str) -> Result<Vec<String>, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_kept_to_the_microsecond() {
        let at = Utc.timestamp_opt(1_800_000_000, 123_456_789).unwrap();
        assert_eq!(utc(db_time(at)), Utc.timestamp_opt(1_800_000_000, 123_456_000).unwrap());
    }

    #[test]
    fn json_columns_round_trip() {
        let tags = vec!["a".to_owned(), "ü \"q\"".to_owned()];
        assert_eq!(parse_strings(&strings_text(&tags)).unwrap(), tags);
        let mut map = Map::new();
        map.insert("k".into(), serde_json::json!({"n": [1, 2.5, null]}));
        assert_eq!(parse_object(&object_text(&map)).unwrap(), map);
        assert!(parse_object("[1]").is_err());
    }
}

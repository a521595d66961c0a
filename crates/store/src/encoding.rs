//! How domain values sit in columns both backends share: UTC timestamps without a
//! zone, JSON as text.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteValue};
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

/// A `Timestamp` column read quickly: Diesel's SQLite reader hands the text to chrono's
/// format parser, trying up to 18 formats, which made timestamps a twentieth of a token
/// read. The form Diesel writes (`2026-12-04 12:00:00.123456`, or without a fraction)
/// is read by hand here; anything else still goes through Diesel. PostgreSQL sends
/// binary timestamps and is read by Diesel as before.
///
/// For the rows read on every request: `#[diesel(deserialize_as = Stamp)]` on a
/// `NaiveDateTime` field, [`MaybeStamp`] on an `Option<NaiveDateTime>` one.
#[derive(Debug, FromSqlRow)]
pub(crate) struct Stamp(NaiveDateTime);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(at) = sqlite_time(value.read_text()) {
            return Ok(Self(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

/// A nullable `Timestamp` column read like [`Stamp`].
#[derive(Debug, FromSqlRow)]
pub(crate) struct MaybeStamp(Option<NaiveDateTime>);

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(stamp: MaybeStamp) -> Self {
        stamp.0
    }
}

impl<DB: Backend> FromSql<Nullable<Timestamp>, DB> for MaybeStamp
where
    Stamp: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Stamp::from_sql(value).map(|s| Self(Some(s.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(Self(None)), Self::from_sql)
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1–9 digits; `None` for any other
/// text (which Diesel's own reader then gets).
fn sqlite_time(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if b.len() < 19 || separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let number = |digits: &[u8]| {
        digits
            .iter()
            .try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)?.and_hms_nano_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
        nanos,
    )
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
    fn sqlite_times_read_by_hand_as_chrono_reads_them() {
        for text in [
            "2026-12-04 12:00:00",
            "2026-12-04 12:00:00.1",
            "2026-12-04 12:00:00.123456",
            "1999-01-31 23:59:59.000001",
            "2024-02-29 00:00:00.123456789",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap();
            assert_eq!(sqlite_time(text), Some(chrono), "{text}");
        }
        // What Diesel writes for any microsecond value comes back unchanged.
        let at = Utc.timestamp_opt(1_800_000_000, 987_654_000).unwrap().naive_utc();
        assert_eq!(sqlite_time(&at.format("%F %T%.f").to_string()), Some(at));
        // Other forms are left to Diesel's reader; impossible dates are no dates.
        for text in [
            "2026-12-04T12:00:00",
            "2026-12-04 12:00",
            "2026-12-04 12:00:00Z",
            "2026-12-04 12:00:00.",
            "2026-12-04 12:00:00.1234567890",
            "2026-02-30 12:00:00",
            "2026-12-04 24:00:00",
            "2026-1a-04 12:00:00",
            "+2026-12-04 12:00:00",
        ] {
            assert_eq!(sqlite_time(text), None, "{text}");
        }
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

//! Client-defined JSON fields (Emporix `mixins`, WEBSALE custom data): bounded, so a
//! client cannot park arbitrary payloads on a customer or an address.

use serde_json::{Map, Value};

use super::ValueError;

/// Most members a custom object may have.
pub const MAX_CUSTOM_MEMBERS: usize = 100;
/// Longest custom object, as compact JSON, in bytes.
pub const MAX_CUSTOM_BYTES: usize = 16 * 1024;

/// Checks a custom object against [`MAX_CUSTOM_MEMBERS`] and [`MAX_CUSTOM_BYTES`].
pub fn check_custom(custom: &Map<String, Value>) -> Result<(), ValueError> {
    if custom.len() > MAX_CUSTOM_MEMBERS || Value::Object(custom.clone()).to_string().len() > MAX_CUSTOM_BYTES {
        return Err(ValueError::Malformed("at most 100 members and 16 KiB"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_objects_pass_and_large_ones_are_refused() {
        let mut m = Map::new();
        m.insert("tier".into(), "gold".into());
        assert!(check_custom(&m).is_ok());
        for i in 0..=MAX_CUSTOM_MEMBERS {
            m.insert(format!("k{i}"), Value::Null);
        }
        assert!(check_custom(&m).is_err());
        let mut big = Map::new();
        big.insert("blob".into(), "x".repeat(MAX_CUSTOM_BYTES).into());
        assert!(check_custom(&big).is_err());
    }
}
